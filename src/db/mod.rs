//! Database start-up: open or wait for the database, migrate it on a
//! dedicated connection, then build the application pool.

mod conn;
mod connect;
mod health;
pub mod leader;
pub mod migrate;
mod pool;
mod reach;
mod sqlite_file;
mod sqlite_inline;
pub(crate) mod tls;

use std::sync::Arc;

use crate::config::{Backend, DatabaseConfig, DatabaseUrl};
pub use conn::{Backed, Conn, Tx, Writer};
pub use connect::PgConnector;
pub use health::Readiness;
pub use pool::{PgPool, SqliteConn, SqlitePool};

/// The application's database: a pool for one of the two backends.
#[derive(Clone)]
pub enum Db {
    Postgres(PgPool),
    Sqlite {
        pool: SqlitePool,
        /// SQLite has one writer at a time. Queueing this process's writers
        /// here (FIFO) keeps them out of SQLite's sleep-and-retry busy
        /// handler, which is only needed against other processes.
        write_lock: Arc<tokio::sync::Mutex<()>>,
    },
}

/// Start-up and pool failures. Every message names the database by
/// [`DatabaseUrl`]'s `Display`: host and port or file, never the password.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot reach {target} (gave up after {waited_secs} s): {reason}")]
    Unreachable { target: String, waited_secs: u64, reason: String },
    #[error("cannot open {target}: {reason}")]
    Open { target: String, reason: String },
    #[error("migrating {target} failed: {reason}")]
    Migration { target: String, reason: String },
    #[error("{count} migration(s) pending on {target} and AUTO_MIGRATE is off: run `ticketbot migrate up` first")]
    PendingMigrations { target: String, count: usize },
    #[error("database pool: {0}")]
    Pool(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl Db {
    /// The start-up sequence `run` uses: reach the database (retrying for
    /// `connect_timeout`), migrate or check migrations, then build the pool.
    pub async fn start(config: &DatabaseConfig) -> Result<Self, DbError> {
        let status =
            if config.auto_migrate { migrate::run_pending(config).await? } else { migrate::status(config).await? };
        if !status.pending.is_empty() {
            return Err(DbError::PendingMigrations { target: config.url.to_string(), count: status.pending.len() });
        }
        Self::pool_only(config).await
    }

    /// Builds the pool without touching migrations (tools and tests that
    /// migrated already).
    pub async fn pool_only(config: &DatabaseConfig) -> Result<Self, DbError> {
        match &config.url {
            DatabaseUrl::Postgres { .. } => Ok(Self::Postgres(pool::postgres(config).await?)),
            DatabaseUrl::Sqlite { path } => Ok(Self::Sqlite {
                pool: pool::sqlite(path, config).await?,
                write_lock: Arc::new(tokio::sync::Mutex::new(())),
            }),
        }
    }

    /// A connection to read with.
    pub async fn conn(&self) -> Result<Conn, DbError> {
        Conn::checkout(self).await
    }

    /// A second connection to read with, only if the pool has one free
    /// now: `None` rather than wait (whoever asks holds one already, and a
    /// small pool would have them all wait for each other).
    pub async fn spare_conn(&self) -> Option<Conn> {
        Conn::spare(self).await
    }

    /// A connection for one single-statement write; see `Writer`.
    pub async fn writer(&self) -> Result<Writer, DbError> {
        Writer::checkout(self).await
    }

    /// A write transaction; see `Tx`.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Tx::begin(self).await
    }

    /// Runs `work` in a write transaction of its own: committed when it
    /// returns `Ok`, rolled back when it returns `Err`.
    pub async fn transaction<T, E>(&self, work: impl AsyncFnOnce(&mut Tx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut tx = self.begin().await?;
        match work(&mut tx).await {
            Ok(value) => {
                tx.commit().await.map_err(DbError::from)?;
                Ok(value)
            }
            Err(e) => {
                tx.rollback().await;
                Err(e)
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite { .. } => Backend::Sqlite,
        }
    }
}

impl DbError {
    pub(crate) fn pool(e: impl std::fmt::Display) -> Self {
        Self::Pool(e.to_string())
    }
}

/// Removes the password from a driver's error text, in case a driver ever
/// echoes its connection string.
pub(crate) fn scrub(text: String, url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Postgres { url, .. } => match ::url::Url::parse(url.expose()) {
            Ok(parsed) => match parsed.password().filter(|p| !p.is_empty()) {
                // The URL holds the password percent-encoded; a driver may
                // print either form.
                Some(pw) => {
                    let decoded = ::url::form_urlencoded::parse(format!("x={pw}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    let text = text.replace(pw, "***");
                    if decoded.is_empty() { text } else { text.replace(&decoded, "***") }
                }
                None => text,
            },
            Err(_) => text,
        },
        DatabaseUrl::Sqlite { .. } => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_both_spellings_of_the_password() {
        let url = DatabaseUrl::parse("postgres://bot:p%40ss%20word@db:5432/t").unwrap();
        let text = "auth failed for p%40ss%20word / p@ss word at db:5432".to_string();
        let clean = scrub(text, &url);
        assert!(!clean.contains("p%40ss") && !clean.contains("p@ss"), "{clean}");
        assert!(clean.contains("db:5432"));
    }
}
