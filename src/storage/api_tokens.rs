//! The REST API's bearer tokens: made and revoked by `ticketbot api-token`,
//! kept as the SHA-256 of the token (`secret::token_hash`), never the token.
//! A revoked token stays listed, so the list says who could read the desk.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, Queryable, Selectable, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::api_tokens;
use crate::db::{Conn, Writer};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A request records its token's use at most this often: a busy
/// integration must not write a row a request.
const USE_RECORDED_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Stores a new token under `name`; `None` when the name is taken (by a
/// live or a revoked token).
pub async fn create(writer: &mut Writer, name: &str, hash: &str, now: NaiveDateTime) -> QueryResult<Option<ApiToken>> {
    on_conn!(writer, |c| {
        diesel::insert_into(api_tokens::table)
            .values((api_tokens::name.eq(name), api_tokens::token_hash.eq(hash), api_tokens::created_at.eq(now)))
            .on_conflict(api_tokens::name)
            .do_nothing()
            .returning(ApiToken::as_returning())
            .get_result(c)
            .await
            .optional()
    })
}

/// Every token, oldest first.
pub async fn all(conn: &mut Conn) -> QueryResult<Vec<ApiToken>> {
    on_conn!(conn, |c| api_tokens::table.order(api_tokens::id.asc()).select(ApiToken::as_select()).load(c).await)
}

/// Revokes the live token `name`; false when there is none.
pub async fn revoke(writer: &mut Writer, name: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = on_conn!(writer, |c| {
        diesel::update(api_tokens::table.filter(api_tokens::name.eq(name)).filter(api_tokens::revoked_at.is_null()))
            .set(api_tokens::revoked_at.eq(now))
            .execute(c)
            .await
    })?;
    Ok(changed == 1)
}

/// The live token whose hash is `hash`, its use recorded; `None` for an
/// unknown or revoked one.
pub async fn authenticate(conn: &mut Conn, hash: &str) -> QueryResult<Option<ApiToken>> {
    on_conn!(conn, |c| {
        api_tokens::table
            .filter(api_tokens::token_hash.eq(hash))
            .filter(api_tokens::revoked_at.is_null())
            .select(ApiToken::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Whether `token`'s use at `now` is to be recorded: not within a minute
/// of the last recorded one.
pub fn use_is_due(token: &ApiToken, now: NaiveDateTime) -> bool {
    token.last_used_at.is_none_or(|at| now - at >= USE_RECORDED_EVERY)
}

/// Records that `token` was used at `now`, unless it was within the last
/// minute.
pub async fn record_use(writer: &mut Writer, token: &ApiToken, now: NaiveDateTime) -> QueryResult<()> {
    if !use_is_due(token, now) {
        return Ok(());
    }
    on_conn!(writer, |c| {
        diesel::update(api_tokens::table.find(token.id)).set(api_tokens::last_used_at.eq(now)).execute(c).await
    })?;
    Ok(())
}
