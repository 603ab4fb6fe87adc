//! A ticket's messages, and where each was shown on the other side.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Integer, Timestamp};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::fixed::fixed_statement;
use super::on_conn;
use super::rows::{NewTicketMessage, TicketMessage};
use super::schema::ticket_messages;
use crate::db::{Conn, Writer};
use crate::domain::Direction;

fixed_statement! {
    /// Records where a ticket message was shown to staff.
    SetSupportCopy { id: i64, chat_id: i64, message_id: i32 }
    "UPDATE ticket_messages SET support_chat_id = ", chat_id: BigInt;
    ", support_message_id = ", message_id: Integer;
    " WHERE id = ", id: BigInt;
}

fixed_statement! {
    /// Records where a staff answer reached the user.
    SetUserCopy { id: i64, message_id: i32 }
    "UPDATE ticket_messages SET user_message_id = ", message_id: Integer;
    " WHERE id = ", id: BigInt;
}

fixed_statement! {
    /// A staff answer: who answered the ticket, and when last (what
    /// `/stats` counts per staff member). An answer stored after a later
    /// one (a replica whose clock is behind) leaves the later one last.
    RecordAnswer { ticket_id: i64, staff_id: i64, at: NaiveDateTime }
    "INSERT INTO ticket_answers (ticket_id, staff_id, last_answer_at) VALUES (", ticket_id: BigInt;
    ", ", staff_id: BigInt;
    ", ", at: Timestamp;
    ") ON CONFLICT (ticket_id, staff_id) DO UPDATE SET last_answer_at = excluded.last_answer_at \
     WHERE ticket_answers.last_answer_at < excluded.last_answer_at";
}

/// Stores a message; a staff answer is also recorded as its author's on
/// the ticket.
pub async fn insert(writer: &mut Writer, new: &NewTicketMessage<'_>) -> QueryResult<TicketMessage> {
    let stored = on_conn!(writer, |c| {
        diesel::insert_into(ticket_messages::table)
            .values(new)
            .returning(TicketMessage::as_returning())
            .get_result(c)
            .await
    })?;
    if new.direction == Direction::ToUser {
        let answer = RecordAnswer { ticket_id: new.ticket_id, staff_id: new.sender_id, at: new.created_at };
        on_conn!(writer, |c| answer.execute(c).await)?;
    }
    Ok(stored)
}

/// Every message filed on a ticket, oldest first (a request to see one's
/// data; the bot itself reads the latest only, `latest_of_ticket`).
pub async fn of_ticket(conn: &mut Conn, ticket_id: i64) -> QueryResult<Vec<TicketMessage>> {
    on_conn!(conn, |c| {
        ticket_messages::table
            .filter(ticket_messages::ticket_id.eq(ticket_id))
            .order(ticket_messages::id.asc())
            .select(TicketMessage::as_select())
            .load(c)
            .await
    })
}

/// The latest `limit` messages filed on a ticket, oldest first, and how
/// many it has in all.
pub async fn latest_of_ticket(conn: &mut Conn, ticket_id: i64, limit: i64) -> QueryResult<(Vec<TicketMessage>, i64)> {
    let mut latest = on_conn!(conn, |c| {
        ticket_messages::table
            .filter(ticket_messages::ticket_id.eq(ticket_id))
            .order(ticket_messages::id.desc())
            .limit(limit)
            .select(TicketMessage::as_select())
            .load(c)
            .await
    })?;
    latest.reverse();
    let total = if (latest.len() as i64) < limit {
        latest.len() as i64
    } else {
        on_conn!(conn, |c| {
            ticket_messages::table.filter(ticket_messages::ticket_id.eq(ticket_id)).count().get_result(c).await
        })?
    };
    Ok((latest, total))
}

/// A message the user sent, by where it is in their chat.
pub async fn find_from_user(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<Option<TicketMessage>> {
    on_conn!(conn, |c| {
        ticket_messages::table
            .filter(ticket_messages::user_chat_id.eq(chat_id))
            .filter(ticket_messages::user_message_id.eq(message_id))
            .filter(ticket_messages::direction.eq(Direction::FromUser))
            .select(TicketMessage::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The ticket message that is this support-chat message: a staff answer
/// or note written there, or a user's message relayed there.
pub async fn find_by_support_side(
    conn: &mut Conn,
    chat_id: i64,
    message_id: i32,
) -> QueryResult<Option<TicketMessage>> {
    on_conn!(conn, |c| {
        ticket_messages::table
            .filter(ticket_messages::support_chat_id.eq(chat_id))
            .filter(ticket_messages::support_message_id.eq(message_id))
            .order(ticket_messages::id.asc())
            .select(TicketMessage::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// A staff answer deleted from the user's chat.
pub async fn set_unsent(writer: &mut Writer, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(ticket_messages::table.find(id)).set(ticket_messages::unsent_at.eq(at)).execute(c).await
    })
}

pub async fn set_edited(writer: &mut Writer, id: i64, text: Option<&str>, at: NaiveDateTime) -> QueryResult<usize> {
    let ticket_id: Option<i64> = on_conn!(writer, |c| {
        diesel::update(ticket_messages::table.find(id))
            .set((ticket_messages::text.eq(text), ticket_messages::edited_at.eq(at)))
            .returning(ticket_messages::ticket_id)
            .get_result(c)
            .await
            .optional()
    })?;
    if let (Some(ticket_id), Some(_)) = (ticket_id, text) {
        super::tickets::texts_written(writer, ticket_id).await?;
    }
    Ok(usize::from(ticket_id.is_some()))
}

/// The message's copy in the support chat (SQLite's record of a sent row;
/// PostgreSQL records a batch in one statement, `outbox::record`).
pub(super) async fn set_support_copy(
    writer: &mut Writer,
    id: i64,
    chat_id: i64,
    message_id: i32,
) -> QueryResult<usize> {
    on_conn!(writer, |c| SetSupportCopy { id, chat_id, message_id }.execute(c).await)
}

/// The message's copy in the user's chat (as `set_support_copy`).
pub(super) async fn set_user_copy(writer: &mut Writer, id: i64, message_id: i32) -> QueryResult<usize> {
    on_conn!(writer, |c| SetUserCopy { id, message_id }.execute(c).await)
}
