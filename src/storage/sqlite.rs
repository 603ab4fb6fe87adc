//! The data layer compiled for SQLite.

pub type Conn = crate::db::SqliteConn;

/// A read-write transaction: `BEGIN IMMEDIATE` takes the write lock up front,
/// because a deferred transaction that reads and then writes fails with
/// "database is locked" when another writer got there first, and
/// busy_timeout cannot save it.
macro_rules! write_transaction {
    ($conn:expr, $body:expr) => {
        async {
            let (conn, body): (&mut Conn, _) = ($conn, $body);
            match $crate::storage::joins_open_transaction(conn) {
                true => body(conn).await,
                false => $crate::storage::sqlite::immediate_transaction(conn, body).await,
            }
        }
    };
}

/// `BEGIN IMMEDIATE`, `body`, then COMMIT (ROLLBACK when `body` fails).
/// diesel-async has this only for its default, thread-pool runtime; ours
/// runs statements inline (db/sqlite_inline.rs).
pub async fn immediate_transaction<R, F>(conn: &mut Conn, body: F) -> QueryResult<R>
where
    F: AsyncFnOnce(&mut Conn) -> QueryResult<R>,
{
    use diesel_async::{AsyncConnection, TransactionManager};
    type Manager = <Conn as AsyncConnection>::TransactionManager;
    conn.spawn_blocking(|c| diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"))
        .await?;
    match body(conn).await {
        Ok(value) => {
            Manager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(e) => {
            Manager::rollback_transaction(conn).await?;
            Err(e)
        }
    }
}

/// SQLite has no row locks: `BEGIN IMMEDIATE` already keeps every other
/// writer out while the outbox is claimed, so every row is free.
pub async fn lock_unlocked(_conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    Ok(ids.to_vec())
}

/// Claims are serialised by the write transaction itself.
pub async fn serialize_claims(_conn: &mut Conn) -> QueryResult<()> {
    Ok(())
}

// Loading one file as two modules is the point (see storage/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
pub mod queries;
#[allow(clippy::duplicate_mod)]
#[path = "units.rs"]
pub mod units;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::domain::TicketStatus;
use crate::models::{MessageDraft, NewTicket, NewTicketMessage, Ticket, TicketMessage};

/// Numbers and inserts a new ticket with its first message. SQLite holds
/// the database's write lock for the whole transaction anyway, so three
/// plain statements cost nothing extra here (compare the PostgreSQL twin).
pub async fn open_ticket(
    conn: &mut Conn,
    day: NaiveDate,
    user_id: i64,
    first: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<(Ticket, TicketMessage)> {
    let number = queries::next_daily_number(conn, day).await?;
    let new = NewTicket { day, number, user_id, status: TicketStatus::Open, opened_at: now };
    let ticket = queries::insert_ticket(conn, &new).await?;
    let message = queries::insert_message(conn, &NewTicketMessage::from_draft(ticket.id, first, now)).await?;
    Ok((ticket, message))
}

/// Stores fetched updates (`units::store_updates`), a statement each in
/// one transaction. Returns how many were new.
pub async fn store_inbox(conn: &mut Conn, rows: &[crate::models::NewInboxUpdate<'_>]) -> QueryResult<usize> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<usize> {
        let mut stored = 0;
        for row in rows {
            stored += queries::insert_inbox(conn, row).await?;
        }
        Ok(stored)
    })
    .await
}

/// Files `message` on the user's open ticket; `None` when they have none.
/// Two statements: here they cost microseconds (compare the PostgreSQL
/// twin).
pub async fn append_to_open_ticket(
    conn: &mut Conn,
    user_id: i64,
    message: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<Option<(Ticket, TicketMessage)>> {
    let Some(ticket) = queries::open_ticket_of(conn, user_id).await? else {
        return Ok(None);
    };
    let message = queries::insert_message(conn, &NewTicketMessage::from_draft(ticket.id, message, now)).await?;
    Ok(Some((ticket, message)))
}

/// Records sent rows (`units::outbox_sent`) one statement at a time in one
/// transaction: statements cost microseconds here, a commit costs a sync.
pub async fn record_sent(
    conn: &mut Conn,
    sent: &[crate::telegram::outbound::Sent],
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    write_transaction!(conn, async |conn: &mut Conn| -> QueryResult<Vec<i64>> {
        let mut lapsed = Vec::new();
        for s in sent {
            if queries::outbox_mark_sent(conn, s.outbox_id, by, s.message_id, now).await? == 0 {
                lapsed.push(s.outbox_id);
            }
            use crate::telegram::outbound::Target;
            match (s.record.target(), s.ticket_id, s.ticket_message_id) {
                (Target::Card, Some(ticket), _) => queries::set_ticket_card(conn, ticket, s.message_id).await?,
                (Target::SupportCopy, _, Some(message)) => {
                    queries::set_support_copy(conn, message, s.chat_id, s.message_id).await?
                }
                (Target::UserCopy, _, Some(message)) => queries::set_user_copy(conn, message, s.message_id).await?,
                (Target::Topic, Some(ticket), _) => queries::set_ticket_topic(conn, ticket, Some(s.message_id)).await?,
                _ => 0,
            };
        }
        Ok(lapsed)
    })
    .await
}

/// Queues outbox rows and marks the updates `acks` handled
/// (`units::finish`, `Batch::flush`), a statement each. `false` when one
/// of them was handled already.
pub async fn queue_and_ack(
    conn: &mut Conn,
    rows: &[crate::models::NewOutboxRow],
    acks: &[i64],
    now: NaiveDateTime,
) -> QueryResult<bool> {
    for row in rows {
        queries::insert_outbox(conn, row).await?;
    }
    let mut all = true;
    for &update_id in acks {
        all &= queries::mark_inbox_done(conn, update_id, now, None).await? == 1;
    }
    Ok(all)
}
