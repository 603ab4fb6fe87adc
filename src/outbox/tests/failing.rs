//! A message Telegram keeps failing: retried with backoff, then set aside
//! with the reason (and staff told) once Telegram is seen taking other
//! messages meanwhile; never while nothing at all goes through. Driven
//! round by round against the fake Bot API, the clock moved past each
//! backoff.

use std::collections::HashMap;
use std::sync::Arc;

use fake_telegram::{FakeTelegram, Fault, TgUser};
use testdb::{Kind, TestDb, on_both_backends};
use tokio::sync::{Notify, watch};

use super::{queue, setup};
use crate::clock::{Clock, ManualClock};
use crate::db::Db;
use crate::metrics::Metrics;
use crate::outbox::OutboxDraft;
use crate::outbox::SupportChat;
use crate::outbox::deliver::MAX_ATTEMPTS;
use crate::outbox::worker::DeliveryWorker;
use crate::storage::tests::file;
use crate::telegram::api::BotApi;

on_both_backends!(
    a_message_that_keeps_failing_is_set_aside_and_staff_are_told,
    nothing_is_set_aside_while_telegram_takes_nothing
);

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const SUPPORT: i64 = -100;

/// The fake with the support group and two users' chats.
async fn telegram() -> FakeTelegram {
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    for (id, name) in [(1, "User 1"), (2, "User 2")] {
        fake.user_sends(&TgUser::new(id, name), "hi");
    }
    fake
}

fn worker(fake: &FakeTelegram, db: &Db, clock: &Arc<ManualClock>) -> DeliveryWorker {
    let api = BotApi::at(&fake.url(), TOKEN);
    let support = SupportChat::new(SUPPORT, false);
    let metrics = Arc::new(Metrics::new());
    DeliveryWorker::new(
        api,
        db.clone(),
        clock.clone() as Arc<dyn Clock>,
        metrics,
        Arc::new(Notify::new()),
        support,
        false,
        Arc::new(crate::render::Texts::embedded()),
    )
}

/// One claim and every run it gave, then the clock past any backoff.
async fn round(worker: &DeliveryWorker, clock: &ManualClock) {
    let (_, stop) = watch::channel(false);
    let (runs, deadline) = worker.claim_runs(&HashMap::new()).await.unwrap();
    for run in runs {
        worker.deliver_run(run, &stop, deadline).await.unwrap();
    }
    clock.set(clock.now() + chrono::Duration::minutes(10));
}

async fn a_message_that_keeps_failing_is_set_aside_and_staff_are_told(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let fake = telegram().await;
    let (ticket, _, _) = file(&db, 1, 10, "help", super::NOON).await;
    fake.inject(Fault::status("sendMessage", 500).for_chat(1));
    queue(&db, &clock, vec![OutboxDraft::text(1, "the answer".into()).for_ticket(ticket.id)]).await;
    let worker = worker(&fake, &db, &clock);
    for i in 0..MAX_ATTEMPTS {
        // Telegram takes another user's messages meanwhile.
        queue(&db, &clock, vec![OutboxDraft::text(2, format!("other {i}"))]).await;
        let failed = "SELECT count(*) FROM outbox_messages WHERE chat_id = 1 AND failed_at IS NOT NULL";
        assert_eq!(test.count(failed).await, 0, "set aside before attempt {}", i + 1);
        round(&worker, &clock).await;
    }
    #[derive(diesel::QueryableByName)]
    struct Reason {
        #[diesel(sql_type = diesel::sql_types::Text)]
        last_error: String,
    }
    let rows: Vec<Reason> = test.query("SELECT last_error FROM outbox_messages WHERE chat_id = 1").await;
    let reason = &rows[0].last_error;
    assert!(reason.starts_with(&format!("set aside after {MAX_ATTEMPTS} attempts")), "{reason}");
    assert!(reason.contains("500"), "{reason}");
    let tries = fake.calls().iter().filter(|c| c.method == "sendmessage" && c.params["chat_id"] == 1).count();
    assert_eq!(tries, MAX_ATTEMPTS as usize);
    // Staff hear of it once, under the ticket's card (posted first).
    for _ in 0..3 {
        round(&worker, &clock).await;
    }
    let support = fake.sent_to(SUPPORT);
    let told: Vec<&str> = support.iter().filter_map(|s| s.text.as_deref()).collect();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("A message to User 1 (ticket #1) could not be delivered"), "{told:?}");
    assert_eq!(support[1].reply_to, Some(support[0].message_id), "under the card");
    assert_eq!(fake.sent_to(2).len(), MAX_ATTEMPTS as usize, "the other chat went on");
}

async fn nothing_is_set_aside_while_telegram_takes_nothing(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let fake = telegram().await;
    // Telegram (or the way to it) is down for every chat.
    fake.inject(Fault::status("sendMessage", 502));
    queue(&db, &clock, vec![OutboxDraft::text(1, "the answer".into())]).await;
    let worker = worker(&fake, &db, &clock);
    for _ in 0..MAX_ATTEMPTS + 2 {
        round(&worker, &clock).await;
    }
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE failed_at IS NOT NULL").await, 0);
    let attempts = test.count("SELECT attempts FROM outbox_messages WHERE chat_id = 1").await;
    assert_eq!(attempts, i64::from(MAX_ATTEMPTS) + 2);
    // Back up: it goes.
    fake.heal();
    round(&worker, &clock).await;
    assert_eq!(fake.sent_to(1).len(), 1);
}
