//! PostgreSQL keeps a connection's prepared statements, and after a few runs
//! their generic plans, for the connection's whole life. A plan made while
//! the tables were nearly empty must still find rows by index once they
//! hold tens of thousands, even with no statistics (autovacuum off, or not
//! yet run): otherwise every update and every delivery round reads whole
//! tables, and the bot slows down as its history grows.

use std::ops::Range;

use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use ticketbot::db::Db;
use ticketbot::storage::outcome::{Effects, UserMessageOutcome};
use ticketbot::storage::pg::{Conn, queries, units};
use ticketbot::telegram::outbound::{OutboxDraft, Record, Sent};

use crate::support::{TestDb, at, profile, user_text};

const SUPPORT: i64 = -100;

/// How a table was read: scans that read it whole, and rows read.
#[derive(QueryableByName, Debug, PartialEq)]
struct Reads {
    #[diesel(sql_type = Text)]
    relname: String,
    #[diesel(sql_type = BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = BigInt)]
    rows_read: i64,
}

/// This connection's reads of each table so far, counted since its last
/// report to the statistics (which never happens inside a transaction).
async fn reads(conn: &mut Conn) -> diesel::QueryResult<Vec<Reads>> {
    diesel::sql_query(
        "SELECT relname::text AS relname, seq_scan, seq_tup_read + coalesce(idx_tup_fetch, 0) AS rows_read \
         FROM pg_stat_xact_user_tables ORDER BY relname",
    )
    .load(conn)
    .await
}

/// A batch of updates and a delivery round on `conn`, as the bot runs
/// them: each user's message filed (its relay queued), the queue claimed,
/// the tickets looked up and the sends recorded.
async fn updates_and_delivery(conn: &mut Conn, users: Range<i64>, now: NaiveDateTime) -> diesel::QueryResult<()> {
    let plan = |outcome: &UserMessageOutcome| match outcome {
        UserMessageOutcome::Filed { ticket, message, .. } => {
            let copy = OutboxDraft::text(SUPPORT, "relay".into()).for_ticket(ticket.id).for_message(message.id);
            vec![OutboxDraft::text(SUPPORT, "card".into()).for_ticket(ticket.id), copy]
        }
        UserMessageOutcome::Banned { .. } => Vec::new(),
    };
    let count = users.end - users.start;
    for user in users {
        let effects = Effects { ack: None, plan: &plan };
        units::file_user_message(conn, &profile(user), &user_text(user, 1, "help"), now.date(), now, &effects).await?;
    }
    let rows = units::claim_outbox(conn, "worker", now, now + Duration::seconds(20), 100, 100).await?;
    assert_eq!(rows.len() as i64, 2 * count, "every relay and card claimed");
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
    queries::find_tickets(conn, &ids).await?;
    let sent: Vec<Sent> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let record = if row.ticket_message_id.is_some() { Record::SupportCopy } else { Record::TicketCard };
            Sent::of(row, record, 1000 + i as i32)
        })
        .collect();
    let lapsed = units::outbox_sent(conn, &sent, "worker", now).await?;
    assert!(lapsed.is_empty(), "rows not recorded: {lapsed:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statements_keep_index_plans_as_tables_grow() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    // No statistics, whatever this server's autovacuum does: an ANALYZE
    // of the grown tables would re-plan the statements and hide the fault.
    TestDb::execute(
        &db,
        "ALTER TABLE users SET (autovacuum_enabled = false); \
         ALTER TABLE tickets SET (autovacuum_enabled = false); \
         ALTER TABLE ticket_messages SET (autovacuum_enabled = false); \
         ALTER TABLE outbox_messages SET (autovacuum_enabled = false); \
         ALTER TABLE inbox_updates SET (autovacuum_enabled = false);",
    )
    .await;
    let Db::Postgres(pool) = service.db() else { unreachable!("a PostgreSQL test database") };
    let mut conn = pool.get().await.expect("connection");
    let now = at("2026-11-21T12:00:00Z").naive_utc();

    // Nearly empty tables: enough runs for each statement to settle on its
    // generic plan, which this connection then keeps.
    for round in 0..10 {
        updates_and_delivery(&mut conn, round * 10..round * 10 + 10, now).await.expect("round on empty tables");
    }

    // A day's history arrives (by another connection): 20,000 users, each
    // with a closed ticket, its message and its sent relay.
    TestDb::execute(
        &db,
        "INSERT INTO users (id, first_name, created_at, updated_at) \
         SELECT 100000 + g, 'Many', now(), now() FROM generate_series(1, 20000) g; \
         INSERT INTO tickets (day, number, user_id, status, opened_at, closed_at) \
         SELECT '2026-11-20', g, 100000 + g, 'closed', now(), now() FROM generate_series(1, 20000) g; \
         INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
         SELECT id, 'from_user', user_id, user_id, 'text', 'hi', now() FROM tickets WHERE day = '2026-11-20'; \
         INSERT INTO outbox_messages (chat_id, payload, ticket_id, created_at, not_before, attempts, sent_at) \
         SELECT -100, '{}', id, now(), now(), 1, now() FROM tickets WHERE day = '2026-11-20';",
    )
    .await;

    // A round touches some 40 rows. Reading a table whole, by a sequential
    // scan or by walking a whole index, reads 20,000.
    let (before, after) = conn
        .transaction(async |conn| -> diesel::QueryResult<_> {
            let before = reads(conn).await?;
            updates_and_delivery(conn, 100..110, now).await?;
            Ok((before, reads(conn).await?))
        })
        .await
        .expect("round on grown tables");
    let read_much: Vec<(&str, i64, i64)> = after
        .iter()
        .map(|a| {
            let b = before.iter().find(|b| b.relname == a.relname);
            let (scans, rows) = b.map_or((0, 0), |b| (b.seq_scan, b.rows_read));
            (a.relname.as_str(), a.seq_scan - scans, a.rows_read - rows)
        })
        .filter(|&(_, seq_scans, rows_read)| seq_scans > 0 || rows_read > 1000)
        .collect();
    assert!(read_much.is_empty(), "(table, sequential scans, rows read) of a round on grown tables: {read_much:?}");
}
