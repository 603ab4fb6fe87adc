//! The inbox: updates stored once, handled once. A batch of updates writes
//! what they left and their marks at its end; an update that was handled
//! elsewhere meanwhile is found there, and nothing of the batch may then be
//! committed.

use testdb::{Kind, TestDb, on_both_backends};

use crate::db::Tx;
use crate::storage::inbox;
use crate::storage::rows::NewInboxUpdate;
use crate::testing::{conn, in_tx, naive, start};

on_both_backends!(
    a_redelivered_update_is_stored_once,
    an_update_is_stored_byte_for_byte,
    marks_find_an_update_handled_elsewhere
);

const NOON: &str = "2026-11-21T12:00:00Z";

fn update(update_id: i64) -> NewInboxUpdate<'static> {
    NewInboxUpdate { update_id, chat_id: Some(update_id), payload: "{}" }
}

async fn pending_ids(db: &crate::db::Db) -> Vec<i64> {
    inbox::pending(&mut conn(db).await, 10).await.unwrap().iter().map(|u| u.update_id).collect()
}

async fn a_redelivered_update_is_stored_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let mut writer = db.writer().await.unwrap();
    assert_eq!(inbox::store(&mut writer, &[update(1), update(2)], naive(NOON)).await.unwrap(), 2);
    assert_eq!(inbox::store(&mut writer, &[update(2), update(3)], naive(NOON)).await.unwrap(), 1, "2 again");
    drop(writer);
    assert_eq!(pending_ids(&db).await, [1, 2, 3]);
    assert!(in_tx(&db, async |tx| inbox::set_aside(tx, 2, "unreadable", naive(NOON)).await).await);
    assert_eq!(pending_ids(&db).await, [1, 3]);
    assert!(!in_tx(&db, async |tx| inbox::set_aside(tx, 2, "again", naive(NOON)).await).await, "done already");
}

async fn an_update_is_stored_byte_for_byte(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let payload = "{\"update_id\":9,\"message\":{\"text\":\"a\\\"b\\\\c \u{1F600} <&> \\u0041\"}}";
    let rows = [NewInboxUpdate { update_id: 9, chat_id: None, payload }];
    assert_eq!(inbox::store(&mut db.writer().await.unwrap(), &rows, naive(NOON)).await.unwrap(), 1);
    let stored = inbox::pending(&mut conn(&db).await, 10).await.unwrap();
    assert_eq!((stored[0].update_id, stored[0].chat_id, stored[0].payload.as_str()), (9, None, payload));
}

async fn marks_find_an_update_handled_elsewhere(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    inbox::store(&mut db.writer().await.unwrap(), &[update(1), update(2), update(3)], naive(NOON)).await.unwrap();
    let now = naive(NOON);
    let replies = |ids: &[i64]| -> Vec<_> {
        ids.iter().map(|&id| super::text_row(id, &format!("reply {id}"), None, None, now)).collect()
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
