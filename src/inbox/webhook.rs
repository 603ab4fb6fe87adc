//! The webhook endpoint: Telegram's POST of one update. Refused with 401,
//! and nothing read, without the right secret header; acknowledged (200)
//! only once the update is committed to the inbox, so a failure here makes
//! Telegram send it again.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use teloxide::types::Update;
use tokio::sync::Notify;

use super::Fetched;
use crate::clock::Clock;
use crate::db::Db;
use crate::secret::Secret;
use crate::telegram::webhook::SECRET_HEADER;

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

async fn receive(State(intake): State<Arc<Intake>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes());
    if !given.is_some_and(|g| intake.secret.matches(g)) {
        tracing::warn!(secret_header = given.is_some(), "webhook: request without the right secret refused");
        return StatusCode::UNAUTHORIZED;
    }
    // Anything with an update id is stored, even what this version cannot
    // read: the processor sets it aside with the reason (answering 4xx would
    // only make Telegram retry, then drop it).
    let Some(update_id) = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v["update_id"].as_i64())
    else {
        tracing::warn!(bytes = body.len(), "webhook: body is not an update");
        return StatusCode::BAD_REQUEST;
    };
    let chat_id = serde_json::from_slice::<Update>(&body).ok().and_then(|u| u.chat().map(|c| c.id.0));
    let payload = String::from_utf8_lossy(&body).into_owned();
    let fetched = Fetched { update_id, chat_id, payload };
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
