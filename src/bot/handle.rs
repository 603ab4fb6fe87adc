//! What the bot does with one update. Every path ends in exactly one
//! service call that carries the update's id (`Effects::ack`): the change,
//! the messages it sends and the inbox mark commit together.

use teloxide::types::{Message, Update, UpdateKind, User};

use super::text::{self, Lang};
use crate::domain::{ContentKind, Direction};
use crate::models::{MessageDraft, Staff, Ticket, UserProfile};
use crate::service::{Mailroom, ServiceError, TicketService};
use crate::storage::outcome::{Effects, StatusChange, UserMessageOutcome};
use crate::telegram::outbound::{Outbound, OutboxDraft, Record, Reply};

/// What the handlers need; cheap to clone.
#[derive(Clone)]
pub struct Desk {
    pub tickets: TicketService,
    pub mailroom: Mailroom,
    pub support_chat: i64,
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
                // Other groups, channels, bots: not ours to answer.
                _ => self.ignore(ack).await,
            },
            _ => self.ignore(ack).await,
        }
    }

    async fn ignore(&self, ack: Option<i64>) -> Result<(), ServiceError> {
        self.mailroom.acknowledge(&Effects { ack, plan: &|_| Vec::new() }).await
    }

    async fn reply(&self, ack: Option<i64>, chat: i64, html: String) -> Result<(), ServiceError> {
        let plan = move |_: &()| vec![OutboxDraft::text(chat, html.clone())];
        self.mailroom.acknowledge(&Effects { ack, plan: &plan }).await
    }

    async fn on_user_message(&self, ack: Option<i64>, message: &Message, from: &User) -> Result<(), ServiceError> {
        let lang = Lang::from_code(from.language_code.as_deref());
        let chat = message.chat.id.0;
        match command(message).as_deref() {
            Some("start") | Some("help") => {
                return self.reply(ack, chat, text::greeting(lang)).await;
            }
            Some("status") => {
                let html = match self.tickets.open_ticket_of(chat).await? {
                    Some(t) => text::status_open(lang, t.number, &day(&t)),
                    None => text::no_open_ticket(lang),
                };
                return self.reply(ack, chat, html).await;
            }
            Some(c @ ("close" | "new")) => {
                return self.user_closes(ack, chat, lang, c == "new").await;
            }
            _ => {}
        }
        let profile = profile_of(from);
        let draft = MessageDraft {
            direction: Direction::FromUser,
            sender_id: profile.id,
            user_chat_id: chat,
            user_message_id: Some(message.id.0),
            support_chat_id: None,
            support_message_id: None,
            kind: content_kind(message),
            text: message.text().or(message.caption()).map(str::to_string),
        };
        let support = self.support_chat;
        let message_id = message.id.0;
        let plan = move |outcome: &UserMessageOutcome| match outcome {
            UserMessageOutcome::Banned { .. } => vec![OutboxDraft::text(chat, text::banned(lang))],
            UserMessageOutcome::Filed { user, ticket, message: filed, new_ticket } => {
                let mut out = Vec::new();
                if *new_ticket {
                    let card =
                        text::card(ticket.number, &day(ticket), user.id, &display_name(user), user.username.as_deref());
                    out.push(
                        OutboxDraft::new(support, Outbound::Text { html: card, reply: None }, Record::TicketCard)
                            .for_ticket(ticket.id),
                    );
                }
                let copy = Outbound::Copy { from_chat_id: chat, message_id, reply: Some(Reply::TicketCard) };
                out.push(
                    OutboxDraft::new(support, copy, Record::SupportCopy).for_ticket(ticket.id).for_message(filed.id),
                );
                if *new_ticket {
                    out.push(OutboxDraft::text(chat, text::ticket_opened(lang, ticket.number, &day(ticket))));
                }
                out
            }
        };
        self.tickets.open_or_append_with(&profile, &draft, &Effects { ack, plan: &plan }).await.map(drop)
    }

    async fn user_closes(&self, ack: Option<i64>, chat: i64, lang: Lang, then_new: bool) -> Result<(), ServiceError> {
        let Some(ticket) = self.tickets.open_ticket_of(chat).await? else {
            let html = if then_new { text::new_ticket_prompt(lang) } else { text::no_open_ticket(lang) };
            return self.reply(ack, chat, html).await;
        };
        let support = self.support_chat;
        let plan = move |change: &StatusChange| match change {
            StatusChange::Changed(t) => {
                let mut out = vec![
                    OutboxDraft::text(chat, text::closed_for_user(lang, t.number, &day(t))),
                    card_reply(support, t, text::user_closed(t.number)),
                ];
                if then_new {
                    out.push(OutboxDraft::text(chat, text::new_ticket_prompt(lang)));
                }
                out
            }
            _ => vec![OutboxDraft::text(chat, text::no_open_ticket(lang))],
        };
        self.tickets.close_with(ticket.id, &Effects { ack, plan: &plan }).await.map(drop)
    }

    async fn on_support_message(&self, ack: Option<i64>, message: &Message, from: &User) -> Result<(), ServiceError> {
        let support = self.support_chat;
        let replied = message.reply_to_message();
        let ticket = match replied {
            Some(r) => self.tickets.ticket_of_support_message(support, r.id.0).await?,
            None => None,
        };
        if let Some(cmd) = command(message) {
            return match (cmd.as_str(), ticket) {
                ("close", Some(t)) => self.staff_sets_status(ack, &t, from, false).await,
                ("reopen", Some(t)) => self.staff_sets_status(ack, &t, from, true).await,
                (c @ ("close" | "reopen"), None) => self.reply(ack, support, text::staff_command_needs_ticket(c)).await,
                _ => self.reply(ack, support, text::staff_help()).await,
            };
        }
        match (replied, ticket) {
            (Some(_), Some(ticket)) => {
                let member = staff_of(from);
                let draft = MessageDraft {
                    direction: Direction::ToUser,
                    sender_id: member.user_id,
                    user_chat_id: ticket.user_id,
                    user_message_id: None,
                    support_chat_id: Some(support),
                    support_message_id: Some(message.id.0),
                    kind: content_kind(message),
                    text: message.text().or(message.caption()).map(str::to_string),
                };
                let (user_chat, message_id) = (ticket.user_id, message.id.0);
                let plan = move |filed: &crate::models::TicketMessage| {
                    let copy = Outbound::Copy { from_chat_id: support, message_id, reply: None };
                    vec![
                        OutboxDraft::new(user_chat, copy, Record::UserCopy)
                            .for_ticket(filed.ticket_id)
                            .for_message(filed.id),
                    ]
                };
                self.tickets
                    .record_staff_message_with(ticket.id, &member, &draft, &Effects { ack, plan: &plan })
                    .await
                    .map(drop)
            }
            // A reply to one of the bot's own messages that is no ticket's.
            (Some(r), None) if r.from.as_ref().is_some_and(|u| u.is_bot) => {
                let html = text::reply_to_no_ticket();
                let reply_to = message.id.0;
                let plan = move |_: &()| {
                    vec![OutboxDraft::new(
                        support,
                        Outbound::Text { html: html.clone(), reply: Some(Reply::Message(reply_to)) },
                        Record::Nothing,
                    )]
                };
                self.mailroom.acknowledge(&Effects { ack, plan: &plan }).await
            }
            // Staff talking among themselves: not relayed.
            _ => self.ignore(ack).await,
        }
    }

    async fn staff_sets_status(
        &self,
        ack: Option<i64>,
        ticket: &Ticket,
        from: &User,
        reopen: bool,
    ) -> Result<(), ServiceError> {
        let support = self.support_chat;
        let by = display_name_of(from);
        let user_chat = ticket.user_id;
        let number = ticket.number;
        let lang =
            Lang::from_code(self.tickets.find_user(ticket.user_id).await?.and_then(|u| u.language_code).as_deref());
        let plan = move |change: &StatusChange| match change {
            StatusChange::Changed(t) if reopen => {
                vec![card_reply(support, t, text::staff_reopened(t.number, &by))]
            }
            StatusChange::Changed(t) => vec![
                card_reply(support, t, text::staff_closed(t.number, &by)),
                OutboxDraft::text(user_chat, text::closed_for_user(lang, t.number, &day(t))),
            ],
            StatusChange::Unchanged(t) if reopen => {
                vec![card_reply(support, t, text::already_open(t.number))]
            }
            StatusChange::Unchanged(t) => {
                vec![card_reply(support, t, text::already_closed(t.number))]
            }
            StatusChange::UserHasOpenTicket(other) => {
                vec![OutboxDraft::text(support, text::user_has_other_ticket(number, other.number))]
            }
            StatusChange::NotFound => vec![OutboxDraft::text(support, text::reply_to_no_ticket())],
        };
        let effects = Effects { ack, plan: &plan };
        if reopen {
            self.tickets.reopen_with(ticket.id, &effects).await.map(drop)
        } else {
            self.tickets.close_with(ticket.id, &effects).await.map(drop)
        }
    }
}

