// Statements, one function each: take a connection, return `QueryResult`.
// Compiled once per backend (see storage/mod.rs); `super::Conn` is that
// backend's connection.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::upsert::excluded;
use diesel::{
    ExpressionMethods, JoinOnDsl, NullableExpressionMethods, OptionalExtension, QueryDsl,
    QueryResult, SelectableHelper,
};
use diesel_async::RunQueryDsl;

use super::Conn;
use crate::domain::TicketStatus;
use crate::models::{NewTicket, NewTicketMessage, Staff, Ticket, TicketMessage, User, UserProfile};
use crate::schema::{daily_ticket_counters, staff, ticket_messages, tickets, users};
use crate::storage::statements::UpsertUser;

/// Inserts the user or refreshes their profile. On PostgreSQL this also
/// locks the user's row until the transaction ends, which serialises
/// concurrent messages of one user.
pub async fn upsert_user(
    conn: &mut Conn,
    p: &UserProfile,
    now: NaiveDateTime,
) -> QueryResult<User> {
    UpsertUser { profile: p, now }.get_result(conn).await
}

pub async fn find_user(conn: &mut Conn, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn set_banned(conn: &mut Conn, id: i64, at: Option<NaiveDateTime>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::banned_at.eq(at))
        .execute(conn)
        .await
}

pub async fn open_ticket_of(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::user_id.eq(user_id))
        .filter(tickets::status.eq(TicketStatus::Open))
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()
}

/// The day's next ticket number, in one atomic statement: the counter row is
/// created at 1 or incremented, and stays locked until the transaction ends,
/// so concurrent callers queue and a rollback takes the number back.
pub async fn next_daily_number(conn: &mut Conn, day: NaiveDate) -> QueryResult<i32> {
    diesel::insert_into(daily_ticket_counters::table)
        .values((
            daily_ticket_counters::day.eq(day),
            daily_ticket_counters::last_value.eq(1),
        ))
        .on_conflict(daily_ticket_counters::day)
        .do_update()
        .set(daily_ticket_counters::last_value.eq(daily_ticket_counters::last_value + 1))
        .returning(daily_ticket_counters::last_value)
        .get_result(conn)
        .await
}

pub async fn insert_ticket(conn: &mut Conn, new: &NewTicket) -> QueryResult<Ticket> {
    diesel::insert_into(tickets::table)
        .values(new)
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
}

pub async fn insert_message(
    conn: &mut Conn,
    new: &NewTicketMessage<'_>,
) -> QueryResult<TicketMessage> {
    diesel::insert_into(ticket_messages::table)
        .values(new)
        .returning(TicketMessage::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_ticket(conn: &mut Conn, id: i64) -> QueryResult<Option<Ticket>> {
    tickets::table
        .find(id)
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_ticket_by_number(
    conn: &mut Conn,
    day: NaiveDate,
    number: i32,
) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::day.eq(day))
        .filter(tickets::number.eq(number))
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()
}

/// Closes an open ticket; `None` when it is not open (or does not exist).
pub async fn close_ticket(
    conn: &mut Conn,
    id: i64,
    at: NaiveDateTime,
) -> QueryResult<Option<Ticket>> {
    diesel::update(tickets::table.find(id))
        .filter(tickets::status.eq(TicketStatus::Open))
        .set((
            tickets::status.eq(TicketStatus::Closed),
            tickets::closed_at.eq(at),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Reopens a closed ticket; `None` when it is not closed. Fails with a
/// unique violation when the user already has another open ticket.
pub async fn reopen_ticket(conn: &mut Conn, id: i64) -> QueryResult<Option<Ticket>> {
    diesel::update(tickets::table.find(id))
        .filter(tickets::status.eq(TicketStatus::Closed))
        .set((
            tickets::status.eq(TicketStatus::Open),
            tickets::closed_at.eq(None::<NaiveDateTime>),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn set_assignee(
    conn: &mut Conn,
    id: i64,
    staff_id: Option<i64>,
) -> QueryResult<Option<Ticket>> {
    diesel::update(tickets::table.find(id))
        .set(tickets::assignee_id.eq(staff_id))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Stamps the first staff response; later responses leave it alone.
pub async fn mark_first_response(
    conn: &mut Conn,
    id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(tickets::table.find(id))
        .filter(tickets::first_response_at.is_null())
        .set(tickets::first_response_at.eq(at))
        .execute(conn)
        .await
}

pub async fn count_open(conn: &mut Conn) -> QueryResult<i64> {
    tickets::table
        .filter(tickets::status.eq(TicketStatus::Open))
        .count()
        .get_result(conn)
        .await
}

/// Open tickets, oldest first, with their users and assignees.
pub async fn open_tickets_page(
    conn: &mut Conn,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Ticket, User, Option<Staff>)>> {
    tickets::table
        .inner_join(users::table)
        .left_join(staff::table.on(tickets::assignee_id.eq(staff::user_id.nullable())))
        .filter(tickets::status.eq(TicketStatus::Open))
        .order((tickets::opened_at.asc(), tickets::id.asc()))
        .offset(offset)
        .limit(limit)
        .select((
            Ticket::as_select(),
            User::as_select(),
            Option::<Staff>::as_select(),
        ))
        .load(conn)
        .await
}

/// A user's tickets, newest first.
pub async fn user_tickets(conn: &mut Conn, user_id: i64, limit: i64) -> QueryResult<Vec<Ticket>> {
    tickets::table
        .filter(tickets::user_id.eq(user_id))
        .order((tickets::opened_at.desc(), tickets::id.desc()))
        .limit(limit)
        .select(Ticket::as_select())
        .load(conn)
        .await
}

pub async fn messages_of(conn: &mut Conn, ticket_id: i64) -> QueryResult<Vec<TicketMessage>> {
    ticket_messages::table
        .filter(ticket_messages::ticket_id.eq(ticket_id))
        .order(ticket_messages::id.asc())
        .select(TicketMessage::as_select())
        .load(conn)
        .await
}

pub async fn upsert_staff(conn: &mut Conn, member: &Staff) -> QueryResult<Staff> {
    diesel::insert_into(staff::table)
        .values(member)
        .on_conflict(staff::user_id)
        .do_update()
        .set((
            staff::username.eq(excluded(staff::username)),
            staff::display_name.eq(excluded(staff::display_name)),
        ))
        .returning(Staff::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_staff(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Staff>> {
    staff::table
        .find(user_id)
        .select(Staff::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn count_staff(conn: &mut Conn) -> QueryResult<i64> {
    staff::table.count().get_result(conn).await
}

/// Takes the user's row lock (PostgreSQL) with a no-op update: portable to
/// SQLite, which has no `FOR UPDATE` and needs none under `BEGIN IMMEDIATE`.
pub async fn lock_user(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::id.eq(users::id))
        .execute(conn)
        .await
}
