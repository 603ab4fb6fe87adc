//! Canned replies: staff's named texts.

use chrono::NaiveDateTime;
use diesel::upsert::excluded;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, Queryable, Selectable, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::snippets;
use crate::db::{Conn, Writer};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = snippets)]
pub struct Snippet {
    pub name: String,
    pub body: String,
    pub updated_by: i64,
    pub updated_at: NaiveDateTime,
}

/// Saves `body` under `name`, replacing what was there.
pub async fn save(writer: &mut Writer, name: &str, body: &str, by: i64, now: NaiveDateTime) -> QueryResult<()> {
    on_conn!(writer, |c| {
        diesel::insert_into(snippets::table)
            .values((
                snippets::name.eq(name),
                snippets::body.eq(body),
                snippets::updated_by.eq(by),
                snippets::updated_at.eq(now),
            ))
            .on_conflict(snippets::name)
            .do_update()
            .set((
                snippets::body.eq(excluded(snippets::body)),
                snippets::updated_by.eq(excluded(snippets::updated_by)),
                snippets::updated_at.eq(excluded(snippets::updated_at)),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Deletes the snippet; false when there was none.
pub async fn delete(writer: &mut Writer, name: &str) -> QueryResult<bool> {
    let deleted = on_conn!(writer, |c| diesel::delete(snippets::table.find(name)).execute(c).await)?;
    Ok(deleted == 1)
}

pub async fn find(conn: &mut Conn, name: &str) -> QueryResult<Option<Snippet>> {
    on_conn!(conn, |c| snippets::table.find(name).select(Snippet::as_select()).first(c).await.optional())
}

/// Every snippet, by name.
pub async fn all(conn: &mut Conn) -> QueryResult<Vec<Snippet>> {
    on_conn!(conn, |c| snippets::table.order(snippets::name.asc()).select(Snippet::as_select()).load(c).await)
}
