//! The running bot: the HTTP server, the poller (or the webhook), the
//! update processor, the response clock's timer and the delivery worker,
//! and the order they stop in.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::{App, StartError};
use crate::db::leader::{Elector, Role, lead};
use crate::desk::Desk;
use crate::desk::admins::AdminCache;
use crate::desk::commands::{StaffCommand, menu, user_menus};
use crate::desk::route::{self, Router};
use crate::http::HttpState;
use crate::inbox::poller::Poller;
use crate::inbox::processor::Processor;
use crate::inbox::webhook::Intake;
use crate::outbox::{DeliveryWorker, SupportChat};
use crate::retention::{self, Sweeper};
use crate::storage::outbox as outbox_rows;
use crate::storage::support_chat;
use crate::telegram;
use crate::telegram::api::BotApi;
use crate::telegram::startup::{self, TelegramStatus};
use crate::timers::Timers;

/// How long shutdown waits for the outbox to drain.
const DRAIN: Duration = Duration::from_secs(10);

/// After `DRAIN`, how long the delivery worker and the HTTP server get to
/// stop: the whole shutdown takes at most `DRAIN + STOP_SLACK`.
const STOP_SLACK: Duration = Duration::from_secs(2);

/// How long start-up asks Telegram again when it does not answer (network,
/// 5xx, 429) before starting on what it knows.
const STARTUP_PATIENCE: Duration = Duration::from_secs(30);

impl App {
    /// Runs the bot until `shutdown` resolves (`shutdown_signal()` in the
    /// binary, a channel in tests), then stops fetching, lets the updates
    /// in hand finish and gives the outbox up to `DRAIN` to empty.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
        let mut shutdown = std::pin::pin!(shutdown);
        let Self { config, bot: settings, db, metrics, clock, texts, http, operators } = self;
        // One replica at a time polls (Telegram refuses a second) and
        // delivers (the flood limits are kept in one place).
        let polling = Elector::new(&config.database, Role::Polling)?;
        let delivering = Elector::new(&config.database, Role::Delivery)?;
        let stored = Arc::new(Notify::new());
        let outbox = Arc::new(Notify::new());

        let webhook = settings.webhook.as_ref().map(|w| Intake {
            path: w.url.path().to_string(),
            secret: w.secret.clone(),
            db: db.clone(),
            clock: clock.clone(),
            stored: stored.clone(),
        });
        let telegram_status = TelegramStatus::default();
        let probes = HttpState {
            db: db.clone(),
            clock: clock.clone(),
            metrics: metrics.clone(),
            telegram: telegram_status.clone(),
            zone: config.desk.zone,
        };
        let (stop_http, http_stopped) = watch::channel(false);
        let bot_username = Arc::new(std::sync::OnceLock::new());
        let web_desk = Arc::new(std::sync::OnceLock::new());
        let web = config.web.enabled.then(|| {
            crate::web::routes(crate::web::WebState {
                db: db.clone(),
                clock: clock.clone(),
                zone: config.desk.zone,
                telegram: crate::web::TelegramSide {
                    api: BotApi::new(&settings),
                    token: settings.token.clone(),
                    support_chat_id: settings.support_chat_id,
                    admin_ids: config.admin_ids.clone(),
                },
                bot_username: bot_username.clone(),
                secure_cookies: config.web.is_https(),
                logins: Arc::default(),
                desk: web_desk.clone(),
                outbox: outbox.clone(),
                metrics: metrics.clone(),
            })
        });
        let http = tokio::spawn(crate::http::serve_all(http, operators, probes, webhook, web, http_stopped));

        let api = BotApi::new(&settings);
        // What Telegram says about the token and the support chat decides
        // whether the bot can start; a stop asked for meanwhile is honoured
        // at once.
        let facts = tokio::select! {
            facts = startup::learn(&api, settings.support_chat_id, STARTUP_PATIENCE) => facts,
            () = &mut shutdown => {
                tracing::info!(during = "start-up", "shutting down");
                let _ = stop_http.send(true);
                let _ = http.await;
                return Ok(());
            }
        };
        let facts = match facts {
            Ok(facts) => facts,
            Err(e) => {
                let _ = stop_http.send(true);
                let _ = http.await;
                return Err(e.into());
            }
        };
        telegram_status.checked(facts.warnings.clone());
        if let Some(username) = &facts.username {
            let _ = bot_username.set(username.clone());
        }
        let support = SupportChat::new(follow_moves(&db, facts.support_chat).await, facts.forum);
        let admins = AdminCache::new(api.clone(), support.clone());
        let desk = Desk::new(support.clone(), clock.clone(), admins, config.desk.clone(), texts.clone());
        let _ = web_desk.set(desk.clone());
        let router = Router::new(route::Context { support_chat: support.clone(), bot_username: facts.username });
        let (stop_tx, stop_rx) = watch::channel(false);
        let (drain_tx, drain_rx) = watch::channel(false);

