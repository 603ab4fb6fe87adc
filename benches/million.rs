//! The desk at a million tickets and five million messages, on SQLite and
//! PostgreSQL (the database: `common/million_fill.rs`). Prints, per backend:
//!
//! - the fill: how long, and the database's size;
//! - `ticketbot doctor`: how long it takes, and that it finds nothing wrong;
//! - a day's retention pass (`INBOX_RETENTION=30d` and
//!   `MESSAGE_RETENTION=364d`, as if the bot had swept yesterday): how long,
//!   and what it removed;
//! - gathering `/stats`' figures for today, 7 and 30 days (target: 200 ms);
//! - the released bot against the fake Bot API (pacing off): start to
//!   first `getUpdates` (target: 1 s), resident memory idle and after
//!   everything below (target: 40 MB), and end to end, from the update's
//!   arrival at the fake to the bot's answer there: a user's first message
//!   (`/open`: the relay in the support chat), `/find` of nine kinds (target:
//!   p95 under 100 ms) and `/stats`;
//! - the web console's pages and the REST API (`WEB_CONSOLE=on`): lists
//!   filtered and searched, a ticket, the dashboard (target: p95 under
//!   100 ms);
//! - `ticketbot export` of every ticket, then of every message, as CSV:
//!   rows a second and peak memory (target: 50,000 tickets a second, flat).
//!
//! Run: `cargo bench --bench million` (PostgreSQL from TEST_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; BENCH_TICKETS,
//! default 1000000; BENCH_RUNS, default 10, of each `/find` kind and
//! `/stats` period; BENCH_ONLY=sqlite or postgres for one; BENCH_KEEP=1
//! keeps the database (the SQLite file or the PostgreSQL database), to look
//! at its plans; BENCH_FILL_ONLY=1 fills, keeps and stops;
//! BENCH_DATABASE=URL measures a database filled and kept before, and
//! BENCH_STEPS=doctor,retention,stats,bot,export only the steps named;
//! `BENCH_BOT_VARS="NAME=value …"` sets variables for the bot).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use fake_telegram::TgUser;
use ticketbot::config::{DatabaseConfig, DatabaseUrl};
use ticketbot::db::Db;

#[path = "common/million_fill.rs"]
mod million_fill;
#[path = "common/pg_database.rs"]
mod pg_database;
#[path = "common/running_bot.rs"]
mod running_bot;
use million_fill::{Dialect, Vocabulary};
use pg_database::PgDatabase;
use running_bot::{Bot, wait};
#[path = "common/web_timing.rs"]
mod web_timing;
use web_timing::Web;

const SUPPORT: i64 = -1_001_555_000_444;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let tickets: i64 = env_or("BENCH_TICKETS", 1_000_000);
    let runs: usize = env_or("BENCH_RUNS", 10).max(1);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let vocabulary = Vocabulary::new();
    println!("{tickets} tickets, {} messages; {runs} runs of each /find kind and /stats period", tickets * 5);
    let steps = std::env::var("BENCH_STEPS").unwrap_or_default();
    let step = |name: &str| steps.is_empty() || steps.split(',').any(|s| s.trim() == name);
    if let Ok(url) = std::env::var("BENCH_DATABASE") {
        println!("\n{url} (filled before)");
        measure(&url, tickets, runs, &vocabulary, step).await;
        return;
    }
    for backend in ["sqlite", "postgres"].into_iter().filter(|b| only.is_empty() || only == *b) {
        println!("\n{backend}");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("million.db");
        let pg = if backend == "postgres" { Some(PgDatabase::create(&admin).await) } else { None };
        let url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", file.display()),
        };
        let db = Db::start(&DatabaseConfig::new(DatabaseUrl::parse(&url).unwrap())).await.expect("database");
        let started = Instant::now();
        match &pg {
            None => fill_sqlite(&file, &vocabulary, tickets).await,
            Some(pg) => fill_postgres(&pg.url, &vocabulary, tickets).await,
        }
        let size = match &pg {
            None => std::fs::metadata(&file).map_or(0, |m| m.len()) as f64,
            Some(_) => count(&db, "SELECT pg_database_size(current_database()) AS n").await as f64,
        };
        println!("  fill: {:.0} s, database {:.0} MiB", started.elapsed().as_secs_f64(), size / 1_048_576.0);
        drop(db);
        let keep = std::env::var_os("BENCH_KEEP").is_some() || std::env::var_os("BENCH_FILL_ONLY").is_some();
        if std::env::var_os("BENCH_FILL_ONLY").is_none() {
            measure(&url, tickets, runs, &vocabulary, step).await;
        }
        match pg {
            _ if keep => {
                println!("  kept: {url}");
                let _ = dir.keep();
            }
            Some(pg) => pg.drop_it().await,
            None => {}
        }
    }
}

