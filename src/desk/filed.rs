//! A Telegram message or person as a ticket stores them.

use chrono::NaiveDateTime;
use teloxide::types::{Message, User};

use crate::domain::{ContentKind, Direction, MessageDraft, UserProfile};
use crate::render::full_name;
use crate::storage::rows::Staff;

/// The text or caption of a message as it is stored. PostgreSQL's TEXT
/// cannot hold NUL, so it becomes U+FFFD; nothing else changes.
pub(super) fn stored_text(message: &Message) -> Option<String> {
    message.text().or(message.caption()).map(|t| t.replace('\0', "\u{FFFD}"))
}

/// A message sent in the support chat, filed on a ticket of `user_chat`.
pub(super) fn staff_draft(message: &Message, direction: Direction, sender: i64, user_chat: i64) -> MessageDraft {
    MessageDraft {
        direction,
        sender_id: sender,
        user_chat_id: user_chat,
        user_message_id: None,
        support_chat_id: Some(message.chat.id.0),
        support_message_id: Some(message.id.0),
        kind: content_kind(message),
        text: stored_text(message),
    }
}

/// A user's message in their private chat.
pub(super) fn user_draft(message: &Message, sender: i64) -> MessageDraft {
    MessageDraft {
        direction: Direction::FromUser,
        sender_id: sender,
        user_chat_id: message.chat.id.0,
        user_message_id: Some(message.id.0),
        support_chat_id: None,
        support_message_id: None,
        kind: content_kind(message),
        text: stored_text(message),
    }
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

/// A staff member as `staff` records them when they act.
pub(super) fn staff_of(user: &User, now: NaiveDateTime) -> Staff {
    Staff {
        user_id: user.id.0 as i64,
        username: user.username.clone(),
        display_name: full_name(&user.first_name, user.last_name.as_deref()),
        is_admin: false,
        created_at: now,
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
