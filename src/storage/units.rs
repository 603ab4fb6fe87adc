// Units of work: each one transaction, built from `queries`. Compiled once
// per backend (see storage/mod.rs); `write_transaction!` is that backend's
// read-write transaction.
//
// Units that the bot drives take `Effects`: the inbox update they handle is
// marked done, and the messages their outcome calls for are written to the
// outbox, in the same transaction as the change itself. A crash either
// leaves all of it or none of it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use diesel::result::Error;

use super::Conn;
use super::queries;
use crate::domain::Direction;
use crate::models::{MessageDraft, NewOutboxRow, NewTicketMessage, Staff, Ticket, TicketMessage, UserProfile};
use crate::storage::outcome::{Effects, StatusChange, UserMessageOutcome};
use crate::telegram::outbound::OutboxDraft;

/// Writes a unit's effects. An update already marked done means its effects
/// exist already (another worker or an earlier run got there first): the
/// whole transaction rolls back, and the caller treats it as handled.
///
/// Inside a batch that writes them at its end (`storage::deferred`), they
/// are left to it, and it is the batch that finds an update handled
/// already.
async fn finish<T>(conn: &mut Conn, effects: &Effects<'_, T>, outcome: &T, now: NaiveDateTime) -> QueryResult<()> {
    let rows =
        (effects.plan)(outcome).into_iter().map(|draft| outbox_row(draft, now)).collect::<QueryResult<Vec<_>>>()?;
    let Some((rows, ack)) = crate::storage::deferred::leave(rows, effects.ack) else {
        return Ok(());
    };
    if !super::queue_and_ack(conn, &rows, ack.as_slice(), now).await? {
        return Err(Error::RollbackTransaction);
    }
    Ok(())
}

fn outbox_row(draft: OutboxDraft, now: NaiveDateTime) -> QueryResult<NewOutboxRow> {
    Ok(NewOutboxRow {
        chat_id: draft.chat_id,
        payload: serde_json::to_string(&draft.envelope).map_err(|e| Error::SerializationError(Box::new(e)))?,
        ticket_id: draft.ticket_id,
        ticket_message_id: draft.ticket_message_id,
        created_at: now,
        not_before: now + draft.hold.unwrap_or_default(),
    })
}

/// Files a user's message on their open ticket, opening one (with the day's
/// next number) when there is none. One transaction: a failure anywhere
/// rolls the number back, so numbers have no gaps.
pub async fn file_user_message(
    conn: &mut Conn,
    profile: &UserProfile,
    draft: &MessageDraft,
    day: NaiveDate,
    now: NaiveDateTime,
    effects: &Effects<'_, UserMessageOutcome>,
) -> QueryResult<UserMessageOutcome> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<UserMessageOutcome> {
        // First statement: on PostgreSQL it locks the user's row, so two
        // first messages of one user cannot both open a ticket.
        let user = queries::upsert_user(conn, profile, now).await?;
        let outcome = if user.banned_at.is_some() {
            // Told once per ban: later messages are dropped silently.
            let notify = user.ban_notified_at.is_none();
            if notify {
                queries::set_ban_notified(conn, user.id, now).await?;
            }
            UserMessageOutcome::Banned { user, notify }
        } else if let Some((ticket, message)) = super::append_to_open_ticket(conn, user.id, draft, now).await? {
            UserMessageOutcome::Filed { user, ticket, message, new_ticket: false }
        } else {
            // The number is taken last, as late in the transaction as it can
            // be: every ticket of the day waits on the counter row after it.
            let (ticket, message) = super::open_ticket(conn, day, user.id, draft, now).await?;
            UserMessageOutcome::Filed { user, ticket, message, new_ticket: true }
        };
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome)
    })
    .await
}

pub async fn close(
    conn: &mut Conn,
    ticket_id: i64,
    now: NaiveDateTime,
    effects: &Effects<'_, StatusChange>,
) -> QueryResult<StatusChange> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<StatusChange> {
        let outcome = match queries::find_ticket(conn, ticket_id).await? {
            None => StatusChange::NotFound,
            Some(ticket) => {
                // Take the user's lock, as file_user_message does: a message
                // being filed on this ticket right now either lands before
                // the close or waits and then opens a new ticket, never on
                // the closed one.
                queries::lock_user(conn, ticket.user_id).await?;
                match queries::close_ticket(conn, ticket_id, now).await? {
                    Some(closed) => StatusChange::Changed(closed),
                    None => StatusChange::Unchanged(ticket),
                }
            }
        };
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome)
    })
    .await
}

pub async fn reopen(
    conn: &mut Conn,
    ticket_id: i64,
    now: NaiveDateTime,
    effects: &Effects<'_, StatusChange>,
) -> QueryResult<StatusChange> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<StatusChange> {
        let outcome = reopen_in(conn, ticket_id).await?;
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome)
    })
    .await
}

async fn reopen_in(conn: &mut Conn, ticket_id: i64) -> QueryResult<StatusChange> {
    let Some(ticket) = queries::find_ticket(conn, ticket_id).await? else {
        return Ok(StatusChange::NotFound);
    };
    // Lock the user as file_user_message does, then read again: the user may
    // have opened a new ticket, or someone else reopened this one, while we
    // waited for the lock.
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
}

