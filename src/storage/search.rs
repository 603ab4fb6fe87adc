//! `/find`'s reading: the messages (either direction, and notes) whose text
//! or caption holds every word, newest first, through the full-text index
//! of migration 000013 (SQLite FTS5, PostgreSQL GIN over `to_tsvector`).
//! The index changes with the row, in the transaction that stores it.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{ExpressionMethods, QueryDsl, QueryResult, QueryableByName, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::export::Days;
use super::listing::{Edge, TicketFilter, edge_tickets};
use super::on_conn;
use super::rows::{Ticket, User};
use super::schema::{tickets, users};
use crate::db::{Backed, Conn};

/// What narrows a search besides its words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// The ticket's user's username, without `@`, any case.
    pub username: Option<String>,
    /// Which tickets: status, days, assignee, waiting.
    pub tickets: TicketFilter,
}

impl Narrowing {
    /// Open tickets only (`/find … #open`).
    pub fn is_open_only(&self) -> bool {
        self.tickets.status == Some("open")
    }

    /// The one day it narrows to, when `since` and `until` are that day.
    pub fn day(&self) -> Option<NaiveDate> {
        self.tickets.days.since.filter(|since| self.tickets.days.until == Some(*since))
    }
}

/// A message holding every word.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub message_id: i64,
    #[diesel(sql_type = BigInt)]
    pub ticket_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub text: Option<String>,
}

/// Up to `limit` messages older than message `before` holding every one
/// of `words` (at least one, each with a letter or digit), newest first.
///
/// Narrowed to a user, the user's few messages are read and each is
/// matched: a common word is in hundreds of thousands, and reading those
/// newest first to find one user's would take seconds. Narrowed to a day,
/// only the ids between that day's tickets' first and last message are
/// read, newest first.
pub async fn newest_hits(
    conn: &mut Conn,
    words: &[String],
    narrowing: &Narrowing,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let (low, high) = match id_span(conn, narrowing.tickets.days).await? {
        Some((low, high)) => (low, high.unwrap_or(i64::MAX).min(before - 1)),
        None => return Ok(Vec::new()),
    };
    if matches!(conn.backed(), Backed::Postgres(_)) && narrowing.username.is_none() {
        if narrowing.is_open_only() {
            return postgres_open(conn, words, narrowing, (low, high), limit).await;
        }
        return postgres_newest_first(conn, words, narrowing, low, high, limit).await;
    }
    let sql = match (conn.backed(), narrowing.username.is_some()) {
        (Backed::Sqlite(_), true) => SQLITE_OF_USER,
        (Backed::Sqlite(_), false) => SQLITE_ANY,
        (Backed::Postgres(_), _) => POSTGRES_OF_USER,
    };
    let words = match conn.backed() {
        // Each word a quoted FTS5 string, all required: punctuation in a
        // word is the tokenizer's, never query syntax.
        Backed::Sqlite(_) => words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>(),
        Backed::Postgres(_) => words.to_vec(),
    };
    hits_between(conn, sql, &words.join(" "), narrowing, (low, high), limit).await
}

/// The newest message ids PostgreSQL searches first: a thousand for each
/// message asked for, and at least this many. A word in thousands of a
/// million tickets' five million messages is in about one message of a
/// thousand: asked for twice as many, the same range would come up short
/// and send every such search on to sort all of its older matches.
const NEWEST: i64 = 50_000;
const NEWEST_A_MESSAGE: i64 = 1_000;

