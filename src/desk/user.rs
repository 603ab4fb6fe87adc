//! Users, in their private chat with the bot.

use teloxide::types::Message;

use super::commands::UserCommand;
use super::filed::{profile_of, stored_text, user_draft};
use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::metrics::Tally;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Envelope, Outbound, Record, Reply};
use crate::render::{self, Words};
use crate::storage::{Flood, StatusChange, UserMessageOutcome, filing, outbox, tickets};

impl Desk {
    pub(super) async fn user_command(
        &self,
        tx: &mut Tx,
        message: &Message,
        command: UserCommand,
    ) -> Result<Reaction, DeskError> {
        let lang = self.texts.user(message.from.as_ref().and_then(|u| u.language_code.as_deref()));
        let chat = message.chat.id.0;
        let html = match command {
            UserCommand::Start | UserCommand::Help => render::user::greeting(lang),
            UserCommand::Status => match tickets::open_ticket_of(tx, chat).await? {
                Some(t) => render::user::status_open(lang, t.number, t.day),
                None => render::user::no_open_ticket(lang),
            },
            UserCommand::Close => return self.user_closes(tx, chat, lang, false).await,
            UserCommand::New => return self.user_closes(tx, chat, lang, true).await,
        };
        Ok(Reaction::say(vec![OutboxDraft::text(chat, html)]))
    }

    /// Files the message on the user's ticket (opening one if need be) and
    /// relays it to staff: a new ticket's card first (in a forum, its topic
    /// first), then the message itself, a copy of it, under its card.
    pub(super) async fn user_message(&self, tx: &mut Tx, message: &Message) -> Result<Reaction, DeskError> {
        let Some(from) = &message.from else { return Ok(Reaction::default()) };
        let lang = self.texts.user(from.language_code.as_deref());
        let chat = message.chat.id.0;
        let profile = profile_of(from);
        let (day, now) = self.today_and_now();
        let draft = user_draft(message, profile.id);
        let outcome = filing::user_message(tx, &profile, &draft, self.rules.limits, day, now).await?;
        let support = &self.support;
        let (user, ticket, filed, new_ticket, flood) = match outcome {
            UserMessageOutcome::Banned { notify: true, .. } => {
                return Ok(Reaction::say(vec![OutboxDraft::text(chat, render::user::banned(lang))]));
            }
            UserMessageOutcome::Banned { notify: false, .. } => return Ok(Reaction::default()),
            UserMessageOutcome::Commented { ticket, score, .. } => {
                let text = draft.text.as_deref().unwrap_or_default();
                return Ok(self.rating_commented(&ticket, score, text, lang));
            }
            UserMessageOutcome::Filed { user, ticket, message, new_ticket, flood } => {
                (user, ticket, message, new_ticket, flood)
            }
        };
        let mut drafts = Vec::new();
        if new_ticket {
            if support.forum() {
                let topic = Outbound::CreateTopic { name: render::staff::topic_name(self.words(), &ticket, &user) };
                drafts.push(OutboxDraft::new(support.id(), topic, Record::TicketTopic).for_ticket(ticket.id));
            }
            let card = Outbound::Text {
                html: render::staff::card(self.words(), &ticket, &user),
                reply: None,
                topic: support.forum(),
            };
            drafts.push(OutboxDraft::new(support.id(), card, Record::TicketCard).for_ticket(ticket.id));
        }
        // Past the user's limits the message is kept, not posted: staff
        // and the user hear of it once.
        let limits = self.rules.limits;
        let (relay, told) = match flood {
            Flood::Within => (true, None),
            Flood::Messages { tell } => (
                false,
                tell.then(|| {
                    let staff = render::staff::flooding(self.words(), &user, &ticket, limits.messages_per_minute);
                    (render::user::slow_down(lang), staff)
                }),
            ),
            Flood::Tickets { tell } => (
                false,
                tell.then(|| {
                    let staff = render::staff::too_many_tickets(self.words(), &user, &ticket, limits.tickets_per_hour);
                    (render::user::too_many_tickets(lang, limits.tickets_per_hour), staff)
                }),
            ),
        };
        if relay {
            // In a forum the topic holds the ticket; in a plain group the
            // replies to its card do.
            let copy = Outbound::Copy {
                from_chat_id: chat,
                message_id: message.id.0,
                album: message.media_group_id().map(|g| g.0.clone()),
                reply: (!support.forum()).then_some(Reply::TicketCard),
                topic: support.forum(),
            };
            drafts.push(
                OutboxDraft::new(support.id(), copy, Record::SupportCopy)
                    .for_ticket(ticket.id)
                    .for_message(filed.id)
                    .held_for_album(),
            );
        }
        if new_ticket {
            drafts.push(OutboxDraft::text(chat, render::user::ticket_opened(lang, ticket.number, ticket.day)));
        }
        if relay {
            drafts.extend(self.away_notice(tx, &ticket, lang).await?);
        }
        if let Some((to_user, to_staff)) = told {
            tracing::warn!(user = user.id, ticket = ticket.id, ?flood, "a user went past their limits; told once");
            drafts.push(support.about(ticket.id, to_staff));
            drafts.push(OutboxDraft::text(chat, to_user));
        }
        let tally = Tally { opened: u64::from(new_ticket), to_staff: u64::from(relay), ..Tally::default() };
        Ok(Reaction { drafts, tally })
    }

