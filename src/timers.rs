//! The response clock's timer: every few seconds it asks the desk what has
//! come due (reminders past `FIRST_RESPONSE_SLA`, closes after
//! `AUTO_CLOSE_AFTER`) and, when something has, lets the desk act on it in
//! one transaction that also queues what it says. A check with nothing due
//! is two index reads on a pooled connection: no transaction, no write.
//! With neither setting on, the timer does not run at all.
//!
//! Every replica runs one: the desk's writes are conditional (a reminder is
//! taken, a close happens, only while still due), so two replicas never
//! remind or close twice.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::desk::{Desk, DeskError};
use crate::metrics::Metrics;

/// How often the clock is checked: reminders and closes are about minutes
/// and hours, so a few seconds late is on time.
const TICK: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
enum CheckError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Desk(#[from] DeskError),
}

impl From<diesel::result::Error> for CheckError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Desk(e.into())
    }
}

pub struct Timers {
    db: Db,
    desk: Desk,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    /// Woken when something was queued.
    outbox: Arc<Notify>,
}

impl Timers {
    pub fn new(db: Db, desk: Desk, clock: Arc<dyn Clock>, metrics: Arc<Metrics>, outbox: Arc<Notify>) -> Self {
        Self { db, desk, clock, metrics, outbox }
    }

    /// Checks every `TICK` until `stop` is set; returns at once when no
    /// setting needs the clock.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        if !self.desk.clock_runs() {
            return;
        }
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            if let Err(e) = self.check().await {
                tracing::warn!(error = %e, "response clock: the check failed; trying again at the next tick");
            }
        }
    }

    /// One check: what is due, then (only if something is) acting on it.
    async fn check(&self) -> Result<(), CheckError> {
        let (reminders, closes) = {
            let mut conn = self.db.conn().await?;
            (self.desk.reminders_due(&mut conn).await?, self.desk.auto_close_due(&mut conn).await?)
        };
        if reminders.is_empty() && closes.is_empty() {
            return Ok(());
        }
        let tally = self
            .db
            .transaction(async |tx| {
                let mut reaction = self.desk.remind(tx, &reminders).await?;
                let closed = self.desk.auto_close(tx, &closes).await?;
                reaction.drafts.extend(closed.drafts);
                reaction.tally.add(closed.tally);
                Ok::<_, CheckError>(reaction.queue(tx, self.clock.now().naive_utc()).await?)
            })
            .await?;
        self.metrics.count(tally);
        self.outbox.notify_one();
        Ok(())
    }
}
