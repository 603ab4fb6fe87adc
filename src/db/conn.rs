//! A connection checked out of the pool, and a write transaction on one.
//!
//! Whoever needs the database asks `Db` for one of these and passes it on
//! visibly: `&mut Conn` to read, `&mut Tx` to write, and `&mut Writer` for
//! the one write that is a single statement and needs no transaction.
//! Nothing holds a connection anywhere else (no task-local, no global), so
//! a function's signature says whether it writes and in whose transaction.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use deadpool::managed::{Object, Timeouts};
use diesel::QueryResult;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use tokio::sync::OwnedMutexGuard;

use super::{Db, DbError, SqliteConn};

type PgPooled = Object<AsyncDieselConnectionManager<AsyncPgConnection>>;
type SqlitePooled = Object<AsyncDieselConnectionManager<SqliteConn>>;

/// A pooled connection to either backend; it goes back to the pool when
/// dropped.
// A connection is checked out, used where it lies (or moved once, into a
// `Tx`) and dropped: boxing the larger variant would cost an allocation
// per checkout and save nothing.
#[allow(clippy::large_enum_variant)]
pub enum Conn {
    Postgres(PgPooled),
    Sqlite(SqlitePooled),
}

/// The backend's own connection type, for running one statement on it
/// (`storage::on_conn!` matches on this, and only that macro and the
/// statements PostgreSQL has a faster form of do).
pub enum Backed<'a> {
    Postgres(&'a mut AsyncPgConnection),
    Sqlite(&'a mut SqliteConn),
}

impl Conn {
    pub(super) async fn checkout(db: &Db) -> Result<Self, DbError> {
        match db {
            Db::Postgres(pool) => Ok(Self::Postgres(pool.get().await.map_err(DbError::pool)?)),
            Db::Sqlite { pool, .. } => Ok(Self::Sqlite(pool.get().await.map_err(DbError::pool)?)),
        }
    }

    pub(super) async fn spare(db: &Db) -> Option<Self> {
        let now = |timeouts: Timeouts| Timeouts { wait: Some(Duration::ZERO), ..timeouts };
        match db {
            Db::Postgres(pool) => pool.timeout_get(&now(pool.timeouts())).await.ok().map(Self::Postgres),
            Db::Sqlite { pool, .. } => pool.timeout_get(&now(pool.timeouts())).await.ok().map(Self::Sqlite),
        }
    }

    pub(crate) fn backed(&mut self) -> Backed<'_> {
        match self {
            Self::Postgres(conn) => Backed::Postgres(conn),
            Self::Sqlite(conn) => Backed::Sqlite(conn),
        }
    }

    async fn execute(&mut self, sql: &str) -> QueryResult<()> {
        match self.backed() {
            Backed::Postgres(conn) => conn.batch_execute(sql).await,
            Backed::Sqlite(conn) => conn.batch_execute(sql).await,
        }
    }
}

/// A connection that may write, one statement at a time, each atomic by
/// itself (no transaction around them): for a write that is a single
/// statement on both backends; anything more takes a `Tx`. On SQLite it
/// holds this process's writer lock, so the process's writers queue here,
/// in order, rather than in SQLite's sleep-and-retry busy handler.
pub struct Writer {
    conn: Conn,
    _lock: Option<OwnedMutexGuard<()>>,
}

impl Writer {
    pub(super) async fn checkout(db: &Db) -> Result<Self, DbError> {
        match db {
            Db::Postgres(pool) => {
                Ok(Self { conn: Conn::Postgres(pool.get().await.map_err(DbError::pool)?), _lock: None })
            }
            Db::Sqlite { pool, write_lock } => {
                let lock = write_lock.clone().lock_owned().await;
                Ok(Self { conn: Conn::Sqlite(pool.get().await.map_err(DbError::pool)?), _lock: Some(lock) })
            }
        }
    }
}

