//! Several updates handled in one database transaction: the checkout, the
//! SQLite writer lock, BEGIN and COMMIT (PostgreSQL's fsync) are paid once
//! per batch instead of once per update.
//!
//! A `Batch` holds one connection in an open transaction. While a future
//! runs under [`Batch::update`], every service call it makes (`on_db!`)
//! runs on that connection instead of checking one out, and the units of
//! work join the open transaction instead of starting their own (see
//! `storage::joins_open_transaction`). A careful batch runs each update
//! inside a savepoint, so a failing update rolls back alone: the batch's
//! other updates keep their effects. A batch without savepoints saves that
//! round trip per update, but an update that fails there leaves its partial
//! writes in the transaction: the whole batch must be rolled back (the
//! processor then does it again, carefully). Such a batch also writes its
//! updates' outbox rows and inbox marks all at once, at its end
//! (`storage::deferred`, `flush`).
//!
//! Nothing is durable before [`Batch::commit`]: a crash or a failed COMMIT
//! leaves every update of the batch pending, to be handled again.

use std::sync::Arc;

use deadpool::managed::Object;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::ServiceError;
use crate::db::{Db, SqliteConn};

pub(crate) type PgHeld = Object<AsyncDieselConnectionManager<AsyncPgConnection>>;
pub(crate) type SqliteHeld = Object<AsyncDieselConnectionManager<SqliteConn>>;

/// The batch's connection, as `on_db!` finds it. The mutex is never
/// contended (one update at a time); it lets the service calls of the
/// update in hand borrow the connection one after another.
#[derive(Clone)]
pub(crate) enum Lent {
    Postgres(Arc<Mutex<PgHeld>>),
    Sqlite(Arc<Mutex<SqliteHeld>>),
}

tokio::task_local! {
    /// Set while an update of a batch is being handled.
    static LENT: Lent;
}

/// The connection of the batch whose update the current task is handling.
pub(crate) fn lent() -> Option<Lent> {
    LENT.try_with(Lent::clone).ok()
}

/// Each update's savepoint. One name is enough: updates run one after the
/// other, and the next one releases the previous one's (see `update`).
const SAVEPOINT: &str = "SAVEPOINT update_in_batch";
const RELEASE_AND_SAVEPOINT: &str = "RELEASE SAVEPOINT update_in_batch; SAVEPOINT update_in_batch";
const ROLLBACK_TO_SAVEPOINT: &str = "ROLLBACK TO SAVEPOINT update_in_batch";

pub struct Batch {
    /// Always `Some`; taken only by `drop`.
    conn: Option<Lent>,
    /// SQLite: this process's writers queue behind the batch, as behind any
    /// other write transaction.
    _writer: Option<OwnedMutexGuard<()>>,
    /// A batch that is not careful (no savepoint per update): the outbox
    /// rows and inbox marks its updates left, to be written by `flush`.
    /// `None`: careful, each update in a savepoint of its own.
    deferred: Option<crate::storage::deferred::Sink>,
    /// An update's savepoint is still open (released by the next one's
    /// statement, or by COMMIT): saves a round trip per update.
    savepoint_open: bool,
    /// Committed or rolled back: the connection may go back to the pool.
    ended: bool,
}

impl Batch {
    /// Checks out a connection and begins a write transaction on it
    /// (`BEGIN IMMEDIATE` on SQLite, as every write unit does there).
    /// `careful`: each update in a savepoint of its own (see `update`).
    pub async fn begin(db: &Db, careful: bool) -> Result<Self, ServiceError> {
        match db {
            Db::Postgres(pool) => {
                let mut conn = pool.get().await.map_err(ServiceError::pool)?;
                <AsyncPgConnection as AsyncConnection>::TransactionManager::begin_transaction(&mut *conn).await?;
                Ok(Self {
                    conn: Some(Lent::Postgres(Arc::new(Mutex::new(conn)))),
                    _writer: None,
                    deferred: (!careful).then(Default::default),
                    savepoint_open: false,
                    ended: false,
                })
            }
            Db::Sqlite { pool, write_lock } => {
                let writer = write_lock.clone().lock_owned().await;
                let mut conn = pool.get().await.map_err(ServiceError::pool)?;
                conn.spawn_blocking(|c| {
                    diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                })
                .await?;
                Ok(Self {
                    conn: Some(Lent::Sqlite(Arc::new(Mutex::new(conn)))),
                    _writer: Some(writer),
                    deferred: (!careful).then(Default::default),
                    savepoint_open: false,
                    ended: false,
                })
            }
        }
    }

