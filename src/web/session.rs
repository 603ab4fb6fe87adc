//! Logging in to the console and staying logged in: `/auth/link` (a
//! `ticketbot web-login` link, used by its page's button), `/auth/telegram` (the Telegram Login
//! Widget's redirect), `/auth/logout`; the `Staff` extractor every page
//! takes, which reads the session cookie. Sessions live in the database
//! (`storage::web_sessions`) for `SESSION_LIFETIME`; the cookie is
//! `HttpOnly`, `SameSite=Lax` and, behind HTTPS, `Secure`. Failed logins
//! are limited per client address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;

use super::WebState;
use super::pages;
use super::telegram_login;
use crate::secret::{new_token, token_hash};
use crate::storage::{staff, web_sessions};

/// How long a session lasts from its login.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);

/// The session cookie's name.
const COOKIE: &str = "ticketbot_session";

/// Failed logins one client address may make a minute: a signature or a
/// link token cannot be guessed, but nobody gets to try a million, and one
/// client's failures lock out nobody else.
const FAILURES_A_MINUTE: u32 = 20;

/// Addresses remembered at most: past it, windows over a minute old go.
const ADDRESSES_KEPT: usize = 10_000;

/// Each client address's failed logins in its current minute.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    /// Whether another attempt from `client` may be checked now.
    fn allows(&self, client: IpAddr) -> bool {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get(&client) {
            Some((started, failures)) => started.elapsed().as_secs() >= 60 || *failures < FAILURES_A_MINUTE,
            None => true,
        }
    }

    fn failed(&self, client: IpAddr) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= ADDRESSES_KEPT {
            windows.retain(|_, (started, _)| started.elapsed().as_secs() < 60);
        }
        let window = windows.entry(client).or_insert((Instant::now(), 0));
        if window.0.elapsed().as_secs() >= 60 {
            *window = (Instant::now(), 0);
        }
        window.1 += 1;
    }
}

/// The logged-in staff member of a request.
#[derive(Debug, Clone)]
pub struct Staff {
    pub session: web_sessions::Session,
}

impl FromRequestParts<WebState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = cookie(&parts.headers) else { return Err(to_login()) };
        let now = state.clock.now().naive_utc();
        let mut conn = state.db.conn().await.map_err(|e| pages::unavailable(&e))?;
        let found =
            web_sessions::find(&mut conn, &token_hash(&token), now).await.map_err(|e| pages::unavailable(&e))?;
        let Some(session) = found else { return Err(to_login()) };
        drop(conn);
        // Seen-at is bookkeeping, written at most once a minute.
        if now - session.last_seen_at >= TimeDelta::minutes(1) {
            if let Ok(mut writer) = state.db.writer().await {
                let _ = web_sessions::touch(&mut writer, &session.token_hash, now).await;
            }
        }
        Ok(Self { session })
    }
}

/// The session token in the request's cookies.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// `GET /auth/link?token=…`: a `web-login` link asks to be used. It is
/// not used here: a chat's link preview fetches links too, and would use
/// it up before its staff member clicks. The page's button posts it.
pub async fn link_page(RawQuery(raw): RawQuery) -> Response {
    let token = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    pages::link_login(&token)
}

/// `POST /auth/link` (`token`): the `web-login` link, used once.
pub async fn link(
    State(state): State<WebState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: String,
) -> Response {
    let client = client.ip();
    if !state.logins.allows(client) {
        return pages::refused(StatusCode::TOO_MANY_REQUESTS, "Too many failed logins: wait a minute.");
    }
    let token = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let now = state.clock.now().naive_utc();
    let redeemed = match state.db.writer().await {
        Ok(mut writer) => web_sessions::redeem_link(&mut writer, &token_hash(&token), now).await,
        Err(e) => return pages::unavailable(&e),
    };
    match redeemed {
        Err(e) => pages::unavailable(&e),
        Ok(None) => {
            state.logins.failed(client);
            pages::refused(
                StatusCode::FORBIDDEN,
                "This login link is unknown, used or expired: ask for a new one (ticketbot web-login).",
            )
        }
        Ok(Some(user)) => {
            let name = match state.db.conn().await {
                Ok(mut conn) => staff::find(&mut conn, user).await.ok().flatten().map(|s| s.display_name),
                Err(e) => return pages::unavailable(&e),
            };
            start_session(&state, user, name.unwrap_or_else(|| user.to_string())).await
        }
    }
}

