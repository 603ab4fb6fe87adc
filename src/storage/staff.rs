//! Staff: who answered or was assigned a ticket, and who is an admin.

use chrono::NaiveDateTime;
use diesel::upsert::excluded;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::rows::Staff;
use super::schema::staff;
use crate::db::{Conn, Tx, Writer};

/// Records a staff member or refreshes their name; `is_admin` is kept.
pub async fn upsert(writer: &mut Writer, member: &Staff) -> QueryResult<Staff> {
    on_conn!(writer, |c| {
        diesel::insert_into(staff::table)
            .values(member)
            .on_conflict(staff::user_id)
            .do_update()
            .set((staff::username.eq(excluded(staff::username)), staff::display_name.eq(excluded(staff::display_name))))
            .returning(Staff::as_returning())
            .get_result(c)
            .await
    })
}

pub async fn find(conn: &mut Conn, user_id: i64) -> QueryResult<Option<Staff>> {
    on_conn!(conn, |c| staff::table.find(user_id).select(Staff::as_select()).first(c).await.optional())
}

/// Several staff members at once, by user id.
pub async fn find_many(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<Staff>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_conn!(conn, |c| staff::table.filter(staff::user_id.eq_any(ids)).select(Staff::as_select()).load(c).await)
}

/// Staff by @username, case-insensitively (Telegram usernames are).
pub async fn find_by_username(conn: &mut Conn, username: &str) -> QueryResult<Option<Staff>> {
    let wanted = username.trim_start_matches('@').to_lowercase();
    let all: Vec<Staff> = on_conn!(conn, |c| {
        staff::table.filter(staff::username.is_not_null()).select(Staff::as_select()).load(c).await
    })?;
    Ok(all.into_iter().find(|s| s.username.as_deref().is_some_and(|u| u.to_lowercase() == wanted)))
}

/// Every staff member who is a person (an API token's stand-in, whose id
/// is negative, is not), by name: whom a ticket can be assigned to.
pub async fn people(conn: &mut Conn) -> QueryResult<Vec<Staff>> {
    on_conn!(conn, |c| {
        staff::table
            .filter(staff::user_id.gt(0))
            .order((staff::display_name.asc(), staff::user_id.asc()))
            .select(Staff::as_select())
            .load(c)
            .await
    })
}

/// Makes these users admins, but only while the staff table is empty: the
/// bootstrap of a fresh install (`ADMIN_IDS`), never an override of later
/// choices. How many were added.
pub async fn seed_admins(tx: &mut Tx, ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    let count: i64 = on_conn!(tx, |c| staff::table.count().get_result(c).await)?;
    if count > 0 {
        return Ok(0);
    }
    for &user_id in ids {
        let admin = Staff {
            user_id,
            username: None,
            display_name: format!("admin {user_id}"),
            is_admin: true,
            created_at: now,
        };
        upsert(tx, &admin).await?;
    }
    Ok(ids.len())
}
