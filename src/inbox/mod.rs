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
