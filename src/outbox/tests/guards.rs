//! What the delivery worker does with Telegram's two answers about where a
//! group went: a send to a support group that became a supergroup is
//! answered 400 with `migrate_to_chat_id` (the worker follows it and sends
//! there), and a `leaveChat` row never leaves the support chat, whatever
//! the row says.

use std::collections::HashMap;
use std::sync::Arc;

use fake_telegram::{FakeTelegram, TgUser};
use testdb::{Kind, TestDb, on_both_backends};
use tokio::sync::{Notify, watch};

use super::{queue, setup};
use crate::clock::{Clock, ManualClock};
use crate::db::Db;
use crate::metrics::Metrics;
use crate::outbox::SupportChat;
use crate::outbox::message::{Outbound, OutboxDraft, Record};
use crate::outbox::worker::DeliveryWorker;
use crate::telegram::api::BotApi;

on_both_backends!(a_400_saying_the_support_group_moved_is_followed, the_support_chat_is_never_left);

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const OLD: i64 = -100;
const NEW: i64 = -1_009_999;
const STRANGERS: i64 = -555;

fn worker(fake: &FakeTelegram, db: &Db, clock: &Arc<ManualClock>, support: SupportChat) -> DeliveryWorker {
    let api = BotApi::at(&fake.url(), TOKEN);
    let (clock, texts) = (clock.clone() as Arc<dyn Clock>, Arc::new(crate::render::Texts::embedded()));
    DeliveryWorker::new(
        api,
        db.clone(),
        clock,
        Arc::new(Metrics::new()),
        Arc::new(Notify::new()),
        support,
        false,
        texts,
    )
}

/// One claim and every run it gave, then the clock on a minute.
async fn round(worker: &DeliveryWorker, clock: &ManualClock) {
    let (_, stop) = watch::channel(false);
    let (runs, deadline) = worker.claim_runs(&HashMap::new()).await.unwrap();
    for run in runs {
        worker.deliver_run(run, &stop, deadline).await.unwrap();
    }
    clock.set(clock.now() + chrono::Duration::minutes(1));
}

/// The support group is upgraded while the bot knows only its old id (no
/// service message seen): the send is answered 400 with the new id, and
/// the worker records the move, follows it and sends there.
async fn a_400_saying_the_support_group_moved_is_followed(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_basic_group(OLD, "Support");
    fake.upgrade_to_supergroup(OLD, NEW, &TgUser::new(900, "Admin"));
    let support = SupportChat::new(OLD, false);
    let worker = worker(&fake, &db, &clock, support.clone());
    queue(&db, &clock, vec![OutboxDraft::text(OLD, "for staff".into())]).await;
    for _ in 0..3 {
        round(&worker, &clock).await;
    }
    assert_eq!(support.id(), NEW, "the worker follows the move");
    let sent: Vec<_> = fake.sent_to(NEW).into_iter().filter_map(|s| s.text).collect();
    assert_eq!(sent, ["for staff"]);
    assert!(fake.calls().iter().any(|c| c.status == 400 && c.params["chat_id"] == OLD), "refused at the old id");
    let moves = "SELECT count(*) FROM support_chat_moves WHERE from_chat_id = -100 AND to_chat_id = -1009999";
    assert_eq!(test.count(moves).await, 1, "recorded for the other replicas and the next start");
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE failed_at IS NOT NULL").await, 0);
}

/// A `leaveChat` row for the support chat (readdressed by a move, say) is
/// done without asking Telegram; one for a stranger's group is sent.
async fn the_support_chat_is_never_left(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(OLD, "Support", false);
    fake.add_group(STRANGERS, "Strangers", false);
    let worker = worker(&fake, &db, &clock, SupportChat::new(OLD, false));
    let leave = |chat| OutboxDraft::new(chat, Outbound::LeaveChat, Record::Nothing);
    queue(&db, &clock, vec![leave(OLD), leave(STRANGERS)]).await;
    // The second round records what the first sent.
    round(&worker, &clock).await;
    round(&worker, &clock).await;
    let left: Vec<_> =
        fake.calls().iter().filter(|c| c.method == "leavechat").map(|c| c.params["chat_id"].clone()).collect();
    assert_eq!(left, [serde_json::json!(STRANGERS)], "only the stranger's group is left");
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL").await, 0, "both done");
    assert_eq!(fake.left_chats(), [STRANGERS]);
}
