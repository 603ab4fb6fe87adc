//! Long polling into the inbox. An update is confirmed to Telegram (by the
//! next call's offset) only after it is committed to the inbox, so a crash
//! at any moment loses nothing: unconfirmed updates are fetched again, and
//! the inbox's key drops the ones already stored.

use std::sync::Arc;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::*;
use tokio::sync::Notify;

use super::Fetched;
use crate::clock::Clock;
use crate::db::Db;

/// Seconds Telegram holds a `getUpdates` call open when there is nothing new.
const LONG_POLL_SECS: u32 = 10;

pub struct Poller {
    bot: Bot,
    db: Db,
    clock: Arc<dyn Clock>,
    /// Woken after updates are stored, so the processor starts at once.
    stored: Arc<Notify>,
}

impl Poller {
    pub fn new(bot: Bot, db: Db, clock: Arc<dyn Clock>, stored: Arc<Notify>) -> Self {
        Self { bot, db, clock, stored }
    }

    /// Polls until `stop` is set; stops between calls, never mid-store.
    pub async fn run(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
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
            let mut request = self
                .bot
                .get_updates()
                .timeout(LONG_POLL_SECS)
                .limit(100)
                .allowed_updates(crate::telegram::allowed_updates());
            if let Some(next) = offset {
                request = request.offset(i32::try_from(next).unwrap_or(i32::MAX));
            }
            let updates = tokio::select! {
                result = request.send() => result,
                _ = stop.changed() => return,
            };
            match updates {
                Ok(updates) => {
                    failures = 0;
                    if updates.is_empty() {
                        continue;
                    }
                    let fetched: Vec<Fetched> = updates
                        .iter()
                        .filter_map(|u| {
                            let payload = serde_json::to_string(u).ok()?;
                            Some(Fetched { update_id: i64::from(u.id.0), chat_id: u.chat().map(|c| c.id.0), payload })
                        })
                        .collect();
                    let highest = updates.iter().map(|u| i64::from(u.id.0)).max();
                    match super::store(&self.db, &fetched, self.clock.now().naive_utc()).await {
                        Ok(_) => {
                            offset = highest.map(|h| h + 1).or(offset);
                            self.stored.notify_one();
                        }
                        // Not stored, so not confirmed: the same updates
                        // come again on the next call.
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
                Err(RequestError::RetryAfter(s)) => pause(&mut stop, s.duration()).await,
                Err(e) => {
                    failures += 1;
                    let wait = Duration::from_millis(250 * u64::from(failures.min(20)));
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "poller: getUpdates failed");
                    pause(&mut stop, wait).await;
                }
            }
        }
    }
}

async fn pause(stop: &mut tokio::sync::watch::Receiver<bool>, wait: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = stop.changed() => {}
    }
}
