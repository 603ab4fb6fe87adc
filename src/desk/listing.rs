//! What staff ask to see: `/open` (open tickets, a page at a time) and
//! `/ticket` (a ticket's card and history).

use std::collections::HashSet;

use super::{Desk, DeskError, Reaction};
use crate::db::Conn;
use crate::domain::Direction;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record, Reply};
use crate::render::html::{MESSAGE_LIMIT, pack};
use crate::render::{self, full_name};
use crate::storage::rows::Ticket;
use crate::storage::{messages, outbox, tickets, users};

/// Open tickets shown per /open page.
const OPEN_PAGE: i64 = 15;

/// Messages staff only saw in a digest that /ticket copies in full (the
/// latest): each costs one of the group's 20 messages a minute.
const UNSEEN_COPIES: usize = 3;

/// How many of a ticket's messages `/ticket` lists, the latest: at most
/// 300 characters each, a few messages' worth, however long the ticket.
const HISTORY_LINES: i64 = 50;

impl Desk {
    /// `/open [page]`: open tickets, those waiting for staff first (the
    /// longest waiting first, with how long), then the rest oldest first;
    /// each with its age and assignee. A page past the end shows the last.
    pub(super) async fn list_open(&self, conn: &mut Conn, args: &str) -> Result<Reaction, DeskError> {
        let asked = args.split_whitespace().next().and_then(|a| a.parse::<i64>().ok()).unwrap_or(1).max(1) - 1;
        let total = tickets::count_open(conn).await?;
        if total == 0 {
            return Ok(Reaction::say(vec![self.support.text(render::staff::no_open_tickets(self.words()))]));
        }
        let pages = (total + OPEN_PAGE - 1) / OPEN_PAGE;
        let page = asked.min(pages - 1);
        let rows = tickets::open_page(conn, page * OPEN_PAGE, OPEN_PAGE).await?;
        let now = self.now();
        let (page, pages) = (u32::try_from(page).unwrap_or(u32::MAX), u32::try_from(pages).unwrap_or(u32::MAX));
        let mut lines = vec![render::staff::open_header(self.words(), page, pages, total)];
        for row in &rows {
            let age = render::age(self.words(), now - row.ticket.opened_at);
            let waited = row.ticket.waiting_since.map(|since| render::age(self.words(), now - since));
            let assignee = row.assignee.as_ref().map(|s| s.display_name.as_str());
            lines.push(render::staff::open_line(
                self.words(),
                &row.ticket,
                &row.user,
                &age,
                waited.as_deref(),
                assignee,
            ));
        }
        if page + 1 < pages {
            lines.push(render::staff::open_more(self.words(), page + 1));
        }
        let texts = pack(&lines, MESSAGE_LIMIT);
        Ok(Reaction::say(texts.into_iter().map(|html| self.support.text(html)).collect()))
    }

    /// The ticket's card and history. Every message of it is about the
    /// ticket (a reply to it reaches the user); a ticket whose card went
    /// into a digest gets this one as its card.
    pub(super) async fn history(&self, conn: &mut Conn, ticket: &Ticket) -> Result<Reaction, DeskError> {
        let user = users::find(conn, ticket.user_id).await?;
        let name = user.as_ref().map(|u| full_name(&u.first_name, u.last_name.as_deref())).unwrap_or_default();
        let mut lines = Vec::new();
        if let Some(user) = &user {
            lines.push(render::staff::card(self.words(), ticket, user));
        }
        lines.push(render::staff::history_header(self.words(), ticket, &name));
        let (history, total) = messages::latest_of_ticket(conn, ticket.id, HISTORY_LINES).await?;
        if total > history.len() as i64 {
            lines.push(render::staff::history_earlier(
                self.words(),
                total - history.len() as i64,
                self.support.forum(),
            ));
        }
        // The user's messages staff only saw as a digest line and the history
        // cannot show (media, texts longer than its lines): copied in full
        // after the history, the latest ones.
        let digested: HashSet<i64> = outbox::digested_messages(conn, ticket.id).await?.into_iter().collect();
        let unseen: Vec<(i64, i32, i64)> = history
            .iter()
            .filter(|m| {
                m.direction == Direction::FromUser && m.support_message_id.is_none() && digested.contains(&m.id)
            })
            .filter(|m| m.text.as_ref().is_none_or(|t| t.chars().count() > render::staff::HISTORY_LINE_CHARS))
            .filter_map(|m| Some((m.user_chat_id, m.user_message_id?, m.id)))
            .collect();
        let unseen = &unseen[unseen.len().saturating_sub(UNSEEN_COPIES)..];
        for m in &history {
            let who = match m.direction {
                Direction::FromUser => "👤",
                Direction::ToUser if m.unsent_at.is_some() => "🗑",
                Direction::ToUser => "🎧",
                Direction::Note => "📝",
            };
            let time = m.created_at.format("%m-%d %H:%M").to_string();
            lines.push(render::staff::history_line(self.words(), &time, who, m.kind, m.text.as_deref()));
        }
        let support = &self.support;
        // In a forum the answer goes to the ticket's topic (opened first if
        // a digest stood in for it); in a plain group, a ticket without a
        // card (it went into a digest) gets this answer as its card.
        let first_record = match ticket.support_message_id {
            None if !support.forum() => Record::RequestedCard,
            _ => Record::Nothing,
        };
        let mut drafts: Vec<OutboxDraft> = pack(&lines, MESSAGE_LIMIT)
            .into_iter()
            .enumerate()
            .map(|(i, html)| {
                let text = Outbound::Text { html, reply: None, topic: support.forum() };
                let record = if i == 0 { first_record } else { Record::Nothing };
                OutboxDraft::new(support.id(), text, record).for_ticket(ticket.id)
            })
            .collect();
        drafts.extend(unseen.iter().map(|&(from_chat_id, message_id, filed)| {
            let reply = (!support.forum()).then_some(Reply::TicketCard);
            let copy = Outbound::Copy { from_chat_id, message_id, album: None, reply, topic: support.forum() };
            OutboxDraft::new(support.id(), copy, Record::RequestedCopy).for_ticket(ticket.id).for_message(filed)
        }));
        Ok(Reaction::say(drafts))
    }
}
