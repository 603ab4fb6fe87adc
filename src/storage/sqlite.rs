//! The data layer compiled for SQLite.

pub type Conn = crate::db::SqliteConn;

/// A read-write transaction: `BEGIN IMMEDIATE` takes the write lock up front,
/// because a deferred transaction that reads and then writes fails with
/// "database is locked" when another writer got there first, and
/// busy_timeout cannot save it.
macro_rules! write_transaction {
    ($conn:expr, $body:expr) => {
        $conn.immediate_transaction($body)
    };
}

// Loading one file as two modules is the point (see storage/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
pub mod queries;
#[allow(clippy::duplicate_mod)]
#[path = "units.rs"]
pub mod units;
