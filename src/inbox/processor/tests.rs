//! The processor against real databases, and its lanes.

use std::sync::Arc;

use serde_json::json;
use testdb::{Kind, TestDb, on_both_backends};

use super::{Processor, lane_of};
use crate::clock::ManualClock;
use crate::db::Db;
use crate::desk::Desk;
use crate::desk::admins::AdminCache;
use crate::desk::route::{Context, Router};
use crate::inbox::{Fetched, store};
use crate::metrics::Metrics;
use crate::outbox::SupportChat;
use crate::storage::inbox;
use crate::telegram::api::BotApi;
use crate::testing::{at, conn, naive, start};

on_both_backends!(
    an_update_handled_elsewhere_meanwhile_is_done_once,
    a_reply_to_a_card_not_recorded_yet_waits_for_it,
    a_reply_to_an_old_unknown_bot_message_is_explained_at_once
);

const SUPPORT: i64 = -100;

fn processor(db: &Db) -> Processor {
    processor_at(db, Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z"))))
}

fn processor_at(db: &Db, clock: Arc<ManualClock>) -> Processor {
    let support = SupportChat::new(SUPPORT, false);
    // Never asked: no command in these tests needs an admin.
    let admins = AdminCache::new(BotApi::at("http://127.0.0.1:9", "1:test"), support.clone());
    let texts = Arc::new(crate::render::Texts::embedded());
    let desk = Desk::new(support.clone(), clock.clone(), admins, Default::default(), texts);
    let router = Router::new(Context { support_chat: support, bot_username: None });
    Processor::new(db.clone(), desk, router, clock, Arc::new(Metrics::new()), Default::default(), Default::default())
}

/// A user's first message, as Telegram sends it.
fn first_message(update_id: i64, user: i64) -> Fetched {
    let update = json!({"update_id": update_id, "message": {"message_id": 1, "date": 1_800_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Ann"},
        "from": {"id": user, "is_bot": false, "first_name": "Ann"}, "text": "help"}});
    Fetched { update_id, chat_id: Some(user), payload: update.to_string() }
}

/// Another replica handles update 2 after this one read it: the batch's
/// end finds it handled, the batch is done again update by update, and
/// update 2's effects are not written twice while 1's and 3's are written
/// once.
async fn an_update_handled_elsewhere_meanwhile_is_done_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let updates: Vec<Fetched> = (1..=3).map(|id| first_message(id, 500 + id)).collect();
    store(&db, &updates, naive("2026-11-21T12:00:00Z")).await.unwrap();
    let pending = inbox::pending(&mut conn(&db).await, 10).await.unwrap();
    test.sql("UPDATE inbox_updates SET processed_at = '2026-11-21 12:00:01' WHERE update_id = 2").await;

    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let processor = processor(&db);
    let pass = processor.handle_lane(&pending, &stopped).await;
    assert!(!pass.failed, "{pass:?}");
    // On a loaded machine the batch may stop at its time bound before the
    // last update: the next pass finishes it.
    while test.count("SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL").await > 0 {
        assert!(!processor.process_pending(&stopped).await.failed);
    }
    let tickets = test.count("SELECT count(*) FROM tickets WHERE user_id IN (501, 503)").await;
    assert_eq!(tickets, 2, "updates 1 and 3 each opened a ticket");
    assert_eq!(test.count("SELECT count(*) FROM tickets WHERE user_id = 502").await, 0, "2 was done elsewhere");
    // Each new ticket: its card, the relayed message, the user's confirmation.
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages").await, 6);
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE chat_id = 502").await, 0);
    assert_eq!(test.count("SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL").await, 0);
}

/// A staff member's reply, in the support group, to the bot's message
/// `replied` posted at `posted` (unix seconds).
fn staff_reply(update_id: i64, replied: i32, posted: i64) -> Fetched {
    let group = json!({"id": SUPPORT, "type": "supergroup", "title": "Support"});
    let update = json!({"update_id": update_id, "message": {"message_id": 60, "date": posted + 1,
        "chat": group, "from": {"id": 900, "is_bot": false, "first_name": "Agent"}, "text": "on it",
        "reply_to_message": {"message_id": replied, "date": posted, "chat": group,
            "from": {"id": 7, "is_bot": true, "first_name": "Ticketbot"}, "text": "🎫 #1"}}});
    Fetched { update_id, chat_id: Some(SUPPORT), payload: update.to_string() }
}

/// Handles what is pending now.
async fn pass(processor: &Processor) -> super::Pass {
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    processor.process_pending(&stopped).await
}

/// Telegram took the card a moment ago, the delivery worker has not
/// recorded it yet, and staff already answer it: the answer waits for the
/// card instead of being refused, and then reaches the user.
async fn a_reply_to_a_card_not_recorded_yet_waits_for_it(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let noon = at("2026-11-21T12:00:00Z");
    let clock = Arc::new(ManualClock::new(noon));
    let processor = processor_at(&db, clock.clone());
    store(&db, &[first_message(1, 501)], noon.naive_utc()).await.unwrap();
    pass(&processor).await;
    clock.set(noon + chrono::Duration::seconds(2));
    store(&db, &[staff_reply(2, 50, noon.timestamp())], noon.naive_utc()).await.unwrap();
    pass(&processor).await;
    let waiting = "SELECT count(*) FROM inbox_updates WHERE update_id = 2 AND processed_at IS NULL";
    assert_eq!(test.count(waiting).await, 1, "the reply waits");
    assert_eq!(
        test.count("SELECT count(*) FROM outbox_messages WHERE chat_id = -100 AND payload LIKE '%no ticket%'").await,
        0
    );
    // The card is recorded; the reply goes through on a later pass.
    test.sql(&format!("UPDATE tickets SET support_message_id = 50, support_chat_id = {SUPPORT}")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    pass(&processor).await;
    assert_eq!(test.count(waiting).await, 0);
    assert_eq!(
        test.count("SELECT count(*) FROM outbox_messages WHERE chat_id = 501 AND payload LIKE '%copy%'").await,
        1
    );
}

/// A reply to a message of the bot's that is no ticket's and not new is
/// answered at once.
async fn a_reply_to_an_old_unknown_bot_message_is_explained_at_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let noon = at("2026-11-21T12:00:00Z");
    let clock = Arc::new(ManualClock::new(noon + chrono::Duration::minutes(1)));
    let processor = processor_at(&db, clock);
    store(&db, &[staff_reply(1, 50, noon.timestamp())], noon.naive_utc()).await.unwrap();
    pass(&processor).await;
    assert_eq!(test.count("SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL").await, 0);
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE payload LIKE '%belongs to no ticket%'").await, 1);
}

#[test]
fn a_chat_keeps_its_lane_and_chats_spread_over_lanes() {
    let lanes = 2;
    // Consecutive ids, and ids all with one remainder of 2: both spread.
    for ids in [(1..=1000).collect::<Vec<i64>>(), (1..=1000).map(|i| i * 2).collect()] {
        let first = ids.iter().filter(|&&id| lane_of(Some(id), lanes) == 0).count();
        assert!((400..=600).contains(&first), "{first} of 1000 chats in lane 0");
    }
    for id in [-1_001_555_000_222, 0, 42, i64::MAX] {
        assert!(lane_of(Some(id), 3) < 3);
    }
    assert_eq!(lane_of(None, 3), lane_of(Some(0), 3));
}
