//! ticketbot: a Telegram support desk. Users open tickets by messaging the
//! bot; staff answer from one support group. `ARCHITECTURE.md` is the map.
//!
//! The public surface is what `main` and the integration tests need: the
//! application (`app`), the command line (`cli`), the configuration
//! (`config`, with the `secret` type it holds) and the database start-up
//! (`db`: the TLS and pool tests examine the pool's own connections).
//! Everything else is the crate's own; tests reach it through the bot's
//! front doors (the Bot API, the CLI, HTTP) or as unit tests beside it.

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod secret;

pub(crate) mod clock;
pub(crate) mod desk;
pub(crate) mod domain;
pub(crate) mod http;
pub(crate) mod inbox;
pub(crate) mod metrics;
pub(crate) mod outbox;
pub(crate) mod render;
pub(crate) mod retention;
pub(crate) mod storage;
pub(crate) mod telegram;
pub(crate) mod timers;
pub(crate) mod web;

#[doc(hidden)]
pub mod bench;
#[cfg(test)]
mod layers;
#[cfg(test)]
mod testing;

/// How many messages a crash (`kill -9`) can make go twice: those sent and
/// not yet recorded (README, "Delivery is at least once").
pub use outbox::{UNRECORDED_AT_MOST, UNRECORDED_AT_MOST_WITH_ALBUMS};