/// A message to the support chat, as a reply to the ticket's card.
fn card_reply(support: i64, ticket: &Ticket, html: String) -> OutboxDraft {
    OutboxDraft::new(support, Outbound::Text { html, reply: Some(Reply::TicketCard) }, Record::Nothing)
        .for_ticket(ticket.id)
}

/// `/name` or `/name@bot` at the start of a text message.
fn command(message: &Message) -> Option<String> {
    let text = message.text()?;
    let word = text.strip_prefix('/')?.split_whitespace().next()?;
    Some(word.split('@').next().unwrap_or(word).to_ascii_lowercase())
}

fn day(ticket: &Ticket) -> String {
    ticket.day.format("%Y-%m-%d").to_string()
}

fn profile_of(user: &User) -> UserProfile {
    UserProfile {
        id: user.id.0 as i64,
        username: user.username.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        language_code: user.language_code.clone(),
    }
}

fn staff_of(user: &User) -> Staff {
    Staff {
        user_id: user.id.0 as i64,
        username: user.username.clone(),
        display_name: display_name_of(user),
        is_admin: false,
        created_at: chrono::Utc::now().naive_utc(),
    }
}

fn display_name_of(user: &User) -> String {
    match &user.last_name {
        Some(last) => format!("{} {last}", user.first_name),
        None => user.first_name.clone(),
    }
}

fn display_name(user: &crate::models::User) -> String {
    match &user.last_name {
        Some(last) => format!("{} {last}", user.first_name),
        None => user.first_name.clone(),
    }
}

fn content_kind(message: &Message) -> ContentKind {
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
