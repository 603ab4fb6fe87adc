//! Works through the inbox in update order, several updates to a database
//! transaction. The processor opens the transaction (`Db::begin`), routes
//! each update (`desk::route`), lets the desk act on it in that
//! transaction, and writes what the desk decided to send, with the
//! update's inbox mark, before it commits: a crash leaves all of an
//! update's effects or none.
//!
//! A batch first runs without savepoints (one round trip less per update)
//! and writes its updates' outbox rows and marks at its end, in one
//! statement on PostgreSQL. If one of its updates fails, or was handled
//! elsewhere meanwhile (the marks find it), the batch is rolled back and
//! done again carefully: each update in a savepoint of its own, its rows
//! and mark written at once. An update whose handling fails on the
//! database is then rolled back alone and stays pending, to be tried again;
//! the later updates of its chat wait behind it, so each chat's order
//! holds, while other chats go on. One that cannot be read is kept with
//! the reason and skipped.
//!
//! On PostgreSQL the updates of a pass are split by chat into lanes, each a
//! batch of its own on its own connection, run at once: while one waits
//! for a round trip the server works on another's statements. Each chat's
//! updates stay in one lane, in order. Updates of different chats may now
//! commit in either order, as they could arrive in either order; what they
//! share is guarded by row locks (a user's row, the day's counter), so at
//! worst lanes deadlock (the support chat's lane locks users of other
//! lanes), PostgreSQL breaks it after `deadlock_timeout`, and the update it
//! failed is done again: a deadlock counts as one of its `MAX_FAILURES`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::types::Update;
use tokio::sync::{Notify, watch};

use super::failures::{Failures, RETRY_AFTER};
use crate::clock::Clock;
use crate::config::Backend;
use crate::db::{Db, DbError, Tx};
use crate::desk::route::{Route, Router};
use crate::desk::{Desk, DeskError, Reaction};
use crate::metrics::{Metrics, Tally};
use crate::storage::inbox;
use crate::storage::rows::{InboxUpdate, NewOutboxRow};

/// How soon an update that came too early (a reply to a message not
/// recorded yet, a message from the support chat's new id) is tried again.
const NOT_YET_PLACED_RETRY: Duration = Duration::from_millis(250);

/// Times a database error may stop the same update before it is set aside
/// (kept in the inbox with the error) so the updates behind it can go on.
const MAX_FAILURES: u32 = 5;

/// Updates read, and at most handled, per transaction.
const BATCH: i64 = 64;

/// A batch stops taking updates after this long and commits, so the
/// messages of its first updates are not held back for long. Only a
/// backlog fills a batch for this long: at a steady rate each pass takes
/// the few updates that came in since the last one.
///
/// On PostgreSQL an update costs a few round trips, so a batch needs this
/// long to hold enough updates to spread its begin, reads and commit over.
const BATCH_TIME_POSTGRES: Duration = Duration::from_millis(20);

/// On SQLite an update takes some 100 µs, and a batch holds the database's
/// only write lock: the delivery worker waits for it to record what it
/// sent, so batches stay short.
const BATCH_TIME_SQLITE: Duration = Duration::from_millis(5);

/// Lanes on PostgreSQL. On the 2-core machine of issue #6, 4 lanes
/// handled 1,836 updates/s against 2 lanes' 1,740: a lane waiting for a
/// round trip leaves the cores to the others. More lanes queue longer on
/// the day's counter row while tickets are being opened (a lane holds it
/// from its first new ticket until its batch commits), and each takes a
/// pooled connection.
const LANES_POSTGRES: usize = 4;

/// What one pass over the inbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Updates done with: handled, already handled, or set aside.
    pub handled: usize,
    /// The pass failed (nothing of the failing lane's batch was committed).
    pub failed: bool,
}

/// What became of one update of a batch.
enum Handled {
    /// Handled, already handled, or set aside: done with.
    Done,
    /// Failed in its savepoint; stays pending, to be tried again.
    Failed,
    /// Failed in a batch without savepoints: the batch must be rolled back
    /// and done again carefully.
    Again,
}

