//! `/find`'s reading: the messages (either direction, and notes) whose text
//! or caption holds every word, newest first, through the full-text index
//! of migration 000013 (SQLite FTS5, PostgreSQL GIN over `to_tsvector`).
//! The index changes with the row, in the transaction that stores it.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, QueryableByName, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::rows::{Ticket, User};
use super::schema::{tickets, users};
use crate::db::{Backed, Conn};

/// What narrows a search besides its words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// The ticket's user's username, without `@`, any case.
    pub username: Option<String>,
    /// Open tickets only.
    pub open_only: bool,
    /// Tickets of that day.
    pub day: Option<NaiveDate>,
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
pub async fn newest_hits(
    conn: &mut Conn,
    words: &[String],
    narrowing: &Narrowing,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let username = narrowing.username.as_deref();
    match conn.backed() {
        Backed::Sqlite(c) => {
            // Each word a quoted FTS5 string, all required: punctuation in
            // a word is the tokenizer's, never query syntax.
            let query = words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ");
            diesel::sql_query(
                "SELECT m.id AS message_id, m.ticket_id AS ticket_id, m.text AS text \
                 FROM ticket_messages_search s \
                 JOIN ticket_messages m ON m.id = s.rowid \
                 JOIN tickets t ON t.id = m.ticket_id \
                 JOIN users u ON u.id = t.user_id \
                 WHERE ticket_messages_search MATCH ?1 AND s.rowid < ?2 \
                 AND (?3 IS NULL OR u.username = ?3 COLLATE NOCASE) \
                 AND (NOT ?4 OR t.status = 'open') \
                 AND (?5 IS NULL OR t.day = ?5) \
                 ORDER BY s.rowid DESC LIMIT ?6",
            )
            .bind::<Text, _>(query)
            .bind::<BigInt, _>(before)
            .bind::<Nullable<Text>, _>(username)
            .bind::<Bool, _>(narrowing.open_only)
            .bind::<Nullable<Date>, _>(narrowing.day)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
        }
        Backed::Postgres(c) => {
            // The index's own expression, so the planner can use it.
            diesel::sql_query(
                "SELECT m.id AS message_id, m.ticket_id AS ticket_id, m.text AS text \
                 FROM ticket_messages m \
                 JOIN tickets t ON t.id = m.ticket_id \
                 JOIN users u ON u.id = t.user_id \
                 WHERE to_tsvector('simple', coalesce(m.text, '')) @@ plainto_tsquery('simple', $1) \
                 AND m.id < $2 \
                 AND ($3::text IS NULL OR lower(u.username) = lower($3)) \
                 AND (NOT $4 OR t.status = 'open') \
                 AND ($5::date IS NULL OR t.day = $5) \
                 ORDER BY m.id DESC LIMIT $6",
            )
            .bind::<Text, _>(words.join(" "))
            .bind::<BigInt, _>(before)
            .bind::<Nullable<Text>, _>(username)
            .bind::<Bool, _>(narrowing.open_only)
            .bind::<Nullable<Date>, _>(narrowing.day)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
        }
    }
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
