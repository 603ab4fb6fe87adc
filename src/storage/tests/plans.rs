//! PostgreSQL keeps a connection's prepared statements, and after a few runs
//! their generic plans, for the connection's whole life. A plan made while
//! the tables were nearly empty must still find rows by index once they
//! hold tens of thousands, even with no statistics (autovacuum off, or not
//! yet run): otherwise every update and every delivery round reads whole
//! tables, and the bot slows down as its history grows.

use std::ops::Range;

use chrono::{Duration, NaiveDateTime};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use testdb::TestDb;

use crate::config::{DatabaseConfig, DatabaseUrl};
use crate::db::{Backed, Db, Tx, migrate};
use crate::storage::outbox::{Sent, SentTarget};
use crate::storage::{UserMessageOutcome, filing, inbox, outbox, response_clock, tickets};
use crate::testing::{naive, profile, user_text};

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

/// This transaction's reads of each table so far (counted until its
/// connection reports to the statistics, which never happens inside a
/// transaction).
async fn reads(tx: &mut Tx) -> Vec<Reads> {
    let Backed::Postgres(c) = tx.backed() else { unreachable!("a PostgreSQL test") };
    diesel::sql_query(
        "SELECT relname::text AS relname, seq_scan, seq_tup_read + coalesce(idx_tup_fetch, 0) AS rows_read \
         FROM pg_stat_xact_user_tables ORDER BY relname",
    )
    .load(c)
    .await
    .expect("statistics")
}

/// A batch of updates and a delivery round in `tx`, as the bot runs them:
/// each user's message filed (its card and relay queued), the queue
/// claimed, the tickets looked up and the sends recorded.
async fn updates_and_delivery(tx: &mut Tx, users: Range<i64>, now: NaiveDateTime) {
    let count = users.end - users.start;
    for user in users {
        let outcome =
            filing::user_message(tx, &profile(user), &user_text(user, 1, "help"), Default::default(), now.date(), now)
                .await;
        let UserMessageOutcome::Filed { ticket, message, .. } = outcome.expect("file") else { panic!("banned?") };
        let rows = [
            super::text_row(SUPPORT, "card", Some(ticket.id), None, now),
            super::text_row(SUPPORT, "relay", Some(ticket.id), Some(message.id), now),
        ];
        assert!(inbox::queue_and_ack(tx, &rows, &[], now).await.expect("queue"));
    }
    let rows = outbox::claim(tx, "worker", now, now + Duration::seconds(20), 100, 100).await.expect("claim");
    assert_eq!(rows.len() as i64, 2 * count, "every relay and card claimed");
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
    tickets::find_many(tx, &ids).await.expect("tickets");
    let sent: Vec<Sent> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| Sent {
            outbox_id: row.id,
            chat_id: row.chat_id,
            ticket_id: row.ticket_id,
            ticket_message_id: row.ticket_message_id,
            target: if row.ticket_message_id.is_some() { SentTarget::SupportCopy } else { SentTarget::Card },
            message_id: 1000 + i as i32,
        })
        .collect();
    let lapsed = outbox::record_sent(tx, &sent, "worker", now).await.expect("record");
    assert!(lapsed.is_empty(), "rows not recorded: {lapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statements_keep_index_plans_as_tables_grow() {
    let Some(test) = TestDb::postgres().await else { return };
    // One connection, so every round runs on the plans it has kept.
    let config = DatabaseConfig { pool_size: 1, ..DatabaseConfig::new(DatabaseUrl::parse(&test.url).unwrap()) };
    migrate::run_pending(&config).await.expect("migrate");
    let db = Db::pool_only(&config).await.expect("pool");
    // No statistics, whatever this server's autovacuum does: an ANALYZE
    // of the grown tables would re-plan the statements and hide the fault.
    test.sql(
        "ALTER TABLE users SET (autovacuum_enabled = false); \
         ALTER TABLE tickets SET (autovacuum_enabled = false); \
         ALTER TABLE ticket_messages SET (autovacuum_enabled = false); \
         ALTER TABLE outbox_messages SET (autovacuum_enabled = false); \
         ALTER TABLE inbox_updates SET (autovacuum_enabled = false);",
    )
    .await;
    let now = naive("2026-11-21T12:00:00Z");

    // Nearly empty tables: enough runs for each statement to settle on its
    // generic plan, which this connection then keeps.
    for round in 0..10 {
        let mut tx = db.begin().await.unwrap();
        updates_and_delivery(&mut tx, round * 10..round * 10 + 10, now).await;
        tx.commit().await.unwrap();
    }

    // A day's history arrives (by another connection): 20,000 users, each
    // with a closed ticket, its message and its sent relay.
    test.sql(
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
    let mut tx = db.begin().await.unwrap();
    let before = reads(&mut tx).await;
    updates_and_delivery(&mut tx, 100..110, now).await;
    let after = reads(&mut tx).await;
    tx.commit().await.unwrap();
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

/// On PostgreSQL the open-ticket lookup (every user message makes one) is
/// served by the partial unique index on open tickets, even under a generic
/// plan with no statistics (a new database, or autovacuum off): it must
/// never read every open ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_open_ticket_lookup_uses_the_open_ticket_index() {
    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }

    let Some(test) = TestDb::postgres().await else { return };
    let db = crate::testing::start(&test).await;
    for user in 1..=200 {
        super::file(&db, user, 1, "hi", "2026-11-21T12:00:00Z").await;
    }
    let query = tickets::OpenTicketOf { user_id: 1 };
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
    let sql = sql.split(" -- binds").next().unwrap();
    let mut conn = AsyncPgConnection::establish(&test.url).await.unwrap();
    conn.batch_execute(&format!("SET plan_cache_mode = force_generic_plan; PREPARE open_of(bigint) AS {sql}"))
        .await
        .unwrap();
    let plan: Vec<PlanLine> = diesel::sql_query("EXPLAIN EXECUTE open_of(1)").load(&mut conn).await.unwrap();
    let plan = plan.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n");
    assert!(plan.contains("tickets_one_open_per_user"), "the lookup does not use the open-ticket index:\n{plan}");
}

