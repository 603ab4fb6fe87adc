//! What the bot does with one update. Every path ends in exactly one
//! service call that carries the update's id (`Effects::ack`): the change,
//! the messages it sends and the inbox mark commit together.

use teloxide::types::{Message, Update, UpdateKind, User};

use super::admins::AdminCache;
use crate::domain::ContentKind;
use crate::models::{Staff, Ticket, UserProfile};
use crate::service::{Mailroom, ServiceError, TicketService};
use crate::storage::outcome::Effects;
use crate::telegram::outbound::{Outbound, OutboxDraft, Record, Reply};

/// What the handlers need; cheap to clone.
#[derive(Clone)]
pub struct Desk {
    pub tickets: TicketService,
    pub mailroom: Mailroom,
    pub support_chat: i64,
    /// The support group is a forum: one topic per ticket.
    pub forum: bool,
    /// The bot's @username (from getMe): `/cmd@otherbot` is not ours.
    pub username: Option<String>,
    pub admins: AdminCache,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl Desk {
    pub async fn handle(&self, update_id: i64, update: &Update) -> Result<(), ServiceError> {
        let ack = Some(update_id);
        match &update.kind {
            UpdateKind::Message(message) => match message.from.as_ref().filter(|u| !u.is_bot) {
                Some(from) if message.chat.is_private() => self.on_user_message(ack, message, from).await,
                Some(from) if message.chat.id.0 == self.support_chat => {
                    self.on_support_message(ack, message, from).await
                }
                // An anonymous admin: Telegram shows them as GroupAnonymousBot
                // writing on behalf of the group itself.
                None if message.chat.id.0 == self.support_chat
                    && message.sender_chat.as_ref().is_some_and(|c| c.id.0 == self.support_chat) =>
                {
                    match message.from.as_ref() {
                        Some(from) => self.on_support_message(ack, message, from).await,
                        None => self.ignore(ack).await,
                    }
                }
                // Other groups, channels, bots: not ours to answer.
                _ => self.ignore(ack).await,
            },
            UpdateKind::EditedMessage(message)
                if message.chat.is_private() && message.from.as_ref().is_some_and(|u| !u.is_bot) =>
            {
                self.on_user_edit(ack, message).await
            }
            // Something teloxide could not read: kept with the reason, not
            // silently dropped.
            UpdateKind::Error(raw) => {
                let reason = format!("unrecognised update: {}", raw.to_string().chars().take(200).collect::<String>());
                self.mailroom.reject_update(update_id, &reason).await
            }
            _ => self.ignore(ack).await,
        }
    }

    pub(super) fn count_closed(&self, change: &crate::storage::outcome::StatusChange) {
        if matches!(change, crate::storage::outcome::StatusChange::Changed(_)) {
            crate::metrics::Metrics::inc(&self.metrics.tickets_closed);
        }
    }

    pub(super) async fn ignore(&self, ack: Option<i64>) -> Result<(), ServiceError> {
        self.mailroom.acknowledge(&Effects { ack, plan: &|_| Vec::new() }).await
    }

    /// Handles the update by sending these HTML texts to `chat`.
    pub(super) async fn reply_all(&self, ack: Option<i64>, chat: i64, texts: Vec<String>) -> Result<(), ServiceError> {
        let plan = move |_: &()| texts.iter().map(|t| OutboxDraft::text(chat, t.clone())).collect();
        self.mailroom.acknowledge(&Effects { ack, plan: &plan }).await
    }

    pub(super) async fn reply(&self, ack: Option<i64>, chat: i64, html: String) -> Result<(), ServiceError> {
        self.reply_all(ack, chat, vec![html]).await
    }
}

/// The text or caption of a message as it is stored. PostgreSQL's TEXT
/// cannot hold NUL, so it becomes U+FFFD; nothing else changes.
pub(super) fn stored_text(message: &Message) -> Option<String> {
    message.text().or(message.caption()).map(|t| t.replace('\0', "\u{FFFD}"))
}

impl Desk {
    /// A command and its arguments: `/name@bot a b` → ("name", ["a", "b"]).
    /// `None` for text that is no command, or a command for another bot.
    pub(super) fn command(&self, message: &Message) -> Option<(String, Vec<String>)> {
        let text = message.text()?;
        let mut words = text.strip_prefix('/')?.split_whitespace();
        let word = words.next()?;
        let (name, addressee) = match word.split_once('@') {
            Some((name, to)) => (name, Some(to)),
            None => (word, None),
        };
        if let (Some(to), Some(me)) = (addressee, self.username.as_deref()) {
            if !to.eq_ignore_ascii_case(me) {
                return None;
            }
        }
        let name = name.to_ascii_lowercase();
        // A digest's `/ticket_7` link is `/ticket 7`.
        if let Some(reference) = name.strip_prefix("ticket_").and_then(super::digest::reference) {
            return Some(("ticket".into(), std::iter::once(reference).chain(words.map(str::to_string)).collect()));
        }
        Some((name, words.map(str::to_string).collect()))
    }

