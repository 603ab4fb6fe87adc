//! Runs one storage call on whichever backend the `Db` holds.
//!
//! `on_db!(db, read, |conn, layer| expr)` checks out a connection, binds it
//! to `conn` and the backend's storage module (`storage::pg` or
//! `storage::sqlite`) to `layer`, and evaluates `expr` with both. `write`
//! instead of `read` also queues behind the in-process SQLite writer lock.
//!
//! Inside an update of a `Batch` (service/batch.rs) the call runs on the
//! batch's connection instead, in its transaction: no checkout, and no
//! writer lock, which the batch holds already.

macro_rules! on_db {
    ($db:expr, read, |$conn:ident, $layer:ident| $body:expr) => {
        match $crate::service::batch::lent() {
            Some($crate::service::batch::Lent::Postgres(held)) => {
                let mut held = held.lock().await;
                let $conn = &mut **held;
                use $crate::storage::pg as $layer;
                $body
            }
            Some($crate::service::batch::Lent::Sqlite(held)) => {
                let mut held = held.lock().await;
                let $conn = &mut **held;
                use $crate::storage::sqlite as $layer;
                $body
            }
            None => match $db {
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
            },
        }
    };
    ($db:expr, write, |$conn:ident, $layer:ident| $body:expr) => {
        match ($db, $crate::service::batch::lent().is_some()) {
            ($crate::db::Db::Sqlite { pool, write_lock }, false) => {
                let _writer = write_lock.lock().await;
                let mut checked_out = pool.get().await.map_err($crate::service::ServiceError::pool)?;
                let $conn = &mut *checked_out;
                use $crate::storage::sqlite as $layer;
                $body
            }
            _ => on_db!($db, read, |$conn, $layer| $body),
        }
    };
}

pub(crate) use on_db;
