//! What the outbox holds: a message to send, decided inside the transaction
//! that caused it, and what to record once Telegram has accepted it.

use serde::{Deserialize, Serialize};

/// A message for one chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outbound {
    /// A text the bot writes, in Telegram HTML (every user-supplied part
    /// already escaped).
    Text {
        html: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply: Option<Reply>,
        /// Post in the ticket's forum topic (when it has one).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        topic: bool,
    },
    /// A copy of a message from another chat: any content (text, media,
    /// albums' members), without a "forwarded from" header.
    Copy {
        from_chat_id: i64,
        message_id: i32,
        /// The album (media group) it belongs to: album members waiting in
        /// the same chat are copied together with `copyMessages`, so they
        /// arrive as an album.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        album: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply: Option<Reply>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        topic: bool,
    },
    /// Opens the ticket's forum topic (record `TicketTopic`).
    CreateTopic {
        name: String,
    },
    /// Closes or reopens the ticket's forum topic.
    CloseTopic,
    ReopenTopic,
}

/// Which message to reply to, resolved when the message is sent: the card
/// of a ticket may itself still be in the outbox when this is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Message(i32),
    /// The card of the outbox row's ticket in the support chat.
    TicketCard,
}

/// What the delivery worker records once Telegram accepted the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    #[default]
    Nothing,
    /// The sent message is the ticket's card (`tickets.support_message_id`).
    TicketCard,
    /// The same, for a card staff asked for (`/ticket`): an answer, so
    /// never merged into a digest.
    RequestedCard,
    /// The sent message is the support-chat copy of the row's ticket message.
    SupportCopy,
    /// The same, sent because staff asked (`/ticket` shows what a digest
    /// only summed up): never merged into a digest.
    RequestedCopy,
    /// The sent message is the user-chat copy of the row's ticket message.
    UserCopy,
    /// The created topic is the ticket's (`tickets.support_thread_id`).
    TicketTopic,
}

/// What recording a sent row sets. The discriminants are the codes
/// PostgreSQL's one-statement record of a batch (`RecordSent`) goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Nothing = 0,
    /// The ticket's card (`tickets.support_message_id`).
    Card = 1,
    /// The message's support-chat copy.
    SupportCopy = 2,
    /// The message's user-chat copy.
    UserCopy = 3,
    /// The ticket's forum topic (`tickets.support_thread_id`).
    Topic = 4,
}

impl Record {
    pub fn target(self) -> Target {
        match self {
            Record::Nothing => Target::Nothing,
            Record::TicketCard | Record::RequestedCard => Target::Card,
            Record::SupportCopy | Record::RequestedCopy => Target::SupportCopy,
            Record::UserCopy => Target::UserCopy,
            Record::TicketTopic => Target::Topic,
        }
    }
}

/// An outbox row Telegram accepted, waiting to be recorded: the row, what
/// it records, and the id Telegram gave the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub outbox_id: i64,
    pub chat_id: i64,
    pub ticket_id: Option<i64>,
    pub ticket_message_id: Option<i64>,
    pub record: Record,
    pub message_id: i32,
}

impl Sent {
    pub fn of(row: &crate::models::OutboxRow, record: Record, message_id: i32) -> Self {
        Self {
            outbox_id: row.id,
            chat_id: row.chat_id,
            ticket_id: row.ticket_id,
            ticket_message_id: row.ticket_message_id,
            record,
            message_id,
        }
    }
}

/// The outbox payload: the message and its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub message: Outbound,
    #[serde(default)]
    pub record: Record,
}

/// How long an album member waits for its siblings before it is sent.
pub const ALBUM_WAIT_MS: i64 = 1500;

/// A row to add to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxDraft {
    pub chat_id: i64,
    pub envelope: Envelope,
    pub ticket_id: Option<i64>,
    pub ticket_message_id: Option<i64>,
    /// Not sent before this much time has passed (album members wait for
    /// their siblings, which arrive as separate updates).
    pub hold: Option<chrono::Duration>,
}

impl OutboxDraft {
    pub fn text(chat_id: i64, html: String) -> Self {
        Self::new(chat_id, Outbound::Text { html, reply: None, topic: false }, Record::Nothing)
    }

    pub fn new(chat_id: i64, message: Outbound, record: Record) -> Self {
        Self { chat_id, envelope: Envelope { message, record }, ticket_id: None, ticket_message_id: None, hold: None }
    }

    pub fn for_ticket(mut self, ticket_id: i64) -> Self {
        self.ticket_id = Some(ticket_id);
        self
    }

    /// Album members wait a moment for the rest of their album.
    pub fn held_for_album(mut self) -> Self {
        if matches!(self.envelope.message, Outbound::Copy { album: Some(_), .. }) {
            self.hold = Some(chrono::Duration::milliseconds(ALBUM_WAIT_MS));
        }
        self
    }

    pub fn for_message(mut self, ticket_message_id: i64) -> Self {
        self.ticket_message_id = Some(ticket_message_id);
        self
    }
}
