//! Satisfaction ratings: one per ticket, changed by a later press, with an
//! optional comment.

use chrono::NaiveDateTime;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, Queryable, Selectable, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::ticket_ratings;
use crate::db::{Conn, Tx, Writer};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ticket_ratings)]
pub struct Rating {
    pub ticket_id: i64,
    pub user_id: i64,
    pub score: i32,
    pub comment: Option<String>,
    pub rated_at: NaiveDateTime,
    pub commented_at: Option<NaiveDateTime>,
}

pub async fn of_ticket(conn: &mut Conn, ticket_id: i64) -> QueryResult<Option<Rating>> {
    on_conn!(conn, |c| ticket_ratings::table.find(ticket_id).select(Rating::as_select()).first(c).await.optional())
}

/// Records `score` for the ticket, replacing an earlier one; the score it
/// had before, if any.
pub async fn rate(
    tx: &mut Tx,
    ticket_id: i64,
    user_id: i64,
    score: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    let before = of_ticket(tx, ticket_id).await?.map(|r| r.score);
    on_conn!(tx, |c| {
        diesel::insert_into(ticket_ratings::table)
            .values((
                ticket_ratings::ticket_id.eq(ticket_id),
                ticket_ratings::user_id.eq(user_id),
                ticket_ratings::score.eq(score),
                ticket_ratings::rated_at.eq(now),
            ))
            .on_conflict(ticket_ratings::ticket_id)
            .do_update()
            .set((ticket_ratings::score.eq(score), ticket_ratings::rated_at.eq(now)))
            .execute(c)
            .await
    })?;
    Ok(before)
}

/// The user's rating made since `since` that has no comment yet: their
/// next words are its comment.
pub async fn awaiting_comment(conn: &mut Conn, user_id: i64, since: NaiveDateTime) -> QueryResult<Option<Rating>> {
    on_conn!(conn, |c| {
        ticket_ratings::table
            .filter(ticket_ratings::user_id.eq(user_id))
            .filter(ticket_ratings::rated_at.ge(since))
            .filter(ticket_ratings::comment.is_null())
            .order(ticket_ratings::rated_at.desc())
            .select(Rating::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Attaches the user's comment to the rating.
pub async fn comment(writer: &mut Writer, ticket_id: i64, text: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let changed = on_conn!(writer, |c| {
        diesel::update(ticket_ratings::table.find(ticket_id))
            .set((ticket_ratings::comment.eq(text), ticket_ratings::commented_at.eq(now)))
            .execute(c)
            .await
    })?;
    super::tickets::texts_written(writer, ticket_id).await?;
    Ok(changed)
}
