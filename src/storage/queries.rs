// Statements, one function each: take a connection, return `QueryResult`.
// Compiled once per backend (see storage/mod.rs); `super::Conn` is that
// backend's connection.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::upsert::excluded;
use diesel::{
    BoolExpressionMethods, ExpressionMethods, JoinOnDsl, NullableExpressionMethods, OptionalExtension, QueryDsl,
    QueryResult, SelectableHelper,
};
use diesel_async::RunQueryDsl;

use super::Conn;
use crate::domain::TicketStatus;
use crate::models::{
    InboxUpdate, NewInboxUpdate, NewOutboxRow, NewTicket, NewTicketMessage, OutboxRow, Staff, Ticket, TicketMessage,
    User, UserProfile,
};
use crate::schema::{daily_ticket_counters, inbox_updates, outbox_messages, staff, ticket_messages, tickets, users};
use crate::storage::statements::{
    ClaimableRuns, MarkInboxDone, MarkOutboxSent, OpenTicketOf, SetSupportCopy, SetTicketCard, SetUserCopy, UpsertUser,
};

/// Inserts the user or refreshes their profile. On PostgreSQL this also
/// locks the user's row until the transaction ends, which serialises
/// concurrent messages of one user.
pub async fn upsert_user(conn: &mut Conn, p: &UserProfile, now: NaiveDateTime) -> QueryResult<User> {
    UpsertUser { profile: p, now }.get_result(conn).await
}

pub async fn find_user(conn: &mut Conn, id: i64) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).await.optional()
}

/// Bans or unbans; either way the ban notice is due again.
pub async fn set_banned(conn: &mut Conn, id: i64, at: Option<NaiveDateTime>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::banned_at.eq(at), users::ban_notified_at.eq(None::<NaiveDateTime>)))
        .execute(conn)
        .await
}

pub async fn set_ban_notified(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::ban_notified_at.eq(at)).execute(conn).await
}

