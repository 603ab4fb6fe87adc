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
                let changed =
                    ["ticket_messages", "ticket_messages_search_open", "ticket_ratings", "tickets", "outbox_messages"];
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

#[cfg(test)]
mod tests {
    use testdb::{Kind, TestDb, on_both_backends};

    use super::*;

    on_both_backends!(the_sweeper_deletes_expired_sessions_with_no_retention_set);

    /// No `INBOX_RETENTION`, no `MESSAGE_RETENTION`: the sweeper still runs,
    /// and its first sweep (at start) deletes the expired session.
    async fn the_sweeper_deletes_expired_sessions_with_no_retention_set(kind: Kind) {
        let Some(test) = TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        let now = chrono::Utc::now();
        for (hash, expires_at) in
            [("over", now - chrono::TimeDelta::hours(1)), ("live", now + chrono::TimeDelta::hours(1))]
        {
            let at = now.naive_utc() - chrono::TimeDelta::hours(2);
            let session = web_sessions::Session {
                token_hash: hash.into(),
                user_id: 7,
                display_name: "Agent 7".into(),
                csrf_token: "c".into(),
                created_at: at,
                last_seen_at: at,
                expires_at: expires_at.naive_utc(),
            };
            web_sessions::create(&mut db.writer().await.unwrap(), &session).await.unwrap();
        }
        let retention = Retention { inbox: None, messages: None };
        let clock = Arc::new(crate::clock::ManualClock::new(now));
        let sweeper = Sweeper::new(db.clone(), clock, Arc::new(Metrics::new()), retention);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let running = tokio::spawn(sweeper.run(stopped));
        let waited = std::time::Instant::now();
        let left = loop {
            let left = test.count("SELECT COUNT(*) FROM web_sessions").await;
            if left < 2 || waited.elapsed() > std::time::Duration::from_secs(10) {
                break left;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert!(!running.is_finished(), "the sweeper keeps running");
        stop.send(true).unwrap();
        running.await.unwrap();
        assert_eq!(left, 1, "the expired session deleted");
        assert_eq!(test.count("SELECT COUNT(*) FROM web_sessions WHERE token_hash = 'live'").await, 1);
    }
}
