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
use diesel::sql_types::{BigInt, HasSqlType, Integer, Nullable, Text, Timestamp, Untyped};

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

/// Declares a statement with one fixed SQL text (so each connection
/// prepares it once) from its SQL, split at its bind parameters:
/// `"UPDATE t SET a = ", a: Integer, " WHERE id = ", id: BigInt`.
macro_rules! fixed_statement {
    (@impl [$($ty:tt)*] [$($id:tt)*] $($sql:literal $(, $bind:ident: $sql_type:ty)?);*) => {
        impl QueryId for $($ty)* {
            type QueryId = $($id)*;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl Query for $($ty)* {
            type SqlType = Untyped;
        }

        impl<DB> QueryFragment<DB> for $($ty)*
        where
            DB: Backend + HasSqlType<BigInt> + HasSqlType<Integer> + HasSqlType<Text> + HasSqlType<Timestamp>,
            i64: ToSql<BigInt, DB>,
            i32: ToSql<Integer, DB>,
            str: ToSql<Text, DB>,
            NaiveDateTime: ToSql<Timestamp, DB>,
        {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                $(
                    out.push_sql($sql);
                    $(out.push_bind_param::<$sql_type, _>(&self.$bind)?;)?
                )*
                Ok(())
            }
        }
    };
    (
        $(#[$doc:meta])*
        $name:ident<$life:lifetime> { $($field:ident: $rust:ty),* $(,)? }
        $($sql:literal $(, $bind:ident: $sql_type:ty)?);* $(;)?
    ) => {
        $(#[$doc])*
        pub struct $name<$life> {
            $(pub $field: $rust,)*
        }
        fixed_statement!(@impl [$name<'_>] [$name<'static>] $($sql $(, $bind: $sql_type)?);*);
    };
    (
        $(#[$doc:meta])*
        $name:ident { $($field:ident: $rust:ty),* $(,)? }
        $($sql:literal $(, $bind:ident: $sql_type:ty)?);* $(;)?
    ) => {
        $(#[$doc])*
        pub struct $name {
            $(pub $field: $rust,)*
        }
        fixed_statement!(@impl [$name] [$name] $($sql $(, $bind: $sql_type)?);*);
    };
}

fixed_statement! {
    /// Marks an update handled (with why, if it could not be); affects no
    /// row when it was handled already.
    MarkInboxDone<'a> { update_id: i64, at: NaiveDateTime, error: Option<&'a str> }
    "UPDATE inbox_updates SET processed_at = ", at: Timestamp;
    ", error = ", error: Nullable<Text>;
    " WHERE update_id = ", update_id: BigInt;
    " AND processed_at IS NULL";
}

fixed_statement! {
    /// Records an outbox row as sent, if `by` may: the row is unsent and
    /// nobody else's claim on it holds.
    MarkOutboxSent<'a> { id: i64, by: &'a str, message_id: i32, at: NaiveDateTime }
    "UPDATE outbox_messages SET sent_at = ", at: Timestamp;
    ", sent_message_id = ", message_id: Integer;
    ", attempts = attempts + 1 WHERE id = ", id: BigInt;
    " AND sent_at IS NULL AND failed_at IS NULL AND (claimed_by = ", by: Text;
    " OR claimed_until IS NULL OR claimed_until <= ", at: Timestamp;
    ")";
}

fixed_statement! {
    /// What the delivery worker `by` may claim now: of every chat, the run
    /// of unsent rows from its oldest on, up to `run` rows and up to the
    /// first row that is not due or that another worker holds (a chat's
    /// order must hold, so nothing after such a row goes). At most `limit`
    /// rows in all, oldest first, as (id, chat). `stuck_before` counts,
    /// along each chat's queue, the rows that cannot go now: a row may go
    /// only while it is still zero.
    ClaimableRuns<'a> { by: &'a str, now: NaiveDateTime, run: i64, limit: i64 }
    "SELECT id, chat_id FROM (SELECT id, chat_id, \
     ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY id) AS pos, \
     SUM(CASE WHEN not_before > ", now: Timestamp;
    " OR (claimed_until > ", now: Timestamp;
    " AND COALESCE(claimed_by, '') <> ", by: Text;
    ") THEN 1 ELSE 0 END) OVER (PARTITION BY chat_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS stuck_before \
     FROM outbox_messages WHERE sent_at IS NULL AND failed_at IS NULL) runs \
     WHERE stuck_before = 0 AND pos <= ", run: BigInt;
    " ORDER BY id LIMIT ", limit: BigInt;
}

fixed_statement! {
    /// Records where a ticket message was shown to staff.
    SetSupportCopy { id: i64, chat_id: i64, message_id: i32 }
    "UPDATE ticket_messages SET support_chat_id = ", chat_id: BigInt;
    ", support_message_id = ", message_id: Integer;
    " WHERE id = ", id: BigInt;
}

fixed_statement! {
    /// Records a ticket's card in the support chat.
    SetTicketCard { ticket_id: i64, message_id: i32 }
    "UPDATE tickets SET support_message_id = ", message_id: Integer;
    " WHERE id = ", ticket_id: BigInt;
}

fixed_statement! {
    /// Records where a staff answer reached the user.
    SetUserCopy { id: i64, message_id: i32 }
    "UPDATE ticket_messages SET user_message_id = ", message_id: Integer;
    " WHERE id = ", id: BigInt;
}

fixed_statement! {
    /// The user's open ticket. `'open'` is written into the SQL, not bound:
    /// only then can the planner use the partial unique index on open
    /// tickets (`tickets_one_open_per_user`), one row whatever the table
    /// holds. With the status bound and no statistics (a new database, or
    /// autovacuum off), PostgreSQL's generic plan read every open ticket.
    OpenTicketOf { user_id: i64 }
    "SELECT id, day, number, user_id, status, opened_at, closed_at, assignee_id, first_response_at, \
     support_message_id, support_thread_id FROM tickets WHERE status = 'open' AND user_id = ", user_id: BigInt;
}
