//! Users, in their private chat with the bot.

use teloxide::types::{Message, User};

use super::handle::{Desk, card_html, card_reply, content_kind, day, full_name, profile_of, topic_state};
use super::text::{self, Lang};
use crate::domain::Direction;
use crate::metrics::Metrics;
use crate::models::MessageDraft;
use crate::service::ServiceError;
use crate::storage::outcome::{Effects, StatusChange, UserMessageOutcome};
use crate::telegram::outbound::{Outbound, OutboxDraft, Record, Reply};

impl Desk {
    pub(super) async fn on_user_message(
        &self,
        ack: Option<i64>,
        message: &Message,
        from: &User,
    ) -> Result<(), ServiceError> {
        let lang = Lang::from_code(from.language_code.as_deref());
        let chat = message.chat.id.0;
        match self.command(message).map(|(name, _)| name).as_deref() {
            Some("start" | "help") => return self.reply(ack, chat, text::greeting(lang)).await,
            Some("status") => {
                let html = match self.tickets.open_ticket_of(chat).await? {
                    Some(t) => text::status_open(lang, t.number, &day(&t)),
                    None => text::no_open_ticket(lang),
                };
                return self.reply(ack, chat, html).await;
            }
            Some(c @ ("close" | "new")) => return self.user_closes(ack, chat, lang, c == "new").await,
            // Anything else, unknown commands included, is for staff to read.
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
            text: super::handle::stored_text(message),
        };
        let (support, forum) = (self.support_chat, self.forum);
        let message_id = message.id.0;
        let album = message.media_group_id().map(|g| g.0.clone());
        let plan = move |outcome: &UserMessageOutcome| match outcome {
            UserMessageOutcome::Banned { notify: true, .. } => vec![OutboxDraft::text(chat, text::banned(lang))],
            UserMessageOutcome::Banned { notify: false, .. } => Vec::new(),
            UserMessageOutcome::Filed { user, ticket, message: filed, new_ticket } => {
                let mut out = Vec::new();
                if *new_ticket {
                    let name = full_name(&user.first_name, user.last_name.as_deref());
                    if forum {
                        let topic = Outbound::CreateTopic { name: text::topic_name(ticket.number, &name) };
                        out.push(OutboxDraft::new(support, topic, Record::TicketTopic).for_ticket(ticket.id));
                    }
                    let card = Outbound::Text { html: card_html(ticket, user), reply: None, topic: forum };
                    out.push(OutboxDraft::new(support, card, Record::TicketCard).for_ticket(ticket.id));
                }
                // In a forum the topic holds the ticket; in a plain group the
                // replies to its card do.
                let reply = (!forum).then_some(Reply::TicketCard);
                let copy = Outbound::Copy { from_chat_id: chat, message_id, album: album.clone(), reply, topic: forum };
                out.push(
                    OutboxDraft::new(support, copy, Record::SupportCopy)
                        .for_ticket(ticket.id)
                        .for_message(filed.id)
                        .held_for_album(),
                );
                if *new_ticket {
                    out.push(OutboxDraft::text(chat, text::ticket_opened(lang, ticket.number, &day(ticket))));
                }
                out
            }
        };
        let outcome = self.tickets.open_or_append_with(&profile, &draft, &Effects { ack, plan: &plan }).await?;
        if let UserMessageOutcome::Filed { new_ticket, .. } = outcome {
            if new_ticket {
                Metrics::inc(&self.metrics.tickets_opened);
            }
            Metrics::inc(&self.metrics.relayed_to_staff);
        }
        Ok(())
    }

    /// An edit of a message staff already have: a marked follow-up (the
    /// marker, then a copy of the message as it reads now), under the
    /// relayed original.
    pub(super) async fn on_user_edit(&self, ack: Option<i64>, message: &Message) -> Result<(), ServiceError> {
        let (support, forum) = (self.support_chat, self.forum);
        let (chat, message_id) = (message.chat.id.0, message.id.0);
        let text = super::handle::stored_text(message);
        let plan = move |outcome: &Option<(crate::models::Ticket, crate::models::TicketMessage)>| {
            let Some((ticket, filed)) = outcome else { return Vec::new() };
            let reply = match (forum, filed.support_message_id) {
                (false, Some(id)) => Some(Reply::Message(id)),
                (false, None) => Some(Reply::TicketCard),
                (true, _) => None,
            };
            let marker = Outbound::Text { html: text::user_edited(ticket.number), reply, topic: forum };
            let copy = Outbound::Copy { from_chat_id: chat, message_id, album: None, reply: None, topic: forum };
            vec![
                OutboxDraft::new(support, marker, Record::Nothing).for_ticket(ticket.id),
                OutboxDraft::new(support, copy, Record::Nothing).for_ticket(ticket.id),
            ]
        };
        self.tickets
            .record_user_edit_with(chat, message_id, text.as_deref(), &Effects { ack, plan: &plan })
            .await
            .map(drop)
    }

    async fn user_closes(&self, ack: Option<i64>, chat: i64, lang: Lang, then_new: bool) -> Result<(), ServiceError> {
        let Some(ticket) = self.tickets.open_ticket_of(chat).await? else {
            let html = if then_new { text::new_ticket_prompt(lang) } else { text::no_open_ticket(lang) };
            return self.reply(ack, chat, html).await;
        };
        let (support, forum) = (self.support_chat, self.forum);
        let plan = move |change: &StatusChange| match change {
            StatusChange::Changed(t) => {
                let mut out = vec![
                    OutboxDraft::text(chat, text::closed_for_user(lang, t.number, &day(t))),
                    card_reply(support, forum, t, text::user_closed(t.number)),
                ];
                out.extend(topic_state(support, forum, t, false));
                if then_new {
                    out.push(OutboxDraft::text(chat, text::new_ticket_prompt(lang)));
                }
                out
            }
            _ => vec![OutboxDraft::text(chat, text::no_open_ticket(lang))],
        };
        let change = self.tickets.close_with(ticket.id, &Effects { ack, plan: &plan }).await?;
        self.count_closed(&change);
        Ok(())
    }
}
