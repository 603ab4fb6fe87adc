//! Embedded migrations, one set per backend, run on a dedicated connection
//! (never one from the application pool) before the pool is built.
//!
//! PostgreSQL: under a session-level advisory lock, so replicas starting
//! together migrate once and the others wait, then find nothing to do.
//! SQLite: inside one `BEGIN IMMEDIATE` transaction, which other processes'
//! writers wait behind (busy_timeout).

use std::collections::HashSet;

use diesel::migration::{Migration, MigrationSource};
use diesel::sql_types::BigInt;
use diesel::{RunQueryDsl, SqliteConnection, backend::Backend as DieselBackend};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connect::PgConnector;
use super::{DbError, reach, scrub, sqlite_file};
use crate::config::{DatabaseConfig, DatabaseUrl};

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Key of the advisory lock that serialises migrators ("ticketbot" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x7469_636b_6574_626f;

/// Where a database stands against the migrations built into this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Migrations of this binary already applied, oldest first.
    pub applied: Vec<String>,
    /// Migrations of this binary not yet applied, oldest first.
    pub pending: Vec<String>,
    /// Versions recorded in the database that this binary does not know:
    /// the database was migrated by a newer ticketbot.
    pub unknown: Vec<String>,
    /// What this call applied or reverted, if it changed anything.
    pub changed: Vec<String>,
}

impl MigrationStatus {
    /// The newest applied migration's name, as `/ready` and `doctor` report it.
    pub fn schema_version(&self) -> Option<&str> {
        self.applied.last().map(String::as_str)
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Status,
    Up,
    DownOne,
}

pub async fn status(config: &DatabaseConfig) -> Result<MigrationStatus, DbError> {
    execute(config, Op::Status).await
}

pub async fn run_pending(config: &DatabaseConfig) -> Result<MigrationStatus, DbError> {
    execute(config, Op::Up).await
}

/// Reverts the newest applied migration.
pub async fn revert_last(config: &DatabaseConfig) -> Result<MigrationStatus, DbError> {
    execute(config, Op::DownOne).await
}

async fn execute(config: &DatabaseConfig, op: Op) -> Result<MigrationStatus, DbError> {
    let url = config.url.clone();
    let fail = {
        let url = url.clone();
        move |reason: String| DbError::Migration { target: url.to_string(), reason: scrub(reason, &url) }
    };
    match &config.url {
        DatabaseUrl::Postgres { .. } => {
            let connector = PgConnector::new(config, "migrations")?;
            let conn = reach::postgres(&connector, config.connect_timeout).await?;
            // The harness is synchronous: run it on a blocking thread, where
            // the wrapper may block on the runtime (works on any flavour).
            tokio::task::spawn_blocking(move || {
                let mut conn: AsyncConnectionWrapper<AsyncPgConnection> = conn.into();
                diesel::sql_query("SELECT pg_advisory_lock($1)")
                    .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
                    .execute(&mut conn)
                    .map_err(|e| e.to_string())?;
                let result = apply(&mut conn, || POSTGRES, op);
                // Closing the connection would release it too; unlock
                // explicitly so a slow close does not hold others up.
                let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
                    .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
                    .execute(&mut conn);
                let status = result?;
                unlocked.map_err(|e| e.to_string())?;
                Ok(status)
            })
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(fail)
        }
        DatabaseUrl::Sqlite { path } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                let mut conn = sqlite_file::open(&path).map_err(|e| e.to_string())?;
                conn.immediate_transaction(|conn: &mut SqliteConnection| {
                    apply(conn, || SQLITE, op).map_err(TxError::Harness)
                })
                .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(fail)
        }
    }
}

/// `source` is a function because `EmbeddedMigrations` is neither `Copy`
/// nor `Clone`, and the harness consumes one per call.
fn apply<C, DB>(conn: &mut C, source: fn() -> EmbeddedMigrations, op: Op) -> Result<MigrationStatus, String>
where
    DB: DieselBackend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: Vec<(String, String)> = MigrationSource::<DB>::migrations(&source())
        .map_err(|e| e.to_string())?
        .iter()
        .map(|m| (m.name().version().to_string(), m.name().to_string()))
        .collect();
    // The harness reports versions; people read names.
    let name_of = |version: String| known.iter().find(|(v, _)| *v == version).map_or(version, |(_, name)| name.clone());
    let changed: Vec<String> = match op {
        Op::Status => Vec::new(),
        Op::Up => conn
            .run_pending_migrations(source())
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| name_of(v.to_string()))
            .collect(),
        Op::DownOne => {
            if conn.applied_migrations().map_err(|e| e.to_string())?.is_empty() {
                Vec::new()
            } else {
                let reverted = conn.revert_last_migration(source()).map_err(|e| e.to_string())?;
                vec![name_of(reverted.to_string())]
            }
        }
    };
    let applied_versions: HashSet<String> =
        conn.applied_migrations().map_err(|e| e.to_string())?.iter().map(ToString::to_string).collect();
    let known_versions: HashSet<&str> = known.iter().map(|(v, _)| v.as_str()).collect();
    let mut status = MigrationStatus {
        applied: Vec::new(),
        pending: Vec::new(),
        unknown: applied_versions.iter().filter(|v| !known_versions.contains(v.as_str())).cloned().collect(),
        changed,
    };
    status.unknown.sort();
    for (version, name) in known {
        if applied_versions.contains(&version) {
            status.applied.push(name);
        } else {
            status.pending.push(name);
        }
    }
    Ok(status)
}

/// Error of the SQLite migration transaction: the harness's own errors
/// (boxed, not `From<diesel::result::Error>`) or diesel's.
#[derive(Debug, thiserror::Error)]
enum TxError {
    #[error("{0}")]
    Harness(String),
    #[error(transparent)]
    Diesel(#[from] diesel::result::Error),
}
