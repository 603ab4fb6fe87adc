//! The inbox: updates stored once, handled once. A batch of updates writes
//! what they left and their marks at its end; an update that was handled
//! elsewhere meanwhile is found there, and nothing of the batch may then be
//! committed.

use testdb::{Kind, TestDb, on_both_backends};

use crate::db::Tx;
use crate::outbox::OutboxDraft;
use crate::storage::inbox;
use crate::storage::rows::NewInboxUpdate;
use crate::testing::{conn, in_tx, naive, start};

on_both_backends!(a_redelivered_update_is_stored_once, marks_find_an_update_handled_elsewhere);

const NOON: &str = "2026-11-21T12:00:00Z";

fn update(update_id: i64) -> NewInboxUpdate<'static> {
    NewInboxUpdate { update_id, chat_id: Some(update_id), payload: "{}", received_at: naive(NOON) }
}

async fn pending_ids(db: &crate::db::Db) -> Vec<i64> {
    inbox::pending(&mut conn(db).await, 10).await.unwrap().iter().map(|u| u.update_id).collect()
}

async fn a_redelivered_update_is_stored_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    assert_eq!(in_tx(&db, async |tx| inbox::store(tx, &[update(1), update(2)]).await).await, 2);
    assert_eq!(in_tx(&db, async |tx| inbox::store(tx, &[update(2), update(3)]).await).await, 1, "2 again");
    assert_eq!(pending_ids(&db).await, [1, 2, 3]);
    assert!(in_tx(&db, async |tx| inbox::set_aside(tx, 2, "unreadable", naive(NOON)).await).await);
    assert_eq!(pending_ids(&db).await, [1, 3]);
    assert!(!in_tx(&db, async |tx| inbox::set_aside(tx, 2, "again", naive(NOON)).await).await, "done already");
}

async fn marks_find_an_update_handled_elsewhere(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    in_tx(&db, async |tx| inbox::store(tx, &[update(1), update(2), update(3)]).await).await;
    let now = naive(NOON);
    let replies = |ids: &[i64]| -> Vec<_> {
        ids.iter().map(|&id| OutboxDraft::text(id, format!("reply {id}")).into_row(now)).collect()
    };
    let queued = || test.count("SELECT count(*) FROM outbox_messages");

    // Two updates: their replies and marks written at once.
    let rows = replies(&[1, 2]);
    assert!(in_tx(&db, async |tx| inbox::queue_and_ack(tx, &rows, &[1, 2], now).await).await, "both were new");
    assert_eq!(pending_ids(&db).await, [3]);
    assert_eq!(queued().await, 2);

    // Update 2 again (handled already) with update 3: the marks find it, and
    // the caller rolls the batch back whole.
    let mut tx: Tx = db.begin().await.unwrap();
    let rows = replies(&[3, 2]);
    assert!(!inbox::queue_and_ack(&mut tx, &rows, &[3, 2], now).await.unwrap(), "update 2 was handled already");
    tx.rollback().await;
    assert_eq!(pending_ids(&db).await, [3], "update 3 is still to be handled");
    assert_eq!(queued().await, 2, "nothing more was queued");
}