/// Every step the bench measures on the filled database at `url` (those
/// `step` names: doctor, retention, stats, bot, export).
async fn measure(url: &str, tickets: i64, runs: usize, vocabulary: &Vocabulary, step: impl Fn(&str) -> bool) {
    let db = Db::start(&DatabaseConfig::new(DatabaseUrl::parse(url).unwrap())).await.expect("database");
    if step("doctor") {
        doctor(url).await;
    }
    if step("retention") {
        retention_pass(&db).await;
    }
    if step("stats") {
        gather_stats(&db, runs).await;
    }
    drop(db);
    if step("bot") {
        with_the_bot(url, vocabulary, tickets, runs).await;
    }
    if step("export") {
        export_rate(url, tickets, false).await;
        export_rate(url, tickets * 5, true).await;
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn fill_sqlite(file: &std::path::Path, vocabulary: &Vocabulary, tickets: i64) {
    let statements = million_fill::fill_sql(vocabulary, tickets, Dialect::Sqlite);
    let path = file.to_str().unwrap().to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = SqliteConnection::establish(&path).unwrap();
        for statement in statements {
            conn.batch_execute(&statement)
                .unwrap_or_else(|e| panic!("{e}: {}", &statement[..statement.len().min(300)]));
        }
        conn.batch_execute("ANALYZE").expect("analyze");
    })
    .await
    .unwrap();
}

async fn fill_postgres(url: &str, vocabulary: &Vocabulary, tickets: i64) {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    for statement in million_fill::fill_sql(vocabulary, tickets, Dialect::Postgres) {
        conn.batch_execute(&statement)
            .await
            .unwrap_or_else(|e| panic!("{e}: {}", &statement[..statement.len().min(300)]));
    }
    // What autovacuum does for a live database: statistics, and the
    // visibility map an index-only scan relies on.
    conn.batch_execute("VACUUM ANALYZE").await.expect("vacuum");
    // The fill's gigabytes written out now, not by a checkpoint in the
    // middle of the measurements.
    conn.batch_execute("CHECKPOINT").await.expect("checkpoint");
}

async fn count(db: &Db, sql: &str) -> i64 {
    ticketbot::bench::count(db, sql).await.expect(sql)
}

/// Runs the released binary with `args` on `url`: how long it took, its
/// peak resident memory (VmHWM, MiB, read until it exits) and whether it
/// succeeded.
async fn run_binary(url: &str, args: &[&str]) -> (Duration, f64, bool) {
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .args(args)
        .env_clear()
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("ticketbot");
    let mut peak_kib = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok());
        peak_kib = peak_kib.max(hwm.unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    (started.elapsed(), peak_kib as f64 / 1024.0, status.success())
}

async fn doctor(url: &str) {
    let (took, peak, healthy) = run_binary(url, &["doctor"]).await;
    assert!(healthy, "doctor found something wrong with the filled database");
    println!("  doctor: {:.2} s, nothing wrong, peak memory {peak:.1} MiB", took.as_secs_f64());
}

/// The sweep a bot with `INBOX_RETENTION=30d` and `MESSAGE_RETENTION=364d`
/// makes on the day after its last: a day's inbox and outbox rows go, and
/// the texts of a day's closed tickets.
async fn retention_pass(db: &Db) {
    let rows = "SELECT (SELECT COUNT(*) FROM inbox_updates) + (SELECT COUNT(*) FROM outbox_messages) AS n";
    let cleared = "SELECT COUNT(*) AS n FROM tickets WHERE texts_removed_at IS NOT NULL";
    let before = count(db, rows).await;
    let started = Instant::now();
    ticketbot::bench::sweep_once(db, Some(TimeDelta::days(30)), Some(TimeDelta::days(364))).await.expect("sweep");
    let took = started.elapsed();
    let (removed, tickets) = (before - count(db, rows).await, count(db, cleared).await);
    assert!(removed > 0 && tickets > 0, "the pass removed nothing");
    println!(
        "  a day's retention pass: {:.1} s, {removed} inbox and outbox rows deleted, the texts of {tickets} tickets removed",
        took.as_secs_f64()
    );
}

async fn gather_stats(db: &Db, runs: usize) {
    let now = Utc::now();
    for period in ["day", "week", "month"] {
        let mut took = Vec::new();
        let mut opened = 0;
        for _ in 0..runs {
            let start = Instant::now();
            opened = ticketbot::bench::gather_stats(db, period, now).await.expect("stats");
            took.push(start.elapsed());
        }
        println!("  gathering /stats {period:<5} ({opened:>6} tickets): {}", percentiles(&mut took));
    }
}