    /// Whether this support-chat message comes from an anonymous admin.
    pub(super) fn anonymous_admin(&self, message: &Message) -> bool {
        message.sender_chat.as_ref().is_some_and(|c| c.id.0 == self.support_chat)
    }
}

/// A message about a ticket for the support chat: in its topic in a forum,
/// else as a reply to its card.
pub(crate) fn card_reply(support: i64, forum: bool, ticket: &Ticket, html: String) -> OutboxDraft {
    let text = Outbound::Text { html, reply: (!forum).then_some(Reply::TicketCard), topic: forum };
    OutboxDraft::new(support, text, Record::Nothing).for_ticket(ticket.id)
}

/// The ticket's card: who wrote, and how to answer.
pub(crate) fn card_html(ticket: &Ticket, user: &crate::models::User) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    super::text::card(ticket.number, &day(ticket), user.id, &name, user.username.as_deref())
}

/// In a forum, the ticket's topic is closed or reopened with it.
pub(super) fn topic_state(support: i64, forum: bool, ticket: &Ticket, open: bool) -> Option<OutboxDraft> {
    let op = if open { Outbound::ReopenTopic } else { Outbound::CloseTopic };
    forum.then(|| OutboxDraft::new(support, op, Record::Nothing).for_ticket(ticket.id))
}

pub(super) fn day(ticket: &Ticket) -> String {
    ticket.day.format("%Y-%m-%d").to_string()
}

pub(super) fn profile_of(user: &User) -> UserProfile {
    UserProfile {
        id: user.id.0 as i64,
        username: user.username.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        language_code: user.language_code.clone(),
    }
}

pub(super) fn staff_of(user: &User) -> Staff {
    Staff {
        user_id: user.id.0 as i64,
        username: user.username.clone(),
        display_name: full_name(&user.first_name, user.last_name.as_deref()),
        is_admin: false,
        created_at: chrono::Utc::now().naive_utc(),
    }
}

pub(crate) fn full_name(first: &str, last: Option<&str>) -> String {
    match last {
        Some(last) => format!("{first} {last}"),
        None => first.to_string(),
    }
}

pub(super) fn content_kind(message: &Message) -> ContentKind {
    if message.text().is_some() {
        ContentKind::Text
    } else if message.photo().is_some() {
        ContentKind::Photo
    } else if message.video().is_some() {
        ContentKind::Video
    } else if message.animation().is_some() {
        ContentKind::Animation
    } else if message.document().is_some() {
        ContentKind::Document
    } else if message.voice().is_some() {
        ContentKind::Voice
    } else if message.audio().is_some() {
        ContentKind::Audio
    } else if message.sticker().is_some() {
        ContentKind::Sticker
    } else if message.video_note().is_some() {
        ContentKind::VideoNote
    } else if message.location().is_some() {
        ContentKind::Location
    } else if message.contact().is_some() {
        ContentKind::Contact
    } else {
        ContentKind::Other
    }
}
