//! The webhook endpoint: Telegram's POST of one update. Refused with 401,
//! before its body is read, without the right secret header; a body over
//! `BODY_LIMIT` is refused with 413 (no update comes near it); acknowledged
//! (200) only once the update is committed to the inbox, so a failure here
//! makes Telegram send it again.

use std::sync::Arc;

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
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        // Over the limit (a client whose body broke off mid-way hears
        // nothing of it anyway).
        Err(e) => {
            tracing::warn!(error = %e, limit = BODY_LIMIT, "webhook: body refused");
            return StatusCode::PAYLOAD_TOO_LARGE;
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
    match super::store(&intake.db, &[fetched], intake.clock.now().naive_utc()).await {
        Ok(_) => {
            intake.stored.notify_one();
            StatusCode::OK
        }
        Err(e) => {
            tracing::error!(update_id, error = %e, "webhook: cannot store the update; Telegram will retry");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
