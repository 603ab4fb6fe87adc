//! The built `ticketbot` binary, as operators run it, against the fake Bot
//! API: it serves tickets, stops cleanly on SIGTERM, and after `kill -9`
//! loses and repeats nothing (but the sends in flight, one per delivery lane, which Telegram
//! may have taken before the process died: see README, "Delivery").

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fake_telegram::{FakeTelegram, FloodLimits, TgUser};

use crate::bot_process;
use crate::inspect;
use crate::support::{Kind, TestDb, on_both_backends};

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const SUPPORT: i64 = -1_001_234_567_890;
const WAIT: Duration = Duration::from_secs(20);

on_both_backends!(binary_serves_tickets_and_survives_kill_9, kill_9_in_the_middle_of_a_burst);

fn spawn(fake: &FakeTelegram, db: &TestDb) -> Child {
    bot_process::ticketbot(TOKEN, &fake.url(), SUPPORT, &db.url, "warn")
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
    let deadline = std::time::Instant::now() + WAIT;
    while inspect::open_ticket(&db, user.id).await.and_then(|t| t.support_message_id).is_none() {
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

async fn kill_9_in_the_middle_of_a_burst(kind: Kind) {
    const USERS: i64 = 40;
    let Some(db) = TestDb::new(kind).await else { return };
    let fake = FakeTelegram::start(TOKEN, Some(FloodLimits::default())).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    let mut bot = spawn(&fake, &db);
    let users: Vec<TgUser> = (0..USERS).map(|i| TgUser::new(20_000 + i, &format!("Rush {i}"))).collect();
    let confirmations = |fake: &FakeTelegram, u: &TgUser| {
        fake.sent_to(u.id).iter().filter(|s| s.text.as_deref().is_some_and(|t| t.contains("Ticket #"))).count()
    };

    // The burst; the bot dies without warning once about a third of the
    // users have their number, and the rest write while it is down.
    let mut messages = Vec::new();
    let mut killed = false;
    for u in &users {
        messages.push((u.id, fake.user_sends(u, &format!("{} needs help", u.first_name))));
        tokio::time::sleep(Duration::from_millis(40)).await;
        if !killed && users.iter().filter(|u| confirmations(&fake, u) > 0).count() >= USERS as usize / 3 {
            signal(&bot, "KILL");
            bot.wait().unwrap();
            killed = true;
        }
    }
    assert!(killed, "the burst ended before the bot could be killed in it");
    for u in users.iter().take(10) {
        messages.push((u.id, fake.user_sends(u, "and another thing")));
    }
    bot = spawn(&fake, &db);

    // Everything handled and sent after the restart.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let handled = fake.unconfirmed().is_empty() && inspect::inbox_pending(&db).await == 0;
        if handled && inspect::outbox_backlog(&db).await == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never settled after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Exact accounting in the database: one ticket per user, numbered
    // 1..=40 without gaps, every message filed once.
    let mut numbers = Vec::new();
    for u in &users {
        let ticket = inspect::open_ticket(&db, u.id).await.expect("a ticket per user");
        numbers.push(ticket.number);
        let filed = inspect::messages(&db, ticket.id).await;
        let sent_by_user = messages.iter().filter(|(id, _)| *id == u.id).count();
        assert_eq!(filed.len(), sent_by_user, "messages of {} filed once each", u.first_name);
    }
    numbers.sort();
    assert_eq!(numbers, (1..=USERS as i32).collect::<Vec<_>>());

    // What Telegram got: every user told once, every message shown to staff
    // (relayed, or a line of a digest). Only what was sent and not yet
    // recorded at the kill may have gone twice.
    let support = fake.sent_to(SUPPORT);
    let digest_numbers: Vec<i32> = support
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.starts_with("📥")))
        .flat_map(|s| inspect::numbers_named(s.text.as_deref().unwrap()))
        .collect();
    let mut repeats = 0;
    for u in &users {
        let told = confirmations(&fake, u);
        assert!(told >= 1, "{} never told their number", u.first_name);
        repeats += told - 1;
    }
    for (user_id, message_id) in &messages {
        let copies = support.iter().filter(|s| s.copied_from == Some((*user_id, *message_id))).count();
        let number = inspect::open_ticket(&db, *user_id).await.unwrap().number;
        assert!(
            copies >= 1 || digest_numbers.contains(&number),
            "message {message_id} of {user_id} never reached staff"
        );
        repeats += copies.saturating_sub(1);
    }
    let unrecorded = ticketbot::UNRECORDED_AT_MOST;
    assert!(repeats <= unrecorded, "{repeats} messages went twice (at most {unrecorded} were sent and unrecorded)");
    // And every message the outbox held went out, on its own or in a digest.
    assert_eq!(inspect::outbox_failed(&db).await, 0, "no message failed");
    assert_eq!(fake.too_many_requests(), 0);

    signal(&bot, "TERM");
    let status = tokio::task::spawn_blocking(move || bot.wait().unwrap()).await.unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
}
