//! `GET /tickets` (filtered, searched, a page at a time), `GET
//! /tickets/{id}`, `GET /tickets/{id}/messages`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};

use super::auth::Caller;
use super::json::{Message, Page, Ticket};
use crate::desk::web::{WebReply, WebStatusChange};
use crate::storage::listing;
use crate::web::WebState;
use crate::web::actions;
use crate::web::problem::{Problem, ProblemDetails};
use crate::web::ticket_list::{self, cursor};

/// Messages a page holds.
const MESSAGES_A_PAGE: usize = 500;

/// Tickets, newest first (or, searched, those with the newest match first), 50 a page.
#[utoipa::path(
    get,
    path = "/tickets",
    params(
        ("status" = Option<String>, Query, description = "`open` or `closed`"),
        ("assignee" = Option<String>, Query, description = "A staff member's Telegram id, or `none` for unassigned tickets"),
        ("waiting" = Option<String>, Query, description = "`yes`: waiting for staff now; `past_sla`: waiting longer than `FIRST_RESPONSE_SLA`"),
        ("q" = Option<String>, Query, description = "Words every matching ticket's messages or notes hold"),
        ("since" = Option<String>, Query, description = "The first day, `YYYY-MM-DD`"),
        ("until" = Option<String>, Query, description = "The last day, `YYYY-MM-DD`"),
        ("page" = Option<String>, Query, description = "A `next_page`, as it came"),
    ),
    responses(
        (status = 200, description = "A page of tickets", body = Page<Ticket>),
        (status = 400, description = "A bad parameter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Page<Ticket>>, Problem> {
    let query = ticket_list::read_query(raw.as_deref(), state.list_clock())?;
    let mut conn = state.db.conn().await?;
    let (rows, next_page) = ticket_list::page(&mut conn, &query).await?;
    Ok(Json(Page { items: rows.into_iter().map(Ticket::from).collect(), next_page }))
}

/// One ticket.
#[utoipa::path(
    get,
    path = "/tickets/{id}",
    params(("id" = i64, Path, description = "The ticket's id")),
    responses(
        (status = 200, description = "The ticket", body = Ticket),
        (status = 400, description = "A bad parameter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn one(State(state): State<WebState>, Path(id): Path<String>) -> Result<Json<Ticket>, Problem> {
    let id = ticket_id(&id)?;
    let mut conn = state.db.conn().await?;
    let found = listing::tickets_by_id(&mut conn, &[id]).await?;
    found.into_iter().next().map(|t| Json(Ticket::from(t))).ok_or_else(|| no_ticket(id))
}

/// A ticket's messages and notes, oldest first, 500 a page.
#[utoipa::path(
    get,
    path = "/tickets/{id}/messages",
    params(
        ("id" = i64, Path, description = "The ticket's id"),
        ("page" = Option<String>, Query, description = "A `next_page`, as it came"),
    ),
    responses(
        (status = 200, description = "A page of messages", body = Page<Message>),
        (status = 400, description = "A bad parameter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn messages(
    State(state): State<WebState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<Message>>, Problem> {
    let id = ticket_id(&id)?;
    let mut after = 0;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "page" => after = cursor(Some(&value))?.unwrap_or(0),
            other => return Err(Problem::bad_request(format!("unknown parameter {other:?}: use page"))),
        }
    }
    let mut conn = state.db.conn().await?;
    let mut rows = listing::messages_of(&mut conn, id, after, MESSAGES_A_PAGE as i64 + 1).await?;
    // Only a page without messages asks whether the ticket is there.
    if rows.is_empty() && listing::tickets_by_id(&mut conn, &[id]).await?.is_empty() {
        return Err(no_ticket(id));
    }
    let more = rows.len() > MESSAGES_A_PAGE;
    rows.truncate(MESSAGES_A_PAGE);
    let next_page = more.then(|| rows.last().map(|m| m.message_id.to_string())).flatten();
    Ok(Json(Page { items: rows.into_iter().map(Message::from).collect(), next_page }))
}

/// What `POST /tickets/{id}/messages` takes.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewMessage {
    /// What the user reads (plain text, up to 4096 characters).
    pub text: String,
}

/// Answers the ticket's user as a staff reply does: filed on the ticket
/// (the response clock counts it), sent to the user, shown to staff in
/// the support chat as the token's (`API (NAME)`).
#[utoipa::path(
    post,
    path = "/tickets/{id}/messages",
    params(("id" = i64, Path, description = "The ticket's id")),
    request_body(content = NewMessage, content_type = "application/json"),
    responses(
        (status = 201, description = "Filed and queued to the user", body = Message),
        (status = 400, description = "No text, a text too long, or not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn reply(
    State(state): State<WebState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Message>), Problem> {
    let id = ticket_id(&id)?;
    let asked: NewMessage = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(format!("send JSON such as {{\"text\": \"…\"}} ({e})")))?;
    let text = asked.text.trim();
    if text.is_empty() {
        return Err(Problem::bad_request("text is empty"));
    }
    match actions::reply(&state, id, (caller.staff_id(), &caller.shown()), text).await? {
        WebReply::NotFound => Err(no_ticket(id)),
        WebReply::TooLong => {
            Err(Problem::bad_request("text is longer than the 4096 characters a Telegram message holds"))
        }
        WebReply::Sent(message) => {
            let mut conn = state.db.conn().await?;
            let filed = listing::messages_of(&mut conn, id, message - 1, 1).await?;
            let filed = filed.into_iter().next().ok_or_else(|| no_ticket(id))?;
            Ok((StatusCode::CREATED, Json(Message::from(filed))))
        }
    }
}

/// Closes a ticket as `/close` does: staff and its user are told (the
/// user asked to rate it), its topic closed; closing a closed ticket
/// changes nothing.
#[utoipa::path(
    post,
    path = "/tickets/{id}/close",
    params(("id" = i64, Path, description = "The ticket's id")),
    responses(
        (status = 200, description = "The ticket, closed", body = Ticket),
        (status = 400, description = "A bad id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn close(
    State(state): State<WebState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, Problem> {
    set_status(&state, &caller, &id, false).await
}

/// Reopens a ticket as `/reopen` does; 409 when its user has another open
/// ticket (one open ticket a user).
#[utoipa::path(
    post,
    path = "/tickets/{id}/reopen",
    params(("id" = i64, Path, description = "The ticket's id")),
    responses(
        (status = 200, description = "The ticket, open", body = Ticket),
        (status = 400, description = "A bad id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Its user has another open ticket", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn reopen(
    State(state): State<WebState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, Problem> {
    set_status(&state, &caller, &id, true).await
}

async fn set_status(state: &WebState, caller: &Caller, raw: &str, reopen: bool) -> Result<Json<Ticket>, Problem> {
    let id = ticket_id(raw)?;
    match actions::set_status(state, id, &caller.shown(), reopen).await? {
        WebStatusChange::NotFound => return Err(no_ticket(id)),
        WebStatusChange::UserHasOpenTicket(other) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                format!("its user has another open ticket, #{other}: close that one first"),
            ));
        }
        WebStatusChange::Changed | WebStatusChange::Unchanged => {}
    }
    let mut conn = state.db.conn().await?;
    let found = listing::tickets_by_id(&mut conn, &[id]).await?;
    found.into_iter().next().map(|t| Json(Ticket::from(t))).ok_or_else(|| no_ticket(id))
}

fn ticket_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Problem::bad_request(format!("{raw:?} is not a ticket id")))
}

fn no_ticket(id: i64) -> Problem {
    Problem::not_found(format!("there is no ticket {id}"))
}
