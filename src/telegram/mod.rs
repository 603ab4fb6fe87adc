//! ticketbot's client side of the Bot API, below every layer that talks to
//! Telegram: the teloxide client for the configured server, the update
//! kinds the bot asks for, what it asks once at start (the support chat's
//! mode, its own @username, the command menus) and webhook registration.

pub mod webhook;

use teloxide::Bot;
use teloxide::payloads::SetMyCommandsSetters;
use teloxide::prelude::Requester;
use teloxide::requests::Request;
use teloxide::types::{
    AllowedUpdate, BotCommand, BotCommandScope, ChatFullInfoKind, ChatFullInfoPublicKind, ChatId, Recipient,
};

use crate::config::BotConfig;

/// The teloxide client for the configured Bot API.
pub fn client(config: &BotConfig) -> Bot {
    let bot = Bot::new(config.token.expose());
    match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// The update kinds the bot handles; polling and the webhook ask for the
/// same.
pub fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![AllowedUpdate::Message, AllowedUpdate::EditedMessage, AllowedUpdate::CallbackQuery]
}

/// Whether the support group is a forum (one topic per ticket). Asked once
/// at start; when Telegram cannot say, the plain-group mode is used, which
/// works in a forum too (everything lands in its General topic).
pub async fn support_is_forum(bot: &Bot, support_chat: i64) -> bool {
    match bot.get_chat(ChatId(support_chat)).await {
        Ok(chat) => {
            let forum = match &chat.kind {
                ChatFullInfoKind::Public(public) => {
                    matches!(&public.kind, ChatFullInfoPublicKind::Supergroup(s) if s.is_forum)
                }
                ChatFullInfoKind::Private(_) => false,
            };
            tracing::info!(support_chat, forum, "support chat mode");
            forum
        }
        Err(e) => {
            tracing::warn!(support_chat, error = %e, "cannot read the support chat; using plain-group mode");
            false
        }
    }
}

/// The bot's @username, to tell its commands from other bots' in the group.
pub async fn bot_username(bot: &Bot) -> Option<String> {
    match bot.get_me().await {
        Ok(me) => me.user.username.clone(),
        Err(e) => {
            tracing::warn!(error = %e, "getMe failed; commands addressed to other bots will be answered");
            None
        }
    }
}

/// Registers the command menus: one for private chats, one for the support
/// group. A failure only costs the menu, so it is logged, not fatal.
pub async fn register_commands(bot: &Bot, support_chat: i64, users: Vec<BotCommand>, staff: Vec<BotCommand>) {
    let private = bot.set_my_commands(users).scope(BotCommandScope::AllPrivateChats);
    let support =
        bot.set_my_commands(staff).scope(BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(support_chat)) });
    for (scope, result) in [("private chats", private.send().await), ("support chat", support.send().await)] {
        if let Err(e) = result {
            tracing::warn!(scope, error = %e, "cannot register the command menu");
        }
    }
}
