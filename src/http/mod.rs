//! The HTTP servers, started and stopped with the bot. On `HTTP_ADDR`:
//! `/health` (the process answers), in webhook mode Telegram's endpoint
//! (`inbox::webhook`), and, unless `METRICS_ADDR` gives them a listener of
//! their own (so a public webhook listener carries nothing else),
//! `/ready` (the database answers, no migration is pending, Telegram has
//! been asked) and `/metrics` (OpenMetrics text); with `WEB_CONSOLE=on`,
//! the web console and API (`web`, handed in by `app`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::desk::stats;
use crate::domain::Period;
use crate::inbox::webhook::{self, Intake};
use crate::metrics::{self as process_metrics, DeskFigures, Gauges, Metrics};
use crate::storage::outbox;
use crate::telegram::startup::TelegramStatus;

/// A probe waits this long for the database, then calls it not ready.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct HttpState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// What start-up learned from Telegram (warnings), once it has.
    pub telegram: TelegramStatus,
    /// The ticket time zone: `/metrics`' "today".
    pub zone: chrono_tz::Tz,
}

/// The public listener's routes: `/health`, Telegram's in webhook mode,
/// and the web console's when it is on.
pub fn public(webhook: Option<Intake>, web: Option<Router>) -> Router {
    let health = Router::new().route("/health", get(|| async { "ok\n" }));
    let routes = match webhook {
        Some(intake) => health.merge(webhook::routes(intake)),
        None => health,
    };
    match web {
        Some(web) => routes.merge(web),
        None => routes,
    }
}

/// The operators' routes: `/ready` and `/metrics` (and `/health`, so a
/// probe pointed at either listener finds it).
pub fn operators(state: HttpState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Every route on one listener (`METRICS_ADDR` unset).
pub fn together(state: HttpState, webhook: Option<Intake>, web: Option<Router>) -> Router {
    let routes = match webhook {
        Some(intake) => operators(state).merge(webhook::routes(intake)),
        None => operators(state),
    };
    match web {
        Some(web) => routes.merge(web),
        None => routes,
    }
}

/// Serves the public listener and, when `METRICS_ADDR` is set, the
/// operators' one, until `stop` turns true.
pub async fn serve_all(
    public_listener: tokio::net::TcpListener,
    operators_listener: Option<tokio::net::TcpListener>,
    state: HttpState,
    webhook: Option<Intake>,
    web: Option<Router>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    match operators_listener {
        Some(listener) => {
            tokio::join!(
                serve(public_listener, public(webhook, web), stopped(stop.clone())),
                serve(listener, operators(state), stopped(stop)),
            );
        }
        None => serve(public_listener, together(state, webhook, web), stopped(stop)).await,
    }
}

/// Serves until `shutdown` resolves. A failing server is logged, not fatal:
/// the bot goes on serving users.
async fn serve(listener: tokio::net::TcpListener, router: Router, shutdown: impl Future<Output = ()> + Send + 'static) {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(%addr, "HTTP: listening");
    // The client's address reaches handlers (the console limits failed
    // logins per address).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Err(e) = axum::serve(listener, service).with_graceful_shutdown(shutdown).await {
        tracing::error!(%addr, error = %e, "HTTP server stopped");
    }
}

async fn ready(State(state): State<HttpState>) -> Response {
    let readiness = state.db.readiness(PROBE_TIMEOUT).await;
    let telegram = state.telegram.warnings();
    // Ready once the database is and Telegram has been checked; warnings
    // (missing rights) do not stop the bot, so they do not make it unready.
    let ready = readiness.is_ready() && telegram.is_some();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "version": env!("CARGO_PKG_VERSION"),
        "backend": readiness.backend.name(),
        "schema_version": readiness.schema_version,
        "pending_migrations": readiness.pending,
        "error": readiness.error,
        "telegram": { "checked": telegram.is_some(), "warnings": telegram.unwrap_or_default() },
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<HttpState>) -> Response {
    let (pool_in_use, pool_size) = state.db.pool_usage();
    let mut gauges = Gauges { pool_in_use, pool_size, ..Gauges::default() };
    // A database that does not answer leaves the outbox gauges at 0 rather
    // than failing the scrape: the counters are still worth having.
    if let Ok(Ok((backlog, oldest))) = tokio::time::timeout(PROBE_TIMEOUT, outbox_gauges(&state.db)).await {
        gauges.outbox_backlog = backlog;
        let now = state.clock.now().naive_utc();
        gauges.outbox_oldest_age = oldest.and_then(|at| (now - at).to_std().ok()).unwrap_or_default();
    }
    gauges.today = tokio::time::timeout(PROBE_TIMEOUT, today(&state)).await.ok().flatten();
    let text = state.metrics.render(&gauges);
    ([(header::CONTENT_TYPE, process_metrics::CONTENT_TYPE)], text).into_response()
}

/// Today's figures, as `/stats` gathers them; `None` when the database
/// cannot say (the scrape goes on without them).
async fn today(state: &HttpState) -> Option<DeskFigures> {
    let mut conn = state.db.conn().await.ok()?;
    let day = stats::gather(&mut conn, state.zone, Period::Day, state.clock.now()).await.ok()?;
    Some(DeskFigures {
        opened: day.opened as i64,
        closed: day.closed as i64,
        first_response_p50: day.first_response_median,
        first_response_p90: day.first_response_p90,
        close_p50: day.close_median,
        reminders: day.reminders,
        ratings: day.ratings as i64,
        rating_average: day.rating_average,
    })
}

/// The outbox's backlog and when its oldest waiting row was written.
async fn outbox_gauges(db: &Db) -> Result<(i64, Option<chrono::NaiveDateTime>), DbError> {
    let mut conn = db.conn().await?;
    Ok((outbox::backlog(&mut conn).await?, outbox::oldest_waiting(&mut conn).await?))
}
