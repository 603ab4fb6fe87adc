//! Tickets opened per second at 1, 16 and 64 concurrent callers, on SQLite
//! and PostgreSQL, beside each database's own ceiling for the same work:
//! for PostgreSQL `pgbench` running the same transaction
//! (benches/open_ticket.pgbench) at the same concurrency; for SQLite one
//! connection running the same statements back to back (SQLite has one
//! writer at a time, so concurrency cannot raise its ceiling).
//!
//! Run: `cargo bench --bench numbering` (PostgreSQL from TEST_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; BENCH_SECONDS per
//! measurement, default 5; BENCH_ROUNDS, default 3; BENCH_ONLY=sqlite, postgres or postgres:16 for a subset).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Integer};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use ticketbot::config::{DatabaseConfig, DatabaseUrl};
use ticketbot::db::{Db, migrate};

#[path = "common/pg_database.rs"]
mod pg_database;
use pg_database::PgDatabase;

const CALLERS: [usize; 3] = [1, 16, 64];

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let span = Duration::from_secs(seconds);
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    println!(
        "tickets opened per second: median of {rounds} rounds of {seconds} s, ticketbot then ceiling in each round"
    );
    println!("{:<9} {:>7} {:>12} {:>12} {:>7}", "backend", "callers", "ticketbot/s", "ceiling/s", "ratio");

    // BENCH_ONLY=postgres:16 (or sqlite, or postgres) runs a subset.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted =
        |backend: &str, callers: usize| only.is_empty() || only == backend || only == format!("{backend}:{callers}");
    for callers in CALLERS.into_iter().filter(|c| wanted("sqlite", *c)) {
        let mut samples = Vec::new();
        for _ in 0..rounds {
            let dir = tempfile::tempdir().expect("tempdir");
            let app = app_rate(&format!("sqlite://{}", dir.path().join("app.db").display()), callers, span).await;
            let ceiling = sqlite_ceiling(&format!("sqlite://{}", dir.path().join("ceiling.db").display()), span).await;
            samples.push((app, ceiling));
        }
        report("sqlite", callers, &samples);
    }
    for callers in CALLERS.into_iter().filter(|c| wanted("postgres", *c)) {
        let mut samples = Vec::new();
        for _ in 0..rounds {
            let app_db = PgDatabase::create(&admin).await;
            let app = app_rate(&app_db.url, callers, span).await;
            app_db.drop_it().await;
            let ceiling_db = PgDatabase::create(&admin).await;
            let ceiling = pgbench_ceiling(&ceiling_db.url, callers, span).await;
            ceiling_db.drop_it().await;
            samples.push((app, ceiling));
        }
        report("postgres", callers, &samples);
    }
}

/// Prints the medians of the rounds and the median of the per-round ratios;
/// app and ceiling alternate within each round, so both see the same load.
fn report(backend: &str, callers: usize, samples: &[(f64, f64)]) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let app = median(samples.iter().map(|s| s.0).collect());
    let ceiling = median(samples.iter().map(|s| s.1).collect());
    let ratios: Vec<f64> = samples.iter().map(|(a, c)| a / c).collect();
    let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "{backend:<9} {callers:>7} {app:>12.0} {ceiling:>12.0} {:>7.2}   rounds: {}",
        median(ratios),
        shown.join(" ")
    );
}

fn config(url: &str, callers: usize) -> DatabaseConfig {
    DatabaseConfig {
        pool_size: callers,
        connect_timeout: Duration::from_secs(5),
        ..DatabaseConfig::new(DatabaseUrl::parse(url).expect("url"))
    }
}

/// Runs `callers` tasks for `span`, each filing new users' first messages
/// (a ticket each) as the bot does, a transaction each.
async fn app_rate(url: &str, callers: usize, span: Duration) -> f64 {
    let config = config(url, callers);
    migrate::run_pending(&config).await.expect("migrate");
    let db = Db::pool_only(&config).await.expect("pool");
    let now = chrono::Utc::now().naive_utc();
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + span;
    let tasks: Vec<_> = (0..callers as i64)
        .map(|caller| {
            let (db, done) = (db.clone(), done.clone());
            tokio::spawn(async move {
                let mut i = 0i64;
                while Instant::now() < deadline {
                    let user = caller * 1_000_000_000 + i;
                    i += 1;
                    ticketbot::bench::file_user_message(&db, user, now).await.expect("open ticket");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("caller");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// One connection, the same statements as the app's transaction, back to back.
async fn sqlite_ceiling(url: &str, span: Duration) -> f64 {
    let config = config(url, 1);
    migrate::run_pending(&config).await.expect("migrate");
    let DatabaseUrl::Sqlite { path } = config.url else { unreachable!() };
    tokio::task::spawn_blocking(move || {
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .unwrap();
        let started = Instant::now();
        let mut n = 0i64;
        while started.elapsed() < span {
            n += 1;
            conn.immediate_transaction(|c| {
                diesel::sql_query(
                    "INSERT INTO users (id, username, first_name, last_name, language_code, created_at, updated_at) \
                     VALUES (?, 'bench', 'Bench', NULL, 'en', '2026-11-21 12:00:00', '2026-11-21 12:00:00') \
                     ON CONFLICT (id) DO UPDATE SET username = excluded.username, first_name = excluded.first_name, \
                     last_name = excluded.last_name, language_code = excluded.language_code, updated_at = excluded.updated_at \
                     RETURNING id",
                )
                .bind::<BigInt, _>(n)
                .execute(c)?;
                diesel::sql_query("SELECT id FROM tickets WHERE user_id = ? AND status = 'open' LIMIT 1")
                    .bind::<BigInt, _>(n)
                    .execute(c)?;
                diesel::sql_query(
                    "INSERT INTO daily_ticket_counters (day, last_value) VALUES ('2026-11-21', 1) \
                     ON CONFLICT (day) DO UPDATE SET last_value = daily_ticket_counters.last_value + 1",
                )
                .execute(c)?;
                diesel::sql_query(
                    "INSERT INTO tickets (day, number, user_id, status, opened_at) VALUES ('2026-11-21', ?, ?, 'open', '2026-11-21 12:00:00')",
                )
                .bind::<Integer, _>(n as i32)
                .bind::<BigInt, _>(n)
                .execute(c)?;
                diesel::sql_query(
                    "INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, user_message_id, kind, text, created_at) \
                     VALUES (last_insert_rowid(), 'from_user', ?, ?, 1, 'text', 'help', '2026-11-21 12:00:00')",
                )
                .bind::<BigInt, _>(n)
                .bind::<BigInt, _>(n)
                .execute(c)?;
                diesel::QueryResult::Ok(())
            })
            .expect("ceiling transaction");
        }
        n as f64 / started.elapsed().as_secs_f64()
    })
    .await
    .expect("ceiling thread")
}

async fn pgbench_ceiling(url: &str, callers: usize, span: Duration) -> f64 {
    migrate::run_pending(&config(url, callers)).await.expect("migrate");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/open_ticket.pgbench");
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-f", script])
        .args(["-c", &callers.to_string(), "-j", &callers.min(2).to_string()])
        .args(["-T", &span.as_secs().to_string()])
        // ticketbot talks to PostgreSQL without TLS here; so must the ceiling.
        .env("PGSSLMODE", "disable")
        .arg(url)
        .output()
        .expect("pgbench must be installed (Debian: postgresql-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pgbench failed: {}{}", text, String::from_utf8_lossy(&out.stderr));
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("pgbench printed tps")
}
