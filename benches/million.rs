//! `/stats` on a database of a million tickets: how long gathering the
//! figures of today, the last 7 days and the last 30 days takes (the text
//! and chart are drawn from them in a few ms more), on SQLite and
//! PostgreSQL. The target: under 200 ms. Then `ticketbot export` of every
//! ticket as CSV from the same database: tickets a second, and the
//! process's peak resident memory (targets: 50,000 a second, flat).
//!
//! The database: 1,000,000 tickets over the last 365 days (about 2,740 a
//! day), each with a user; 90 % answered (an answer message by one of five
//! staff members), 80 % closed, 20 % rated, 5 % reminded.
//!
//! Run: `cargo bench --bench stats` (PostgreSQL from TEST_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; BENCH_TICKETS,
//! default 1000000; BENCH_RUNS per period, default 20; BENCH_ONLY=sqlite or
//! postgres for one).

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use ticketbot::config::{DatabaseConfig, DatabaseUrl};
use ticketbot::db::Db;

#[path = "common/pg_database.rs"]
mod pg_database;
use pg_database::PgDatabase;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let tickets: i64 = std::env::var("BENCH_TICKETS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(20).max(1);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    println!("/stats on {tickets} tickets: time to gather the figures, {runs} runs per period");
    println!("{:<9} {:<6} {:>9} {:>9} {:>9} {:>9}", "backend", "period", "tickets", "p50 ms", "max ms", "fill s");
    if only.is_empty() || only == "sqlite" {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("stats.db").display());
        let db = Db::start(&DatabaseConfig::new(DatabaseUrl::parse(&url).unwrap())).await.expect("database");
        let filled = Instant::now();
        let path = dir.path().join("stats.db");
        let sql = fill_sql(tickets, Dialect::Sqlite);
        tokio::task::spawn_blocking(move || {
            let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            conn.batch_execute(&sql).expect("fill");
        })
        .await
        .unwrap();
        measure("sqlite", &db, runs, filled.elapsed()).await;
        export_rate("sqlite", &url, tickets).await;
    }
    if only.is_empty() || only == "postgres" {
        let pg = PgDatabase::create(&admin).await;
        let db = Db::start(&DatabaseConfig::new(DatabaseUrl::parse(&pg.url).unwrap())).await.expect("database");
        let filled = Instant::now();
        let mut conn = AsyncPgConnection::establish(&pg.url).await.unwrap();
        conn.batch_execute(&fill_sql(tickets, Dialect::Postgres)).await.expect("fill");
        // What autovacuum does for a live database: statistics, and the
        // visibility map an index-only scan relies on.
        conn.batch_execute("VACUUM ANALYZE").await.expect("vacuum");
        measure("postgres", &db, runs, filled.elapsed()).await;
        export_rate("postgres", &pg.url, tickets).await;
        drop(db);
        pg.drop_it().await;
    }
}

async fn measure(backend: &str, db: &Db, runs: usize, filled: Duration) {
    let now = chrono::Utc::now();
    for period in ["day", "week", "month"] {
        let mut took = Vec::new();
        let mut opened = 0;
        for _ in 0..runs {
            let start = Instant::now();
            opened = ticketbot::bench::gather_stats(db, period, now).await.expect("stats");
            took.push(start.elapsed());
        }
        took.sort();
        println!(
            "{backend:<9} {period:<6} {opened:>9} {:>9.1} {:>9.1} {:>9.1}",
            took[took.len() / 2].as_secs_f64() * 1000.0,
            took[took.len() - 1].as_secs_f64() * 1000.0,
            filled.as_secs_f64()
        );
    }
}

/// Runs the release binary's `export` of every ticket to a file: its rate,
/// and its peak resident memory (VmHWM, read until it exits).
async fn export_rate(backend: &str, url: &str, tickets: i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("tickets.csv");
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .args(["export", "--format", "csv", "--output", output.to_str().unwrap()])
        .env_clear()
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ticketbot export");
    let mut peak_kib = 0u64;
    while child.try_wait().expect("wait").is_none() {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok());
        peak_kib = peak_kib.max(hwm.unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&output).map_or(0, |m| m.len());
    println!(
        "{backend:<9} export {tickets} tickets as CSV: {took:.1} s, {:.0} tickets/s, peak memory {:.1} MiB, file {:.0} MiB",
        tickets as f64 / took,
        peak_kib as f64 / 1024.0,
        size as f64 / 1_048_576.0
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// Fills the tables: `g` from 0 to `tickets - 1`, ticket `g` on the day
/// `g % 365` days ago, opened `g % 80000` seconds into it.
fn fill_sql(tickets: i64, dialect: Dialect) -> String {
    let last = tickets - 1;
    let (series, opened, plus, day) = match dialect {
        Dialect::Sqlite => (
            format!("WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < {last}) SELECT g FROM s"),
            "datetime('now', 'start of day', '-' || (g % 365) || ' days', '+' || (g % 80000) || ' seconds')",
            sqlite_plus as fn(&str, &str) -> String,
            "date('now', '-' || (g % 365) || ' days')",
        ),
        Dialect::Postgres => (
            format!("SELECT g FROM generate_series(0, {last}) g"),
            "(CURRENT_DATE - (g % 365))::timestamp + (g % 80000) * interval '1 second'",
            postgres_plus as fn(&str, &str) -> String,
            "CURRENT_DATE - (g % 365)",
        ),
    };
    let first = plus(opened, "60 + g % 3600");
    let closed = plus(opened, "3600 + g % 86400");
    format!(
        "INSERT INTO users (id, first_name, created_at, updated_at) SELECT g + 1, 'User', {opened}, {opened} FROM ({series}) t;
         INSERT INTO staff (user_id, display_name, is_admin, created_at) SELECT 900 + g, 'Agent ' || g, FALSE, {opened} FROM ({series}) t WHERE g < 5;
         INSERT INTO tickets (id, day, number, user_id, status, opened_at, closed_at, first_response_at, first_responder_id, last_response_at)
           SELECT g + 1, {day}, g / 365 + 1, g + 1,
                  CASE WHEN g % 5 = 0 THEN 'open' ELSE 'closed' END, {opened},
                  CASE WHEN g % 5 = 0 THEN NULL ELSE {closed} END,
                  CASE WHEN g % 10 = 0 THEN NULL ELSE {first} END,
                  CASE WHEN g % 10 = 0 THEN NULL ELSE 900 + g % 5 END,
                  CASE WHEN g % 10 = 0 THEN NULL ELSE {first} END
           FROM ({series}) t;
         INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, kind, text, created_at)
           SELECT g + 1, 'to_user', 900 + g % 5, g + 1, 'text', 'answer', {first} FROM ({series}) t WHERE g % 10 <> 0;
         INSERT INTO ticket_ratings (ticket_id, user_id, score, rated_at)
           SELECT g + 1, g + 1, 1 + g % 5, {closed} FROM ({series}) t WHERE g % 5 = 1;
         INSERT INTO ticket_events (ticket_id, kind, at)
           SELECT g + 1, 'reminded', {first} FROM ({series}) t WHERE g % 20 = 3;"
    )
}

fn sqlite_plus(at: &str, seconds: &str) -> String {
    format!("datetime({at}, '+' || ({seconds}) || ' seconds')")
}

fn postgres_plus(at: &str, seconds: &str) -> String {
    format!("({at} + ({seconds}) * interval '1 second')")
}
