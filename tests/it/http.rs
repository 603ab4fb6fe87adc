//! The operators' endpoints of a running bot, over real HTTP: /health,
//! /ready (also with a pending migration and, on PostgreSQL, with the
//! database gone) and /metrics after real traffic.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    health_ready_and_metrics,
    ready_says_503_when_the_database_cannot_serve,
    metrics_addr_takes_metrics_and_ready_off_the_public_listener
);

/// One GET; (status, body).
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let status = raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// A metric's value in an exposition, by its name and labels.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

/// `/ready` once start-up has checked Telegram (the bot answers before).
pub async fn ready_after_start(addr: SocketAddr) -> (u16, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, body) = get(addr, "/ready").await;
        let checked =
            serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["telegram"]["checked"].as_bool());
        if checked == Some(true) || std::time::Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn health_ready_and_metrics(kind: Kind) {
    let backend = match kind {
        Kind::Sqlite => "sqlite",
        Kind::Postgres => "postgres",
    };
    let Some(desk) = Desk::start(kind).await else { return };
    let (status, body) = get(desk.http, "/health").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));

    let (status, body) = ready_after_start(desk.http).await;
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["telegram"], serde_json::json!({"checked": true, "warnings": []}), "{body}");
    assert_eq!(ready["backend"], backend);
    assert_eq!(ready["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(ready["schema_version"], "2026-12-03-000022_stats_days");
    assert_eq!(ready["pending_migrations"], 0);
    assert!(!body.contains("postgres://") && !body.contains("sqlite://"), "no URL: {body}");

    // Traffic: a ticket, an answer, a close.
    let user = alice();
    desk.fake.user_sends(&user, "hello");
    let support = desk.wait_sent(SUPPORT, 2, "card and relay").await;
    desk.fake.group_message(SUPPORT, &agent(), "hi!", Some(support[0].message_id));
    desk.wait_sent(user.id, 2, "confirmation and answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(support[0].message_id));
    desk.wait_sent(user.id, 4, "closed notice and rating question").await;
    desk.settle().await;

    let (status, text) = get(desk.http, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(metric(&text, "ticketbot_tickets_opened_total"), 1.0);
    assert_eq!(metric(&text, "ticketbot_tickets_closed_total"), 1.0);
    assert_eq!(metric(&text, "ticketbot_messages_relayed_total{direction=\"to_staff\"}"), 1.0);
    assert_eq!(metric(&text, "ticketbot_messages_relayed_total{direction=\"to_user\"}"), 1.0);
    // Card, relay, confirmation, answer, two closed notices, the rating question.
    assert_eq!(metric(&text, "ticketbot_deliveries_total{result=\"sent\"}"), 7.0, "{text}");
    assert_eq!(metric(&text, "ticketbot_deliveries_total{result=\"429\"}"), 0.0);
    assert_eq!(metric(&text, "ticketbot_outbox_backlog"), 0.0);
    assert_eq!(metric(&text, "ticketbot_outbox_oldest_age_seconds"), 0.0);
    assert!(metric(&text, "ticketbot_update_handling_seconds_count") >= 3.0, "{text}");
    assert!(metric(&text, "ticketbot_db_pool_connections{state=\"open\"}") >= 1.0);
    desk.stop().await;
}

async fn ready_says_503_when_the_database_cannot_serve(kind: Kind) {
    let postgres = matches!(kind, Kind::Postgres);
    let Some(desk) = Desk::start(kind).await else { return };
    assert_eq!(ready_after_start(desk.http).await.0, 200);

    // A migration reverted under the running bot: not ready, and it says why.
    let url = desk.vars_database_url();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .args(["migrate", "down"])
        .env_clear()
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (status, body) = get(desk.http, "/ready").await;
    assert_eq!(status, 503, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["pending_migrations"], 1, "{body}");
    assert_eq!(ready["schema_version"], "2026-12-03-000021_open_search");

    if postgres {
        // The database gone altogether: still alive, not ready, no secrets.
        desk.db.drop_now().await;
        let (status, body) = get(desk.http, "/ready").await;
        assert_eq!(status, 503, "{body}");
        let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(ready["error"].is_string(), "{body}");
        assert!(!body.contains("postgres://"), "{body}");
        assert_eq!(get(desk.http, "/health").await.0, 200);
        let (status, _) = get(desk.http, "/metrics").await;
        assert_eq!(status, 200, "metrics still answer");
    }
    desk.stop().await;
}

/// With `METRICS_ADDR`, the public listener (the webhook's) answers only
/// `/health`; `/metrics` and `/ready` are on the second one.
async fn metrics_addr_takes_metrics_and_ready_off_the_public_listener(kind: Kind) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let operators: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let extra = [("METRICS_ADDR", operators.to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &extra).await else { return };
    assert_eq!(get(desk.http, "/health").await.0, 200);
    assert_eq!(get(desk.http, "/metrics").await.0, 404);
    assert_eq!(get(desk.http, "/ready").await.0, 404);
    let (status, body) = ready_after_start(operators).await;
    assert_eq!(status, 200, "{body}");
    let (status, text) = get(operators, "/metrics").await;
    assert_eq!(status, 200);
    assert!(text.contains("ticketbot_outbox_backlog"), "{text}");
    assert_eq!(get(operators, "/health").await.0, 200);
    desk.stop().await;
}
