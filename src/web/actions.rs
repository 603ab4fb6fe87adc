//! What the console and the API change, done as a staff member in Telegram
//! would do it: the desk's use case in a transaction that also queues what
//! it says in the outbox, then the delivery worker woken.

use axum::http::StatusCode;

use super::WebState;
use super::problem::Problem;
use crate::db::Tx;
use crate::desk::web::{WebAssign, WebReply, WebStatusChange};
use crate::desk::{Desk, DeskError, Reaction};

/// Closes (or reopens) ticket `id` for the staff member named `by`.
pub async fn set_status(state: &WebState, id: i64, by: &str, reopen: bool) -> Result<WebStatusChange, Problem> {
    act(state, async |desk, tx| desk.set_status_from_web(tx, id, by, reopen).await).await
}

/// Replies `text` to ticket `id`'s user as `author` (id and name).
pub async fn reply(state: &WebState, id: i64, author: (i64, &str), text: &str) -> Result<WebReply, Problem> {
    act(state, async |desk, tx| desk.reply_from_web(tx, id, author, text).await).await
}

/// Assigns ticket `id` to staff member `to` for `by` (id and name).
pub async fn assign(state: &WebState, id: i64, to: i64, by: (i64, &str)) -> Result<WebAssign, Problem> {
    if to != by.0 {
        // Whether `by` may give tickets away, asked before the transaction.
        desk(state)?.ask_whether_admin(by.0).await;
    }
    act(state, async |desk, tx| desk.assign_from_web(tx, id, to, by).await).await
}

/// Runs `use_case` in a transaction that queues what it says, counts it
/// once committed, and wakes the delivery worker.
async fn act<T>(
    state: &WebState,
    use_case: impl AsyncFnOnce(&Desk, &mut Tx) -> Result<(T, Reaction), DeskError>,
) -> Result<T, Problem> {
    let desk = desk(state)?;
    let now = state.clock.now().naive_utc();
    let (outcome, tally) = state
        .db
        .transaction(async |tx| {
            let (outcome, reaction) = use_case(desk, tx).await?;
            Ok::<_, Problem>((outcome, reaction.queue(tx, now).await?))
        })
        .await?;
    state.metrics.count(tally);
    state.outbox.notify_one();
    Ok(outcome)
}

/// The desk, once start-up has learned the support chat.
fn desk(state: &WebState) -> Result<&Desk, Problem> {
    state
        .desk
        .get()
        .ok_or_else(|| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "the bot is still starting: try again shortly"))
}
