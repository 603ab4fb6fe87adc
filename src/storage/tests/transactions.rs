//! The transaction types themselves: what a dropped transaction leaves.

use testdb::{Kind, TestDb, on_both_backends};

use crate::config::{DatabaseConfig, DatabaseUrl};
use crate::db::{Db, migrate};
use crate::storage::users;
use crate::testing::{naive, profile};

on_both_backends!(a_dropped_transaction_is_undone_and_its_connection_not_reused);

/// A task cancelled mid-transaction (a stop, a timeout) drops its `Tx`:
/// nothing it wrote stays, and the pool's next transaction, on a fresh
/// connection, does not inherit it or find the database locked.
async fn a_dropped_transaction_is_undone_and_its_connection_not_reused(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let config = DatabaseConfig { pool_size: 1, ..DatabaseConfig::new(DatabaseUrl::parse(&test.url).unwrap()) };
    migrate::run_pending(&config).await.expect("migrate");
    let db = Db::pool_only(&config).await.expect("pool");
    let now = naive("2026-11-21T12:00:00Z");

    let mut tx = db.begin().await.unwrap();
    users::upsert(&mut tx, &profile(1), now).await.unwrap();
    drop(tx);
    let mut tx = db.begin().await.expect("the one pooled connection is usable again");
    users::upsert(&mut tx, &profile(2), now).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(test.count("SELECT count(*) FROM users WHERE id = 1").await, 0, "the dropped write is gone");
    assert_eq!(test.count("SELECT count(*) FROM users WHERE id = 2").await, 1, "the next one committed");
}