/// PostgreSQL's GIN index finds a word's messages in no order, so keeping
/// the newest few of a word in tens of thousands of messages reads them all
/// (100–200 ms). The newest ids are searched first, the index ANDed with a
/// range of the primary key: a word in a few thousand messages or more is
/// found there (15 ms). Only if that is not enough is the rest searched, in
/// one more query: a rare word is cheap to read whole.
async fn postgres_newest_first(
    conn: &mut Conn,
    words: &[String],
    narrowing: &Narrowing,
    low: i64,
    high: i64,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let newest: Span = on_conn!(conn, |c| {
        diesel::sql_query("SELECT NULL::bigint AS low, MAX(id) AS high FROM ticket_messages").get_result(c).await
    })?;
    let high = high.min(newest.high.unwrap_or(0));
    let window = NEWEST.max(limit.saturating_mul(NEWEST_A_MESSAGE));
    let split = high.saturating_sub(window - 1).max(low);
    let words = words.join(" ");
    let mut found = hits_between(conn, POSTGRES_ANY, &words, narrowing, (split, high), limit).await?;
    if (found.len() as i64) < limit && split > low {
        let rest = limit - found.len() as i64;
        found.extend(hits_between(conn, POSTGRES_REST, &words, narrowing, (low, split - 1), rest).await?);
    }
    Ok(found)
}

/// A message of the index of open tickets' messages that holds the words,
/// and whether it passed the search's conditions.
#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    message_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    ticket_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
}

/// Open tickets' messages on PostgreSQL, through the index of them that
/// migration 000021 keeps: the newest `limit` of its matches, then each
/// one's ticket and text checked; twice as many older ones again while
/// too few passed (another narrowing, say to one staff member, leaves out
/// most). Asked for its newest few, the planner walks that index
/// backwards for a common word and sorts a rarer one's few hundred
/// matches; joined to the tickets before the sort, it looked each of
/// those up first (19 ms), or, left unbounded, sorted a common word's
/// 100,000 (80 ms).
async fn postgres_open(
    conn: &mut Conn,
    words: &[String],
    narrowing: &Narrowing,
    (low, mut high): (i64, i64),
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let words = words.join(" ");
    let mut found = Vec::new();
    let mut batch = limit;
    while high >= low {
        let read: Vec<Candidate> = hits_between(conn, POSTGRES_OPEN, &words, narrowing, (low, high), batch).await?;
        let ended = (read.len() as i64) < batch;
        high = read.last().map_or(low, |c| c.message_id) - 1;
        found.extend(
            read.into_iter()
                .filter_map(|c| Some(Hit { message_id: c.message_id, ticket_id: c.ticket_id?, text: c.text })),
        );
        if ended || found.len() as i64 >= limit {
            break;
        }
        batch = batch.saturating_mul(2);
    }
    found.truncate(limit as usize);
    Ok(found)
}

/// Runs one of the statements below, with the assignee and waiting
/// conditions the narrowing asks for.
async fn hits_between<R>(
    conn: &mut Conn,
    sql: &'static str,
    words: &str,
    narrowing: &Narrowing,
    (low, high): (i64, i64),
    limit: i64,
) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
{
    let placeholders = match conn.backed() {
        Backed::Sqlite(_) => ["?5", "?6", "?7", "?9", "?10"],
        Backed::Postgres(_) => ["$5::text", "$6::date", "$7::date", "$9::bigint", "$10::timestamp"],
    };
    let sql = sql.replace("{tickets}", &narrowing.tickets.conditions(placeholders));
    on_conn!(conn, |c| {
        diesel::sql_query(&sql)
            .bind::<Text, _>(words)
            .bind::<BigInt, _>(low)
            .bind::<BigInt, _>(high)
            .bind::<Nullable<Text>, _>(narrowing.username.as_deref())
            .bind::<Nullable<Text>, _>(narrowing.tickets.status)
            .bind::<Nullable<Date>, _>(narrowing.tickets.days.since)
            .bind::<Nullable<Date>, _>(narrowing.tickets.days.until)
            .bind::<BigInt, _>(limit)
            .bind::<Nullable<BigInt>, _>(narrowing.tickets.assignee_param())
            .bind::<Nullable<Timestamp>, _>(narrowing.tickets.waiting_since_by)
            .load(c)
            .await
    })
}