/// One `/find` kind: its name, and the arguments of run `r`.
type FindKind = (&'static str, Box<dyn Fn(usize) -> String>);

fn find_kinds(vocabulary: &Vocabulary, tickets: i64) -> Vec<FindKind> {
    let words = vocabulary.words.clone();
    let w = move |i: usize| words[i].clone();
    let users = (tickets / 2).max(1);
    let (w1, w2, w3, w4, w5, w6) = (w.clone(), w.clone(), w.clone(), w.clone(), w.clone(), w.clone());
    vec![
        ("a word in a third of messages", Box::new(move |r| w1(r % 4))),
        ("a word in some thousands", Box::new(move |r| w2(500 + 7 * r))),
        ("a word in some dozens", Box::new(move |r| w3(45_000 + 13 * r))),
        ("two words", Box::new(move |r| format!("{} {}", w4(r % 4), w4(500 + 7 * r)))),
        // Past the first days, whose texts the retention pass removed.
        (
            "an order number (one ticket)",
            Box::new(move |r| format!("{}", 1_000_001 + tickets / 100 + (r as i64 * 7919) % (tickets / 2))),
        ),
        (
            "a common word @username",
            Box::new(move |r| {
                format!("{} @user{}", w5(r % 4), users / 100 + (r as i64 * 7919 % (users / 2)) / 10 * 10 + 2)
            }),
        ),
        ("a word in thousands #open", Box::new(move |r| format!("{} #open", w6(500 + 7 * r)))),
        (
            "a common word on a day",
            Box::new(move |r| format!("{} {}", w(r % 4), (Utc::now() - TimeDelta::days(100 + r as i64)).date_naive())),
        ),
        ("a word in no message", Box::new(|r| format!("zzqx{r}"))),
    ]
}

async fn with_the_bot(url: &str, vocabulary: &Vocabulary, tickets: i64, runs: usize) {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_ticketbot"));
    let vars: Vec<(String, String)> = std::env::var("BENCH_BOT_VARS")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pair| pair.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut vars = vars;
    vars.push(("WEB_CONSOLE".into(), "on".into()));
    // For the console's "past the SLA" (the fill's waiting tickets were
    // reminded already: nothing is due).
    vars.push(("FIRST_RESPONSE_SLA".into(), "1h".into()));
    vars.push(("HTTP_ADDR".into(), format!("127.0.0.1:{port}")));
    let handled = {
        let db = Db::start(&DatabaseConfig::new(DatabaseUrl::parse(url).unwrap())).await.expect("database");
        count(&db, "SELECT COALESCE(MAX(update_id), 0) AS n FROM inbox_updates").await
    };
    let bot = Bot::start(&exe, &vars, url, SUPPORT).await;
    // A database measured before keeps that run's updates.
    bot.fake.continue_update_ids_after(handled);
    let startup = bot.startup();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, _) = bot.memory();
    println!("  the bot: start to first getUpdates {:.0} ms, idle {idle:.1} MiB", startup.as_secs_f64() * 1000.0);

    // /open: users new to the desk, one after the other.
    let mut took = Vec::new();
    for i in 0..runs as i64 * 5 {
        let user = TgUser::new(10_000_000 + i, "New");
        let before = bot.fake.sent_count();
        let pushed = Instant::now();
        let message = bot.fake.user_sends(&user, "my order has not arrived");
        let relayed = |s: &fake_telegram::Sent| s.copied_from == Some((user.id, message));
        wait(Duration::from_secs(60), || bot.fake.sent_since(before).iter().any(relayed)).await;
        took.push(bot.fake.sent_since(before).into_iter().find(|s| relayed(s)).unwrap().at.duration_since(pushed));
    }
    println!("  a new ticket (user's message to its relay): {}", percentiles(&mut took));
    print_memory(&bot, "new tickets");

    let agent = TgUser::new(900, "Agent 0");
    let mut all = Vec::new();
    for (kind, args) in find_kinds(vocabulary, tickets) {
        let (mut took, mut found) = (Vec::new(), 0);
        for r in 0..runs {
            let (latency, answer) = ask(&bot, &agent, &format!("/find {}", args(r))).await;
            assert!(answer.starts_with("🔎"), "/find {}: {answer}", args(r));
            found += usize::from(answer.contains("/ticket_"));
            took.push(latency);
        }
        all.extend(took.iter().copied());
        println!("  /find {kind:<30} {} (tickets found {found} times of {runs})", percentiles(&mut took));
        print_memory(&bot, kind);
    }
    println!("  /find, all {} above: {}", all.len(), percentiles(&mut all));

    for period in ["day", "week", "month"] {
        let mut took = Vec::new();
        for _ in 0..runs {
            took.push(ask(&bot, &agent, &format!("/stats {period}")).await.0);
        }
        println!("  /stats {period:<5} (figures, text and chart): {}", percentiles(&mut took));
        print_memory(&bot, period);
    }
    web_pages(url, &format!("http://127.0.0.1:{port}"), vocabulary, tickets, runs).await;
    print_memory(&bot, "the console and the API");
    bot.stop();
}

