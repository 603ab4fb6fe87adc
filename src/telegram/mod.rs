//! ticketbot's client side of the Bot API, below every layer that talks to
//! Telegram: the client (`api`), what the bot asks once at start and what
//! the answers mean for the operator (`startup`), the update kinds the bot
//! asks for, the command menus and webhook registration.

pub mod api;
pub mod startup;
pub mod webhook;

use serde_json::json;
use teloxide::types::BotCommand;

use api::{BotApi, CALL_TIMEOUT};

/// The update kinds the bot handles; polling and the webhook ask for the
/// same.
pub const ALLOWED_UPDATES: [&str; 3] = ["message", "edited_message", "callback_query"];

/// Registers the command menus: for private chats, one per language
/// (`None`: everyone's, the others by the app's two-letter language code),
/// and one for the support group. A failure only costs the menu, so it is
/// logged, not fatal; each is asked once, without waiting on a failing
/// server.
pub async fn register_commands(
    api: &BotApi,
    support_chat: i64,
    users: &[(Option<String>, Vec<BotCommand>)],
    staff: &[BotCommand],
) {
    let private = users.iter().map(|(language, commands)| {
        let mut params = json!({ "commands": commands, "scope": { "type": "all_private_chats" } });
        if let Some(language) = language {
            params["language_code"] = json!(language);
        }
        ("private chats", params)
    });
    let support = json!({ "commands": staff, "scope": { "type": "chat", "chat_id": support_chat } });
    for (scope, params) in private.chain([("support chat", support)]) {
        if let Err(failure) = api.call::<serde_json::Value>("setMyCommands", &params, CALL_TIMEOUT).await {
            tracing::warn!(scope, %failure, "cannot register the command menu");
        }
    }
}