/// `GET /auth/telegram?id=…&hash=…`: the Login Widget's redirect. A good
/// signature less than a day old, from a member of the support chat or an
/// `ADMIN_IDS` id, starts a session; anything else is 403.
pub async fn telegram(
    State(state): State<WebState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    RawQuery(raw): RawQuery,
) -> Response {
    let client = client.ip();
    if !state.logins.allows(client) {
        return pages::refused(StatusCode::TOO_MANY_REQUESTS, "Too many failed logins: wait a minute.");
    }
    let params: Vec<(String, String)> = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let login = match telegram_login::verify(&params, &state.telegram.token, state.clock.now()) {
        Ok(login) => login,
        Err(refused) => {
            state.logins.failed(client);
            return pages::refused(StatusCode::FORBIDDEN, &format!("Not logged in: {refused}."));
        }
    };
    let admitted = state.telegram.admin_ids.contains(&login.id)
        || match state.telegram.api.get_chat_member(state.telegram.support_chat_id, login.id).await {
            Ok(member) => member.is_in_chat(),
            Err(e) => {
                tracing::warn!(user = login.id, error = %e, "web: asking Telegram who is in the support chat failed");
                return pages::refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Telegram did not say whether you are in the support chat: try again shortly.",
                );
            }
        };
    if !admitted {
        state.logins.failed(client);
        return pages::refused(StatusCode::FORBIDDEN, "Only members of the support chat may use the console.");
    }
    // A signed URL logs in once: from a browser's history it is refused.
    let first_use = match state.db.writer().await {
        Ok(mut writer) => {
            web_sessions::first_use_of_login(&mut writer, &login.hash, login.fresh_until.naive_utc()).await
        }
        Err(e) => return pages::unavailable(&e),
    };
    match first_use {
        Err(e) => return pages::unavailable(&e),
        Ok(false) => {
            state.logins.failed(client);
            return pages::refused(StatusCode::FORBIDDEN, "This login was used already: log in with Telegram again.");
        }
        Ok(true) => {}
    }
    start_session(&state, login.id, login.name()).await
}

/// `POST /auth/logout` (with the CSRF token): ends the session.
pub async fn logout(State(state): State<WebState>, staff: Staff, body: String) -> Response {
    if !pages::csrf_ok(&staff, &body) {
        return pages::refused(StatusCode::FORBIDDEN, "This form is stale: reload the page and try again.");
    }
    if let Ok(mut writer) = state.db.writer().await {
        let _ = web_sessions::end(&mut writer, &staff.session.token_hash).await;
    }
    let mut response = Redirect::to("/login").into_response();
    set_cookie(&mut response, &state, "", 0);
    response
}

/// Stores a session for `user` and sends the browser to the tickets.
async fn start_session(state: &WebState, user: i64, name: String) -> Response {
    let token = new_token("");
    let now = state.clock.now().naive_utc();
    let session = web_sessions::Session {
        token_hash: token_hash(token.expose()),
        user_id: user,
        display_name: name,
        csrf_token: new_token("").expose().to_string(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_LIFETIME,
    };
    let stored = match state.db.writer().await {
        Ok(mut writer) => web_sessions::create(&mut writer, &session).await,
        Err(e) => return pages::unavailable(&e),
    };
    if let Err(e) = stored {
        return pages::unavailable(&e);
    }
    tracing::info!(user, "web: logged in");
    let mut response = Redirect::to("/").into_response();
    set_cookie(&mut response, state, token.expose(), SESSION_LIFETIME.num_seconds());
    response
}

fn set_cookie(response: &mut Response, state: &WebState, value: &str, max_age: i64) {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; ticketbot_session=abc-_9; b=2"));
        assert_eq!(cookie(&headers).as_deref(), Some("abc-_9"));
        headers.insert(header::COOKIE, HeaderValue::from_static("ticketbot_session="));
        assert_eq!(cookie(&headers), None);
    }

    #[test]
    fn twenty_failures_a_minute_then_no_more_attempts_from_that_address() {
        let limiter = LoginLimiter::default();
        let (one, other): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..FAILURES_A_MINUTE {
            assert!(limiter.allows(one));
            limiter.failed(one);
        }
        assert!(!limiter.allows(one));
        assert!(limiter.allows(other), "one client's failures lock out nobody else");
    }
}
