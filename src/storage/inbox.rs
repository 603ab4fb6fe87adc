//! The inbox: updates as Telegram sent them, stored before Telegram is told
//! they arrived, and marked handled in the transaction that handled them,
//! together with the outbox rows they leave.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, QueryableByName, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::fixed::{fixed_pg_sql, fixed_statement};
use super::on_conn;
use super::rows::{InboxUpdate, NewInboxUpdate, NewOutboxRow};
use super::schema::inbox_updates;
use crate::db::{Backed, Conn, Tx, Writer};

fixed_statement! {
    /// Marks an update handled (with why, if it could not be); affects no
    /// row when it was handled already.
    MarkInboxDone<'a> { update_id: i64, at: NaiveDateTime, error: Option<&'a str> }
    "UPDATE inbox_updates SET processed_at = ", at: Timestamp;
    ", error = ", error: Nullable<Text>;
    " WHERE update_id = ", update_id: BigInt;
    " AND processed_at IS NULL";
}

/// Stores fetched updates in one statement, all or none; one Telegram
/// delivers twice is dropped by its key. Returns how many were new. A
/// single statement, so it needs no transaction: updates are stored on
/// the way in, and every round trip there delays them.
pub async fn store(writer: &mut Writer, rows: &[NewInboxUpdate<'_>], received_at: NaiveDateTime) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    match writer.backed() {
        // Arrays, so the statement's text is the same whatever their number.
        Backed::Postgres(c) => {
            let statement = StoreInbox {
                update_ids: rows.iter().map(|r| r.update_id).collect(),
                chat_ids: rows.iter().map(|r| r.chat_id).collect(),
                payloads: rows.iter().map(|r| r.payload).collect(),
                received_at,
            };
            statement.execute(c).await
        }
        // The rows as one JSON array, read back by `json_each`: one bind
        // parameter, so again one statement text whatever their number.
        Backed::Sqlite(c) => {
            let tuples: Vec<_> = rows.iter().map(|r| (r.update_id, r.chat_id, r.payload)).collect();
            let rows_json =
                serde_json::to_string(&tuples).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
            StoreInboxFromJson { rows: &rows_json, received_at }.execute(c).await
        }
    }
}

/// Updates not handled yet, in Telegram's order.
pub async fn pending(conn: &mut Conn, limit: i64) -> QueryResult<Vec<InboxUpdate>> {
    on_conn!(conn, |c| {
        inbox_updates::table
            .filter(inbox_updates::processed_at.is_null())
            .order(inbox_updates::update_id.asc())
            .limit(limit)
            .select(InboxUpdate::as_select())
            .load(c)
            .await
    })
}

/// Sets an update aside: marked done with why it could not be handled (it
/// stays in the table). `false` when it was handled already.
pub async fn set_aside(writer: &mut Writer, update_id: i64, reason: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let marked = on_conn!(writer, |c| MarkInboxDone { update_id, at, error: Some(reason) }.execute(c).await)?;
    Ok(marked == 1)
}

/// Keeps nothing of an update but its id (and that it arrived): a message
/// from a chat the bot does not serve.
pub async fn forget(writer: &mut Writer, update_id: i64) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(inbox_updates::table.find(update_id)).set(inbox_updates::payload.eq("")).execute(c).await
    })
}

/// Queues outbox rows, in order (their ids are their places in their
/// chats' queues), and marks the updates `acks` handled. `false` when one
/// of them was handled already (by another worker, or an earlier run): its
/// effects exist already, and the caller must roll back what it wrote for
/// it.
pub async fn queue_and_ack(tx: &mut Tx, rows: &[NewOutboxRow], acks: &[i64], now: NaiveDateTime) -> QueryResult<bool> {
    if rows.is_empty() && acks.is_empty() {
        return Ok(true);
    }
    // PostgreSQL: one statement, one round trip for a whole batch.
    if let Backed::Postgres(c) = tx.backed() {
        let statement = QueueAndAck {
            chat_ids: rows.iter().map(|r| r.chat_id).collect(),
            payloads: rows.iter().map(|r| r.payload.as_str()).collect(),
            ticket_ids: rows.iter().map(|r| r.ticket_id).collect(),
            ticket_message_ids: rows.iter().map(|r| r.ticket_message_id).collect(),
            not_befores: rows.iter().map(|r| r.not_before).collect(),
            acks,
            now,
        };
        let acked = statement.get_result::<Acked>(c).await?.acked;
        return Ok(acked == acks.len() as i64);
    }
    super::outbox::queue(tx, rows).await?;
    let mut all = true;
    for &update_id in acks {
        all &= on_conn!(tx, |c| MarkInboxDone { update_id, at: now, error: None }.execute(c).await)? == 1;
    }
    Ok(all)
}

fixed_statement! {
    /// `store` on SQLite: the rows come as a JSON array of
    /// `[update_id, chat_id, payload]` (SQLite needs a WHERE before ON
    /// CONFLICT in an INSERT … SELECT).
    StoreInboxFromJson<'a> { rows: &'a str, received_at: NaiveDateTime }
    "INSERT INTO inbox_updates (update_id, chat_id, payload, received_at) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ", received_at: Timestamp;
    " FROM json_each(", rows: Text;
    ") WHERE true ON CONFLICT DO NOTHING";
}

/// `store` on PostgreSQL.
struct StoreInbox<'a> {
    update_ids: Vec<i64>,
    chat_ids: Vec<Option<i64>>,
    payloads: Vec<&'a str>,
    received_at: NaiveDateTime,
}

fixed_pg_sql!(StoreInbox);

impl QueryFragment<Pg> for StoreInbox<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("INSERT INTO inbox_updates (update_id, chat_id, payload, received_at) SELECT *, ");
        out.push_bind_param::<Timestamp, _>(&self.received_at)?;
        out.push_sql(" FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.update_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.chat_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.payloads)?;
        out.push_sql(") ON CONFLICT DO NOTHING");
        Ok(())
    }
}

/// `queue_and_ack` on PostgreSQL: the rows from arrays, in order (`WITH
/// ORDINALITY`), and the marks.
struct QueueAndAck<'a> {
    chat_ids: Vec<i64>,
    payloads: Vec<&'a str>,
    ticket_ids: Vec<Option<i64>>,
    ticket_message_ids: Vec<Option<i64>>,
    not_befores: Vec<NaiveDateTime>,
    acks: &'a [i64],
    now: NaiveDateTime,
}

fixed_pg_sql!(QueueAndAck);

impl QueryFragment<Pg> for QueueAndAck<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH queued AS (INSERT INTO outbox_messages \
             (chat_id, payload, ticket_id, ticket_message_id, created_at, not_before) \
             SELECT chat_id, payload, ticket_id, ticket_message_id, ",
        );
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", not_before FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.chat_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.payloads)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_message_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.not_befores)?;
        out.push_sql(
            ") WITH ORDINALITY AS r (chat_id, payload, ticket_id, ticket_message_id, not_before, position) \
             ORDER BY position), \
             acked AS (UPDATE inbox_updates SET processed_at = ",
        );
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", error = NULL WHERE update_id = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.acks)?;
        out.push_sql(") AND processed_at IS NULL RETURNING 1) SELECT count(*) AS acked FROM acked");
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Acked {
    #[diesel(sql_type = BigInt)]
    acked: i64,
}
