//! The console's pages, server-rendered: every value goes through
//! `render::html::escape`, every page carries a Content-Security-Policy
//! that allows nothing but this server's stylesheet (and, on the login
//! page, Telegram's widget), and no page needs JavaScript.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;

use super::WebState;
use super::session::Staff;
use super::ticket_list;
use crate::render::html::escape;
use crate::render::with_username;
use crate::storage::export::TicketLine;
use crate::storage::{rows, staff};

/// What a console page may load: its own stylesheet, nothing else.
pub(super) const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";
/// The login page also runs Telegram's Login Widget.
const LOGIN_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                         frame-ancestors 'none'; base-uri 'none'; script-src https://telegram.org; \
                         frame-src https://oauth.telegram.org";

const STYLESHEET: &str = include_str!("console.css");

/// `GET /static/console.css`.
pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], STYLESHEET)
        .into_response()
}

/// A whole page: `title`, who is logged in (their name, the log-out form),
/// then `body` (HTML).
pub(super) fn page(status: StatusCode, title: &str, staff: Option<&Staff>, body: &str, csp: &'static str) -> Response {
    let bar = match staff {
        Some(staff) => format!(
            "<nav aria-label=\"Console\"><a href=\"/\">Tickets</a><a href=\"/dashboard\">Dashboard</a>\
             <form method=\"post\" action=\"/auth/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <span>{}</span> <button type=\"submit\">Log out</button></form></nav>",
            escape(&staff.session.csrf_token),
            escape(&staff.session.display_name)
        ),
        None => String::new(),
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · ticketbot</title><link rel=\"stylesheet\" href=\"/static/console.css\"></head>\
         <body><header><strong>ticketbot</strong>{bar}</header><main><h1>{}</h1>{body}</main></body></html>",
        escape(title),
        escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refusal or a failure, as a page saying what to do.
pub fn refused(status: StatusCode, what: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    page(status, title, None, &format!("<p>{}</p><p><a href=\"/login\">Log in</a></p>", escape(what)), CSP)
}

/// The database did not answer: 503, its message logged, not shown.
pub fn unavailable(e: &dyn std::fmt::Display) -> Response {
    tracing::warn!(error = %e, "web: a database call failed");
    refused(StatusCode::SERVICE_UNAVAILABLE, "The database did not answer: try again shortly.")
}

/// Whether a form's body carries the session's CSRF token.
pub fn csrf_ok(staff: &Staff, body: &str) -> bool {
    let expected = crate::secret::Secret::new(staff.session.csrf_token.clone());
    url::form_urlencoded::parse(body.as_bytes()).any(|(k, v)| k == "csrf" && expected.matches(v.as_bytes()))
}

/// `GET /login`: the Telegram Login Widget (once the bot's username is
/// known), and the other way in.
pub async fn login(State(state): State<WebState>) -> Response {
    let widget = match state.bot_username.get() {
        Some(bot) => format!(
            "<p>Log in with your Telegram account; you must be in the support chat.</p>\
             <script async src=\"https://telegram.org/js/telegram-widget.js?22\" data-telegram-login=\"{}\" \
             data-size=\"large\" data-auth-url=\"/auth/telegram\" data-request-access=\"read\"></script>",
            escape(bot)
        ),
        None => String::new(),
    };
    let body = format!(
        "{widget}<p>Without the widget (it needs the console's domain set with @BotFather's <code>/setdomain</code>), \
         an operator can make you a one-time link: <code>ticketbot web-login --user YOUR_TELEGRAM_ID</code>.</p>"
    );
    page(StatusCode::OK, "Log in", None, &body, LOGIN_CSP)
}

/// A `web-login` link's page: one button that uses it.
pub fn link_login(token: &str) -> Response {
    let body = format!(
        "<p>This one-time link logs you in to the console.</p>\
         <form method=\"post\" action=\"/auth/link\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
         <button type=\"submit\">Log in</button></form>",
        escape(token)
    );
    page(StatusCode::OK, "Log in", None, &body, CSP)
}

/// `GET /`: the tickets, filtered, searched, a page at a time.
pub async fn tickets(State(state): State<WebState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    let query = match ticket_list::read_query(raw.as_deref(), state.list_clock()) {
        Ok(query) => query,
        Err(problem) => return refused(problem.status, &problem.detail),
    };
    let mut conn = match state.db.conn().await {
        Ok(conn) => conn,
        Err(e) => return unavailable(&e),
    };
    let (rows, next_page) = match ticket_list::page(&mut conn, &query).await {
        Ok(found) => found,
        Err(problem) => return refused(problem.status, &problem.detail),
    };
    let people = match staff::people(&mut conn).await {
        Ok(people) => people,
        Err(e) => return unavailable(&e),
    };
    drop(conn);
    let clock = state.list_clock();
    let now = clock.now;
    let mut body = filter_form(raw.as_deref(), &people, matches!(clock.sla, ticket_list::Sla::Cutoff(_)));
    if rows.is_empty() {
        body.push_str("<p>No tickets.</p>");
    } else {
        body.push_str(
            "<table><thead><tr><th scope=\"col\">Ticket</th><th scope=\"col\">Day</th><th scope=\"col\">User</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">Waiting</th><th scope=\"col\">Rating</th></tr></thead><tbody>",
        );
        for t in &rows {
            body.push_str(&row(t, now));
        }
        body.push_str("</tbody></table>");
    }
    if let Some(next) = next_page {
        let mut params: Vec<(String, String)> = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        params.push(("page".into(), next));
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        body.push_str(&format!("<p><a rel=\"next\" href=\"/?{}\">Next page</a></p>", escape(&query)));
    }
    page(StatusCode::OK, "Tickets", Some(&staff), &body, CSP)
}

/// The filter form, filled with what was asked: the assignee among
/// `people` (the staff), "past the SLA" only when one is set.
fn filter_form(raw: Option<&str>, people: &[rows::Staff], sla: bool) -> String {
    let asked = |name: &str| {
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| escape(&v))
            .unwrap_or_default()
    };
    let options = |name: &str, choices: &[(String, String)]| {
        let chosen = asked(name);
        let list: String = choices
            .iter()
            .map(|(value, label)| {
                let selected = if chosen == escape(value) { " selected" } else { "" };
                format!("<option value=\"{}\"{selected}>{}</option>", escape(value), escape(label))
            })
            .collect();
        format!("<select name=\"{name}\">{list}</select>")
    };
    let choice = |value: &str, label: &str| (value.to_string(), label.to_string());
    let status = [choice("", "any"), choice("open", "open"), choice("closed", "closed")];
    let mut assignee = vec![choice("", "anyone"), choice("none", "nobody")];
    assignee.extend(people.iter().map(|p| (p.user_id.to_string(), p.display_name.clone())));
    let mut waiting = vec![choice("", "any"), choice("yes", "waiting for staff")];
    if sla {
        waiting.push(choice("past_sla", "past the SLA"));
    }
    let words = asked("q");
    let words = if words.is_empty() { String::new() } else { format!(" value=\"{words}\"") };
    format!(
        "<form method=\"get\" action=\"/\" class=\"filters\">\
         <label>Words <input type=\"search\" name=\"q\"{words}></label>\
         <label>Status {}</label><label>Assignee {}</label><label>Waiting {}</label>\
         <label>From <input type=\"date\" name=\"since\" value=\"{}\"></label>\
         <label>To <input type=\"date\" name=\"until\" value=\"{}\"></label>\
         <button type=\"submit\">Show</button></form>",
        options("status", &status),
        options("assignee", &assignee),
        options("waiting", &waiting),
        asked("since"),
        asked("until"),
    )
}

/// One ticket's row.
fn row(t: &TicketLine, now: NaiveDateTime) -> String {
    let user = with_username(&t.first_name, t.username.as_deref());
    // Waiting for staff: since it opened, or its user wrote after an answer.
    let waiting = t.waiting_since.map(|since| duration(now - since)).unwrap_or_else(|| "—".into());
    let rating = t.rating.map(|r| format!("{r} ★")).unwrap_or_else(|| "—".into());
    format!(
        "<tr><td><a href=\"/tickets/{}\">#{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        t.ticket_id,
        t.number,
        t.day.format("%Y-%m-%d"),
        escape(&user),
        escape(&t.status),
        waiting,
        rating
    )
}

/// `3 d 4 h`, `2 h 5 min`, `7 min`, `40 s`.
pub(super) fn duration(d: chrono::TimeDelta) -> String {
    if d.num_seconds() < 60 {
        return format!("{} s", d.num_seconds().max(0));
    }
    let minutes = d.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(chrono::TimeDelta::minutes(7)), "7 min");
        assert_eq!(duration(chrono::TimeDelta::minutes(125)), "2 h 5 min");
        assert_eq!(duration(chrono::TimeDelta::minutes(3 * 1440 + 245)), "3 d 4 h");
        assert_eq!(duration(chrono::TimeDelta::seconds(40)), "40 s");
        assert_eq!(duration(chrono::TimeDelta::minutes(-5)), "0 s");
    }

    #[test]
    fn the_filter_form_keeps_what_was_asked_escaped() {
        let lead = rows::Staff {
            user_id: 901,
            username: None,
            display_name: "Lead <3".into(),
            is_admin: true,
            created_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
        };
        let form = filter_form(Some("q=%3Cb%3E&status=closed&since=2026-11-01&assignee=901"), &[lead], false);
        assert!(form.contains("value=\"&lt;b&gt;\""), "{form}");
        assert!(form.contains("<option value=\"closed\" selected>"), "{form}");
        assert!(form.contains("<option value=\"901\" selected>Lead &lt;3</option>"), "{form}");
        assert!(form.contains("name=\"since\" value=\"2026-11-01\""), "{form}");
        assert!(!form.contains("<b>"));
        assert!(!form.contains("past_sla"), "no SLA set, no such choice");
        assert!(filter_form(None, &[], true).contains("<option value=\"past_sla\">past the SLA</option>"));
    }
}
