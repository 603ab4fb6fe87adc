//! What `/stats` and `/metrics` read about a period: each one query that
//! walks an index over the period only (tickets by day, closes by time,
//! answers by time, ratings by time, events by kind and time), so a period
//! costs what it holds, not what the database holds.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Date, Nullable, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{ticket_events, ticket_ratings};
use crate::db::{Backed, Conn};
use crate::domain::EventKind;

/// A ticket opened in the period: its day, and its first answer (how many
/// seconds after it opened, and by whom) when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Opened {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub first_response: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub first_responder: Option<i64>,
}

#[derive(QueryableByName)]
struct Seconds {
    #[diesel(sql_type = Nullable<BigInt>)]
    seconds: Option<i64>,
}

/// Seconds from `from` to `to` (two timestamp columns), computed by the
/// database: a month holds tens of thousands of rows, and reading them as
/// numbers costs far less than reading two timestamps each (SQLite keeps
/// timestamps as text).
pub(super) fn seconds_between(conn: &mut Conn, from: &str, to: &str) -> String {
    match conn.backed() {
        Backed::Postgres(_) => format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS BIGINT)"),
        Backed::Sqlite(_) => format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400) AS BIGINT)"),
    }
}

/// Tickets of the days `from..=to` (from index `tickets_day_clock` alone).
pub async fn opened(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Opened>> {
    let sql = format!(
        "SELECT day, {} AS first_response, first_responder_id AS first_responder FROM tickets \
         WHERE day >= $1 AND day <= $2",
        seconds_between(conn, "opened_at", "first_response_at")
    );
    on_conn!(conn, |c| diesel::sql_query(&sql).bind::<Date, _>(from).bind::<Date, _>(to).load(c).await)
}

/// How long each ticket closed in `[from, to)` was open, in seconds.
pub async fn close_times(conn: &mut Conn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let sql = format!(
        "SELECT {} AS seconds FROM tickets WHERE closed_at >= $1 AND closed_at < $2",
        seconds_between(conn, "opened_at", "closed_at")
    );
    let rows: Vec<Seconds> = on_conn!(conn, |c| {
        diesel::sql_query(&sql).bind::<Timestamp, _>(from).bind::<Timestamp, _>(to).load(c).await
    })?;
    Ok(rows.into_iter().filter_map(|r| r.seconds).collect())
}

/// The scores of the ratings given (or last changed) in `[from, to)`.
pub async fn rating_scores(conn: &mut Conn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<i32>> {
    on_conn!(conn, |c| {
        ticket_ratings::table
            .filter(ticket_ratings::rated_at.ge(from))
            .filter(ticket_ratings::rated_at.lt(to))
            .select(ticket_ratings::score)
            .load(c)
            .await
    })
}

/// How many events of `kind` happened in `[from, to)`.
pub async fn count_events(
    conn: &mut Conn,
    kind: EventKind,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    on_conn!(conn, |c| {
        ticket_events::table
            .filter(ticket_events::kind.eq(kind))
            .filter(ticket_events::at.ge(from))
            .filter(ticket_events::at.lt(to))
            .count()
            .get_result(c)
            .await
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Answered {
    #[diesel(sql_type = BigInt)]
    pub staff_id: i64,
    #[diesel(sql_type = BigInt)]
    pub tickets: i64,
}

/// Per staff member, how many tickets they answered in `[from, to)`. The
/// direction is written into the SQL, as the partial index
/// `ticket_messages_answers` says it, so the index (which holds all the
/// query reads) serves it.
pub async fn answered_by_staff(conn: &mut Conn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<Answered>> {
    on_conn!(conn, |c| {
        diesel::sql_query(
            "SELECT sender_id AS staff_id, CAST(COUNT(DISTINCT ticket_id) AS BIGINT) AS tickets \
             FROM ticket_messages WHERE direction = 'to_user' AND created_at >= $1 AND created_at < $2 \
             GROUP BY sender_id",
        )
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load(c)
        .await
    })
}
