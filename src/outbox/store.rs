//! The outbox as the delivery worker reads and changes it: each method one
//! read, one atomic write, or one transaction of its own, on behalf of one
//! claimant.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;

use super::message::{Envelope, Outbound};
use super::support_chat::SupportChat;
use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::render::{self, Words};
use crate::storage::outbox::{self as rows, Sent};
use crate::storage::rows::{OutboxRow, Ticket, TicketMessage, User};
use crate::storage::{support_chat, tickets, users};

/// A due row about a ticket, read for a digest.
#[derive(Debug, Clone)]
pub struct DigestCandidate {
    pub row: OutboxRow,
    pub envelope: Envelope,
    /// The ticket and its user (`None` for a row about no ticket).
    pub ticket: Option<Ticket>,
    pub user: Option<User>,
    /// The ticket message the row relays (a user's message), if any.
    pub message: Option<TicketMessage>,
}

#[derive(Clone)]
pub struct OutboxStore {
    db: Db,
    clock: Arc<dyn Clock>,
    /// Whose claims these are: unique per process and run. A row is changed
    /// only while its claim is this one's (or nobody's).
    claimant: Arc<str>,
}

impl OutboxStore {
    pub fn new(db: Db, clock: Arc<dyn Clock>, claimant: &str) -> Self {
        Self { db, clock, claimant: Arc::from(claimant) }
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    /// Records `sent` (see `record_sent`), then claims, for `lease`, the
    /// rows that may be sent now: of each chat, up to `run` rows from its
    /// oldest unsent one, stopping before a row that is not due or that
    /// another worker holds; at most `limit` in all, oldest first. One
    /// transaction; the ids of the lapsed rows, and the rows claimed.
    pub async fn record_and_claim(
        &self,
        sent: &[Sent],
        lease: Duration,
        run: usize,
        limit: usize,
    ) -> Result<(Vec<i64>, Vec<OutboxRow>), DbError> {
        let now = self.now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let (run, limit) = (i64::try_from(run).unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX));
        let by = &*self.claimant;
        self.db
            .transaction(async |tx| {
                let lapsed = rows::record_sent(tx, sent, by, now).await?;
                Ok((lapsed, rows::claim(tx, by, now, until, run, limit).await?))
            })
            .await
    }

    /// Gives back every row this claimant holds (it stops delivering).
    pub async fn release_all(&self) -> Result<(), DbError> {
        let by = &*self.claimant;
        Ok(rows::release(&mut self.db.writer().await?, by).await.map(drop)?)
    }

    /// Frees the rows another worker still claims: this one has just become
    /// the sender, so that one has stopped. How many.
    pub async fn take_over(&self) -> Result<usize, DbError> {
        Ok(rows::release_others(&mut self.db.writer().await?, &self.claimant).await?)
    }

    /// Records rows Telegram accepted, together. Returns the ids of those no
    /// longer this claimant's (the lease ran out and another worker took
    /// them: they may go twice).
    pub async fn record_sent(&self, sent: &[Sent]) -> Result<Vec<i64>, DbError> {
        let (now, by) = (self.now(), &*self.claimant);
        self.db.transaction(async |tx| Ok(rows::record_sent(tx, sent, by, now).await?)).await
    }

    /// The row failed for good: kept with the reason.
    pub async fn failed(&self, row: &OutboxRow, reason: &str) -> Result<(), DbError> {
        let (now, by) = (self.now(), &*self.claimant);
        Ok(rows::mark_failed(&mut self.db.writer().await?, row.id, by, reason, now).await.map(drop)?)
    }

    /// The row goes again after `after` (a transient failure).
    pub async fn retry(&self, row: &OutboxRow, after: Duration, reason: &str) -> Result<(), DbError> {
        let (now, by) = (self.now(), &*self.claimant);
        let when = now + to_chrono(after);
        Ok(rows::retry_later(&mut self.db.writer().await?, row.id, by, now, when, reason).await.map(drop)?)
    }

    /// Telegram said to wait `after` before writing to this chat again.
    pub async fn hold_chat(&self, chat_id: i64, after: Duration) -> Result<(), DbError> {
        let when = self.now() + to_chrono(after);
        Ok(rows::hold_chat(&mut self.db.writer().await?, chat_id, when).await.map(drop)?)
    }

    /// A 403 from a user: the row fails and, the first time since the user
    /// last wrote, staff are told in the same transaction.
    pub async fn user_blocked_bot(
        &self,
        row: &OutboxRow,
        reason: &str,
        support: &SupportChat,
        w: Words<'_>,
    ) -> Result<(), DbError> {
        let (now, by) = (self.now(), &*self.claimant);
        self.db
            .transaction(async |tx| {
                let Some((user, ticket)) = rows::user_blocked_bot(tx, row, by, reason, now).await? else {
                    return Ok(());
                };
                let name = render::full_name(&user.first_name, user.last_name.as_deref());
                let html = render::staff::user_blocked_bot(w, &name, ticket.as_ref().map(|t| t.number));
                let notice = match &ticket {
                    Some(t) => support.about(t.id, html),
                    None => support.text(html),
                };
                Ok(rows::queue(tx, &[notice.into_row(now)]).await?)
            })
            .await
    }

