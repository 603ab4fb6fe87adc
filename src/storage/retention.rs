//! Retention's statements: each deletes or clears at most `limit` rows,
//! oldest first, through the indexes of migration 000014, so one batch
//! holds its locks for milliseconds however large the tables are.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{ticket_messages, ticket_ratings, tickets};
use crate::db::{Tx, Writer};

/// Deletes up to `limit` updates handled before `before`, the oldest
/// first. The newest update is always kept.
pub async fn delete_handled_updates(writer: &mut Writer, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    const SQL: &str = "DELETE FROM inbox_updates WHERE update_id IN ( \
        SELECT update_id FROM inbox_updates WHERE processed_at IS NOT NULL AND processed_at < $1 \
        AND update_id < (SELECT MAX(update_id) FROM inbox_updates) ORDER BY processed_at LIMIT $2)";
    on_conn!(writer, |c| {
        diesel::sql_query(SQL).bind::<Timestamp, _>(before).bind::<BigInt, _>(limit).execute(c).await
    })
}

/// Deletes up to `limit` outbox rows sent or set aside before `before`,
/// the oldest first. Unsent rows are never touched.
pub async fn delete_finished_outbox(writer: &mut Writer, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    const SENT: &str = "DELETE FROM outbox_messages WHERE id IN ( \
        SELECT id FROM outbox_messages WHERE sent_at IS NOT NULL AND sent_at < $1 ORDER BY sent_at LIMIT $2)";
    const FAILED: &str = "DELETE FROM outbox_messages WHERE id IN ( \
        SELECT id FROM outbox_messages WHERE failed_at IS NOT NULL AND failed_at < $1 ORDER BY failed_at LIMIT $2)";
    let sent = on_conn!(writer, |c| {
        diesel::sql_query(SENT).bind::<Timestamp, _>(before).bind::<BigInt, _>(limit).execute(c).await
    })?;
    let left = limit - sent as i64;
    if left <= 0 {
        return Ok(sent);
    }
    let failed = on_conn!(writer, |c| {
        diesel::sql_query(FAILED).bind::<Timestamp, _>(before).bind::<BigInt, _>(left).execute(c).await
    })?;
    Ok(sent + failed)
}

/// Up to `limit` tickets closed before `before` whose texts are still
/// kept, the longest closed first.
pub async fn tickets_with_texts(tx: &mut Tx, before: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    on_conn!(tx, |c| {
        tickets::table
            .filter(tickets::closed_at.lt(before))
            .filter(tickets::texts_removed_at.is_null())
            .order(tickets::closed_at.asc())
            .limit(limit)
            .select(tickets::id)
            .load(c)
            .await
    })
}

/// Removes what people wrote on `ticket_ids`: every message's text or
/// caption (the search index follows), the rating's comment, and the
/// outbox rows that carried them (the unsent stay); numbers, times and
/// scores stay. Marks the tickets done; returns the messages cleared.
pub async fn remove_texts(tx: &mut Tx, ticket_ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    let cleared = on_conn!(tx, |c| {
        diesel::update(ticket_messages::table)
            .filter(ticket_messages::ticket_id.eq_any(ticket_ids))
            .filter(ticket_messages::text.is_not_null())
            .set(ticket_messages::text.eq(None::<String>))
            .execute(c)
            .await
    })?;
    on_conn!(tx, |c| {
        diesel::update(ticket_ratings::table)
            .filter(ticket_ratings::ticket_id.eq_any(ticket_ids))
            .set(ticket_ratings::comment.eq(None::<String>))
            .execute(c)
            .await
    })?;
    super::outbox::delete_finished_of_tickets(tx, ticket_ids).await?;
    on_conn!(tx, |c| {
        diesel::update(tickets::table)
            .filter(tickets::id.eq_any(ticket_ids))
            .set(tickets::texts_removed_at.eq(now))
            .execute(c)
            .await
    })?;
    Ok(cleared)
}
