//! The operators' HTTP server on `HTTP_ADDR`, started and stopped with the
//! bot: `/health` (the process answers), `/ready` (the database answers and
//! no migration is pending) and `/metrics` (Prometheus text); in webhook
//! mode also Telegram's endpoint (`webhook.rs`).

pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::db::Db;
use crate::metrics::{Gauges, Metrics};
use crate::service::Mailroom;

/// A probe waits this long for the database, then calls it not ready.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct HttpState {
    pub db: Db,
    pub mailroom: Mailroom,
    pub metrics: Arc<Metrics>,
    /// Webhook mode's endpoint.
    pub webhook: Option<webhook::Intake>,
}

pub fn router(state: HttpState) -> Router {
    let mut router = Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics));
    if let Some(intake) = &state.webhook {
        router = router.route(&intake.path, axum::routing::post(webhook::receive));
    }
    router.with_state(state)
}

/// Serves until `shutdown` resolves. A failing server is logged, not fatal:
/// the bot goes on serving users.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: HttpState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(%addr, "HTTP: /health /ready /metrics");
    if let Err(e) = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await {
        tracing::error!(%addr, error = %e, "HTTP server stopped");
    }
}

/// Binds `addr` (port 0: any free port), so a taken port fails start-up
/// with a clear message instead of later.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

async fn ready(State(state): State<HttpState>) -> Response {
    let readiness = state.db.readiness(PROBE_TIMEOUT).await;
    let status = if readiness.is_ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if readiness.is_ready() { "ready" } else { "not ready" },
        "version": env!("CARGO_PKG_VERSION"),
        "backend": readiness.backend.name(),
        "schema_version": readiness.schema_version,
        "pending_migrations": readiness.pending,
        "error": readiness.error,
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<HttpState>) -> Response {
    let (pool_in_use, pool_size) = state.db.pool_usage();
    let mut gauges = Gauges { pool_in_use, pool_size, ..Gauges::default() };
    // A database that does not answer leaves the outbox gauges at 0 rather
    // than failing the scrape: the counters are still worth having.
    if let Ok(Ok(backlog)) = tokio::time::timeout(PROBE_TIMEOUT, state.mailroom.outbox_backlog()).await {
        gauges.outbox_backlog = backlog;
    }
    if let Ok(Ok(age)) = tokio::time::timeout(PROBE_TIMEOUT, state.mailroom.outbox_oldest_age()).await {
        gauges.outbox_oldest_age = age;
    }
    let text = state.metrics.render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
