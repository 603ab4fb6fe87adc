//! The storage against real databases: a fresh SQLite file and a fresh
//! PostgreSQL database per test (`testdb`).

mod inbox;
mod listing;
mod numbering;
mod plans;
mod ratings;
mod response_clock;
mod retention;
mod search;
mod statistics;
mod tickets;
mod transactions;
mod web_sessions;

use chrono::NaiveDateTime;

use super::rows::{NewOutboxRow, Staff, Ticket, TicketMessage};
use super::{UserMessageOutcome, filing};
use crate::db::Db;
use crate::testing::{in_tx, naive, profile, user_text};

pub(crate) fn staff(id: i64) -> Staff {
    Staff {
        user_id: id,
        username: Some(format!("agent{id}")),
        display_name: format!("Agent {id}"),
        is_admin: false,
        created_at: naive("2026-11-21T00:00:00Z"),
    }
}

/// Files a user's message at `now` (its day, UTC) in a transaction of its
/// own: the ticket, the message, and whether the ticket is new.
pub(crate) async fn file(db: &Db, user: i64, message_id: i32, text: &str, now: &str) -> (Ticket, TicketMessage, bool) {
    let now = naive(now);
    let draft = user_text(user, message_id, text);
    let outcome = in_tx(db, async |tx| {
        filing::user_message(tx, &profile(user), &draft, Default::default(), now.date(), now).await
    })
    .await;
    match outcome {
        UserMessageOutcome::Filed { ticket, message, new_ticket, .. } => (ticket, message, new_ticket),
        other => panic!("expected it filed, got {other:?}"),
    }
}

/// An outbox row with a text for `chat_id` (what the outbox writes; its
/// payload is opaque to storage).
pub(crate) fn text_row(
    chat_id: i64,
    text: &str,
    ticket_id: Option<i64>,
    message_id: Option<i64>,
    now: NaiveDateTime,
) -> NewOutboxRow {
    let payload = serde_json::json!({"message": {"kind": "text", "html": text}, "record": "nothing"}).to_string();
    NewOutboxRow { chat_id, payload, ticket_id, ticket_message_id: message_id, created_at: now, not_before: now }
}
