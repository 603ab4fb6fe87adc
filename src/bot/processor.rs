//! Works through the inbox in update order. An update whose handling fails
//! on the database stays pending and is tried again; one that cannot be
//! read is kept with the reason and skipped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::types::Update;
use tokio::sync::Notify;

use super::handle::Desk;
use crate::service::ServiceError;

/// Times a database error may stop the same update before it is set aside
/// (kept in the inbox with the error) so the updates behind it can go on.
const MAX_FAILURES: u32 = 5;

pub struct Processor {
    desk: Desk,
    /// The update that failed last and how often in a row.
    failing: std::sync::Mutex<(i64, u32)>,
    /// Woken by the poller when updates were stored.
    stored: Arc<Notify>,
    /// Wakes the delivery worker when handling wrote to the outbox.
    outbox: Arc<Notify>,
}

impl Processor {
    pub fn new(desk: Desk, stored: Arc<Notify>, outbox: Arc<Notify>) -> Self {
        Self { desk, stored, outbox, failing: std::sync::Mutex::new((0, 0)) }
    }

    /// Runs until `stop` is set; the update in hand is always finished.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let idle = match self.process_pending(&stop).await {
                Ok(handled) => handled == 0,
                Err(e) => {
                    tracing::error!(error = %e, "inbox: cannot handle updates; will retry");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    false
                }
            };
            if idle {
                tokio::select! {
                    _ = self.stored.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Handles pending updates in order; stops at the first database error
    /// (that update and the ones after it stay pending).
    pub async fn process_pending(&self, stop: &tokio::sync::watch::Receiver<bool>) -> Result<usize, ServiceError> {
        let pending = self.desk.mailroom.pending_updates(64).await?;
        let mut handled = 0;
        for row in pending {
            if *stop.borrow() {
                break;
            }
            let update: Update = match serde_json::from_str(&row.payload) {
                Ok(u) => u,
                Err(e) => {
                    tracing::error!(update_id = row.update_id, error = %e, "inbox: unreadable update kept and skipped");
                    self.desk.mailroom.reject_update(row.update_id, &format!("unreadable: {e}")).await?;
                    continue;
                }
            };
            let started = Instant::now();
            match self.desk.handle(row.update_id, &update).await {
                Ok(()) | Err(ServiceError::AlreadyHandled) => {}
                Err(e) if !e.is_expected() => {
                    // Most database errors pass (a restart, a lock timeout):
                    // stop and retry. One that keeps failing on this update
                    // is about the update: set it aside, keep the rest going.
                    let failures = {
                        let mut failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
                        *failing = if failing.0 == row.update_id {
                            (row.update_id, failing.1 + 1)
                        } else {
                            (row.update_id, 1)
                        };
                        failing.1
                    };
                    if failures < MAX_FAILURES {
                        return Err(e);
                    }
                    tracing::error!(update_id = row.update_id, chat = row.chat_id, error = %e, "inbox: update set aside after repeated failures");
                    self.desk.mailroom.reject_update(row.update_id, &format!("failed {failures} times: {e}")).await?;
                }
                // An expected outcome that no handler turned into a reply:
                // a bug, but not one to retry forever.
                Err(e) => {
                    tracing::error!(update_id = row.update_id, chat = row.chat_id, error = %e, "inbox: update not handled");
                    self.desk.mailroom.reject_update(row.update_id, &e.to_string()).await?;
                }
            }
            self.desk.metrics.observe_update(started.elapsed());
            tracing::debug!(
                update_id = row.update_id,
                elapsed_us = started.elapsed().as_micros() as u64,
                "update handled"
            );
            handled += 1;
            self.outbox.notify_one();
        }
        Ok(handled)
    }
}
