//! The inbox and the outbox as the poller, the update processor and the
//! delivery worker use them.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::ServiceError;
use super::dispatch::on_db;
use crate::clock::Clock;
use crate::db::Db;
use crate::models::{InboxUpdate, NewInboxUpdate, OutboxRow};
use crate::storage::outcome::Effects;
use crate::telegram::outbound::Sent;

#[derive(Clone)]
pub struct Mailroom {
    db: Db,
    clock: Arc<dyn Clock>,
    /// Whose outbox claims this mailroom holds and records under (a
    /// delivery worker's token; empty for everyone else, who can record
    /// only rows nobody holds).
    claimant: Arc<str>,
}

/// An outbox row about a ticket, read for a digest.
#[derive(Debug, Clone)]
pub struct DigestCandidate {
    pub row: OutboxRow,
    pub envelope: crate::telegram::outbound::Envelope,
    /// The ticket and its user (`None` for a row about no ticket).
    pub ticket: Option<crate::models::Ticket>,
    pub user: Option<crate::models::User>,
    /// The ticket message the row relays (a user's message), if any.
    pub message: Option<crate::models::TicketMessage>,
}

/// An update as fetched: its id, chat and JSON.
#[derive(Debug, Clone)]
pub struct FetchedUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: String,
}

impl Mailroom {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock, claimant: Arc::from("") }
    }

    /// The same mailroom, claiming and recording outbox rows as `claimant`.
    pub fn claiming(&self, claimant: &str) -> Self {
        Self { claimant: Arc::from(claimant), ..self.clone() }
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    /// Stores fetched updates (one transaction); redeliveries are dropped.
    /// Only after this returns may the offset that confirms them be sent.
    pub async fn store_updates(&self, updates: &[FetchedUpdate]) -> Result<usize, ServiceError> {
        if updates.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let rows: Vec<NewInboxUpdate<'_>> = updates
            .iter()
            .map(|u| NewInboxUpdate {
                update_id: u.update_id,
                chat_id: u.chat_id,
                payload: &u.payload,
                received_at: now,
            })
            .collect();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::store_updates(conn, &rows).await?))
    }

    pub async fn pending_updates(&self, limit: i64) -> Result<Vec<InboxUpdate>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::inbox_pending(conn, limit).await?))
    }

    /// Marks an update handled, writing the messages it calls for.
    pub async fn acknowledge(&self, effects: &Effects<'_, ()>) -> Result<(), ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::acknowledge(conn, effects, now).await?))
    }

    /// Marks an update that cannot be handled (unparseable): kept with the
    /// reason, never retried.
    pub async fn reject_update(&self, update_id: i64, reason: &str) -> Result<(), ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::mark_inbox_done(conn, update_id, now, Some(reason)).await?;
            Ok(())
        })
    }

    /// Claims, for `lease`, the rows that may be sent now: of each chat, up
    /// to `run` rows from its oldest unsent one, stopping before a row that
    /// is not due or that another worker holds; at most `limit` in all,
    /// oldest first.
    pub async fn claim_due(
        &self,
        lease: std::time::Duration,
        run: usize,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, ServiceError> {
        let now = self.now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let (run, limit) = (i64::try_from(run).unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX));
        on_db!(&self.db, write, |conn, layer| {
            Ok(layer::units::claim_outbox(conn, &self.claimant, now, until, run, limit).await?)
        })
    }

    /// Gives back every row this claimant holds (it stops delivering).
    pub async fn release_all(&self) -> Result<(), ServiceError> {
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::outbox_release(conn, &self.claimant).await?;
            Ok(())
        })
    }

    /// The unsent rows at the head of `chat_id`'s queue that copy members of
    /// `album`, oldest first (held or not: the album goes out together).
    pub async fn album_rows(&self, chat_id: i64, album: &str) -> Result<Vec<OutboxRow>, ServiceError> {
        use crate::telegram::outbound::{Envelope, Outbound};
        let pending = on_db!(&self.db, read, |conn, layer| {
            Ok::<_, ServiceError>(layer::queries::outbox_pending_in(conn, chat_id, 100).await?)
        })?;
        // Only the members at the head of the chat's queue, so nothing queued
        // between them is overtaken.
        Ok(pending
            .into_iter()
            .take_while(|row| {
                serde_json::from_str::<Envelope>(&row.payload)
                    .is_ok_and(|e| matches!(e.message, Outbound::Copy { album: Some(a), .. } if a == album))
            })
            .collect())
    }

    /// Records rows Telegram accepted, together. Returns the ids of those no
    /// longer this claimant's (the lease ran out and another worker took
    /// them: they may go twice).
    pub async fn outbox_sent(&self, sent: &[Sent]) -> Result<Vec<i64>, ServiceError> {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let by = &*self.claimant;
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::outbox_sent(conn, sent, by, now).await?))
    }

    /// A 403 from a user: fails the row; tells staff once (see the unit).
    pub async fn user_blocked_bot(
        &self,
        row: &OutboxRow,
        reason: &str,
        effects: &Effects<'_, Option<(crate::models::User, Option<crate::models::Ticket>)>>,
    ) -> Result<bool, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::user_blocked_bot(
            conn,
            row,
            &self.claimant,
            reason,
            now,
            effects
        )
        .await?))
    }

    pub async fn outbox_failed(&self, row: &OutboxRow, reason: &str) -> Result<(), ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::outbox_mark_failed(conn, row.id, &self.claimant, reason, now).await?;
            Ok(())
        })
    }

    pub async fn outbox_retry(
        &self,
        row: &OutboxRow,
        after: chrono::Duration,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let when = now + after;
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::outbox_retry_later(conn, row.id, &self.claimant, now, when, reason).await?;
            Ok(())
        })
    }

    /// Telegram said to wait `after` before writing to this chat again.
    pub async fn outbox_hold_chat(&self, chat_id: i64, after: chrono::Duration) -> Result<(), ServiceError> {
        let when = self.now() + after;
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::outbox_hold_chat(conn, chat_id, when).await?;
            Ok(())
        })
    }

    /// Several tickets at once, by id.
    pub async fn tickets(&self, ids: &[i64]) -> Result<Vec<crate::models::Ticket>, ServiceError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::find_tickets(conn, ids).await?))
    }

    /// Records a (re)created forum topic as the ticket's.
    pub async fn set_ticket_topic(&self, ticket_id: i64, thread_id: i32) -> Result<(), ServiceError> {
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::set_ticket_topic(conn, ticket_id, Some(thread_id)).await?;
            Ok(())
        })
    }

    /// The name a ticket's topic gets: `#N · user name`.
    pub async fn topic_name(&self, ticket_id: i64) -> Result<Option<String>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| {
            let Some(ticket) = layer::queries::find_ticket(conn, ticket_id).await? else { return Ok(None) };
            let user = layer::queries::find_user(conn, ticket.user_id).await?;
            let name = user.map(|u| u.first_name).unwrap_or_default();
            Ok(Some(crate::bot::text::topic_name(ticket.number, &name)))
        })
    }

    /// How long ago each message sent to `chat_id` within `window` went out
    /// (a digest counted once), oldest first.
    pub async fn recent_sends(
        &self,
        chat_id: i64,
        window: std::time::Duration,
    ) -> Result<Vec<std::time::Duration>, ServiceError> {
        let now = self.now();
        let since = now - chrono::Duration::from_std(window).unwrap_or_default();
        let rows = on_db!(&self.db, read, |conn, layer| {
            Ok::<_, ServiceError>(layer::queries::outbox_sent_since(conn, chat_id, since).await?)
        })?;
        let mut seen = std::collections::HashSet::new();
        let mut ages: Vec<std::time::Duration> = rows
            .into_iter()
            .filter(|(_, sent, digest)| sent.or(*digest).is_none_or(|id| seen.insert(id)))
            .filter_map(|(at, _, _)| (now - at?).to_std().ok())
            .collect();
        ages.sort_by(|a, b| b.cmp(a));
        Ok(ages)
    }

    /// How long the oldest row still to send has waited.
    pub async fn outbox_oldest_age(&self) -> Result<std::time::Duration, ServiceError> {
        let oldest = on_db!(&self.db, read, |conn, layer| {
            Ok::<_, ServiceError>(layer::queries::outbox_oldest(conn).await?)
        })?;
        Ok(oldest.and_then(|at| (self.now() - at).to_std().ok()).unwrap_or_default())
    }

    /// How many outbox rows failed for good.
    pub async fn outbox_failed_count(&self) -> Result<i64, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::outbox_failed_count(conn).await?))
    }

    /// How many outbox rows are still to send.
    pub async fn outbox_backlog(&self) -> Result<i64, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::outbox_backlog(conn).await?))
    }

    /// Unsent rows of `chat_id` (due or held): how far behind that chat is.
    pub async fn backlog_in(&self, chat_id: i64) -> Result<i64, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::outbox_backlog_in(conn, chat_id).await?))
    }

    /// Due rows of `chat_id`, oldest first, with what a digest line needs:
    /// the ticket, its user and the message the row relays.
    pub async fn digest_candidates(&self, chat_id: i64, limit: i64) -> Result<Vec<DigestCandidate>, ServiceError> {
        let now = self.now();
        let rows = on_db!(&self.db, read, |conn, layer| {
            Ok::<_, ServiceError>(layer::queries::outbox_ticket_rows_due(conn, chat_id, now, limit).await?)
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(row, ticket, user, message)| {
                let envelope = serde_json::from_str(&row.payload).ok()?;
                Some(DigestCandidate { row, envelope, ticket, user, message })
            })
            .collect())
    }

    /// Records rows as sent inside one digest message (one transaction);
    /// returns how many were still this claimant's to record.
    pub async fn outbox_digested(&self, ids: &[i64], digest_message_id: i32) -> Result<usize, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| {
            Ok(layer::queries::outbox_mark_digested(conn, ids, &self.claimant, digest_message_id, now).await?)
        })
    }

    /// The ticket's messages (ids) that staff saw only as a digest line.
    pub async fn digested_messages(&self, ticket_id: i64) -> Result<std::collections::HashSet<i64>, ServiceError> {
        let ids = on_db!(&self.db, read, |conn, layer| {
            Ok::<_, ServiceError>(layer::queries::digested_messages(conn, ticket_id).await?)
        })?;
        Ok(ids.into_iter().flatten().collect())
    }

    /// Whether a support-chat message is a digest (it names several tickets).
    pub async fn is_digest(&self, chat_id: i64, message_id: i32) -> Result<bool, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::is_digest(conn, chat_id, message_id).await?))
    }

    /// A ticket and its user.
    pub async fn ticket_with_user(
        &self,
        ticket_id: i64,
    ) -> Result<Option<(crate::models::Ticket, crate::models::User)>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| {
            let Some(ticket) = layer::queries::find_ticket(conn, ticket_id).await? else { return Ok(None) };
            Ok(layer::queries::find_user(conn, ticket.user_id).await?.map(|user| (ticket, user)))
        })
    }

    /// Records a card posted for a ticket outside the outbox's own rows.
    pub async fn set_ticket_card(&self, ticket_id: i64, message_id: i32) -> Result<(), ServiceError> {
        on_db!(&self.db, write, |conn, layer| {
            layer::queries::set_ticket_card(conn, ticket_id, message_id).await?;
            Ok(())
        })
    }
}
