//! What the delivery worker sent, recorded in batches.
//!
//! Recording each sent row on its own costs a transaction per message. The
//! worker notes rows as Telegram accepts them and records them
//! `RECORD_EVERY` at a time (or fewer, once the oldest has waited
//! `RECORD_WITHIN`), in one transaction: one statement on PostgreSQL. A
//! batch is recorded in the background while the lanes go on sending, one
//! batch at a time: a lane that fills the next batch first waits for the
//! one before it. Before anything reads what is waiting, everything is
//! recorded: in the claim's own transaction (`take_all`, `recorded`), or
//! on its own before a digest, an album or a stop (`record_all`).

use tokio::task::JoinHandle;

use super::store::OutboxStore;
use crate::db::DbError;
use crate::storage::outbox::Sent;

/// Sent rows are recorded this many at a time,
pub const RECORD_EVERY: usize = 16;

/// or once the oldest of them has waited this long: staff replying to a
/// card or a relayed message need it recorded to find the ticket.
const RECORD_WITHIN: std::time::Duration = std::time::Duration::from_millis(250);

/// The batch being recorded in the background: a copy of its rows (put
/// back if the task dies) and the task, which returns the lapsed ids.
type InFlight = (Vec<Sent>, JoinHandle<Result<Vec<i64>, DbError>>);

pub struct Recorder {
    outbox: OutboxStore,
    /// Rows Telegram accepted that no batch holds yet, and when the oldest
    /// of them was noted.
    noted: std::sync::Mutex<(Vec<Sent>, Option<std::time::Instant>)>,
    /// The batch being recorded in the background.
    in_flight: tokio::sync::Mutex<Option<InFlight>>,
}

impl Recorder {
    pub fn new(outbox: OutboxStore) -> Self {
        Self { outbox, noted: std::sync::Mutex::default(), in_flight: tokio::sync::Mutex::default() }
    }

    fn noted(&self) -> std::sync::MutexGuard<'_, (Vec<Sent>, Option<std::time::Instant>)> {
        self.noted.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether what is noted is due to be recorded: a full batch, or rows
    /// that have waited `RECORD_WITHIN`.
    fn due(&self) -> bool {
        let noted = self.noted();
        noted.0.len() >= RECORD_EVERY || noted.1.is_some_and(|at| at.elapsed() >= RECORD_WITHIN)
    }

    /// When what is noted must be recorded by (`RECORD_WITHIN` after the
    /// oldest was noted); `None` with nothing noted.
    pub fn due_at(&self) -> Option<std::time::Instant> {
        self.noted().1.map(|at| at + RECORD_WITHIN)
    }

    /// Takes what is noted.
    fn take(&self) -> Vec<Sent> {
        let mut noted = self.noted();
        noted.1 = None;
        std::mem::take(&mut noted.0)
    }

    /// Notes rows Telegram accepted (all of them, even if recording fails).
    /// When a batch is due, waits for the batch before it to be recorded
    /// and sends this one off.
    pub async fn note(&self, sent: impl IntoIterator<Item = Sent>) -> Result<(), DbError> {
        {
            let mut noted = self.noted();
            noted.0.extend(sent);
            noted.1.get_or_insert_with(std::time::Instant::now);
        }
        if !self.due() {
            return Ok(());
        }
        let mut in_flight = self.in_flight.lock().await;
        self.settle(&mut in_flight).await?;
        // Another lane may have sent the batch off while this one waited.
        if !self.due() {
            return Ok(());
        }
        let batch = self.take();
        let outbox = self.outbox.clone();
        let rows = batch.clone();
        *in_flight = Some((batch, tokio::spawn(async move { outbox.record_sent(&rows).await })));
        Ok(())
    }

    /// Records every row noted, and returns once they are. If that fails
    /// they stay noted, to be recorded next time.
    pub async fn record_all(&self) -> Result<(), DbError> {
        let batch = self.take_all().await?;
        if batch.is_empty() {
            return Ok(());
        }
        let result = self.outbox.record_sent(&batch).await;
        self.recorded(batch, result)
    }

    /// Takes every row noted, once the batch in flight is recorded, for the
    /// caller to record in a transaction of its own; `recorded` takes what
    /// came of it.
    pub async fn take_all(&self) -> Result<Vec<Sent>, DbError> {
        let mut in_flight = self.in_flight.lock().await;
        self.settle(&mut in_flight).await?;
        Ok(self.take())
    }

    /// Waits for the batch in flight, if any.
    async fn settle(&self, in_flight: &mut Option<InFlight>) -> Result<(), DbError> {
        let Some((batch, handle)) = in_flight.take() else { return Ok(()) };
        match handle.await {
            Ok(result) => self.recorded(batch, result),
            // Only a panic ends the task early: its rows go back, to be
            // recorded with the next batch.
            Err(e) => {
                tracing::error!(error = %e, "outbox: recording sent rows failed; will retry");
                self.put_back(batch);
                Ok(())
            }
        }
    }

    /// A batch that could not be recorded goes back, ahead of the rows
    /// noted since.
    fn put_back(&self, batch: Vec<Sent>) {
        let mut noted = self.noted();
        let newer = std::mem::replace(&mut noted.0, batch);
        noted.0.extend(newer);
        noted.1.get_or_insert_with(std::time::Instant::now);
    }

    /// What came of recording `batch`: a row no longer this worker's (it
    /// stalled past its lease and a replica took the row) is said so, since
    /// it may go twice; a batch that could not be recorded goes back
    /// (`put_back`), and the error is returned.
    pub fn recorded(&self, batch: Vec<Sent>, result: Result<Vec<i64>, DbError>) -> Result<(), DbError> {
        match result {
            Ok(lapsed) => {
                for row in batch.iter().filter(|s| lapsed.contains(&s.outbox_id)) {
                    tracing::warn!(
                        chat = row.chat_id,
                        outbox_id = row.outbox_id,
                        ticket = row.ticket_id,
                        "outbox: sent a row after its claim ran out; another worker may send it too"
                    );
                }
                Ok(())
            }
            Err(e) => {
                self.put_back(batch);
                Err(e)
            }
        }
    }
}
