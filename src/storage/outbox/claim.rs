//! Claims: what a delivery worker takes before sending, for a short lease.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::{ExpressionMethods, QueryDsl, QueryResult, QueryableByName, SelectableHelper};
use diesel_async::RunQueryDsl;

use super::super::fixed::fixed_statement;
use super::super::on_conn;
use super::super::rows::OutboxRow;
use super::super::schema::outbox_messages;
use crate::db::{Backed, Tx, Writer};

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

#[derive(QueryableByName)]
struct Claimable {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
}

/// Claims for `by`, until `until`, what may be sent now without breaking
/// any chat's order (see `ClaimableRuns`), and returns those rows oldest
/// first.
///
/// Claims queue one at a time (PostgreSQL: a transaction-scoped advisory
/// lock; SQLite: its write lock), so each sees every earlier one and two
/// workers never take rows of one chat out of order. A row another
/// transaction has locked (a background batch recording it right now) is
/// skipped rather than waited for (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and so is the rest
/// of its chat's run: a skipped row must not be overtaken.
pub async fn claim(
    tx: &mut Tx,
    by: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    run: i64,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    if let Backed::Postgres(c) = tx.backed() {
        // 0x7462_0000_0000_0003: "ticketbot" lock space, beside the
        // leadership keys (db/leader.rs).
        diesel::sql_query("SELECT pg_advisory_xact_lock(8386265456117284867)").execute(c).await?;
    }
    let candidates = on_conn!(tx, |c| ClaimableRuns { by, now, run, limit }.load::<Claimable>(c).await)?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let locked: HashSet<i64> = match tx.backed() {
        Backed::Postgres(c) => outbox_messages::table
            .filter(outbox_messages::id.eq_any(&ids))
            .select(outbox_messages::id)
            .for_update()
            .skip_locked()
            .load::<i64>(c)
            .await?
            .into_iter()
            .collect(),
        // No row locks: BEGIN IMMEDIATE already keeps every other writer out.
        Backed::Sqlite(_) => ids.iter().copied().collect(),
    };
    // A chat's run ends at its first row that could not be locked.
    let mut cut = HashSet::new();
    let mut claimed = Vec::with_capacity(candidates.len());
    for candidate in &candidates {
        if cut.contains(&candidate.chat_id) {
            continue;
        }
        if locked.contains(&candidate.id) {
            claimed.push(candidate.id);
        } else {
            cut.insert(candidate.chat_id);
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    on_conn!(tx, |c| {
        diesel::update(outbox_messages::table.filter(outbox_messages::id.eq_any(&claimed)))
            .set((outbox_messages::claimed_by.eq(by), outbox_messages::claimed_until.eq(until)))
            .execute(c)
            .await
    })?;
    on_conn!(tx, |c| {
        outbox_messages::table
            .filter(outbox_messages::id.eq_any(&claimed))
            .order(outbox_messages::id.asc())
            .select(OutboxRow::as_select())
            .load(c)
            .await
    })
}

/// Gives back every row `by` claims, so a worker taking over need not wait
/// for the lease to run out.
/// Frees every waiting row another claimant holds: called by a worker that
/// has just become the only sender (the delivery role's lock), so the one
/// before it, dead or cut off, has stopped sending. Without this, a killed
/// sender's rows would wait out their whole lease.
pub async fn release_others(writer: &mut Writer, by: &str) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(outbox_messages::table)
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::failed_at.is_null())
            .filter(outbox_messages::claimed_by.is_not_null())
            .filter(outbox_messages::claimed_by.ne(by))
            .set((
                outbox_messages::claimed_by.eq(None::<String>),
                outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c)
            .await
    })
}

pub async fn release(writer: &mut Writer, by: &str) -> QueryResult<usize> {
    on_conn!(writer, |c| {
        diesel::update(outbox_messages::table)
            .filter(outbox_messages::claimed_by.eq(by))
            .set((
                outbox_messages::claimed_by.eq(None::<String>),
                outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c)
            .await
    })
}
