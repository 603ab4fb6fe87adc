//! The bearer token every `/api/v1` request carries: looked up by its
//! hash among the live tokens; an unknown, revoked or missing one is 401
//! before any handler runs.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::secret::token_hash;
use crate::storage::api_tokens;
use crate::web::WebState;
use crate::web::problem::Problem;

/// Who called: the token the request carried (what a change made through
/// the API is attributed to).
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
}

impl Caller {
    /// How staff read who did it: `API (crm)`.
    pub fn shown(&self) -> String {
        format!("API ({})", self.name)
    }

    /// The staff id a reply through the API is filed under: the token's id,
    /// negative (no Telegram user has one), so the figures count the
    /// integration as a staff member of its own.
    pub fn staff_id(&self) -> i64 {
        -self.token_id
    }
}

pub async fn bearer(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(given) = given else {
        return Problem::unauthorized(
            "send `Authorization: Bearer TOKEN`; `ticketbot api-token create NAME` makes one",
        )
        .into_response();
    };
    match known(&state, &token_hash(given)).await {
        Ok(Some(caller)) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Ok(None) => Problem::unauthorized("this token is unknown or revoked").into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// The live token's caller; its use recorded (at most once a minute).
async fn known(state: &WebState, hash: &str) -> Result<Option<Caller>, Problem> {
    let mut conn = state.db.conn().await?;
    let Some(token) = api_tokens::authenticate(&mut conn, hash).await? else { return Ok(None) };
    drop(conn);
    let now = state.clock.now().naive_utc();
    // The write lock only when the use is due to be recorded (once a
    // minute): a read through the API must not queue behind the bot's writes.
    if !api_tokens::use_is_due(&token, now) {
        return Ok(Some(Caller { token_id: token.id, name: token.name }));
    }
    // Recording the use is bookkeeping: a busy database must not fail the
    // request for it.
    match state.db.writer().await {
        Ok(mut writer) => {
            if let Err(e) = api_tokens::record_use(&mut writer, &token, now).await {
                tracing::warn!(error = %e, token = %token.name, "web: recording an API token's use failed");
            }
        }
        Err(e) => tracing::warn!(error = %e, "web: recording an API token's use failed"),
    }
    Ok(Some(Caller { token_id: token.id, name: token.name }))
}
