//! Test databases (the `testdb` crate) and the configuration for one.

use std::time::Duration;

pub use testdb::{Kind, TestDb, on_both_backends};
use ticketbot::config::{DatabaseConfig, DatabaseUrl};

/// The database settings for `url`, as the tests want them: a bigger pool,
/// a short wait for an unreachable server.
pub fn config_for(url: &str) -> DatabaseConfig {
    DatabaseConfig {
        pool_size: 16,
        connect_timeout: Duration::from_secs(5),
        ..DatabaseConfig::new(DatabaseUrl::parse(url).expect("test url"))
    }
}
