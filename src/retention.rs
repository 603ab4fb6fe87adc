//! Retention: what the database need not keep forever goes, in small
//! batches, in the background. Handled updates and sent or set-aside
//! outbox rows older than `INBOX_RETENTION`; the texts of tickets closed
//! longer ago than `MESSAGE_RETENTION` (numbers, times, ratings and so the
//! statistics stay). Expired web console sessions and used or expired
//! login links go too, whatever the retention.
//!
//! On PostgreSQL a sweep that removed anything ends with a `VACUUM` of the
//! tables it changed (it blocks nobody), so the space is reused at once and
//! the database stops growing; SQLite reuses freed pages by itself.
//!
//! A batch is one short statement (at most `BATCH` rows, through an index)
//! or, for texts, one short transaction of at most `TICKETS` tickets; between
//! batches the sweeper pauses, so the bot's own writes never wait long
//! behind it (on SQLite they share one write lock). Every replica sweeps:
//! each batch picks what is still there, so two sweepers only share the
//! work.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Retention;
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::storage::{retention, web_sessions};

/// Rows one statement deletes at most.
const BATCH: i64 = 500;

/// Tickets whose texts one transaction clears at most (each ticket's
/// messages in one statement, the search index following row by row).
const TICKETS: i64 = 20;

/// Between two batches at least; after a longer batch, as long as it
/// took, so a sweep never holds more than half the database's writing
/// time (on SQLite, the one write lock) however slow its batches are.
const PAUSE: Duration = Duration::from_millis(25);

pub struct Sweeper {
    db: Db,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    retention: Retention,
}

impl Sweeper {
    pub fn new(db: Db, clock: Arc<dyn Clock>, metrics: Arc<Metrics>, retention: Retention) -> Self {
        Self { db, clock, metrics, retention }
    }

    /// How often a sweep starts: a quarter of the shortest retention,
    /// between a second and a minute.
    fn every(&self) -> Duration {
        let shortest = [self.retention.inbox, self.retention.messages].into_iter().flatten().min();
        let quarter = shortest.and_then(|d| (d / 4).to_std().ok()).unwrap_or(Duration::from_secs(60));
        quarter.clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    /// Sweeps until `stop` is set: expired web sessions and login links
    /// always (every minute when no retention is set), the rest when its
    /// retention is set.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.every());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            if let Err(e) = self.sweep(&stop).await {
                tracing::warn!(error = %e, "retention: a sweep failed; trying again at the next");
            }
        }
    }

    /// One sweep: each kind, batch after batch, until a batch finds less
    /// than it may take (or the bot stops).
    pub async fn sweep(&self, stop: &watch::Receiver<bool>) -> Result<(), DbError> {
        let now = self.clock.now().naive_utc();
        // Expired web sessions, used or expired login links: a handful of
        // rows, one statement each.
        web_sessions::delete_expired(&mut self.db.writer().await?, now).await?;
        if let Some(keep) = self.retention.inbox {
            let before = now - keep;
            let mut removed = 0;
            loop {
                let started = Instant::now();
                let deleted = retention::delete_handled_updates(&mut self.db.writer().await?, before, BATCH).await?;
                removed += deleted;
                if self.done("updates", deleted, BATCH, started, stop).await {
                    break;
                }
            }
            loop {
                let started = Instant::now();
                let deleted = retention::delete_finished_outbox(&mut self.db.writer().await?, before, BATCH).await?;
                removed += deleted;
                if self.done("outbox", deleted, BATCH, started, stop).await {
                    break;
                }
            }
            if removed > 0 {
                retention::reclaim(&mut self.db.writer().await?, &["inbox_updates", "outbox_messages"]).await?;
            }
        }
        if let Some(keep) = self.retention.messages {
            let before = now - keep;
            let mut cleared = 0;
            loop {
                let started = Instant::now();
                let tickets = self
                    .db
                    .transaction(async |tx| {
                        let ids = retention::tickets_with_texts(tx, before, TICKETS).await?;
                        if !ids.is_empty() {
                            retention::remove_texts(tx, &ids, now).await?;
                        }
                        Ok::<_, DbError>(ids.len())
                    })
                    .await?;
                cleared += tickets;
                if self.done("ticket_texts", tickets, TICKETS, started, stop).await {
                    break;
                }
            }
            if cleared > 0 {
                let changed = ["ticket_messages", "ticket_ratings", "tickets", "outbox_messages"];
                retention::reclaim(&mut self.db.writer().await?, &changed).await?;
            }
        }
        Ok(())
    }

    /// Counts a batch begun at `started`; whether the sweep of this kind
    /// is over. A full batch pauses before the next.
    async fn done(
        &self,
        what: &'static str,
        removed: usize,
        batch: i64,
        started: Instant,
        stop: &watch::Receiver<bool>,
    ) -> bool {
        if removed > 0 {
            self.metrics.retained(what, removed as u64);
            tracing::debug!(what, removed, "retention: removed");
        }
        if (removed as i64) < batch || *stop.borrow() {
            return true;
        }
        tokio::time::sleep(PAUSE.max(started.elapsed())).await;
        false
    }
}

/// A retention as the log says it.
pub fn describe(keep: Option<TimeDelta>) -> String {
    match keep {
        None => "kept".into(),
        Some(d) if d.num_days() > 0 && d == TimeDelta::days(d.num_days()) => format!("{}d", d.num_days()),
        Some(d) => format!("{}s", d.num_seconds()),
    }
}
