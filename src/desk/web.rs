//! What the web console and the REST API change, as staff in Telegram
//! would: the same use case in the caller's transaction, returning what to
//! say (`Reaction`) for the caller to queue in the outbox.

use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::domain::{Direction, MessageDraft};
use crate::metrics::Tally;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::render::{self, html::MESSAGE_LIMIT};
use crate::storage::rows::Staff;
use crate::storage::{StatusChange, filing, staff, tickets};

/// What a reply from the web came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebReply {
    /// Filed on the ticket (this message id) and queued to its user.
    Sent(i64),
    /// Longer than a Telegram message may be.
    TooLong,
    NotFound,
}

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

/// What assigning from the web came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebAssign {
    /// Done; staff are told in the ticket's topic or under its card.
    Assigned,
    /// Whom it was to go to is not a staff member.
    UnknownStaff,
    /// Only admins assign to someone else, as `/assign` in Telegram.
    AdminsOnly,
    NotFound,
}

impl Desk {
    /// Asks Telegram, before a transaction, whether `user` administers the
    /// support group (the answer is remembered for a minute, and read by
    /// `assign_from_web`).
    pub async fn ask_whether_admin(&self, user: i64) {
        self.admins.is_admin(user).await;
    }

    /// Assigns ticket `ticket_id` to staff member `to` for `by` (a staff
    /// member's Telegram id and name): anyone may take a ticket (as
    /// `/take`), only admins give it to a colleague (as `/assign`; ask
    /// `ask_whether_admin` first).
    pub async fn assign_from_web(
        &self,
        tx: &mut Tx,
        ticket_id: i64,
        to: i64,
        by: (i64, &str),
    ) -> Result<(WebAssign, Reaction), DeskError> {
        let Some(ticket) = tickets::find(tx, ticket_id).await? else {
            return Ok((WebAssign::NotFound, Reaction::default()));
        };
        let (by_id, by_name) = by;
        // Asked first: who is staff is nobody's business but admins'.
        if to != by_id && !self.may_administer(tx, by_id).await? {
            return Ok((WebAssign::AdminsOnly, Reaction::default()));
        }
        if ticket.assignee_id == Some(to) {
            // Already theirs (a form sent twice): nothing to tell staff.
            return Ok((WebAssign::Assigned, Reaction::default()));
        }
        let member = match staff::find(tx, to).await? {
            Some(member) => member,
            // Taking a ticket before ever answering one: a staff row is made.
            None if to == by_id => Staff {
                user_id: by_id,
                username: None,
                display_name: by_name.to_string(),
                is_admin: false,
                created_at: self.now(),
            },
            None => return Ok((WebAssign::UnknownStaff, Reaction::default())),
        };
        Ok((WebAssign::Assigned, self.assign(tx, &ticket, member, by_name).await?))
    }

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

    /// A reply written on the web by `author` (a staff member's Telegram
    /// id and name, or an API token's stand-in) to ticket `ticket_id`: filed
    /// as their answer (the response clock counts it), sent to the user as
    /// text, and shown to staff in the ticket's topic or under its card.
    pub async fn reply_from_web(
        &self,
        tx: &mut Tx,
        ticket_id: i64,
        author: (i64, &str),
        text: &str,
    ) -> Result<(WebReply, Reaction), DeskError> {
        let html = render::html::escape(text);
        if render::html::visible_len(&html) > MESSAGE_LIMIT {
            return Ok((WebReply::TooLong, Reaction::default()));
        }
        let Some(ticket) = tickets::find(tx, ticket_id).await? else {
            return Ok((WebReply::NotFound, Reaction::default()));
        };
        let now = self.now();
        let (id, name) = author;
        // Their row as it is (username, admin) when they have one.
        let member = match staff::find(tx, id).await? {
            Some(known) => Staff { display_name: name.to_string(), ..known },
            None => {
                Staff { user_id: id, username: None, display_name: name.to_string(), is_admin: false, created_at: now }
            }
        };
        let draft = MessageDraft::staff_text(Direction::ToUser, id, ticket.user_id, None, text.to_string());
        let filed = filing::staff_message(tx, ticket.id, &member, &draft, now).await?;
        let to_user = Outbound::Text { html, reply: None, topic: false };
        let drafts = vec![
            OutboxDraft::new(ticket.user_id, to_user, Record::UserCopy).for_ticket(ticket.id).for_message(filed.id),
            self.support.about(ticket.id, render::staff::web_reply_sent(self.words(), ticket.number, name, text)),
        ];
        Ok((WebReply::Sent(filed.id), Reaction { drafts, tally: Tally { to_user: 1, ..Tally::default() } }))
    }
}
