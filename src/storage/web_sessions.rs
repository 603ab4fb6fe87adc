//! The web console's sessions and single-use login links, kept as the
//! SHA-256 of their tokens (`secret::token_hash`): the cookie or the link
//! holds the token, the database only what cannot be turned back into it.

use chrono::NaiveDateTime;
use diesel::{
    BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, Queryable, Selectable,
    SelectableHelper,
};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::{web_login_links, web_sessions, web_telegram_logins};
use crate::db::{Conn, Writer};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
pub struct Session {
    pub token_hash: String,
    /// The staff member's Telegram user id.
    pub user_id: i64,
    pub display_name: String,
    /// What every form that changes something must carry back.
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Stores a login link for `user_id`, good until `expires_at`.
pub async fn create_link(writer: &mut Writer, hash: &str, user_id: i64, expires_at: NaiveDateTime) -> QueryResult<()> {
    on_conn!(writer, |c| {
        diesel::insert_into(web_login_links::table)
            .values((
                web_login_links::token_hash.eq(hash),
                web_login_links::user_id.eq(user_id),
                web_login_links::expires_at.eq(expires_at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Uses the link whose hash is `hash`: its user, once; `None` when it is
/// unknown, used or expired. One statement, so two clicks racing cannot
/// both get it.
pub async fn redeem_link(writer: &mut Writer, hash: &str, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    on_conn!(writer, |c| {
        diesel::update(
            web_login_links::table
                .filter(web_login_links::token_hash.eq(hash))
                .filter(web_login_links::used_at.is_null())
                .filter(web_login_links::expires_at.gt(now)),
        )
        .set(web_login_links::used_at.eq(now))
        .returning(web_login_links::user_id)
        .get_result(c)
        .await
        .optional()
    })
}

/// Records the first use of a Telegram login signature, remembered until
/// `fresh_until`: true the first time, false after (one statement, so two
/// uses racing cannot both get true).
pub async fn first_use_of_login(writer: &mut Writer, hash: &str, fresh_until: NaiveDateTime) -> QueryResult<bool> {
    let stored = on_conn!(writer, |c| {
        diesel::insert_into(web_telegram_logins::table)
            .values((web_telegram_logins::hash.eq(hash), web_telegram_logins::expires_at.eq(fresh_until)))
            .on_conflict_do_nothing()
            .execute(c)
            .await
    })?;
    Ok(stored == 1)
}

/// Stores a new session.
pub async fn create(writer: &mut Writer, session: &Session) -> QueryResult<()> {
    on_conn!(writer, |c| {
        diesel::insert_into(web_sessions::table)
            .values((
                web_sessions::token_hash.eq(&session.token_hash),
                web_sessions::user_id.eq(session.user_id),
                web_sessions::display_name.eq(&session.display_name),
                web_sessions::csrf_token.eq(&session.csrf_token),
                web_sessions::created_at.eq(session.created_at),
                web_sessions::last_seen_at.eq(session.last_seen_at),
                web_sessions::expires_at.eq(session.expires_at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The live session whose hash is `hash`.
pub async fn find(conn: &mut Conn, hash: &str, now: NaiveDateTime) -> QueryResult<Option<Session>> {
    on_conn!(conn, |c| {
        web_sessions::table
            .filter(web_sessions::token_hash.eq(hash))
            .filter(web_sessions::expires_at.gt(now))
            .select(Session::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Records that the session was used at `now`.
pub async fn touch(writer: &mut Writer, hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    on_conn!(writer, |c| {
        diesel::update(web_sessions::table.find(hash)).set(web_sessions::last_seen_at.eq(now)).execute(c).await
    })?;
    Ok(())
}

/// The live sessions, newest first.
pub async fn live(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<Session>> {
    on_conn!(conn, |c| {
        web_sessions::table
            .filter(web_sessions::expires_at.gt(now))
            .order(web_sessions::created_at.desc())
            .select(Session::as_select())
            .load(c)
            .await
    })
}

/// Ends the session whose hash is `hash` (a log-out).
pub async fn end(writer: &mut Writer, hash: &str) -> QueryResult<bool> {
    let deleted = on_conn!(writer, |c| diesel::delete(web_sessions::table.find(hash)).execute(c).await)?;
    Ok(deleted == 1)
}

/// Ends every session of `user_id`, or every session when `None`; how many.
pub async fn end_all(writer: &mut Writer, user_id: Option<i64>) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        match user_id {
            Some(user) => diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user))).execute(c).await,
            None => diesel::delete(web_sessions::table).execute(c).await,
        }
    })
}

/// Deletes expired sessions and used or expired links (the retention
/// sweep); how many rows.
pub async fn delete_expired(writer: &mut Writer, now: NaiveDateTime) -> QueryResult<usize> {
    let sessions = on_conn!(writer, |c| {
        diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(now))).execute(c).await
    })?;
    let links = on_conn!(writer, |c| {
        diesel::delete(
            web_login_links::table
                .filter(web_login_links::expires_at.le(now).or(web_login_links::used_at.is_not_null())),
        )
        .execute(c)
        .await
    })?;
    let logins = on_conn!(writer, |c| {
        diesel::delete(web_telegram_logins::table.filter(web_telegram_logins::expires_at.le(now))).execute(c).await
    })?;
    Ok(sessions + links + logins)
}
