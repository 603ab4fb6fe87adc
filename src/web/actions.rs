//! What the console and the API change, done as a staff member in Telegram
//! would do it: the desk's use case in a transaction that also queues what
//! it says in the outbox, then the delivery worker woken.

use axum::http::StatusCode;

use super::WebState;
use super::problem::Problem;
use crate::desk::web::WebStatusChange;
use crate::storage::outbox;

/// Closes (or reopens) ticket `id` for the staff member named `by`.
pub async fn set_status(state: &WebState, id: i64, by: &str, reopen: bool) -> Result<WebStatusChange, Problem> {
    let desk = state
        .desk
        .get()
        .ok_or_else(|| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "the bot is still starting: try again shortly"))?;
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
