//! ticketbot's side of the Bot API: the poller that fills the inbox, the
//! delivery worker that empties the outbox, and the outbox's message types.

pub mod delivery;
pub mod outbound;
pub mod pacing;
pub mod poller;
pub mod recorder;
pub mod webhook;
