//! What the console and the API change, done as a staff member in Telegram
//! would do it: the desk's use case in a transaction that also queues what
//! it says in the outbox, then the delivery worker woken.

use axum::http::StatusCode;

use super::WebState;
use super::problem::Problem;
use crate::desk::Desk;
use crate::desk::web::{WebReply, WebStatusChange};
use crate::storage::outbox;

/// Closes (or reopens) ticket `id` for the staff member named `by`.
pub async fn set_status(state: &WebState, id: i64, by: &str, reopen: bool) -> Result<WebStatusChange, Problem> {
    let desk = desk(state)?;
    let now = state.clock.now().naive_utc();
    let (change, tally) = state
        .db
        .transaction(async |tx| {
            let (change, reaction) = desk.set_status_from_web(tx, id, by, reopen).await?;
            let rows: Vec<_> = reaction.drafts.into_iter().map(|d| d.into_row(now)).collect();
            outbox::queue(tx, &rows).await?;
            Ok::<_, Problem>((change, reaction.tally))
        })
        .await?;
    state.metrics.count(tally);
    state.outbox.notify_one();
    Ok(change)
}

/// Replies `text` to ticket `id`'s user as `author` (id and name).
pub async fn reply(state: &WebState, id: i64, author: (i64, &str), text: &str) -> Result<WebReply, Problem> {
    let desk = desk(state)?;
    let now = state.clock.now().naive_utc();
    let (reply, tally) = state
        .db
        .transaction(async |tx| {
            let (reply, reaction) = desk.reply_from_web(tx, id, author, text).await?;
            let rows: Vec<_> = reaction.drafts.into_iter().map(|d| d.into_row(now)).collect();
            outbox::queue(tx, &rows).await?;
            Ok::<_, Problem>((reply, reaction.tally))
        })
        .await?;
    state.metrics.count(tally);
    state.outbox.notify_one();
    Ok(reply)
}

/// The desk, once start-up has learned the support chat.
fn desk(state: &WebState) -> Result<&Desk, Problem> {
    state
        .desk
        .get()
        .ok_or_else(|| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "the bot is still starting: try again shortly"))
}
