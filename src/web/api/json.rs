//! The API's JSON shapes, written out here so that a change of a row type
//! inside cannot change the contract integrations read. Times are UTC, ISO
//! 8601 (`2026-11-21T09:00:00Z`); days `YYYY-MM-DD` in the ticket time zone.

use serde::Serialize;

use crate::storage::export::{MessageLine, TicketLine, utc_text};

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `page` for the next page; `null` on the last.
    pub next_page: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub day: String,
    pub number: i32,
    pub status: String,
    pub user: User,
    pub assignee: Option<Staff>,
    pub opened_at: String,
    pub first_response_at: Option<String>,
    pub closed_at: Option<String>,
    pub rating: Option<i32>,
}

#[derive(Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Staff {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Message {
    pub id: i64,
    /// `from_user`, `to_user` or `note`.
    pub direction: String,
    pub sender_id: i64,
    /// `text`, `photo`, `document`, … (a caption is the text).
    pub kind: String,
    pub text: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
}

impl From<TicketLine> for Ticket {
    fn from(t: TicketLine) -> Self {
        let name = match &t.last_name {
            Some(last) => format!("{} {last}", t.first_name),
            None => t.first_name.clone(),
        };
        Self {
            id: t.ticket_id,
            day: t.day.format("%Y-%m-%d").to_string(),
            number: t.number,
            status: t.status,
            user: User { id: t.user_id, name, username: t.username },
            assignee: t.assignee_id.map(|id| Staff { id, name: t.assignee.unwrap_or_else(|| id.to_string()) }),
            opened_at: utc_text(&t.opened_at),
            first_response_at: t.first_response_at.as_ref().map(utc_text),
            closed_at: t.closed_at.as_ref().map(utc_text),
            rating: t.rating,
        }
    }
}

impl From<MessageLine> for Message {
    fn from(m: MessageLine) -> Self {
        Self {
            id: m.message_id,
            direction: m.direction,
            sender_id: m.sender_id,
            kind: m.kind,
            text: m.text,
            created_at: utc_text(&m.created_at),
            edited_at: m.edited_at.as_ref().map(utc_text),
        }
    }
}
