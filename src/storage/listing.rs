//! What the web console and the REST API list: tickets newest first from a
//! cursor, narrowed by status, days, assignee and waiting; tickets by id; a ticket's messages
//! in order. Rows are the exports' (`export::TicketLine`, `MessageLine`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
use diesel::{QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use super::export::{Days, MESSAGE_LINES, MessageLine, TicketLine, ticket_lines};
use super::on_conn;
use crate::db::Conn;

/// Which tickets a list (or a search) holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// `open` or `closed`; any when `None`.
    pub status: Option<&'static str>,
    pub days: Days,
    pub assignee: Option<Assignee>,
    /// Only tickets waiting for staff since this time or earlier: those
    /// past the first-response SLA, given its cutoff.
    pub waiting_since_by: Option<NaiveDateTime>,
}

/// Whose tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// Assigned to nobody yet.
    Nobody,
    /// Assigned to this staff member (their Telegram id).
    Staff(i64),
}

impl TicketFilter {
    /// The assignee as the statements bind it: 0 stands for nobody (no
    /// Telegram user's id is 0).
    pub(super) fn assignee_param(&self) -> Option<i64> {
        self.assignee.map(|a| match a {
            Assignee::Nobody => 0,
            Assignee::Staff(id) => id,
        })
    }

    /// The conditions on tickets `t`, their parameters at the placeholders
    /// `p` (status, since, until, assignee, waiting; every one bound, set
    /// or not): each written only when asked for, so that it can use its
    /// index; SQLite's planner does not see through `? IS NULL OR …`.
    pub(super) fn conditions(&self, p: [&str; 5]) -> String {
        let unasked = |placeholder: &str| format!("{placeholder} IS NULL");
        let status = match self.status {
            Some(_) => format!("t.status = {}", p[0]),
            None => unasked(p[0]),
        };
        let since = match self.days.since {
            Some(_) => format!("t.day >= {}", p[1]),
            None => unasked(p[1]),
        };
        let until = match self.days.until {
            Some(_) => format!("t.day <= {}", p[2]),
            None => unasked(p[2]),
        };
        let assignee = match self.assignee {
            None => unasked(p[3]),
            Some(Assignee::Nobody) => format!("t.assignee_id IS NULL AND {} = 0", p[3]),
            Some(Assignee::Staff(_)) => format!("t.assignee_id = {}", p[3]),
        };
        let waiting = match self.waiting_since_by {
            Some(_) => format!("t.waiting_since <= {}", p[4]),
            None => unasked(p[4]),
        };
        format!("{status} AND {since} AND {until} AND {assignee} AND {waiting}")
    }
}

/// Up to `limit` tickets of `filter` with ids below `before`, newest first.
///
/// Narrowed to days, only the ids from the first ticket of `since` to the
/// last of `until` are read: newest first from `before` alone, PostgreSQL
/// walked its key back from the newest ticket, a week 100 days ago some
/// 270,000 tickets down (200 ms at a million).
pub async fn tickets_before(
    conn: &mut Conn,
    filter: TicketFilter,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<TicketLine>> {
    let Some((low, high)) = ticket_id_span(conn, filter.days).await? else { return Ok(Vec::new()) };
    // The page's ids first, from tickets alone, then their lines: PostgreSQL
    // takes the id span and the days for unrelated and expects a few hundred
    // tickets where a week holds 15,000; joined before they were cut to a
    // page, each one's user was read (57 ms, 5 ms so).
    let sql = format!(
        "{} WHERE t.id IN (SELECT t.id FROM tickets t WHERE t.id < $1 AND {} AND t.id >= $7 \
         ORDER BY t.id DESC LIMIT $8) ORDER BY t.id DESC",
        ticket_lines(conn),
        filter.conditions(["$2", "$3", "$4", "$5", "$6"])
    );
    on_conn!(conn, |c| {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(before.min(high.saturating_add(1)))
            .bind::<Nullable<Text>, _>(filter.status)
            .bind::<Nullable<Date>, _>(filter.days.since)
            .bind::<Nullable<Date>, _>(filter.days.until)
            .bind::<Nullable<BigInt>, _>(filter.assignee_param())
            .bind::<Nullable<Timestamp>, _>(filter.waiting_since_by)
            .bind::<BigInt, _>(low)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
    })
}

/// The lowest and highest id a ticket of `days` can have: from the first
/// ticket of the first day from `since` to the last of the last day up to
/// `until`, each found through the index on day and number (see
/// `edge_tickets`). `None` when no ticket is there.
pub(super) async fn ticket_id_span(conn: &mut Conn, days: Days) -> QueryResult<Option<(i64, i64)>> {
    let mut span = (0, i64::MAX);
    if let Some(since) = days.since {
        match edge_tickets(conn, Edge::First, since).await?.into_iter().min() {
            Some(id) => span.0 = id,
            None => return Ok(None),
        }
    }
    if let Some(until) = days.until {
        match edge_tickets(conn, Edge::Last, until).await?.into_iter().max() {
            Some(id) => span.1 = id,
            None => return Ok(None),
        }
    }
    Ok((span.0 <= span.1).then_some(span))
}

/// Which end of a span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    /// The first ticket of the first day from a day on.
    First,
    /// The last ticket of the last day up to a day.
    Last,
}

