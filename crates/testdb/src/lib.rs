//! A database that exists for one test: a fresh SQLite file in a temporary
//! folder, or a fresh PostgreSQL database made through the admin URL
//! (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and dropped when the test ends. Raw SQL on it (`execute`, `query`) lets a
//! test break it on purpose or read what the bot left there.
//!
//! When PostgreSQL cannot be reached the PostgreSQL tests fail. Outside CI,
//! `SKIP_POSTGRES_TESTS=1` turns them into loud skips; under `CI=true` it is
//! ignored, so CI never skips them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether PostgreSQL tests may be skipped on this machine.
pub fn may_skip_postgres() -> bool {
    std::env::var("CI").as_deref() != Ok("true") && std::env::var("SKIP_POSTGRES_TESTS").as_deref() == Ok("1")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    /// `sqlite://…` or `postgres://…`, as `DATABASE_URL` takes it.
    pub url: String,
    pub kind: Kind,
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

    /// A file that does not exist yet, in a folder that does not either.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested").join("ticketbot.db");
        Self { url: format!("sqlite://{}", path.display()), kind: Kind::Sqlite, cleanup: Cleanup::Dir(dir) }
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
        Some(Self { url: url.to_string(), kind: Kind::Postgres, cleanup: Cleanup::PgDatabase(name) })
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }

    /// Runs SQL statements (to break the database on purpose, say).
    pub async fn sql(&self, sql: &str) {
        match self.sqlite_path() {
            Some(path) => {
                let sql = sql.to_string();
                blocking(move || {
                    diesel::connection::SimpleConnection::batch_execute(&mut sqlite(&path), &sql).expect("sql")
                })
                .await
            }
            None => {
                let mut conn = AsyncPgConnection::establish(&self.url).await.expect("connect");
                conn.batch_execute(sql).await.expect("sql");
            }
        }
    }

    /// The rows of one query, as `T` reads them on either backend.
    pub async fn query<T>(&self, sql: &str) -> Vec<T>
    where
        T: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
    {
        match self.sqlite_path() {
            Some(path) => {
                let sql = sql.to_string();
                blocking(move || diesel::sql_query(sql).load(&mut sqlite(&path)).expect("query")).await
            }
            None => {
                let mut conn = AsyncPgConnection::establish(&self.url).await.expect("connect");
                diesel_async::RunQueryDsl::load(diesel::sql_query(sql), &mut conn).await.expect("query")
            }
        }
    }

    /// PostgreSQL: drops the database now, under whoever is connected (a
    /// database gone, for the tests of what then answers).
    pub async fn drop_now(&self) {
        let Cleanup::PgDatabase(name) = &self.cleanup else { panic!("drop_now is for PostgreSQL") };
        let mut admin = AsyncPgConnection::establish(&admin_url()).await.expect("connect as admin");
        admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.expect("drop the database");
    }

    /// A query's one number (`SELECT count(*) …`, cast to BIGINT).
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let rows: Vec<Count> = self.query(&format!("SELECT CAST(({sql}) AS BIGINT) AS n")).await;
        rows[0].n
    }
}

fn sqlite(path: &Path) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(&path.display().to_string()).expect("open the test file");
    diesel::connection::SimpleConnection::batch_execute(&mut conn, "PRAGMA busy_timeout = 10000")
        .expect("busy_timeout");
    conn
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("blocking task")
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

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(std::time::SystemTime::now()) & 0xffff_ffff) as u32
}

/// Declares one test per backend from `async fn $name(kind: Kind)`, in
/// modules `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::Kind::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::Kind::Postgres).await })+
        }
    };
}
