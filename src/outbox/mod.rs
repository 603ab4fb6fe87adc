//! The outbox: what the bot has decided to say (`message`: written by the
//! desk inside the transaction that decided it), and the delivery worker
//! that says it, oldest first within each chat, and records what Telegram
//! answered.
//!
//! Each round claims what may go now (of every chat a run of rows from its
//! oldest, for a short lease) and sends the chats' runs side by side, each
//! run in order. A row is recorded only while the claim is this worker's,
//! so a worker that stalled past its lease cannot overwrite what a replica
//! that took over did.
//!
//! - 429: the chat waits `retry_after` (its later rows too, to keep order);
//! - network errors, timeouts and 5xx: the row is retried with exponential
//!   backoff and jitter; one that keeps failing while Telegram takes other
//!   messages is set aside after `MAX_ATTEMPTS` (about four minutes), staff
//!   told when it was for a user, so its chat moves on;
//! - 400 (bad request), 403 (blocked, not a member), 404 and every other
//!   4xx: the row fails with Telegram's reason and is not retried.
//!
//! The worker's jobs, a file each: `lanes` (the loop: chats side by side),
//! `worker` (claims, a chat's run), `deliver`
//! (one row), `send` (the request and what its answer means), `pacing`
//! (flood limits), `digest` (merging when the support chat is flooded),
//! `context` (a ticket's card and topic first), `album`, `recorder`
//! (recording sends in batches), `store` (the database side).

mod album;
mod context;
mod deliver;
mod digest;
mod lanes;
pub mod message;
mod pacing;
mod recorder;
mod send;
mod store;
mod support_chat;
#[cfg(test)]
mod tests;
mod worker;

pub use message::OutboxDraft;
pub use support_chat::SupportChat;
pub use worker::{DeliveryWorker, UNRECORDED_AT_MOST, UNRECORDED_AT_MOST_WITH_ALBUMS};

/// A poisoned lock still holds good data here (timestamps): take it.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
