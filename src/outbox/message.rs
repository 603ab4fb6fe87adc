//! What the outbox holds: a message to send, decided inside the transaction
//! that caused it, and what to record once Telegram has accepted it. The
//! desk writes `OutboxDraft`s; `into_row` turns one into its stored form.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::storage::outbox::SentTarget;
use crate::storage::rows::NewOutboxRow;

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
    /// The bot leaves the chat (a group it does not serve).
    LeaveChat,
    /// A text with buttons under it (an inline keyboard): pressing one
    /// sends the bot a callback query with the button's data.
    Ask {
        html: String,
        buttons: Vec<Button>,
    },
    /// Edits a text the bot sent in this chat (`editMessageText`), with the
    /// buttons it is to keep (none: they go).
    EditText {
        message_id: i32,
        html: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Button>,
    },
    /// Edits the user's copy of a staff answer to read as staff's edited
    /// message does: its text (`editMessageText`) or its caption
    /// (`editMessageCaption`), with its formatting (Telegram's entities).
    EditCopy {
        message_id: i32,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entities: Option<serde_json::Value>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        caption: bool,
    },
    /// A picture the bot drew (`sendPhoto`, uploaded): the PNG's bytes in
    /// base64 (`encode_file`), so the row stays JSON.
    Photo {
        png: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// A file the bot made (`sendDocument`, uploaded): an export, its bytes
    /// in base64 (`encode_file`).
    Document {
        name: String,
        file: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// Deletes a forum topic and every message in it (`deleteForumTopic`):
    /// an erased user's, when staff ask for it.
    DeleteTopic {
        thread: i32,
    },
    /// Deletes a message the bot sent in this chat (`deleteMessage`).
    Delete {
        message_id: i32,
    },
    /// Answers a button press (`answerCallbackQuery`): the spinner on the
    /// button stops, and `text`, if any, shows briefly.
    AnswerPress {
        query_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
}

/// One button of an inline keyboard, in one row with the others: what it
/// shows, and the data its press carries back (at most 64 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub data: String,
}

impl Outbound {
    /// Goes into the ticket's forum topic, when it has one.
    pub fn wants_topic(&self) -> bool {
        match self {
            Self::Text { topic, .. } | Self::Copy { topic, .. } => *topic,
            Self::CloseTopic | Self::ReopenTopic => true,
            Self::CreateTopic { .. }
            | Self::LeaveChat
            | Self::Ask { .. }
            | Self::EditText { .. }
            | Self::EditCopy { .. }
            | Self::Photo { .. }
            | Self::Document { .. }
            | Self::DeleteTopic { .. }
            | Self::Delete { .. }
            | Self::AnswerPress { .. } => false,
        }
    }

    pub fn reply(&self) -> Option<Reply> {
        match self {
            Self::Text { reply, .. } | Self::Copy { reply, .. } => *reply,
            _ => None,
        }
    }
}

/// A file's bytes for `Outbound::Photo` or `Outbound::Document`.
pub fn encode_file(png: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(png)
}

/// The bytes of an `Outbound::Photo` or `Outbound::Document`; `None` when
/// the row was tampered with.
pub fn decode_file(png: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(png).ok()
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

impl Record {
    pub fn target(self) -> SentTarget {
        match self {
            Record::Nothing => SentTarget::Nothing,
            Record::TicketCard | Record::RequestedCard => SentTarget::Card,
            Record::SupportCopy | Record::RequestedCopy => SentTarget::SupportCopy,
            Record::UserCopy => SentTarget::UserCopy,
            Record::TicketTopic => SentTarget::Topic,
        }
    }

    /// The sent message is the ticket's card.
    pub fn is_card(self) -> bool {
        matches!(self, Record::TicketCard | Record::RequestedCard)
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
    /// Drafts with the same key written by one batch of updates are written
    /// once, the first time: a later one would say nothing the first does
    /// not (an edit's follow-up copies the message as it reads when sent).
    pub merge_key: Option<String>,
}

impl OutboxDraft {
    pub fn text(chat_id: i64, html: String) -> Self {
        Self::new(chat_id, Outbound::Text { html, reply: None, topic: false }, Record::Nothing)
    }

    pub fn new(chat_id: i64, message: Outbound, record: Record) -> Self {
        Self {
            chat_id,
            envelope: Envelope { message, record },
            ticket_id: None,
            ticket_message_id: None,
            hold: None,
            merge_key: None,
        }
    }

    pub fn for_ticket(mut self, ticket_id: i64) -> Self {
        self.ticket_id = Some(ticket_id);
        self
    }

    pub fn for_message(mut self, ticket_message_id: i64) -> Self {
        self.ticket_message_id = Some(ticket_message_id);
        self
    }

    /// Album members wait a moment for the rest of their album.
    /// Merged with the batch's other drafts of this key (`merge_key`).
    pub fn merged_as(mut self, key: String) -> Self {
        self.merge_key = Some(key);
        self
    }

    pub fn held_for_album(mut self) -> Self {
        if matches!(self.envelope.message, Outbound::Copy { album: Some(_), .. }) {
            self.hold = Some(chrono::Duration::milliseconds(ALBUM_WAIT_MS));
        }
        self
    }

    /// The row as stored, written at `now`.
    pub fn into_row(self, now: NaiveDateTime) -> NewOutboxRow {
        NewOutboxRow {
            chat_id: self.chat_id,
            payload: serde_json::to_string(&self.envelope)
                .expect("an envelope is plain data (strings, numbers, enums): it always serialises"),
            ticket_id: self.ticket_id,
            ticket_message_id: self.ticket_message_id,
            created_at: now,
            not_before: now + self.hold.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_stored_as_its_envelope_and_held_for_its_album() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc();
        let copy = Outbound::Copy { from_chat_id: 5, message_id: 9, album: Some("a".into()), reply: None, topic: true };
        let row =
            OutboxDraft::new(-100, copy.clone(), Record::SupportCopy).for_ticket(3).held_for_album().into_row(now);
        let envelope: Envelope = serde_json::from_str(&row.payload).unwrap();
        assert_eq!(envelope, Envelope { message: copy, record: Record::SupportCopy });
        assert_eq!((row.chat_id, row.ticket_id), (-100, Some(3)));
        assert_eq!(row.not_before - now, chrono::Duration::milliseconds(ALBUM_WAIT_MS));
        let plain = OutboxDraft::text(5, "hi".into()).held_for_album().into_row(now);
        assert_eq!(plain.not_before, now, "only album members wait");
    }
}
