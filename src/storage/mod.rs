//! The data layer: statements (`queries.rs`) and the units of work built from
//! them (`units.rs`), each a transaction.
//!
//! Both files are written once and compiled once per backend, in `pg` and
//! `sqlite`, each of which names its connection type `Conn` and its write
//! transaction. Diesel's query types are backend-specific: generic bounds
//! covering both backends are unreadable, while the SQL is the same.

pub mod deferred;
pub mod outcome;
pub mod pg;
pub mod sqlite;
pub mod statements;

/// Whether a unit of work is called inside a transaction its caller holds
/// open (an update of a `service::Batch`, in its own savepoint). The unit
/// then joins that transaction instead of beginning one: the caller's
/// savepoint makes it atomic and rolls it back when it fails, and a second
/// savepoint would only cost round trips. (SQLite could not nest its
/// `BEGIN IMMEDIATE` anyway.)
pub(crate) fn joins_open_transaction<C: diesel_async::AsyncConnection>(conn: &mut C) -> bool {
    use diesel_async::TransactionManager;
    matches!(C::TransactionManager::transaction_manager_status_mut(conn).transaction_depth(), Ok(Some(_)))
}