/// The console's pages and the API's endpoints, each asked `runs` times.
async fn web_pages(url: &str, base: &str, vocabulary: &Vocabulary, tickets: i64, runs: usize) {
    let web = Web::log_in(url, base, 900).await;
    let (common, thousands) = (&vocabulary.words[0], &vocabulary.words[500]);
    let week_ago = (Utc::now() - TimeDelta::days(100)).date_naive();
    let (ticket, deep) = (tickets / 2, tickets / 3);
    let pages = [
        ("/ (the newest 50)".to_string(), "/".to_string()),
        ("/ a page deep in the list".into(), format!("/?page={deep}")),
        ("/ open".into(), "/?status=open".into()),
        (
            "/ closed, a week 100 days ago".into(),
            format!("/?status=closed&since={}&until={week_ago}", week_ago - TimeDelta::days(6)),
        ),
        ("/ one staff member's".into(), "/?assignee=902".into()),
        ("/ assigned to nobody".into(), "/?assignee=none".into()),
        ("/ waiting for staff".into(), "/?waiting=yes".into()),
        ("/ waiting past the SLA".into(), "/?waiting=past_sla".into()),
        ("/ a word in a third of messages".into(), format!("/?q={common}")),
        ("/ a word in a third of messages, open".into(), format!("/?q={common}&status=open")),
        ("/ a word in thousands, open".into(), format!("/?q={thousands}&status=open")),
        ("/ a word in thousands, one staff member's".into(), format!("/?q={thousands}&assignee=903")),
        ("/tickets/ID (card, history, forms)".into(), format!("/tickets/{ticket}")),
        ("/dashboard week".into(), "/dashboard?period=week".into()),
        ("/dashboard month".into(), "/dashboard?period=month".into()),
        ("GET /api/v1/tickets".into(), "/api/v1/tickets".into()),
        ("GET /api/v1/tickets?q=".into(), format!("/api/v1/tickets?q={thousands}")),
        ("GET /api/v1/tickets/ID".into(), format!("/api/v1/tickets/{ticket}")),
        ("GET /api/v1/tickets/ID/messages".into(), format!("/api/v1/tickets/{ticket}/messages")),
        ("GET /api/v1/stats?period=month".into(), "/api/v1/stats?period=month".into()),
    ];
    let mut all = Vec::new();
    for (what, path) in pages {
        let mut took = web.time(&path, runs).await;
        all.extend(took.iter().copied());
        println!("  {what:<45} {}", percentiles(&mut took));
    }
    println!("  pages and API, all {} above: {}", all.len(), percentiles(&mut all));
}

fn print_memory(bot: &Bot, after: &str) {
    let (rss, peak) = bot.memory();
    println!("    resident memory after {after}: {rss:.1} MiB (peak so far {peak:.1} MiB)");
}

/// Staff send `text` to the support chat: how long until the bot's first
/// answer there arrived, and its text.
async fn ask(bot: &Bot, agent: &TgUser, text: &str) -> (Duration, String) {
    let before = bot.fake.sent_count();
    let pushed = Instant::now();
    bot.fake.group_message(SUPPORT, agent, text, None);
    wait(Duration::from_secs(60), || bot.fake.sent_since(before).iter().any(|s| s.chat_id == SUPPORT)).await;
    let answer = bot.fake.sent_since(before).into_iter().find(|s| s.chat_id == SUPPORT).unwrap();
    (answer.at.duration_since(pushed), answer.text.unwrap_or_default())
}

fn percentiles(took: &mut [Duration]) -> String {
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |p: f64| took[((took.len() as f64 * p).ceil() as usize).clamp(1, took.len()) - 1];
    format!("p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms", ms(at(0.5)), ms(at(0.95)), ms(took[took.len() - 1]))
}

/// `ticketbot export` of everything as CSV: its rate and peak memory.
async fn export_rate(url: &str, rows: i64, messages: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("export.csv");
    let mut args = vec!["export", "--format", "csv", "--output", output.to_str().unwrap()];
    if messages {
        args.push("--messages");
    }
    let (took, peak, exported) = run_binary(url, &args).await;
    assert!(exported, "export failed");
    let size = std::fs::metadata(&output).map_or(0, |m| m.len());
    let what = if messages { "messages" } else { "tickets" };
    println!(
        "  export of {rows} {what} as CSV: {:.1} s, {:.0} {what}/s, peak memory {peak:.1} MiB, file {:.0} MiB",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
}
