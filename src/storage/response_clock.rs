//! The response clock's reads and writes: tickets waiting past the
//! first-response time, answered tickets their users left, and what became
//! of them. Each read walks one partial index from its oldest entry and
//! stops at the first ticket not yet due, so a check with nothing due reads
//! one index entry however many tickets there are.

use chrono::NaiveDateTime;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::rows::{Ticket, User};
use super::schema::{ticket_events, tickets, users};
use super::{on_conn, users as user_rows};
use crate::db::{Conn, Tx, Writer};
use crate::domain::{EventKind, TicketStatus};

/// Open tickets waiting for staff since `cutoff` or earlier and not yet
/// reminded in this stretch, longest waiting first, with their users
/// (index `tickets_waiting_unreminded`).
pub async fn due_reminders(conn: &mut Conn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<(Ticket, User)>> {
    on_conn!(conn, |c| {
        tickets::table
            .inner_join(users::table)
            .filter(tickets::waiting_since.is_not_null())
            .filter(tickets::reminded_at.is_null())
            .filter(tickets::waiting_since.le(cutoff))
            .order(tickets::waiting_since.asc())
            .limit(limit)
            .select((Ticket::as_select(), User::as_select()))
            .load(c)
            .await
    })
}

/// Takes the reminder for the waiting stretch that began `waiting_since`:
/// true for the one caller (of every replica) that records it first, false
/// when the ticket was reminded, answered or closed meanwhile.
pub async fn take_reminder(
    writer: &mut Writer,
    ticket_id: i64,
    waiting_since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let taken = on_conn!(writer, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::waiting_since.eq(waiting_since))
            .filter(tickets::reminded_at.is_null())
            .set(tickets::reminded_at.eq(now))
            .execute(c)
            .await
    })?;
    Ok(taken == 1)
}

/// Open tickets staff answered last, at `cutoff` or earlier, oldest answer
/// first (index `tickets_open_answered`).
pub async fn due_auto_close(conn: &mut Conn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<Ticket>> {
    on_conn!(conn, |c| {
        // Open is `closed_at IS NULL`, as the index says it.
        tickets::table
            .filter(tickets::closed_at.is_null())
            .filter(tickets::waiting_since.is_null())
            .filter(tickets::last_response_at.le(cutoff))
            .order(tickets::last_response_at.asc())
            .limit(limit)
            .select(Ticket::as_select())
            .load(c)
            .await
    })
}

/// Closes the ticket if it is still open, staff still answered last, and
/// that answer is still at `cutoff` or earlier. The user's row is locked
/// first, as for every close: a message of theirs being filed now lands
/// before the close (and then the ticket waits, and stays open) or after
/// it (on a new ticket).
pub async fn auto_close(
    tx: &mut Tx,
    ticket: &Ticket,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Option<Ticket>> {
    user_rows::lock(tx, ticket.user_id).await?;
    on_conn!(tx, |c| {
        diesel::update(tickets::table.find(ticket.id))
            .filter(tickets::status.eq(TicketStatus::Open))
            .filter(tickets::waiting_since.is_null())
            .filter(tickets::last_response_at.le(cutoff))
            .set((tickets::status.eq(TicketStatus::Closed), tickets::closed_at.eq(now)))
            .returning(Ticket::as_returning())
            .get_result(c)
            .await
            .optional()
    })
}

/// Records that the user was told staff are away: true the first time for
/// this ticket.
pub async fn take_away_notice(writer: &mut Writer, ticket_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let taken = on_conn!(writer, |c| {
        diesel::update(tickets::table.find(ticket_id))
            .filter(tickets::away_notified_at.is_null())
            .set(tickets::away_notified_at.eq(now))
            .execute(c)
            .await
    })?;
    Ok(taken == 1)
}

/// Keeps what happened to a ticket (`ticket_events`).
pub async fn record_event(
    writer: &mut Writer,
    ticket_id: i64,
    kind: EventKind,
    staff_id: Option<i64>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    on_conn!(writer, |c| {
        diesel::insert_into(ticket_events::table)
            .values((
                ticket_events::ticket_id.eq(ticket_id),
                ticket_events::kind.eq(kind),
                ticket_events::staff_id.eq(staff_id),
                ticket_events::at.eq(at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}
