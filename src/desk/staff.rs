//! Staff replies: a message in a ticket's forum topic, or a reply to
//! anything the bot posted about a ticket, reaches that ticket's user.

use teloxide::types::Message;

use super::filed::{staff_draft, staff_of};
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Tx};
use crate::domain::Direction;
use crate::metrics::Tally;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record, Reply};
use crate::render;
use crate::storage::rows::Ticket;
use crate::storage::{filing, outbox, tickets};

/// How long after the bot posted a message a reply to it may wait for the
/// message to be recorded (the delivery worker records within about 250 ms
/// of Telegram's answer; this leaves room for a slow database).
const UNPLACED_GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(15);

impl Desk {
    /// The ticket a support-chat message is about: in a forum, the ticket
    /// of its topic; otherwise the ticket of the message it replies to.
    pub(super) async fn ticket_of(&self, conn: &mut Conn, message: &Message) -> Result<Option<Ticket>, DeskError> {
        if let Some(thread) = message.thread_id.filter(|_| self.support.forum() && message.is_topic_message) {
            if let Some(ticket) = tickets::of_topic(conn, self.support.id(), thread.0.0).await? {
                return Ok(Some(ticket));
            }
        }
        match message.reply_to_message() {
            Some(replied) => Ok(tickets::of_support_message(conn, self.support.id(), replied.id.0).await?),
            None => Ok(None),
        }
    }

    /// A reply or a topic message: an answer when it is about a ticket; a
    /// reply to one of the bot's own messages that is no ticket's gets a
    /// one-line explanation; anything else is staff talking among
    /// themselves.
    pub(super) async fn staff_message(&self, tx: &mut Tx, message: &Message) -> Result<Reaction, DeskError> {
        if let Some(ticket) = self.ticket_of(tx, message).await? {
            return self.answer(tx, message, &ticket).await;
        }
        let Some(replied) = message.reply_to_message().filter(|r| r.from.as_ref().is_some_and(|u| u.is_bot)) else {
            return Ok(Reaction::default());
        };
        let support = self.support.id();
        let html = if outbox::is_digest(tx, support, replied.id.0).await? {
            render::staff::reply_to_digest(self.words())
        } else if !outbox::is_recorded(tx, support, replied.id.0).await?
            && self.clock.now() - replied.date < UNPLACED_GRACE
        {
            // A card or relay Telegram took a moment ago may not be
            // recorded yet: the reply waits for it rather than being refused.
            return Err(DeskError::NotYetPlaced);
        } else {
            render::staff::reply_to_no_ticket(self.words())
        };
        let text = Outbound::Text { html, reply: Some(Reply::Message(message.id.0)), topic: false };
        Ok(Reaction::say(vec![OutboxDraft::new(self.support.id(), text, Record::Nothing)]))
    }

    /// A staff answer: filed on the ticket and copied to its user (media
    /// and formatting survive).
    async fn answer(&self, tx: &mut Tx, message: &Message, ticket: &Ticket) -> Result<Reaction, DeskError> {
        let Some(from) = &message.from else { return Ok(Reaction::default()) };
        let now = self.now();
        let member = staff_of(from, now);
        let draft = staff_draft(message, Direction::ToUser, member.user_id, ticket.user_id);
        let filed = filing::staff_message(tx, ticket.id, &member, &draft, now).await?;
        let copy = Outbound::Copy {
            from_chat_id: self.support.id(),
            message_id: message.id.0,
            album: message.media_group_id().map(|g| g.0.clone()),
            reply: None,
            topic: false,
        };
        let to_user = OutboxDraft::new(ticket.user_id, copy, Record::UserCopy)
            .for_ticket(ticket.id)
            .for_message(filed.id)
            .held_for_album();
        Ok(Reaction { drafts: vec![to_user], tally: Tally { to_user: 1, ..Tally::default() } })
    }
}
