//! The whole bot's own cost: the released `ticketbot` binary against the
//! in-repo fake Bot API with flood limits off (fake and bot:
//! `DELIVERY_PACING=off`), so Telegram's limits do not hide it. Prints, per
//! backend:
//!
//! - updates handled per second end to end (update fetched → ticket stored
//!   → every resulting message sent), 1,000 users each sending 5 messages;
//! - latency p50/p99 from an update's arrival at the fake to its relay
//!   reaching the support chat, at a steady 200 updates/s for 10 s;
//! - resident memory idle, at the peak and after 100,000 tickets;
//! - time from process start to the first `getUpdates`, on an empty
//!   database and on the one with 100,000 tickets;
//! - the release binary's size.
//!
//! Run: `cargo bench --bench throughput` (PostgreSQL from TEST_DATABASE_URL;
//! BENCH_ROUNDS, default 3; BENCH_ONLY=sqlite or postgres; BENCH_TICKETS,
//! default 100000, for the memory run).
//!
//! `BENCH_BASELINE=/path/to/another/ticketbot` measures that binary and this
//! build in turn, on a fresh database each, `BENCH_ROUNDS` times: a before
//! and after in one run, both under the same load of the machine.
//! `BENCH_BASELINE_VARS="NAME=value …"` sets variables for the baseline's
//! runs only: with `BENCH_BASELINE` this build's own binary, a setting's
//! cost (`SQLITE_SYNCHRONOUS=normal`) in one run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_telegram::TgUser;

#[path = "common/pg_database.rs"]
mod pg_database;
#[path = "common/running_bot.rs"]
mod running_bot;
use pg_database::PgDatabase;
use running_bot::Bot;

