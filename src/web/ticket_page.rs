//! `GET /tickets/{id}`: a ticket's card (user, status, assignee, times,
//! rating) and its whole history in order: what the user wrote, staff's
//! answers and notes, each with who and when; media named by kind, with
//! its caption; the button that closes or reopens it, and the reply box.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;

use super::WebState;
use super::actions;
use super::pages::{self, CSP, duration, page, refused};
use super::session::Staff;
use crate::desk::web::{WebReply, WebStatusChange};
use crate::render::html::escape;
use crate::storage::export::{MessageLine, TicketLine};
use crate::storage::{listing, staff};

/// Messages a page of history shows.
const MESSAGES_A_PAGE: i64 = 500;

pub async fn show(
    State(state): State<WebState>,
    viewer: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return refused(StatusCode::NOT_FOUND, "There is no such ticket.");
    };
    let after = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "after")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(0);
    let mut conn = match state.db.conn().await {
        Ok(conn) => conn,
        Err(e) => return pages::unavailable(&e),
    };
    let read = async {
        let Some(ticket) = listing::tickets_by_id(&mut conn, &[id]).await?.into_iter().next() else {
            return Ok(None);
        };
        let messages = listing::messages_of(&mut conn, id, after, MESSAGES_A_PAGE + 1).await?;
        let senders: Vec<i64> = messages.iter().filter(|m| m.direction != "from_user").map(|m| m.sender_id).collect();
        let names = staff::find_many(&mut conn, &senders).await?;
        let names: Vec<(i64, String)> = names.into_iter().map(|s| (s.user_id, s.display_name)).collect();
        Ok::<_, diesel::result::Error>(Some((ticket, messages, names)))
    };
    let (ticket, mut messages, names) = match read.await {
        Ok(Some(found)) => found,
        Ok(None) => return refused(StatusCode::NOT_FOUND, &format!("There is no ticket {id}.")),
        Err(e) => return pages::unavailable(&e),
    };
    let more = messages.len() as i64 > MESSAGES_A_PAGE;
    messages.truncate(MESSAGES_A_PAGE as usize);
    let at = |t: NaiveDateTime| t.and_utc().with_timezone(&state.zone).format("%Y-%m-%d %H:%M").to_string();
    let mut body = card(&ticket, &at, state.clock.now().naive_utc());
    body.push_str(&status_form(&ticket, &viewer));
    body.push_str(&reply_form(&ticket, &viewer));
    body.push_str("<h2>History</h2>");
    if messages.is_empty() {
        body.push_str("<p>No messages.</p>");
    }
    body.push_str("<ol class=\"history\">");
    for m in &messages {
        body.push_str(&entry(m, &ticket, &names, &at));
    }
    body.push_str("</ol>");
    if let Some(last) = messages.last().filter(|_| more) {
        body.push_str(&format!(
            "<p><a rel=\"next\" href=\"/tickets/{id}?after={}\">Later messages</a></p>",
            last.message_id
        ));
    }
    page(
        StatusCode::OK,
        &format!("Ticket #{} of {}", ticket.number, ticket.day.format("%Y-%m-%d")),
        Some(&viewer),
        &body,
        CSP,
    )
}

/// The reply box: what is written goes to the user as a staff answer.
fn reply_form(t: &TicketLine, viewer: &Staff) -> String {
    format!(
        "<form method=\"post\" action=\"/tickets/{}/reply\" class=\"reply\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>Reply to the user <textarea name=\"text\" rows=\"4\" maxlength=\"4096\" required></textarea></label>\
         <button type=\"submit\">Send</button></form>",
        t.ticket_id,
        escape(&viewer.session.csrf_token)
    )
}

/// `POST /tickets/{id}/reply` (`text`, the CSRF token): the reply goes to
/// the user as a staff answer and staff see it; then back to the ticket.
pub async fn reply(State(state): State<WebState>, viewer: Staff, Path(id): Path<String>, body: String) -> Response {
    if !pages::csrf_ok(&viewer, &body) {
        return refused(StatusCode::FORBIDDEN, "This form is stale: reload the page and try again.");
    }
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return refused(StatusCode::NOT_FOUND, "There is no such ticket.");
    };
    let text = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "text")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        return refused(StatusCode::BAD_REQUEST, "Write something to send.");
    }
    let author = (viewer.session.user_id, viewer.session.display_name.as_str());
    match actions::reply(&state, id, author, &text).await {
        Err(problem) => refused(problem.status, &problem.detail),
        Ok(WebReply::NotFound) => refused(StatusCode::NOT_FOUND, &format!("There is no ticket {id}.")),
        Ok(WebReply::TooLong) => {
            refused(StatusCode::BAD_REQUEST, "That is longer than a Telegram message (4096 characters).")
        }
        Ok(WebReply::Sent(_)) => Redirect::to(&format!("/tickets/{id}")).into_response(),
    }
}

