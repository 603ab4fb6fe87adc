//! Claims: each chat's rows are taken as a run from its oldest, never past
//! a row that must wait or that another worker holds; a worker whose lease
//! ran out cannot record what it sent; on PostgreSQL a row locked by
//! another transaction is skipped (`FOR UPDATE SKIP LOCKED`), not waited
//! for.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use testdb::{Kind, TestDb, on_both_backends};

use super::{claim, labels, owned, queue_texts, setup, store};
use crate::outbox::deliver::sent;
use crate::outbox::message::Record;
use crate::testing::at;

on_both_backends!(
    a_claim_takes_each_chats_run_and_keeps_others_off,
    a_row_that_must_wait_stops_its_chat,
    a_lapsed_claim_records_nothing,
    concurrent_claimers_never_share_a_chat,
    a_new_sender_frees_the_rows_the_one_before_claimed,
);

const LEASE: Duration = Duration::from_secs(20);

async fn a_claim_takes_each_chats_run_and_keeps_others_off(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    queue_texts(&db, &clock, &[(1, "a1"), (2, "b1"), (1, "a2"), (1, "a3"), (2, "b2")]).await;
    let (one, two) = (store(&db, &clock, "one"), store(&db, &clock, "two"));

    // Runs of at most 2 per chat, oldest first.
    let first = claim(&one, LEASE, 2, 100).await.unwrap();
    assert_eq!(labels(&first), owned(&[(1, "a1"), (2, "b1"), (1, "a2"), (2, "b2")]));

    // The other worker gets nothing of those chats: not even a3, which
    // must not overtake a1 and a2.
    assert!(claim(&two, LEASE, 2, 100).await.unwrap().is_empty());
    queue_texts(&db, &clock, &[(3, "c1")]).await;
    assert_eq!(labels(&claim(&two, LEASE, 2, 100).await.unwrap()), owned(&[(3, "c1")]));

    // The first worker renews its own rows and does not take the other's.
    let again = claim(&one, LEASE, 2, 100).await.unwrap();
    assert_eq!(labels(&again), labels(&first));

    // Once a1 is recorded, the run moves on to a3.
    assert!(one.record_sent(&[sent(&first[0], Record::Nothing, 501)]).await.unwrap().is_empty());
    let next = claim(&one, LEASE, 2, 100).await.unwrap();
    assert_eq!(labels(&next), owned(&[(2, "b1"), (1, "a2"), (1, "a3"), (2, "b2")]));

    // Given back, the rows are free for the other worker at once.
    one.release_all().await.unwrap();
    let taken = claim(&two, LEASE, 2, 100).await.unwrap();
    assert_eq!(labels(&taken), owned(&[(2, "b1"), (1, "a2"), (1, "a3"), (2, "b2"), (3, "c1")]));
}

async fn a_row_that_must_wait_stops_its_chat(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    queue_texts(&db, &clock, &[(1, "a1"), (1, "a2"), (2, "b1")]).await;
    let one = store(&db, &clock, "one");
    let rows = claim(&one, LEASE, 10, 100).await.unwrap();
    assert_eq!(rows.len(), 3);

    // a1 failed for now and retries in a minute: a2 waits behind it.
    one.retry(&rows[0], Duration::from_secs(60), "502").await.unwrap();
    assert_eq!(labels(&claim(&one, LEASE, 10, 100).await.unwrap()), owned(&[(2, "b1")]));
    // Telegram's retry_after holds the whole chat, rows queued later too.
    one.hold_chat(2, Duration::from_secs(30)).await.unwrap();
    queue_texts(&db, &clock, &[(2, "b2")]).await;
    assert!(claim(&one, LEASE, 10, 100).await.unwrap().is_empty());

    clock.set(at("2026-11-21T12:01:01Z"));
    let due = claim(&one, LEASE, 10, 100).await.unwrap();
    assert_eq!(labels(&due), owned(&[(1, "a1"), (1, "a2"), (2, "b1"), (2, "b2")]));
}

async fn a_lapsed_claim_records_nothing(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    queue_texts(&db, &clock, &[(1, "a1"), (1, "a2")]).await;
    let (stalled, successor) = (store(&db, &clock, "stalled"), store(&db, &clock, "successor"));
    let held = claim(&stalled, LEASE, 10, 100).await.unwrap();
    assert_eq!(held.len(), 2);
    assert!(claim(&successor, LEASE, 10, 100).await.unwrap().is_empty());

    // The stalled worker's lease runs out; the successor takes the rows.
    clock.set(at("2026-11-21T12:00:21Z"));
    let taken = claim(&successor, LEASE, 10, 100).await.unwrap();
    assert_eq!(labels(&taken), labels(&held));

    // The stalled worker wakes up: none of its records land.
    assert_eq!(stalled.record_sent(&[sent(&held[0], Record::Nothing, 700)]).await.unwrap(), vec![held[0].id]);
    assert_eq!(stalled.digested(&[held[0].id, held[1].id], 701).await.unwrap(), 0);
    stalled.retry(&held[1], Duration::from_secs(300), "late").await.unwrap();
    stalled.failed(&held[1], "late").await.unwrap();
    // The successor's do, and a2 was neither delayed nor failed by them.
    assert!(successor.record_sent(&[sent(&held[0], Record::Nothing, 800)]).await.unwrap().is_empty());
    let next = claim(&successor, LEASE, 10, 100).await.unwrap();
    assert_eq!(labels(&next), owned(&[(1, "a2")]));
    assert_eq!(test.count("SELECT count(*) FROM outbox_messages WHERE failed_at IS NOT NULL").await, 0);
}

