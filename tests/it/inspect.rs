//! What the bot left in its database, read with plain SQL: the tests'
//! window on the state behind the front doors.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamp};

use crate::support::TestDb;

#[path = "../../benches/common/staff_view.rs"]
mod staff_view;
pub use staff_view::numbers_named;

#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub number: i32,
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub first_response_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub support_message_id: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub support_thread_id: Option<i32>,
}

const TICKET: &str = "SELECT id, day, number, user_id, status, assignee_id, first_response_at, support_message_id, \
                      support_thread_id FROM tickets";

#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct Message {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub ticket_id: i64,
    #[diesel(sql_type = Text)]
    pub direction: String,
    #[diesel(sql_type = BigInt)]
    pub user_chat_id: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    pub user_message_id: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub support_message_id: Option<i32>,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub text: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub edited_at: Option<NaiveDateTime>,
}

/// The user's open ticket.
pub async fn open_ticket(db: &TestDb, user_id: i64) -> Option<Ticket> {
    db.query(&format!("{TICKET} WHERE user_id = {user_id} AND status = 'open'")).await.pop()
}

/// Every ticket of the user, oldest first.
pub async fn tickets_of(db: &TestDb, user_id: i64) -> Vec<Ticket> {
    db.query(&format!("{TICKET} WHERE user_id = {user_id} ORDER BY id")).await
}

/// The ticket's messages, oldest first.
pub async fn messages(db: &TestDb, ticket_id: i64) -> Vec<Message> {
    db.query(&format!(
        "SELECT id, ticket_id, direction, user_chat_id, user_message_id, support_message_id, kind, text, edited_at \
         FROM ticket_messages WHERE ticket_id = {ticket_id} ORDER BY id"
    ))
    .await
}

/// Outbox rows still to send.
pub async fn outbox_backlog(db: &TestDb) -> i64 {
    db.count("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL AND failed_at IS NULL").await
}

/// Outbox rows that failed for good.
pub async fn outbox_failed(db: &TestDb) -> i64 {
    db.count("SELECT count(*) FROM outbox_messages WHERE failed_at IS NOT NULL").await
}

/// Updates stored and not handled yet.
pub async fn inbox_pending(db: &TestDb) -> i64 {
    db.count("SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL").await
}
