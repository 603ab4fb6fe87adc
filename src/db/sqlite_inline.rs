//! Runs SQLite statements on the calling thread instead of tokio's blocking
//! pool.
//!
//! diesel-async's `SyncConnectionWrapper` hands every statement to
//! `spawn_blocking` by default: a wake-up of a pool thread and another of
//! the async worker, per statement. A statement on the local file takes
//! microseconds, and under load those two thread switches cost more than
//! the statement: profiling the whole bot (BENCHMARKS.md) found half its CPU
//! in the kernel's scheduler and futexes. Running inline blocks the worker
//! for the statement instead, which is short: in-process writers queue on
//! the writer lock before they reach SQLite (never in `busy_timeout`) and
//! WAL readers do not wait for writers. A commit syncs the log
//! (`synchronous = FULL`, the default): that wait blocks the worker too,
//! which is why commits are few (a batch of updates, a batch of sends, one
//! commit each). BENCHMARKS.md measures it against `NORMAL`.

use std::error::Error;

use diesel_async::sync_connection_wrapper::SpawnBlocking;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

/// A `SpawnBlocking` that does not spawn: the task runs when it is handed
/// over, and the future is ready at once.
pub struct Inline;

impl SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        futures_util::future::ready(Ok(task())).boxed()
    }

    fn get_runtime() -> Self {
        Inline
    }
}
