//! `ticketbot healthcheck`, the container's HEALTHCHECK: exit 0 when /health
//! on HTTP_ADDR answers 200, 1 for anything else (Docker reserves 2), one
//! line on stdout, and nothing needed but HTTP_ADDR.

use std::net::SocketAddr;
use std::process::Output;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;

use super::{TOKEN, ticketbot};

/// A server answering `status` on /health (404 elsewhere), on `bind`.
async fn health_server(bind: &str, status: StatusCode) -> SocketAddr {
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/health", get(move || async move { (status, "health") }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Runs the probe off the runtime's thread, so the test's server keeps serving.
async fn probe(vars: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = ticketbot(dir.path());
    cmd.arg("healthcheck");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    (out, dir)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn healthy_server_exits_0_with_only_http_addr_usable() {
    let addr = health_server("127.0.0.1:0", StatusCode::OK).await;
    // Settings `run` would refuse must not matter, and no database is touched.
    let (out, dir) = probe(&[
        ("HTTP_ADDR", &addr.to_string()),
        ("DATABASE_URL", "mysql://root:hunter2@db/x"),
        ("TELOXIDE_TOKEN", "not-a-token"),
        ("LOG_FORMAT", "xml"),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out), format!("healthy: http://{addr}/health answered 200\n"));
    assert!(!dir.path().join("data").exists(), "the probe opened the SQLite default");
}

#[tokio::test]
async fn any_address_is_probed_on_loopback() {
    let addr = health_server("0.0.0.0:0", StatusCode::OK).await;
    let (out, _dir) = probe(&[("HTTP_ADDR", &format!("0.0.0.0:{}", addr.port()))]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains(&format!("http://127.0.0.1:{}/health", addr.port())), "{}", stdout(&out));
}

#[tokio::test]
async fn env_file_sets_the_address() {
    let addr = health_server("127.0.0.1:0", StatusCode::OK).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), format!("HTTP_ADDR={addr}\nTELOXIDE_TOKEN={TOKEN}\n")).unwrap();
    let mut cmd = ticketbot(dir.path());
    cmd.arg("healthcheck");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!stdout(&out).contains("AAHdqTcv"));
}

#[tokio::test]
async fn unhealthy_answer_exits_1() {
    let addr = health_server("127.0.0.1:0", StatusCode::SERVICE_UNAVAILABLE).await;
    let (out, _dir) = probe(&[("HTTP_ADDR", &addr.to_string())]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(stdout(&out), format!("unhealthy: http://{addr}/health answered 503\n"));
}

#[tokio::test]
async fn closed_port_exits_1() {
    // Bound then dropped: nothing listens there any more.
    let addr = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let (out, _dir) = probe(&[("HTTP_ADDR", &addr.to_string())]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = stdout(&out);
    assert!(line.starts_with("unhealthy: ") && line.contains(&addr.to_string()), "{line}");
    assert_eq!(line.lines().count(), 1, "{line}");
}

#[tokio::test]
async fn silent_server_times_out_after_3_s() {
    // Accepts connections (the kernel does, from the backlog) and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let started = Instant::now();
    let (out, _dir) = probe(&[("HTTP_ADDR", &addr.to_string())]).await;
    let took = started.elapsed();
    drop(listener);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out).contains("no answer"), "{}", stdout(&out));
    assert!(took >= Duration::from_millis(2900) && took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test]
async fn bad_address_exits_1_not_2() {
    let (out, _dir) = probe(&[("HTTP_ADDR", "localhost")]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out).starts_with("unhealthy: HTTP_ADDR is invalid"), "{}", stdout(&out));
}