/// Close or reopen: a form with the session's CSRF token.
fn status_form(t: &TicketLine, viewer: &Staff) -> String {
    let (action, label) =
        if t.status == "open" { ("close", "Close the ticket") } else { ("reopen", "Reopen the ticket") };
    format!(
        "<form method=\"post\" action=\"/tickets/{}/status\" class=\"actions\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"action\" value=\"{action}\">\
         <button type=\"submit\">{label}</button></form>",
        t.ticket_id,
        escape(&viewer.session.csrf_token)
    )
}

/// `POST /tickets/{id}/status` (`action=close|reopen`, the CSRF token):
/// as `/close` and `/reopen` in Telegram, then back to the ticket.
pub async fn set_status(
    State(state): State<WebState>,
    viewer: Staff,
    Path(id): Path<String>,
    body: String,
) -> Response {
    if !pages::csrf_ok(&viewer, &body) {
        return refused(StatusCode::FORBIDDEN, "This form is stale: reload the page and try again.");
    }
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return refused(StatusCode::NOT_FOUND, "There is no such ticket.");
    };
    let reopen = match url::form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "action") {
        Some((_, action)) if action == "close" => false,
        Some((_, action)) if action == "reopen" => true,
        _ => return refused(StatusCode::BAD_REQUEST, "Close or reopen?"),
    };
    match actions::set_status(&state, id, &viewer.session.display_name, reopen).await {
        Err(problem) => refused(problem.status, &problem.detail),
        Ok(WebStatusChange::NotFound) => refused(StatusCode::NOT_FOUND, &format!("There is no ticket {id}.")),
        Ok(WebStatusChange::UserHasOpenTicket(other)) => {
            refused(StatusCode::CONFLICT, &format!("Its user has another open ticket, #{other}: close that one first."))
        }
        Ok(_) => Redirect::to(&format!("/tickets/{id}")).into_response(),
    }
}

/// The card: who, status, assignee, times, rating.
fn card(t: &TicketLine, at: &impl Fn(NaiveDateTime) -> String, now: NaiveDateTime) -> String {
    let user = match (&t.last_name, &t.username) {
        (Some(last), Some(u)) => format!("{} {last} (@{u})", t.first_name),
        (Some(last), None) => format!("{} {last}", t.first_name),
        (None, Some(u)) => format!("{} (@{u})", t.first_name),
        (None, None) => t.first_name.clone(),
    };
    let mut rows = vec![
        ("User", format!("{} · id {}", escape(&user), t.user_id)),
        ("Status", escape(&t.status)),
        ("Assignee", t.assignee.as_deref().map(escape).unwrap_or_else(|| "nobody".into())),
        ("Opened", at(t.opened_at)),
    ];
    match (t.first_response_at, t.first_response_seconds) {
        (Some(first), Some(seconds)) => rows
            .push(("First answer", format!("{} (after {})", at(first), duration(chrono::TimeDelta::seconds(seconds))))),
        _ if t.status == "open" => rows.push(("Waiting", duration(now - t.opened_at))),
        _ => rows.push(("First answer", "none".into())),
    }
    if let Some(closed) = t.closed_at {
        rows.push(("Closed", at(closed)));
    }
    rows.push(("Rating", t.rating.map(|r| format!("{r} of 5")).unwrap_or_else(|| "none".into())));
    let cells: String = rows.iter().map(|(k, v)| format!("<dt>{k}</dt><dd>{v}</dd>")).collect();
    format!("<dl class=\"card\">{cells}</dl>")
}

/// One message of the history.
fn entry(m: &MessageLine, t: &TicketLine, names: &[(i64, String)], at: &impl Fn(NaiveDateTime) -> String) -> String {
    let staff_name = || {
        names
            .iter()
            .find(|(id, _)| *id == m.sender_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| m.sender_id.to_string())
    };
    let (class, who) = match m.direction.as_str() {
        "from_user" => ("from-user", t.first_name.clone()),
        "note" => ("note", format!("{} (note)", staff_name())),
        _ => ("to-user", staff_name()),
    };
    let media = (m.kind != "text").then(|| format!("<span class=\"media\">[{}]</span> ", m.kind.replace('_', " ")));
    let text = m.text.as_deref().map(escape).unwrap_or_default();
    let edited = m.edited_at.map(|e| format!(" · edited {}", at(e))).unwrap_or_default();
    format!(
        "<li class=\"{class}\"><p class=\"meta\">{} · {}{edited}</p><p class=\"text\">{}{text}</p></li>",
        escape(&who),
        at(m.created_at),
        media.unwrap_or_default()
    )
}
