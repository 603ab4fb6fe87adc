//! The people who write to the bot.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::fixed::fixed_statement;
use super::on_conn;
use super::rows::User;
use super::schema::users;
use crate::db::{Conn, Tx, Writer};
use crate::domain::UserProfile;

fixed_statement! {
    /// Records a user or refreshes their profile, and counts the message
    /// in the user's current minute (a new minute begins when the last one
    /// began before `minute_ago`). A user who writes can be written to
    /// again, so a "blocked the bot" mark is cleared. On PostgreSQL the
    /// conflict update locks the row until the transaction ends, which
    /// serialises one user's concurrent messages.
    UpsertUser<'a> {
        id: i64,
        username: Option<&'a str>,
        first_name: &'a str,
        last_name: Option<&'a str>,
        language_code: Option<&'a str>,
        now: NaiveDateTime,
        minute_ago: NaiveDateTime,
    }
    "INSERT INTO users (id, username, first_name, last_name, language_code, created_at, updated_at, \
     burst_started_at, burst_count) VALUES (", id: BigInt;
    ", ", username: Nullable<Text>;
    ", ", first_name: Text;
    ", ", last_name: Nullable<Text>;
    ", ", language_code: Nullable<Text>;
    ", ", now: Timestamp;
    ", ", now: Timestamp;
    ", ", now: Timestamp;
    ", 1) ON CONFLICT (id) DO UPDATE SET username = excluded.username, \
     first_name = excluded.first_name, last_name = excluded.last_name, \
     language_code = excluded.language_code, updated_at = excluded.updated_at, blocked_bot_at = NULL, \
     burst_count = CASE WHEN users.burst_started_at IS NULL OR users.burst_started_at <= ", minute_ago: Timestamp;
    " THEN 1 ELSE users.burst_count + 1 END, \
     burst_started_at = CASE WHEN users.burst_started_at IS NULL OR users.burst_started_at <= ", minute_ago: Timestamp;
    " THEN excluded.updated_at ELSE users.burst_started_at END \
     RETURNING id, username, first_name, last_name, language_code, banned_at, created_at, updated_at, \
     ban_notified_at, blocked_bot_at, burst_started_at, burst_count, slowed_at, tickets_slowed_at";
}

/// Inserts the user or refreshes their profile (see `UpsertUser`).
pub async fn upsert(writer: &mut Writer, p: &UserProfile, now: NaiveDateTime) -> QueryResult<User> {
    let minute_ago = now - chrono::TimeDelta::minutes(1);
    let statement = UpsertUser {
        minute_ago,
        id: p.id,
        username: p.username.as_deref(),
        first_name: &p.first_name,
        last_name: p.last_name.as_deref(),
        language_code: p.language_code.as_deref(),
        now,
    };
    on_conn!(writer, |c| statement.get_result(c).await)
}

pub async fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<User>> {
    on_conn!(conn, |c| users::table.find(id).select(User::as_select()).first(c).await.optional())
}

/// Bans (`at` set) or unbans; either way the ban notice is due again.
/// Whether the user exists.
pub async fn set_banned(writer: &mut Writer, id: i64, at: Option<NaiveDateTime>) -> QueryResult<bool> {
    let changed = on_conn!(writer, |c| {
        diesel::update(users::table.find(id))
            .set((users::banned_at.eq(at), users::ban_notified_at.eq(None::<NaiveDateTime>)))
            .execute(c)
            .await
    })?;
    Ok(changed == 1)
}

pub async fn set_ban_notified(writer: &mut Writer, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(writer, |c| diesel::update(users::table.find(id)).set(users::ban_notified_at.eq(at)).execute(c).await)
}

/// Counts one more message (an edit) in the user's current minute, as the
/// upsert does for a message; the count.
pub async fn count_in_minute(writer: &mut Writer, id: i64, now: NaiveDateTime) -> QueryResult<i32> {
    let minute_ago = now - chrono::TimeDelta::minutes(1);
    let counted: Counted = on_conn!(writer, |c| CountInMinute { id, now, minute_ago }.get_result(c).await)?;
    Ok(counted.burst_count)
}

fixed_statement! {
    /// `UpsertUser`'s counting alone.
    CountInMinute { id: i64, now: NaiveDateTime, minute_ago: NaiveDateTime }
    "UPDATE users SET burst_count = CASE WHEN burst_started_at IS NULL OR burst_started_at <= ", minute_ago: Timestamp;
    " THEN 1 ELSE burst_count + 1 END, burst_started_at = CASE WHEN burst_started_at IS NULL OR burst_started_at <= ", minute_ago: Timestamp;
    " THEN ", now: Timestamp;
    " ELSE burst_started_at END WHERE id = ", id: BigInt;
    " RETURNING burst_count";
}

#[derive(diesel::QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    burst_count: i32,
}

/// The user was told to slow down: about their messages a minute, or
/// (`tickets`) about their tickets an hour.
pub async fn set_slowed(writer: &mut Writer, id: i64, tickets: bool, at: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        let user = diesel::update(users::table.find(id));
        match tickets {
            false => user.set(users::slowed_at.eq(at)).execute(c).await,
            true => user.set(users::tickets_slowed_at.eq(at)).execute(c).await,
        }
    })
}

/// Sending to the user answered 403: until they write again.
pub async fn set_blocked_bot(writer: &mut Writer, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    on_conn!(writer, |c| diesel::update(users::table.find(id)).set(users::blocked_bot_at.eq(at)).execute(c).await)
}

/// Takes the user's row lock (PostgreSQL) until the transaction ends, with
/// a no-op update: portable to SQLite, which has no `FOR UPDATE` and needs
/// none under `BEGIN IMMEDIATE`.
pub async fn lock(tx: &mut Tx, id: i64) -> QueryResult<usize> {
    on_conn!(tx, |c| diesel::update(users::table.find(id)).set(users::id.eq(users::id)).execute(c).await)
}
