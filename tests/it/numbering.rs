//! Per-day ticket numbers: gapless, unique, restarted at local midnight.

use std::collections::BTreeSet;
use std::process::Command;

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::result::Error as DieselError;
use diesel_async::AsyncConnection;
use ticketbot::db::Db;
use ticketbot::storage::outcome::UserMessageOutcome;

use crate::support::{Kind, TestDb, at, on_both_backends, profile, user_text};

on_both_backends!(
    concurrent_tickets_get_every_number_once,
    numbers_restart_at_local_midnight,
    simultaneous_first_messages_open_one_ticket,
    rolled_back_ticket_leaves_no_gap,
    two_processes_share_one_counter,
);

const TASKS: i64 = 64;
const PER_TASK: i64 = 50;

async fn concurrent_tickets_get_every_number_once(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let service = service.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..PER_TASK {
                let user = 1_000_000 + task * PER_TASK + i;
                match service.open_or_append(&profile(user), &user_text(user, 1, "help")).await.expect("open") {
                    UserMessageOutcome::Filed { ticket, new_ticket: true, .. } => numbers.push(ticket.number),
                    other => panic!("expected a new ticket, got {other:?}"),
                }
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

async fn numbers_restart_at_local_midnight(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    // 22:59 UTC is 23:59 in Berlin (UTC+1 in November); a minute later it
    // is the 22nd in Berlin while still the 21st in UTC.
    let (service, clock) = db.service(chrono_tz::Europe::Berlin, at("2026-11-21T22:59:00Z")).await;
    let open = |user: i64| {
        let service = service.clone();
        async move {
            match service.open_or_append(&profile(user), &user_text(user, 1, "hi")).await.expect("open") {
                UserMessageOutcome::Filed { ticket, .. } => (ticket.day, ticket.number),
                other => panic!("{other:?}"),
            }
        }
    };
    let nov21 = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let nov22 = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    assert_eq!(open(1).await, (nov21, 1));
    assert_eq!(open(2).await, (nov21, 2));
    clock.set(at("2026-11-21T23:00:30Z"));
    assert_eq!(service.today(), nov22);
    assert_eq!(open(3).await, (nov22, 1), "first ticket after local midnight");
    assert_eq!(open(4).await, (nov22, 2));
    // The old day's tickets keep their numbers and stay findable.
    let old = service.find_by_number(nov21, 2).await.unwrap().expect("ticket #2 of the 21st");
    assert_eq!(old.user_id, 2);
}

async fn simultaneous_first_messages_open_one_ticket(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    let user = 42;
    let mut tasks = Vec::new();
    for message_id in 1..=24 {
        let service = service.clone();
        tasks.push(tokio::spawn(async move {
            service.open_or_append(&profile(user), &user_text(user, message_id, "hello?")).await.expect("file")
        }));
    }
    let mut ticket_ids = BTreeSet::new();
    let mut opened = 0;
    for task in tasks {
        match task.await.expect("task") {
            UserMessageOutcome::Filed { ticket, new_ticket, .. } => {
                ticket_ids.insert(ticket.id);
                opened += usize::from(new_ticket);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ticket_ids.len(), 1, "one user, one open ticket");
    assert_eq!(opened, 1, "exactly one message opened it");
    let ticket_id = *ticket_ids.first().unwrap();
    assert_eq!(service.messages(ticket_id).await.unwrap().len(), 24, "every message filed");
    let ticket = service.find(ticket_id).await.unwrap().unwrap();
    assert_eq!(ticket.number, 1);
}

async fn rolled_back_ticket_leaves_no_gap(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let pool = db.start().await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    // Open a ticket (number, ticket, first message) inside a transaction
    // that then fails, through the very statement production uses.
    let first = user_text(7, 1, "x");
    let now = at("2026-11-21T12:00:00Z").naive_utc();
    let user = profile(7);
    let taken = match &pool {
        Db::Postgres(pool) => {
            let mut conn = pool.get().await.unwrap();
            conn.transaction(async |c| -> Result<i32, DieselError> {
                use ticketbot::storage::pg as layer;
                layer::queries::upsert_user(c, &user, now).await?;
                let (ticket, _) = layer::open_ticket(c, day, 7, &first, now).await?;
                assert_eq!(ticket.number, 1);
                Err(DieselError::RollbackTransaction)
            })
            .await
        }
        Db::Sqlite { pool, .. } => {
            let mut conn = pool.get().await.unwrap();
            ticketbot::storage::sqlite::immediate_transaction(&mut conn, async |c| -> Result<i32, DieselError> {
                use ticketbot::storage::sqlite as layer;
                layer::queries::upsert_user(c, &user, now).await?;
                let (ticket, _) = layer::open_ticket(c, day, 7, &first, now).await?;
                assert_eq!(ticket.number, 1);
                Err(DieselError::RollbackTransaction)
            })
            .await
        }
    };
    assert!(matches!(taken, Err(DieselError::RollbackTransaction)));
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    match service.open_or_append(&profile(7), &user_text(7, 1, "x")).await.unwrap() {
        UserMessageOutcome::Filed { ticket, .. } => {
            assert_eq!(ticket.number, 1, "the rolled-back number is reused")
        }
        other => panic!("{other:?}"),
    }
}

/// Runs in a child process (see `two_processes_share_one_counter`): waits
/// for `CHILD_START_FILE` to exist, then opens tickets for users
/// `base..base+800` on `CHILD_DATABASE_URL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "helper: run by two_processes_share_one_counter in child processes"]
async fn child_opens_tickets() {
    let url = std::env::var("CHILD_DATABASE_URL").expect("CHILD_DATABASE_URL");
    let base: i64 = std::env::var("CHILD_USER_BASE").expect("CHILD_USER_BASE").parse().unwrap();
    let start = std::path::PathBuf::from(std::env::var("CHILD_START_FILE").expect("CHILD_START_FILE"));
    let config = crate::support::config_for(&url);
    let db = Db::pool_only(&config).await.expect("pool");
    let clock = std::sync::Arc::new(ticketbot::clock::ManualClock::new(at("2026-11-21T12:00:00Z")));
    let service = ticketbot::service::TicketService::new(db, clock, Tz::UTC);
    while !start.exists() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut tasks = Vec::new();
    for t in 0..8 {
        let service = service.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                let user = base + t * 100 + i;
                service.open_or_append(&profile(user), &user_text(user, 1, "x")).await.expect("open");
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
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    let gate = tempfile::tempdir().unwrap();
    let start = gate.path().join("go");
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = [10_000_000i64, 20_000_000]
        .into_iter()
        .map(|base| {
            Command::new(&exe)
                .args(["--exact", "numbering::child_opens_tickets", "--ignored", "--test-threads", "1"])
                .env("CHILD_DATABASE_URL", &db.url)
                .env("CHILD_USER_BASE", base.to_string())
                .env("CHILD_START_FILE", &start)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    // Both children connect first; then they start together.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    std::fs::write(&start, b"go").unwrap();
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
    for number in 1..=1600 {
        assert!(service.find_by_number(day, number).await.unwrap().is_some(), "number {number} missing");
    }
    assert!(service.find_by_number(day, 1601).await.unwrap().is_none(), "more numbers than tickets");
    assert_eq!(service.list_open(0, 1).await.unwrap().total, 1600);
}
