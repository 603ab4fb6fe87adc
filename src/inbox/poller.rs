//! Long polling into the inbox. An update is confirmed to Telegram (by the
//! next call's offset) only after it is committed to the inbox, so a crash
//! at any moment loses nothing: unconfirmed updates are fetched again, and
//! the inbox's key drops the ones already stored. Each update is stored as
//! the JSON Telegram sent, byte for byte.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use super::Fetched;
use crate::clock::Clock;
use crate::db::Db;
use crate::telegram::ALLOWED_UPDATES;
use crate::telegram::api::{BotApi, Failure};

/// How long Telegram holds a `getUpdates` call open when there is nothing new.
const LONG_POLL: Duration = Duration::from_secs(10);

/// An empty answer sooner than this did not wait for updates (a server
/// that ignores `timeout`): the next call waits the rest, so the poller
/// never spins.
const EARLIEST_EMPTY: Duration = Duration::from_secs(1);

pub struct Poller {
    api: BotApi,
    db: Db,
    clock: Arc<dyn Clock>,
    /// Woken after updates are stored, so the processor starts at once.
    stored: Arc<Notify>,
}

impl Poller {
    pub fn new(api: BotApi, db: Db, clock: Arc<dyn Clock>, stored: Arc<Notify>) -> Self {
        Self { api, db, clock, stored }
    }

    /// Polls until `stop` is set; stops between calls, never mid-store.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        // No offset at start: Telegram sends whatever it has not had
        // confirmed, and the inbox's key drops what was stored already.
        // (An offset from the inbox's highest id would misfire when Telegram
        // restarts its ids, as it does after a week without updates.)
        let mut offset: Option<i64> = None;
        let mut failures = 0u32;
        loop {
            if *stop.borrow() {
                return;
            }
            let asked = Instant::now();
            let updates = tokio::select! {
                result = self.api.get_updates(offset, LONG_POLL, &ALLOWED_UPDATES) => result,
                _ = stop.changed() => return,
            };
            let updates = match updates {
                Ok(updates) => updates,
                Err(Failure::RetryAfter(after)) => {
                    tracing::warn!(retry_after_s = after.as_secs(), "poller: Telegram flood control on getUpdates");
                    pause(&mut stop, after).await;
                    continue;
                }
                Err(failure) => {
                    failures += 1;
                    let wait = Duration::from_millis(250 * u64::from(failures.min(20)));
                    tracing::warn!(%failure, retry_in_ms = wait.as_millis() as u64, "poller: getUpdates failed");
                    pause(&mut stop, wait).await;
                    continue;
                }
            };
            failures = 0;
            if updates.is_empty() {
                pause(&mut stop, EARLIEST_EMPTY.saturating_sub(asked.elapsed())).await;
                continue;
            }
            let highest = updates.iter().map(|u| u.update_id).max();
            let fetched: Vec<Fetched> = updates.into_iter().map(|u| Fetched::new(u.update_id, u.json)).collect();
            match super::store(&self.db, &fetched, self.clock.now().naive_utc()).await {
                Ok(_) => {
                    offset = highest.map(|h| h + 1).or(offset);
                    self.stored.notify_one();
                }
                // Not stored, so not confirmed: the same updates come again
                // on the next call.
                Err(e) => {
                    let first = fetched.first().map(|u| u.update_id);
                    tracing::error!(
                        first_update_id = first,
                        last_update_id = highest,
                        updates = fetched.len(),
                        error = %e,
                        "poller: cannot store updates; they stay unconfirmed"
                    );
                    pause(&mut stop, Duration::from_secs(1)).await;
                }
            }
        }
    }
}

async fn pause(stop: &mut watch::Receiver<bool>, wait: Duration) {
    if wait.is_zero() {
        return;
    }
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = stop.changed() => {}
    }
}
