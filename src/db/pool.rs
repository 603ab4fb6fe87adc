//! The application pools. Sizes and timeouts are spelled out here, with why.

use std::path::Path;
use std::time::Duration;

use deadpool::managed::{Hook, HookError};
use diesel::{ConnectionError, SqliteConnection};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;

use super::connect::PgConnector;
use super::{DbError, reach, sqlite_file};
use crate::config::DatabaseConfig;

pub type PgPool = Pool<AsyncPgConnection>;
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, super::sqlite_inline::Inline>;
pub type SqlitePool = Pool<SqliteConn>;

/// A pooled PostgreSQL connection that does not answer `SELECT 1` within
/// this is treated as dead and replaced: a healthy server answers in
/// milliseconds, while a connection to a host that vanished in a failover
/// would hang until TCP gives up (minutes). Each dead connection costs one
/// request this long, once.
const LIVENESS_TIMEOUT: Duration = Duration::from_secs(3);

/// The PostgreSQL pool: at most `pool_size` connections; a caller waits up
/// to `pool_timeout` for one; each connection is opened with the configured
/// TLS, checked on checkout and replaced after `max_lifetime`.
pub async fn postgres(config: &DatabaseConfig) -> Result<PgPool, DbError> {
    let connector = PgConnector::new(config, "pool")?;
    // Reach the server once first: start-up waits for a booting database
    // here, with backoff, instead of failing on the first pool checkout.
    drop(reach::postgres(&connector, config.connect_timeout).await?);

    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // `Verified` runs `SELECT 1` on every checkout of a pooled connection.
    // `Fast` only notices connections the driver already saw closed (a
    // clean restart); one to a host that vanished in a failover, or cut
    // behind a proxy, looks open until a request hangs on it. A dead
    // connection is dropped and the next one tried or a new one opened: a
    // restart or failover costs a reconnect, not a failed request.
    manager_config.recycling_method = RecyclingMethod::Verified;
    manager_config.custom_setup = Box::new(move |_url: &str| {
        let connector = connector.clone();
        async move { connector.connect().await.map_err(|e| ConnectionError::BadConnection(e.message)) }.boxed()
    });
    // The URL is not used (custom_setup connects); give the manager the
    // redacted form so no copy of the password sits in it.
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(config.url.to_string(), manager_config);
    let mut builder = Pool::builder(manager)
        .max_size(config.pool_size)
        .wait_timeout(Some(config.pool_timeout))
        // Opening a connection is bounded like waiting for one: after
        // start-up a request should fail in seconds, not hang on a dead host.
        .create_timeout(Some(config.pool_timeout))
        .recycle_timeout(Some(LIVENESS_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1);
    if let Some(max_lifetime) = config.max_lifetime {
        // Old connections are closed at their next checkout, so a pool
        // follows DNS changes after a failover and server-side memory held
        // by long sessions is given back.
        builder = builder.pre_recycle(Hook::sync_fn(move |_, metrics| {
            if metrics.age() >= max_lifetime {
                Err(HookError::message("connection reached DATABASE_MAX_LIFETIME"))
            } else {
                Ok(())
            }
        }));
    }
    builder.build().map_err(|e| DbError::Pool(e.to_string()))
}

pub async fn sqlite(path: &Path, config: &DatabaseConfig) -> Result<SqlitePool, DbError> {
    // Creates the file with its permissions and turns on WAL, which the
    // pooled connections then inherit (journal mode is stored in the file).
    let path_buf = path.to_path_buf();
    tokio::task::spawn_blocking(move || sqlite_file::open(&path_buf).map(drop))
        .await
        .map_err(|e| DbError::Pool(e.to_string()))??;

    let mut manager_config = ManagerConfig::default();
    // A local file does not go away under us: skip the test query.
    manager_config.recycling_method = RecyclingMethod::Fast;
    let pragmas = sqlite_file::connection_pragmas(config.sqlite_sync);
    manager_config.custom_setup = Box::new(move |path: &str| {
        let path = path.to_string();
        async move {
            let mut conn = SqliteConn::establish(&path).await?;
            conn.batch_execute(pragmas).await.map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let path_str = path
        .to_str()
        .ok_or_else(|| DbError::Open { target: config.url.to_string(), reason: "path is not valid UTF-8".into() })?;
    let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(path_str, manager_config);
    Pool::builder(manager)
        .max_size(config.pool_size)
        .wait_timeout(Some(config.pool_timeout))
        // The connection used last is used next. Each SQLite connection
        // keeps a page cache of its own (2 MiB by default): taken in turn
        // (FIFO), every one of them fills up, and a page read by one is
        // cold for the next; most requests come one at a time.
        .queue_mode(deadpool::managed::QueueMode::Lifo)
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}
