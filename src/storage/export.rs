//! What `ticketbot export` and `/export` read: tickets (with their user,
//! assignee, first-response time and rating) or messages, a page at a time
//! in id order from a cursor, so an export of a million tickets holds one
//! page in memory.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamp};
use diesel::{QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::on_conn;
use super::statistics::seconds_between;
use crate::db::Conn;

/// Which tickets: those of the days `since..=until` (either open-ended).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Days {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// One ticket as an export writes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize)]
pub struct TicketLine {
    #[diesel(sql_type = BigInt)]
    pub ticket_id: i64,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub number: i32,
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub first_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub username: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub assignee: Option<String>,
    /// The assignee's Telegram user id (the API's; exports name them).
    #[diesel(sql_type = Nullable<BigInt>)]
    #[serde(skip)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = Timestamp)]
    #[serde(serialize_with = "utc")]
    pub opened_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    #[serde(serialize_with = "utc_or_null")]
    pub first_response_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    #[serde(serialize_with = "utc_or_null")]
    pub closed_at: Option<NaiveDateTime>,
    /// Since when it has waited for staff (the console's and the API's).
    #[diesel(sql_type = Nullable<Timestamp>)]
    #[serde(skip)]
    pub waiting_since: Option<NaiveDateTime>,
    /// Seconds from opening to the first answer.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub first_response_seconds: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub rating: Option<i32>,
}

/// One message as an export writes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize)]
pub struct MessageLine {
    #[diesel(sql_type = BigInt)]
    pub message_id: i64,
    #[diesel(sql_type = BigInt)]
    pub ticket_id: i64,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub number: i32,
    /// `from_user`, `to_user` or `note`.
    #[diesel(sql_type = Text)]
    pub direction: String,
    #[diesel(sql_type = BigInt)]
    pub sender_id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub text: Option<String>,
    #[diesel(sql_type = Timestamp)]
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    #[serde(serialize_with = "utc_or_null")]
    pub edited_at: Option<NaiveDateTime>,
}

/// A time as exports write it: UTC, ISO 8601, `2026-11-21T09:00:00Z`.
pub fn utc_text(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn utc<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&utc_text(t))
}

fn utc_or_null<S: serde::Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => utc(t, s),
        None => s.serialize_none(),
    }
}

/// `SELECT … FROM` tickets (`t`) as `TicketLine`s, for a `WHERE` to follow.
pub(super) fn ticket_lines(conn: &mut Conn) -> String {
    format!(
        "SELECT t.id AS ticket_id, t.day AS day, t.number AS number, t.user_id AS user_id, \
         u.first_name AS first_name, u.last_name AS last_name, u.username AS username, t.status AS status, \
         s.display_name AS assignee, t.assignee_id AS assignee_id, t.opened_at AS opened_at, \
         t.first_response_at AS first_response_at, t.closed_at AS closed_at, t.waiting_since AS waiting_since, \
         {} AS first_response_seconds, r.score AS rating \
         FROM tickets t JOIN users u ON u.id = t.user_id \
         LEFT JOIN staff s ON s.user_id = t.assignee_id \
         LEFT JOIN ticket_ratings r ON r.ticket_id = t.id",
        seconds_between(conn, "t.opened_at", "t.first_response_at")
    )
}

/// Up to `limit` tickets of `days` with ids above `after`, in id order.
pub async fn tickets_after(conn: &mut Conn, days: Days, after: i64, limit: i64) -> QueryResult<Vec<TicketLine>> {
    let sql = format!(
        "{} WHERE t.id > $1 AND ($2 IS NULL OR t.day >= $2) AND ($3 IS NULL OR t.day <= $3) \
         ORDER BY t.id LIMIT $4",
        ticket_lines(conn)
    );
    on_conn!(conn, |c| {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(after)
            .bind::<Nullable<Date>, _>(days.since)
            .bind::<Nullable<Date>, _>(days.until)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
    })
}

/// `SELECT … FROM` messages (`m`) and their tickets (`t`) as
/// `MessageLine`s, for a `WHERE` to follow.
pub(super) const MESSAGE_LINES: &str = "SELECT m.id AS message_id, m.ticket_id AS ticket_id, t.day AS day, \
     t.number AS number, m.direction AS direction, m.sender_id AS sender_id, m.kind AS kind, m.text AS text, \
     m.created_at AS created_at, m.edited_at AS edited_at \
     FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id";

/// Up to `limit` messages of the tickets of `days` with ids above
/// `after`, in id order.
pub async fn messages_after(conn: &mut Conn, days: Days, after: i64, limit: i64) -> QueryResult<Vec<MessageLine>> {
    let sql = format!(
        "{MESSAGE_LINES} WHERE m.id > $1 AND ($2 IS NULL OR t.day >= $2) AND ($3 IS NULL OR t.day <= $3) \
         ORDER BY m.id LIMIT $4"
    );
    on_conn!(conn, |c| {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(after)
            .bind::<Nullable<Date>, _>(days.since)
            .bind::<Nullable<Date>, _>(days.until)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
    })
}