/// The response clock's checks run every few seconds on every replica:
/// with nothing due they must read next to nothing, however many tickets
/// wait or sit answered (each walks its partial index from the oldest
/// entry and stops at the first not due), under the generic plans a
/// connection keeps and with no statistics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_clock_checks_read_only_what_is_due() {
    let Some(test) = TestDb::postgres().await else { return };
    let config = DatabaseConfig { pool_size: 1, ..DatabaseConfig::new(DatabaseUrl::parse(&test.url).unwrap()) };
    migrate::run_pending(&config).await.expect("migrate");
    let db = Db::pool_only(&config).await.expect("pool");
    test.sql(
        "ALTER TABLE tickets SET (autovacuum_enabled = false); ALTER TABLE users SET (autovacuum_enabled = false);",
    )
    .await;
    let cutoff = naive("2026-11-21T09:00:00Z");
    let checks = async |tx: &mut Tx| {
        response_clock::due_reminders(tx, cutoff, 50).await.expect("reminders");
        response_clock::due_auto_close(tx, cutoff, 50).await.expect("auto-close");
    };
    for _ in 0..10 {
        let mut tx = db.begin().await.unwrap();
        checks(&mut tx).await;
        tx.commit().await.unwrap();
    }
    // 20,000 tickets waiting since after the cutoff, 20,000 answered after
    // it, 20,000 closed.
    test.sql(
        "INSERT INTO users (id, first_name, created_at, updated_at) \
         SELECT g, 'Many', now(), now() FROM generate_series(1, 60000) g; \
         INSERT INTO tickets (day, number, user_id, status, opened_at, waiting_since) \
         SELECT '2026-11-21', g, g, 'open', '2026-11-21 10:00', '2026-11-21 10:00' FROM generate_series(1, 20000) g; \
         INSERT INTO tickets (day, number, user_id, status, opened_at, last_response_at) \
         SELECT '2026-11-21', g, g, 'open', '2026-11-21 10:00', '2026-11-21 10:00' \
         FROM generate_series(20001, 40000) g; \
         INSERT INTO tickets (day, number, user_id, status, opened_at, closed_at, last_response_at) \
         SELECT '2026-11-20', g, g, 'closed', '2026-11-20 10:00', '2026-11-20 11:00', '2026-11-20 10:30' \
         FROM generate_series(40001, 60000) g;",
    )
    .await;
    let mut tx = db.begin().await.unwrap();
    let before = reads(&mut tx).await;
    checks(&mut tx).await;
    let after = reads(&mut tx).await;
    tx.commit().await.unwrap();
    let read: Vec<(&str, i64, i64)> = after
        .iter()
        .map(|a| {
            let b = before.iter().find(|b| b.relname == a.relname);
            let (scans, rows) = b.map_or((0, 0), |b| (b.seq_scan, b.rows_read));
            (a.relname.as_str(), a.seq_scan - scans, a.rows_read - rows)
        })
        .filter(|&(_, seq_scans, rows_read)| seq_scans > 0 || rows_read > 10)
        .collect();
    assert!(read.is_empty(), "(table, sequential scans, rows read) of a check with nothing due: {read:?}");
}