    /// A row Telegram kept failing to take is set aside with the reason;
    /// when it was for a user, staff are told in the same transaction.
    /// (A support-chat row is not announced in the chat that fails: its
    /// content stays in the ticket, `/ticket` shows it.)
    pub async fn gave_up(
        &self,
        row: &OutboxRow,
        reason: &str,
        support: &SupportChat,
        w: Words<'_>,
    ) -> Result<(), DbError> {
        let (now, by) = (self.now(), &*self.claimant);
        self.db
            .transaction(async |tx| {
                // The row keeps how often it was tried; staff read Telegram's
                // words alone, in their language.
                let recorded = format!("set aside after {} attempts: {reason}", row.attempts + 1);
                if rows::mark_failed(tx, row.id, by, &recorded, now).await? == 0 || row.chat_id == support.id() {
                    return Ok(());
                }
                let Some(user) = users::find(tx, row.chat_id).await? else { return Ok(()) };
                let ticket = match row.ticket_id {
                    Some(id) => tickets::find(tx, id).await?,
                    None => None,
                };
                let name = render::full_name(&user.first_name, user.last_name.as_deref());
                let html = render::staff::undeliverable(w, &name, ticket.as_ref().map(|t| t.number), reason);
                let notice = match &ticket {
                    Some(t) => support.about(t.id, html),
                    None => support.text(html),
                };
                Ok(rows::queue(tx, &[notice.into_row(now)]).await?)
            })
            .await
    }

    /// Records rows as sent inside one digest message; how many were still
    /// this claimant's.
    pub async fn digested(&self, ids: &[i64], digest_message_id: i32) -> Result<usize, DbError> {
        let (now, by) = (self.now(), &*self.claimant);
        Ok(rows::mark_digested(&mut self.db.writer().await?, ids, by, digest_message_id, now).await?)
    }

    /// Records that the support chat `from` is now `to` and readdresses the
    /// rows waiting for it; how many moved.
    pub async fn follow_move(&self, from: i64, to: i64) -> Result<usize, DbError> {
        let now = self.now();
        self.db.transaction(async |tx| Ok::<_, DbError>(support_chat::record_move(tx, from, to, now).await?)).await
    }

    /// Records a (re)created forum topic in `chat_id` as the ticket's.
    pub async fn set_ticket_topic(&self, ticket_id: i64, chat_id: i64, thread_id: i32) -> Result<(), DbError> {
        Ok(tickets::set_topic(&mut self.db.writer().await?, ticket_id, chat_id, thread_id).await.map(drop)?)
    }

    /// Records a card posted in `chat_id` for a ticket outside the outbox's
    /// own rows.
    pub async fn set_ticket_card(&self, ticket_id: i64, chat_id: i64, message_id: i32) -> Result<(), DbError> {
        Ok(tickets::set_card(&mut self.db.writer().await?, ticket_id, chat_id, message_id).await.map(drop)?)
    }

    /// Several tickets at once, by id.
    pub async fn tickets(&self, ids: &[i64]) -> Result<Vec<Ticket>, DbError> {
        Ok(tickets::find_many(&mut self.db.conn().await?, ids).await?)
    }

    /// A ticket and its user.
    pub async fn ticket_with_user(&self, ticket_id: i64) -> Result<Option<(Ticket, User)>, DbError> {
        Ok(tickets::with_user(&mut self.db.conn().await?, ticket_id).await?)
    }

    /// The unsent rows at the head of `chat_id`'s queue that copy members of
    /// `album`, oldest first (held or not: the album goes out together).
    /// Only the members at the head, so nothing queued between them is
    /// overtaken.
    pub async fn album_rows(&self, chat_id: i64, album: &str) -> Result<Vec<OutboxRow>, DbError> {
        let head = rows::album_head(&mut self.db.conn().await?, chat_id, 100).await?;
        Ok(head
            .into_iter()
            .take_while(|row| {
                serde_json::from_str::<Envelope>(&row.payload)
                    .is_ok_and(|e| matches!(e.message, Outbound::Copy { album: Some(a), .. } if a == album))
            })
            .collect())
    }

    /// Due rows of `chat_id`, oldest first, with what a digest line needs.
    pub async fn digest_candidates(&self, chat_id: i64, limit: i64) -> Result<Vec<DigestCandidate>, DbError> {
        let now = self.now();
        let due = rows::due_with_tickets(&mut self.db.conn().await?, chat_id, now, limit).await?;
        Ok(due
            .into_iter()
            .filter_map(|(row, ticket, user, message)| {
                let envelope = serde_json::from_str(&row.payload).ok()?;
                Some(DigestCandidate { row, envelope, ticket, user, message })
            })
            .collect())
    }

    /// Unsent rows of `chat_id` (due or held).
    pub async fn backlog_in(&self, chat_id: i64) -> Result<i64, DbError> {
        Ok(rows::backlog_in(&mut self.db.conn().await?, chat_id).await?)
    }

    /// How long ago each message sent to `chat_id` within `window` went out
    /// (a digest counted once), oldest first.
    pub async fn recent_sends(&self, chat_id: i64, window: Duration) -> Result<Vec<Duration>, DbError> {
        let now = self.now();
        let since = now - to_chrono(window);
        let sent = rows::sent_since(&mut self.db.conn().await?, chat_id, since).await?;
        let mut seen = HashSet::new();
        let mut ages: Vec<Duration> = sent
            .into_iter()
            .filter(|(_, own, digest)| own.or(*digest).is_none_or(|id| seen.insert(id)))
            .filter_map(|(at, _, _)| (now - at?).to_std().ok())
            .collect();
        ages.sort_by(|a, b| b.cmp(a));
        Ok(ages)
    }
}

pub(super) fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
