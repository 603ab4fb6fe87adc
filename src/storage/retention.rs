//! Retention's statements: each deletes or clears at most `limit` rows,
//! oldest first, through the indexes of migration 000014, so one batch
//! holds its locks for milliseconds however large the tables are.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{ticket_messages, ticket_ratings, tickets};
use crate::db::{Backed, Tx, Writer};

/// `FOR UPDATE SKIP LOCKED` on PostgreSQL: two replicas' sweeps take
/// different rows instead of waiting on each other. SQLite has one writer.
fn skip_locked(writer: &mut Writer) -> &'static str {
    match writer.backed() {
        Backed::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Backed::Sqlite(_) => "",
    }
}

/// Deletes up to `limit` updates handled before `before`, the oldest
/// first. The newest update is always kept.
pub async fn delete_handled_updates(writer: &mut Writer, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let sql = format!(
        "DELETE FROM inbox_updates WHERE update_id IN ( \
         SELECT update_id FROM inbox_updates WHERE processed_at IS NOT NULL AND processed_at < $1 \
         AND update_id < (SELECT MAX(update_id) FROM inbox_updates) ORDER BY processed_at LIMIT $2{})",
        skip_locked(writer)
    );
    on_conn!(writer, |c| {
        diesel::sql_query(&sql).bind::<Timestamp, _>(before).bind::<BigInt, _>(limit).execute(c).await
    })
}

/// Deletes up to `limit` outbox rows sent or set aside before `before`,
/// the oldest first: those about no ticket, or about one closed before
/// `before` (a reply to a bot's notice on an open ticket finds its ticket
/// through the notice's row). Unsent rows are never touched.
pub async fn delete_finished_outbox(writer: &mut Writer, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let (mut deleted, lock) = (0, skip_locked(writer));
    for finished in ["sent_at", "failed_at"] {
        let sql = format!(
            "DELETE FROM outbox_messages WHERE id IN ( \
             SELECT o.id FROM outbox_messages o WHERE o.{finished} IS NOT NULL AND o.{finished} < $1 \
             AND (o.ticket_id IS NULL OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = o.ticket_id AND t.closed_at < $1)) \
             ORDER BY o.{finished} LIMIT $2{lock})"
        );
        let left = limit - deleted as i64;
        if left <= 0 {
            break;
        }
        deleted += on_conn!(writer, |c| {
            diesel::sql_query(&sql).bind::<Timestamp, _>(before).bind::<BigInt, _>(left).execute(c).await
        })?;
    }
    Ok(deleted)
}

/// Up to `limit` tickets closed before `before` whose texts are still
/// kept, the longest closed first.
pub async fn tickets_with_texts(tx: &mut Tx, before: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    let query = tickets::table
        .filter(tickets::closed_at.lt(before))
        .filter(tickets::texts_removed_at.is_null())
        .order(tickets::closed_at.asc())
        .limit(limit)
        .select(tickets::id);
    match tx.backed() {
        // Locked until the transaction ends: a reopen waits for it, and
        // another replica's sweep takes other tickets.
        Backed::Postgres(c) => query.for_update().skip_locked().load(c).await,
        Backed::Sqlite(c) => query.load(c).await,
    }
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

/// On PostgreSQL, makes the space of the rows a sweep deleted or changed in
/// `tables` reusable now rather than at autovacuum's next visit (a minute
/// or more away, long enough for a steady load to grow the files).
/// `VACUUM` (not `FULL`) blocks no reader or writer, and skips the pages
/// nothing changed on. Nothing to do on SQLite, which reuses freed pages
/// at once.
pub async fn reclaim(writer: &mut Writer, tables: &[&str]) -> QueryResult<()> {
    if let Backed::Postgres(c) = writer.backed() {
        diesel::sql_query(format!("VACUUM {}", tables.join(", "))).execute(c).await?;
    }
    Ok(())
}

/// After an erasure: on SQLite the write-ahead log is checkpointed and
/// emptied, so the pages from before are gone from it too (the file's
/// free pages are zeroed by `secure_delete`); on PostgreSQL the changed
/// tables are vacuumed, which makes the old row versions' space reusable
/// (it does not overwrite them: README, "Personal data").
pub async fn after_erasure(writer: &mut Writer) -> QueryResult<()> {
    match writer.backed() {
        Backed::Sqlite(c) => {
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(c).await?;
            Ok(())
        }
        Backed::Postgres(_) => {
            let changed = [
                "users",
                "ticket_messages",
                "ticket_messages_search_open",
                "ticket_ratings",
                "inbox_updates",
                "outbox_messages",
            ];
            reclaim(writer, &changed).await
        }
    }
}
