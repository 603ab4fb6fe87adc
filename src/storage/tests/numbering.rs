//! Per-day ticket numbers: gapless, unique, restarted each day, under
//! concurrency within one process and across two.

use std::collections::BTreeSet;
use std::process::Command;

use chrono::NaiveDate;
use testdb::{Kind, TestDb, on_both_backends};

use super::file;
use crate::db::Db;
use crate::storage::{UserMessageOutcome, filing, messages, tickets};
use crate::testing::{conn, naive, profile, start, user_text};

on_both_backends!(
    concurrent_tickets_get_every_number_once,
    numbers_restart_with_each_day,
    simultaneous_first_messages_open_one_ticket,
    a_rolled_back_ticket_leaves_no_gap,
    two_processes_share_one_counter,
);

const TASKS: i64 = 64;
const PER_TASK: i64 = 50;
const NOON: &str = "2026-11-21T12:00:00Z";

async fn concurrent_tickets_get_every_number_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..PER_TASK {
                let (ticket, _, new) = file(&db, 1_000_000 + task * PER_TASK + i, 1, "help", NOON).await;
                assert!(new, "a new user's first message opens a ticket");
                numbers.push(ticket.number);
            }
            numbers
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    let total = (TASKS * PER_TASK) as usize;
    assert_eq!(all.len(), total);
    let distinct: BTreeSet<i32> = all.iter().copied().collect();
    assert_eq!(distinct.len(), total, "a number was handed out twice");
    assert_eq!(distinct, (1..=total as i32).collect(), "numbers are not exactly 1..={total}");
}

async fn numbers_restart_with_each_day(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let nov21 = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let nov22 = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let day_and_number = |(ticket, _, _): (crate::storage::rows::Ticket, _, bool)| (ticket.day, ticket.number);
    assert_eq!(day_and_number(file(&db, 1, 1, "hi", "2026-11-21T23:58:00Z").await), (nov21, 1));
    assert_eq!(day_and_number(file(&db, 2, 1, "hi", "2026-11-21T23:59:00Z").await), (nov21, 2));
    assert_eq!(day_and_number(file(&db, 3, 1, "hi", "2026-11-22T00:00:30Z").await), (nov22, 1), "a new day");
    assert_eq!(day_and_number(file(&db, 4, 1, "hi", "2026-11-22T00:01:00Z").await), (nov22, 2));
    // The old day's tickets keep their numbers and stay findable.
    let old = tickets::find_by_number(&mut conn(&db).await, nov21, 2).await.unwrap().expect("#2 of the 21st");
    assert_eq!(old.user_id, 2);
}

async fn simultaneous_first_messages_open_one_ticket(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let mut tasks = Vec::new();
    for message_id in 1..=24 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move { file(&db, 42, message_id, "hello?", NOON).await }));
    }
    let mut ticket_ids = BTreeSet::new();
    let mut opened = 0;
    for task in tasks {
        let (ticket, _, new) = task.await.expect("task");
        ticket_ids.insert(ticket.id);
        opened += usize::from(new);
    }
    assert_eq!(ticket_ids.len(), 1, "one user, one open ticket");
    assert_eq!(opened, 1, "exactly one message opened it");
    let ticket_id = *ticket_ids.first().unwrap();
    let mut conn = conn(&db).await;
    assert_eq!(messages::of_ticket(&mut conn, ticket_id).await.unwrap().len(), 24, "every message filed");
    assert_eq!(tickets::find(&mut conn, ticket_id).await.unwrap().unwrap().number, 1);
}

async fn a_rolled_back_ticket_leaves_no_gap(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let now = naive(NOON);
    // Open a ticket (number, ticket, first message) inside a transaction
    // that then fails, through the very statements production uses.
    let mut tx = db.begin().await.unwrap();
    match filing::user_message(&mut tx, &profile(7), &user_text(7, 1, "x"), Default::default(), now.date(), now)
        .await
        .unwrap()
    {
        UserMessageOutcome::Filed { ticket, new_ticket: true, .. } => assert_eq!(ticket.number, 1),
        other => panic!("{other:?}"),
    }
    tx.rollback().await;
    let (ticket, _, _) = file(&db, 7, 1, "x", NOON).await;
    assert_eq!(ticket.number, 1, "the rolled-back number is taken again");
}

/// Runs in a child process (see `two_processes_share_one_counter`): waits
/// for `CHILD_START_FILE` to exist, then opens tickets for users
/// `base..base+800` on `CHILD_DATABASE_URL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "helper: run by two_processes_share_one_counter in child processes"]
async fn child_opens_tickets() {
    let url = std::env::var("CHILD_DATABASE_URL").expect("CHILD_DATABASE_URL");
    let base: i64 = std::env::var("CHILD_USER_BASE").expect("CHILD_USER_BASE").parse().unwrap();
    let go = std::path::PathBuf::from(std::env::var("CHILD_START_FILE").expect("CHILD_START_FILE"));
    let config = crate::config::DatabaseConfig::new(crate::config::DatabaseUrl::parse(&url).unwrap());
    let db = Db::pool_only(&config).await.expect("pool");
    while !go.exists() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut tasks = Vec::new();
    for t in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                file(&db, base + t * 100 + i, 1, "x", NOON).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
}

/// Two OS processes open 800 tickets each on one database, started at the
/// same instant: SQLite's file lock (BEGIN IMMEDIATE, busy_timeout) or
/// PostgreSQL's row lock must keep the numbers exact.
async fn two_processes_share_one_counter(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let gate = tempfile::tempdir().unwrap();
    let go = gate.path().join("go");
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = [10_000_000i64, 20_000_000]
        .into_iter()
        .map(|base| {
            Command::new(&exe)
                .args(["--exact", "storage::tests::numbering::child_opens_tickets", "--ignored", "--test-threads", "1"])
                .env("CHILD_DATABASE_URL", &test.url)
                .env("CHILD_USER_BASE", base.to_string())
                .env("CHILD_START_FILE", &go)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    // Both children connect first; then they start together.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    std::fs::write(&go, b"go").unwrap();
    for child in children {
        let out = child.wait_with_output().expect("child");
        assert!(
            out.status.success(),
            "child process failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let mut conn = conn(&db).await;
    for number in 1..=1600 {
        assert!(tickets::find_by_number(&mut conn, day, number).await.unwrap().is_some(), "number {number} missing");
    }
    assert!(tickets::find_by_number(&mut conn, day, 1601).await.unwrap().is_none(), "more numbers than tickets");
    assert_eq!(tickets::count_open(&mut conn).await.unwrap(), 1600);
}
