//! Staff commands that change a ticket: close, reopen, take, assign, note,
//! ban and unban; and which ticket a command means.

use teloxide::types::{Message, User};

use super::commands::{StaffCommand, staff_help_lines};
use super::filed::staff_of;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Tx};
use crate::domain::{ContentKind, Direction, MessageDraft, TicketRef};
use crate::metrics::Tally;
use crate::render::{self, Lang, full_name};
use crate::storage::rows::{Staff, Ticket};
use crate::storage::{StatusChange, filing, staff, tickets, users};

/// Which ticket a command names, if its text names one.
enum Named {
    None,
    Ticket(Ticket),
    /// A reference to a ticket that does not exist.
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
        let anonymous = message.sender_chat.as_ref().is_some_and(|c| c.id.0 == self.support.id);
        let context = self.ticket_of(tx, message).await?;
        let say = |html: String| Ok(Reaction::say(vec![self.support.text(html)]));
        let name = command.name();
        match command {
            StaffCommand::Help | StaffCommand::Start => {
                let lines = staff_help_lines();
                say(render::staff::help(lines.iter().map(|(c, d)| (c.as_str(), d.as_str()))))
            }
            StaffCommand::Open(args) => self.list_open(tx, &args).await,
            StaffCommand::Close(args) | StaffCommand::Reopen(args) => {
                match self.target(tx, &args, false, context).await? {
                    Ok(Some(ticket)) => self.set_status(tx, &ticket, from, name == "reopen").await,
                    Ok(None) => say(render::staff::command_needs_ticket(name)),
                    Err(missing) => say(render::staff::no_such_ticket(&missing)),
                }
            }
            StaffCommand::Take(args) => match self.target(tx, &args, false, context).await? {
                Ok(Some(ticket)) => self.assign(tx, &ticket, staff_of(from, self.now()), from).await,
                Ok(None) => say(render::staff::command_needs_ticket(name)),
                Err(missing) => say(render::staff::no_such_ticket(&missing)),
            },
            StaffCommand::Ticket(args) => match self.target(tx, &args, true, context).await? {
                Ok(Some(ticket)) => self.history(tx, &ticket).await,
                Ok(None) => say(render::staff::command_needs_ticket(name)),
                Err(missing) => say(render::staff::no_such_ticket(&missing)),
            },
            StaffCommand::Ban(args) | StaffCommand::Unban(args) => {
                let ticket = match self.target(tx, &args, false, context).await? {
                    Ok(Some(ticket)) => ticket,
                    Ok(None) => return say(render::staff::command_needs_ticket(name)),
                    Err(missing) => return say(render::staff::no_such_ticket(&missing)),
                };
                if !anonymous && !self.may_administer(tx, from).await? {
                    return say(render::staff::admins_only(name));
                }
                self.ban(tx, &ticket, name == "ban").await
            }
            StaffCommand::Note(args) => {
                let (named, body) = self.named_first(tx, &args).await?;
                let ticket = match named {
                    Named::Ticket(ticket) => Some(ticket),
                    Named::Missing(missing) => return say(render::staff::no_such_ticket(&missing)),
                    Named::None => context,
                };
                match ticket {
                    Some(ticket) if !body.trim().is_empty() => self.note(tx, &ticket, from, body).await,
                    _ => say(render::staff::note_usage()),
                }
            }
            StaffCommand::Assign(args) => {
                // `@name` and a ticket reference, in either order.
                let words: Vec<&str> = args.split_whitespace().collect();
                let reference = words.iter().find(|w| w.contains('#') && self.parse_ref(w).is_some());
                let ticket = match reference {
                    Some(reference) => match self.find_named(tx, reference).await? {
                        Named::Ticket(ticket) => Some(ticket),
                        Named::Missing(missing) => return say(render::staff::no_such_ticket(&missing)),
                        Named::None => None,
                    },
                    None => context,
                };
                let mention = words.iter().find(|w| w.starts_with('@'));
                let (Some(ticket), Some(mention)) = (ticket, mention) else {
                    return say(render::staff::assign_usage());
                };
                if !anonymous && !self.may_administer(tx, from).await? {
                    return say(render::staff::admins_only(name));
                }
                match staff::find_by_username(tx, mention).await? {
                    Some(member) => self.assign(tx, &ticket, member, from).await,
                    None => say(render::staff::unknown_staff(mention)),
                }
            }
        }
    }

    fn parse_ref(&self, word: &str) -> Option<TicketRef> {
        TicketRef::parse(word, self.today_and_now().0).ok()
    }

    /// The ticket a command's first word names, if it names one (`#3`; for
    /// `/ticket` a bare number too), and the rest of the text.
    async fn named_first(&self, conn: &mut Conn, args: &str) -> Result<(Named, String), DeskError> {
        self.named_first_as(conn, args, false).await
    }

    async fn named_first_as(&self, conn: &mut Conn, args: &str, bare: bool) -> Result<(Named, String), DeskError> {
        let args = args.trim();
        let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        // A bare number names a ticket only for /ticket: `/open 2` is a
        // page, `/note 3 apples` a note.
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

    /// The ticket a command acts on: one named in its text wins over the
    /// one it replies to (or whose topic it is in). `Err`: it names one
    /// that does not exist.
    async fn target(
        &self,
        conn: &mut Conn,
        args: &str,
        bare: bool,
        context: Option<Ticket>,
    ) -> Result<Result<Option<Ticket>, String>, DeskError> {
        Ok(match self.named_first_as(conn, args, bare).await?.0 {
            Named::Ticket(ticket) => Ok(Some(ticket)),
            Named::Missing(missing) => Err(missing),
            Named::None => Ok(context),
        })
    }

    /// Group admins (asked of Telegram) and staff made admins by ADMIN_IDS.
    async fn may_administer(&self, conn: &mut Conn, from: &User) -> Result<bool, DeskError> {
        let id = from.id.0 as i64;
        if staff::find(conn, id).await?.is_some_and(|s| s.is_admin) {
            return Ok(true);
        }
        Ok(self.admins.is_admin(id).await)
    }

    async fn set_status(&self, tx: &mut Tx, ticket: &Ticket, from: &User, reopen: bool) -> Result<Reaction, DeskError> {
        let support = self.support;
        let by = full_name(&from.first_name, from.last_name.as_deref());
        let lang = Lang::from_code(users::find(tx, ticket.user_id).await?.and_then(|u| u.language_code).as_deref());
        let change = match reopen {
            true => tickets::reopen(tx, ticket.id).await?,
            false => tickets::close(tx, ticket.id, self.now()).await?,
        };
        let mut tally = Tally::default();
        let drafts = match change {
            StatusChange::Changed(t) if reopen => {
                let mut drafts = vec![support.about(t.id, render::staff::reopened_by(t.number, &by))];
                drafts.extend(support.topic_state(t.id, true));
                drafts
            }
            StatusChange::Changed(t) => {
                tally.closed = 1;
                let mut drafts = vec![
                    support.about(t.id, render::staff::closed_by(t.number, &by)),
                    crate::outbox::OutboxDraft::text(t.user_id, render::user::closed(lang, t.number, t.day)),
                ];
                drafts.extend(support.topic_state(t.id, false));
                drafts
            }
            StatusChange::Unchanged(t) if reopen => vec![support.about(t.id, render::staff::already_open(t.number))],
            StatusChange::Unchanged(t) => vec![support.about(t.id, render::staff::already_closed(t.number))],
            StatusChange::UserHasOpenTicket(other) => {
                vec![support.text(render::staff::user_has_other_ticket(ticket.number, other.number))]
            }
            StatusChange::NotFound => vec![support.text(render::staff::reply_to_no_ticket())],
        };
        Ok(Reaction { drafts, tally })
    }

    async fn assign(&self, tx: &mut Tx, ticket: &Ticket, member: Staff, from: &User) -> Result<Reaction, DeskError> {
        let by = full_name(&from.first_name, from.last_name.as_deref());
        let to = member.username.as_ref().map(|u| format!("@{u}")).unwrap_or_else(|| member.display_name.clone());
        let draft = match tickets::assign(tx, ticket.id, &member).await? {
            Some(t) => self.support.about(t.id, render::staff::assigned(t.number, &to, &by)),
            None => self.support.text(render::staff::reply_to_no_ticket()),
        };
        Ok(Reaction::say(vec![draft]))
    }

    async fn note(&self, tx: &mut Tx, ticket: &Ticket, from: &User, body: String) -> Result<Reaction, DeskError> {
        let now = self.now();
        let member = staff_of(from, now);
        let draft = MessageDraft {
            direction: Direction::Note,
            sender_id: member.user_id,
            user_chat_id: ticket.user_id,
            user_message_id: None,
            support_chat_id: None,
            support_message_id: None,
            kind: ContentKind::Text,
            text: Some(body),
        };
        filing::staff_message(tx, ticket.id, &member, &draft, now).await?;
        Ok(Reaction::say(vec![self.support.about(ticket.id, render::staff::note_saved(ticket.number))]))
    }

    async fn ban(&self, tx: &mut Tx, ticket: &Ticket, ban: bool) -> Result<Reaction, DeskError> {
        let user = users::find(tx, ticket.user_id).await?;
        let name = user.map(|u| full_name(&u.first_name, u.last_name.as_deref())).unwrap_or_default();
        users::set_banned(tx, ticket.user_id, ban.then(|| self.now())).await?;
        let html =
            if ban { render::staff::user_banned(&name, ticket.number) } else { render::staff::user_unbanned(&name) };
        Ok(Reaction::say(vec![self.support.about(ticket.id, html)]))
    }
}
