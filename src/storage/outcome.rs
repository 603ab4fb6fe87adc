//! What the units of work report besides errors: the expected, user-facing
//! outcomes (a ticket that is already closed, a banned user, …).

use crate::models::{Ticket, TicketMessage, User};
use crate::telegram::outbound::OutboxDraft;

// Returned once per message and never stored in bulk: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMessageOutcome {
    /// Filed on the user's open ticket, which `new_ticket` says was just opened.
    Filed { user: User, ticket: Ticket, message: TicketMessage, new_ticket: bool },
    /// The user is banned; nothing was filed. `notify`: this is their first
    /// message since the ban, so they are to be told (once).
    Banned { user: User, notify: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Changed(Ticket),
    /// The ticket already had the requested status.
    Unchanged(Ticket),
    /// Reopening would give the user two open tickets; this is the other one.
    UserHasOpenTicket(Ticket),
    NotFound,
}

/// What a unit of work does besides its own change, in the same
/// transaction: marks the inbox update it handles as done, and writes the
/// messages its outcome calls for to the outbox.
pub struct Effects<'a, T> {
    pub ack: Option<i64>,
    pub plan: &'a (dyn Fn(&T) -> Vec<OutboxDraft> + Sync),
}

impl<T> Effects<'_, T> {
    /// No inbox update, no messages: the plain service calls.
    pub fn none() -> Effects<'static, T> {
        Effects { ack: None, plan: &|_| Vec::new() }
    }
}