const SUPPORT: i64 = -1_001_555_000_222;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds: usize = env_or("BENCH_ROUNDS", 3).max(1);
    let tickets: usize = env_or("BENCH_TICKETS", 100_000);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let this = PathBuf::from(env!("CARGO_BIN_EXE_ticketbot"));
    let baseline = std::env::var_os("BENCH_BASELINE").map(PathBuf::from);
    let baseline_vars: Vec<(String, String)> = std::env::var("BENCH_BASELINE_VARS")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pair| pair.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    for (label, exe) in baseline.iter().map(|b| ("baseline", b)).chain([("this build", &this)]) {
        let size = std::fs::metadata(exe).map(|m| m.len()).unwrap_or(0);
        println!("{label} binary: {:.1} MiB ({size} bytes)", size as f64 / 1_048_576.0);
    }
    for backend in ["sqlite", "postgres"].into_iter().filter(|b| only.is_empty() || only == *b) {
        println!("\n{backend}");
        match &baseline {
            // One bot, `rounds` throughput rounds.
            None => report("", &[measure(&this, &[], backend, &admin, rounds, tickets).await]),
            // Turns: baseline, this build, baseline, … each on a fresh database.
            Some(baseline) => {
                let (mut before, mut after) = (Vec::new(), Vec::new());
                for _ in 0..rounds {
                    before.push(measure(baseline, &baseline_vars, backend, &admin, 1, tickets).await);
                    after.push(measure(&this, &[], backend, &admin, 1, tickets).await);
                }
                report("baseline   ", &before);
                report("this build ", &after);
                let median = |runs: &[Figures]| median(&runs.iter().flat_map(|f| f.rates.clone()).collect::<Vec<_>>());
                println!("  updates/s, this build / baseline (medians): {:.2}", median(&after) / median(&before));
            }
        }
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A fresh database of `backend`, measured with binary `exe` run with `vars`.
async fn measure(
    exe: &Path,
    vars: &[(String, String)],
    backend: &str,
    admin: &str,
    rounds: usize,
    tickets: usize,
) -> Figures {
    let dir = tempfile::tempdir().expect("tempdir");
    let pg = if backend == "postgres" { Some(PgDatabase::create(admin).await) } else { None };
    let url = match &pg {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let figures = run_backend(exe, vars, &url, rounds, tickets).await;
    if let Some(db) = pg {
        db.drop_it().await;
    }
    figures
}

/// What one bot did.
struct Figures {
    /// Updates per second end to end, one per throughput round.
    rates: Vec<f64>,
    /// Latency at 200 updates/s, ms: p50, p99, max.
    latency: (f64, f64, f64),
    /// Resident memory, MiB: idle, after `made` tickets, peak.
    memory: (f64, f64, f64),
    made: usize,
    /// Start to first getUpdates, ms: empty database, then with `made`
    /// tickets (and the idle memory then).
    startup: (f64, f64, f64),
}

/// Prints a bot's figures; of several, every round's rate and the median
/// of the rest.
fn report(label: &str, runs: &[Figures]) {
    let all = |f: &dyn Fn(&Figures) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let rates: Vec<f64> = runs.iter().flat_map(|f| f.rates.clone()).collect();
    let made = runs[0].made;
    println!("  {label}updates/s end to end (1000 users × 5): {}", spread(&rates, 0));
    println!(
        "  {label}latency at 200 updates/s, ms: p50 {:.1}  p99 {:.1}  max {:.1}",
        all(&|f| f.latency.0),
        all(&|f| f.latency.1),
        all(&|f| f.latency.2)
    );
    println!(
        "  {label}resident memory, MiB: idle {:.1}  after {made} tickets {:.1}  peak {:.1}",
        all(&|f| f.memory.0),
        all(&|f| f.memory.1),
        all(&|f| f.memory.2)
    );
    println!(
        "  {label}start to first getUpdates: empty {:.0} ms, with {made} tickets {:.0} ms (idle then {:.1} MiB)",
        all(&|f| f.startup.0),
        all(&|f| f.startup.1),
        all(&|f| f.startup.2)
    );
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn run_backend(exe: &Path, vars: &[(String, String)], url: &str, rounds: usize, tickets: usize) -> Figures {
    let bot = Bot::start(exe, vars, url, SUPPORT).await;
    let empty_startup = bot.startup();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, _) = bot.memory();
    let mut next_user = 1_000_000i64;

    // Throughput: 1,000 users × 5 messages, all waiting at Telegram at once.
    let mut rates = Vec::new();
    for _ in 0..rounds {
        let users: Vec<TgUser> = (0..1000).map(|i| TgUser::new(next_user + i, "Bench")).collect();
        next_user += 1000;
        let before = bot.fake.sent_count();
        let start = Instant::now();
        for round in 0..5 {
            for u in &users {
                bot.fake.user_sends(u, &format!("message {round}"));
            }
        }
        // Per user: card, 5 relays, confirmation.
        bot.delivered(before, users.len() * 7).await;
        rates.push(5000.0 / start.elapsed().as_secs_f64());
    }

    // Latency at a steady 200 updates/s for 10 s.
    let users: Vec<TgUser> = (0..400).map(|i| TgUser::new(next_user + i, "Steady")).collect();
    next_user += 400;
    let before = bot.fake.sent_count();
    let start = Instant::now();
    let mut pushed = Vec::new();
    for i in 0..2000usize {
        tokio::time::sleep_until((start + Duration::from_millis(5 * i as u64)).into()).await;
        let u = &users[i % users.len()];
        let id = bot.fake.user_sends(u, "steady");
        pushed.push(((u.id, id), Instant::now()));
    }
    bot.delivered(before, 2000 + 2 * users.len()).await;
    let sent = bot.fake.sent_since(before);
    let arrived: std::collections::HashMap<(i64, i32), Instant> =
        sent.iter().filter_map(|s| Some((s.copied_from?, s.at))).collect();
    let mut latencies: Vec<f64> = pushed
        .iter()
        .filter_map(|(key, at)| Some(arrived.get(key)?.duration_since(*at).as_secs_f64() * 1000.0))
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let latency = (pct(0.5), pct(0.99), pct(1.0));

    // Memory with 100,000 tickets: new users in batches of 5,000.
    let mut made = rounds * 1000 + 400;
    while made < tickets {
        let batch = (tickets - made).min(5000);
        let before = bot.fake.sent_count();
        for i in 0..batch as i64 {
            bot.fake.user_sends(&TgUser::new(next_user + i, "Many"), "one ticket");
        }
        next_user += batch as i64;
        bot.delivered(before, batch * 3).await;
        made += batch;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, peak) = bot.memory();
    bot.stop();

    let bot = Bot::start(exe, vars, url, SUPPORT).await;
    let full_startup = bot.startup();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_full, _) = bot.memory();
    bot.stop();
    Figures {
        rates,
        latency,
        memory: (idle, after, peak),
        made,
        startup: (empty_startup.as_secs_f64() * 1000.0, full_startup.as_secs_f64() * 1000.0, idle_full),
    }
}

fn spread(values: &[f64], decimals: usize) -> String {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    format!("min {:.*} / median {:.*} / max {:.*}", decimals, v[0], decimals, v[v.len() / 2], decimals, v[v.len() - 1])
}