async fn concurrent_claimers_never_share_a_chat(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let rows: Vec<(i64, String)> =
        (0..10).flat_map(|i| (1..=30).map(move |chat| (chat, format!("{chat}-{i}")))).collect();
    let borrowed: Vec<(i64, &str)> = rows.iter().map(|(c, l)| (*c, l.as_str())).collect();
    queue_texts(&db, &clock, &borrowed).await;

    let claimers: Vec<_> = (0..8)
        .map(|n| {
            let worker = store(&db, &clock, &format!("worker-{n}"));
            // 8 rows each: together more than the 30 chats' heads.
            tokio::spawn(async move { (n, claim(&worker, LEASE, 4, 8).await.expect("claim")) })
        })
        .collect();
    let mut holder: HashMap<i64, usize> = HashMap::new();
    let mut seen = HashSet::new();
    let mut by_chat: HashMap<i64, Vec<String>> = HashMap::new();
    for claimer in claimers {
        let (n, claimed) = claimer.await.unwrap();
        for (row, (chat, label)) in claimed.iter().zip(labels(&claimed)) {
            assert!(seen.insert(row.id), "row {label} claimed twice");
            assert_eq!(*holder.entry(chat).or_insert(n), n, "chat {chat} split between workers");
            by_chat.entry(chat).or_default().push(label);
        }
    }
    // Every chat was taken, each as a run from its oldest row.
    assert_eq!(by_chat.len(), 30, "{by_chat:?}");
    for (chat, labels) in by_chat {
        let expected: Vec<String> = (0..labels.len()).map(|i| format!("{chat}-{i}")).collect();
        assert_eq!(labels, expected, "chat {chat}");
    }
}

/// A row another transaction has locked is skipped at once, and so is the
/// rest of its chat (it must not be overtaken).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_skip_locked_rows_without_waiting() {
    let Some(test) = TestDb::postgres().await else { return };
    let (db, clock) = setup(&test).await;
    queue_texts(&db, &clock, &[(1, "a1"), (1, "a2"), (2, "b1")]).await;

    let mut locker = AsyncPgConnection::establish(&test.url).await.unwrap();
    locker
        .batch_execute(
            "BEGIN; SELECT id FROM outbox_messages WHERE id = (SELECT min(id) FROM outbox_messages) FOR UPDATE",
        )
        .await
        .unwrap();
    let one = store(&db, &clock, "one");
    let pending = claim(&one, LEASE, 10, 100);
    let claimed = tokio::time::timeout(Duration::from_secs(5), pending).await.expect("the claim waited on a lock");
    assert_eq!(labels(&claimed.unwrap()), owned(&[(2, "b1")]));

    locker.batch_execute("COMMIT").await.unwrap();
    let claimed = claim(&one, LEASE, 10, 100).await.unwrap();
    assert_eq!(labels(&claimed), owned(&[(1, "a1"), (1, "a2"), (2, "b1")]));
}

/// A sender that died holding claims (killed mid-burst) does not hold its
/// rows for the lease: the worker that takes the role over frees them, and
/// rows already sent or failed are left alone.
async fn a_new_sender_frees_the_rows_the_one_before_claimed(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    queue_texts(&db, &clock, &[(1, "a1"), (2, "b1"), (1, "a2")]).await;
    let (dead, next) = (store(&db, &clock, "dead"), store(&db, &clock, "next"));
    let held = claim(&dead, LEASE, 10, 100).await.unwrap();
    assert_eq!(held.len(), 3);
    assert!(dead.record_sent(&[sent(&held[0], Record::Nothing, 501)]).await.unwrap().is_empty());
    assert!(claim(&next, LEASE, 10, 100).await.unwrap().is_empty(), "held for the lease");
    assert_eq!(next.take_over().await.unwrap(), 2, "the two rows still waiting");
    let taken = claim(&next, LEASE, 10, 100).await.unwrap();
    assert_eq!(labels(&taken), owned(&[(2, "b1"), (1, "a2")]), "at once, a1 is not sent again");
    assert_eq!(next.take_over().await.unwrap(), 0, "its own claims stay");
}
