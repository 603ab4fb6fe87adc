//! Erasure on request, and access: everything that identifies one user is
//! removed in one transaction (their name, every text of their tickets in
//! either direction and the notes on them, their rating comments, their
//! raw updates, the outbox rows to them or about their tickets), while
//! their tickets keep number, day, times and rating so statistics stay
//! right; or everything stored about them is read, for a request to see it.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Text};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, SelectableHelper};
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::on_conn;
use super::rows::{Ticket, TicketMessage, User};
use super::schema::{ticket_messages, ticket_ratings, tickets, users};
use crate::db::{Conn, Tx};

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// Their tickets (kept, emptied): for their forum topics.
    pub tickets: Vec<Ticket>,
    pub texts: usize,
    pub comments: usize,
    pub updates: usize,
    pub outbox: usize,
}

/// Erases user `user_id`; `None` when there is no such user.
pub async fn erase_user(tx: &mut Tx, user_id: i64, now: NaiveDateTime) -> QueryResult<Option<Erased>> {
    let Some(before) = super::users::find(tx, user_id).await? else { return Ok(None) };
    let named = on_conn!(tx, |c| {
        diesel::update(users::table.find(user_id))
            .set((
                users::first_name.eq("(erased)"),
                users::last_name.eq(None::<String>),
                users::username.eq(None::<String>),
                users::language_code.eq(None::<String>),
                users::erased_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    if named == 0 {
        return Ok(None);
    }
    let theirs: Vec<Ticket> = on_conn!(tx, |c| {
        tickets::table.filter(tickets::user_id.eq(user_id)).select(Ticket::as_select()).load(c).await
    })?;
    let ids: Vec<i64> = theirs.iter().map(|t| t.id).collect();
    // Every message of their tickets, both ways, and the notes on them:
    // the search index follows each row.
    let texts = on_conn!(tx, |c| {
        diesel::update(ticket_messages::table.filter(ticket_messages::ticket_id.eq_any(&ids)))
            .filter(ticket_messages::text.is_not_null())
            .set(ticket_messages::text.eq(None::<String>))
            .execute(c)
            .await
    })?;
    let comments = on_conn!(tx, |c| {
        diesel::update(ticket_ratings::table.filter(ticket_ratings::ticket_id.eq_any(&ids)))
            .filter(ticket_ratings::comment.is_not_null())
            .set(ticket_ratings::comment.eq(None::<String>))
            .execute(c)
            .await
    })?;
    on_conn!(tx, |c| {
        diesel::update(tickets::table.filter(tickets::id.eq_any(&ids)))
            .set(tickets::texts_removed_at.eq(now))
            .execute(c)
            .await
    })?;
    // Their raw updates: all from their chat, and those handled that carry
    // their id, name or username (a staff reply quoting their card, a
    // press of theirs). A handled update is only a record: one of someone
    // else's that happens to match goes too, which loses nothing.
    let updates = delete_updates_naming(tx, user_id, &before).await?;
    // What was or would be sent to them, or about their tickets (cards
    // with their name, copies of their messages), sent or not.
    const OUTBOX: &str = "DELETE FROM outbox_messages WHERE chat_id = $1 \
        OR ticket_id IN (SELECT id FROM tickets WHERE user_id = $1)";
    let outbox = on_conn!(tx, |c| diesel::sql_query(OUTBOX).bind::<BigInt, _>(user_id).execute(c).await)?;
    Ok(Some(Erased { tickets: theirs, texts, comments, updates, outbox }))
}

/// Deletes the inbox rows from `user`'s chat, and the handled ones whose
/// payload names them.
async fn delete_updates_naming(tx: &mut Tx, user_id: i64, user: &User) -> QueryResult<usize> {
    let like = |text: &str| format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let full_name = format!("{} {}", user.first_name, user.last_name.as_deref().unwrap_or_default());
    let mut marks = vec![
        like(&format!("\"id\":{user_id},")),
        like(&format!("\"id\":{user_id}}}")),
        like(&format!("?id={user_id}")),
        like(&format!("(id {user_id})")),
    ];
    marks.extend(user.username.as_deref().filter(|u| u.len() >= 3).map(|u| like(&format!("@{u}"))));
    marks.extend(user.username.as_deref().filter(|u| u.len() >= 3).map(|u| like(&format!("\"{u}\""))));
    if user.last_name.is_some() {
        marks.push(like(&full_name));
    }
    let mut deleted = on_conn!(tx, |c| {
        diesel::sql_query("DELETE FROM inbox_updates WHERE chat_id = $1").bind::<BigInt, _>(user_id).execute(c).await
    })?;
    for mark in &marks {
        deleted += on_conn!(tx, |c| {
            diesel::sql_query(
                "DELETE FROM inbox_updates WHERE processed_at IS NOT NULL AND payload LIKE $1 ESCAPE '\\'",
            )
            .bind::<Text, _>(mark)
            .execute(c)
            .await
        })?;
    }
    Ok(deleted)
}

/// Everything stored about one user, for a request to see it.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub user: UserData,
    pub tickets: Vec<TicketData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserData {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub first_seen: NaiveDateTime,
    pub banned_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketData {
    pub day: chrono::NaiveDate,
    pub number: i32,
    pub status: String,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub messages: Vec<MessageData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageData {
    pub direction: String,
    pub kind: String,
    pub text: Option<String>,
    pub at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
}

/// What is stored about `user_id`; `None` when nothing is.
pub async fn access(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Access>> {
    let found: Option<User> = on_conn!(conn, |c| {
        use diesel::OptionalExtension;
        users::table.find(user_id).select(User::as_select()).first(c).await.optional()
    })?;
    let Some(user) = found else { return Ok(None) };
    let theirs: Vec<Ticket> = on_conn!(conn, |c| {
        tickets::table.filter(tickets::user_id.eq(user_id)).order(tickets::id).select(Ticket::as_select()).load(c).await
    })?;
    let mut data = Vec::new();
    for ticket in theirs {
        let messages = super::messages::of_ticket(conn, ticket.id).await?;
        let rating = super::ratings::of_ticket(conn, ticket.id).await?;
        data.push(TicketData {
            day: ticket.day,
            number: ticket.number,
            status: ticket.status.as_str().to_string(),
            opened_at: ticket.opened_at,
            closed_at: ticket.closed_at,
            rating: rating.as_ref().map(|r| r.score),
            rating_comment: rating.and_then(|r| r.comment),
            messages: messages.into_iter().map(message_data).collect(),
        });
    }
    let user = UserData {
        id: user.id,
        first_name: user.first_name,
        last_name: user.last_name,
        username: user.username,
        language_code: user.language_code,
        first_seen: user.created_at,
        banned_at: user.banned_at,
    };
    Ok(Some(Access { user, tickets: data }))
}

fn message_data(m: TicketMessage) -> MessageData {
    MessageData {
        direction: m.direction.as_str().to_string(),
        kind: m.kind.as_str().to_string(),
        text: m.text,
        at: m.created_at,
        edited_at: m.edited_at,
    }
}