/// The tickets at the `edge` of the days from (or up to) `day`: the edge
/// ticket of the nearest day that has one, and that of the day beyond it.
/// Ids grow as tickets are stored, and a day's numbers are taken in the
/// order its tickets are stored (its counter row is locked until then),
/// so within a day ids follow numbers. Across a midnight they need not:
/// on PostgreSQL two replicas take numbers from two days' counters at
/// once, and the ticket of the day before can be stored after the first
/// of the next, with a higher id. No ticket is stored out of order with
/// one two days away. Empty when no ticket is there.
pub(super) async fn edge_tickets(conn: &mut Conn, edge: Edge, day: NaiveDate) -> QueryResult<Vec<i64>> {
    let Some(nearest) = edge_ticket(conn, edge, day).await? else { return Ok(Vec::new()) };
    let beyond = match edge {
        Edge::First => nearest.day.succ_opt(),
        Edge::Last => nearest.day.pred_opt(),
    };
    let mut ids = vec![nearest.id];
    if let Some(beyond) = beyond {
        ids.extend(edge_ticket(conn, edge, beyond).await?.map(|t| t.id));
    }
    Ok(ids)
}

#[derive(QueryableByName)]
struct DayTicket {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
}

/// The first ticket of the first day from `day` on, or the last of the
/// last day up to it.
async fn edge_ticket(conn: &mut Conn, edge: Edge, day: NaiveDate) -> QueryResult<Option<DayTicket>> {
    let sql = match edge {
        Edge::First => "SELECT id, day FROM tickets WHERE day >= $1 ORDER BY day, number LIMIT 1",
        Edge::Last => "SELECT id, day FROM tickets WHERE day <= $1 ORDER BY day DESC, number DESC LIMIT 1",
    };
    let found: Vec<DayTicket> = on_conn!(conn, |c| diesel::sql_query(sql).bind::<Date, _>(day).load(c).await)?;
    Ok(found.into_iter().next())
}

/// The tickets of `ids` (those that exist), in the order of `ids`.
pub async fn tickets_by_id(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<TicketLine>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Numbers only, written by us: nothing a caller typed reaches the SQL.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let sql = format!("{} WHERE t.id IN ({list})", ticket_lines(conn));
    let mut found: Vec<TicketLine> = on_conn!(conn, |c| diesel::sql_query(&sql).load(c).await)?;
    found.sort_by_key(|t| ids.iter().position(|id| *id == t.ticket_id));
    Ok(found)
}

/// Up to `limit` messages of ticket `ticket_id` (notes too) with ids above
/// `after`, oldest first.
pub async fn messages_of(conn: &mut Conn, ticket_id: i64, after: i64, limit: i64) -> QueryResult<Vec<MessageLine>> {
    let sql = format!("{MESSAGE_LINES} WHERE m.ticket_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3");
    on_conn!(conn, |c| {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(ticket_id)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
    })
}
