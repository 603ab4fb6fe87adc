//! Filing messages on tickets: a user's (opening a ticket with the day's
//! next number when they have none open), a staff member's, and a user's
//! edit of one already filed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamp};
use diesel::{ExpressionMethods, OptionalExtension, QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use super::fixed::fixed_pg_sql;
use super::rows::{NewTicket, NewTicketMessage, Staff, Ticket, TicketMessage, User};
use super::schema::daily_ticket_counters;
use super::{messages, on_conn, ratings, staff, tickets, users};
use crate::db::{Backed, Tx};
use crate::domain::{
    ContentKind, Direction, MessageDraft, RATING_COMMENT_WINDOW, TicketStatus, UserLimits, UserProfile,
};

/// What filing a user's message did.
// Returned once per message and never stored in bulk: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMessageOutcome {
    /// Filed on the user's open ticket, which `new_ticket` says was just
    /// opened; or, past a limit (`flood`), on their open or latest ticket
    /// without being relayed.
    Filed { user: User, ticket: Ticket, message: TicketMessage, new_ticket: bool, flood: Flood },
    /// The user is banned; nothing was filed. `notify`: this is their first
    /// message since the ban, so they are to be told (once).
    Banned { user: User, notify: bool },
    /// The user rated `ticket` moments ago and had no ticket open: this
    /// text is the rating's comment (`RATING_COMMENT_WINDOW`), not a new
    /// ticket.
    Commented { user: User, ticket: Ticket, score: i32 },
}

/// Whether a user's message went past their limits (`UserLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flood {
    Within,
    /// Past the messages a minute: kept, not relayed. `tell`: the first
    /// such message of this minute, so the user (and staff) hear of it once.
    Messages {
        tell: bool,
    },
    /// Would open one ticket too many this hour: kept on their latest
    /// ticket (not reopened), not relayed; `tell` once an hour.
    Tickets {
        tell: bool,
    },
}

