//! The running bot: the HTTP server, the poller (or the webhook), the
//! update processor and the delivery worker, and the order they stop in.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::{App, StartError};
use crate::db::leader::{Elector, Role, lead};
use crate::desk::Desk;
use crate::desk::admins::AdminCache;
use crate::desk::commands::{StaffCommand, UserCommand, menu};
use crate::desk::route::{self, Router};
use crate::http::HttpState;
use crate::inbox::poller::Poller;
use crate::inbox::processor::Processor;
use crate::inbox::webhook::Intake;
use crate::outbox::{DeliveryWorker, SupportChat};
use crate::storage::outbox as outbox_rows;
use crate::telegram;

/// How long shutdown waits for the outbox to drain.
const DRAIN: Duration = Duration::from_secs(10);

impl App {
    /// Runs the bot until `shutdown` resolves (`shutdown_signal()` in the
    /// binary, a channel in tests), then stops fetching, lets the updates
    /// in hand finish and gives the outbox up to `DRAIN` to empty.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
        let Self { config, bot: settings, db, metrics, clock, http } = self;
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
        let probes = HttpState { db: db.clone(), clock: clock.clone(), metrics: metrics.clone() };
        let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
        let http = tokio::spawn(crate::http::serve(http, crate::http::router(probes, webhook), async {
            let _ = http_stopped.await;
        }));

        let bot = telegram::client(&settings);
        let support = SupportChat {
            id: settings.support_chat_id,
            forum: telegram::support_is_forum(&bot, settings.support_chat_id).await,
        };
        let bot_username = telegram::bot_username(&bot).await;
        let desk = Desk::new(
            support,
            config.ticket_timezone,
            clock.clone(),
            AdminCache::new(bot.clone(), settings.support_chat_id),
        );
        let router = Router::new(route::Context { support_chat: support.id, bot_username });
        let (stop_tx, stop_rx) = watch::channel(false);
        let (drain_tx, drain_rx) = watch::channel(false);

        // Updates come by webhook (the HTTP server stores them) or by polling.
        let intake = match &settings.webhook {
            // Registered in the background, retried until Telegram takes it.
            Some(webhook) => tokio::spawn(telegram::webhook::register(bot.clone(), webhook.clone())),
            None => {
                telegram::webhook::remove(&bot).await;
                let poller = Arc::new(Poller::new(bot.clone(), db.clone(), clock.clone(), stored.clone()));
                tokio::spawn(lead(polling, stop_rx.clone(), move |halt| {
                    let poller = poller.clone();
                    async move { poller.run(halt).await }
                }))
            }
        };
        let processor =
            Processor::new(db.clone(), desk, router, clock.clone(), metrics.clone(), stored, outbox.clone());
        let processor = tokio::spawn(processor.run(stop_rx));
        if !settings.paced {
            tracing::warn!("DELIVERY_PACING=off: Telegram's flood limits are not kept (benchmarks only)");
        }
        let worker = Arc::new(DeliveryWorker::new(
            bot.clone(),
            db.clone(),
            clock,
            metrics,
            outbox.clone(),
            support,
            settings.paced,
        ));
        let delivery = tokio::spawn(lead(delivering, drain_rx, move |halt| {
            let worker = worker.clone();
            async move { worker.run(halt).await }
        }));

        telegram::register_commands(&bot, support.id, menu::<UserCommand>(), menu::<StaffCommand>()).await;
        shutdown.await;
        tracing::info!("stopping: no more fetching; finishing the updates in hand");
        let _ = stop_tx.send(true);
        if settings.webhook.is_some() {
            // Still retrying setWebhook: nothing to finish.
            intake.abort();
        } else {
            // The poller stops between calls, never mid-store.
            let _ = intake.await;
        }
        let _ = processor.await;
        // The delivery worker keeps going until the outbox is empty or DRAIN
        // has passed; what is left is sent after the next start.
        let deadline = tokio::time::Instant::now() + DRAIN;
        while tokio::time::Instant::now() < deadline {
            if outbox_left(&db).await.is_some_and(|left| left == 0) {
                break;
            }
            outbox.notify_one();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = drain_tx.send(true);
        let _ = delivery.await;
        let _ = stop_http.send(());
        let _ = http.await;
        tracing::info!("shutting down");
        Ok(())
    }
}

/// Outbox rows still to send; `None` when the database cannot say.
async fn outbox_left(db: &crate::db::Db) -> Option<i64> {
    let mut conn = db.conn().await.ok()?;
    outbox_rows::backlog(&mut conn).await.ok()
}
