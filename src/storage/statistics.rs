//! What `/stats` and `/metrics` read about a period: each one query that
//! walks an index over the period only (tickets by day, closes by time,
//! answers by time, ratings by time, events by kind and time), so a period
//! costs what it holds, not what the database holds.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{ticket_events, ticket_ratings, tickets};
use crate::db::Conn;
use crate::domain::EventKind;

/// A ticket opened in the period: its day, and its first answer (how many
/// seconds after it opened, and by whom) when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub day: NaiveDate,
    pub first_response: Option<(i64, Option<i64>)>,
}

/// Tickets of the days `from..=to` (by index `tickets_day_number`).
pub async fn opened(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Opened>> {
    type Row = (NaiveDate, NaiveDateTime, Option<NaiveDateTime>, Option<i64>);
    let rows: Vec<Row> = on_conn!(conn, |c| {
        tickets::table
            .filter(tickets::day.ge(from))
            .filter(tickets::day.le(to))
            .select((tickets::day, tickets::opened_at, tickets::first_response_at, tickets::first_responder_id))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(day, opened, first, by)| Opened { day, first_response: first.map(|f| ((f - opened).num_seconds(), by)) })
        .collect())
}

/// How long each ticket closed in `[from, to)` was open, in seconds.
pub async fn close_times(conn: &mut Conn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let rows: Vec<(NaiveDateTime, Option<NaiveDateTime>)> = on_conn!(conn, |c| {
        tickets::table
            .filter(tickets::closed_at.ge(from))
            .filter(tickets::closed_at.lt(to))
            .select((tickets::opened_at, tickets::closed_at))
            .load(c)
            .await
    })?;
    Ok(rows.into_iter().filter_map(|(opened, closed)| Some((closed? - opened).num_seconds())).collect())
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