/// What a batch's updates leave to write at its end (a batch without
/// savepoints) and to count once it is committed (every batch).
#[derive(Default)]
struct Left {
    rows: Vec<NewOutboxRow>,
    /// The `merge_key`s of the drafts in `rows`: a later update's drafts
    /// with one of them add nothing.
    merged: HashSet<String>,
    acks: Vec<i64>,
    tally: Tally,
    timings: Vec<Duration>,
}

pub struct Processor {
    db: Db,
    desk: Desk,
    router: Router,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    /// Updates that failed and are to be tried again.
    failures: Failures,
    /// Woken by the poller when updates were stored.
    stored: Arc<Notify>,
    /// Wakes the delivery worker when handling wrote to the outbox.
    outbox: Arc<Notify>,
}

/// The lane of a chat's updates (updates with no chat share lane 0).
fn lane_of(chat_id: Option<i64>, lanes: usize) -> usize {
    // Spread by a multiplicative hash: chat ids need not be spread evenly
    // over the remainders of `lanes`.
    let spread = (chat_id.unwrap_or(0) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    (spread % lanes as u64) as usize
}

impl Processor {
    pub fn new(
        db: Db,
        desk: Desk,
        router: Router,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        stored: Arc<Notify>,
        outbox: Arc<Notify>,
    ) -> Self {
        Self { db, desk, router, clock, metrics, failures: Failures::default(), stored, outbox }
    }

    /// Runs until `stop` is set; the batch in hand is always finished.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let pass = self.process_pending(&stop).await;
            if pass.failed {
                tokio::time::sleep(RETRY_AFTER).await;
            } else if pass.handled == 0 {
                tokio::select! {
                    _ = self.stored.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Handles pending updates in order, a transaction per lane. Every
    /// error is logged here, where it is dealt with.
    pub async fn process_pending(&self, stop: &watch::Receiver<bool>) -> Pass {
        // Read first, on any connection: with nothing pending, no write
        // transaction is begun (on SQLite it would keep other writers out).
        let pending = match self.pending().await {
            Ok(pending) if pending.is_empty() => return Pass::default(),
            Ok(pending) => pending,
            Err(e) => {
                tracing::error!(error = %e, "inbox: cannot read pending updates; will retry");
                return Pass { handled: 0, failed: true };
            }
        };
        self.failures.keep_only(&pending);
        let lanes = match self.db.backend() {
            Backend::Postgres => LANES_POSTGRES,
            // One writer at a time: more lanes would only queue.
            Backend::Sqlite => 1,
        };
        if lanes == 1 {
            return self.handle_lane(&pending, stop).await;
        }
        let mut split: Vec<Vec<InboxUpdate>> = vec![Vec::new(); lanes];
        for row in pending {
            split[lane_of(row.chat_id, lanes)].push(row);
        }
        let passes = futures_util::future::join_all(
            split.iter().filter(|updates| !updates.is_empty()).map(|updates| self.handle_lane(updates, stop)),
        )
        .await;
        passes.into_iter().fold(Pass::default(), |all, lane| Pass {
            handled: all.handled + lane.handled,
            failed: all.failed || lane.failed,
        })
    }

    async fn pending(&self) -> Result<Vec<InboxUpdate>, DbError> {
        Ok(inbox::pending(&mut self.db.conn().await?, BATCH).await?)
    }

    /// Handles one lane's updates: without savepoints first, carefully if
    /// one of them fails.
    async fn handle_lane(&self, pending: &[InboxUpdate], stop: &watch::Receiver<bool>) -> Pass {
        self.ask_ahead(pending).await;
        match self.handle_batch(pending, stop, false, 0).await {
            Ok(pass) => pass,
            // The careful batch finishes what the first one had begun,
            // stop or not, and is never given back to be done again.
            Err(reached) => {
                self.handle_batch(pending, stop, true, reached).await.unwrap_or(Pass { handled: 0, failed: true })
            }
        }
    }

    /// Learns what the support chat's updates will need (admin rights from
    /// Telegram, `/stats`' figures) before the transaction that handles
    /// them begins.
    async fn ask_ahead(&self, pending: &[InboxUpdate]) {
        let support = Some(self.desk.support_chat_id());
        for row in pending.iter().filter(|row| row.chat_id == support) {
            if let Ok(update) = serde_json::from_str::<Update>(&row.payload) {
                self.desk.ask_ahead(&self.router.route(update).await, &self.db).await;
            }
        }
    }

    /// Handles `pending` in order, in one transaction (careful: each update
    /// in a savepoint). The first `finish` updates are handled whatever the
    /// time or a stop; later ones only while neither has come. `Err`: an
    /// update of a batch that is not careful failed, or was handled
    /// elsewhere, and the batch was rolled back to be done again carefully;
    /// it holds how many updates that batch had reached.
    async fn handle_batch(
        &self,
        pending: &[InboxUpdate],
        stop: &watch::Receiver<bool>,
        careful: bool,
        finish: usize,
    ) -> Result<Pass, usize> {
        let (first, last) = (pending[0].update_id, pending[pending.len() - 1].update_id);
        let mut tx = match self.db.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                tracing::error!(first_update_id = first, chat = pending[0].chat_id, error = %e, "inbox: cannot begin handling updates; will retry");
                return Ok(Pass { handled: 0, failed: true });
            }
        };
        let batch_time = match self.db.backend() {
            Backend::Postgres => BATCH_TIME_POSTGRES,
            Backend::Sqlite => BATCH_TIME_SQLITE,
        };
        let started = Instant::now();
        let mut left = Left::default();
        let mut handled = 0;
        // Chats with an update that failed in this pass or waits for its
        // retry: their later updates wait too.
        let mut held_back: HashSet<Option<i64>> = HashSet::new();
        // How many of `pending` this batch has gone through.
        let mut reached = 0;
        for row in pending {
            if reached >= finish && (*stop.borrow() || started.elapsed() > batch_time) {
                break;
            }
            reached += 1;
            if held_back.contains(&row.chat_id) || self.failures.waiting(row.update_id) {
                held_back.insert(row.chat_id);
                continue;
            }
            match self.process_one(&mut tx, row, careful, &mut left).await {
                Ok(Handled::Done) => handled += 1,
                Ok(Handled::Failed) => {
                    held_back.insert(row.chat_id);
                }
                Ok(Handled::Again) => {
                    tracing::debug!(update_id = row.update_id, "inbox: an update failed; batch done again carefully");
                    tx.rollback().await;
                    return Err(reached);
                }
                Err(e) => {
                    tracing::error!(update_id = row.update_id, chat = row.chat_id, error = %e, "inbox: cannot handle updates (the transaction failed); will retry");
                    tx.rollback().await;
                    return Ok(Pass { handled: 0, failed: true });
                }
            }
        }
        // A careful batch wrote each update's rows and mark as it went.
        if !careful {
            match inbox::queue_and_ack(&mut tx, &left.rows, &left.acks, self.now()).await {
                Ok(true) => {}
                // One of the updates was handled elsewhere meanwhile, or
                // writing what they left failed: done again, update by
                // update, each finds out for itself.
                Ok(false) | Err(_) => {
                    tracing::debug!(first_update_id = first, "inbox: a batch's end failed; batch done again carefully");
                    tx.rollback().await;
                    return Err(reached);
                }
            }
        }
        if let Err(e) = tx.commit().await {
            tracing::error!(first_update_id = first, last_update_id = last, error = %e, "inbox: cannot commit handled updates; they stay pending, will retry");
            return Ok(Pass { handled: 0, failed: true });
        }
        self.metrics.count(left.tally);
        for took in left.timings {
            self.metrics.observe_update(took);
        }
        if handled > 0 {
            self.outbox.notify_one();
        }
        Ok(Pass { handled, failed: false })
    }

    /// Handles one update in the batch. `Err`: the batch's own connection
    /// failed (nothing of the batch can be committed).
    async fn process_one(
        &self,
        tx: &mut Tx,
        row: &InboxUpdate,
        careful: bool,
        left: &mut Left,
    ) -> Result<Handled, diesel::result::Error> {
        let started = Instant::now();
        let update: Update = match serde_json::from_str(&row.payload) {
            Ok(update) => update,
            Err(e) => {
                tracing::error!(update_id = row.update_id, chat = row.chat_id, error = %e, "inbox: unreadable update kept and skipped");
                inbox::set_aside(tx, row.update_id, &format!("unreadable: {e}"), self.now()).await?;
                return Ok(Handled::Done);
            }
        };
        let route = match self.router.route(update).await {
            Route::Ignore(why) => {
                tracing::debug!(update_id = row.update_id, chat = row.chat_id, why, "inbox: nothing to do");
                Route::Ignore(why)
            }
            Route::Unreadable(reason) => {
                tracing::error!(update_id = row.update_id, chat = row.chat_id, %reason, "inbox: update kept and skipped");
                inbox::set_aside(tx, row.update_id, &reason, self.now()).await?;
                return Ok(Handled::Done);
            }
            route => route,
        };
        if careful {
            tx.mark().await?;
        }
        // A group the bot does not serve: the desk has it leave, and of the
        // message only its update id (for deduplication) is kept.
        if matches!(route, Route::ForeignGroup(_)) {
            inbox::forget(tx, row.update_id).await?;
        }
        let handled = match self.desk.handle(tx, route).await {
            Ok(reaction) if careful => self.write_now(tx, row, reaction).await,
            Ok(reaction) => {
                let now = self.now();
                let drafts: Vec<_> = reaction
                    .drafts
                    .into_iter()
                    .filter(|d| d.merge_key.as_ref().is_none_or(|k| !left.merged.contains(k)))
                    .collect();
                left.merged.extend(drafts.iter().filter_map(|d| d.merge_key.clone()));
                left.rows.extend(drafts.into_iter().map(|d| d.into_row(now)));
                left.acks.push(row.update_id);
                Ok(Some(reaction.tally))
            }
            Err(e) => Err(e),
        };
        match handled {
            Ok(tally) => {
                self.failures.forget(row.update_id);
                left.tally.add(tally.unwrap_or_default());
                left.timings.push(started.elapsed());
                tracing::debug!(
                    update_id = row.update_id,
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "update handled"
                );
                Ok(Handled::Done)
            }
            Err(_) if !careful => Ok(Handled::Again),
            Err(e @ (DeskError::NotYetPlaced | DeskError::SupportChatMoved)) => {
                tx.back_to_mark().await?;
                tracing::debug!(update_id = row.update_id, reason = %e, "inbox: too early to handle; trying again shortly");
                self.failures.postpone(row.update_id, NOT_YET_PLACED_RETRY);
                Ok(Handled::Failed)
            }
            Err(e) => {
                tx.back_to_mark().await?;
                // Most database errors pass (a restart, a lock timeout):
                // retry. One that keeps failing on this update is about the
                // update: set it aside, keep the rest going.
                let failures = self.failures.count(row.update_id);
                if failures < MAX_FAILURES {
                    tracing::warn!(update_id = row.update_id, chat = row.chat_id, failures, error = %e, "inbox: cannot handle update; will retry");
                    return Ok(Handled::Failed);
                }
                tracing::error!(update_id = row.update_id, chat = row.chat_id, error = %e, "inbox: update set aside after repeated failures");
                inbox::set_aside(tx, row.update_id, &format!("failed {failures} times: {e}"), self.now()).await?;
                self.failures.forget(row.update_id);
                Ok(Handled::Done)
            }
        }
    }

    /// In a careful batch: writes what one update decided, and its mark,
    /// inside its savepoint. `None` when it was handled elsewhere already:
    /// what it wrote is undone, and it is done with.
    async fn write_now(&self, tx: &mut Tx, row: &InboxUpdate, reaction: Reaction) -> Result<Option<Tally>, DeskError> {
        let now = self.now();
        let rows: Vec<NewOutboxRow> = reaction.drafts.into_iter().map(|d| d.into_row(now)).collect();
        if inbox::queue_and_ack(tx, &rows, &[row.update_id], now).await? {
            return Ok(Some(reaction.tally));
        }
        tx.back_to_mark().await?;
        Ok(None)
    }

    fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now().naive_utc()
    }
}

#[cfg(test)]
mod tests;
