//! Test databases. PostgreSQL comes from `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, the admin database used
//! to create and drop one database per test).
//!
//! When PostgreSQL cannot be reached the PostgreSQL tests fail. Outside CI,
//! `SKIP_POSTGRES_TESTS=1` turns them into loud skips; under `CI=true` it is
//! ignored, so CI never skips them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use ticketbot::clock::{Clock, ManualClock};
use ticketbot::config::DatabaseConfig;
use ticketbot::config::DatabaseUrl;
use ticketbot::db::{Db, migrate};
use ticketbot::domain::{ContentKind, Direction};
use ticketbot::models::{MessageDraft, UserProfile};
use ticketbot::service::TicketService;

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `Some(reason)` when PostgreSQL tests may be skipped on this machine.
pub(crate) fn may_skip_postgres() -> bool {
    std::env::var("CI").as_deref() != Ok("true") && std::env::var("SKIP_POSTGRES_TESTS").as_deref() == Ok("1")
}

pub enum Kind {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub config: DatabaseConfig,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    PgDatabase(String),
}

impl TestDb {
    /// A fresh, empty database of this kind; `None` only for a permitted
    /// PostgreSQL skip.
    pub async fn new(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Sqlite => Some(Self::sqlite()),
            Kind::Postgres => Self::postgres().await,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested").join("ticketbot.db");
        let url = format!("sqlite://{}", path.display());
        Self { config: config_for(&url), url, cleanup: Cleanup::Dir(dir) }
    }

    pub async fn postgres() -> Option<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url();
        let mut conn = match AsyncPgConnection::establish(&admin).await {
            Ok(conn) => conn,
            Err(e) if may_skip_postgres() => {
                eprintln!("SKIPPED: PostgreSQL unreachable ({e}) and SKIP_POSTGRES_TESTS=1");
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL is required for this test and is unreachable at TEST_DATABASE_URL ({e}); \
                 start it (see README) or, outside CI, set SKIP_POSTGRES_TESTS=1"
            ),
        };
        let name = format!(
            "ticketbot_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand_suffix()
        );
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
        let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        let url = url.to_string();
        Some(Self { config: config_for(&url), url, cleanup: Cleanup::PgDatabase(name) })
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.config.url {
            DatabaseUrl::Sqlite { path } => Some(path.clone()),
            DatabaseUrl::Postgres { .. } => None,
        }
    }

    /// Migrated, with a pool: what the application runs on.
    pub async fn start(&self) -> Db {
        migrate::run_pending(&self.config).await.expect("migrate");
        Db::pool_only(&self.config).await.expect("pool")
    }

    /// A migrated database behind a ticket service whose clock the test sets.
    pub async fn service(&self, zone: Tz, at: DateTime<Utc>) -> (TicketService, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(at));
        let service = TicketService::new(self.start().await, clock.clone() as Arc<dyn Clock>, zone);
        (service, clock)
    }

    /// Runs raw SQL on the database (to break it on purpose).
    pub async fn execute(&self, sql: &str) {
        match &self.config.url {
            DatabaseUrl::Postgres { .. } => {
                let mut conn = AsyncPgConnection::establish(&self.url).await.expect("connect");
                conn.batch_execute(sql).await.expect("sql");
            }
            DatabaseUrl::Sqlite { .. } => {
                let db = Db::pool_only(&self.config).await.expect("pool");
                let Db::Sqlite { pool, .. } = db else { unreachable!() };
                let mut conn = pool.get().await.expect("conn");
                conn.batch_execute(sql).await.expect("sql");
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::PgDatabase(name) = &self.cleanup {
            let name = name.clone();
            // Drop may run inside a runtime: use a thread with its own.
            let done = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url()).await {
                        let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    }
                });
            });
            let _ = done.join();
        }
    }
}

pub fn config_for(url: &str) -> DatabaseConfig {
    DatabaseConfig {
        pool_size: 16,
        connect_timeout: Duration::from_secs(5),
        ..DatabaseConfig::new(DatabaseUrl::parse(url).expect("test url"))
    }
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(std::time::SystemTime::now()) & 0xffff_ffff) as u32
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

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("timestamp").with_timezone(&Utc)
}

/// Declares one test per backend from `async fn $name(kind: Kind)`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Kind::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Kind::Postgres).await })+
        }
    };
}
pub(crate) use on_both_backends;