// The statements' parameters: 1 the words, 2 and 3 the lowest and highest
// message id, 4 the username (`None` for the `_ANY` two), 5 the status, 6
// and 7 the first and last day, 8 how many, 9 the assignee (0: nobody), 10
// the latest start of a wait that is past the SLA; 5, 6, 7, 9 and 10 in the
// conditions `TicketFilter::conditions` writes in place of `{tickets}`.
// SQLite's are numbered `?N` (its `$N` would be
// names, numbered in order of appearance). The username is compared as its
// index says it.

/// Through the FTS5 index, newest first (`CROSS JOIN` keeps that order:
/// the tickets' conditions, indexed too, must not lead).
const SQLITE_ANY: &str = "SELECT m.id AS message_id, m.ticket_id AS ticket_id, m.text AS text \
     FROM ticket_messages_search s CROSS JOIN ticket_messages m CROSS JOIN tickets t \
     WHERE m.id = s.rowid AND t.id = m.ticket_id \
     AND ticket_messages_search MATCH ?1 AND s.rowid BETWEEN ?2 AND ?3 \
     AND {tickets} \
     ORDER BY s.rowid DESC LIMIT ?8";

/// The user's tickets, their messages, each looked up in the FTS5 index
/// (`CROSS JOIN` keeps that order).
const SQLITE_OF_USER: &str = "SELECT m.id AS message_id, m.ticket_id AS ticket_id, m.text AS text \
     FROM users u CROSS JOIN tickets t CROSS JOIN ticket_messages m CROSS JOIN ticket_messages_search s \
     WHERE u.username = ?4 COLLATE NOCASE AND t.user_id = u.id AND m.ticket_id = t.id \
     AND s.rowid = m.id AND ticket_messages_search MATCH ?1 AND m.id BETWEEN ?2 AND ?3 \
     AND {tickets} \
     ORDER BY m.id DESC LIMIT ?8";

/// The index's own expression, so the planner can use the GIN index. Left
/// to choose, it walks the key backwards for a common word, stopping at
/// the limit, and ANDs the index with the key's range for a rarer one.
const POSTGRES_ANY: &str = "SELECT m.id AS message_id, m.ticket_id AS ticket_id, m.text AS text \
     FROM ticket_messages m \
     JOIN tickets t ON t.id = m.ticket_id \
     WHERE to_tsvector('simple', coalesce(m.text, '')) @@ plainto_tsquery('simple', $1) \
     AND m.id BETWEEN $2 AND $3 AND $4::text IS NULL AND {tickets} ORDER BY m.id DESC LIMIT $8";

/// The same, the index read first (the `OFFSET 0` fences): for what the
/// newest ids did not hold enough of, a rare word or words rare together.
/// Left to choose, the planner may expect two words each common to be
/// common together and walk the whole key backwards (1.7 s for none at
/// all). The matches are sorted newest first, then each one's ticket is
/// looked up until enough pass its conditions: joined whole, the 52,500
/// open tickets of a million were read into a hash for a few hundred
/// matches (200 ms).
const POSTGRES_REST: &str = "SELECT h.id AS message_id, h.ticket_id AS ticket_id, h.text AS text FROM ( \
     SELECT m.id, m.ticket_id, m.text FROM ticket_messages m \
     WHERE to_tsvector('simple', coalesce(m.text, '')) @@ plainto_tsquery('simple', $1) \
     AND m.id BETWEEN $2 AND $3 ORDER BY m.id DESC OFFSET 0) h \
     CROSS JOIN LATERAL (SELECT 1 FROM tickets t WHERE t.id = h.ticket_id AND $4::text IS NULL AND {tickets} \
     OFFSET 0) passed \
     ORDER BY h.id DESC LIMIT $8";

