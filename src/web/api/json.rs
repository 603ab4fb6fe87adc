//! The API's JSON shapes, written out here so that a change of a row type
//! inside cannot change the contract integrations read. Times are UTC, ISO
//! 8601 (`2026-11-21T09:00:00Z`); days `YYYY-MM-DD` in the ticket time zone.

use serde::Serialize;
use utoipa::ToSchema;

use crate::render::full_name;
use crate::storage::export::{MessageLine, TicketLine, utc_text};

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `page` for the next page; `null` on the last.
    pub next_page: Option<String>,
}

/// A ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ticket {
    /// The ticket's id: `/tickets/{id}`.
    pub id: i64,
    /// Its day (`YYYY-MM-DD`, in the ticket time zone).
    pub day: String,
    /// Its number on that day (`#7`).
    pub number: i32,
    /// `open` or `closed`.
    pub status: String,
    pub user: User,
    pub assignee: Option<Staff>,
    pub opened_at: String,
    pub first_response_at: Option<String>,
    pub closed_at: Option<String>,
    /// Since when it has waited for staff: opened, or its user wrote after
    /// staff's last answer. `null` when staff answered last, or closed.
    pub waiting_since: Option<String>,
    pub rating: Option<i32>,
}

/// The Telegram user who opened it.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
}

/// A staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Staff {
    pub id: i64,
    pub name: String,
}

/// A message of a ticket, or a staff note.
#[derive(Debug, Serialize, ToSchema)]
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

/// A period's figures, as `/stats` shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// `day`, `week` or `month`.
    pub period: String,
    pub first_day: String,
    pub last_day: String,
    /// Tickets opened in the period.
    pub opened: usize,
    /// Tickets closed in the period.
    pub closed: usize,
    /// Tickets opened in the period that staff answered.
    pub answered: usize,
    pub first_response_seconds: Percentiles,
    pub close_seconds: Median,
    /// Reminders sent: tickets that waited past `FIRST_RESPONSE_SLA`.
    pub reminders: i64,
    pub ratings: Ratings,
    pub days: Vec<DayFigures>,
    /// By the tickets they answered, most first.
    pub staff: Vec<StaffFigures>,
}

/// Seconds, by nearest rank; `null` with nothing to rank.
#[derive(Debug, Serialize, ToSchema)]
pub struct Percentiles {
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

/// Seconds, the median by nearest rank; `null` with nothing to rank.
#[derive(Debug, Serialize, ToSchema)]
pub struct Median {
    pub median: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ratings {
    pub count: usize,
    pub average: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5 stars.
    pub by_stars: [usize; 5],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayFigures {
    pub day: String,
    pub opened: usize,
    pub first_response_median_seconds: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffFigures {
    pub name: String,
    pub tickets_answered: i64,
    pub first_response_median_seconds: Option<i64>,
}

impl From<TicketLine> for Ticket {
    fn from(t: TicketLine) -> Self {
        let name = full_name(&t.first_name, t.last_name.as_deref());
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
            waiting_since: t.waiting_since.as_ref().map(utc_text),
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