/// Assigns the ticket to a staff member (recorded or refreshed in `staff`).
pub async fn assign(
    conn: &mut Conn,
    ticket_id: i64,
    member: &Staff,
    now: NaiveDateTime,
    effects: &Effects<'_, Option<Ticket>>,
) -> QueryResult<Option<Ticket>> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<Option<Ticket>> {
        let member = queries::upsert_staff(conn, member).await?;
        let outcome = queries::set_assignee(conn, ticket_id, Some(member.user_id)).await?;
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome)
    })
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
    effects: &Effects<'_, TicketMessage>,
) -> QueryResult<TicketMessage> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<TicketMessage> {
        queries::upsert_staff(conn, member).await?;
        let message = queries::insert_message(conn, &NewTicketMessage::from_draft(ticket_id, draft, now)).await?;
        if draft.direction == Direction::ToUser {
            queries::mark_first_response(conn, ticket_id, now).await?;
        }
        finish(conn, effects, &message, now).await?;
        Ok(message)
    })
    .await
}

/// Records the user's edit of a message already filed. `None` when the
/// message is not on any ticket (a command, say): nothing to mirror.
pub async fn file_user_edit(
    conn: &mut Conn,
    chat_id: i64,
    message_id: i32,
    text: Option<&str>,
    now: NaiveDateTime,
    effects: &Effects<'_, Option<(Ticket, TicketMessage)>>,
) -> QueryResult<Option<(Ticket, TicketMessage)>> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<Option<(Ticket, TicketMessage)>> {
        let banned = queries::find_user(conn, chat_id).await?.is_some_and(|u| u.banned_at.is_some());
        let outcome = match queries::find_user_message(conn, chat_id, message_id).await? {
            None => None,
            Some(_) if banned => None,
            Some(message) => {
                queries::set_message_edited(conn, message.id, text, now).await?;
                let ticket = queries::find_ticket(conn, message.ticket_id).await?;
                ticket.map(|t| (t, message))
            }
        };
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome)
    })
    .await
}

/// Handles an update that changes nothing but what the bot says (or that is
/// ignored): writes the messages and marks the update done.
pub async fn acknowledge(conn: &mut Conn, effects: &Effects<'_, ()>, now: NaiveDateTime) -> QueryResult<()> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<()> { finish(conn, effects, &(), now).await }).await
}

/// Stores fetched updates, all or none; redeliveries are dropped.
pub async fn store_updates(conn: &mut Conn, rows: &[crate::models::NewInboxUpdate<'_>]) -> QueryResult<usize> {
    super::store_inbox(conn, rows).await
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

/// Bans (`at` set) or unbans a user. The outcome says whether the user exists.
pub async fn set_banned(
    conn: &mut Conn,
    user_id: i64,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
    effects: &Effects<'_, bool>,
) -> QueryResult<bool> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<bool> {
        let outcome = queries::set_banned(conn, user_id, at).await? == 1;
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome)
    })
    .await
}

/// A send to a user answered 403 (they blocked the bot): the row fails with
/// the reason and, the first time since the user last wrote, the user is
/// flagged and `effects` (staff's notice) are written. The outcome is the
/// user and the row's ticket when staff are to be told.
pub async fn user_blocked_bot(
    conn: &mut Conn,
    row: &crate::models::OutboxRow,
    by: &str,
    reason: &str,
    now: NaiveDateTime,
    effects: &Effects<'_, Option<(crate::models::User, Option<Ticket>)>>,
) -> QueryResult<bool> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<bool> {
        queries::outbox_mark_failed(conn, row.id, by, reason, now).await?;
        let outcome = match queries::find_user(conn, row.chat_id).await? {
            Some(user) if user.blocked_bot_at.is_none() => {
                queries::set_blocked_bot(conn, user.id, now).await?;
                let ticket = match row.ticket_id {
                    Some(id) => queries::find_ticket(conn, id).await?,
                    None => None,
                };
                Some((user, ticket))
            }
            _ => None,
        };
        finish(conn, effects, &outcome, now).await?;
        Ok(outcome.is_some())
    })
    .await
}

/// Records rows Telegram accepted, and what each means for its ticket (its
/// card, its topic, where a relayed message now lives), all at once.
/// Returns the ids of the rows that were no longer `by`'s to record (its
/// claim ran out and another worker took them: they may go twice); what
/// their messages were is recorded anyway, because the messages exist.
pub async fn outbox_sent(
    conn: &mut Conn,
    sent: &[crate::telegram::outbound::Sent],
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    super::record_sent(conn, sent, by, now).await
}

/// Claims the rows that may be sent now (`queries::outbox_claim`), in one
/// write transaction, one claimer at a time.
pub async fn claim_outbox(
    conn: &mut Conn,
    by: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    run: i64,
    limit: i64,
) -> QueryResult<Vec<crate::models::OutboxRow>> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<Vec<crate::models::OutboxRow>> {
        super::serialize_claims(conn).await?;
        queries::outbox_claim(conn, by, now, until, run, limit).await
    })
    .await
}
