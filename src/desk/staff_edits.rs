//! What staff change after answering: an edit of an answer follows it into
//! the user's chat, and `/unsend` takes an answer back (Telegram lets a bot
//! delete its messages in a private chat for 48 hours).

use teloxide::types::Message;

use super::filed::stored_text;
use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::domain::Direction;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::render;
use crate::storage::{messages, tickets};

/// How long Telegram lets a bot delete its message in a private chat; a
/// little less, for the time the delete waits in the outbox.
const UNSEND_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(47);

impl Desk {
    /// Staff edited a message in the support chat: when it is an answer the
    /// user has, their copy is edited to match (text or caption, with its
    /// formatting) and the ticket keeps the new text. An answer whose copy
    /// is still waiting to go needs nothing: the copy is made when it goes.
    pub(super) async fn staff_edit(&self, tx: &mut Tx, message: &Message) -> Result<Reaction, DeskError> {
        // A command is no answer, whatever it sent (`/s NAME` files its
        // saved reply under the command's id): editing it changes nothing.
        if message.text().is_some_and(|t| t.starts_with('/')) {
            return Ok(Reaction::default());
        }
        let found = messages::find_by_support_side(tx, message.chat.id.0, message.id.0).await?;
        let Some(filed) = found.filter(|m| m.direction == Direction::ToUser && m.unsent_at.is_none()) else {
            return Ok(Reaction::default());
        };
        messages::set_edited(tx, filed.id, stored_text(message).as_deref(), self.now()).await?;
        let Some(copy) = filed.user_message_id else { return Ok(Reaction::default()) };
        let entities = |e: Option<&[teloxide::types::MessageEntity]>| e.and_then(|e| serde_json::to_value(e).ok());
        let edit = match (message.text(), message.caption()) {
            (Some(text), _) => Outbound::EditCopy {
                message_id: copy,
                text: text.into(),
                entities: entities(message.entities()),
                caption: false,
            },
            (None, Some(caption)) => Outbound::EditCopy {
                message_id: copy,
                text: caption.into(),
                entities: entities(message.caption_entities()),
                caption: true,
            },
            (None, None) => return Ok(Reaction::default()),
        };
        Ok(Reaction::say(vec![OutboxDraft::new(filed.user_chat_id, edit, Record::Nothing)]))
    }

    /// `/unsend`, as a reply to a staff answer: its copy is deleted from
    /// the user's chat, the ticket keeps it marked unsent (and its clock as
    /// if it had never been sent), staff are told.
    pub(super) async fn unsend(&self, tx: &mut Tx, message: &Message) -> Result<Reaction, DeskError> {
        let say = |html: String| Ok(Reaction::say(vec![self.support.text(html)]));
        let Some(replied) = message.reply_to_message() else { return say(render::staff::unsend_usage(self.words())) };
        let found = messages::find_by_support_side(tx, self.support.id(), replied.id.0).await?;
        let Some(filed) = found.filter(|m| m.direction == Direction::ToUser) else {
            return say(render::staff::unsend_usage(self.words()));
        };
        let now = self.now();
        let html = match (filed.unsent_at, filed.user_message_id) {
            (Some(_), _) => render::staff::already_unsent(self.words()),
            (None, None) => render::staff::unsend_not_delivered(self.words()),
            (None, Some(_)) if now - filed.created_at > UNSEND_WINDOW => render::staff::unsend_too_old(self.words()),
            (None, Some(copy)) => {
                messages::set_unsent(tx, filed.id, now).await?;
                // The user never got it: their ticket's clock reads as if
                // it had not been sent.
                tickets::answer_taken_back(tx, filed.ticket_id).await?;
                let delete = Outbound::Delete { message_id: copy };
                return Ok(Reaction::say(vec![
                    OutboxDraft::new(filed.user_chat_id, delete, Record::Nothing),
                    self.support.about(filed.ticket_id, render::staff::unsent(self.words())),
                ]));
            }
        };
        say(html)
    }
}
