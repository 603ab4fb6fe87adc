//! What the unit tests that need a real database share: a migrated
//! database with its pool, a transaction to write in, and the people and
//! messages they file. Below storage (it names none of it), so storage's
//! own tests can use it; filing through storage is `storage::tests::file`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::QueryResult;
use testdb::TestDb;

use crate::config::{DatabaseConfig, DatabaseUrl};
use crate::db::{Conn, Db, DbError, Tx, migrate};
use crate::domain::{ContentKind, Direction, MessageDraft, UserProfile};

/// The test database, migrated, behind a pool.
pub async fn start(test: &TestDb) -> Db {
    let config = DatabaseConfig {
        pool_size: 16,
        connect_timeout: std::time::Duration::from_secs(5),
        ..DatabaseConfig::new(DatabaseUrl::parse(&test.url).expect("test url"))
    };
    migrate::run_pending(&config).await.expect("migrate");
    Db::pool_only(&config).await.expect("pool")
}

/// Runs `work` in a transaction of its own and commits it.
pub async fn in_tx<T>(db: &Db, work: impl AsyncFnOnce(&mut Tx) -> QueryResult<T>) -> T {
    db.transaction(async |tx| work(tx).await.map_err(DbError::from)).await.expect("transaction")
}

/// A connection to read with.
pub async fn conn(db: &Db) -> Conn {
    db.conn().await.expect("connection")
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("timestamp").with_timezone(&Utc)
}

pub fn naive(rfc3339: &str) -> NaiveDateTime {
    at(rfc3339).naive_utc()
}

pub fn profile(id: i64) -> UserProfile {
    UserProfile {
        id,
        username: Some(format!("user{id}")),
        first_name: format!("User {id}"),
        last_name: None,
        language_code: Some("en".into()),
    }
}

pub fn user_text(user_id: i64, message_id: i32, text: &str) -> MessageDraft {
    MessageDraft {
        direction: Direction::FromUser,
        sender_id: user_id,
        user_chat_id: user_id,
        user_message_id: Some(message_id),
        support_chat_id: None,
        support_message_id: None,
        kind: ContentKind::Text,
        text: Some(text.into()),
    }
}
