//! Exports: every ticket, or every message, of some days, streamed a page
//! at a time from the database into CSV or JSON Lines (`ticketbot export`,
//! and `/export` for the support chat's admins). Memory holds one page,
//! however many tickets there are.

use std::io::Write;

use chrono::{NaiveDate, TimeDelta};

use super::ahead::Asked;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Db};
use crate::domain::Period;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record, encode_file};
use crate::render;
use crate::render::export::{Format, Writer};
use crate::storage::export::{self, Days, MessageLine, TicketLine};

/// The largest export `/export` sends: Telegram takes 50 MB from a bot
/// (and the file travels base64 in an outbox row). Larger: the CLI.
const LARGEST: usize = 45 * 1024 * 1024;

/// Rows read at a time.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportQuery {
    pub days: Days,
    /// One row per message instead of one per ticket.
    pub messages: bool,
    pub format: Format,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes the export to `out`; returns it, flushed, and the rows written.
pub async fn export<W: Write>(conn: &mut Conn, query: ExportQuery, out: W) -> Result<(W, u64), ExportError> {
    let (mut after, mut rows) = (0, 0u64);
    if query.messages {
        let mut writer = Writer::start::<MessageLine>(out, query.format)?;
        loop {
            let page = export::messages_after(conn, query.days, after, PAGE).await?;
            for line in &page {
                writer.write(line)?;
            }
            rows += page.len() as u64;
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = last.message_id,
                _ => return Ok((writer.finish()?, rows)),
            }
        }
    }
    let mut writer = Writer::start::<TicketLine>(out, query.format)?;
    loop {
        let page = export::tickets_after(conn, query.days, after, PAGE).await?;
        for line in &page {
            writer.write(line)?;
        }
        rows += page.len() as u64;
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.ticket_id,
            _ => return Ok((writer.finish()?, rows)),
        }
    }
}

/// Memory that takes at most `LARGEST` bytes, then refuses.
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > LARGEST {
            return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, "larger than a bot may send"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Desk {
    /// The days of `period`, ending today in the ticket time zone.
    fn days_of(&self, period: Period) -> (NaiveDate, NaiveDate) {
        let last = self.clock.now().with_timezone(&self.rules.zone).date_naive();
        (last - TimeDelta::days(period.days() - 1), last)
    }

    /// The period's tickets as CSV, and how many; `None` when the file
    /// would be larger than `LARGEST` (it stops being written there).
    async fn tickets_csv(&self, conn: &mut Conn, period: Period) -> Result<Option<(Vec<u8>, u64)>, ExportError> {
        let (since, until) = self.days_of(period);
        let days = Days { since: Some(since), until: Some(until) };
        let query = ExportQuery { days, messages: false, format: Format::Csv };
        match export(conn, query, Capped(Vec::new())).await {
            Ok((Capped(file), rows)) => Ok(Some((file, rows))),
            Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::FileTooLarge => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes `/export`'s file before the command's transaction; a failure
    /// here only means it is written inside.
    pub(super) async fn export_ahead(&self, db: &Db, message_id: i32, args: &str) {
        let Some(period) = Period::parse(args) else { return };
        let Ok(mut conn) = db.conn().await else { return };
        if let Ok(file) = self.tickets_csv(&mut conn, period).await {
            self.ahead.put(message_id, Asked::Export { period, file });
        }
    }

    /// `/export [day|week|month]` (admins): the period's tickets as a CSV
    /// document in the support chat.
    pub(super) async fn export_tickets(
        &self,
        conn: &mut Conn,
        message_id: i32,
        args: &str,
    ) -> Result<Reaction, DeskError> {
        let w = self.words();
        let say = |html: String| Ok(Reaction::say(vec![self.support.text(html)]));
        let Some(period) = Period::parse(args) else { return say(render::staff::export_usage(w)) };
        let written = match self.ahead.take(message_id) {
            Some(Asked::Export { period: read_for, file }) if read_for == period => file,
            _ => match self.tickets_csv(conn, period).await {
                Ok(done) => done,
                Err(ExportError::Database(e)) => return Err(e.into()),
                // Writing into memory does not fail; were it to, nothing
                // is sent and the log says why.
                Err(ExportError::Write(e)) => {
                    tracing::error!(error = %e, "/export: the file could not be written");
                    return Ok(Reaction::default());
                }
            },
        };
        let Some((file, rows)) = written else { return say(render::staff::export_too_big(w)) };
        let (since, until) = self.days_of(period);
        let name = format!("tickets-{since}-{until}.{}", Format::Csv.extension());
        let caption = render::staff::export_caption(w, rows, since, until);
        let document = Outbound::Document { name, file: encode_file(&file), caption: Some(caption) };
        Ok(Reaction::say(vec![OutboxDraft::new(self.support.id(), document, Record::Nothing)]))
    }
}
