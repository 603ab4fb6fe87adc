//! A ticket's place in the support chat: its card, and in a forum its
//! topic. A row about a ticket whose card or topic went into a digest (or
//! could not be made, or was deleted by staff) gets them first, so staff
//! never see a bare message without its ticket.

use super::message::{Envelope, Outbound, Reply};
use super::send::{Verdict, backoff};
use super::worker::{DeliveryWorker, Step, Tickets};
use crate::db::DbError;
use crate::render;
use crate::storage::rows::{OutboxRow, Ticket};

/// What a ticket needs in the support chat before a row about it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    /// Its forum topic.
    Topic,
    /// Its card (the row replies to the card, or opens the topic's talk).
    Card,
}

impl DeliveryWorker {
    /// What the row's ticket lacks for the row to go where it belongs.
    /// `ticket` is the row's, read for support-chat rows only.
    pub(super) fn missing_context(&self, envelope: &Envelope, ticket: Option<&Ticket>) -> Option<Missing> {
        let forum = self.support.forum();
        let ticket = ticket?;
        if envelope.record.is_card() {
            return None;
        }
        let needs = match &envelope.message {
            Outbound::Text { reply, topic, .. } | Outbound::Copy { reply, topic, .. } => {
                if forum {
                    *topic
                } else {
                    *reply == Some(Reply::TicketCard)
                }
            }
            _ => false,
        };
        if !needs {
            None
        } else if forum && ticket.support_thread_id.is_none() {
            Some(Missing::Topic)
        } else if ticket.support_message_id.is_none() {
            Some(Missing::Card)
        } else {
            None
        }
    }

    /// Opens the ticket's topic or posts its card; the row itself goes on
    /// the next round. `None` when Telegram refused: the row goes without
    /// (in the General topic, or as a plain message; a reply to it still
    /// reaches the user).
    pub(super) async fn provide(&self, row: &OutboxRow, missing: Missing) -> Result<Option<Step>, DbError> {
        let verdict = match missing {
            Missing::Topic => self.open_topic(row).await?,
            Missing::Card => self.post_card(row).await?,
        };
        let step = match verdict {
            Verdict::Paced => Step::Waiting,
            Verdict::Sent(_) | Verdict::Moved => Step::Moved,
            Verdict::Wait(after) => {
                self.flood_controlled(row, after).await?;
                Step::Moved
            }
            Verdict::Transient(reason) => {
                tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, ?missing, %reason, "outbox: cannot give the ticket its card or topic yet; will retry");
                self.outbox.retry(row, backoff(row.attempts), &reason).await?;
                Step::Moved
            }
            Verdict::Refused { status, reason } => {
                tracing::error!(chat = row.chat_id, ticket = row.ticket_id, ?missing, status, %reason, "outbox: Telegram refused the ticket's card or topic; the message goes without");
                return Ok(None);
            }
        };
        Ok(Some(step))
    }

    /// Staff deleted the ticket's topic: opens a new one and sends `message`
    /// there. Anything but success leaves the row to try again.
    pub(super) async fn reopen_lost_topic(
        &self,
        row: &OutboxRow,
        message: &Outbound,
        tickets: &mut Tickets,
    ) -> Result<Verdict, DbError> {
        // The new topic is recorded at once: an older one noted and not yet
        // recorded must not overwrite it.
        self.recorder.record_all().await?;
        Ok(match self.open_topic(row).await? {
            Verdict::Sent(new_thread) => {
                tickets.topic_opened(row.ticket_id, new_thread);
                self.send(row.chat_id, message, None, Some(new_thread)).await
            }
            Verdict::Paced => Verdict::Paced,
            Verdict::Moved => Verdict::Moved,
            other => {
                tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, verdict = ?other, "outbox: the ticket's topic is gone and cannot be recreated yet");
                Verdict::Transient("the ticket's topic is gone and cannot be recreated yet".into())
            }
        })
    }

    /// Creates a topic for the row's ticket (its first, or a new one when
    /// staff deleted it) and records it; `Sent(thread)` on success.
    async fn open_topic(&self, row: &OutboxRow) -> Result<Verdict, DbError> {
        let Some(ticket_id) = row.ticket_id else { return Ok(Verdict::not_asked("no ticket")) };
        let Some((ticket, user)) = self.outbox.ticket_with_user(ticket_id).await? else {
            return Ok(Verdict::not_asked("the ticket is gone"));
        };
        let name = render::staff::topic_name(self.texts.staff(), &ticket, &user);
        if !self.limits.reserve(row.chat_id, 1) {
            return Ok(Verdict::Paced);
        }
        let verdict = self.counted(match self.create_topic(row.chat_id, &name).await {
            Ok(thread) => Verdict::Sent(thread),
            Err(failure) => self.verdict_of(row.chat_id, failure).await,
        });
        // A failure is logged by the caller, which decides what becomes of
        // the row.
        if let Verdict::Sent(thread) = &verdict {
            tracing::info!(ticket = ticket_id, chat = row.chat_id, thread, "opened a forum topic for the ticket");
            self.outbox.set_ticket_topic(ticket_id, row.chat_id, *thread).await?;
        }
        Ok(verdict)
    }

    /// Posts the ticket's card (in its topic in a forum) and records it.
    async fn post_card(&self, row: &OutboxRow) -> Result<Verdict, DbError> {
        let Some((ticket, user)) = self.outbox.ticket_with_user(row.ticket_id.unwrap_or_default()).await? else {
            return Ok(Verdict::not_asked("the ticket is gone"));
        };
        let html = render::staff::card(self.texts.staff(), &ticket, &user);
        let message = Outbound::Text { html, reply: None, topic: self.support.forum() };
        // Its topic, if it has one in this chat (not the one it had before
        // the support chat moved).
        let thread = ticket.support_thread_id.filter(|_| ticket.support_chat_id == Some(row.chat_id));
        let verdict = self.send(row.chat_id, &message, None, thread).await;
        if let Verdict::Sent(message_id) = verdict {
            self.outbox.set_ticket_card(ticket.id, row.chat_id, message_id).await?;
        }
        Ok(verdict)
    }
}
