//! The web console and the REST API, served on `HTTP_ADDR` beside
//! `/health` when `WEB_CONSOLE=on` (`config::WebConfig`); nothing of it
//! exists otherwise. Staff keep answering in Telegram: the console is where
//! a team lead looks at the whole desk, the API how a CRM or a BI tool
//! reads it.
//!
//! Files: `api/` (`/api/v1`: bearer tokens, tickets, messages, figures),
//! `problem` (errors as `application/problem+json`).

pub mod api;
mod problem;

use std::sync::Arc;

use axum::Router;

use crate::clock::Clock;
use crate::db::Db;

/// What every page and endpoint reads from.
#[derive(Clone)]
pub struct WebState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The ticket time zone: the days of `/stats` and of filters.
    pub zone: chrono_tz::Tz,
}

/// The console's and the API's routes.
pub fn routes(state: WebState) -> Router {
    Router::new().nest("/api/v1", api::routes(state.clone())).with_state(state)
}
