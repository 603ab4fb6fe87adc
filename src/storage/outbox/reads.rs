//! What the delivery worker, the desk and the metrics read of the outbox.

use chrono::NaiveDateTime;
use diesel::{ExpressionMethods, JoinOnDsl, NullableExpressionMethods, QueryDsl, QueryResult, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::super::on_conn;
use super::super::rows::{OutboxRow, Ticket, TicketMessage, User};
use super::super::schema::{outbox_messages, ticket_messages, tickets, users};
use crate::db::Conn;

/// A due row with the ticket it concerns, the ticket's user and the ticket
/// message it carries, where there are: what a digest is made of.
pub type DueRow = (OutboxRow, Option<Ticket>, Option<User>, Option<TicketMessage>);

/// Unsent rows of one chat, oldest first, due or not (an album's members
/// at the head of its queue go out together).
pub async fn album_head(conn: &mut Conn, chat_id: i64, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .order(outbox_messages::id.asc())
            .limit(limit)
            .select(OutboxRow::as_select())
            .load(c)
            .await
    })
}

/// Unsent rows about a ticket in one chat, oldest first (claimed ones too:
/// a worker holds a whole run claimed while it sends it row by row).
pub async fn waiting_about(conn: &mut Conn, chat_id: i64, ticket_id: i64) -> QueryResult<Vec<OutboxRow>> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .filter(outbox_messages::ticket_id.eq(ticket_id))
            .order(outbox_messages::id.asc())
            .select(OutboxRow::as_select())
            .load(c)
            .await
    })
}

/// Due, unsent rows of a chat, oldest first, each with its ticket, user
/// and message.
pub async fn due_with_tickets(
    conn: &mut Conn,
    chat_id: i64,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DueRow>> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .left_join(tickets::table.on(outbox_messages::ticket_id.eq(tickets::id.nullable())))
            .left_join(users::table.on(users::id.nullable().eq(tickets::user_id.nullable())))
            .left_join(ticket_messages::table.on(outbox_messages::ticket_message_id.eq(ticket_messages::id.nullable())))
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .filter(outbox_messages::not_before.le(now))
            .order(outbox_messages::id.asc())
            .limit(limit)
            .select((
                OutboxRow::as_select(),
                Option::<Ticket>::as_select(),
                Option::<User>::as_select(),
                Option::<TicketMessage>::as_select(),
            ))
            .load(c)
            .await
    })
}

/// The ticket's messages (ids) that staff saw only as a digest line.
pub async fn digested_messages(conn: &mut Conn, ticket_id: i64) -> QueryResult<Vec<i64>> {
    let ids: Vec<Option<i64>> = on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::ticket_id.eq(ticket_id))
            .filter(outbox_messages::digest_message_id.is_not_null())
            .select(outbox_messages::ticket_message_id)
            .load(c)
            .await
    })?;
    Ok(ids.into_iter().flatten().collect())
}

/// Whether the bot's sending of this message is recorded (as a row's own
/// message; a digest is `is_digest`'s).
pub async fn is_recorded(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<bool> {
    on_conn!(conn, |c| {
        diesel::select(diesel::dsl::exists(
            outbox_messages::table
                .filter(outbox_messages::chat_id.eq(chat_id))
                .filter(outbox_messages::sent_message_id.eq(message_id)),
        ))
        .get_result(c)
        .await
    })
}

/// Whether this support-chat message is a digest (it names several tickets).
pub async fn is_digest(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<bool> {
    on_conn!(conn, |c| {
        diesel::select(diesel::dsl::exists(
            outbox_messages::table
                .filter(outbox_messages::chat_id.eq(chat_id))
                .filter(outbox_messages::digest_message_id.eq(message_id)),
        ))
        .get_result(c)
        .await
    })
}

/// Unsent rows of one chat (due or held): how far behind that chat is.
pub async fn backlog_in(conn: &mut Conn, chat_id: i64) -> QueryResult<i64> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .count()
            .get_result(c)
            .await
    })
}

/// Rows still to send (due or held).
pub async fn backlog(conn: &mut Conn) -> QueryResult<i64> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .count()
            .get_result(c)
            .await
    })
}

/// When the oldest row still to send was written.
pub async fn oldest_waiting(conn: &mut Conn) -> QueryResult<Option<NaiveDateTime>> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .select(diesel::dsl::min(outbox_messages::created_at))
            .get_result(c)
            .await
    })
}

/// When each message sent to `chat_id` since `since` went out, its own id
/// and its digest's (a digest's rows share one message).
pub async fn sent_since(
    conn: &mut Conn,
    chat_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<(Option<NaiveDateTime>, Option<i32>, Option<i32>)>> {
    on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_at.gt(since))
            .select((outbox_messages::sent_at, outbox_messages::sent_message_id, outbox_messages::digest_message_id))
            .load(c)
            .await
    })
}