    /// An edit of a message staff already have: a marked follow-up (the
    /// marker, then a copy of the message as it reads now), under the
    /// relayed original.
    pub(super) async fn user_edit(&self, tx: &mut Tx, message: &Message) -> Result<Reaction, DeskError> {
        let (chat, message_id) = (message.chat.id.0, message.id.0);
        let text = stored_text(message);
        let edited = filing::user_edit(tx, chat, message_id, text.as_deref(), self.rules.limits, self.now()).await?;
        // Past the user's limits the edit is kept, not mirrored (`/ticket`
        // shows the message as it reads now).
        let Some((ticket, filed, false)) = edited else {
            return Ok(Reaction::default());
        };
        let support = &self.support;
        // An earlier edit's follow-up still waiting copies the message as
        // it reads when it goes: this edit is in it already. (One sent a
        // moment ago and not recorded yet, within about 250 ms, also counts
        // as waiting: an edit in that moment reaches staff only with the
        // next edit, and is in the database and `/ticket` meanwhile.) (A user editing
        // a message a hundred times costs the support chat one follow-up
        // per send, not two hundred messages.)
        let waiting = outbox::waiting_about(tx, support.id(), ticket.id).await?;
        let queued = waiting.iter().filter_map(|row| serde_json::from_str::<Envelope>(&row.payload).ok()).any(|e| {
            matches!(e.message, Outbound::Copy { from_chat_id, message_id: m, .. } if from_chat_id == chat && m == message_id)
                && e.record == Record::Nothing
        });
        if queued {
            return Ok(Reaction::default());
        }
        let reply = match (support.forum(), filed.support_message_id) {
            (false, Some(id)) => Some(Reply::Message(id)),
            (false, None) => Some(Reply::TicketCard),
            (true, _) => None,
        };
        let marker = Outbound::Text {
            html: render::staff::user_edited(self.words(), ticket.number),
            reply,
            topic: support.forum(),
        };
        let copy = Outbound::Copy { from_chat_id: chat, message_id, album: None, reply: None, topic: support.forum() };
        // Within one batch the check above cannot see the drafts of the
        // batch's earlier edits (written at its end): the key merges them.
        let key = format!("edit {chat} {message_id}");
        Ok(Reaction::say(vec![
            OutboxDraft::new(support.id(), marker, Record::Nothing).for_ticket(ticket.id).merged_as(key.clone()),
            OutboxDraft::new(support.id(), copy, Record::Nothing).for_ticket(ticket.id).merged_as(key),
        ]))
    }

    /// `/close`, and `/new` (close, then the next message opens a ticket).
    async fn user_closes(
        &self,
        tx: &mut Tx,
        chat: i64,
        lang: Words<'_>,
        then_new: bool,
    ) -> Result<Reaction, DeskError> {
        let Some(ticket) = tickets::open_ticket_of(tx, chat).await? else {
            let html =
                if then_new { render::user::new_ticket_prompt(lang) } else { render::user::no_open_ticket(lang) };
            return Ok(Reaction::say(vec![OutboxDraft::text(chat, html)]));
        };
        let t = match tickets::close(tx, ticket.id, self.now()).await? {
            StatusChange::Changed(t) => t,
            _ => return Ok(Reaction::say(vec![OutboxDraft::text(chat, render::user::no_open_ticket(lang))])),
        };
        let mut drafts = self.closed(&t, lang, render::staff::closed_by_user(self.words(), t.number));
        if then_new {
            drafts.push(OutboxDraft::text(chat, render::user::new_ticket_prompt(lang)));
        }
        Ok(Reaction { drafts, tally: Tally { closed: 1, ..Tally::default() } })
    }
}
