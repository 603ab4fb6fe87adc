//! The bot's only way in. Updates arrive by long polling (`poller`) or by
//! webhook (`webhook`), are stored in `inbox_updates` before Telegram is
//! told they arrived, and are then handled by the `processor`, which opens
//! the transaction, routes each update, lets the desk act on it and writes
//! what the desk decided, with the update's inbox mark, in that same
//! transaction.

mod failures;
pub mod poller;
pub mod processor;
pub mod webhook;

use chrono::NaiveDateTime;

use crate::db::{Db, DbError};
use crate::storage::inbox;
use crate::storage::rows::NewInboxUpdate;

/// An update as Telegram sent it: its id, its chat and its JSON.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: String,
}

impl Fetched {
    /// The update `payload` (Telegram's JSON, kept byte for byte), with its
    /// chat found without reading the rest: an update of a kind this
    /// version does not know is stored all the same, and the processor
    /// sets it aside with the reason.
    pub fn new(update_id: i64, payload: String) -> Self {
        Self { update_id, chat_id: chat_of(&payload), payload }
    }
}

/// The chat an update is about, for keeping each chat's updates in order.
fn chat_of(payload: &str) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Chat {
        id: i64,
    }
    #[derive(serde::Deserialize)]
    struct Message {
        chat: Chat,
    }
    #[derive(serde::Deserialize)]
    struct Callback {
        message: Option<Message>,
    }
    #[derive(serde::Deserialize)]
    struct Update {
        message: Option<Message>,
        edited_message: Option<Message>,
        callback_query: Option<Callback>,
    }
    let update: Update = serde_json::from_str(payload).ok()?;
    let message = update.message.or(update.edited_message).or(update.callback_query.and_then(|c| c.message));
    message.map(|m| m.chat.id)
}

/// Stores fetched updates, all or none; redeliveries are dropped. Only
/// after this returns may Telegram be told they arrived.
pub async fn store(db: &Db, updates: &[Fetched], now: NaiveDateTime) -> Result<usize, DbError> {
    if updates.is_empty() {
        return Ok(0);
    }
    let rows: Vec<NewInboxUpdate<'_>> = updates
        .iter()
        .map(|u| NewInboxUpdate { update_id: u.update_id, chat_id: u.chat_id, payload: &u.payload })
        .collect();
    Ok(inbox::store(&mut db.writer().await?, &rows, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chat_is_found_in_every_kind_the_bot_asks_for_and_in_no_other() {
        let chat = |json: &str| Fetched::new(1, json.to_string()).chat_id;
        assert_eq!(chat(r#"{"update_id":1,"message":{"message_id":5,"chat":{"id":-100}}}"#), Some(-100));
        assert_eq!(chat(r#"{"update_id":1,"edited_message":{"chat":{"id":42},"text":"x"}}"#), Some(42));
        assert_eq!(chat(r#"{"update_id":1,"callback_query":{"id":"q","message":{"chat":{"id":7}}}}"#), Some(7));
        // A kind from a newer Bot API, and a body teloxide could not read.
        assert_eq!(chat(r#"{"update_id":1,"purchased_paid_media":{"from":{"id":1}}}"#), None);
        assert_eq!(chat(r#"{"update_id":1,"message":{"chat":{"id":"not a number"}}}"#), None);
    }
}