/// The newest matches in the index of open tickets' messages (`$8` of
/// them), each with its ticket and text when they pass: that index may
/// hold a closed ticket's message (stored or edited while it closed), so
/// the ticket is checked, and the text matched again.
const POSTGRES_OPEN: &str = "SELECT h.message_id, x.ticket_id, x.text FROM ( \
     SELECT o.message_id FROM ticket_messages_search_open o \
     WHERE o.words @@ plainto_tsquery('simple', $1) AND o.message_id BETWEEN $2 AND $3 \
     ORDER BY o.message_id DESC LIMIT $8) h \
     LEFT JOIN LATERAL (SELECT m.ticket_id, m.text FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id \
     WHERE m.id = h.message_id AND to_tsvector('simple', coalesce(m.text, '')) @@ plainto_tsquery('simple', $1) \
     AND $4::text IS NULL AND {tickets}) x ON true \
     ORDER BY h.message_id DESC";

/// The user's tickets and their messages, read first (`MATERIALIZED`: left
/// to choose, the planner walks every message backwards hoping to reach
/// the limit soon), each matched.
const POSTGRES_OF_USER: &str = "WITH theirs AS MATERIALIZED ( \
     SELECT m.id, m.ticket_id, m.text, t.status, t.day, t.assignee_id, t.waiting_since FROM users u \
     JOIN tickets t ON t.user_id = u.id \
     JOIN ticket_messages m ON m.ticket_id = t.id \
     WHERE lower(u.username) = lower($4) AND u.username IS NOT NULL AND m.id BETWEEN $2 AND $3) \
     SELECT id AS message_id, ticket_id, text FROM theirs t \
     WHERE to_tsvector('simple', coalesce(text, '')) @@ plainto_tsquery('simple', $1) \
     AND {tickets} ORDER BY id DESC LIMIT $8";

/// The ids a search of `days` reads: from the first message of their first
/// tickets (a ticket's first message is stored as it opens; which tickets
/// come first, `listing::edge_tickets` says), up to their tickets' last
/// message when they are a week or less, else unbounded (`None`: a ticket
/// of an old day may be answered today). `None` when no ticket has a
/// message there.
async fn id_span(conn: &mut Conn, days: Days) -> QueryResult<Option<(i64, Option<i64>)>> {
    /// Days for which the last message is looked up: a week's 20,000
    /// tickets are read in milliseconds, a year's would not be.
    const BOUNDED_DAYS: i64 = 7;
    let Some(since) = days.since else { return Ok(Some((0, None))) };
    let first_tickets = edge_tickets(conn, Edge::First, since).await?;
    if first_tickets.is_empty() {
        return Ok(None);
    }
    // Numbers only, written by us.
    let list = first_tickets.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let first: Span = on_conn!(conn, |c| {
        diesel::sql_query(format!(
            "SELECT MIN(id) AS low, CAST(NULL AS BIGINT) AS high FROM ticket_messages WHERE ticket_id IN ({list})"
        ))
        .get_result(c)
        .await
    })?;
    let Some(low) = first.low else { return Ok(None) };
    let Some(until) = days.until.filter(|until| (*until - since).num_days() < BOUNDED_DAYS) else {
        return Ok(Some((low, None)));
    };
    let last: Span = on_conn!(conn, |c| {
        diesel::sql_query(
            "SELECT CAST(NULL AS BIGINT) AS low, MAX(m.id) AS high FROM tickets t \
             JOIN ticket_messages m ON m.ticket_id = t.id WHERE t.day >= $1 AND t.day <= $2",
        )
        .bind::<Date, _>(since)
        .bind::<Date, _>(until)
        .get_result(c)
        .await
    })?;
    Ok(last.high.map(|high| (low, Some(high))))
}

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = Nullable<BigInt>)]
    low: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    high: Option<i64>,
}

/// The tickets of `ids`, with their users.
pub async fn tickets_with_users(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(Ticket, User)>> {
    on_conn!(conn, |c| {
        tickets::table
            .inner_join(users::table)
            .filter(tickets::id.eq_any(ids))
            .select((Ticket::as_select(), User::as_select()))
            .load(c)
            .await
    })
}
