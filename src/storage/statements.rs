//! Statements written as query types of their own, for both backends,
//! because diesel's builder marks them uncacheable: every `ON CONFLICT … DO
//! UPDATE` (and every `UPDATE`) is re-prepared on each call, which on
//! PostgreSQL costs a round trip. These keep one fixed SQL text, so each
//! connection prepares them once.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Nullable, Text, Timestamp, Untyped};

use crate::models::UserProfile;

/// `INSERT INTO users … ON CONFLICT (id) DO UPDATE … RETURNING *`: records
/// a user or refreshes their profile. A user who writes can be written to
/// again, so a "blocked the bot" mark is cleared. On PostgreSQL the conflict update
/// locks the row until the transaction ends.
pub struct UpsertUser<'a> {
    pub profile: &'a UserProfile,
    pub now: NaiveDateTime,
}

impl QueryId for UpsertUser<'_> {
    type QueryId = UpsertUser<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for UpsertUser<'_> {
    type SqlType = Untyped;
}

impl<DB> QueryFragment<DB> for UpsertUser<'_>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text> + HasSqlType<Timestamp>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let p = self.profile;
        out.push_sql(
            "INSERT INTO users (id, username, first_name, last_name, language_code, created_at, updated_at) VALUES (",
        );
        out.push_bind_param::<BigInt, _>(&p.id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&p.username)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&p.first_name)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&p.last_name)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&p.language_code)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(
            ") ON CONFLICT (id) DO UPDATE SET username = excluded.username, \
             first_name = excluded.first_name, last_name = excluded.last_name, \
             language_code = excluded.language_code, updated_at = excluded.updated_at, \
             blocked_bot_at = NULL \
             RETURNING id, username, first_name, last_name, language_code, banned_at, created_at, updated_at, ban_notified_at, blocked_bot_at",
        );
        Ok(())
    }
}
