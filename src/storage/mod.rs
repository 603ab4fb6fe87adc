//! The only SQL: every statement the bot runs, one function each, on a
//! connection its caller holds. Reads take `&mut Conn`. A write that is
//! atomic by itself (one statement) takes `&mut Writer`: it runs alone, or
//! inside a caller's transaction (a `Tx` is a `Writer` too). A write of
//! several statements that must commit together takes `&mut Tx`, the
//! transaction its caller opened and will commit. A call never begins,
//! joins or commits a transaction of its own accord.
//!
//! A statement both backends run the same way is written once, inside
//! `on_conn!`, which compiles it for each backend's connection type (diesel's
//! query types are backend-specific). Where PostgreSQL has a faster form (one
//! statement instead of several round trips), the function matches on the
//! backend itself and keeps the two forms side by side.

mod fixed;
pub mod schema;

pub mod api_tokens;
pub mod doctor;
pub mod erasure;
pub mod export;
pub mod filing;
pub mod inbox;
pub mod listing;
pub mod messages;
pub mod outbox;
pub mod ratings;
pub mod repair;
pub mod response_clock;
pub mod retention;
pub mod rows;
pub mod search;
pub mod snippets;
pub mod staff;
pub mod statistics;
pub mod stats_days;
pub mod support_chat;
pub mod tickets;
pub mod users;
pub mod web_sessions;

#[cfg(test)]
pub(crate) mod tests;

pub use filing::{Flood, UserMessageOutcome};
pub use tickets::StatusChange;

/// Runs `$body` with `$c` bound to the backend's own connection of
/// `$conn` (a `&mut Conn`, or a `&mut Tx`): the one place the backend is
/// matched for statements written once for both.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $crate::db::Conn::backed($conn) {
            $crate::db::Backed::Postgres($c) => $body,
            $crate::db::Backed::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_conn;