/// Files a user's message on their open ticket, opening one (with the day's
/// next number) when there is none, within `limits`. All in the caller's
/// transaction: if it rolls back, the number goes back too, so numbers have
/// no gaps.
pub async fn user_message(
    tx: &mut Tx,
    profile: &UserProfile,
    draft: &MessageDraft,
    limits: UserLimits,
    day: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<UserMessageOutcome> {
    // First statement: on PostgreSQL it locks the user's row, so two first
    // messages of one user cannot both open a ticket.
    let user = users::upsert(tx, profile, now).await?;
    if user.banned_at.is_some() {
        // Told once per ban: later messages are dropped silently.
        let notify = user.ban_notified_at.is_none();
        if notify {
            users::set_ban_notified(tx, user.id, now).await?;
        }
        return Ok(UserMessageOutcome::Banned { user, notify });
    }
    // The upsert counted this message in the user's current minute.
    let flooding = limits.messages_per_minute > 0 && user.burst_count > limits.messages_per_minute as i32;
    if let Some((ticket, message)) = append_to_open_ticket(tx, user.id, draft, now).await? {
        let flood = match flooding {
            false => Flood::Within,
            // Told once a minute of flooding.
            true => Flood::Messages { tell: tell_once(tx, &user, false, user.burst_started_at, now).await? },
        };
        return Ok(UserMessageOutcome::Filed { user, ticket, message, new_ticket: false, flood });
    }
    if let Some(text) = draft.text.as_deref().filter(|_| draft.kind == ContentKind::Text) {
        let since = now - RATING_COMMENT_WINDOW;
        if let Some(rating) = ratings::awaiting_comment(tx, user.id, since).await? {
            ratings::comment(tx, rating.ticket_id, text, now).await?;
            if let Some(ticket) = tickets::find(tx, rating.ticket_id).await? {
                return Ok(UserMessageOutcome::Commented { user, ticket, score: rating.score });
            }
        }
    }
    if limits.tickets_per_hour > 0 {
        let hour_ago = now - chrono::TimeDelta::hours(1);
        let recent = tickets::opened_since(tx, user.id, hour_ago, limits.tickets_per_hour as i64).await?;
        if recent.len() >= limits.tickets_per_hour as usize {
            // Kept on the latest of them, which stays closed.
            let latest = recent[0].clone();
            let message = messages::insert(tx, &NewTicketMessage::from_draft(latest.id, draft, now)).await?;
            let flood = Flood::Tickets { tell: tell_once(tx, &user, true, Some(hour_ago), now).await? };
            return Ok(UserMessageOutcome::Filed { user, ticket: latest, message, new_ticket: false, flood });
        }
    }
    // The number is taken last, as late in the transaction as it can be:
    // every ticket of the day waits on the counter row after it.
    let (ticket, message) = open_ticket(tx, day, user.id, draft, now).await?;
    let flood = match flooding {
        false => Flood::Within,
        true => Flood::Messages { tell: tell_once(tx, &user, false, user.burst_started_at, now).await? },
    };
    Ok(UserMessageOutcome::Filed { user, ticket, message, new_ticket: true, flood })
}

/// Whether the user is to be told to slow down now (about `tickets`, or
/// their messages): not told of it since `since` (the flooding minute's
/// start, or an hour ago). Records it.
async fn tell_once(
    tx: &mut Tx,
    user: &User,
    tickets: bool,
    since: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let last = if tickets { user.tickets_slowed_at } else { user.slowed_at };
    let told = matches!((last, since), (Some(at), Some(since)) if at >= since);
    if !told {
        users::set_slowed(tx, user.id, tickets, now).await?;
    }
    Ok(!told)
}

/// Files a staff message on a ticket (an answer to the user, or a note);
/// an answer stops the ticket's clock (`tickets::record_response`).
pub async fn staff_message(
    tx: &mut Tx,
    ticket_id: i64,
    member: &Staff,
    draft: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<TicketMessage> {
    staff::upsert(tx, member).await?;
    let message = messages::insert(tx, &NewTicketMessage::from_draft(ticket_id, draft, now)).await?;
    if draft.direction == Direction::ToUser {
        tickets::record_response(tx, ticket_id, member.user_id, now).await?;
    }
    Ok(message)
}

/// Records the user's edit of a message already filed, counted in the
/// user's minute like a message. `None` when the message is on no ticket
/// (a command, say) or its user is banned: nothing to mirror. The `bool`:
/// the edit is past `limits` (kept, not to be mirrored).
pub async fn user_edit(
    tx: &mut Tx,
    chat_id: i64,
    message_id: i32,
    text: Option<&str>,
    limits: UserLimits,
    now: NaiveDateTime,
) -> QueryResult<Option<(Ticket, TicketMessage, bool)>> {
    let banned = users::find(tx, chat_id).await?.is_some_and(|u| u.banned_at.is_some());
    let Some(message) = messages::find_from_user(tx, chat_id, message_id).await? else { return Ok(None) };
    if banned {
        return Ok(None);
    }
    // The user's row first, as a close or a reopen locks it: on PostgreSQL
    // the edit's words then reach the open tickets' index (migration
    // 000021) before or after a reopening of its ticket, never waiting on
    // one that waits on it.
    let count = users::count_in_minute(tx, chat_id, now).await?;
    messages::set_edited(tx, message.id, text, now).await?;
    let flooding = limits.messages_per_minute > 0 && count > limits.messages_per_minute as i32;
    Ok(tickets::find(tx, message.ticket_id).await?.map(|t| (t, message, flooding)))
}

/// The day's next ticket number, in one atomic statement: the counter row
/// is created at 1 or incremented, and stays locked until the transaction
/// ends, so concurrent callers queue and a rollback takes the number back.
async fn next_daily_number(tx: &mut Tx, day: NaiveDate) -> QueryResult<i32> {
    on_conn!(tx, |c| {
        diesel::insert_into(daily_ticket_counters::table)
            .values((daily_ticket_counters::day.eq(day), daily_ticket_counters::last_value.eq(1)))
            .on_conflict(daily_ticket_counters::day)
            .do_update()
            .set(daily_ticket_counters::last_value.eq(daily_ticket_counters::last_value + 1))
            .returning(daily_ticket_counters::last_value)
            .get_result(c)
            .await
    })
}

/// Numbers and inserts a new ticket with its first message.
async fn open_ticket(
    tx: &mut Tx,
    day: NaiveDate,
    user_id: i64,
    first: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<(Ticket, TicketMessage)> {
    // PostgreSQL: one statement. The day's counter row stays locked from
    // it to COMMIT, and every ticket of the day queues on it: one round
    // trip under the lock instead of three lets concurrent tickets through
    // faster.
    if let Backed::Postgres(c) = tx.backed() {
        let row: FiledRow = OpenTicketQuery { day, user_id, now, first }.get_result(c).await?;
        return Ok(row.filed(first, now));
    }
    // SQLite holds the database's write lock for the whole transaction
    // anyway, so three plain statements cost nothing extra.
    let number = next_daily_number(tx, day).await?;
    let new = NewTicket { day, number, user_id, status: TicketStatus::Open, opened_at: now, waiting_since: Some(now) };
    let ticket = tickets::insert(tx, &new).await?;
    let message = messages::insert(tx, &NewTicketMessage::from_draft(ticket.id, first, now)).await?;
    Ok((ticket, message))
}

/// Files `message` on the user's open ticket; `None` when they have none.
/// The caller holds the user's row lock (`users::upsert`), so what it reads
/// includes every ticket change committed before.
async fn append_to_open_ticket(
    tx: &mut Tx,
    user_id: i64,
    message: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<Option<(Ticket, TicketMessage)>> {
    // PostgreSQL: the lookup, the insert and the clock in one statement.
    if let Backed::Postgres(c) = tx.backed() {
        let row: Option<FiledRow> = AppendToOpenTicket { user_id, now, message }.get_result(c).await.optional()?;
        return Ok(row.map(|row| row.filed(message, now)).map(|(ticket, message)| (waiting(ticket, now), message)));
    }
    // SQLite: a few statements cost microseconds.
    let Some(ticket) = tickets::open_ticket_of(tx, user_id).await? else { return Ok(None) };
    let message = messages::insert(tx, &NewTicketMessage::from_draft(ticket.id, message, now)).await?;
    if ticket.waiting_since.is_none() {
        tickets::start_waiting(tx, ticket.id, now).await?;
    }
    Ok(Some((waiting(ticket, now), message)))
}

/// The ticket as its user's message leaves it: waiting for staff, since
/// now if it was not.
fn waiting(mut ticket: Ticket, now: NaiveDateTime) -> Ticket {
    if ticket.waiting_since.is_none() {
        ticket.waiting_since = Some(now);
        ticket.reminded_at = None;
    }
    ticket
}

/// `open_ticket` on PostgreSQL: the counter's upsert, the ticket and its
/// first message in one statement (still the one atomic upsert that takes
/// the number, in the ticket's transaction).
struct OpenTicketQuery<'a> {
    day: NaiveDate,
    user_id: i64,
    now: NaiveDateTime,
    first: &'a MessageDraft,
}

fixed_pg_sql!(OpenTicketQuery);

impl QueryFragment<Pg> for OpenTicketQuery<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH counter AS (INSERT INTO daily_ticket_counters (day, last_value) VALUES (");
        out.push_bind_param::<Date, _>(&self.day)?;
        out.push_sql(
            ", 1) ON CONFLICT (day) DO UPDATE SET last_value = daily_ticket_counters.last_value + 1 \
             RETURNING last_value), \
             ticket AS (INSERT INTO tickets (day, number, user_id, status, opened_at, waiting_since) SELECT ",
        );
        out.push_bind_param::<Date, _>(&self.day)?;
        out.push_sql(", last_value, ");
        out.push_bind_param::<BigInt, _>(&self.user_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&TicketStatus::Open)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" FROM counter RETURNING *), ");
        push_message_of_ticket(&mut out, self.first, &self.now)
    }
}

/// `append_to_open_ticket` on PostgreSQL: the lookup (`OpenTicketOf`'s, by
/// the open-ticket index) and the insert in one statement.
struct AppendToOpenTicket<'a> {
    user_id: i64,
    now: NaiveDateTime,
    message: &'a MessageDraft,
}

fixed_pg_sql!(AppendToOpenTicket);

impl QueryFragment<Pg> for AppendToOpenTicket<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH ticket AS (SELECT id, day, number, user_id, status, opened_at, closed_at, assignee_id, \
             first_response_at, support_message_id, support_thread_id, support_chat_id, waiting_since, \
             last_response_at, first_responder_id, reminded_at, away_notified_at FROM tickets \
             WHERE status = 'open' AND user_id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.user_id)?;
        // The ticket starts waiting for staff again, if staff answered last
        // (run although nothing reads it: PostgreSQL runs every
        // data-modifying WITH).
        out.push_sql("), waiting AS (UPDATE tickets SET waiting_since = ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", reminded_at = NULL WHERE id = (SELECT id FROM ticket) AND waiting_since IS NULL), ");
        push_message_of_ticket(&mut out, self.message, &self.now)
    }
}

