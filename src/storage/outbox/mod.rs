//! The outbox: every message the bot sends, written in the transaction
//! that decided to send it, then claimed, sent and recorded by the
//! delivery worker. A row's payload is the outbox's own format
//! (the `outbox` module's message types); here it is text.

mod claim;
mod reads;
mod record;

pub use claim::{claim, release, release_others};
pub use reads::{
    album_head, backlog, backlog_in, digested_messages, due_with_tickets, is_digest, is_recorded, oldest_waiting,
    sent_since, waiting_about,
};
pub use record::{Sent, SentTarget, record_sent};

use chrono::NaiveDateTime;
use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl, QueryResult};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::rows::{NewOutboxRow, OutboxRow, Ticket, User};
use super::schema::outbox_messages;
use super::{tickets, users};
use crate::db::{Tx, Writer};

/// Rows `by` may change: unsent, and not claimed by another worker whose
/// claim still holds. A worker whose lease ran out (it stalled, and another
/// replica took the row) changes nothing: the row is the other's now.
macro_rules! claim_allows {
    ($by:expr, $now:expr) => {
        outbox_messages::sent_at.is_null().and(outbox_messages::failed_at.is_null()).and(
            outbox_messages::claimed_by
                .eq($by)
                .or(outbox_messages::claimed_until.is_null())
                .or(outbox_messages::claimed_until.le($now)),
        )
    };
}

/// Queues rows, in order.
pub async fn queue(tx: &mut Tx, rows: &[NewOutboxRow]) -> QueryResult<()> {
    for row in rows {
        on_conn!(tx, |c| diesel::insert_into(outbox_messages::table).values(row).execute(c).await)?;
    }
    Ok(())
}

/// Telegram refused the row for good (or it was given up on): kept with
/// the reason.
pub async fn mark_failed(
    writer: &mut Writer,
    id: i64,
    by: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(outbox_messages::table.find(id))
            .filter(claim_allows!(by, at))
            .set((
                outbox_messages::failed_at.eq(at),
                outbox_messages::last_error.eq(reason),
                outbox_messages::attempts.eq(outbox_messages::attempts + 1),
            ))
            .execute(c)
            .await
    })
}

/// Puts a row back for later (a transient error); counts the attempt.
pub async fn retry_later(
    writer: &mut Writer,
    id: i64,
    by: &str,
    now: NaiveDateTime,
    not_before: NaiveDateTime,
    reason: &str,
) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(outbox_messages::table.find(id))
            .filter(claim_allows!(by, now))
            .set((
                outbox_messages::not_before.eq(not_before),
                outbox_messages::last_error.eq(reason),
                outbox_messages::attempts.eq(outbox_messages::attempts + 1),
            ))
            .execute(c)
            .await
    })
}

/// Holds every unsent row of a chat until `not_before` (Telegram's
/// retry_after applies to the chat, and order within it must hold).
pub async fn hold_chat(writer: &mut Writer, chat_id: i64, not_before: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(outbox_messages::table)
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .filter(outbox_messages::not_before.lt(not_before))
            .set(outbox_messages::not_before.eq(not_before))
            .execute(c)
            .await
    })
}

/// Records rows as sent inside one digest message; how many were still
/// `by`'s to record.
pub async fn mark_digested(
    writer: &mut Writer,
    ids: &[i64],
    by: &str,
    digest_message_id: i32,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(outbox_messages::table.filter(outbox_messages::id.eq_any(ids)))
            .filter(claim_allows!(by, at))
            .set((
                outbox_messages::sent_at.eq(at),
                outbox_messages::digest_message_id.eq(digest_message_id),
                outbox_messages::attempts.eq(outbox_messages::attempts + 1),
            ))
            .execute(c)
            .await
    })
}

/// A send to a user answered 403 (they blocked the bot): the row fails with
/// the reason and, the first time since the user last wrote, the user is
/// flagged. `Some((user, the row's ticket))` when staff are to be told.
pub async fn user_blocked_bot(
    tx: &mut Tx,
    row: &OutboxRow,
    by: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(User, Option<Ticket>)>> {
    mark_failed(tx, row.id, by, reason, now).await?;
    let Some(user) = users::find(tx, row.chat_id).await?.filter(|u| u.blocked_bot_at.is_none()) else {
        return Ok(None);
    };
    users::set_blocked_bot(tx, user.id, now).await?;
    let ticket = match row.ticket_id {
        Some(id) => tickets::find(tx, id).await?,
        None => None,
    };
    Ok(Some((user, ticket)))
}

/// Deletes the sent and set-aside rows about `ticket_ids`: their payloads
/// hold what people wrote (retention, erasure). Unsent rows stay.
pub async fn delete_finished_of_tickets(tx: &mut Tx, ticket_ids: &[i64]) -> QueryResult<usize> {
    on_conn!(tx, |c| {
        diesel::delete(
            outbox_messages::table
                .filter(outbox_messages::ticket_id.eq_any(ticket_ids))
                .filter(outbox_messages::sent_at.is_not_null().or(outbox_messages::failed_at.is_not_null())),
        )
        .execute(c)
        .await
    })
}
