//! The data layer: statements (`queries.rs`) and the units of work built from
//! them (`units.rs`), each a transaction.
//!
//! Both files are written once and compiled once per backend, in `pg` and
//! `sqlite`, each of which names its connection type `Conn` and its write
//! transaction. Diesel's query types are backend-specific: generic bounds
//! covering both backends are unreadable, while the SQL is the same.

pub mod outcome;
pub mod pg;
pub mod sqlite;
pub mod statements;
