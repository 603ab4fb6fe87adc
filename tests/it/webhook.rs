//! Webhook mode: the bot registers its URL and secret with setWebhook and
//! takes updates over HTTP; a wrong or missing secret is refused (401) and
//! nothing is processed; an update is acknowledged once it is in the inbox.

use std::time::Duration;

use fake_telegram::FloodLimits;

use crate::desk::{Desk, SUPPORT, TOKEN, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    webhook_takes_updates_only_with_the_secret,
    webhook_refuses_strangers_before_their_body_and_bounds_what_it_reads
);

async fn webhook_takes_updates_only_with_the_secret(kind: Kind) {
    // The bot's own HTTP server is the webhook: a free port, known ahead.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/telegram/updates");
    let extra = [("HTTP_ADDR", format!("127.0.0.1:{port}")), ("WEBHOOK_URL", url.clone())];
    let Some(desk) = Desk::start_with_vars(kind, false, Some(FloodLimits::default()), &extra).await else { return };

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while desk.fake.webhook().is_none() {
        assert!(std::time::Instant::now() < deadline, "setWebhook never called: {:?}", desk.fake.calls());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (registered, secret) = desk.fake.webhook().unwrap();
    assert_eq!(registered, url);
    let secret = secret.expect("a secret token is registered");
    assert!(secret.len() >= 32 && !secret.contains(TOKEN.split(':').nth(1).unwrap()), "{secret}");

    let user = alice();
    desk.fake.user_sends(&user, "hello over the webhook");
    // A stranger who found the URL: refused, nothing stored or answered.
    assert_eq!(desk.fake.post_to_webhook_with(Some("wrong-secret")).await, vec![401]);
    assert_eq!(desk.fake.post_to_webhook_with(None).await, vec![401]);
    assert_eq!(desk.fake.post_to_webhook_with(Some(&secret[..secret.len() - 1])).await, vec![401]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(desk.fake.unconfirmed().len(), 1, "the update still waits at Telegram");
    assert!(crate::inspect::open_ticket(&desk.db, user.id).await.is_none(), "nothing processed");
    assert!(desk.fake.all_sent().is_empty(), "nothing sent");

    // Telegram itself, with the secret: stored, then handled.
    let update = desk.fake.unconfirmed()[0].clone();
    assert_eq!(desk.fake.post_to_webhook().await, vec![200]);
    desk.wait_sent(SUPPORT, 2, "card and relay").await;
    let told = desk.wait_sent(user.id, 1, "confirmation").await;
    assert!(told[0].text.as_deref().unwrap().contains("Ticket #1"));
    // Telegram sends it again (it may): acknowledged, nothing repeated.
    desk.fake.redeliver(update);
    assert_eq!(desk.fake.post_to_webhook().await, vec![200]);
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 2);
    assert_eq!(desk.fake.sent_to(user.id).len(), 1);
    assert!(desk.fake.calls().iter().all(|c| c.method != "getupdates"), "no polling in webhook mode");
    desk.stop().await;
}

/// Writes `head` (and `body`) to the bot's HTTP server and reads the
/// status line of its answer, within `within`.
async fn raw_status(addr: &str, head: String, body: &[u8], within: Duration) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the whole body is written.
    let _ = stream.write_all(body).await;
    let mut answer = vec![0u8; 64];
    let read = tokio::time::timeout(within, stream.read(&mut answer)).await.expect("an answer in time").unwrap();
    let line = String::from_utf8_lossy(&answer[..read]).to_string();
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status in {line:?}"))
}

async fn webhook_refuses_strangers_before_their_body_and_bounds_what_it_reads(kind: Kind) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let extra = [("HTTP_ADDR", addr.clone()), ("WEBHOOK_URL", format!("http://{addr}/tg"))];
    let Some(desk) = Desk::start_with_vars(kind, false, Some(FloodLimits::default()), &extra).await else { return };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while desk.fake.webhook().is_none() {
        assert!(std::time::Instant::now() < deadline, "setWebhook never called");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secret = desk.fake.webhook().unwrap().1.unwrap();
    let post = |length: usize, secret: Option<&str>| {
        let header = secret.map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n")).unwrap_or_default();
        format!("POST /tg HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {length}\r\n{header}\r\n")
    };

    // A stranger announcing 100 MiB and sending none of it hears 401 at once.
    assert_eq!(raw_status(&addr, post(100 << 20, None), b"", Duration::from_secs(2)).await, 401);
    // Telegram never sends 2 MiB: 413, nothing stored.
    let big = vec![b' '; 2 << 20];
    assert_eq!(raw_status(&addr, post(big.len(), Some(&secret)), &big, Duration::from_secs(5)).await, 413);
    // A body that stops coming: 408 after BODY_TIMEOUT, not a connection held for ever.
    let started = std::time::Instant::now();
    let status = raw_status(&addr, post(100, Some(&secret)), b"{\"update_id\":", Duration::from_secs(15)).await;
    assert_eq!(status, 408);
    assert!(started.elapsed() >= Duration::from_secs(9), "waited {:?}", started.elapsed());
    assert_eq!(desk.db.count("SELECT count(*) FROM inbox_updates").await, 0, "nothing stored");
    desk.stop().await;
}
