//! The webhook endpoint: Telegram's POST of one update. Refused with 401,
//! before its body is read, without the right secret header; a body over
//! `BODY_LIMIT` is refused with 413 (no update comes near it), one that has
//! not arrived within `BODY_TIMEOUT` with 408; acknowledged (200) only once
//! the update is committed to the inbox, so a failure here makes Telegram
//! send it again. A store that takes longer than `STORE_TIMEOUT` answers
//! 503: Telegram retries, and the inbox keeps a retried update once.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use tokio::sync::Notify;

use super::Fetched;
use crate::clock::Clock;
use crate::db::Db;
use crate::secret::Secret;
use crate::telegram::webhook::SECRET_HEADER;

/// The largest body taken: Telegram's updates are a few KiB (a message
/// with 4096 characters and its entities is under 64 KiB).
pub const BODY_LIMIT: usize = 1 << 20;

/// A body still trickling in after this is a client holding a connection
/// open, not Telegram (which sends a few KiB at once).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Telegram waits about a minute for an answer before it tries again;
/// answering well before that keeps its retry prompt and our connections
/// few while the database is slow.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(20);

/// What the endpoint needs.
pub struct Intake {
    /// The path of `WEBHOOK_URL`, where Telegram posts.
    pub path: String,
    pub secret: Secret,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// Wakes the update processor after a store.
    pub stored: Arc<Notify>,
}

/// The endpoint, at the path of `WEBHOOK_URL`.
pub fn routes(intake: Intake) -> Router {
    let path = intake.path.clone();
    Router::new().route(&path, axum::routing::post(receive)).with_state(Arc::new(intake))
}

async fn receive(State(intake): State<Arc<Intake>>, headers: HeaderMap, body: Body) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes());
    if !given.is_some_and(|g| intake.secret.matches(g)) {
        tracing::warn!(secret_header = given.is_some(), "webhook: request without the right secret refused");
        return StatusCode::UNAUTHORIZED;
    }
    let body = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, BODY_LIMIT)).await {
        Ok(Ok(body)) => body,
        // Over the limit (a client whose body broke off mid-way hears
        // nothing of it anyway).
        Ok(Err(e)) => {
            tracing::warn!(error = %e, limit = BODY_LIMIT, "webhook: body refused");
            return StatusCode::PAYLOAD_TOO_LARGE;
        }
        Err(_) => {
            tracing::warn!(timeout_s = BODY_TIMEOUT.as_secs(), "webhook: body did not arrive in time");
            return StatusCode::REQUEST_TIMEOUT;
        }
    };
    // Anything with an update id is stored, even what this version cannot
    // read: the processor sets it aside with the reason (answering 4xx would
    // only make Telegram retry, then drop it).
    let Some(update_id) = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v["update_id"].as_i64())
    else {
        tracing::warn!(bytes = body.len(), "webhook: body is not an update");
        return StatusCode::BAD_REQUEST;
    };
    let fetched = Fetched::new(update_id, String::from_utf8_lossy(&body).into_owned());
    let fetched = [fetched];
    let stored = super::store(&intake.db, &fetched, intake.clock.now().naive_utc());
    match tokio::time::timeout(STORE_TIMEOUT, stored).await {
        Ok(Ok(_)) => {
            intake.stored.notify_one();
            StatusCode::OK
        }
        Ok(Err(e)) => {
            tracing::error!(update_id, error = %e, "webhook: cannot store the update; Telegram will retry");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        Err(_) => {
            tracing::error!(update_id, "webhook: the database did not store the update in time; Telegram will retry");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every path `WEBHOOK_URL` may have (config::telegram's rule) is one
    /// the router takes without panicking.
    #[test]
    fn the_paths_configuration_allows_are_routable() {
        for path in ["/", "/telegram", "/tg/hook-1_a.b~c", "/%F0%9F%A4%96", "/bot123:AAH-x_y/updates"] {
            let routes = axum::Router::<()>::new().route(path, axum::routing::post(|| async {}));
            let _ = routes.merge(axum::Router::new().route("/health", axum::routing::get(|| async {})));
        }
    }
}
