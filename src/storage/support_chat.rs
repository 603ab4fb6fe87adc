//! Where the support chat went: Telegram gives a group upgraded to a
//! supergroup a new id, and every replica (and the next start) must follow
//! it, so each move is kept.

use chrono::NaiveDateTime;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{outbox_messages, support_chat_moves};
use crate::db::{Conn, Tx};

/// A chain of moves longer than this is a loop in the data, not history.
const MAX_MOVES: usize = 8;

/// Where `from` moved to, if it did.
pub async fn moved_to(conn: &mut Conn, from: i64) -> QueryResult<Option<i64>> {
    on_conn!(conn, |c| {
        support_chat_moves::table.find(from).select(support_chat_moves::to_chat_id).first(c).await.optional()
    })
}

/// The chat `id` is now, following every recorded move.
pub async fn follow(conn: &mut Conn, id: i64) -> QueryResult<i64> {
    let mut now = id;
    for _ in 0..MAX_MOVES {
        match moved_to(conn, now).await? {
            Some(next) if next != now => now = next,
            _ => break,
        }
    }
    Ok(now)
}

/// Records that `from` is now `to` (again is fine), and addresses the
/// messages still waiting for `from` to `to`: Telegram refuses every send
/// to the old id. Returns how many waiting messages moved.
pub async fn record_move(tx: &mut Tx, from: i64, to: i64, now: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(tx, |c| {
        diesel::insert_into(support_chat_moves::table)
            .values((
                support_chat_moves::from_chat_id.eq(from),
                support_chat_moves::to_chat_id.eq(to),
                support_chat_moves::moved_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c)
            .await
    })?;
    on_conn!(tx, |c| {
        diesel::update(outbox_messages::table)
            .filter(outbox_messages::chat_id.eq(from))
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .set(outbox_messages::chat_id.eq(to))
            .execute(c)
            .await
    })
}
