//! `GET /tickets/{id}`: a ticket's card (user, status, assignee, times,
//! rating) and its whole history in order: what the user wrote, staff's
//! answers and notes, each with who and when; media named by kind, with
//! its caption; the forms that close or reopen it, assign it and reply
//! (`ticket_forms`).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDateTime;

use super::WebState;
use super::pages::{self, CSP, duration, page, refused};
use super::session::Staff;
use super::ticket_forms;
use crate::render::html::escape;
use crate::render::{full_name, with_username};
use crate::storage::export::{MessageLine, TicketLine};
use crate::storage::{listing, ratings, staff};

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
        let people = staff::people(&mut conn).await?;
        let comment = ratings::of_ticket(&mut conn, id).await?.and_then(|r| r.comment);
        Ok::<_, diesel::result::Error>(Some((ticket, messages, names, people, comment)))
    };
    let (ticket, mut messages, names, people, comment) = match read.await {
        Ok(Some(found)) => found,
        Ok(None) => return refused(StatusCode::NOT_FOUND, &format!("There is no ticket {id}.")),
        Err(e) => return pages::unavailable(&e),
    };
    let more = messages.len() as i64 > MESSAGES_A_PAGE;
    messages.truncate(MESSAGES_A_PAGE as usize);
    let at = |t: NaiveDateTime| t.and_utc().with_timezone(&state.zone).format("%Y-%m-%d %H:%M").to_string();
    let mut body = card(&ticket, comment.as_deref(), &at, state.clock.now().naive_utc());
    body.push_str(&ticket_forms::status_form(&ticket, &viewer));
    body.push_str(&ticket_forms::assign_form(&ticket, &viewer, &people));
    body.push_str(&ticket_forms::reply_form(&ticket, &viewer));
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

/// The card: who, status, assignee, times, rating.
fn card(t: &TicketLine, comment: Option<&str>, at: &impl Fn(NaiveDateTime) -> String, now: NaiveDateTime) -> String {
    let user = with_username(&full_name(&t.first_name, t.last_name.as_deref()), t.username.as_deref());
    let mut rows = vec![
        ("User", format!("{} · id {}", escape(&user), t.user_id)),
        ("Status", escape(&t.status)),
        ("Assignee", t.assignee.as_deref().map(escape).unwrap_or_else(|| "nobody".into())),
        ("Opened", at(t.opened_at)),
    ];
    match (t.first_response_at, t.first_response_seconds) {
        (Some(first), Some(seconds)) => rows
            .push(("First answer", format!("{} (after {})", at(first), duration(chrono::TimeDelta::seconds(seconds))))),
        _ => rows.push(("First answer", "none".into())),
    }
    if let Some(since) = t.waiting_since {
        rows.push(("Waiting for staff", format!("{} (since {})", duration(now - since), at(since))));
    }
    if let Some(closed) = t.closed_at {
        rows.push(("Closed", at(closed)));
    }
    rows.push(("Rating", t.rating.map(|r| format!("{r} of 5")).unwrap_or_else(|| "none".into())));
    if let Some(comment) = comment {
        rows.push(("Their comment", escape(comment)));
    }
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
