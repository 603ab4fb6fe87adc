// Units of work: each one transaction, built from `queries`. Compiled once
// per backend (see storage/mod.rs); `write_transaction!` is that backend's
// read-write transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use super::Conn;
use super::queries;
use crate::domain::Direction;
use crate::models::{MessageDraft, NewTicketMessage, Staff, Ticket, TicketMessage, UserProfile};
use crate::storage::outcome::{StatusChange, UserMessageOutcome};

/// Files a user's message on their open ticket, opening one (with the day's
/// next number) when there is none. One transaction: a failure anywhere
/// rolls the number back, so numbers have no gaps.
pub async fn file_user_message(
    conn: &mut Conn,
    profile: &UserProfile,
    draft: &MessageDraft,
    day: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<UserMessageOutcome> {
    write_transaction!(
        conn,
        async |conn: &mut Conn| -> QueryResult<UserMessageOutcome> {
            // First statement: on PostgreSQL it locks the user's row, so two
            // first messages of one user cannot both open a ticket.
            let user = queries::upsert_user(conn, profile, now).await?;
            if user.banned_at.is_some() {
                return Ok(UserMessageOutcome::Banned { user });
            }
            if let Some(ticket) = queries::open_ticket_of(conn, user.id).await? {
                let new = NewTicketMessage::from_draft(ticket.id, draft, now);
                let message = queries::insert_message(conn, &new).await?;
                return Ok(UserMessageOutcome::Filed {
                    user,
                    ticket,
                    message,
                    new_ticket: false,
                });
            }
            // The number is taken last, as late in the transaction as it can
            // be: every ticket of the day waits on the counter row after it.
            let (ticket, message) = super::open_ticket(conn, day, user.id, draft, now).await?;
            Ok(UserMessageOutcome::Filed {
                user,
                ticket,
                message,
                new_ticket: true,
            })
        }
    )
    .await
}

pub async fn close(
    conn: &mut Conn,
    ticket_id: i64,
    now: NaiveDateTime,
) -> QueryResult<StatusChange> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<StatusChange> {
        let Some(ticket) = queries::find_ticket(conn, ticket_id).await? else {
            return Ok(StatusChange::NotFound);
        };
        // Take the user's lock, as file_user_message does: a message being
        // filed on this ticket right now either lands before the close or
        // waits and then opens a new ticket, never on the closed one.
        queries::lock_user(conn, ticket.user_id).await?;
        Ok(match queries::close_ticket(conn, ticket_id, now).await? {
            Some(closed) => StatusChange::Changed(closed),
            None => StatusChange::Unchanged(ticket),
        })
    })
    .await
}

pub async fn reopen(conn: &mut Conn, ticket_id: i64) -> QueryResult<StatusChange> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<StatusChange> {
        let Some(ticket) = queries::find_ticket(conn, ticket_id).await? else {
            return Ok(StatusChange::NotFound);
        };
        // Lock the user as file_user_message does, then read again: the
        // user may have opened a new ticket, or someone else reopened this
        // one, while we waited for the lock.
        queries::lock_user(conn, ticket.user_id).await?;
        let Some(ticket) = queries::find_ticket(conn, ticket_id).await? else {
            return Ok(StatusChange::NotFound);
        };
        if ticket.is_open() {
            return Ok(StatusChange::Unchanged(ticket));
        }
        if let Some(other) = queries::open_ticket_of(conn, ticket.user_id).await? {
            return Ok(StatusChange::UserHasOpenTicket(other));
        }
        Ok(match queries::reopen_ticket(conn, ticket_id).await? {
            Some(ticket) => StatusChange::Changed(ticket),
            None => StatusChange::Unchanged(ticket),
        })
    })
    .await
}

/// Assigns the ticket to a staff member (recorded or refreshed in `staff`).
pub async fn assign(
    conn: &mut Conn,
    ticket_id: i64,
    member: &Staff,
) -> QueryResult<Option<Ticket>> {
    write_transaction!(
        conn,
        async |conn: &mut Conn| -> QueryResult<Option<Ticket>> {
            let member = queries::upsert_staff(conn, member).await?;
            queries::set_assignee(conn, ticket_id, Some(member.user_id)).await
        }
    )
    .await
}

/// Files a staff message on a ticket (an answer to the user, or a note) and,
/// for an answer, stamps the ticket's first response time.
pub async fn file_staff_message(
    conn: &mut Conn,
    ticket_id: i64,
    member: &Staff,
    draft: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<TicketMessage> {
    write_transaction!(
        conn,
        async |conn: &mut Conn| -> QueryResult<TicketMessage> {
            queries::upsert_staff(conn, member).await?;
            let message =
                queries::insert_message(conn, &NewTicketMessage::from_draft(ticket_id, draft, now))
                    .await?;
            if draft.direction == Direction::ToUser {
                queries::mark_first_response(conn, ticket_id, now).await?;
            }
            Ok(message)
        }
    )
    .await
}

/// Makes these users admins, but only while the staff table is empty: the
/// bootstrap of a fresh install, never an override of later choices.
pub async fn seed_admins(conn: &mut Conn, ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<usize> {
        if queries::count_staff(conn).await? > 0 {
            return Ok(0);
        }
        for &user_id in ids {
            let admin = Staff {
                user_id,
                username: None,
                display_name: format!("admin {user_id}"),
                is_admin: true,
                created_at: now,
            };
            queries::upsert_staff(conn, &admin).await?;
        }
        Ok(ids.len())
    })
    .await
}

pub async fn set_banned(
    conn: &mut Conn,
    user_id: i64,
    at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<bool> {
        Ok(queries::set_banned(conn, user_id, at).await? == 1)
    })
    .await
}
