//! The storage against real databases: a fresh SQLite file and a fresh
//! PostgreSQL database per test (`testdb`).

mod inbox;
mod numbering;
mod plans;
mod tickets;
mod transactions;