/// The end of a statement whose CTE `ticket` holds (at most) one ticket:
/// inserts `message` on it and returns the ticket with the message's id,
/// as a `FiledRow`.
fn push_message_of_ticket<'b>(
    out: &mut AstPass<'_, 'b, Pg>,
    message: &'b MessageDraft,
    now: &'b NaiveDateTime,
) -> QueryResult<()> {
    out.push_sql(
        "message AS (INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, \
         user_message_id, support_chat_id, support_message_id, kind, text, created_at) SELECT id, ",
    );
    out.push_bind_param::<Text, _>(&message.direction)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&message.sender_id)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&message.user_chat_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Integer>, _>(&message.user_message_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(&message.support_chat_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Integer>, _>(&message.support_message_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&message.kind)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&message.text)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(now)?;
    out.push_sql(" FROM ticket RETURNING id AS message_id) SELECT ticket.*, message.message_id FROM ticket, message");
    Ok(())
}

#[derive(QueryableByName)]
struct FiledRow {
    #[diesel(embed)]
    ticket: Ticket,
    #[diesel(sql_type = BigInt)]
    message_id: i64,
}

impl FiledRow {
    fn filed(self, draft: &MessageDraft, now: NaiveDateTime) -> (Ticket, TicketMessage) {
        let message = TicketMessage::filed(self.message_id, self.ticket.id, draft, now);
        (self.ticket, message)
    }
}
