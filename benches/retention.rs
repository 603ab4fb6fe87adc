//! Retention under a steady load: the released `ticketbot` against the
//! fake Bot API (pacing off), a steady stream of users who each open a
//! ticket and close it, with `INBOX_RETENTION` and `MESSAGE_RETENTION` set
//! short. Prints, per backend, every `BENCH_SAMPLE` seconds: tickets made,
//! inbox and outbox rows, texts kept, and the database's size on disk
//! (SQLite: the file and its WAL; PostgreSQL: `pg_database_size`). Once
//! retention applies, rows and size stop growing although tickets do.
//!
//! Run: `cargo bench --bench retention` (BENCH_ONLY=sqlite|postgres;
//! BENCH_SECONDS, default 240; BENCH_RETENTION, default 30s;
//! BENCH_RATE, users a second, default 20; BENCH_SAMPLE, default 30).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName};
use fake_telegram::{FakeTelegram, TgUser};

#[path = "common/bot_process.rs"]
mod bot_process;
#[path = "common/pg_database.rs"]
mod pg_database;
use pg_database::PgDatabase;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const SUPPORT: i64 = -1_001_555_000_333;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What the database holds at one moment.
struct Sample {
    at: Duration,
    tickets: i64,
    updates: i64,
    outbox: i64,
    texts: i64,
    bytes: u64,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let seconds: u64 = env_or("BENCH_SECONDS", 240);
    let retention = std::env::var("BENCH_RETENTION").unwrap_or_else(|_| "30s".into());
    let rate: u64 = env_or("BENCH_RATE", 20);
    let sample_every: u64 = env_or("BENCH_SAMPLE", 30);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let admin =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    println!("{rate} users a second, each opening and closing a ticket, for {seconds} s; retention {retention}");
    for backend in ["sqlite", "postgres"].into_iter().filter(|b| only.is_empty() || only == *b) {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("bench.db");
        let pg = match backend {
            "postgres" => Some(PgDatabase::create(&admin).await),
            _ => None,
        };
        let url = pg.as_ref().map_or_else(|| format!("sqlite://{}", file.display()), |pg| pg.url.clone());
        println!("\n{backend}\n   at  tickets  updates  outbox  texts kept  size");
        let samples = run(&url, &file, &retention, rate, seconds, sample_every).await;
        for s in &samples {
            println!(
                "{:>4}s {:>8} {:>8} {:>7} {:>11} {:>6.1} MiB",
                s.at.as_secs(),
                s.tickets,
                s.updates,
                s.outbox,
                s.texts,
                s.bytes as f64 / 1_048_576.0
            );
        }
        if let Some(pg) = pg {
            pg.drop_it().await;
        }
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn run(url: &str, file: &std::path::Path, retention: &str, rate: u64, seconds: u64, every: u64) -> Vec<Sample> {
    let fake = FakeTelegram::start(TOKEN, None).await.expect("fake Bot API");
    fake.add_group(SUPPORT, "Support", false);
    let mut child: Child = bot_process::ticketbot(TOKEN, &fake.url(), SUPPORT, url, "error")
        .env("DELIVERY_PACING", "off")
        .env("INBOX_RETENTION", retention)
        .env("MESSAGE_RETENTION", retention)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ticketbot");
    while fake.first_poll().is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let start = Instant::now();
    let mut samples = Vec::new();
    let mut next_sample = Duration::from_secs(every);
    let mut user = 5_000_000i64;
    for second in 0..seconds {
        tokio::time::sleep_until((start + Duration::from_secs(second)).into()).await;
        for _ in 0..rate {
            let u = TgUser::new(user, "Steady");
            fake.user_sends(&u, "my parcel has not arrived, order 12345");
            fake.user_sends(&u, "/close");
            user += 1;
        }
        if start.elapsed() >= next_sample {
            samples.push(sample(url, file, start.elapsed()).await);
            next_sample += Duration::from_secs(every);
        }
    }
    samples.push(sample(url, file, start.elapsed()).await);
    let _ = Command::new("sh").args(["-c", &format!("kill -TERM {}", child.id())]).status();
    let _ = child.wait();
    samples
}

async fn sample(url: &str, file: &std::path::Path, at: Duration) -> Sample {
    const QUERIES: [&str; 4] = [
        "SELECT count(*) AS n FROM tickets",
        "SELECT count(*) AS n FROM inbox_updates",
        "SELECT count(*) AS n FROM outbox_messages",
        "SELECT count(*) AS n FROM ticket_messages WHERE text IS NOT NULL",
    ];
    let (counts, bytes) = match url.strip_prefix("sqlite://") {
        Some(path) => {
            let (path, file) = (path.to_string(), file.to_path_buf());
            tokio::task::spawn_blocking(move || {
                use diesel::RunQueryDsl;
                let mut conn = diesel::SqliteConnection::establish(&path).expect("open the SQLite file");
                let counts: Vec<i64> = QUERIES
                    .iter()
                    .map(|q| diesel::sql_query(*q).get_result::<Count>(&mut conn).map_or(-1, |c| c.n))
                    .collect();
                let size = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
                let wal = PathBuf::from(format!("{}-wal", file.display()));
                (counts, size(file.clone()) + size(wal))
            })
            .await
            .expect("sample")
        }
        None => {
            use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
            let mut conn = AsyncPgConnection::establish(url).await.expect("connect");
            let mut counts = Vec::new();
            for q in QUERIES {
                counts.push(diesel::sql_query(q).get_result::<Count>(&mut conn).await.map_or(-1, |c| c.n));
            }
            let size = diesel::sql_query("SELECT pg_database_size(current_database()) AS n")
                .get_result::<Count>(&mut conn)
                .await
                .map_or(0, |c| c.n as u64);
            (counts, size)
        }
    };
    Sample { at, tickets: counts[0], updates: counts[1], outbox: counts[2], texts: counts[3], bytes }
}
