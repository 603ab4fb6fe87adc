//! `/api/v1`: JSON for integrations, every endpoint behind a bearer token
//! (`ticketbot api-token create NAME`). Tickets newest first, a page at a
//! time with an opaque `next_page`; a ticket; its messages; a period's
//! figures. Errors are problem details (`web::problem`).

mod auth;
mod json;
mod stats;
mod tickets;

use axum::Router;
use axum::middleware;
use axum::routing::get;

use super::WebState;

pub fn routes(state: WebState) -> Router<WebState> {
    Router::new()
        .route("/tickets", get(tickets::list))
        .route("/tickets/{id}", get(tickets::one))
        .route("/tickets/{id}/messages", get(tickets::messages))
        .route("/stats", get(stats::period))
        .fallback(|| async { super::problem::Problem::not_found("no such endpoint under /api/v1") })
        .layer(middleware::from_fn_with_state(state, auth::bearer))
}
