//! The ticket page's forms and what they post: close or reopen, assign,
//! reply. Each carries the session's CSRF token and acts through the desk
//! (`web::actions`), then sends the browser back to the ticket.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::WebState;
use super::actions;
use super::pages::{self, refused};
use super::session::Staff;
use crate::desk::web::{WebAssign, WebReply, WebStatusChange};
use crate::render::html::escape;
use crate::render::with_username;
use crate::storage::export::TicketLine;
use crate::storage::rows;

/// Close or reopen.
pub(super) fn status_form(t: &TicketLine, viewer: &Staff) -> String {
    let (action, label) =
        if t.status == "open" { ("close", "Close the ticket") } else { ("reopen", "Reopen the ticket") };
    format!(
        "<form method=\"post\" action=\"/tickets/{}/status\" class=\"actions\">{}\
         <input type=\"hidden\" name=\"action\" value=\"{action}\">\
         <button type=\"submit\">{label}</button></form>",
        t.ticket_id,
        csrf_field(viewer)
    )
}

/// Assign: a choice of staff members, the current assignee chosen.
pub(super) fn assign_form(t: &TicketLine, viewer: &Staff, people: &[rows::Staff]) -> String {
    let me = viewer.session.user_id;
    let mut options = String::new();
    if t.assignee_id.is_none() {
        options.push_str("<option value=\"\" selected disabled>nobody yet</option>");
    }
    if !people.iter().any(|p| p.user_id == me) {
        options.push_str(&option(me, &viewer.session.display_name, None, t.assignee_id == Some(me)));
    }
    for p in people {
        options.push_str(&option(p.user_id, &p.display_name, p.username.as_deref(), t.assignee_id == Some(p.user_id)));
    }
    format!(
        "<form method=\"post\" action=\"/tickets/{}/assign\" class=\"actions\">{}\
         <label>Assignee <select name=\"to\" required>{options}</select></label>\
         <button type=\"submit\">Assign</button></form>",
        t.ticket_id,
        csrf_field(viewer)
    )
}

fn option(id: i64, name: &str, username: Option<&str>, selected: bool) -> String {
    let label = with_username(name, username);
    let selected = if selected { " selected" } else { "" };
    format!("<option value=\"{id}\"{selected}>{}</option>", escape(&label))
}

/// The reply box: what is written goes to the user as a staff answer.
pub(super) fn reply_form(t: &TicketLine, viewer: &Staff) -> String {
    format!(
        "<form method=\"post\" action=\"/tickets/{}/reply\" class=\"reply\">{}\
         <label>Reply to the user <textarea name=\"text\" rows=\"4\" maxlength=\"4096\" required></textarea></label>\
         <button type=\"submit\">Send</button></form>",
        t.ticket_id,
        csrf_field(viewer)
    )
}

fn csrf_field(viewer: &Staff) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", escape(&viewer.session.csrf_token))
}

/// A posted form, checked: its ticket id, and its fields.
struct Posted {
    id: i64,
    body: String,
}

impl Posted {
    /// The form's CSRF token matches the session's, and `id` is a ticket id.
    /// Refused: the status, and why.
    fn check(viewer: &Staff, id: &str, body: String) -> Result<Self, (StatusCode, &'static str)> {
        if !pages::csrf_ok(viewer, &body) {
            return Err((StatusCode::FORBIDDEN, "This form is stale: reload the page and try again."));
        }
        match id.parse::<i64>().ok().filter(|id| *id > 0) {
            Some(id) => Ok(Self { id, body }),
            None => Err((StatusCode::NOT_FOUND, "There is no such ticket.")),
        }
    }

    fn field(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.body.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string())
    }

    fn not_found(&self) -> Response {
        refused(StatusCode::NOT_FOUND, &format!("There is no ticket {}.", self.id))
    }

    fn back(&self) -> Response {
        Redirect::to(&format!("/tickets/{}", self.id)).into_response()
    }
}

/// `POST /tickets/{id}/reply` (`text`): the reply goes to the user as a
/// staff answer, and staff see it.
pub async fn reply(State(state): State<WebState>, viewer: Staff, Path(id): Path<String>, body: String) -> Response {
    let form = match Posted::check(&viewer, &id, body) {
        Ok(form) => form,
        Err((status, why)) => return refused(status, why),
    };
    let text = form.field("text").unwrap_or_default();
    if text.is_empty() {
        return refused(StatusCode::BAD_REQUEST, "Write something to send.");
    }
    let author = (viewer.session.user_id, viewer.session.display_name.as_str());
    match actions::reply(&state, form.id, author, &text).await {
        Err(problem) => refused(problem.status, &problem.detail),
        Ok(WebReply::NotFound) => form.not_found(),
        Ok(WebReply::TooLong) => {
            refused(StatusCode::BAD_REQUEST, "That is longer than a Telegram message (4096 characters).")
        }
        Ok(WebReply::Sent(_)) => form.back(),
    }
}

/// `POST /tickets/{id}/status` (`action=close|reopen`): as `/close` and
/// `/reopen` in Telegram.
pub async fn set_status(
    State(state): State<WebState>,
    viewer: Staff,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let form = match Posted::check(&viewer, &id, body) {
        Ok(form) => form,
        Err((status, why)) => return refused(status, why),
    };
    let reopen = match form.field("action").as_deref() {
        Some("close") => false,
        Some("reopen") => true,
        _ => return refused(StatusCode::BAD_REQUEST, "Close or reopen?"),
    };
    match actions::set_status(&state, form.id, &viewer.session.display_name, reopen).await {
        Err(problem) => refused(problem.status, &problem.detail),
        Ok(WebStatusChange::NotFound) => form.not_found(),
        Ok(WebStatusChange::UserHasOpenTicket(other)) => {
            refused(StatusCode::CONFLICT, &format!("Its user has another open ticket, #{other}: close that one first."))
        }
        Ok(_) => form.back(),
    }
}

/// `POST /tickets/{id}/assign` (`to`, a staff member's Telegram id): as
/// `/take` for oneself, as `/assign` (admins only) for a colleague.
pub async fn assign(State(state): State<WebState>, viewer: Staff, Path(id): Path<String>, body: String) -> Response {
    let form = match Posted::check(&viewer, &id, body) {
        Ok(form) => form,
        Err((status, why)) => return refused(status, why),
    };
    let Some(to) = form.field("to").and_then(|to| to.parse::<i64>().ok()).filter(|to| *to > 0) else {
        return refused(StatusCode::BAD_REQUEST, "Choose whom to assign the ticket to.");
    };
    let by = (viewer.session.user_id, viewer.session.display_name.as_str());
    match actions::assign(&state, form.id, to, by).await {
        Err(problem) => refused(problem.status, &problem.detail),
        Ok(WebAssign::NotFound) => form.not_found(),
        Ok(WebAssign::UnknownStaff) => refused(StatusCode::BAD_REQUEST, "That person is not a staff member."),
        Ok(WebAssign::AdminsOnly) => {
            refused(StatusCode::FORBIDDEN, "Only admins give a ticket to someone else; you may assign it to yourself.")
        }
        Ok(WebAssign::Assigned) => form.back(),
    }
}
