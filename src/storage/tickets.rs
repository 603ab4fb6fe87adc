//! Tickets: finding them, and the changes staff and users make to them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Integer, Timestamp};
use diesel::{
    ExpressionMethods, JoinOnDsl, NullableExpressionMethods, OptionalExtension, QueryDsl, QueryResult, SelectableHelper,
};
use diesel_async::RunQueryDsl;

use super::fixed::fixed_statement;
use super::rows::{NewTicket, OpenTicketRow, Staff, Ticket, User};
use super::schema::{outbox_messages, staff, ticket_messages, tickets, users};
use super::{on_conn, users as user_rows};
use crate::db::{Conn, Tx, Writer};
use crate::domain::{Direction, TicketStatus};

/// What a close or reopen found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Changed(Ticket),
    /// The ticket already had the requested status.
    Unchanged(Ticket),
    /// Reopening would give the user two open tickets; this is the other one.
    UserHasOpenTicket(Ticket),
    NotFound,
}

fixed_statement! {
    /// The user's open ticket. `'open'` is written into the SQL, not bound:
    /// only then can the planner use the partial unique index on open
    /// tickets (`tickets_one_open_per_user`), one row whatever the table
    /// holds. With the status bound and no statistics (a new database, or
    /// autovacuum off), PostgreSQL's generic plan read every open ticket.
    OpenTicketOf { user_id: i64 }
    "SELECT id, day, number, user_id, status, opened_at, closed_at, assignee_id, first_response_at, \
     support_message_id, support_thread_id, support_chat_id, waiting_since, last_response_at, first_responder_id, \
     reminded_at, away_notified_at FROM tickets WHERE status = 'open' AND user_id = ", user_id: BigInt;
}

fixed_statement! {
    /// Records a ticket's card in the support chat.
    SetTicketCard { ticket_id: i64, chat_id: i64, message_id: i32 }
    "UPDATE tickets SET support_message_id = ", message_id: Integer;
    ", support_thread_id = CASE WHEN support_chat_id = ", chat_id: BigInt;
    " THEN support_thread_id END, support_chat_id = ", chat_id: BigInt;
    " WHERE id = ", ticket_id: BigInt;
}

fixed_statement! {
    /// Records a ticket's forum topic in the support chat.
    SetTicketTopic { ticket_id: i64, chat_id: i64, thread_id: i32 }
    "UPDATE tickets SET support_thread_id = ", thread_id: Integer;
    ", support_message_id = CASE WHEN support_chat_id = ", chat_id: BigInt;
    " THEN support_message_id END, support_chat_id = ", chat_id: BigInt;
    " WHERE id = ", ticket_id: BigInt;
}

