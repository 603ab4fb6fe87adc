//! Rush hour, end to end: the released `ticketbot` binary against the fake
//! Bot API with Telegram's flood limits on. N new users each open a ticket,
//! spread evenly over 10 s; measured from the first message:
//!
//! - until every user has been told their ticket number (and the longest
//!   any one user waited);
//! - until every number is visible in the support chat (on a card or a
//!   digest line), and the longest any one ticket waited;
//! - messages sent (all, and to the support chat) and 429 answers.
//!
//! Run: `cargo bench --bench burst` (PostgreSQL from TEST_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; BENCH_ROUNDS,
//! default 3; BENCH_ONLY=sqlite, postgres, sqlite:200, postgres:1000 … for a
//! subset).

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use fake_telegram::{FakeTelegram, FloodLimits, TgUser};

#[path = "common/staff_view.rs"]
mod staff_view;
use staff_view::numbers_named;
#[path = "common/bot_process.rs"]
mod bot_process;
#[path = "common/pg_database.rs"]
mod pg_database;
use pg_database::PgDatabase;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const SUPPORT: i64 = -1_001_555_000_111;
const SIZES: [usize; 2] = [200, 1000];
const SPREAD: Duration = Duration::from_secs(10);

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    all_told: Duration,
    longest_told: Duration,
    all_shown: Duration,
    longest_shown: Duration,
    sent: usize,
    sent_support: usize,
    digests: usize,
    too_many: u64,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |backend: &str, n: usize| only.is_empty() || only == backend || only == format!("{backend}:{n}");
    println!("burst of N new tickets spread over {} s; min / median / max of {rounds} rounds", SPREAD.as_secs());
    for backend in ["sqlite", "postgres"] {
        for n in SIZES.into_iter().filter(|n| wanted(backend, *n)) {
            let mut runs = Vec::new();
            for _ in 0..rounds {
                let run = match backend {
                    "sqlite" => {
                        let dir = tempfile::tempdir().expect("tempdir");
                        burst(&format!("sqlite://{}", dir.path().join("bench.db").display()), n).await
                    }
                    _ => {
                        let db = PgDatabase::create(&admin).await;
                        let run = burst(&db.url, n).await;
                        db.drop_it().await;
                        run
                    }
                };
                runs.push(run);
            }
            report(backend, n, &runs);
        }
    }
}

fn report(backend: &str, n: usize, runs: &[Run]) {
    let spread = |f: &dyn Fn(&Run) -> f64, unit: &str| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        format!("{:.1} / {:.1} / {:.1}{unit}", v[0], v[v.len() / 2], v[v.len() - 1])
    };
    println!("\n{backend}, {n} tickets");
    println!("  every user told:         {}", spread(&|r| r.all_told.as_secs_f64(), " s"));
    println!("  longest a user waited:   {}", spread(&|r| r.longest_told.as_secs_f64(), " s"));
    println!("  every number to staff:   {}", spread(&|r| r.all_shown.as_secs_f64(), " s"));
    println!("  longest a ticket waited: {}", spread(&|r| r.longest_shown.as_secs_f64(), " s"));
    println!("  messages sent:           {}", spread(&|r| r.sent as f64, ""));
    println!("  to the support chat:     {}", spread(&|r| r.sent_support as f64, ""));
    println!("  digests among them:      {}", spread(&|r| r.digests as f64, ""));
    println!("  429 answers:             {}", spread(&|r| r.too_many as f64, ""));
}

fn spawn(fake: &FakeTelegram, database_url: &str) -> Child {
    bot_process::ticketbot(TOKEN, &fake.url(), SUPPORT, database_url, "error")
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ticketbot")
}

async fn burst(database_url: &str, n: usize) -> Run {
    let fake = FakeTelegram::start(TOKEN, Some(FloodLimits::default())).await.expect("fake Bot API");
    fake.add_group(SUPPORT, "Support", false);
    let mut bot = spawn(&fake, database_url);
    // Ready once it polls.
    wait(Duration::from_secs(30), || fake.calls().iter().any(|c| c.method == "getupdates")).await;

    let users: Vec<TgUser> = (0..n).map(|i| TgUser::new(1_000_000 + i as i64, &format!("Rush user {i}"))).collect();
    let start = Instant::now();
    let mut wrote = Vec::with_capacity(n);
    for (i, user) in users.iter().enumerate() {
        // Evenly spread: the i-th user writes at i/n of the spread.
        let due = start + SPREAD.mul_f64(i as f64 / n as f64);
        tokio::time::sleep_until(due.into()).await;
        wrote.push(Instant::now());
        fake.user_sends(user, &format!("order {i} has not arrived"));
    }

    let told_all = |fake: &FakeTelegram| fake.all_sent().iter().filter(|s| s.chat_id > 0).count() >= n;
    wait(Duration::from_secs(300), || told_all(&fake)).await;
    wait(Duration::from_secs(300), || shown(&fake).len() >= n).await;

    let sent = fake.all_sent();
    let mut longest_told = Duration::ZERO;
    let mut all_told = Duration::ZERO;
    let mut by_number = BTreeMap::new();
    for (user, wrote_at) in users.iter().zip(&wrote) {
        let confirmation = sent.iter().find(|s| s.chat_id == user.id).expect("told");
        longest_told = longest_told.max(confirmation.at.duration_since(*wrote_at));
        all_told = all_told.max(confirmation.at.duration_since(start));
        let text = confirmation.text.as_deref().unwrap_or_default();
        if let Some(number) = numbers_named(text).first() {
            by_number.insert(*number, *wrote_at);
        }
    }
    let mut longest_shown = Duration::ZERO;
    let mut all_shown = Duration::ZERO;
    for (number, at) in shown(&fake) {
        all_shown = all_shown.max(at.duration_since(start));
        if let Some(wrote_at) = by_number.get(&number) {
            longest_shown = longest_shown.max(at.duration_since(*wrote_at));
        }
    }
    let support: Vec<_> = sent.iter().filter(|s| s.chat_id == SUPPORT).collect();
    let run = Run {
        all_told,
        longest_told,
        all_shown,
        longest_shown,
        sent: sent.len(),
        sent_support: support.len(),
        digests: support.iter().filter(|s| s.text.as_deref().is_some_and(|t| t.starts_with("📥"))).count(),
        too_many: fake.too_many_requests(),
    };
    let _ = bot.kill();
    let _ = bot.wait();
    run
}

/// When each number first showed in the support chat.
fn shown(fake: &FakeTelegram) -> BTreeMap<i32, Instant> {
    let mut first = BTreeMap::new();
    for s in fake.sent_to(SUPPORT) {
        for n in numbers_named(s.text.as_deref().unwrap_or_default()) {
            first.entry(n).or_insert(s.at);
        }
    }
    first
}

async fn wait(timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "gave up after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
