//! The bot: updates come in through the inbox (`telegram::poller`), are
//! handled here, and everything the bot says leaves through the outbox
//! (`telegram::delivery`).

mod admins;
pub mod digest;
pub mod handle;
pub mod html;
pub mod processor;
mod staff;
pub mod text;
mod user;

use std::sync::Arc;
use std::time::Duration;

use teloxide::Bot;
use tokio::sync::{Notify, watch};

use crate::config::BotConfig;
use crate::db::leader::{Elector, Role, lead};
use crate::metrics::Metrics;
use crate::service::{Mailroom, TicketService};
use crate::telegram::delivery::DeliveryWorker;
use crate::telegram::poller::Poller;
use handle::Desk;
use processor::Processor;

/// The roles one replica at a time may hold.
pub struct Roles {
    pub polling: Elector,
    pub delivery: Elector,
}

impl Roles {
    pub fn new(database: &crate::config::DatabaseConfig) -> Result<Self, crate::db::DbError> {
        Ok(Self { polling: Elector::new(database, Role::Polling)?, delivery: Elector::new(database, Role::Delivery)? })
    }
}

/// How long shutdown waits for the tasks to finish what they hold.
const DRAIN: Duration = Duration::from_secs(10);

/// The teloxide client for the configured Bot API.
pub fn client(config: &BotConfig) -> Bot {
    let bot = Bot::new(config.token.expose());
    match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// Runs the poller, the processor and the delivery worker until `shutdown`
/// resolves, then stops fetching, lets the in-hand update finish and gives
/// the outbox up to 10 s to drain.
pub async fn run(
    config: &BotConfig,
    tickets: TicketService,
    mailroom: Mailroom,
    metrics: Arc<Metrics>,
    stored: Arc<Notify>,
    roles: Roles,
    shutdown: impl Future<Output = ()>,
) {
    let bot = client(config);
    let outbox = Arc::new(Notify::new());
    let admins = admins::AdminCache::new(bot.clone(), config.support_chat_id);
    let forum = is_forum(&bot, config.support_chat_id).await;
    let username = bot_username(&bot).await;
    let desk = Desk {
        tickets: tickets.clone(),
        mailroom: mailroom.clone(),
        support_chat: config.support_chat_id,
        forum,
        username,
        admins,
        metrics: metrics.clone(),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let (drain_tx, drain_rx) = watch::channel(false);

    // Updates come by webhook (the HTTP server stores them) or by polling.
    let poller = match &config.webhook {
        // Registered in the background, retried until Telegram takes it.
        Some(webhook) => Some(tokio::spawn(crate::telegram::webhook::register(bot.clone(), webhook.clone()))),
        None => {
            crate::telegram::webhook::remove(&bot).await;
            // One replica polls (Telegram refuses a second); the others
            // stand by and take over when it stops.
            let poller = Arc::new(Poller::new(bot.clone(), mailroom.clone(), stored.clone()));
            Some(tokio::spawn(lead(roles.polling, stop_rx.clone(), move |halt| {
                let poller = poller.clone();
                async move { poller.run(halt).await }
            })))
        }
    };
    let processor = tokio::spawn(Processor::new(desk, stored, outbox.clone()).run(stop_rx));
    let support = (config.support_chat_id, forum);
    // One replica sends, so the flood limits are kept in one place.
    let worker =
        Arc::new(DeliveryWorker::new(bot.clone(), mailroom.clone(), metrics, outbox.clone(), support, config.paced));
    if !config.paced {
        tracing::warn!("DELIVERY_PACING=off: Telegram's flood limits are not kept (benchmarks only)");
    }
    let delivery = tokio::spawn(lead(roles.delivery, drain_rx, move |halt| {
        let worker = worker.clone();
        async move { worker.run(halt).await }
    }));

    register_commands(&bot, config.support_chat_id).await;
    shutdown.await;
    tracing::info!("stopping: no more fetching; finishing the update in hand");
    let _ = stop_tx.send(true);
    match (&config.webhook, poller) {
        // Still retrying setWebhook: nothing to finish.
        (Some(_), Some(registering)) => registering.abort(),
        // The poller stops between calls, never mid-store.
        (None, Some(poller)) => {
            let _ = poller.await;
        }
        _ => {}
    }
    let _ = processor.await;
    // The delivery worker keeps going until the outbox is empty or DRAIN
    // has passed; what is left is sent after the next start.
    let deadline = tokio::time::Instant::now() + DRAIN;
    while tokio::time::Instant::now() < deadline {
        if mailroom.outbox_backlog().await.is_ok_and(|left| left == 0) {
            break;
        }
        outbox.notify_one();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = drain_tx.send(true);
    let _ = delivery.await;
}

/// Registers the command menus: one for private chats, one for the support
/// group. A failure only costs the menu, so it is logged, not fatal.
async fn register_commands(bot: &Bot, support_chat: i64) {
    use teloxide::payloads::SetMyCommandsSetters;
    use teloxide::prelude::Requester;
    use teloxide::requests::Request;
    use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};
    let menu = |list: &[(&str, &str)]| list.iter().map(|(c, d)| BotCommand::new(*c, *d)).collect::<Vec<_>>();
    let private = bot.set_my_commands(menu(text::USER_COMMANDS)).scope(BotCommandScope::AllPrivateChats);
    let staff = bot
        .set_my_commands(menu(text::STAFF_COMMANDS))
        .scope(BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(support_chat)) });
    for (scope, result) in [("private chats", private.send().await), ("support chat", staff.send().await)] {
        if let Err(e) = result {
            tracing::warn!(scope, error = %e, "cannot register the command menu");
        }
    }
}

/// Whether the support group is a forum (one topic per ticket). Asked once
/// at start; when Telegram cannot say, the plain-group mode is used, which
/// works in a forum too (everything lands in its General topic).
async fn is_forum(bot: &Bot, support_chat: i64) -> bool {
    use teloxide::prelude::Requester;
    use teloxide::types::ChatId;
    match bot.get_chat(ChatId(support_chat)).await {
        Ok(chat) => {
            use teloxide::types::{ChatFullInfoKind, ChatFullInfoPublicKind};
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
async fn bot_username(bot: &Bot) -> Option<String> {
    use teloxide::prelude::Requester;
    match bot.get_me().await {
        Ok(me) => me.user.username.clone(),
        Err(e) => {
            tracing::warn!(error = %e, "getMe failed; commands addressed to other bots will be answered");
            None
        }
    }
}
