use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::ServiceError;
use super::dispatch::on_db;
use crate::clock::Clock;
use crate::db::Db;
use crate::models::{MessageDraft, OpenTicketRow, Staff, Ticket, TicketMessage, User, UserProfile};
use crate::storage::outcome::{Effects, StatusChange, UserMessageOutcome};

/// One page of the open-tickets list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTicketsPage {
    pub rows: Vec<OpenTicketRow>,
    /// Zero-based page index actually returned (clamped to the last page).
    pub page: u32,
    pub pages: u32,
    pub total: i64,
}

/// Ticket operations. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct TicketService {
    db: Db,
    clock: Arc<dyn Clock>,
    zone: Tz,
}

impl TicketService {
    pub fn new(db: Db, clock: Arc<dyn Clock>, zone: Tz) -> Self {
        Self { db, clock, zone }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The calendar day, in the ticket time zone, that a ticket opened now
    /// belongs to. Computed here, not by the database: PostgreSQL's
    /// `CURRENT_DATE` follows the session zone and SQLite's is UTC.
    pub fn today(&self) -> NaiveDate {
        self.day_and_now().0
    }

    /// The ticket day and the UTC timestamp of one reading of the clock, so
    /// a ticket opened at midnight gets a day and a time that agree.
    fn day_and_now(&self) -> (NaiveDate, NaiveDateTime) {
        let now = self.clock.now();
        (now.with_timezone(&self.zone).date_naive(), now.naive_utc())
    }

    /// Now, in UTC, by the service's clock.
    pub fn now_utc(&self) -> NaiveDateTime {
        self.now()
    }

    fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    /// Files a user's message: on their open ticket, or on a new one that
    /// gets the day's next number.
    pub async fn open_or_append(
        &self,
        profile: &UserProfile,
        draft: &MessageDraft,
    ) -> Result<UserMessageOutcome, ServiceError> {
        self.open_or_append_with(profile, draft, &Effects::none()).await
    }

    /// `open_or_append`, also writing `effects` in the same transaction.
    pub async fn open_or_append_with(
        &self,
        profile: &UserProfile,
        draft: &MessageDraft,
        effects: &Effects<'_, UserMessageOutcome>,
    ) -> Result<UserMessageOutcome, ServiceError> {
        let (day, now) = self.day_and_now();
        on_db!(&self.db, write, |conn, layer| {
            Ok(layer::units::file_user_message(conn, profile, draft, day, now, effects).await?)
        })
    }

    /// Closes a ticket and writes `effects`; the outcome says what happened.
    pub async fn close_with(
        &self,
        ticket_id: i64,
        effects: &Effects<'_, StatusChange>,
    ) -> Result<StatusChange, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::close(conn, ticket_id, now, effects).await?))
    }

    pub async fn close(&self, ticket_id: i64) -> Result<Ticket, ServiceError> {
        match self.close_with(ticket_id, &Effects::none()).await? {
            StatusChange::Changed(ticket) => Ok(ticket),
            StatusChange::Unchanged(ticket) => Err(ServiceError::AlreadyClosed(ticket.reference())),
            StatusChange::UserHasOpenTicket(_) | StatusChange::NotFound => Err(ServiceError::TicketNotFound),
        }
    }

    /// Reopens a ticket and writes `effects`; the outcome says what happened.
    pub async fn reopen_with(
        &self,
        ticket_id: i64,
        effects: &Effects<'_, StatusChange>,
    ) -> Result<StatusChange, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::reopen(conn, ticket_id, now, effects).await?))
    }

    pub async fn reopen(&self, ticket_id: i64) -> Result<Ticket, ServiceError> {
        match self.reopen_with(ticket_id, &Effects::none()).await? {
            StatusChange::Changed(ticket) => Ok(ticket),
            StatusChange::Unchanged(ticket) => Err(ServiceError::AlreadyOpen(ticket.reference())),
            StatusChange::UserHasOpenTicket(other) => Err(ServiceError::UserHasOpenTicket(other.reference())),
            StatusChange::NotFound => Err(ServiceError::TicketNotFound),
        }
    }

    pub async fn assign(&self, ticket_id: i64, member: &Staff) -> Result<Ticket, ServiceError> {
        self.assign_with(ticket_id, member, &Effects::none()).await?.ok_or(ServiceError::TicketNotFound)
    }

    /// Assigns and writes `effects`; `None` when there is no such ticket.
    pub async fn assign_with(
        &self,
        ticket_id: i64,
        member: &Staff,
        effects: &Effects<'_, Option<Ticket>>,
    ) -> Result<Option<Ticket>, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::assign(conn, ticket_id, member, now, effects).await?))
    }

    pub async fn find_staff_by_username(&self, username: &str) -> Result<Option<Staff>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::find_staff_by_username(conn, username).await?))
    }

    /// Files a staff answer or note on a ticket; an answer stamps the
    /// ticket's first response time once.
    pub async fn record_staff_message(
        &self,
        ticket_id: i64,
        member: &Staff,
        draft: &MessageDraft,
    ) -> Result<TicketMessage, ServiceError> {
        self.record_staff_message_with(ticket_id, member, draft, &Effects::none()).await
    }

    /// `record_staff_message`, also writing `effects` in the same transaction.
    pub async fn record_staff_message_with(
        &self,
        ticket_id: i64,
        member: &Staff,
        draft: &MessageDraft,
        effects: &Effects<'_, TicketMessage>,
    ) -> Result<TicketMessage, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| {
            match layer::queries::find_ticket(conn, ticket_id).await? {
                None => Err(ServiceError::TicketNotFound),
                Some(_) => Ok(layer::units::file_staff_message(conn, ticket_id, member, draft, now, effects).await?),
            }
        })
    }

    /// Records a user's edit of a filed message and writes `effects`.
    pub async fn record_user_edit_with(
        &self,
        chat_id: i64,
        message_id: i32,
        text: Option<&str>,
        effects: &Effects<'_, Option<(Ticket, TicketMessage)>>,
    ) -> Result<Option<(Ticket, TicketMessage)>, ServiceError> {
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| {
            Ok(layer::units::file_user_edit(conn, chat_id, message_id, text, now, effects).await?)
        })
    }

    /// The ticket whose forum topic this is.
    pub async fn ticket_of_topic(&self, thread_id: i32) -> Result<Option<Ticket>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::ticket_of_topic(conn, thread_id).await?))
    }

    /// The ticket a support-chat message belongs to (its card, or a message
    /// relayed or written there).
    pub async fn ticket_of_support_message(
        &self,
        chat_id: i64,
        message_id: i32,
    ) -> Result<Option<Ticket>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| {
            Ok(layer::queries::ticket_of_support_message(conn, chat_id, message_id).await?)
        })
    }

    pub async fn find(&self, ticket_id: i64) -> Result<Option<Ticket>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::find_ticket(conn, ticket_id).await?))
    }

    pub async fn find_by_number(&self, day: NaiveDate, number: i32) -> Result<Option<Ticket>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::find_ticket_by_number(conn, day, number).await?))
    }

    pub async fn open_ticket_of(&self, user_id: i64) -> Result<Option<Ticket>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::open_ticket_of(conn, user_id).await?))
    }

    pub async fn find_user(&self, user_id: i64) -> Result<Option<User>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::find_user(conn, user_id).await?))
    }

    /// Open tickets, oldest first, `per_page` at a time. A page past the end
    /// returns the last page.
    pub async fn list_open(&self, page: u32, per_page: u32) -> Result<OpenTicketsPage, ServiceError> {
        let per_page = per_page.max(1);
        on_db!(&self.db, read, |conn, layer| {
            let total = layer::queries::count_open(conn).await?;
            let pages =
                u32::try_from((total + i64::from(per_page) - 1) / i64::from(per_page)).unwrap_or(u32::MAX).max(1);
            let page = page.min(pages - 1);
            let rows =
                layer::queries::open_tickets_page(conn, i64::from(page) * i64::from(per_page), i64::from(per_page))
                    .await?
                    .into_iter()
                    .map(|(ticket, user, assignee)| OpenTicketRow { ticket, user, assignee })
                    .collect();
            Ok(OpenTicketsPage { rows, page, pages, total })
        })
    }

    /// A user's tickets, newest first.
    pub async fn user_history(&self, user_id: i64, limit: u32) -> Result<Vec<Ticket>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::user_tickets(conn, user_id, i64::from(limit)).await?))
    }

    /// Every message filed on a ticket, oldest first.
    pub async fn messages(&self, ticket_id: i64) -> Result<Vec<TicketMessage>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::messages_of(conn, ticket_id).await?))
    }

    pub async fn set_banned(&self, user_id: i64, banned: bool) -> Result<bool, ServiceError> {
        self.set_banned_with(user_id, banned, &Effects::none()).await
    }

    /// Bans or unbans and writes `effects`; `false` when the user is unknown.
    pub async fn set_banned_with(
        &self,
        user_id: i64,
        banned: bool,
        effects: &Effects<'_, bool>,
    ) -> Result<bool, ServiceError> {
        let now = self.now();
        let at = banned.then_some(now);
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::set_banned(conn, user_id, at, now, effects).await?))
    }

    pub async fn find_staff(&self, user_id: i64) -> Result<Option<Staff>, ServiceError> {
        on_db!(&self.db, read, |conn, layer| Ok(layer::queries::find_staff(conn, user_id).await?))
    }

    /// `ADMIN_IDS` bootstrap: makes them admins if the staff table is empty.
    /// Returns how many were added.
    pub async fn seed_admins(&self, ids: &[i64]) -> Result<usize, ServiceError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        on_db!(&self.db, write, |conn, layer| Ok(layer::units::seed_admins(conn, ids, now).await?))
    }
}
