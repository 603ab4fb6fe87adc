//! The data layer compiled for PostgreSQL.

pub type Conn = diesel_async::AsyncPgConnection;

/// A read-write transaction. READ COMMITTED is enough: the units lock what
/// they depend on (the user's row, the day's counter row) as they write it.
macro_rules! write_transaction {
    ($conn:expr, $body:expr) => {
        diesel_async::AsyncConnection::transaction($conn, $body)
    };
}

// Loading one file as two modules is the point (see storage/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
pub mod queries;
#[allow(clippy::duplicate_mod)]
#[path = "units.rs"]
pub mod units;