pub async fn open_ticket_of(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Ticket>> {
    OpenTicketOf { user_id }.get_result(conn).await.optional()
}

/// The day's next ticket number, in one atomic statement: the counter row is
/// created at 1 or incremented, and stays locked until the transaction ends,
/// so concurrent callers queue and a rollback takes the number back.
pub async fn next_daily_number(conn: &mut Conn, day: NaiveDate) -> QueryResult<i32> {
    diesel::insert_into(daily_ticket_counters::table)
        .values((daily_ticket_counters::day.eq(day), daily_ticket_counters::last_value.eq(1)))
        .on_conflict(daily_ticket_counters::day)
        .do_update()
        .set(daily_ticket_counters::last_value.eq(daily_ticket_counters::last_value + 1))
        .returning(daily_ticket_counters::last_value)
        .get_result(conn)
        .await
}

pub async fn insert_ticket(conn: &mut Conn, new: &NewTicket) -> QueryResult<Ticket> {
    diesel::insert_into(tickets::table).values(new).returning(Ticket::as_returning()).get_result(conn).await
}

pub async fn insert_message(conn: &mut Conn, new: &NewTicketMessage<'_>) -> QueryResult<TicketMessage> {
    diesel::insert_into(ticket_messages::table)
        .values(new)
        .returning(TicketMessage::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_ticket(conn: &mut Conn, id: i64) -> QueryResult<Option<Ticket>> {
    tickets::table.find(id).select(Ticket::as_select()).first(conn).await.optional()
}

pub async fn find_tickets(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<Ticket>> {
    tickets::table.filter(tickets::id.eq_any(ids)).select(Ticket::as_select()).load(conn).await
}

pub async fn find_ticket_by_number(conn: &mut Conn, day: NaiveDate, number: i32) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::day.eq(day))
        .filter(tickets::number.eq(number))
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()
}

/// Closes an open ticket; `None` when it is not open (or does not exist).
pub async fn close_ticket(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<Option<Ticket>> {
    diesel::update(tickets::table.find(id))
        .filter(tickets::status.eq(TicketStatus::Open))
        .set((tickets::status.eq(TicketStatus::Closed), tickets::closed_at.eq(at)))
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
        .set((tickets::status.eq(TicketStatus::Open), tickets::closed_at.eq(None::<NaiveDateTime>)))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn set_assignee(conn: &mut Conn, id: i64, staff_id: Option<i64>) -> QueryResult<Option<Ticket>> {
    diesel::update(tickets::table.find(id))
        .set(tickets::assignee_id.eq(staff_id))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Stamps the first staff response; later responses leave it alone.
pub async fn mark_first_response(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(tickets::table.find(id))
        .filter(tickets::first_response_at.is_null())
        .set(tickets::first_response_at.eq(at))
        .execute(conn)
        .await
}

pub async fn count_open(conn: &mut Conn) -> QueryResult<i64> {
    tickets::table.filter(tickets::status.eq(TicketStatus::Open)).count().get_result(conn).await
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
        .select((Ticket::as_select(), User::as_select(), Option::<Staff>::as_select()))
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
        .set((staff::username.eq(excluded(staff::username)), staff::display_name.eq(excluded(staff::display_name))))
        .returning(Staff::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_staff(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Staff>> {
    staff::table.find(user_id).select(Staff::as_select()).first(conn).await.optional()
}

/// Staff by @username, case-insensitively (Telegram usernames are).
pub async fn find_staff_by_username(conn: &mut Conn, username: &str) -> QueryResult<Option<Staff>> {
    let wanted = username.trim_start_matches('@').to_lowercase();
    let all: Vec<Staff> =
        staff::table.filter(staff::username.is_not_null()).select(Staff::as_select()).load(conn).await?;
    Ok(all.into_iter().find(|s| s.username.as_deref().is_some_and(|u| u.to_lowercase() == wanted)))
}

pub async fn count_staff(conn: &mut Conn) -> QueryResult<i64> {
    staff::table.count().get_result(conn).await
}

/// Takes the user's row lock (PostgreSQL) with a no-op update: portable to
/// SQLite, which has no `FOR UPDATE` and needs none under `BEGIN IMMEDIATE`.
pub async fn lock_user(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::id.eq(users::id)).execute(conn).await
}

/// Stores a fetched update; one Telegram delivers twice is dropped by its key.
pub async fn insert_inbox(conn: &mut Conn, row: &NewInboxUpdate<'_>) -> QueryResult<usize> {
    diesel::insert_into(inbox_updates::table).values(row).on_conflict_do_nothing().execute(conn).await
}

pub async fn inbox_pending(conn: &mut Conn, limit: i64) -> QueryResult<Vec<InboxUpdate>> {
    inbox_updates::table
        .filter(inbox_updates::processed_at.is_null())
        .order(inbox_updates::update_id.asc())
        .limit(limit)
        .select(InboxUpdate::as_select())
        .load(conn)
        .await
}

/// Marks an update handled (with why, if it could not be). Returns 0 when
/// it was already marked: the caller's transaction must then roll back,
/// because the same update's effects were applied before.
pub async fn mark_inbox_done(
    conn: &mut Conn,
    update_id: i64,
    at: NaiveDateTime,
    error: Option<&str>,
) -> QueryResult<usize> {
    MarkInboxDone { update_id, at, error }.execute(conn).await
}

pub async fn insert_outbox(conn: &mut Conn, row: &NewOutboxRow) -> QueryResult<usize> {
    diesel::insert_into(outbox_messages::table).values(row).execute(conn).await
}

/// Claims, for `by` until `until`, what may be sent now without breaking
/// any chat's order (see `ClaimableRuns`), and returns those rows oldest
/// first. Run inside the write transaction of `units::claim_outbox`.
///
/// Rows another transaction has locked (being recorded right now) are
/// skipped rather than waited for (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
/// and so is the rest of their chat's run: a skipped row must not be
/// overtaken.
pub async fn outbox_claim(
    conn: &mut Conn,
    by: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    run: i64,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    #[derive(diesel::QueryableByName)]
    struct Claimable {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        chat_id: i64,
    }
    let candidates = ClaimableRuns { by, now, run, limit }.load::<Claimable>(conn).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let locked: std::collections::HashSet<i64> = super::lock_unlocked(conn, &ids).await?.into_iter().collect();
    // A chat's run ends at its first row that could not be locked.
    let mut cut = std::collections::HashSet::new();
    let mut claimed = Vec::with_capacity(candidates.len());
    for candidate in &candidates {
        if cut.contains(&candidate.chat_id) {
            continue;
        }
        if locked.contains(&candidate.id) {
            claimed.push(candidate.id);
        } else {
            cut.insert(candidate.chat_id);
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox_messages::table.filter(outbox_messages::id.eq_any(&claimed)))
        .set((outbox_messages::claimed_by.eq(by), outbox_messages::claimed_until.eq(until)))
        .execute(conn)
        .await?;
    outbox_messages::table
        .filter(outbox_messages::id.eq_any(&claimed))
        .order(outbox_messages::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)
        .await
}

/// Gives back every row `by` claims, so a worker taking over need not wait
/// for the lease to run out.
pub async fn outbox_release(conn: &mut Conn, by: &str) -> QueryResult<usize> {
    diesel::update(outbox_messages::table)
        .filter(outbox_messages::claimed_by.eq(by))
        .set((outbox_messages::claimed_by.eq(None::<String>), outbox_messages::claimed_until.eq(None::<NaiveDateTime>)))
        .execute(conn)
        .await
}

/// Unsent rows of one chat, oldest first.
pub async fn outbox_pending_in(conn: &mut Conn, chat_id: i64, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox_messages::table
        .filter(outbox_messages::chat_id.eq(chat_id))
        .filter(outbox_messages::sent_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
        .order(outbox_messages::id.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
        .await
}

/// Rows `by` may record: unsent, and not claimed by another worker whose
/// claim still holds. A worker whose lease ran out (it stalled, and another
/// replica took the row) records nothing: the row is the other's now.
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

/// Records a row as sent; 0 when `by` may not (the same condition as
/// `claim_allows!`, in a statement prepared once).
pub async fn outbox_mark_sent(
    conn: &mut Conn,
    id: i64,
    by: &str,
    message_id: i32,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    MarkOutboxSent { id, by, message_id, at }.execute(conn).await
}

pub async fn outbox_mark_failed(
    conn: &mut Conn,
    id: i64,
    by: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(outbox_messages::table.find(id))
        .filter(claim_allows!(by, at))
        .set((
            outbox_messages::failed_at.eq(at),
            outbox_messages::last_error.eq(reason),
            outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        ))
        .execute(conn)
        .await
}

/// Puts a row back for later (a transient error); counts the attempt.
pub async fn outbox_retry_later(
    conn: &mut Conn,
    id: i64,
    by: &str,
    now: NaiveDateTime,
    not_before: NaiveDateTime,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(outbox_messages::table.find(id))
        .filter(claim_allows!(by, now))
        .set((
            outbox_messages::not_before.eq(not_before),
            outbox_messages::last_error.eq(reason),
            outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        ))
        .execute(conn)
        .await
}

/// Holds every unsent row of a chat until `not_before` (Telegram's
/// retry_after applies to the chat, and order within it must hold).
pub async fn outbox_hold_chat(conn: &mut Conn, chat_id: i64, not_before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox_messages::table)
        .filter(outbox_messages::chat_id.eq(chat_id))
        .filter(outbox_messages::sent_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
        .filter(outbox_messages::not_before.lt(not_before))
        .set(outbox_messages::not_before.eq(not_before))
        .execute(conn)
        .await
}

pub async fn set_ticket_card(conn: &mut Conn, ticket_id: i64, message_id: i32) -> QueryResult<usize> {
    SetTicketCard { ticket_id, message_id }.execute(conn).await
}

pub async fn set_support_copy(conn: &mut Conn, id: i64, chat_id: i64, message_id: i32) -> QueryResult<usize> {
    SetSupportCopy { id, chat_id, message_id }.execute(conn).await
}

pub async fn set_user_copy(conn: &mut Conn, id: i64, message_id: i32) -> QueryResult<usize> {
    SetUserCopy { id, message_id }.execute(conn).await
}

/// The ticket a support-chat message belongs to: its card, a message
/// relayed or written there, or anything else the bot posted about it
/// (notices, edit markers), found through the outbox row that sent it.
pub async fn ticket_of_support_message(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<Option<Ticket>> {
    if let Some(ticket) = tickets::table
        .filter(tickets::support_message_id.eq(message_id))
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()?
    {
        return Ok(Some(ticket));
    }
    if let Some(ticket) = ticket_messages::table
        .inner_join(tickets::table)
        .filter(ticket_messages::support_chat_id.eq(chat_id))
        .filter(ticket_messages::support_message_id.eq(message_id))
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()?
    {
        return Ok(Some(ticket));
    }
    let sent_about: Option<Option<i64>> = outbox_messages::table
        .filter(outbox_messages::chat_id.eq(chat_id))
        .filter(outbox_messages::sent_message_id.eq(message_id))
        .select(outbox_messages::ticket_id)
        .first(conn)
        .await
        .optional()?;
    match sent_about.flatten() {
        Some(ticket_id) => find_ticket(conn, ticket_id).await,
        None => Ok(None),
    }
}

pub async fn set_ticket_topic(conn: &mut Conn, ticket_id: i64, thread_id: Option<i32>) -> QueryResult<usize> {
    diesel::update(tickets::table.find(ticket_id)).set(tickets::support_thread_id.eq(thread_id)).execute(conn).await
}

/// The ticket whose forum topic this is.
pub async fn ticket_of_topic(conn: &mut Conn, thread_id: i32) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::support_thread_id.eq(thread_id))
        .order(tickets::id.desc())
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()
}

/// A message the user sent, by where it is in their chat.
pub async fn find_user_message(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<Option<TicketMessage>> {
    ticket_messages::table
        .filter(ticket_messages::user_chat_id.eq(chat_id))
        .filter(ticket_messages::user_message_id.eq(message_id))
        .filter(ticket_messages::direction.eq(crate::domain::Direction::FromUser))
        .select(TicketMessage::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn set_message_edited(conn: &mut Conn, id: i64, text: Option<&str>, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(ticket_messages::table.find(id))
        .set((ticket_messages::text.eq(text), ticket_messages::edited_at.eq(at)))
        .execute(conn)
        .await
}

/// Due, unsent rows of a chat, oldest first, with the ticket they concern,
/// its user and the ticket message the row carries (where there are): what
/// a digest may be made of.
pub async fn outbox_ticket_rows_due(
    conn: &mut Conn,
    chat_id: i64,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(OutboxRow, Option<Ticket>, Option<User>, Option<TicketMessage>)>> {
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
        .load(conn)
        .await
}

/// Marks rows as sent inside the digest message `digest_message_id`.
pub async fn outbox_mark_digested(
    conn: &mut Conn,
    ids: &[i64],
    by: &str,
    digest_message_id: i32,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(outbox_messages::table.filter(outbox_messages::id.eq_any(ids)))
        .filter(claim_allows!(by, at))
        .set((
            outbox_messages::sent_at.eq(at),
            outbox_messages::digest_message_id.eq(digest_message_id),
            outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        ))
        .execute(conn)
        .await
}

/// The ticket's messages that reached staff only as a digest line.
pub async fn digested_messages(conn: &mut Conn, ticket_id: i64) -> QueryResult<Vec<Option<i64>>> {
    outbox_messages::table
        .filter(outbox_messages::ticket_id.eq(ticket_id))
        .filter(outbox_messages::digest_message_id.is_not_null())
        .select(outbox_messages::ticket_message_id)
        .load(conn)
        .await
}

/// Whether this support-chat message is a digest.
pub async fn is_digest(conn: &mut Conn, chat_id: i64, message_id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox_messages::table
            .filter(outbox_messages::chat_id.eq(chat_id))
            .filter(outbox_messages::digest_message_id.eq(message_id)),
    ))
    .get_result(conn)
    .await
}

/// Unsent rows of one chat (due or held).
pub async fn outbox_backlog_in(conn: &mut Conn, chat_id: i64) -> QueryResult<i64> {
    outbox_messages::table
        .filter(outbox_messages::chat_id.eq(chat_id))
        .filter(outbox_messages::sent_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// When each message sent to `chat_id` since `since` went out, and its id
/// (a digest's rows share one id).
pub async fn outbox_sent_since(
    conn: &mut Conn,
    chat_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<(Option<NaiveDateTime>, Option<i32>, Option<i32>)>> {
    outbox_messages::table
        .filter(outbox_messages::chat_id.eq(chat_id))
        .filter(outbox_messages::sent_at.gt(since))
        .select((outbox_messages::sent_at, outbox_messages::sent_message_id, outbox_messages::digest_message_id))
        .load(conn)
        .await
}

/// When the oldest row still to send was written.
pub async fn outbox_oldest(conn: &mut Conn) -> QueryResult<Option<NaiveDateTime>> {
    outbox_messages::table
        .filter(outbox_messages::sent_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
        .select(diesel::dsl::min(outbox_messages::created_at))
        .get_result(conn)
        .await
}

/// Rows Telegram refused for good (or given up on).
pub async fn outbox_failed_count(conn: &mut Conn) -> QueryResult<i64> {
    outbox_messages::table.filter(outbox_messages::failed_at.is_not_null()).count().get_result(conn).await
}

/// Rows still to send (due or held).
pub async fn outbox_backlog(conn: &mut Conn) -> QueryResult<i64> {
    outbox_messages::table
        .filter(outbox_messages::sent_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
        .count()
        .get_result(conn)
        .await
}

pub async fn set_blocked_bot(conn: &mut Conn, user_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id)).set(users::blocked_bot_at.eq(at)).execute(conn).await
}
