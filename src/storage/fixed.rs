//! Statements with one fixed SQL text, prepared once per connection.
//!
//! diesel marks every `UPDATE` and `ON CONFLICT … DO UPDATE` it builds as
//! uncacheable, and never caches a `sql_query`: each call is prepared
//! again, which on PostgreSQL costs a round trip. A query type of our own
//! with a static query id is prepared once per connection instead.

/// Declares a statement for both backends from its SQL, split at its bind
/// parameters: `"UPDATE t SET a = ", a: Integer; " WHERE id = ", id: BigInt`.
macro_rules! fixed_statement {
    (@impl [$($ty:tt)*] [$($id:tt)*] $($sql:literal $(, $bind:ident: $sql_type:ty)?);*) => {
        impl diesel::query_builder::QueryId for $($ty)* {
            type QueryId = $($id)*;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::query_builder::Query for $($ty)* {
            type SqlType = diesel::sql_types::Untyped;
        }

        impl<DB> diesel::query_builder::QueryFragment<DB> for $($ty)*
        where
            DB: diesel::backend::Backend
                + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>
                + diesel::sql_types::HasSqlType<diesel::sql_types::Integer>
                + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
                + diesel::sql_types::HasSqlType<diesel::sql_types::Timestamp>,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
            i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
            chrono::NaiveDateTime: diesel::serialize::ToSql<diesel::sql_types::Timestamp, DB>,
        {
            fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
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
        pub(crate) struct $name<$life> {
            $(pub $field: $rust,)*
        }
        $crate::storage::fixed::fixed_statement!(@impl [$name<'_>] [$name<'static>] $($sql $(, $bind: $sql_type)?);*);
    };
    (
        $(#[$doc:meta])*
        $name:ident { $($field:ident: $rust:ty),* $(,)? }
        $($sql:literal $(, $bind:ident: $sql_type:ty)?);* $(;)?
    ) => {
        $(#[$doc])*
        pub(crate) struct $name {
            $(pub $field: $rust,)*
        }
        $crate::storage::fixed::fixed_statement!(@impl [$name] [$name] $($sql $(, $bind: $sql_type)?);*);
    };
}
pub(crate) use fixed_statement;

/// Marks a PostgreSQL-only statement type (its `QueryFragment<Pg>` written
/// by hand) as having one fixed SQL text.
macro_rules! fixed_pg_sql {
    ($name:ident) => {
        impl diesel::query_builder::QueryId for $name<'_> {
            type QueryId = $name<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::query_builder::Query for $name<'_> {
            type SqlType = diesel::sql_types::Untyped;
        }
    };
}
pub(crate) use fixed_pg_sql;
