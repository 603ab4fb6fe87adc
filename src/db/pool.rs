//! The application pools. Sizes and timeouts are spelled out here, with why.

use std::path::Path;
use std::time::Duration;

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
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;
pub type SqlitePool = Pool<SqliteConn>;

/// How long a caller waits for a free connection before the pool gives up.
/// Long enough to ride out a burst, short enough that a stuck database shows
/// up as errors instead of a silent hang.
const WAIT_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn postgres(config: &DatabaseConfig) -> Result<PgPool, DbError> {
    let connector = PgConnector::new(config, "pool")?;
    // Reach the server once first: start-up waits for a booting database
    // here, with backoff, instead of failing on the first pool checkout.
    drop(reach::postgres(&connector, config.connect_timeout).await?);

    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // A checked-out connection is verified with a cheap query, so a server
    // restart costs one reconnect instead of a failed request.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |_url: &str| {
        let connector = connector.clone();
        async move { connector.connect().await.map_err(|e| ConnectionError::BadConnection(e.message)) }.boxed()
    });
    // The URL is not used (custom_setup connects); give the manager the
    // redacted form so no copy of the password sits in it.
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(config.url.to_string(), manager_config);
    Pool::builder(manager)
        .max_size(config.pool_size)
        .wait_timeout(Some(WAIT_TIMEOUT))
        .create_timeout(Some(config.connect_timeout.max(Duration::from_secs(1))))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
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
    manager_config.custom_setup = Box::new(|path: &str| {
        let path = path.to_string();
        async move {
            let mut conn = SqliteConn::establish(&path).await?;
            conn.batch_execute(sqlite_file::CONNECTION_PRAGMAS)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
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
        .wait_timeout(Some(WAIT_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}
