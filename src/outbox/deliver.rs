//! One row on its way: where it goes (the ticket's topic, under its card),
//! what it needs first (its card or topic), the send, and what becomes of
//! the row after Telegram's answer.

use super::message::{Envelope, Outbound, Record, Reply};
use super::send::{Verdict, backoff};
use super::worker::{DeliveryWorker, Step, Tickets};
use crate::db::DbError;
use crate::storage::outbox::Sent;
use crate::storage::rows::OutboxRow;

/// Attempts before a message that keeps failing while Telegram takes
/// others is set aside (`gave_up`): with the backoff (1 s, 2 s, 4 s …)
/// about four minutes, so its chat waits no longer than that. While
/// nothing at all goes through (Telegram or the network is down) a row is
/// never set aside: it waits, backing off up to 5 minutes, and goes when
/// Telegram is back.
pub(super) const MAX_ATTEMPTS: i32 = 8;

/// What the row's sending recorded, for the recorder.
pub(super) fn sent(row: &OutboxRow, record: Record, message_id: i32) -> Sent {
    Sent {
        outbox_id: row.id,
        chat_id: row.chat_id,
        ticket_id: row.ticket_id,
        ticket_message_id: row.ticket_message_id,
        target: record.target(),
        message_id,
    }
}

impl DeliveryWorker {
    /// Sends one row (an album: all its waiting members).
    pub(super) async fn deliver(&self, row: &OutboxRow, tickets: &mut Tickets) -> Result<Step, DbError> {
        let envelope: Envelope = match serde_json::from_str(&row.payload) {
            Ok(e) => e,
            Err(e) => {
                let reason = format!("unreadable outbox payload: {e}");
                tracing::error!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, "outbox: row failed");
                self.outbox.failed(row, &reason).await?;
                return Ok(Step::Done);
            }
        };
        // For the support chat: the ticket's card and topic decide where the
        // row goes (a user's chat has neither).
        let ticket = if row.chat_id == self.support.id() { tickets.get(row.ticket_id).cloned() } else { None };
        if let Some(missing) = self.missing_context(&envelope, ticket.as_ref()) {
            self.recorder.record_all().await?;
            if let Some(step) = self.provide(row, missing).await? {
                return Ok(step);
            }
        }
        let thread = ticket.as_ref().and_then(|t| t.support_thread_id).filter(|_| envelope.message.wants_topic());
        if let Outbound::Copy { from_chat_id, album: Some(album), .. } = &envelope.message {
            // The album's members are found at the head of the chat's
            // queue: what was sent before them is recorded first.
            self.recorder.record_all().await?;
            return self.deliver_album(row, *from_chat_id, album, thread, envelope.record).await;
        }
        let reply_to = match envelope.message.reply() {
            Some(Reply::Message(id)) => Some(id),
            Some(Reply::TicketCard) => ticket.as_ref().and_then(|t| t.support_message_id),
            None => None,
        };
        let mut verdict = self.send(row.chat_id, &envelope.message, reply_to, thread).await;
        // Staff deleted the ticket's topic: open a new one and go on there.
        // If that fails, the row waits and tries again (never fails for it).
        if thread.is_some() && verdict.is_lost_topic() {
            verdict = self.reopen_lost_topic(row, &envelope.message, tickets).await?;
        }
        match verdict {
            Verdict::Paced => Ok(Step::Waiting),
            Verdict::Moved => Ok(Step::Moved),
            Verdict::Sent(message_id) => {
                self.recorder.note([sent(row, envelope.record, message_id)]).await?;
                tickets.recorded(row.ticket_id, envelope.record, message_id);
                Ok(Step::Done)
            }
            Verdict::Wait(after) => {
                self.flood_controlled(row, after).await?;
                Ok(Step::Moved)
            }
            // Failing on its own while Telegram takes other messages: set
            // aside with the reason, so its chat moves on.
            Verdict::Transient(reason) if row.attempts + 1 >= MAX_ATTEMPTS && self.telegram_is_taking() => {
                tracing::error!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, "outbox: set aside after {MAX_ATTEMPTS} attempts");
                self.outbox.gave_up(row, &reason, &self.support, self.texts.staff()).await?;
                Ok(Step::Done)
            }
            Verdict::Transient(reason) => {
                let after = backoff(row.attempts);
                tracing::warn!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, retry_in_ms = after.as_millis() as u64, "outbox: send failed, will retry");
                self.outbox.retry(row, after, &reason).await?;
                Ok(Step::Moved)
            }
            // A user who blocked the bot (or deleted their account).
            Verdict::Refused { status: 403, reason } if row.chat_id > 0 => {
                tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, %reason, "outbox: the user cannot be reached");
                self.outbox.user_blocked_bot(row, &reason, &self.support, self.texts.staff()).await?;
                Ok(Step::Done)
            }
            Verdict::Refused { status, reason } => {
                tracing::error!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, status, %reason, "outbox: Telegram refused a message");
                self.outbox.failed(row, &reason).await?;
                Ok(Step::Done)
            }
        }
    }

    /// Telegram's 429: the whole chat of `row` waits `after` (its later rows
    /// too, to keep their order).
    pub(super) async fn flood_controlled(&self, row: &OutboxRow, after: std::time::Duration) -> Result<(), DbError> {
        tracing::warn!(
            chat = row.chat_id,
            ticket = row.ticket_id,
            retry_after_s = after.as_secs(),
            "outbox: Telegram flood control"
        );
        self.outbox.hold_chat(row.chat_id, after).await
    }
}
