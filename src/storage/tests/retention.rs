//! Retention's statements on both backends: what is old and finished goes,
//! a batch at a time; what is pending, recent or still needed stays.

use testdb::{Kind, TestDb, on_both_backends};

use super::{file, text_row};
use crate::storage::rows::NewInboxUpdate;
use crate::storage::search::{self, Narrowing};
use crate::storage::{inbox, outbox, ratings, retention, tickets};
use crate::testing::{conn, in_tx, naive, start};

on_both_backends!(
    handled_updates_and_finished_outbox_rows_go_after_their_time,
    texts_of_tickets_closed_long_ago_are_removed_and_the_rest_stays
);

const OLD: &str = "2026-11-01T09:00:00Z";
const RECENT: &str = "2026-11-21T09:00:00Z";
const CUTOFF: &str = "2026-11-10T00:00:00Z";

async fn handled_updates_and_finished_outbox_rows_go_after_their_time(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let updates: Vec<NewInboxUpdate> =
        (1..=6).map(|id| NewInboxUpdate { update_id: id, chat_id: Some(id), payload: "{}" }).collect();
    inbox::store(&mut db.writer().await.unwrap(), &updates, naive(OLD)).await.unwrap();
    in_tx(&db, async |tx| inbox::queue_and_ack(tx, &[], &[1, 2, 3], naive(OLD)).await).await;
    in_tx(&db, async |tx| inbox::queue_and_ack(tx, &[], &[4], naive(RECENT)).await).await;
    // 5 and 6 are not handled yet.
    let cutoff = naive(CUTOFF);
    // One statement on the writer at a time (on SQLite it is the one
    // write lock, which the transactions below need too).
    let updates =
        async |limit| retention::delete_handled_updates(&mut db.writer().await.unwrap(), cutoff, limit).await.unwrap();
    assert_eq!(updates(2).await, 2, "a batch at most");
    assert_eq!(updates(500).await, 1);
    assert_eq!(updates(500).await, 0);
    assert_eq!(test.count("SELECT count(*) FROM inbox_updates").await, 3, "the recent one and the pending stay");
    // The newest update is kept even when handled long ago.
    in_tx(&db, async |tx| inbox::queue_and_ack(tx, &[], &[5, 6], naive(OLD)).await).await;
    updates(500).await;
    assert_eq!(test.count("SELECT count(*) FROM inbox_updates WHERE update_id IN (4, 6)").await, 2);
    assert_eq!(test.count("SELECT count(*) FROM inbox_updates").await, 2);

    let rows: Vec<_> = (0..4).map(|i| text_row(7, &format!("m{i}"), None, None, naive(OLD))).collect();
    in_tx(&db, async |tx| outbox::queue(tx, &rows).await).await;
    test.sql(
        "UPDATE outbox_messages SET sent_at = '2026-11-01 09:00:01' WHERE payload LIKE '%\"m0\"%'; \
         UPDATE outbox_messages SET failed_at = '2026-11-01 09:00:01' WHERE payload LIKE '%\"m1\"%'; \
         UPDATE outbox_messages SET sent_at = '2026-11-21 09:00:01' WHERE payload LIKE '%\"m2\"%'",
    )
    .await;
    let finished = retention::delete_finished_outbox(&mut db.writer().await.unwrap(), cutoff, 500).await.unwrap();
    assert_eq!(finished, 2, "sent and set aside");
    let left = "SELECT count(*) FROM outbox_messages WHERE payload LIKE '%\"m2\"%' OR payload LIKE '%\"m3\"%'";
    assert_eq!(test.count(left).await, 2, "the recent and the unsent stay");
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages").await, 2);
}

async fn texts_of_tickets_closed_long_ago_are_removed_and_the_rest_stays(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (old, _, _) = file(&db, 1, 1, "secret words one", OLD).await;
    let (recent, _, _) = file(&db, 2, 1, "secret words two", OLD).await;
    let (open, _, _) = file(&db, 3, 1, "secret words three", OLD).await;
    in_tx(&db, async |tx| tickets::close(tx, old.id, naive("2026-11-02T09:00:00Z")).await).await;
    in_tx(&db, async |tx| tickets::close(tx, recent.id, naive(RECENT)).await).await;
    in_tx(&db, async |tx| ratings::rate(tx, old.id, 1, 4, naive("2026-11-02T09:01:00Z")).await).await;
    test.sql(&format!("UPDATE ticket_ratings SET comment = 'my phone is 555' WHERE ticket_id = {}", old.id)).await;
    let rows = [
        text_row(1, "secret words one", Some(old.id), None, naive(OLD)),
        text_row(1, "still to send", Some(old.id), None, naive(OLD)),
    ];
    in_tx(&db, async |tx| outbox::queue(tx, &rows).await).await;
    test.sql("UPDATE outbox_messages SET sent_at = '2026-11-01 09:00:01' WHERE payload LIKE '%secret%'").await;

    let (cutoff, now) = (naive(CUTOFF), naive(RECENT));
    let due = in_tx(&db, async |tx| retention::tickets_with_texts(tx, cutoff, 50).await).await;
    assert_eq!(due, [old.id], "closed before the cutoff, not the recent or the open one");
    let cleared = in_tx(&db, async |tx| retention::remove_texts(tx, &due, now).await).await;
    assert_eq!(cleared, 1);
    assert!(in_tx(&db, async |tx| retention::tickets_with_texts(tx, cutoff, 50).await).await.is_empty(), "once");

    let sql = format!("SELECT count(*) FROM ticket_messages WHERE ticket_id = {} AND text IS NULL", old.id);
    assert_eq!(test.count(&sql).await, 1);
    let words: Vec<String> = vec!["secret".into()];
    let found = search::newest_hits(&mut conn(&db).await, &words, &Narrowing::default(), i64::MAX, 10).await.unwrap();
    assert_eq!(found.iter().map(|h| h.ticket_id).collect::<Vec<_>>(), [open.id, recent.id], "gone from the index");
    let rating = ratings::of_ticket(&mut conn(&db).await, old.id).await.unwrap().unwrap();
    assert_eq!((rating.score, rating.comment), (4, None), "the score stays, the words go");
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE payload LIKE '%secret%'").await, 0);
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages").await, 1, "the unsent row stays");
    let sql =
        format!("SELECT count(*) FROM tickets WHERE id = {} AND texts_removed_at IS NOT NULL AND number = 1", old.id);
    assert_eq!(test.count(&sql).await, 1, "the ticket stays, marked");
}
