//! What the delivery worker sent, recorded in batches.
//!
//! Recording each sent row on its own costs a transaction per message. The
//! worker notes rows as Telegram accepts them and records them
//! `RECORD_EVERY` at a time: one statement on PostgreSQL, one transaction
//! on SQLite. A full batch is recorded in the background while the lanes go
//! on sending, one batch at a time: a lane that fills the next batch first
//! waits for the one before it. Before anything reads what is waiting (a
//! claim, a digest, an album) the worker records everything (`record_all`).

use tokio::task::JoinHandle;

use super::outbound::Sent;
use crate::service::{Mailroom, ServiceError};

/// Sent rows are recorded this many at a time.
pub const RECORD_EVERY: usize = 16;

/// A batch and what became of recording it.
type Recorded = (Vec<Sent>, Result<Vec<i64>, ServiceError>);

pub struct Recorder {
    mailroom: Mailroom,
    /// Rows Telegram accepted that no batch holds yet.
    noted: std::sync::Mutex<Vec<Sent>>,
    /// The batch being recorded in the background.
    in_flight: tokio::sync::Mutex<Option<JoinHandle<Recorded>>>,
}

impl Recorder {
    pub fn new(mailroom: Mailroom) -> Self {
        Self { mailroom, noted: std::sync::Mutex::default(), in_flight: tokio::sync::Mutex::default() }
    }

    fn noted(&self) -> std::sync::MutexGuard<'_, Vec<Sent>> {
        self.noted.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes a row Telegram accepted. With a full batch noted, waits for the
    /// batch before it to be recorded and sends this one off.
    pub async fn note(&self, sent: Sent) -> Result<(), ServiceError> {
        let full = {
            let mut noted = self.noted();
            noted.push(sent);
            noted.len() >= RECORD_EVERY
        };
        if !full {
            return Ok(());
        }
        let mut in_flight = self.in_flight.lock().await;
        self.settle(&mut in_flight).await?;
        let batch = std::mem::take(&mut *self.noted());
        if !batch.is_empty() {
            let mailroom = self.mailroom.clone();
            *in_flight = Some(tokio::spawn(async move {
                let result = mailroom.outbox_sent(&batch).await;
                (batch, result)
            }));
        }
        Ok(())
    }

    /// Records every row noted, and returns once they are. If that fails
    /// they stay noted, to be recorded next time.
    pub async fn record_all(&self) -> Result<(), ServiceError> {
        let mut in_flight = self.in_flight.lock().await;
        self.settle(&mut in_flight).await?;
        let batch = std::mem::take(&mut *self.noted());
        if batch.is_empty() {
            return Ok(());
        }
        let result = self.mailroom.outbox_sent(&batch).await;
        self.finish(batch, result)
    }

    /// Waits for the batch in flight, if any.
    async fn settle(&self, in_flight: &mut Option<JoinHandle<Recorded>>) -> Result<(), ServiceError> {
        let Some(handle) = in_flight.take() else { return Ok(()) };
        match handle.await {
            Ok((batch, result)) => self.finish(batch, result),
            // Only a panic ends the task early: its rows are sent again once
            // their claim runs out.
            Err(e) => {
                tracing::error!(error = %e, "outbox: recording sent rows failed; they may go again");
                Ok(())
            }
        }
    }

    /// A row no longer this worker's (it stalled past its lease and a
    /// replica took the row) is said so: it may go twice. A batch that could
    /// not be recorded goes back, ahead of the rows noted since.
    fn finish(&self, batch: Vec<Sent>, result: Result<Vec<i64>, ServiceError>) -> Result<(), ServiceError> {
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
                let mut noted = self.noted();
                let newer = std::mem::replace(&mut *noted, batch);
                noted.extend(newer);
                Err(e)
            }
        }
    }
}
