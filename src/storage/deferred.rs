//! Outbox rows and inbox marks that a batch of updates writes at its end.
//!
//! A `service::Batch` without savepoints gives each update a scope in
//! which the units of work (`units::finish`) leave their outbox rows and
//! inbox mark here instead of writing them: the batch writes them all in
//! one statement before COMMIT (`Batch::flush`), one round trip per batch
//! instead of one per update. Nothing reads them back in between: the
//! handlers never read the outbox or the inbox. An update that was handled
//! already is then found at the batch's end rather than at its own: the
//! whole batch is rolled back and done again, update by update.

use std::sync::{Arc, Mutex};

use crate::models::NewOutboxRow;

/// What the updates of a batch left to write, in their order.
#[derive(Debug, Default)]
pub struct Deferred {
    pub rows: Vec<NewOutboxRow>,
    pub acks: Vec<i64>,
}

pub type Sink = Arc<Mutex<Deferred>>;

tokio::task_local! {
    static SINK: Sink;
}

/// Runs `work` with its effects left in `sink`.
pub async fn into<T>(sink: Sink, work: impl Future<Output = T>) -> T {
    SINK.scope(sink, work).await
}

/// Leaves `rows` and `ack` to the enclosing batch, if there is one that
/// takes them; otherwise gives them back, to be written now.
pub(crate) fn leave(rows: Vec<NewOutboxRow>, ack: Option<i64>) -> Option<(Vec<NewOutboxRow>, Option<i64>)> {
    let Ok(sink) = SINK.try_with(Sink::clone) else {
        return Some((rows, ack));
    };
    let mut deferred = sink.lock().unwrap_or_else(|p| p.into_inner());
    deferred.rows.extend(rows);
    deferred.acks.extend(ack);
    None
}
