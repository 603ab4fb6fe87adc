//! `ticketbot migrate` and `ticketbot doctor`, run as the operator runs them.

use std::process::{Command, Output};

use crate::support::{Kind, TestDb, on_both_backends};

on_both_backends!(
    migrate_status_up_down,
    doctor_healthy_then_dropped_column,
    doctor_low_counter,
    the_response_clock_is_read_from_earlier_messages,
    doctor_repairs_what_loses_nothing_and_drops_only_when_told,
);

pub fn ticketbot(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("DATABASE_CONNECT_TIMEOUT", "5")
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run ticketbot")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn migrate_status_up_down(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let out = |args: &[&str]| stdout(&ticketbot(&db.url, args));
    let status = out(&["migrate", "status"]);
    assert!(status.contains("[ ] 2026-11-21-000001_initial"), "{status}");
    assert!(status.contains("[ ] 2026-11-21-000002_inbox_outbox"), "{status}");
    assert!(status.contains("[ ] 2026-11-21-000003_user_notices"), "{status}");
    assert!(status.contains("[ ] 2026-11-21-000004_outbox_digests"), "{status}");
    assert!(status.contains("[ ] 2026-11-21-000005_outbox_claims"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000006_support_chat_of_tickets"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000007_user_flood_limits"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000008_response_clock"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000009_ratings"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000010_snippets"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000011_unsent_messages"), "{status}");
    assert!(status.contains("[ ] 2026-12-01-000012_statistics"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000013_search"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000014_retention"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000015_erasure"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000016_usernames"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000017_web"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000018_web_lists"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000019_answers"), "{status}");
    assert!(status.contains("[ ] 2026-12-02-000020_stats_seconds"), "{status}");
    assert!(status.contains("[ ] 2026-12-03-000021_open_search"), "{status}");
    assert!(status.contains("[ ] 2026-12-03-000022_stats_days"), "{status}");
    assert!(status.contains("0 applied, 22 pending"), "{status}");

    let up = out(&["migrate", "up"]);
    assert!(up.contains("applied 2026-11-21-000001_initial"), "{up}");
    assert!(up.contains("applied 2026-11-21-000002_inbox_outbox"), "{up}");
    assert!(up.contains("22 applied, 0 pending"), "{up}");
    assert!(out(&["migrate", "up"]).contains("nothing to apply"));

    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-03-000022_stats_days"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-03-000021_open_search"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000020_stats_seconds"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000019_answers"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000018_web_lists"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000017_web"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000016_usernames"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000015_erasure"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000014_retention"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000013_search"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000012_statistics"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000011_unsent_messages"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000010_snippets"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000009_ratings"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000008_response_clock"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000007_user_flood_limits"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000006_support_chat_of_tickets"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-11-21-000005_outbox_claims"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-11-21-000004_outbox_digests"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-11-21-000003_user_notices"));
    let down = out(&["migrate", "down"]);
    assert!(down.contains("reverted 2026-11-21-000002_inbox_outbox"), "{down}");
    assert!(down.contains("1 applied, 21 pending"), "{down}");
    // Reverted means gone: doctor reports the pending migration and the
    // missing tables.
    let doctor = ticketbot(&db.url, &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    let report = stdout(&doctor);
    assert!(report.contains("FAIL 21 migration(s) pending"), "{report}");
    assert!(report.contains("FAIL table outbox_messages is missing"), "{report}");

    assert!(out(&["migrate", "down"]).contains("reverted 2026-11-21-000001_initial"));
    assert!(out(&["doctor"]).contains("FAIL table tickets is missing"));
    assert!(out(&["migrate", "down"]).contains("nothing to revert"));
}

/// Tickets from before the response clock get its columns from their
/// messages: waiting since the user's first message after staff's last
/// answer, the latest answer, who answered first.
async fn the_response_clock_is_read_from_earlier_messages(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let out = |args: &[&str]| stdout(&ticketbot(&db.url, args));
    assert!(out(&["migrate", "up"]).contains("22 applied"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-03-000022_stats_days"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-03-000021_open_search"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000020_stats_seconds"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000019_answers"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000018_web_lists"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000017_web"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000016_usernames"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000015_erasure"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000014_retention"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-02-000013_search"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000012_statistics"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000011_unsent_messages"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000010_snippets"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000009_ratings"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-01-000008_response_clock"));
    db.sql(
        "INSERT INTO users (id, first_name, created_at, updated_at) VALUES \
           (1, 'A', '2026-11-21 09:00:00', '2026-11-21 09:00:00'), (2, 'B', '2026-11-21 09:00:00', '2026-11-21 09:00:00'), \
           (3, 'C', '2026-11-21 09:00:00', '2026-11-21 09:00:00'); \
         INSERT INTO daily_ticket_counters (day, last_value) VALUES ('2026-11-21', 3); \
         INSERT INTO tickets (id, day, number, user_id, status, opened_at, first_response_at) VALUES \
           (1, '2026-11-21', 1, 1, 'open', '2026-11-21 09:00:00', '2026-11-21 09:10:00'), \
           (2, '2026-11-21', 2, 2, 'open', '2026-11-21 09:00:00', '2026-11-21 09:10:00'), \
           (3, '2026-11-21', 3, 3, 'open', '2026-11-21 09:00:00', NULL); \
         INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) VALUES \
           (1, 'from_user', 1, 1, 'text', 'q', '2026-11-21 09:00:00'), \
           (1, 'to_user', 900, 1, 'text', 'a', '2026-11-21 09:10:00'), \
           (1, 'to_user', 901, 1, 'text', 'b', '2026-11-21 09:20:00'), \
           (1, 'from_user', 1, 1, 'text', 'q2', '2026-11-21 09:30:00'), \
           (1, 'from_user', 1, 1, 'text', 'q3', '2026-11-21 09:40:00'), \
           (2, 'from_user', 2, 2, 'text', 'q', '2026-11-21 09:00:00'), \
           (2, 'to_user', 900, 2, 'text', 'a0', '2026-11-21 09:05:00'), \
           (2, 'to_user', 900, 2, 'text', 'a', '2026-11-21 09:10:00'), \
           (3, 'from_user', 3, 3, 'text', 'q', '2026-11-21 09:00:00');",
    )
    .await;
    let up = out(&["migrate", "up"]);
    assert!(up.contains("applied 2026-12-01-000008_response_clock"), "{up}");
    let one = async |sql: &str| db.count(&format!("SELECT COUNT(*) FROM tickets WHERE {sql}")).await;
    assert_eq!(one("id = 1 AND waiting_since = '2026-11-21 09:30:00' AND last_response_at = '2026-11-21 09:20:00' AND first_responder_id = 900").await, 1);
    assert_eq!(one("id = 2 AND waiting_since IS NULL AND last_response_at = '2026-11-21 09:10:00'").await, 1);
    assert_eq!(one("id = 3 AND waiting_since = '2026-11-21 09:00:00' AND last_response_at IS NULL AND first_responder_id IS NULL").await, 1);
    // The messages from before are in the search index.
    let search = match kind {
        Kind::Sqlite => "SELECT count(*) FROM ticket_messages_search WHERE ticket_messages_search MATCH 'q'",
        Kind::Postgres => {
            "SELECT count(*) FROM ticket_messages WHERE to_tsvector('simple', coalesce(text, '')) @@ plainto_tsquery('simple', 'q')"
        }
    };
    assert_eq!(db.count(search).await, 3, "every earlier 'q' is found");
    // Who answered which ticket, and when last: from the answers before.
    assert_eq!(db.count("SELECT COUNT(*) FROM ticket_answers").await, 3);
    let answered = "SELECT COUNT(*) FROM ticket_answers WHERE (ticket_id = 1 AND staff_id = 901 \
                    AND last_answer_at = '2026-11-21 09:20:00') OR (ticket_id = 2 AND staff_id = 900 \
                    AND last_answer_at = '2026-11-21 09:10:00')";
    assert_eq!(db.count(answered).await, 2, "the last of each one's answers");
    assert!(ticketbot(&db.url, &["doctor"]).status.success());
}

async fn doctor_healthy_then_dropped_column(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    assert!(ticketbot(&db.url, &["migrate", "up"]).status.success());
    let healthy = ticketbot(&db.url, &["doctor"]);
    assert!(healthy.status.success(), "{}", stdout(&healthy));
    assert!(stdout(&healthy).contains("healthy"));
    assert!(stdout(&healthy).contains("schema version: 2026-12-03-000022_stats_days"));

    db.sql("ALTER TABLE tickets DROP COLUMN away_notified_at").await;
    let sick = ticketbot(&db.url, &["doctor"]);
    assert_eq!(sick.status.code(), Some(1), "{}", stdout(&sick));
    assert!(stdout(&sick).contains("FAIL column tickets.away_notified_at is missing"), "{}", stdout(&sick));

    db.sql("DROP INDEX tickets_one_open_per_user; CREATE INDEX tickets_one_open_per_user ON tickets (user_id)").await;
    let weak = stdout(&ticketbot(&db.url, &["doctor"]));
    assert!(weak.contains("FAIL index tickets_one_open_per_user is not a partial unique index"), "{weak}");

    db.sql("DROP INDEX tickets_status_opened").await;
    let sicker = ticketbot(&db.url, &["doctor"]);
    assert!(stdout(&sicker).contains("FAIL index tickets_status_opened is missing"), "{}", stdout(&sicker));
}

async fn doctor_low_counter(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    assert!(ticketbot(&db.url, &["migrate", "up"]).status.success());
    db.sql(
        "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'a', '2026-11-21 10:00:00', '2026-11-21 10:00:00');
         INSERT INTO tickets (day, number, user_id, status, opened_at) VALUES ('2026-11-21', 3, 1, 'closed', '2026-11-21 10:00:00');
         INSERT INTO daily_ticket_counters (day, last_value) VALUES ('2026-11-21', 2);",
    )
    .await;
    let out = ticketbot(&db.url, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("counter for 2026-11-21 is 2 but tickets up to #3 exist"), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_migrators_on_one_empty_postgres_database() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // Hold the migrators' advisory lock so both processes are surely
    // running, connected and waiting at once before either may migrate.
    let mut gate = AsyncPgConnection::establish(&db.url).await.unwrap();
    gate.batch_execute("SELECT pg_advisory_lock(8388345093869036143)").await.unwrap();
    let bin = env!("CARGO_BIN_EXE_ticketbot");
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(bin)
                .args(["migrate", "up"])
                .env_clear()
                .env("DATABASE_URL", &db.url)
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: Waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = \
             (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .get_result(&mut gate)
        .await
        .unwrap();
        if waiting.n == 2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "both migrators should wait on the lock");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    gate.batch_execute("SELECT pg_advisory_unlock(8388345093869036143)").await.unwrap();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().expect("wait")).collect();
    for out in &outputs {
        assert!(out.status.success(), "a migrator failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let applied = outputs.iter().filter(|o| stdout(o).contains("applied 2026-11-21-000001_initial")).count();
    assert_eq!(applied, 1, "exactly one process applies the migrations");
    let idle = outputs.iter().filter(|o| stdout(o).contains("nothing to apply")).count();
    assert_eq!(idle, 1, "the other one finds nothing to do");
    let doctor = ticketbot(&db.url, &["doctor"]);
    assert!(doctor.status.success(), "{}", stdout(&doctor));
}

#[test]
fn doctor_does_not_create_a_missing_sqlite_file() {
    let db = TestDb::sqlite();
    let path = db.sqlite_path().unwrap();
    let out = ticketbot(&db.url, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("the file does not exist"), "{}", stdout(&out));
    assert!(!path.exists(), "doctor created the file");
}

#[test]
fn sqlite_file_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite();
    let path = db.sqlite_path().unwrap();
    assert!(!path.parent().unwrap().exists(), "folder made by ticketbot, not the test");
    let out = ticketbot(&db.url, &["migrate", "up"]);
    assert!(out.status.success(), "{out:?}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database file readable by its owner only");
}

/// Every pooled SQLite connection runs with WAL, a busy timeout, foreign
/// keys on (each is off by default in SQLite) and commits that wait for the
/// disk (`synchronous = FULL`, 2) unless `SQLITE_SYNCHRONOUS` says `normal` (1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_pool_connections_have_their_pragmas() {
    use diesel::QueryableByName;
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::RunQueryDsl;

    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }
    #[derive(QueryableByName)]
    struct ForeignKeys {
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
    }
    #[derive(QueryableByName)]
    struct Synchronous {
        #[diesel(sql_type = BigInt)]
        synchronous: i64,
    }

    let db = TestDb::sqlite();
    let mut normal = crate::support::config_for(&db.url);
    normal.sqlite_sync = ticketbot::config::SqliteSync::Normal;
    let ticketbot::db::Db::Sqlite { pool, .. } = ticketbot::db::Db::start(&normal).await.expect("start") else {
        unreachable!()
    };
    let sync: Synchronous =
        diesel::sql_query("PRAGMA synchronous").get_result(&mut *pool.get().await.unwrap()).await.unwrap();
    assert_eq!(sync.synchronous, 1, "SQLITE_SYNCHRONOUS=normal");
    drop(pool);

    let started = ticketbot::db::Db::start(&crate::support::config_for(&db.url)).await.expect("start");
    let ticketbot::db::Db::Sqlite { pool, .. } = started else { unreachable!() };
    // Check out several at once so more than one connection is examined.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(pool.get().await.unwrap());
    }
    for conn in &mut conns {
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode").get_result(&mut **conn).await.unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let t: Timeout = diesel::sql_query("PRAGMA busy_timeout").get_result(&mut **conn).await.unwrap();
        assert!(t.timeout >= 1000, "busy_timeout {}", t.timeout);
        let fk: ForeignKeys = diesel::sql_query("PRAGMA foreign_keys").get_result(&mut **conn).await.unwrap();
        assert_eq!(fk.foreign_keys, 1);
        let sync: Synchronous = diesel::sql_query("PRAGMA synchronous").get_result(&mut **conn).await.unwrap();
        assert_eq!(sync.synchronous, 2, "FULL by default");
    }
}

/// `doctor --repair` applies the pending migration, recreates a dropped
/// index (and on SQLite a search trigger, then indexes what it missed),
/// raises a low counter, and names what is not ticketbot's; only
/// `--destructive` drops that.
async fn doctor_repairs_what_loses_nothing_and_drops_only_when_told(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let out = |args: &[&str]| stdout(&ticketbot(&db.url, args));
    assert!(out(&["migrate", "up"]).contains("22 applied"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-03-000022_stats_days"));
    assert!(out(&["migrate", "down"]).contains("reverted 2026-12-03-000021_open_search"));
    db.sql(
        "DROP INDEX tickets_user_opened; \
         INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'A', '2026-11-21 09:00:00', '2026-11-21 09:00:00'); \
         INSERT INTO daily_ticket_counters (day, last_value) VALUES ('2026-11-21', 1); \
         INSERT INTO tickets (id, day, number, user_id, status, opened_at) VALUES (1, '2026-11-21', 3, 1, 'open', '2026-11-21 09:00:00'); \
         CREATE TABLE scratch (x INTEGER); \
         ALTER TABLE users ADD COLUMN nickname TEXT;",
    )
    .await;
    if kind == Kind::Sqlite {
        db.sql(
            "DROP TRIGGER ticket_messages_search_insert; \
             INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
             VALUES (1, 'from_user', 1, 1, 'text', 'orphan words', '2026-11-21 09:00:00');",
        )
        .await;
    }
    let sick = ticketbot(&db.url, &["doctor"]);
    assert_eq!(sick.status.code(), Some(1));
    let report = stdout(&sick);
    for line in [
        "FAIL 2 migration(s) pending",
        "FAIL index tickets_user_opened is missing (doctor --repair creates it)",
        "FAIL counter for 2026-11-21 is 1 but tickets up to #3 exist",
        "note table scratch is not ticketbot's",
        "note column users.nickname is not ticketbot's",
    ] {
        assert!(report.contains(line), "{line:?} in:\n{report}");
    }

    let repaired = ticketbot(&db.url, &["doctor", "--repair"]);
    let said = stdout(&repaired);
    for line in [
        "repair: applied migration 2026-12-03-000021_open_search",
        "repair: applied migration 2026-12-03-000022_stats_days",
        "repair: recreated index tickets_user_opened",
        "repair: raised the counter of 2026-11-21 from 1 to 3, its highest ticket number",
        "repair: left table scratch: not ticketbot's",
        "repair: left column users.nickname: not ticketbot's",
    ] {
        assert!(said.contains(line), "{line:?} in:\n{said}");
    }
    assert!(repaired.status.success(), "what is not ticketbot's is only noted: {said}");
    assert!(said.contains("note table scratch is not ticketbot's"), "{said}");
    // A kept day's trigger lost: a kept day may hold old figures. The
    // repair makes the trigger again and forgets every kept day.
    let (lose, trigger) = match kind {
        Kind::Sqlite => ("DROP TRIGGER stats_days_rating_update", "stats_days_rating_update"),
        Kind::Postgres => ("DROP TRIGGER stats_days_rating ON ticket_ratings", "stats_days_rating"),
    };
    db.sql(&format!("{lose}; INSERT INTO stats_days (day, zone, figures) VALUES ('2026-11-21', 'UTC', '{{}}')")).await;
    let unguarded = out(&["doctor"]);
    let missing = format!("kept days' figures may be out of date, missing: {trigger} (doctor --repair");
    assert!(unguarded.contains(&missing), "{unguarded}");
    let mended = out(&["doctor", "--repair"]);
    assert!(mended.contains(&format!("repair: recreated {trigger}\n")), "{mended}");
    assert!(mended.contains("repair: forgot the 1 kept days' figures"), "{mended}");
    assert_eq!(db.count("SELECT count(*) FROM stats_days").await, 0);
    assert!(out(&["doctor"]).contains("the triggers that keep the kept days' figures right present"));
    if kind == Kind::Sqlite {
        assert!(said.contains("repair: recreated ticket_messages_search_insert"), "{said}");
        assert!(said.contains("repair: rebuilt the search index from every message"), "{said}");
        let found = "SELECT count(*) FROM ticket_messages_search WHERE ticket_messages_search MATCH 'orphan'";
        assert_eq!(db.count(found).await, 1, "the message stored while the trigger was gone is found");
    }
    if kind == Kind::Postgres {
        // The index of open tickets' messages, its trigger lost: a message
        // stored meanwhile is missing from it until the repair.
        db.sql(
            "DROP TRIGGER ticket_messages_search_open_message ON ticket_messages; \
             INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
             VALUES (1, 'from_user', 1, 1, 'text', 'stray words', '2026-11-21 09:00:00');",
        )
        .await;
        let found =
            "SELECT count(*) FROM ticket_messages_search_open WHERE words @@ plainto_tsquery('simple', 'stray')";
        assert_eq!(db.count(found).await, 0);
        let report = out(&["doctor"]);
        assert!(report.contains("missing: ticket_messages_search_open_message (doctor --repair"), "{report}");
        let said = out(&["doctor", "--repair"]);
        assert!(
            said.contains(
                "repair: recreated ticket_messages_search_open_message and brought it up to date with the open tickets' messages"
            ),
            "{said}"
        );
        assert_eq!(db.count(found).await, 1, "the message stored while the trigger was gone is found");
        assert!(out(&["doctor"]).contains("the search index and what keeps it present"));
        // A trigger left disabled keeps nothing either.
        db.sql("ALTER TABLE tickets DISABLE TRIGGER ticket_messages_search_open_ticket").await;
        assert!(out(&["doctor"]).contains("missing: ticket_messages_search_open_ticket (doctor --repair"));
        assert!(out(&["doctor", "--repair"]).contains("repair: recreated ticket_messages_search_open_ticket"));
        let enabled =
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'ticket_messages_search_open_ticket' AND tgenabled = 'O'";
        assert_eq!(db.count(enabled).await, 1);
    }
    assert!(out(&["doctor", "--repair"]).contains("repair: left table scratch"), "repairs run again find nothing new");

    let refused = ticketbot(&db.url, &["doctor", "--destructive"]);
    assert_eq!(refused.status.code(), Some(2), "--destructive needs --repair");
    // A newer ticketbot's migration: what it added is not this binary's to drop.
    db.sql("INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000001')").await;
    let newer = ticketbot(&db.url, &["doctor", "--repair", "--destructive"]);
    assert_eq!(newer.status.code(), Some(1));
    assert!(stdout(&newer).contains("migrated by a newer ticketbot (20991231000001)"), "{}", stdout(&newer));
    assert_eq!(db.count("SELECT count(*) FROM scratch").await, 0, "nothing dropped");
    db.sql("DELETE FROM __diesel_schema_migrations WHERE version = '20991231000001'").await;
    let dropped = ticketbot(&db.url, &["doctor", "--repair", "--destructive"]);
    let said = stdout(&dropped);
    assert!(dropped.status.success(), "{said}");
    assert!(said.starts_with("--destructive: what is dropped is gone; back the database up first"), "{said}");
    assert!(said.contains("repair: dropped table scratch") && said.contains("repair: dropped column users.nickname"));
    assert!(said.ends_with("healthy\n"), "{said}");
}
