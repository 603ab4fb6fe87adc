//! Staff, in the support group: replies reach users; commands manage tickets.

use teloxide::types::{Message, User};

use super::handle::{Desk, card_reply, content_kind, day, full_name, staff_of, topic_state};
use super::html::{MESSAGE_LIMIT, pack};
use super::text::{self, Lang};
use crate::domain::{Direction, TicketRef};
use crate::models::{MessageDraft, Ticket, TicketMessage};
use crate::service::ServiceError;
use crate::storage::outcome::{Effects, StatusChange};
use crate::telegram::outbound::{Outbound, OutboxDraft, Record, Reply};

/// Messages staff only saw in a digest that /ticket copies in full (the
/// latest): each costs one of the group's 20 messages a minute.
const UNSEEN_COPIES: usize = 3;

/// Open tickets shown per /open page.
const OPEN_PAGE: u32 = 15;

impl Desk {
    pub(super) async fn on_support_message(
        &self,
        ack: Option<i64>,
        message: &Message,
        from: &User,
    ) -> Result<(), ServiceError> {
        let support = self.support_chat;
        // In a forum, everything in a ticket's topic is about that ticket.
        let topic = match message.thread_id.filter(|_| self.forum && message.is_topic_message) {
            Some(thread) => self.tickets.ticket_of_topic(thread.0.0).await?,
            None => None,
        };
        let replied = message.reply_to_message();
        let replied_ticket = match replied {
            Some(r) => self.tickets.ticket_of_support_message(support, r.id.0).await?,
            None => None,
        };
        let context = topic.clone().or(replied_ticket.clone());
        if let Some((name, args)) = self.command(message) {
            let anonymous = self.anonymous_admin(message);
            return self.staff_command(ack, from, anonymous, &name, &args, context).await;
        }
        if message.text().is_some_and(|t| t.starts_with('/')) {
            // A command for another bot in the group.
            return self.ignore(ack).await;
        }
        if let Some(ticket) = topic {
            return self.answer(ack, message, from, &ticket).await;
        }
        match (replied, replied_ticket) {
            (Some(_), Some(ticket)) => self.answer(ack, message, from, &ticket).await,
            // A reply to one of the bot's own messages that is no ticket's.
            (Some(r), None) if r.from.as_ref().is_some_and(|u| u.is_bot) => {
                let html = match self.mailroom.is_digest(support, r.id.0).await? {
                    true => text::reply_to_digest(),
                    false => text::reply_to_no_ticket(),
                };
                let reply_to = message.id.0;
                let plan = move |_: &()| {
                    let text =
                        Outbound::Text { html: html.clone(), reply: Some(Reply::Message(reply_to)), topic: false };
                    vec![OutboxDraft::new(support, text, Record::Nothing)]
                };
                self.mailroom.acknowledge(&Effects { ack, plan: &plan }).await
            }
            // Staff talking among themselves: not relayed.
            _ => self.ignore(ack).await,
        }
    }

    /// A staff reply on a ticket: copied to the user (media and formatting
    /// survive), filed on the ticket.
    async fn answer(
        &self,
        ack: Option<i64>,
        message: &Message,
        from: &User,
        ticket: &Ticket,
    ) -> Result<(), ServiceError> {
        let support = self.support_chat;
        let member = staff_of(from);
        let draft = MessageDraft {
            direction: Direction::ToUser,
            sender_id: member.user_id,
            user_chat_id: ticket.user_id,
            user_message_id: None,
            support_chat_id: Some(support),
            support_message_id: Some(message.id.0),
            kind: content_kind(message),
            text: super::handle::stored_text(message),
        };
        let (user_chat, message_id) = (ticket.user_id, message.id.0);
        let album = message.media_group_id().map(|g| g.0.clone());
        let plan = move |filed: &TicketMessage| {
            let copy =
                Outbound::Copy { from_chat_id: support, message_id, album: album.clone(), reply: None, topic: false };
            vec![
                OutboxDraft::new(user_chat, copy, Record::UserCopy)
                    .for_ticket(filed.ticket_id)
                    .for_message(filed.id)
                    .held_for_album(),
            ]
        };
        self.tickets.record_staff_message_with(ticket.id, &member, &draft, &Effects { ack, plan: &plan }).await?;
        crate::metrics::Metrics::inc(&self.metrics.relayed_to_user);
        Ok(())
    }

