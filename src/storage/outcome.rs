//! What the units of work report besides errors: the expected, user-facing
//! outcomes (a ticket that is already closed, a banned user, …).

use crate::models::{Ticket, TicketMessage, User};

// Returned once per message and never stored in bulk: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMessageOutcome {
    /// Filed on the user's open ticket, which `new_ticket` says was just opened.
    Filed {
        user: User,
        ticket: Ticket,
        message: TicketMessage,
        new_ticket: bool,
    },
    /// The user is banned; nothing was filed.
    Banned { user: User },
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
