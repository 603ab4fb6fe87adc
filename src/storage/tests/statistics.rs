//! Per staff member, the tickets they answered in a period: each ticket
//! once however often they answered it, notes not counted, answers before
//! the period left out. On SQLite, the seconds `/stats` reads come from
//! its indexes.

use diesel::dsl::sql;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, debug_query};
use testdb::{Kind, TestDb, on_both_backends};

use super::{file, staff};
use crate::domain::{Direction, MessageDraft};
use crate::storage::{filing, statistics};
use crate::testing::{conn, in_tx, naive, user_text};

on_both_backends!(staff_are_counted_once_per_ticket_they_answered_since_the_period_began);

fn from(staff_id: i64, direction: Direction) -> MessageDraft {
    MessageDraft { direction, sender_id: staff_id, ..user_text(staff_id, 1, "on it") }
}

async fn staff_are_counted_once_per_ticket_they_answered_since_the_period_began(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (anna, _, _) = file(&db, 1, 1, "help", "2026-11-18T09:00:00Z").await;
    let (bob, _, _) = file(&db, 2, 1, "help", "2026-11-18T09:00:00Z").await;
    let (carl, _, _) = file(&db, 3, 1, "help", "2026-11-18T09:00:00Z").await;
    let answers = [
        (anna.id, 900, Direction::ToUser, "2026-11-18T10:00:00Z"),
        (anna.id, 901, Direction::ToUser, "2026-11-19T10:00:00Z"),
        (anna.id, 900, Direction::ToUser, "2026-11-20T10:00:00Z"),
        (anna.id, 900, Direction::ToUser, "2026-11-21T10:00:00Z"),
        (bob.id, 900, Direction::ToUser, "2026-11-20T11:00:00Z"),
        (carl.id, 902, Direction::Note, "2026-11-21T11:00:00Z"),
        // Stored out of time order (a clock behind another replica's):
        // the later answer stays the last.
        (bob.id, 901, Direction::ToUser, "2026-11-21T12:00:00Z"),
        (bob.id, 901, Direction::ToUser, "2026-11-19T12:00:00Z"),
    ];
    for (ticket, staff_id, direction, at) in answers {
        let draft = from(staff_id, direction);
        in_tx(&db, async |tx| filing::staff_message(tx, ticket, &staff(staff_id), &draft, naive(at)).await).await;
    }
    let mut c = conn(&db).await;
    let mut counted = async |since: &str| {
        let mut rows = statistics::answered_by_staff(&mut c, naive(since), None).await.unwrap();
        rows.sort_by_key(|a| a.staff_id);
        rows.into_iter().map(|a| (a.staff_id, a.tickets)).collect::<Vec<_>>()
    };
    assert_eq!(counted("2026-11-18T00:00:00Z").await, [(900, 2), (901, 2)], "anna's three answers count once");
    assert_eq!(counted("2026-11-20T00:00:00Z").await, [(900, 2), (901, 1)], "901 answered anna before it");
    assert_eq!(counted("2026-11-21T00:00:00Z").await, [(900, 1), (901, 1)], "900 answered only anna in it");
    assert_eq!(counted("2026-11-22T00:00:00Z").await, []);
    // A day of its own (a kept day's): bob's answer by 900 on the 20th,
    // not anna's, answered by 900 again on the 21st.
    let day = statistics::answered_by_staff(&mut c, naive("2026-11-20T00:00:00Z"), Some(naive("2026-11-21T00:00:00Z")));
    let day: Vec<_> = day.await.unwrap().into_iter().map(|a| (a.staff_id, a.tickets)).collect();
    assert_eq!(day, [(900, 1)]);
}

/// A step of an SQLite statement's program (`EXPLAIN`): an opcode and, for
/// a function call, the function.
#[derive(QueryableByName)]
struct Step {
    #[diesel(sql_type = Text)]
    opcode: String,
    #[diesel(sql_type = Nullable<Text>)]
    p4: Option<String>,
}

/// SQLite parsed the text timestamps of every ticket of a month for
/// `/stats` (`julianday`, 50 ms at a million tickets) until migration
/// 000020 put the very seconds `statistics` asks for in its indexes: the
/// statements read them there and call no `julianday` of their own. With
/// the indexes as they were before (the migration's `down.sql`), they do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reads_the_seconds_of_stats_from_its_indexes() {
    let Some(test) = TestDb::new(Kind::Sqlite).await else { return };
    let db = crate::testing::start(&test).await;
    let mut c = conn(&db).await;
    let day = naive("2026-11-21T00:00:00Z");
    let mut seconds = |from, to| sql::<Nullable<BigInt>>(&statistics::seconds_between(&mut c, from, to));
    let (opened, closed) = (seconds("opened_at", "first_response_at"), seconds("opened_at", "closed_at"));
    let statements = [
        debug_query::<Sqlite, _>(&statistics::opened_query(opened, day.date())).to_string(),
        debug_query::<Sqlite, _>(&statistics::close_times_query(closed, day, day)).to_string(),
    ]
    .map(|sql| sql.split(" -- binds").next().unwrap_or_default().to_string());
    let parses = async |sql: &str| {
        let steps: Vec<Step> = test.query(&format!("EXPLAIN {sql}")).await;
        steps.iter().any(|s| s.opcode == "Function" && s.p4.as_deref().is_some_and(|f| f.starts_with("julianday")))
    };
    for sql in &statements {
        assert!(!parses(sql).await, "read from the index: {sql}");
    }
    test.sql(include_str!("../../../migrations/sqlite/2026-12-02-000020_stats_seconds/down.sql")).await;
    for sql in &statements {
        assert!(parses(sql).await, "computed without the migration's indexes: {sql}");
    }
}
