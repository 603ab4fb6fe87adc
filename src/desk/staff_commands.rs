//! Staff commands in the support chat: which ticket each means, and what
//! each does (the changes themselves are in `ticket_changes`, the listings
//! in `listing`).

use teloxide::types::Message;

use super::commands::{StaffCommand, staff_help_lines};
use super::filed::staff_of;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Tx};
use crate::domain::TicketRef;
use crate::render;
use crate::storage::rows::Ticket;
use crate::storage::{staff, tickets};

/// The ticket a command's text names, if it names one.
enum Named {
    None,
    Ticket(Ticket),
    /// A reference to a ticket that does not exist, as typed.
    Missing(String),
}

impl Desk {
    pub(super) async fn staff_command(
        &self,
        tx: &mut Tx,
        message: &Message,
        command: StaffCommand,
    ) -> Result<Reaction, DeskError> {
        let Some(from) = &message.from else { return Ok(Reaction::default()) };
        // Only admins can post anonymously (as the group itself).
        let anonymous = message.sender_chat.as_ref().is_some_and(|c| c.id.0 == self.support.id());
        let context = self.ticket_of(tx, message).await?;
        let name = command.name();
        // Who acts, as staff read it.
        let by = render::full_name(&from.first_name, from.last_name.as_deref());
        let say = |html: String| Ok(Reaction::say(vec![self.support.text(html)]));
        // The ticket of a command that needs one, or what to say instead.
        macro_rules! ticket {
            ($args:expr, $bare:expr) => {
                match self.named_first(tx, $args, $bare).await?.0 {
                    Named::Ticket(ticket) => ticket,
                    Named::Missing(reference) => return say(render::staff::no_such_ticket(self.words(), &reference)),
                    Named::None => match context {
                        Some(ticket) => ticket,
                        None => return say(render::staff::command_needs_ticket(self.words(), name)),
                    },
                }
            };
        }
        match command {
            StaffCommand::Help | StaffCommand::Start => {
                let lines = staff_help_lines(self.words());
                say(render::staff::help(self.words(), lines.iter().map(|(c, d)| (c.as_str(), d.as_str()))))
            }
            StaffCommand::Open(args) => self.list_open(tx, &args).await,
            StaffCommand::Stats(args) => self.stats(tx, message.id.0, &args).await,
            StaffCommand::Find(args) => self.find(tx, message.id.0, &args).await,
            StaffCommand::Forget(ref args) => {
                let ticket = ticket!(args, false);
                if !anonymous && !self.may_administer(tx, from.id.0 as i64).await? {
                    return say(render::staff::admins_only(self.words(), name));
                }
                self.ask_forget(tx, &ticket).await
            }
            StaffCommand::Export(args) => {
                if !anonymous && !self.may_administer(tx, from.id.0 as i64).await? {
                    return say(render::staff::admins_only(self.words(), name));
                }
                self.export_tickets(tx, message.id.0, &args).await
            }
            StaffCommand::Unsend(_) => self.unsend(tx, message).await,
            StaffCommand::Snippets => self.list_snippets(tx).await,
            StaffCommand::Snippet(args) => self.edit_snippets(tx, from, &args).await,
            StaffCommand::S(args) => {
                let Some(ticket) = context else { return say(render::staff::command_needs_ticket(self.words(), name)) };
                self.send_snippet(tx, message, from, &ticket, &args).await
            }
            StaffCommand::Close(args) => {
                let ticket = ticket!(&args, false);
                self.set_status(tx, &ticket, from, false).await
            }
            StaffCommand::Reopen(args) => {
                let ticket = ticket!(&args, false);
                self.set_status(tx, &ticket, from, true).await
            }
            StaffCommand::Take(args) => {
                let ticket = ticket!(&args, false);
                self.assign(tx, &ticket, staff_of(from, self.now()), &by).await
            }
            // A bare number names a ticket only here: `/open 2` is a page,
            // `/note 3 apples` a note.
            StaffCommand::Ticket(args) => {
                let ticket = ticket!(&args, true);
                self.history(tx, &ticket).await
            }
            StaffCommand::Ban(ref args) | StaffCommand::Unban(ref args) => {
                let ticket = ticket!(args, false);
                if !anonymous && !self.may_administer(tx, from.id.0 as i64).await? {
                    return say(render::staff::admins_only(self.words(), name));
                }
                self.ban(tx, &ticket, matches!(command, StaffCommand::Ban(_))).await
            }
            StaffCommand::Note(args) => {
                let (named, body) = self.named_first(tx, &args, false).await?;
                let ticket = match named {
                    Named::Ticket(ticket) => Some(ticket),
                    Named::Missing(reference) => return say(render::staff::no_such_ticket(self.words(), &reference)),
                    Named::None => context,
                };
                match ticket {
                    Some(ticket) if !body.trim().is_empty() => self.note(tx, &ticket, from, body).await,
                    _ => say(render::staff::note_usage(self.words())),
                }
            }
            StaffCommand::Assign(args) => {
                // `@name` and a ticket reference, in either order.
                let words: Vec<&str> = args.split_whitespace().collect();
                let reference = words.iter().find(|w| w.contains('#') && self.parse_ref(w).is_some());
                let ticket = match reference {
                    Some(reference) => match self.find_named(tx, reference).await? {
                        Named::Ticket(ticket) => Some(ticket),
                        Named::Missing(reference) => {
                            return say(render::staff::no_such_ticket(self.words(), &reference));
                        }
                        Named::None => None,
                    },
                    None => context,
                };
                let mention = words.iter().find(|w| w.starts_with('@'));
                let (Some(ticket), Some(mention)) = (ticket, mention) else {
                    return say(render::staff::assign_usage(self.words()));
                };
                if !anonymous && !self.may_administer(tx, from.id.0 as i64).await? {
                    return say(render::staff::admins_only(self.words(), name));
                }
                match staff::find_by_username(tx, mention).await? {
                    Some(member) => self.assign(tx, &ticket, member, &by).await,
                    None => say(render::staff::unknown_staff(self.words(), mention)),
                }
            }
        }
    }

    fn parse_ref(&self, word: &str) -> Option<TicketRef> {
        TicketRef::parse(word, self.today_and_now().0).ok()
    }

    /// The ticket the text's first word names, if it names one (`#3`, and
    /// with `bare` a plain number too), and the rest of the text.
    async fn named_first(&self, conn: &mut Conn, args: &str, bare: bool) -> Result<(Named, String), DeskError> {
        let args = args.trim();
        let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        if first.is_empty() || !(bare || first.contains('#')) || self.parse_ref(first).is_none() {
            return Ok((Named::None, args.to_string()));
        }
        Ok((self.find_named(conn, first).await?, rest.trim_start().to_string()))
    }

    async fn find_named(&self, conn: &mut Conn, word: &str) -> Result<Named, DeskError> {
        let Some(reference) = self.parse_ref(word) else { return Ok(Named::None) };
        Ok(match tickets::find_by_number(conn, reference.day, reference.number).await? {
            Some(ticket) => Named::Ticket(ticket),
            None => Named::Missing(word.to_string()),
        })
    }
}
