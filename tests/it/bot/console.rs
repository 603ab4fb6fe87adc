//! The web console's doors over real HTTP (`WEB_CONSOLE=on`): a
//! `ticketbot web-login` link logs a staff member in once; a login signed
//! as Telegram signs it (made here with the test bot's token) logs in a
//! member of the support chat once, and a forged, stale, replayed or
//! outsider's login gets 403 and no session; the session cookie is HttpOnly and SameSite
//! (and Secure when `WEB_PUBLIC_URL` is HTTPS);
//! pages carry a Content-Security-Policy; logging out needs the form's
//! CSRF token; `ticketbot web-sessions` lists and ends sessions.

use fake_telegram::FloodLimits;
use reqwest::redirect::Policy;

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, TOKEN, agent, alice};
use crate::migrations::ticketbot;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_login_link_opens_one_session_that_shows_the_tickets,
    telegrams_signature_admits_members_of_the_support_chat_only,
    logging_out_needs_the_forms_token_and_operators_can_end_sessions,
    behind_https_the_session_cookie_is_secure
);

/// The desk with the console on and Agent Smith an admin, `more` set too.
pub(super) async fn console(kind: Kind, more: &[(&'static str, &str)]) -> Option<Desk> {
    let mut vars = vec![("WEB_CONSOLE", "on".to_string()), ("ADMIN_IDS", agent().id.to_string())];
    vars.extend(more.iter().map(|(name, value)| (*name, value.to_string())));
    Desk::start_with_vars(kind, false, Some(FloodLimits::default()), &vars).await
}

/// A browser that does not follow redirects, so each can be looked at.
pub(super) fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// (status, headers, body) of a GET, with a session cookie if given.
pub(super) async fn get(desk: &Desk, path: &str, session: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = browser().get(format!("http://{}{path}", desk.http));
    if let Some(session) = session {
        request = request.header("cookie", format!("ticketbot_session={session}"));
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

/// The session a response's `Set-Cookie` starts, with its attributes.
pub(super) fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<(String, String)> {
    let cookie = headers.get("set-cookie")?.to_str().unwrap().to_string();
    let value = cookie.strip_prefix("ticketbot_session=")?.split(';').next()?.to_string();
    (!value.is_empty()).then_some((value, cookie))
}

/// `ticketbot web-login --user ID`: the link's path and query.
pub(super) fn login_link(desk: &Desk, user: i64) -> String {
    let out = ticketbot(&desk.vars_database_url(), &["web-login", "--user", &user.to_string()]);
    assert!(out.status.success(), "{out:?}");
    let link = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let (_, path) = link.split_once("//").unwrap().1.split_once('/').unwrap();
    format!("/{path}")
}

/// Opens a `web-login` link as a person does: its page (which uses
/// nothing, so a link preview cannot use it up), then its button, a POST.
pub(super) async fn use_link(desk: &Desk, link: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let (status, headers, page) = get(desk, link, None).await;
    assert_eq!(status, 200, "{page}");
    assert!(session_cookie(&headers).is_none(), "the page alone logs nobody in");
    let token = link.split_once("token=").unwrap().1;
    assert!(page.contains(&format!("name=\"token\" value=\"{token}\"")), "{page}");
    let response = browser()
        .post(format!("http://{}/auth/link", desk.http))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

/// A logged-in staff member: their session and the forms' CSRF token.
pub(super) struct LoggedIn {
    pub session: String,
    pub csrf: String,
}

pub(super) async fn log_in(desk: &Desk, user: i64) -> LoggedIn {
    let (_, headers, _) = use_link(desk, &login_link(desk, user)).await;
    session_of(desk, &headers).await
}

/// Logs in with the Login Widget's signed redirect: anyone in the support
/// chat, staff or not yet.
pub(super) async fn log_in_through_telegram(desk: &Desk, user: i64, name: &str) -> LoggedIn {
    let (status, headers, body) = get(desk, &signed_login(user, name, 60, TOKEN), None).await;
    assert_eq!(status, 303, "{body}");
    session_of(desk, &headers).await
}

/// The session a login's answer set, and its CSRF token from a page.
async fn session_of(desk: &Desk, headers: &reqwest::header::HeaderMap) -> LoggedIn {
    let (session, _) = session_cookie(headers).expect("a session");
    let (_, _, page) = get(desk, "/", Some(&session)).await;
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    LoggedIn { session, csrf }
}

impl LoggedIn {
    /// Posts a form (its CSRF token added): status and body.
    pub async fn post(&self, desk: &Desk, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &self.csrf)
            .extend_pairs(fields)
            .finish();
        let response = browser()
            .post(format!("http://{}{path}", desk.http))
            .header("cookie", format!("ticketbot_session={}", self.session))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub async fn page(&self, desk: &Desk, path: &str) -> String {
        let (status, _, page) = get(desk, path, Some(&self.session)).await;
        assert_eq!(status, 200, "{path}: {page}");
        page
    }
}

/// A Login Widget redirect for `user`, signed `seconds_ago`, as Telegram
/// signs it: HMAC-SHA256 of the sorted fields keyed by SHA-256(token).
fn signed_login(user: i64, name: &str, seconds_ago: i64, token: &str) -> String {
    let auth_date = (chrono::Utc::now().timestamp() - seconds_ago).to_string();
    let id = user.to_string();
    let mut fields = [("auth_date", auth_date.as_str()), ("first_name", name), ("id", id.as_str())];
    fields.sort();
    let check: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let secret = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_ref());
    let tag = ring::hmac::sign(&key, check.join("\n").as_bytes());
    let hash: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let query =
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).append_pair("hash", &hash).finish();
    format!("/auth/telegram?{query}")
}

async fn a_login_link_opens_one_session_that_shows_the_tickets(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let card = open_ticket(&desk, &alice(), "my <b>printer</b> is on fire").await[0].message_id;
    desk.fake.group_message(SUPPORT, &agent(), "on it", Some(card));
    desk.wait_sent(alice().id, 2, "the answer").await;
    let (status, headers, _) = get(&desk, "/", None).await;
    assert_eq!((status, headers["location"].to_str().unwrap()), (303, "/login"), "no session, no tickets");

    let link = login_link(&desk, agent().id);
    // Fetched first by a link preview, say: still good afterwards.
    assert_eq!(get(&desk, &link, None).await.0, 200);
    let (status, headers, body) = use_link(&desk, &link).await;
    assert_eq!((status, headers["location"].to_str().unwrap()), (303, "/"), "{body}");
    let (session, cookie) = session_cookie(&headers).expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "WEB_PUBLIC_URL is http here: {cookie}");
    // The database keeps the session's hash, not the cookie.
    assert_eq!(desk.db.count(&format!("SELECT COUNT(*) FROM web_sessions WHERE token_hash = '{session}'")).await, 0);
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM web_sessions").await, 1);

    let (status, headers, page) = get(&desk, "/", Some(&session)).await;
    assert_eq!(status, 200, "{page}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let ticket_link = page.split("<td><a href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(page.contains("\">#1</a></td>") && page.contains("<td>open</td>"), "{page}");
    let escaped = alice().first_name.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    assert!(page.contains(&escaped), "the user's name, escaped: {page}");
    assert!(page.contains("<label>Words <input type=\"search\" name=\"q\""), "labelled filters: {page}");
    let (_, _, found) = get(&desk, "/?q=printer&status=open", Some(&session)).await;
    assert!(found.contains("\">#1</a></td>"), "{found}");
    let (_, _, none) = get(&desk, "/?q=printer&status=closed", Some(&session)).await;
    assert!(none.contains("No tickets."), "{none}");

    // The ticket: its card and its history, escaped, with who wrote what.
    let (status, _, ticket) = get(&desk, &ticket_link, Some(&session)).await;
    assert_eq!(status, 200, "{ticket}");
    assert!(ticket.contains("Ticket #1 of"), "{ticket}");
    assert!(ticket.contains("my &lt;b&gt;printer&lt;/b&gt; is on fire"), "{ticket}");
    assert!(ticket.contains("<li class=\"to-user\"><p class=\"meta\">Agent Smith"), "{ticket}");
    assert!(ticket.contains("on it"), "{ticket}");
    assert_eq!(get(&desk, "/tickets/999999", Some(&session)).await.0, 404);
    // Closing without the form's CSRF token is refused, and changes nothing.
    let forged = browser()
        .post(format!("http://{}{ticket_link}/status", desk.http))
        .header("cookie", format!("ticketbot_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=close")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert!(get(&desk, &ticket_link, Some(&session)).await.2.contains("<dd>open</dd>"), "still open");
    assert_eq!(get(&desk, &ticket_link, None).await.0, 303, "no session, no ticket");

    // Used once: the same link again is refused and starts nothing.
    let (status, headers, body) = use_link(&desk, &link).await;
    assert_eq!(status, 403, "{body}");
    assert!(session_cookie(&headers).is_none());
    // A link for someone who is not staff is not made.
    let out = ticketbot(&desk.vars_database_url(), &["web-login", "--user", "999"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("not a staff member"), "{out:?}");
    desk.stop().await;
}

async fn telegrams_signature_admits_members_of_the_support_chat_only(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let member = 4242;
    let first = signed_login(member, "Mia", 60, TOKEN);
    let (status, headers, body) = get(&desk, &first, None).await;
    assert_eq!((status, headers.get("location").map(|l| l.to_str().unwrap())), (303, Some("/")), "{body}");
    let (session, _) = session_cookie(&headers).expect("a session");
    let (status, _, page) = get(&desk, "/", Some(&session)).await;
    assert!(status == 200 && page.contains("Mia"), "{page}");

    let outsider = 4343;
    desk.fake.make_outsider(SUPPORT, outsider);
    for (what, path) in [
        ("forged", signed_login(member, "Mia", 60, "123456789:another-bots-token")),
        ("stale", signed_login(member, "Mia", 2 * 86_400, TOKEN)),
        ("not in the support chat", signed_login(outsider, "Olga", 60, TOKEN)),
        ("unsigned", "/auth/telegram?id=4242&first_name=Mia&auth_date=1".to_string()),
        ("used already", first.clone()),
    ] {
        let (status, headers, body) = get(&desk, &path, None).await;
        assert_eq!(status, 403, "{what}: {body}");
        assert!(session_cookie(&headers).is_none(), "{what}");
    }
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM web_sessions").await, 1, "only the member's");

    // Failed logins are limited per address: this one waits, another not.
    let forged = signed_login(member, "Mia", 60, "123456789:another-bots-token");
    for _ in 0..20 {
        get(&desk, &forged, None).await;
    }
    let (status, _, _) = get(&desk, &signed_login(member, "Mia", 60, TOKEN), None).await;
    assert_eq!(status, 429, "20 failures from 127.0.0.1 in a minute");
    let elsewhere = reqwest::Client::builder()
        .redirect(Policy::none())
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    // (Signed for another name: never the same URL as the first login's.)
    let url = format!("http://{}{}", desk.http, signed_login(member, "Mia K", 60, TOKEN));
    assert_eq!(elsewhere.get(&url).send().await.unwrap().status().as_u16(), 303, "127.0.0.2 is not held back");
    // A signed URL logs in once: again (from a browser's history) it is refused.
    let again = elsewhere.get(&url).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 403);
    assert!(again.text().await.unwrap().contains("used already"));

    // The login page offers Telegram's widget for this bot, and the link.
    let (status, headers, page) = get(&desk, "/login", None).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-telegram-login=\"ticketbot_test_bot\""), "{page}");
    assert!(page.contains("ticketbot web-login"), "{page}");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src https://telegram.org"));
    desk.stop().await;
}

async fn logging_out_needs_the_forms_token_and_operators_can_end_sessions(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let LoggedIn { session, csrf } = log_in(&desk, agent().id).await;

    let post = |body: String| {
        browser()
            .post(format!("http://{}/auth/logout", desk.http))
            .header("cookie", format!("ticketbot_session={session}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert_eq!(post(String::new()).await.unwrap().status().as_u16(), 403, "no token");
    assert_eq!(post("csrf=wrong".into()).await.unwrap().status().as_u16(), 403, "a wrong token");
    assert_eq!(get(&desk, "/", Some(&session)).await.0, 200, "still logged in");
    let out = post(format!("csrf={csrf}")).await.unwrap();
    assert_eq!((out.status().as_u16(), out.headers()["location"].to_str().unwrap()), (303, "/login"));
    assert_eq!(get(&desk, "/", Some(&session)).await.0, 303, "logged out");

    // Operators see who is logged in and end it.
    let (_, headers, _) = use_link(&desk, &login_link(&desk, agent().id)).await;
    let (again, _) = session_cookie(&headers).unwrap();
    let url = desk.vars_database_url();
    let list = String::from_utf8(ticketbot(&url, &["web-sessions"]).stdout).unwrap();
    assert!(list.starts_with(&format!("{}\t", agent().id)), "{list}");
    let ended = String::from_utf8(ticketbot(&url, &["web-sessions", "--end-all"]).stdout).unwrap();
    assert!(ended.contains("ended 1 session(s)"), "{ended}");
    assert_eq!(get(&desk, "/", Some(&again)).await.0, 303);
    desk.stop().await;
}

/// `WEB_PUBLIC_URL` on HTTPS (a proxy in front ends TLS): the browser is
/// told to send the session cookie over HTTPS only.
async fn behind_https_the_session_cookie_is_secure(kind: Kind) {
    let Some(desk) = console(kind, &[("WEB_PUBLIC_URL", "https://desk.example.com")]).await else { return };
    let (status, headers, body) = use_link(&desk, &login_link(&desk, agent().id)).await;
    assert_eq!(status, 303, "{body}");
    let (session, cookie) = session_cookie(&headers).expect("a session cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} in {cookie}");
    }
    assert_eq!(get(&desk, "/", Some(&session)).await.0, 200, "the session works");
    desk.stop().await;
}
