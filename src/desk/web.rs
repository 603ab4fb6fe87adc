//! What the web console and the REST API change, as staff in Telegram
//! would: the same use case in the caller's transaction, returning what to
//! say (`Reaction`) for the caller to queue in the outbox.

use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::storage::{StatusChange, tickets};

/// What closing or reopening from the web came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebStatusChange {
    /// Done; staff and (on a close) the user are told.
    Changed,
    /// It already had that status: nothing is said.
    Unchanged,
    /// Reopening would give the user a second open ticket: this one's number.
    UserHasOpenTicket(i32),
    NotFound,
}

impl Desk {
    /// Closes (or reopens) ticket `ticket_id` for the staff member named
    /// `by`, as `/close` (`/reopen`) does; an unchanged ticket says
    /// nothing in the support chat (the web shows it).
    pub async fn set_status_from_web(
        &self,
        tx: &mut Tx,
        ticket_id: i64,
        by: &str,
        reopen: bool,
    ) -> Result<(WebStatusChange, Reaction), DeskError> {
        let Some(ticket) = tickets::find(tx, ticket_id).await? else {
            return Ok((WebStatusChange::NotFound, Reaction::default()));
        };
        let (change, reaction) = self.change_status(tx, &ticket, by, reopen).await?;
        Ok(match change {
            StatusChange::Changed(_) => (WebStatusChange::Changed, reaction),
            StatusChange::Unchanged(_) => (WebStatusChange::Unchanged, Reaction::default()),
            StatusChange::UserHasOpenTicket(other) => {
                (WebStatusChange::UserHasOpenTicket(other.number), Reaction::default())
            }
            StatusChange::NotFound => (WebStatusChange::NotFound, Reaction::default()),
        })
    }
}