    async fn staff_command(
        &self,
        ack: Option<i64>,
        from: &User,
        anonymous: bool,
        name: &str,
        args: &[String],
        replied: Option<Ticket>,
    ) -> Result<(), ServiceError> {
        let support = self.support_chat;
        // A ticket named in the arguments wins over the replied-to one. It
        // comes first (`/note #3 text`), except for /assign, which takes
        // `@name #3` in either order.
        // A bare number names a ticket only for /ticket: `/open 2` is a page,
        // `/note 3 apples` a note.
        let today = self.tickets.today();
        let names_ticket = |a: &String| (name == "ticket" || a.contains('#')) && TicketRef::parse(a, today).is_ok();
        let position = match name {
            "assign" => args.iter().position(names_ticket),
            _ => args.first().filter(|a| names_ticket(a)).map(|_| 0),
        };
        let (named, rest): (Option<Ticket>, Vec<String>) = match position {
            Some(i) => {
                let reference = TicketRef::parse(&args[i], today).map_err(|_| ServiceError::TicketNotFound)?;
                match self.tickets.find_by_number(reference.day, reference.number).await? {
                    Some(ticket) => {
                        let rest = args.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, a)| a.clone()).collect();
                        (Some(ticket), rest)
                    }
                    None => return self.reply(ack, support, text::no_such_ticket(&args[i])).await,
                }
            }
            None => (None, args.to_vec()),
        };
        let target = named.or(replied);
        let needs_ticket = |c: &str| text::staff_command_needs_ticket(c);
        match (name, target) {
            ("help" | "start", _) => self.reply(ack, support, text::staff_help()).await,
            ("open", _) => self.list_open(ack, args).await,
            ("close", Some(t)) => self.set_status(ack, &t, from, false).await,
            ("reopen", Some(t)) => self.set_status(ack, &t, from, true).await,
            ("take", Some(t)) => self.assign(ack, &t, staff_of(from), from).await,
            ("assign", t) => {
                // The @name may come before or after a ticket reference.
                let mention = rest.iter().find(|a| a.starts_with('@')).cloned();
                let (Some(t), Some(mention)) = (t, mention) else {
                    return self.reply(ack, support, text::assign_usage()).await;
                };
                if !anonymous && !self.may_administer(from).await? {
                    return self.reply(ack, support, text::admins_only("assign")).await;
                }
                match self.tickets.find_staff_by_username(&mention).await? {
                    Some(member) => self.assign(ack, &t, member, from).await,
                    None => self.reply(ack, support, text::unknown_staff(&mention)).await,
                }
            }
            ("note", t) => {
                let body = rest.join(" ");
                match t {
                    Some(t) if !body.trim().is_empty() => self.note(ack, &t, from, body).await,
                    _ => self.reply(ack, support, text::note_usage()).await,
                }
            }
            ("ticket", Some(t)) => self.history(ack, &t).await,
            (c @ ("ban" | "unban"), Some(t)) => {
                // Only admins can post anonymously.
                if !anonymous && !self.may_administer(from).await? {
                    return self.reply(ack, support, text::admins_only(c)).await;
                }
                self.ban(ack, &t, c == "ban").await
            }
            (c @ ("close" | "reopen" | "take" | "ticket" | "ban" | "unban"), None) => {
                self.reply(ack, support, needs_ticket(c)).await
            }
            // Unknown commands get the help text.
            _ => self.reply(ack, support, text::staff_help()).await,
        }
    }

    /// Group admins (asked of Telegram) and staff made admins by ADMIN_IDS.
    async fn may_administer(&self, from: &User) -> Result<bool, ServiceError> {
        let id = from.id.0 as i64;
        if self.tickets.find_staff(id).await?.is_some_and(|s| s.is_admin) {
            return Ok(true);
        }
        Ok(self.admins.is_admin(id).await)
    }

    async fn set_status(
        &self,
        ack: Option<i64>,
        ticket: &Ticket,
        from: &User,
        reopen: bool,
    ) -> Result<(), ServiceError> {
        let (support, forum) = (self.support_chat, self.forum);
        let by = full_name(&from.first_name, from.last_name.as_deref());
        let (user_chat, number) = (ticket.user_id, ticket.number);
        let lang =
            Lang::from_code(self.tickets.find_user(ticket.user_id).await?.and_then(|u| u.language_code).as_deref());
        let plan = move |change: &StatusChange| match change {
            StatusChange::Changed(t) if reopen => {
                let mut out = vec![card_reply(support, forum, t, text::staff_reopened(t.number, &by))];
                out.extend(topic_state(support, forum, t, true));
                out
            }
            StatusChange::Changed(t) => {
                let mut out = vec![
                    card_reply(support, forum, t, text::staff_closed(t.number, &by)),
                    OutboxDraft::text(user_chat, text::closed_for_user(lang, t.number, &day(t))),
                ];
                out.extend(topic_state(support, forum, t, false));
                out
            }
            StatusChange::Unchanged(t) if reopen => vec![card_reply(support, forum, t, text::already_open(t.number))],
            StatusChange::Unchanged(t) => vec![card_reply(support, forum, t, text::already_closed(t.number))],
            StatusChange::UserHasOpenTicket(other) => {
                vec![OutboxDraft::text(support, text::user_has_other_ticket(number, other.number))]
            }
            StatusChange::NotFound => vec![OutboxDraft::text(support, text::reply_to_no_ticket())],
        };
        let effects = Effects { ack, plan: &plan };
        if reopen {
            self.tickets.reopen_with(ticket.id, &effects).await.map(drop)
        } else {
            let change = self.tickets.close_with(ticket.id, &effects).await?;
            self.count_closed(&change);
            Ok(())
        }
    }

    async fn assign(
        &self,
        ack: Option<i64>,
        ticket: &Ticket,
        member: crate::models::Staff,
        from: &User,
    ) -> Result<(), ServiceError> {
        let (support, forum) = (self.support_chat, self.forum);
        let by = full_name(&from.first_name, from.last_name.as_deref());
        let to = member.username.as_ref().map(|u| format!("@{u}")).unwrap_or_else(|| member.display_name.clone());
        let plan = move |outcome: &Option<Ticket>| match outcome {
            Some(t) => vec![card_reply(support, forum, t, text::assigned(t.number, &to, &by))],
            None => vec![OutboxDraft::text(support, text::reply_to_no_ticket())],
        };
        self.tickets.assign_with(ticket.id, &member, &Effects { ack, plan: &plan }).await.map(drop)
    }

    async fn note(&self, ack: Option<i64>, ticket: &Ticket, from: &User, body: String) -> Result<(), ServiceError> {
        let (support, forum) = (self.support_chat, self.forum);
        let member = staff_of(from);
        let draft = MessageDraft {
            direction: Direction::Note,
            sender_id: member.user_id,
            user_chat_id: ticket.user_id,
            user_message_id: None,
            support_chat_id: None,
            support_message_id: None,
            kind: crate::domain::ContentKind::Text,
            text: Some(body),
        };
        let t = ticket.clone();
        let plan = move |_: &TicketMessage| vec![card_reply(support, forum, &t, text::note_saved(t.number))];
        self.tickets
            .record_staff_message_with(ticket.id, &member, &draft, &Effects { ack, plan: &plan })
            .await
            .map(drop)
    }

    async fn ban(&self, ack: Option<i64>, ticket: &Ticket, ban: bool) -> Result<(), ServiceError> {
        let (support, forum) = (self.support_chat, self.forum);
        let user = self.tickets.find_user(ticket.user_id).await?;
        let name = user.map(|u| full_name(&u.first_name, u.last_name.as_deref())).unwrap_or_default();
        let t = ticket.clone();
        let plan = move |_: &bool| {
            let html = if ban { text::user_banned(&name, t.number) } else { text::user_unbanned(&name) };
            vec![card_reply(support, forum, &t, html)]
        };
        self.tickets.set_banned_with(ticket.user_id, ban, &Effects { ack, plan: &plan }).await.map(drop)
    }

    async fn list_open(&self, ack: Option<i64>, args: &[String]) -> Result<(), ServiceError> {
        let page = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1) - 1;
        let listing = self.tickets.list_open(page, OPEN_PAGE).await?;
        if listing.total == 0 {
            return self.reply(ack, self.support_chat, text::no_open_tickets()).await;
        }
        let now = self.tickets.now_utc();
        let mut lines = vec![text::open_header(listing.page, listing.pages, listing.total)];
        for row in &listing.rows {
            let name = match &row.user.username {
                Some(u) => format!("{} (@{u})", full_name(&row.user.first_name, row.user.last_name.as_deref())),
                None => full_name(&row.user.first_name, row.user.last_name.as_deref()),
            };
            let age = age(now - row.ticket.opened_at);
            let assignee = row.assignee.as_ref().map(|s| s.display_name.as_str());
            lines.push(text::open_line(row.ticket.number, &day(&row.ticket), &age, &name, assignee));
        }
        if listing.page + 1 < listing.pages {
            lines.push(text::open_more(listing.page + 1));
        }
        self.reply_all(ack, self.support_chat, pack(&lines, MESSAGE_LIMIT)).await
    }

    /// The ticket's card and history. Every message of it is about the
    /// ticket (a reply to it reaches the user); a ticket whose card went
    /// into a digest gets this one as its card.
    async fn history(&self, ack: Option<i64>, ticket: &Ticket) -> Result<(), ServiceError> {
        let user = self.tickets.find_user(ticket.user_id).await?;
        let name = user.as_ref().map(|u| full_name(&u.first_name, u.last_name.as_deref())).unwrap_or_default();
        let status = if ticket.is_open() { "open" } else { "closed" };
        let mut lines = Vec::new();
        if let Some(user) = &user {
            lines.push(super::handle::card_html(ticket, user));
        }
        lines.push(text::history_header(ticket.number, &day(ticket), status, &name));
        let history = self.tickets.messages(ticket.id).await?;
        // The user's messages staff only saw as a digest line and the history
        // cannot show (media, texts longer than its lines): copied in full
        // after the history, the latest ones.
        let digested = self.mailroom.digested_messages(ticket.id).await?;
        let unseen: Vec<(i64, i32, i64)> = history
            .iter()
            .filter(|m| {
                m.direction == Direction::FromUser && m.support_message_id.is_none() && digested.contains(&m.id)
            })
            .filter(|m| m.text.as_ref().is_none_or(|t| t.chars().count() > text::HISTORY_LINE_CHARS))
            .filter_map(|m| Some((m.user_chat_id, m.user_message_id?, m.id)))
            .collect();
        let unseen = unseen[unseen.len().saturating_sub(UNSEEN_COPIES)..].to_vec();
        for m in history {
            let who = match m.direction {
                Direction::FromUser => "👤",
                Direction::ToUser => "🎧",
                Direction::Note => "📝",
            };
            let time = m.created_at.format("%m-%d %H:%M").to_string();
            lines.push(text::history_line(&time, who, m.kind.as_str(), m.text.as_deref()));
        }
        let (support, forum, ticket_id) = (self.support_chat, self.forum, ticket.id);
        // In a forum the answer goes to the ticket's topic (opened first
        // if a digest stood in for it).
        let record = match ticket.support_message_id {
            None if !forum => Record::RequestedCard,
            _ => Record::Nothing,
        };
        let messages = pack(&lines, MESSAGE_LIMIT);
        let plan = move |_: &()| {
            messages
                .iter()
                .enumerate()
                .map(|(i, html)| {
                    let text = Outbound::Text { html: html.clone(), reply: None, topic: forum };
                    let record = if i == 0 { record } else { Record::Nothing };
                    OutboxDraft::new(support, text, record).for_ticket(ticket_id)
                })
                .chain(unseen.iter().map(|(from_chat_id, message_id, filed)| {
                    let reply = (!forum).then_some(Reply::TicketCard);
                    let copy = Outbound::Copy {
                        from_chat_id: *from_chat_id,
                        message_id: *message_id,
                        album: None,
                        reply,
                        topic: forum,
                    };
                    OutboxDraft::new(support, copy, Record::RequestedCopy).for_ticket(ticket_id).for_message(*filed)
                }))
                .collect()
        };
        self.mailroom.acknowledge(&Effects { ack, plan: &plan }).await
    }
}

/// "3d 4h", "2h 5m", "7m".
fn age(d: chrono::Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins}m")
    } else {
        format!("{mins}m")
    }
}
