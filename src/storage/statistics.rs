//! What `/stats` and `/metrics` read about a period: each one query that
//! walks an index over the period only (tickets by day, closes by time,
//! answerers by their last answer, ratings by time, events by kind and time), so a period
//! costs what it holds, not what the database holds.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::sql_types::{BigInt, Nullable, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, Queryable, QueryableByName};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{ticket_events, ticket_ratings, tickets};
use crate::db::{Backed, Conn};
use crate::domain::EventKind;

/// A ticket opened on the day: its first answer (how many seconds after
/// it opened, and by whom) when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct Opened {
    pub first_response: Option<i64>,
    pub first_responder: Option<i64>,
}

/// Seconds from `from` to `to` (two timestamp columns), computed by the
/// database: a month holds tens of thousands of rows, and reading them as
/// numbers costs far less than reading two timestamps each. SQLite keeps
/// timestamps as text, and parsing a month's took 50 ms: its indexes
/// `tickets_day_clock` and `tickets_closed` hold these very expressions
/// (migration 000020), and it reads them from there. Change one, change
/// both.
pub(super) fn seconds_between(conn: &mut Conn, from: &str, to: &str) -> String {
    match conn.backed() {
        Backed::Postgres(_) => format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS BIGINT)"),
        Backed::Sqlite(_) => format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400) AS BIGINT)"),
    }
}

/// The tickets of `day` (from index `tickets_day_clock` alone). Read by
/// position, not by name: a month is 80,000 rows.
pub async fn opened(conn: &mut Conn, day: NaiveDate) -> QueryResult<Vec<Opened>> {
    let seconds = sql::<Nullable<BigInt>>(&seconds_between(conn, "opened_at", "first_response_at"));
    on_conn!(conn, |c| opened_query(seconds.clone(), day).load(c).await)
}

/// `opened`'s statement (a test reads its SQL).
#[diesel::dsl::auto_type]
pub(super) fn opened_query(seconds: SqlLiteral<Nullable<BigInt>>, day: NaiveDate) -> _ {
    tickets::table.filter(tickets::day.eq(day)).select((seconds, tickets::first_responder_id))
}

/// How long each ticket closed in `[from, to)` was open, in seconds (from
/// index `tickets_closed` alone).
pub async fn close_times(conn: &mut Conn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let seconds = sql::<Nullable<BigInt>>(&seconds_between(conn, "opened_at", "closed_at"));
    let rows: Vec<Option<i64>> = on_conn!(conn, |c| close_times_query(seconds.clone(), from, to).load(c).await)?;
    Ok(rows.into_iter().flatten().collect())
}

/// `close_times`' statement (a test reads its SQL).
#[diesel::dsl::auto_type]
pub(super) fn close_times_query(seconds: SqlLiteral<Nullable<BigInt>>, from: NaiveDateTime, to: NaiveDateTime) -> _ {
    tickets::table.filter(tickets::closed_at.ge(from)).filter(tickets::closed_at.lt(to)).select(seconds)
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

/// Per staff member, how many tickets they answered since `from` (a
/// period ends now: those they last answered since it began), from the
/// index on `ticket_answers` alone.
pub async fn answered_by_staff(conn: &mut Conn, from: NaiveDateTime) -> QueryResult<Vec<Answered>> {
    on_conn!(conn, |c| {
        diesel::sql_query(
            "SELECT staff_id, CAST(COUNT(*) AS BIGINT) AS tickets FROM ticket_answers \
             WHERE last_answer_at >= $1 GROUP BY staff_id",
        )
        .bind::<Timestamp, _>(from)
        .load(c)
        .await
    })
}