    /// Runs `work` (the service calls of one update) on the batch's
    /// connection. In a careful batch it runs inside its own savepoint:
    /// when it fails, whatever it wrote is rolled back and the batch goes
    /// on without it. Otherwise, when it fails, the batch may hold some of
    /// its writes and must be rolled back. The outer error is the batch's
    /// own (a savepoint statement failed: its connection is in trouble, and
    /// the batch must be rolled back); the inner result is the update's.
    pub async fn update<T>(
        &mut self,
        work: impl Future<Output = Result<T, ServiceError>>,
    ) -> Result<Result<T, ServiceError>, ServiceError> {
        if let Some(sink) = &self.deferred {
            let work = crate::storage::deferred::into(sink.clone(), work);
            return Ok(LENT.scope(self.lent().clone(), work).await);
        }
        let open = if self.savepoint_open { RELEASE_AND_SAVEPOINT } else { SAVEPOINT };
        self.execute(open).await?;
        self.savepoint_open = true;
        let outcome = LENT.scope(self.lent().clone(), work).await;
        if outcome.is_err() {
            self.execute(ROLLBACK_TO_SAVEPOINT).await?;
        }
        Ok(outcome)
    }

    /// Writes what the updates of a batch that is not careful left: their
    /// outbox rows, in order, and their inbox marks, in one statement on
    /// PostgreSQL. `Ok(false)`: one of the updates was handled already
    /// (elsewhere, since the batch read it): the batch must be rolled back.
    /// Nothing to do in a careful batch (its updates wrote their own).
    pub async fn flush(&mut self, now: chrono::NaiveDateTime) -> Result<bool, ServiceError> {
        let Some(sink) = &self.deferred else { return Ok(true) };
        let deferred = std::mem::take(&mut *sink.lock().unwrap_or_else(|p| p.into_inner()));
        if deferred.rows.is_empty() && deferred.acks.is_empty() {
            return Ok(true);
        }
        let all_new = match self.lent() {
            Lent::Postgres(conn) => {
                let mut conn = conn.lock().await;
                crate::storage::pg::queue_and_ack(&mut conn, &deferred.rows, &deferred.acks, now).await?
            }
            Lent::Sqlite(conn) => {
                let mut conn = conn.lock().await;
                crate::storage::sqlite::queue_and_ack(&mut conn, &deferred.rows, &deferred.acks, now).await?
            }
        };
        Ok(all_new)
    }

    /// Commits every update that did not fail; the connection goes back to
    /// the pool (and SQLite's writer lock is released) when `self` drops.
    pub async fn commit(mut self) -> Result<(), ServiceError> {
        match self.lent() {
            Lent::Postgres(conn) => {
                let mut conn = conn.lock().await;
                <AsyncPgConnection as AsyncConnection>::TransactionManager::commit_transaction(&mut **conn).await?;
            }
            Lent::Sqlite(conn) => {
                let mut conn = conn.lock().await;
                <SqliteConn as AsyncConnection>::TransactionManager::commit_transaction(&mut **conn).await?;
            }
        }
        self.ended = true;
        Ok(())
    }

    /// Rolls the whole batch back (its connection failed, say).
    pub async fn rollback(mut self) {
        let result = match self.lent() {
            Lent::Postgres(conn) => {
                let mut conn = conn.lock().await;
                <AsyncPgConnection as AsyncConnection>::TransactionManager::rollback_transaction(&mut **conn).await
            }
            Lent::Sqlite(conn) => {
                let mut conn = conn.lock().await;
                <SqliteConn as AsyncConnection>::TransactionManager::rollback_transaction(&mut **conn).await
            }
        };
        // A connection that cannot roll back is broken: the pool drops it
        // on return (its transaction manager says so), and the server
        // rolls the transaction back when the connection closes.
        match result {
            Ok(()) => self.ended = true,
            Err(e) => tracing::warn!(error = %e, "inbox: batch rollback failed; its connection is closed"),
        }
    }

    /// Whether a failed update rolled back alone (see `update`).
    pub fn is_careful(&self) -> bool {
        self.deferred.is_none()
    }

    fn lent(&self) -> &Lent {
        self.conn.as_ref().expect("a batch's connection is taken only when it drops")
    }

    async fn execute(&mut self, sql: &'static str) -> Result<(), ServiceError> {
        match self.lent() {
            Lent::Postgres(conn) => conn.lock().await.batch_execute(sql).await?,
            Lent::Sqlite(conn) => conn.lock().await.batch_execute(sql).await?,
        }
        Ok(())
    }
}

impl Drop for Batch {
    /// A batch left open (its COMMIT or ROLLBACK failed, or its task was
    /// cancelled) closes its connection rather than return it to the pool
    /// in a transaction: closing rolls the transaction back and, on SQLite,
    /// frees the file's write lock at once.
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        match self.conn.take() {
            Some(Lent::Postgres(conn)) => {
                if let Ok(conn) = Arc::try_unwrap(conn) {
                    drop(Object::take(conn.into_inner()));
                }
            }
            Some(Lent::Sqlite(conn)) => {
                if let Ok(conn) = Arc::try_unwrap(conn) {
                    drop(Object::take(conn.into_inner()));
                }
            }
            None => {}
        }
    }
}
