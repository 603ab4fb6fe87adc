//! The web console and the REST API, served on `HTTP_ADDR` beside
//! `/health` when `WEB_CONSOLE=on` (`config::WebConfig`); nothing of it
//! exists otherwise. Staff keep answering in Telegram: the console is where
//! a team lead looks at the whole desk, the API how a CRM or a BI tool
//! reads it.
//!
//! Files: `api/` (`/api/v1`: bearer tokens, tickets, messages, figures),
//! `problem` (errors as `application/problem+json`), `ticket_list` (the
//! filters and pages both list by), `session` (logging in and out, the
//! `Staff` of a request), `telegram_login` (the Login Widget's signature),
//! `pages` (the HTML), `ticket_page` (one ticket), `ticket_forms` (its
//! close, assign and reply forms), `dashboard` (the
//! figures, charted), `actions` (what the console and the API change).

mod actions;
pub mod api;
mod dashboard;
mod pages;
mod problem;
mod session;
mod telegram_login;
mod ticket_forms;
mod ticket_list;
mod ticket_page;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::routing::{get, post};

use crate::clock::Clock;
use crate::db::Db;
use crate::secret::Secret;
use crate::telegram::api::BotApi;

/// What logging in with Telegram needs.
#[derive(Clone)]
pub struct TelegramSide {
    pub api: BotApi,
    /// Keys the Login Widget's signature.
    pub token: Secret,
    pub support_chat_id: i64,
    /// Admitted without asking Telegram.
    pub admin_ids: Vec<i64>,
}

/// What every page and endpoint reads from.
#[derive(Clone)]
pub struct WebState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The ticket time zone: the days of `/stats` and of filters.
    pub zone: chrono_tz::Tz,
    pub telegram: TelegramSide,
    /// The bot's username, for the Login Widget, once start-up learned it.
    pub bot_username: Arc<OnceLock<String>>,
    /// `WEB_PUBLIC_URL` is HTTPS: cookies are `Secure`.
    pub secure_cookies: bool,
    pub logins: Arc<session::LoginLimiter>,
    /// The desk, once start-up has learned the support chat: what the
    /// console's buttons and the API's `POST`s act through.
    pub desk: Arc<OnceLock<crate::desk::Desk>>,
    /// Woken when something was queued.
    pub outbox: Arc<tokio::sync::Notify>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl WebState {
    /// The times a ticket list's `waiting` filter compares with.
    fn list_clock(&self) -> ticket_list::Clock {
        let sla = match self.desk.get().map(crate::desk::Desk::sla_cutoff) {
            None => ticket_list::Sla::NotYetKnown,
            Some(None) => ticket_list::Sla::Unset,
            Some(Some(cutoff)) => ticket_list::Sla::Cutoff(cutoff),
        };
        ticket_list::Clock { now: self.clock.now().naive_utc(), sla }
    }
}

/// The console's and the API's routes.
pub fn routes(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::tickets))
        .route("/login", get(pages::login))
        .route("/tickets/{id}", get(ticket_page::show))
        .route("/tickets/{id}/status", post(ticket_forms::set_status))
        .route("/tickets/{id}/assign", post(ticket_forms::assign))
        .route("/tickets/{id}/reply", post(ticket_forms::reply))
        .route("/dashboard", get(dashboard::show))
        .route("/static/console.css", get(pages::stylesheet))
        .route("/auth/link", get(session::link_page).post(session::link))
        .route("/auth/telegram", get(session::telegram))
        .route("/auth/logout", post(session::logout))
        .nest("/api/v1", api::routes(state.clone()))
        .with_state(state)
}
