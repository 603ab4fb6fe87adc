//! Runs one storage call on whichever backend the `Db` holds.
//!
//! `on_db!(db, read, |conn, layer| expr)` checks out a connection, binds it
//! to `conn` and the backend's storage module (`storage::pg` or
//! `storage::sqlite`) to `layer`, and evaluates `expr` with both. `write`
//! instead of `read` also queues behind the in-process SQLite writer lock.

macro_rules! on_db {
    ($db:expr, read, |$conn:ident, $layer:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Postgres(pool) => {
                let mut checked_out = pool.get().await.map_err($crate::service::ServiceError::pool)?;
                let $conn = &mut *checked_out;
                use $crate::storage::pg as $layer;
                $body
            }
            $crate::db::Db::Sqlite { pool, .. } => {
                let mut checked_out = pool.get().await.map_err($crate::service::ServiceError::pool)?;
                let $conn = &mut *checked_out;
                use $crate::storage::sqlite as $layer;
                $body
            }
        }
    };
    ($db:expr, write, |$conn:ident, $layer:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Postgres(_) => on_db!($db, read, |$conn, $layer| $body),
            $crate::db::Db::Sqlite { pool, write_lock } => {
                let _writer = write_lock.lock().await;
                let mut checked_out = pool.get().await.map_err($crate::service::ServiceError::pool)?;
                let $conn = &mut *checked_out;
                use $crate::storage::sqlite as $layer;
                $body
            }
        }
    };
}

pub(crate) use on_db;
