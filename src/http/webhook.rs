//! The webhook endpoint: Telegram's POST of one update. Refused with 401,
//! and nothing read, without the right secret header; acknowledged (200)
//! only once the update is committed to the inbox, so a failure here makes
//! Telegram send it again.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use teloxide::types::Update;
use tokio::sync::Notify;

use super::HttpState;
use crate::secret::Secret;
use crate::service::FetchedUpdate;
use crate::telegram::webhook::SECRET_HEADER;

/// What the endpoint needs besides the inbox.
#[derive(Clone)]
pub struct Intake {
    /// The path of `WEBHOOK_URL`, where Telegram posts.
    pub path: String,
    pub secret: Secret,
    /// Wakes the update processor after a store.
    pub stored: Arc<Notify>,
}

pub async fn receive(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(intake) = &state.webhook else { return StatusCode::NOT_FOUND };
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
    let fetched = FetchedUpdate { update_id, chat_id, payload };
    match state.mailroom.store_updates(&[fetched]).await {
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