impl Deref for Writer {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

/// The statements of `Tx::mark` and `Tx::back_to_mark`. One name is
/// enough: a transaction has one mark at a time.
const SAVEPOINT: &str = "SAVEPOINT mark";
const RELEASE_AND_SAVEPOINT: &str = "RELEASE SAVEPOINT mark; SAVEPOINT mark";
const ROLLBACK_TO_SAVEPOINT: &str = "ROLLBACK TO SAVEPOINT mark";

/// A write transaction: `BEGIN` on PostgreSQL (READ COMMITTED: what a
/// change depends on is locked as it is written, the user's row or the
/// day's counter), `BEGIN IMMEDIATE` on SQLite (a transaction that reads
/// and then writes fails with "database is locked" when another writer got
/// there first, and `busy_timeout` cannot save it). Nothing of it is
/// durable before `commit`; dropped without one, it is rolled back.
pub struct Tx {
    /// Always `Some` until `drop` takes it.
    writer: Option<Writer>,
    /// A mark is set (a savepoint, released by the next mark's statement,
    /// or by COMMIT): one round trip per mark instead of two.
    marked: bool,
    /// Committed or rolled back: the connection may go back to the pool.
    ended: bool,
}

impl Tx {
    pub(super) async fn begin(db: &Db) -> Result<Self, DbError> {
        let mut writer = Writer::checkout(db).await?;
        match writer.backed() {
            Backed::Postgres(conn) => {
                <AsyncPgConnection as AsyncConnection>::TransactionManager::begin_transaction(conn).await?
            }
            Backed::Sqlite(conn) => {
                conn.spawn_blocking(|c| {
                    diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                })
                .await?
            }
        }
        Ok(Self { writer: Some(writer), marked: false, ended: false })
    }

    /// Makes everything written durable; the connection goes back to the
    /// pool (and SQLite's writer lock is released) when `self` drops.
    pub async fn commit(mut self) -> QueryResult<()> {
        match self.backed() {
            Backed::Postgres(conn) => {
                <AsyncPgConnection as AsyncConnection>::TransactionManager::commit_transaction(conn).await?
            }
            Backed::Sqlite(conn) => {
                <SqliteConn as AsyncConnection>::TransactionManager::commit_transaction(conn).await?
            }
        }
        self.ended = true;
        Ok(())
    }

    /// Undoes everything written.
    pub async fn rollback(mut self) {
        let result = match self.backed() {
            Backed::Postgres(conn) => {
                <AsyncPgConnection as AsyncConnection>::TransactionManager::rollback_transaction(conn).await
            }
            Backed::Sqlite(conn) => {
                <SqliteConn as AsyncConnection>::TransactionManager::rollback_transaction(conn).await
            }
        };
        // A connection that cannot roll back is broken: `drop` closes it,
        // and the server rolls the transaction back as it goes.
        match result {
            Ok(()) => self.ended = true,
            Err(e) => tracing::warn!(error = %e, "rollback failed; the connection is closed"),
        }
    }

    /// Sets the point `back_to_mark` returns to (a savepoint), in place of
    /// the mark before, whose writes are kept.
    pub async fn mark(&mut self) -> QueryResult<()> {
        let sql = if self.marked { RELEASE_AND_SAVEPOINT } else { SAVEPOINT };
        self.execute(sql).await?;
        self.marked = true;
        Ok(())
    }

    /// Undoes what was written since the last `mark`; the transaction goes
    /// on, and the mark stays.
    pub async fn back_to_mark(&mut self) -> QueryResult<()> {
        self.execute(ROLLBACK_TO_SAVEPOINT).await
    }
}

impl Deref for Tx {
    type Target = Writer;

    fn deref(&self) -> &Writer {
        // Taken only by `drop`.
        self.writer.as_ref().expect("a transaction's connection lives as long as the transaction")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Writer {
        self.writer.as_mut().expect("a transaction's connection lives as long as the transaction")
    }
}

impl Drop for Tx {
    /// A transaction left open (its COMMIT or ROLLBACK failed, or its task
    /// was cancelled) closes its connection rather than return it to the
    /// pool mid-transaction: closing rolls back and, on SQLite, frees the
    /// file's write lock.
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        // The writer lock is let go after the connection (unless a blocking
        // statement of a cancelled task still holds it).
        if let Some(Writer { conn, _lock }) = self.writer.take() {
            match conn {
                Conn::Postgres(conn) => drop(Object::take(conn)),
                Conn::Sqlite(conn) => drop(Object::take(conn)),
            }
            drop(_lock);
        }
    }
}
