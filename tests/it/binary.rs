//! The built `ticketbot` binary, as operators run it, against the fake Bot
//! API: it serves tickets, stops cleanly on SIGTERM, and after `kill -9`
//! loses and repeats nothing.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ticketbot::fake_telegram::{FakeTelegram, FloodLimits, TgUser};

use crate::support::{Kind, TestDb, on_both_backends};

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const SUPPORT: i64 = -1_001_234_567_890;
const WAIT: Duration = Duration::from_secs(20);

on_both_backends!(binary_serves_tickets_and_survives_kill_9);

fn spawn(fake: &FakeTelegram, db: &TestDb) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .env_clear()
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("SUPPORT_CHAT_ID", SUPPORT.to_string())
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ticketbot")
}

fn signal(child: &Child, sig: &str) {
    let command = format!("kill -{sig} {}", child.id());
    assert!(Command::new("sh").args(["-c", &command]).status().unwrap().success());
}

async fn binary_serves_tickets_and_survives_kill_9(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else { return };
    let fake = FakeTelegram::start(TOKEN, Some(FloodLimits::default())).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    let mut bot = spawn(&fake, &db);

    let user = TgUser::new(501, "Alice");
    let first = fake.user_sends(&user, "hello from outside");
    fake.wait_for(WAIT, "card, relay and confirmation", |sent| sent.len() >= 3).await;
    let card = fake.sent_to(SUPPORT)[0].message_id;
    // The card is recorded a moment after Telegram accepts it.
    let (tickets, _) = db.service(chrono_tz::Tz::UTC, chrono::Utc::now()).await;
    let deadline = std::time::Instant::now() + WAIT;
    while tickets.open_ticket_of(user.id).await.unwrap().and_then(|t| t.support_message_id).is_none() {
        assert!(std::time::Instant::now() < deadline, "card never recorded");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let answer = fake.group_message(SUPPORT, &TgUser::new(900, "Agent"), "hi!", Some(card));
    fake.wait_for(WAIT, "answer", |sent| sent.iter().any(|s| s.copied_from == Some((SUPPORT, answer)))).await;

    // Killed without warning; the user writes while it is down.
    signal(&bot, "KILL");
    bot.wait().unwrap();
    let while_down = fake.user_sends(&user, "are you there?");
    tokio::time::sleep(Duration::from_millis(300)).await;
    bot = spawn(&fake, &db);
    fake.wait_for(WAIT, "message sent while down", |sent| {
        sent.iter().any(|s| s.copied_from == Some((user.id, while_down)))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let relays = |id: i32| fake.sent_to(SUPPORT).iter().filter(|s| s.copied_from == Some((user.id, id))).count();
    assert_eq!(relays(first), 1, "first message relayed exactly once");
    assert_eq!(relays(while_down), 1, "second message relayed exactly once");
    let confirmations =
        fake.sent_to(user.id).iter().filter(|s| s.text.as_deref().is_some_and(|t| t.contains("#1"))).count();
    assert_eq!(confirmations, 1, "one confirmation");

    signal(&bot, "TERM");
    let status = tokio::task::spawn_blocking(move || bot.wait().unwrap()).await.unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
}