pub async fn open_ticket_of(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Ticket>> {
    on_conn!(conn, |c| OpenTicketOf { user_id }.get_result(c).await.optional())
}

pub async fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<Ticket>> {
    on_conn!(conn, |c| tickets::table.find(id).select(Ticket::as_select()).first(c).await.optional())
}

/// Several tickets at once, by id.
pub async fn find_many(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<Ticket>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_conn!(conn, |c| tickets::table.filter(tickets::id.eq_any(ids)).select(Ticket::as_select()).load(c).await)
}

pub async fn find_by_number(conn: &mut Conn, day: NaiveDate, number: i32) -> QueryResult<Option<Ticket>> {
    on_conn!(conn, |c| {
        tickets::table
            .filter(tickets::day.eq(day))
            .filter(tickets::number.eq(number))
            .select(Ticket::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The user's tickets opened since `since`, newest first, at most `limit`.
pub async fn opened_since(conn: &mut Conn, user_id: i64, since: NaiveDateTime, limit: i64) -> QueryResult<Vec<Ticket>> {
    on_conn!(conn, |c| {
        tickets::table
            .filter(tickets::user_id.eq(user_id))
            .filter(tickets::opened_at.gt(since))
            .order(tickets::opened_at.desc())
            .limit(limit)
            .select(Ticket::as_select())
            .load(c)
            .await
    })
}

/// A ticket and its user.
pub async fn with_user(conn: &mut Conn, id: i64) -> QueryResult<Option<(Ticket, User)>> {
    let Some(ticket) = find(conn, id).await? else { return Ok(None) };
    Ok(user_rows::find(conn, ticket.user_id).await?.map(|user| (ticket, user)))
}

/// The ticket whose forum topic this is, in `chat_id`.
pub async fn of_topic(conn: &mut Conn, chat_id: i64, thread_id: i32) -> QueryResult<Option<Ticket>> {
    on_conn!(conn, |c| {
        tickets::table
            .filter(tickets::support_chat_id.eq(chat_id))
            .filter(tickets::support_thread_id.eq(thread_id))
            .order(tickets::id.desc())
            .select(Ticket::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The ticket a support-chat message belongs to: its card, a message
/// relayed or written there, or anything else the bot posted about it
/// (notices, edit markers), found through the outbox row that sent it.
pub async fn of_support_message(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<Option<Ticket>> {
    let card = on_conn!(conn, |c| {
        tickets::table
            .filter(tickets::support_chat_id.eq(chat_id))
            .filter(tickets::support_message_id.eq(message_id))
            .select(Ticket::as_select())
            .first(c)
            .await
            .optional()
    })?;
    if card.is_some() {
        return Ok(card);
    }
    let relayed = on_conn!(conn, |c| {
        ticket_messages::table
            .inner_join(tickets::table)
            .filter(ticket_messages::support_chat_id.eq(chat_id))
            .filter(ticket_messages::support_message_id.eq(message_id))
            .select(Ticket::as_select())
            .first(c)
            .await
            .optional()
    })?;
    if relayed.is_some() {
        return Ok(relayed);
    }
    let sent_about: Option<Option<i64>> = on_conn!(conn, |c| {
        outbox_messages::table
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::sent_message_id.eq(message_id))
            .select(outbox_messages::ticket_id)
            .first(c)
            .await
            .optional()
    })?;
    match sent_about.flatten() {
        Some(ticket_id) => find(conn, ticket_id).await,
        None => Ok(None),
    }
}

pub async fn count_open(conn: &mut Conn) -> QueryResult<i64> {
    on_conn!(conn, |c| tickets::table.filter(tickets::status.eq(TicketStatus::Open)).count().get_result(c).await)
}

/// Open tickets, those waiting for staff first (longest waiting first),
/// then the rest oldest first, with their users and assignees.
pub async fn open_page(conn: &mut Conn, offset: i64, limit: i64) -> QueryResult<Vec<OpenTicketRow>> {
    let rows: Vec<(Ticket, User, Option<Staff>)> = on_conn!(conn, |c| {
        tickets::table
            .inner_join(users::table)
            .left_join(staff::table.on(tickets::assignee_id.eq(staff::user_id.nullable())))
            .filter(tickets::status.eq(TicketStatus::Open))
            .order((
                tickets::waiting_since.is_null().asc(),
                tickets::waiting_since.asc(),
                tickets::opened_at.asc(),
                tickets::id.asc(),
            ))
            .offset(offset)
            .limit(limit)
            .select((Ticket::as_select(), User::as_select(), Option::<Staff>::as_select()))
            .load(c)
            .await
    })?;
    Ok(rows.into_iter().map(|(ticket, user, assignee)| OpenTicketRow { ticket, user, assignee }).collect())
}

pub(super) async fn insert(writer: &mut Writer, new: &NewTicket) -> QueryResult<Ticket> {
    on_conn!(writer, |c| diesel::insert_into(tickets::table)
        .values(new)
        .returning(Ticket::as_returning())
        .get_result(c)
        .await)
}

/// Records a (re)created forum topic in `chat_id` as the ticket's; a card
/// in another chat is forgotten (its id means nothing here).
pub async fn set_topic(writer: &mut Writer, ticket_id: i64, chat_id: i64, thread_id: i32) -> QueryResult<usize> {
    on_conn!(writer, |c| SetTicketTopic { ticket_id, chat_id, thread_id }.execute(c).await)
}

/// Records the ticket's card in the support chat `chat_id`.
pub async fn set_card(writer: &mut Writer, ticket_id: i64, chat_id: i64, message_id: i32) -> QueryResult<usize> {
    on_conn!(writer, |c| SetTicketCard { ticket_id, chat_id, message_id }.execute(c).await)
}

fixed_statement! {
    /// A staff answer: the ticket stops waiting; the first answer's time
    /// and author are kept, the latest's time updated.
    RecordResponse { ticket_id: i64, staff_id: i64, at: NaiveDateTime }
    "UPDATE tickets SET first_response_at = COALESCE(first_response_at, ", at: Timestamp;
    "), first_responder_id = CASE WHEN first_response_at IS NULL THEN ", staff_id: BigInt;
    " ELSE first_responder_id END, last_response_at = ", at: Timestamp;
    ", waiting_since = NULL WHERE id = ", ticket_id: BigInt;
}

/// Records a staff answer on the ticket's clock.
pub async fn record_response(
    writer: &mut Writer,
    ticket_id: i64,
    staff_id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    on_conn!(writer, |c| RecordResponse { ticket_id, staff_id, at }.execute(c).await)
}

/// A staff answer was taken back (`/unsend`): the ticket's clock is set
/// from the answers that stay. The latest of them is its last response
/// (none: no first response either); an open ticket whose user wrote
/// after it (or who has had no answer) waits again from that message, with
/// its reminder still to come.
pub async fn answer_taken_back(tx: &mut Tx, ticket_id: i64) -> QueryResult<()> {
    let answers: Vec<(NaiveDateTime, i64)> = on_conn!(tx, |c| {
        ticket_messages::table
            .filter(ticket_messages::ticket_id.eq(ticket_id))
            .filter(ticket_messages::direction.eq(Direction::ToUser))
            .filter(ticket_messages::unsent_at.is_null())
            .order(ticket_messages::id.asc())
            .select((ticket_messages::created_at, ticket_messages::sender_id))
            .load(c)
            .await
    })?;
    let last = answers.last().map(|a| a.0);
    let first = <[_]>::first(&answers).copied();
    let waiting: Option<NaiveDateTime> = on_conn!(tx, |c| {
        let mut asked = ticket_messages::table
            .filter(ticket_messages::ticket_id.eq(ticket_id))
            .filter(ticket_messages::direction.eq(Direction::FromUser))
            .into_boxed();
        if let Some(last) = last {
            asked = asked.filter(ticket_messages::created_at.gt(last));
        }
        asked.select(diesel::dsl::min(ticket_messages::created_at)).first(c).await
    })?;
    on_conn!(tx, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::status.eq(TicketStatus::Open))
            .set((
                tickets::first_response_at.eq(first.map(|a| a.0)),
                tickets::first_responder_id.eq(first.map(|a| a.1)),
                tickets::last_response_at.eq(last),
                tickets::waiting_since.eq(waiting),
                tickets::reminded_at.eq(None::<NaiveDateTime>),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The ticket waits for staff from `at` (its user wrote after staff's last
/// answer, or it was reopened), with a reminder still to come.
pub async fn start_waiting(writer: &mut Writer, ticket_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::waiting_since.is_null())
            .set((tickets::waiting_since.eq(at), tickets::reminded_at.eq(None::<NaiveDateTime>)))
            .execute(c)
            .await
    })
}

/// Closes a ticket. The user's row is locked first, as filing a message
/// does: a message being filed on this ticket right now either lands
/// before the close or waits and then opens a new ticket, never on the
/// closed one.
pub async fn close(tx: &mut Tx, ticket_id: i64, now: NaiveDateTime) -> QueryResult<StatusChange> {
    let Some(ticket) = find(tx, ticket_id).await? else { return Ok(StatusChange::NotFound) };
    user_rows::lock(tx, ticket.user_id).await?;
    let closed = on_conn!(tx, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::status.eq(TicketStatus::Open))
            .set((
                tickets::status.eq(TicketStatus::Closed),
                tickets::closed_at.eq(now),
                tickets::waiting_since.eq(None::<NaiveDateTime>),
            ))
            .returning(Ticket::as_returning())
            .get_result(c)
            .await
            .optional()
    })?;
    Ok(match closed {
        Some(closed) => StatusChange::Changed(closed),
        None => StatusChange::Unchanged(ticket),
    })
}

/// Reopens a closed ticket, unless its user has opened another meanwhile.
/// It waits for staff again from `now`: reopened, it needs them.
pub async fn reopen(tx: &mut Tx, ticket_id: i64, now: NaiveDateTime) -> QueryResult<StatusChange> {
    let Some(ticket) = find(tx, ticket_id).await? else { return Ok(StatusChange::NotFound) };
    // Lock the user as filing does, then read again: the user may have
    // opened a new ticket, or someone else reopened this one, while we
    // waited for the lock.
    user_rows::lock(tx, ticket.user_id).await?;
    let Some(ticket) = find(tx, ticket_id).await? else { return Ok(StatusChange::NotFound) };
    if ticket.is_open() {
        return Ok(StatusChange::Unchanged(ticket));
    }
    if let Some(other) = open_ticket_of(tx, ticket.user_id).await? {
        return Ok(StatusChange::UserHasOpenTicket(other));
    }
    let reopened = on_conn!(tx, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::status.eq(TicketStatus::Closed))
            .set((
                tickets::status.eq(TicketStatus::Open),
                tickets::closed_at.eq(None::<NaiveDateTime>),
                tickets::waiting_since.eq(now),
                tickets::reminded_at.eq(None::<NaiveDateTime>),
                // Open again: retention looks at it anew once it closes.
                tickets::texts_removed_at.eq(None::<NaiveDateTime>),
            ))
            .returning(Ticket::as_returning())
            .get_result(c)
            .await
            .optional()
    })?;
    Ok(match reopened {
        Some(ticket) => StatusChange::Changed(ticket),
        None => StatusChange::Unchanged(ticket),
    })
}

/// Assigns the ticket to a staff member (recorded or refreshed in
/// `staff`); `None` when there is no such ticket.
pub async fn assign(tx: &mut Tx, ticket_id: i64, member: &Staff) -> QueryResult<Option<Ticket>> {
    let member = super::staff::upsert(tx, member).await?;
    on_conn!(tx, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .set(tickets::assignee_id.eq(Some(member.user_id)))
            .returning(Ticket::as_returning())
            .get_result(c)
            .await
            .optional()
    })
}

/// Text was written on the ticket again (an edit, a rating's comment): if
/// retention had removed its texts, it is to look at it again.
pub async fn texts_written(writer: &mut Writer, ticket_id: i64) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::texts_removed_at.is_not_null())
            .set(tickets::texts_removed_at.eq(None::<NaiveDateTime>))
            .execute(c)
            .await
    })
}
