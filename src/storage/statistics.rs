//! What `/stats` and `/metrics` read about a period: each one query that
//! walks an index over the period only (tickets by day, closes by time,
//! answerers by their last answer, ratings by time, events by kind and time), so a period
//! costs what it holds, not what the database holds.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
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

/// The tickets opened on each day from `first` to `last`: every day, in
/// order, with its tickets (from index `tickets_day_clock` alone), read by
/// position, not by name: a month is 80,000 rows.
///
/// PostgreSQL reads up to a week in one statement: a statement a day cost
/// a round trip and a plan each (a month's 30 took 72 ms in `psql`, one
/// statement 43), and a month in one statement held its rows in the bot's
/// memory at once (11 MB more at its peak). SQLite reads a day at a time:
/// its rows are copied whole before they are read (some 400 bytes each),
/// so a month's in one statement would cost 35 MB for a moment.
pub async fn opened(conn: &mut Conn, first: NaiveDate, last: NaiveDate) -> QueryResult<Vec<(NaiveDate, Vec<Opened>)>> {
    let seconds = sql::<Nullable<BigInt>>(&seconds_between(conn, "opened_at", "first_response_at"));
    let mut days: Vec<(NaiveDate, Vec<Opened>)> =
        first.iter_days().take_while(|day| *day <= last).map(|day| (day, Vec::new())).collect();
    match conn.backed() {
        Backed::Postgres(c) => {
            for week in days.chunks_mut(POSTGRES_DAYS_A_STATEMENT) {
                let (since, until) = (week[0].0, week[week.len() - 1].0);
                let rows: Vec<(NaiveDate, Opened)> = tickets::table
                    .filter(tickets::day.ge(since))
                    .filter(tickets::day.le(until))
                    .select((tickets::day, (seconds.clone(), tickets::first_responder_id)))
                    .load(c)
                    .await?;
                for (day, ticket) in rows {
                    let at = usize::try_from((day - since).num_days()).ok();
                    if let Some((_, tickets)) = at.and_then(|at| week.get_mut(at)) {
                        tickets.push(ticket);
                    }
                }
            }
        }
        Backed::Sqlite(c) => {
            for (day, tickets) in &mut days {
                *tickets = opened_query(seconds.clone(), *day).load(c).await?;
            }
        }
    }
    Ok(days)
}

/// How many days PostgreSQL reads in one statement (see `opened`).
const POSTGRES_DAYS_A_STATEMENT: usize = 7;

/// SQLite's statement for one day of `opened` (a test reads its SQL).
#[diesel::dsl::auto_type]
pub(super) fn opened_query(seconds: SqlLiteral<Nullable<BigInt>>, day: NaiveDate) -> _ {
    tickets::table.filter(tickets::day.eq(day)).select((seconds, tickets::first_responder_id))
}

/// How long each ticket closed in `[from, to)` was open, in seconds (from
/// index `tickets_closed` alone): on PostgreSQL a week at a time, on
/// SQLite a day (24 hours), as `opened` says why.
pub async fn close_times(conn: &mut Conn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let seconds = sql::<Nullable<BigInt>>(&seconds_between(conn, "opened_at", "closed_at"));
    let step = match conn.backed() {
        Backed::Postgres(_) => TimeDelta::days(POSTGRES_DAYS_A_STATEMENT as i64),
        Backed::Sqlite(_) => TimeDelta::days(1),
    };
    let mut times = Vec::new();
    let mut start = from;
    while start < to {
        let end = (start + step).min(to);
        let rows: Vec<Option<i64>> = on_conn!(conn, |c| close_times_query(seconds.clone(), start, end).load(c).await)?;
        times.extend(rows.into_iter().flatten());
        start = end;
    }
    Ok(times)
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

/// Per staff member, how many tickets they last answered in `[from,
/// until)`, or since `from` when `until` is `None` (a period ends now:
/// the tickets answered in it are those last answered since it began),
/// from the index on `ticket_answers` alone.
pub async fn answered_by_staff(
    conn: &mut Conn,
    from: NaiveDateTime,
    until: Option<NaiveDateTime>,
) -> QueryResult<Vec<Answered>> {
    const SINCE: &str = "SELECT staff_id, CAST(COUNT(*) AS BIGINT) AS tickets FROM ticket_answers \
                         WHERE last_answer_at >= $1 GROUP BY staff_id";
    const BETWEEN: &str = "SELECT staff_id, CAST(COUNT(*) AS BIGINT) AS tickets FROM ticket_answers \
                           WHERE last_answer_at >= $1 AND last_answer_at < $2 GROUP BY staff_id";
    on_conn!(conn, |c| match until {
        None => diesel::sql_query(SINCE).bind::<Timestamp, _>(from).load(c).await,
        Some(until) => {
            diesel::sql_query(BETWEEN).bind::<Timestamp, _>(from).bind::<Timestamp, _>(until).load(c).await
        }
    })
}
