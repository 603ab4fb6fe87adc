//! A batch without savepoints (`service::Batch`) leaves its updates' outbox
//! rows and inbox marks to its end and writes them there, all at once; an
//! update that was handled elsewhere meanwhile is found there, and nothing
//! of the batch may then be committed.

use std::sync::Arc;

use chrono_tz::Tz;
use ticketbot::clock::Clock;
use ticketbot::service::{Batch, FetchedUpdate, Mailroom};
use ticketbot::storage::outcome::Effects;
use ticketbot::telegram::outbound::OutboxDraft;

use crate::support::{Kind, TestDb, at, on_both_backends};

on_both_backends!(a_batch_writes_what_its_updates_left_at_its_end);

async fn a_batch_writes_what_its_updates_left_at_its_end(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, clock) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    let mailroom = Mailroom::new(service.db().clone(), clock.clone() as Arc<dyn Clock>);
    let updates: Vec<FetchedUpdate> =
        (1..=3).map(|id| FetchedUpdate { update_id: id, chat_id: Some(id), payload: "{}".into() }).collect();
    assert_eq!(mailroom.store_updates(&updates).await.unwrap(), 3);
    let reply = |update_id: i64| {
        let plan = move |_: &()| vec![OutboxDraft::text(update_id, format!("reply {update_id}"))];
        (update_id, plan)
    };

    // Two updates: nothing is written until the end, then both at once.
    let mut batch = Batch::begin(service.db(), false).await.unwrap();
    for update_id in [1, 2] {
        let (ack, plan) = reply(update_id);
        batch.update(mailroom.acknowledge(&Effects { ack: Some(ack), plan: &plan })).await.unwrap().unwrap();
    }
    assert!(batch.flush(mailroom.now()).await.unwrap(), "both updates were new");
    batch.commit().await.unwrap();
    let pending: Vec<i64> = mailroom.pending_updates(10).await.unwrap().iter().map(|u| u.update_id).collect();
    assert_eq!(pending, vec![3]);
    let queued = mailroom.claiming("test").claim_due(std::time::Duration::from_secs(20), 10, 10).await.unwrap();
    let chats: Vec<i64> = queued.iter().map(|r| r.chat_id).collect();
    assert_eq!(chats, vec![1, 2], "each update's reply queued, in order");

    // Update 2 again (handled already) with update 3: the end finds it, and
    // the batch is rolled back whole.
    let mut batch = Batch::begin(service.db(), false).await.unwrap();
    for update_id in [3, 2] {
        let (ack, plan) = reply(update_id);
        batch.update(mailroom.acknowledge(&Effects { ack: Some(ack), plan: &plan })).await.unwrap().unwrap();
    }
    assert!(!batch.flush(mailroom.now()).await.unwrap(), "update 2 was handled already");
    batch.rollback().await;
    let pending: Vec<i64> = mailroom.pending_updates(10).await.unwrap().iter().map(|u| u.update_id).collect();
    assert_eq!(pending, vec![3], "update 3 is still to be handled");
    let queued = mailroom.claiming("test").claim_due(std::time::Duration::from_secs(20), 10, 10).await.unwrap();
    assert_eq!(queued.len(), 2, "nothing more was queued: {queued:?}");
}
