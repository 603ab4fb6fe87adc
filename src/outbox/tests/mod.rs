//! The outbox against real databases: claims, and recording what was sent.

mod claims;
mod failing;
mod guards;
mod recording;

use std::sync::Arc;

use testdb::TestDb;

use super::message::{Envelope, Outbound, OutboxDraft};
use super::store::OutboxStore;
use crate::clock::{Clock, ManualClock};
use crate::db::Db;
use crate::storage::outbox;
use crate::storage::rows::OutboxRow;
use crate::testing::{at, in_tx, start};

/// When every test's clock starts.
const NOON: &str = "2026-11-21T12:00:00Z";

/// A migrated database and a clock the test moves.
async fn setup(test: &TestDb) -> (Db, Arc<ManualClock>) {
    (start(test).await, Arc::new(ManualClock::new(at(NOON))))
}

/// The outbox as the delivery worker `claimant` sees it.
fn store(db: &Db, clock: &Arc<ManualClock>, claimant: &str) -> OutboxStore {
    OutboxStore::new(db.clone(), clock.clone() as Arc<dyn Clock>, claimant)
}

/// What `store` may send now (a claim with nothing to record first).
async fn claim(
    store: &OutboxStore,
    lease: std::time::Duration,
    run: usize,
    limit: usize,
) -> Result<Vec<OutboxRow>, crate::db::DbError> {
    Ok(store.record_and_claim(&[], lease, run, limit).await?.1)
}

/// Queues `drafts`, in order, now.
async fn queue(db: &Db, clock: &ManualClock, drafts: Vec<OutboxDraft>) {
    let now = clock.now().naive_utc();
    let rows: Vec<_> = drafts.into_iter().map(|d| d.into_row(now)).collect();
    in_tx(db, async |tx| outbox::queue(tx, &rows).await).await;
}

/// One text per (chat, label), in order.
async fn queue_texts(db: &Db, clock: &ManualClock, rows: &[(i64, &str)]) {
    queue(db, clock, rows.iter().map(|(chat, label)| OutboxDraft::text(*chat, label.to_string())).collect()).await;
}

/// The rows as (chat, text).
fn labels(rows: &[OutboxRow]) -> Vec<(i64, String)> {
    rows.iter()
        .map(|r| match serde_json::from_str::<Envelope>(&r.payload).expect("an envelope").message {
            Outbound::Text { html, .. } => (r.chat_id, html),
            other => (r.chat_id, format!("{other:?}")),
        })
        .collect()
}

fn owned(rows: &[(i64, &str)]) -> Vec<(i64, String)> {
    rows.iter().map(|(c, l)| (*c, l.to_string())).collect()
}
