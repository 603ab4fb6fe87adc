//! Rows as diesel reads and writes them. Timestamps are UTC.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{inbox_updates, outbox_messages, staff, ticket_messages, tickets, users};
use crate::domain::{ContentKind, Direction, MessageDraft, TicketRef, TicketStatus};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: Option<String>,
    pub first_name: String,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
    pub banned_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub ban_notified_at: Option<NaiveDateTime>,
    pub blocked_bot_at: Option<NaiveDateTime>,
    /// The minute of messages being counted began then…
    pub burst_started_at: Option<NaiveDateTime>,
    /// …and this message is its `burst_count`th.
    pub burst_count: i32,
    /// When the user was last told to slow down (messages a minute)…
    pub slowed_at: Option<NaiveDateTime>,
    /// …and that they opened too many tickets.
    pub tickets_slowed_at: Option<NaiveDateTime>,
}

// `treat_none_as_default_value = false` on every insertable: a `None` then
// binds NULL instead of writing `DEFAULT` into the SQL, so the statement text
// never varies and diesel can cache its prepared statement.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = staff, primary_key(user_id), treat_none_as_default_value = false)]
pub struct Staff {
    pub user_id: i64,
    pub username: Option<String>,
    pub display_name: String,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: i64,
    pub day: NaiveDate,
    pub number: i32,
    pub user_id: i64,
    pub status: TicketStatus,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub assignee_id: Option<i64>,
    pub first_response_at: Option<NaiveDateTime>,
    pub support_message_id: Option<i32>,
    pub support_thread_id: Option<i32>,
    /// The chat the card and topic are in (message and topic ids mean
    /// something only within their chat).
    pub support_chat_id: Option<i64>,
    /// Waiting for staff since then (opened, or the user wrote after
    /// staff's last answer); `None` while staff answered last, or closed.
    pub waiting_since: Option<NaiveDateTime>,
    /// Staff's latest answer.
    pub last_response_at: Option<NaiveDateTime>,
    /// Who answered first.
    pub first_responder_id: Option<i64>,
    /// The reminder for this waiting stretch went out then.
    pub reminded_at: Option<NaiveDateTime>,
    /// The user was told staff are away (once per ticket).
    pub away_notified_at: Option<NaiveDateTime>,
}

impl Ticket {
    pub fn reference(&self) -> TicketRef {
        TicketRef { day: self.day, number: self.number }
    }

    pub fn is_open(&self) -> bool {
        self.status == TicketStatus::Open
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tickets)]
pub struct NewTicket {
    pub day: NaiveDate,
    pub number: i32,
    pub user_id: i64,
    pub status: TicketStatus,
    pub opened_at: NaiveDateTime,
    /// A new ticket waits for staff from its first message.
    pub waiting_since: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = ticket_messages)]
pub struct TicketMessage {
    pub id: i64,
    pub ticket_id: i64,
    pub direction: Direction,
    pub sender_id: i64,
    pub user_chat_id: i64,
    pub user_message_id: Option<i32>,
    pub support_chat_id: Option<i64>,
    pub support_message_id: Option<i32>,
    pub kind: ContentKind,
    pub text: Option<String>,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    /// A staff answer deleted from the user's chat (`/unsend`).
    pub unsent_at: Option<NaiveDateTime>,
}

impl TicketMessage {
    /// The message as inserted from `draft` with this id.
    pub fn filed(id: i64, ticket_id: i64, draft: &MessageDraft, at: NaiveDateTime) -> Self {
        Self {
            id,
            ticket_id,
            direction: draft.direction,
            sender_id: draft.sender_id,
            user_chat_id: draft.user_chat_id,
            user_message_id: draft.user_message_id,
            support_chat_id: draft.support_chat_id,
            support_message_id: draft.support_message_id,
            kind: draft.kind,
            text: draft.text.clone(),
            created_at: at,
            edited_at: None,
            unsent_at: None,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ticket_messages, treat_none_as_default_value = false)]
pub struct NewTicketMessage<'a> {
    pub ticket_id: i64,
    pub direction: Direction,
    pub sender_id: i64,
    pub user_chat_id: i64,
    pub user_message_id: Option<i32>,
    pub support_chat_id: Option<i64>,
    pub support_message_id: Option<i32>,
    pub kind: ContentKind,
    pub text: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

impl<'a> NewTicketMessage<'a> {
    pub fn from_draft(ticket_id: i64, draft: &'a MessageDraft, at: NaiveDateTime) -> Self {
        Self {
            ticket_id,
            direction: draft.direction,
            sender_id: draft.sender_id,
            user_chat_id: draft.user_chat_id,
            user_message_id: draft.user_message_id,
            support_chat_id: draft.support_chat_id,
            support_message_id: draft.support_message_id,
            kind: draft.kind,
            text: draft.text.as_deref(),
            created_at: at,
        }
    }
}

/// One line of the open-tickets list: the ticket and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTicketRow {
    pub ticket: Ticket,
    pub user: User,
    pub assignee: Option<Staff>,
}

/// An update waiting in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = inbox_updates)]
pub struct InboxUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: String,
}

/// An update to store: Telegram's id, its chat, its JSON as sent.
#[derive(Debug, Clone, Copy)]
pub struct NewInboxUpdate<'a> {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: &'a str,
}

/// A message waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxRow {
    pub id: i64,
    pub chat_id: i64,
    pub payload: String,
    pub ticket_id: Option<i64>,
    pub ticket_message_id: Option<i64>,
    pub not_before: NaiveDateTime,
    pub attempts: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox_messages, treat_none_as_default_value = false)]
pub struct NewOutboxRow {
    pub chat_id: i64,
    pub payload: String,
    pub ticket_id: Option<i64>,
    pub ticket_message_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub not_before: NaiveDateTime,
}