        // Updates come by webhook (the HTTP server stores them) or by polling.
        let intake = match &settings.webhook {
            // Registered in the background, retried until Telegram takes it.
            Some(webhook) => tokio::spawn(telegram::webhook::register(api.clone(), webhook.clone())),
            None => {
                telegram::webhook::remove(&api).await;
                let poller = Arc::new(Poller::new(api.clone(), db.clone(), clock.clone(), stored.clone()));
                tokio::spawn(lead(polling, stop_rx.clone(), move |halt| {
                    let poller = poller.clone();
                    async move { poller.run(halt).await }
                }))
            }
        };
        let timers = Timers::new(db.clone(), desk.clone(), clock.clone(), metrics.clone(), outbox.clone());
        let timers = tokio::spawn(timers.run(stop_rx.clone()));
        tracing::info!(
            updates = %retention::describe(config.retention.inbox),
            texts = %retention::describe(config.retention.messages),
            "retention"
        );
        let sweeper = Sweeper::new(db.clone(), clock.clone(), metrics.clone(), config.retention);
        let sweeper = tokio::spawn(sweeper.run(stop_rx.clone()));
        let processor =
            Processor::new(db.clone(), desk, router, clock.clone(), metrics.clone(), stored, outbox.clone());
        let processor = tokio::spawn(processor.run(stop_rx));
        if !settings.paced {
            tracing::warn!("DELIVERY_PACING=off: Telegram's flood limits are not kept (benchmarks only)");
        }
        let worker = Arc::new(DeliveryWorker::new(
            api.clone(),
            db.clone(),
            clock,
            metrics,
            outbox.clone(),
            support.clone(),
            settings.paced,
            texts.clone(),
        ));
        let delivery = tokio::spawn(lead(delivering, drain_rx, move |halt| {
            let worker = worker.clone();
            async move { worker.run(halt).await }
        }));

        // The menus are a convenience: asked in the background, never
        // waited for.
        let (users, staff) = (user_menus(&texts), menu::<StaffCommand>(texts.staff()));
        let menus = tokio::spawn(async move { telegram::register_commands(&api, support.id(), &users, &staff).await });
        shutdown.await;
        tracing::info!("stopping: no more fetching; finishing the updates in hand");
        menus.abort();
        // Everything below ends by `drained` plus `STOP_SLACK`, whatever
        // hangs (a Telegram request, a database that stopped answering).
        let drained = tokio::time::Instant::now() + DRAIN;
        let _ = stop_tx.send(true);
        if settings.webhook.is_some() {
            // Still retrying setWebhook: nothing to finish.
            intake.abort();
        } else {
            // The poller stops between calls, never mid-store.
            finish("poller", intake, drained).await;
        }
        finish("update processor", processor, drained).await;
        finish("response clock", timers, drained).await;
        finish("retention", sweeper, drained).await;
        // The delivery worker keeps going until the outbox is empty or DRAIN
        // has passed; what is left is sent after the next start.
        while tokio::time::Instant::now() < drained {
            let left = tokio::time::timeout_at(drained, outbox_left(&db)).await;
            if left.is_ok_and(|left| left == Some(0)) {
                break;
            }
            outbox.notify_one();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = drain_tx.send(true);
        finish("delivery worker", delivery, tokio::time::Instant::now() + STOP_SLACK * 3 / 4).await;
        let _ = stop_http.send(true);
        finish("HTTP server", http, tokio::time::Instant::now() + STOP_SLACK / 4).await;
        tracing::info!("shutting down");
        Ok(())
    }
}

/// The support chat `id` is now: a group upgraded to a supergroup while
/// the bot ran was recorded (`storage::support_chat`). The operator is told
/// to update the setting; the bot follows either way.
async fn follow_moves(db: &crate::db::Db, id: i64) -> i64 {
    let now = match db.conn().await {
        Ok(mut conn) => support_chat::follow(&mut conn, id).await,
        Err(e) => Err(diesel::result::Error::QueryBuilderError(e.to_string().into())),
    };
    match now {
        Ok(now) if now != id => {
            tracing::warn!(
                old = id,
                new = now,
                "the support chat was upgraded to a supergroup: set SUPPORT_CHAT_ID={now}"
            );
            now
        }
        Ok(now) => now,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read where the support chat moved; using SUPPORT_CHAT_ID as it is");
            id
        }
    }
}

/// Outbox rows still to send; `None` when the database cannot say.
async fn outbox_left(db: &crate::db::Db) -> Option<i64> {
    let mut conn = db.conn().await.ok()?;
    outbox_rows::backlog(&mut conn).await.ok()
}

/// Waits for `task` until `by`, then stops it where it is.
async fn finish(what: &str, task: tokio::task::JoinHandle<()>, by: tokio::time::Instant) {
    let abort = task.abort_handle();
    if tokio::time::timeout_at(by, task).await.is_err() {
        tracing::warn!(task = what, "did not stop in time; stopped where it was");
        abort.abort();
    }
}
