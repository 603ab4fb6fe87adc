//! The finished days' figures that migration 000022 keeps (`stats_days`):
//! read with a period's figures, written one day at a time by
//! `desk::stats_kept`. Triggers clear a day's figures when what they hold
//! changes; the migration says how, and which days they watch.

use chrono::NaiveDate;
use diesel::sql_types::{Date, Nullable, Text};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use super::on_conn;
use super::schema::stats_days;
use crate::db::{Backed, Conn, Tx, Writer};

/// The days in `[first, last]` whose figures are kept for `zone`, in
/// order, with those figures (JSON).
pub async fn kept(
    conn: &mut Conn,
    zone: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, String)>> {
    let rows: Vec<(NaiveDate, Option<String>)> = on_conn!(conn, |c| {
        stats_days::table
            .filter(stats_days::day.ge(first))
            .filter(stats_days::day.le(last))
            .filter(stats_days::zone.eq(zone))
            .filter(stats_days::figures.is_not_null())
            .order(stats_days::day)
            .select((stats_days::day, stats_days::figures))
            .load(c)
            .await
    })?;
    Ok(rows.into_iter().filter_map(|(day, figures)| Some((day, figures?))).collect())
}

/// A day's row as `lock` finds it.
#[derive(Debug, QueryableByName)]
pub struct Held {
    #[diesel(sql_type = Text)]
    pub zone: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub figures: Option<String>,
}

/// Takes `day`'s row, writing it when missing, and holds its lock until
/// `tx` ends: a change to the day still in flight has written the row
/// (its trigger), so this waits for it, and one that comes later waits
/// for `tx` and then clears what it stored. `None` when the database's
/// clock says the day is not to be kept: only days from 45 to 3 days ago
/// (UTC) are, a day inside those the triggers watch (60 to 2).
pub async fn lock(tx: &mut Tx, day: NaiveDate) -> QueryResult<Option<Held>> {
    const POSTGRES: &str = "INSERT INTO stats_days (day) SELECT $1 \
         WHERE $1 BETWEEN (now() AT TIME ZONE 'UTC')::date - 45 AND (now() AT TIME ZONE 'UTC')::date - 3 \
         ON CONFLICT (day) DO UPDATE SET day = excluded.day RETURNING zone, figures";
    const SQLITE: &str = "INSERT INTO stats_days (day) SELECT $1 \
         WHERE $1 BETWEEN date('now', '-45 days') AND date('now', '-3 days') \
         ON CONFLICT (day) DO UPDATE SET day = excluded.day RETURNING zone, figures";
    match tx.backed() {
        Backed::Postgres(c) => diesel::sql_query(POSTGRES).bind::<Date, _>(day).get_result(c).await.optional(),
        Backed::Sqlite(c) => diesel::sql_query(SQLITE).bind::<Date, _>(day).get_result(c).await.optional(),
    }
}

/// Stores `day`'s figures for `zone`, its row locked by `lock` in `tx`.
pub async fn store(tx: &mut Tx, day: NaiveDate, zone: &str, figures: &str) -> QueryResult<()> {
    on_conn!(tx, |c| {
        diesel::update(stats_days::table.find(day))
            .set((stats_days::zone.eq(zone), stats_days::figures.eq(figures)))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Deletes the rows of days no period reaches any more (more than 60
/// days ago, UTC), which the triggers no longer watch.
pub async fn forget_old(writer: &mut Writer) -> QueryResult<usize> {
    let sql = match writer.backed() {
        Backed::Postgres(_) => "DELETE FROM stats_days WHERE day < (now() AT TIME ZONE 'UTC')::date - 60",
        Backed::Sqlite(_) => "DELETE FROM stats_days WHERE day < date('now', '-60 days')",
    };
    on_conn!(writer, |c| diesel::sql_query(sql).execute(c).await)
}
