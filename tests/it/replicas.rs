//! Two replicas on one PostgreSQL behind one fake Bot API: an update given
//! to both is handled once, a burst split across them keeps the group's
//! flood limit, and in polling mode the second replica stands by (no 409
//! from Telegram) and takes over when the first stops.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::inspect::numbers_named;
use fake_telegram::{FakeTelegram, FloodLimits, TgUser};

use crate::desk::{Desk, SUPPORT};
use crate::support::Kind;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn hook(port: u16) -> String {
    format!("http://127.0.0.1:{port}/telegram/updates")
}

async fn wait_until(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_handle_an_update_once_and_keep_the_flood_limit() {
    let (port_a, port_b) = (free_port(), free_port());
    let extra = [("HTTP_ADDR", format!("127.0.0.1:{port_a}")), ("WEBHOOK_URL", hook(port_a))];
    let Some(mut desk) = Desk::start_with_vars(Kind::Postgres, false, Some(FloodLimits::default()), &extra).await
    else {
        return;
    };
    let mut vars = desk.vars();
    vars.insert("HTTP_ADDR", format!("127.0.0.1:{port_b}"));
    vars.insert("WEBHOOK_URL", hook(port_b));
    let (_, stop_b, replica_b) = Desk::launch(&vars).await;
    wait_until(Duration::from_secs(10), "setWebhook", || desk.fake.webhook().is_some()).await;
    let secret = desk.fake.webhook().unwrap().1.expect("secret");

    // The same update to both replicas at once: handled once.
    let user = TgUser::new(77, "Twice");
    desk.fake.user_sends(&user, "one message, two replicas");
    let update = desk.fake.unconfirmed()[0].clone();
    let (hook_a, hook_b) = (hook(port_a), hook(port_b));
    let (a, b) = tokio::join!(
        FakeTelegram::post_update_to(&hook_a, Some(&secret), &update),
        FakeTelegram::post_update_to(&hook_b, Some(&secret), &update),
    );
    assert_eq!((a, b), (200, 200));
    // (Posted past the fake, so the fake still counts the update as
    // unconfirmed: wait on what was sent instead of `settle`.)
    desk.wait_sent(user.id, 1, "confirmation").await;
    desk.wait_sent(SUPPORT, 2, "card and relay").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(desk.fake.sent_to(user.id).len(), 1, "one confirmation");
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 2, "one card, one relay");

    // A burst, every other update to the other replica.
    const USERS: usize = 40;
    for i in 0..USERS {
        let u = TgUser::new(1000 + i as i64, &format!("Burst {i}"));
        desk.fake.user_sends(&u, "help");
        let update = desk.fake.unconfirmed().last().unwrap().clone();
        let port = if i % 2 == 0 { port_a } else { port_b };
        assert_eq!(FakeTelegram::post_update_to(&hook(port), Some(&secret), &update).await, 200);
    }
    wait_until(Duration::from_secs(60), "every ticket shown to staff", || {
        let shown: BTreeSet<i32> = desk
            .fake
            .sent_to(SUPPORT)
            .iter()
            .flat_map(|s| numbers_named(s.text.as_deref().unwrap_or_default()))
            .collect();
        shown.len() > USERS
    })
    .await;
    let told = (0..USERS).filter(|i| !desk.fake.sent_to(1000 + *i as i64).is_empty()).count();
    assert_eq!(told, USERS);
    assert_eq!(desk.fake.too_many_requests(), 0, "the group's limit held across replicas");

    let _ = stop_b.send(());
    replica_b.await.unwrap();
    desk.halt().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_polling() {
    let Some(mut desk) = Desk::start(Kind::Postgres).await else { return };
    let first = TgUser::new(501, "Before");
    desk.fake.user_sends(&first, "hello");
    desk.wait_sent(first.id, 1, "confirmation from the first replica").await;
    let mut vars = desk.vars();
    vars.insert("HTTP_ADDR", "127.0.0.1:0".into());
    let (_, stop_b, replica_b) = Desk::launch(&vars).await;
    // The second replica stands by: Telegram never sees two pollers.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(desk.fake.poll_conflicts(), 0, "two replicas polled at once");

    // The first replica stops; the standby takes over within seconds.
    desk.halt().await;
    let stopped = Instant::now();
    let second = TgUser::new(502, "After");
    desk.fake.user_sends(&second, "anyone?");
    desk.fake
        .wait_for(Duration::from_secs(15), "confirmation from the standby", |sent| {
            sent.iter().any(|s| s.chat_id == second.id)
        })
        .await;
    assert!(stopped.elapsed() < Duration::from_secs(10), "take-over took {:?}", stopped.elapsed());
    assert_eq!(desk.fake.sent_to(first.id).len(), 1, "nothing repeated");
    let _ = stop_b.send(());
    replica_b.await.unwrap();
}

/// The sending replica killed (`kill -9`) mid-burst: the other takes the
/// role over and frees the rows the dead one had claimed at once, so every
/// user is told within seconds of the kill, not after the 20 s lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sender_is_replaced_within_seconds() {
    let Some(db) = crate::support::TestDb::new(Kind::Postgres).await else { return };
    let fake = FakeTelegram::start(crate::desk::TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    // Every send takes 300 ms, so the burst is still going when the kill comes.
    fake.inject(fake_telegram::Fault::slow("sendMessage", Duration::from_millis(300)));
    let start = || {
        crate::bot_process::ticketbot(crate::desk::TOKEN, &fake.url(), SUPPORT, &db.url, "warn")
            .env("DELIVERY_PACING", "off")
            .env("USER_MESSAGES_PER_MINUTE", "0")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start ticketbot")
    };
    let mut first = start();
    wait_until(Duration::from_secs(30), "the first replica polling", || fake.first_poll().is_some()).await;
    let mut second = start();
    tokio::time::sleep(Duration::from_secs(2)).await;

    const USERS: i64 = 40;
    for i in 0..USERS {
        fake.user_sends(&TgUser::new(3000 + i, &format!("Burst {i}")), "help");
    }
    wait_until(Duration::from_secs(30), "the burst under way", || fake.sent_count() >= 10).await;
    let _ = std::process::Command::new("kill").args(["-9", &first.id().to_string()]).status();
    let killed = Instant::now();
    let _ = first.wait();
    assert!(fake.sent_count() < (USERS * 3) as usize, "the burst was over before the kill");
    wait_until(Duration::from_secs(40), "every user told", || (0..USERS).all(|i| !fake.sent_to(3000 + i).is_empty()))
        .await;
    let took = killed.elapsed();
    let _ = std::process::Command::new("kill").args(["-TERM", &second.id().to_string()]).status();
    let _ = second.wait();
    assert!(took < Duration::from_secs(12), "every user told {took:?} after the kill (the lease is 20 s)");
}
