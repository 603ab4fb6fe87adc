//! The data layer compiled for PostgreSQL.

pub type Conn = diesel_async::AsyncPgConnection;

/// A read-write transaction. READ COMMITTED is enough: the units lock what
/// they depend on (the user's row, the day's counter row) as they write it.
macro_rules! write_transaction {
    ($conn:expr, $body:expr) => {
        async {
            let (conn, body): (&mut Conn, _) = ($conn, $body);
            match $crate::storage::joins_open_transaction(conn) {
                true => body(conn).await,
                false => diesel_async::AsyncConnection::transaction(conn, body).await,
            }
        }
    };
}

/// Locks those of the outbox rows `ids` that no other transaction holds
/// (`FOR UPDATE SKIP LOCKED`): a claim never waits on a row being recorded
/// right now. Returns the ids locked.
pub async fn lock_unlocked(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    use crate::schema::outbox_messages;
    use diesel::{ExpressionMethods, QueryDsl};
    outbox_messages::table
        .filter(outbox_messages::id.eq_any(ids))
        .select(outbox_messages::id)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Claims queue here, one at a time (a transaction-scoped advisory lock):
/// each claim then sees every earlier one, so two workers never take rows
/// of one chat out of order.
pub async fn serialize_claims(conn: &mut Conn) -> QueryResult<()> {
    // 0x7462_0000_0000_0003: "ticketbot" lock space, beside the leadership
    // keys (db/leader.rs).
    diesel::sql_query("SELECT pg_advisory_xact_lock(8386265456117284867)").execute(conn).await.map(drop)
}

/// Marks a statement type of this file as having one fixed SQL text, so
/// each connection prepares it once (diesel caches by the type's id).
macro_rules! fixed_sql {
    ($name:ident) => {
        impl QueryId for $name<'_> {
            type QueryId = $name<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl Query for $name<'_> {
            type SqlType = Untyped;
        }
    };
}

// Loading one file as two modules is the point (see storage/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
pub mod queries;
#[allow(clippy::duplicate_mod)]
#[path = "units.rs"]
pub mod units;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamp, Untyped};
use diesel::{QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use crate::domain::TicketStatus;
use crate::models::{MessageDraft, Ticket, TicketMessage};

/// Numbers and inserts a new ticket with its first message in one
/// statement. The day's counter row stays locked from this statement to
/// COMMIT, and every ticket of the day queues on it: one round trip under
/// the lock instead of three lets concurrent tickets through faster. The
/// number still comes from one atomic upsert in the ticket's transaction.
///
/// A query type of its own rather than `sql_query`, because diesel never
/// caches a `sql_query`'s prepared statement: this one is prepared once per
/// connection.
struct OpenTicketQuery<'a> {
    day: NaiveDate,
    user_id: i64,
    now: NaiveDateTime,
    first: &'a MessageDraft,
}

fixed_sql!(OpenTicketQuery);

impl QueryFragment<Pg> for OpenTicketQuery<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH counter AS (INSERT INTO daily_ticket_counters (day, last_value) VALUES (");
        out.push_bind_param::<Date, _>(&self.day)?;
        out.push_sql(
            ", 1) ON CONFLICT (day) DO UPDATE SET last_value = daily_ticket_counters.last_value + 1 \
             RETURNING last_value), \
             ticket AS (INSERT INTO tickets (day, number, user_id, status, opened_at) SELECT ",
        );
        out.push_bind_param::<Date, _>(&self.day)?;
        out.push_sql(", last_value, ");
        out.push_bind_param::<BigInt, _>(&self.user_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&TicketStatus::Open)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" FROM counter RETURNING *), ");
        push_message_of_ticket(&mut out, self.first, &self.now)
    }
}

/// The end of a statement whose CTE `ticket` holds (at most) one ticket:
/// inserts `message` on it and returns the ticket with the message's id,
/// as an `OpenedRow`.
fn push_message_of_ticket<'b>(
    out: &mut AstPass<'_, 'b, Pg>,
    message: &'b MessageDraft,
    now: &'b NaiveDateTime,
) -> QueryResult<()> {
    out.push_sql(
        "message AS (INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, \
         user_message_id, support_chat_id, support_message_id, kind, text, created_at) SELECT id, ",
    );
    out.push_bind_param::<Text, _>(&message.direction)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&message.sender_id)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&message.user_chat_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Integer>, _>(&message.user_message_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(&message.support_chat_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Integer>, _>(&message.support_message_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&message.kind)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&message.text)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(now)?;
    out.push_sql(
        " FROM ticket RETURNING id AS message_id) \
         SELECT ticket.*, message.message_id FROM ticket, message",
    );
    Ok(())
}

/// Files a message on the user's open ticket, if they have one, in one
/// statement: the lookup (`OpenTicketOf`'s, by the open-ticket index) and
/// the insert. The caller holds the user's row lock, so the statement sees
/// every ticket change that committed before it.
struct AppendToOpenTicket<'a> {
    user_id: i64,
    now: NaiveDateTime,
    message: &'a MessageDraft,
}

fixed_sql!(AppendToOpenTicket);

impl QueryFragment<Pg> for AppendToOpenTicket<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH ticket AS (SELECT id, day, number, user_id, status, opened_at, closed_at, assignee_id, \
             first_response_at, support_message_id, support_thread_id FROM tickets \
             WHERE status = 'open' AND user_id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.user_id)?;
        out.push_sql("), ");
        push_message_of_ticket(&mut out, self.message, &self.now)
    }
}

#[derive(QueryableByName)]
struct OpenedRow {
    #[diesel(embed)]
    ticket: Ticket,
    #[diesel(sql_type = BigInt)]
    message_id: i64,
}

pub async fn open_ticket(
    conn: &mut Conn,
    day: NaiveDate,
    user_id: i64,
    first: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<(Ticket, TicketMessage)> {
    let row: OpenedRow = OpenTicketQuery { day, user_id, now, first }.get_result(conn).await?;
    Ok(row.filed(first, now))
}

/// Files `message` on the user's open ticket; `None` when they have none.
/// The caller holds the user's row lock (`queries::upsert_user`).
pub async fn append_to_open_ticket(
    conn: &mut Conn,
    user_id: i64,
    message: &MessageDraft,
    now: NaiveDateTime,
) -> QueryResult<Option<(Ticket, TicketMessage)>> {
    use diesel::OptionalExtension;
    let row: Option<OpenedRow> = AppendToOpenTicket { user_id, now, message }.get_result(conn).await.optional()?;
    Ok(row.map(|row| row.filed(message, now)))
}

impl OpenedRow {
    /// The ticket, and the message as inserted from `draft`.
    fn filed(self, draft: &MessageDraft, now: NaiveDateTime) -> (Ticket, TicketMessage) {
        let message = TicketMessage {
            id: self.message_id,
            ticket_id: self.ticket.id,
            direction: draft.direction,
            sender_id: draft.sender_id,
            user_chat_id: draft.user_chat_id,
            user_message_id: draft.user_message_id,
            support_chat_id: draft.support_chat_id,
            support_message_id: draft.support_message_id,
            kind: draft.kind,
            text: draft.text.clone(),
            created_at: now,
            edited_at: None,
        };
        (self.ticket, message)
    }
}

/// Records sent rows (`units::outbox_sent`) in one statement, atomic by
/// itself: each row is marked sent if `by` may (the fence of
/// `MarkOutboxSent`), and what each records is set. One statement may not
/// update a row twice, so the changes are gathered per ticket and per
/// message first, the latest row winning, as if recorded one by one.
/// Record targets are the codes of `outbound::Target`.
struct RecordSent<'a> {
    outbox_ids: Vec<i64>,
    message_ids: Vec<i32>,
    targets: Vec<i32>,
    ticket_ids: Vec<Option<i64>>,
    ticket_message_ids: Vec<Option<i64>>,
    chat_ids: Vec<i64>,
    by: &'a str,
    at: NaiveDateTime,
}

fixed_sql!(RecordSent);

impl QueryFragment<Pg> for RecordSent<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::Array;
        out.push_sql(
            "WITH sent (outbox_id, message_id, target, ticket_id, ticket_message_id, chat_id) AS \
             (SELECT * FROM unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(&self.outbox_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.message_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.targets)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_message_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.chat_ids)?;
        out.push_sql(")), marked AS (UPDATE outbox_messages o SET sent_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(
            ", sent_message_id = sent.message_id, attempts = o.attempts + 1 \
             FROM sent WHERE o.id = sent.outbox_id AND o.id = ANY(",
        );
        // The ids again, as a condition on the key: the rows are found by
        // it, never by reading every unsent row.
        out.push_bind_param::<Array<BigInt>, _>(&self.outbox_ids)?;
        out.push_sql(
            ") AND o.sent_at IS NULL AND o.failed_at IS NULL \
             AND (o.claimed_by = ",
        );
        out.push_bind_param::<Text, _>(&self.by)?;
        out.push_sql(" OR o.claimed_until IS NULL OR o.claimed_until <= ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(
            ") RETURNING o.id), \
             ticket_changes AS (SELECT ticket_id, \
             (array_agg(message_id ORDER BY outbox_id DESC) FILTER (WHERE target = 1))[1] AS card, \
             (array_agg(message_id ORDER BY outbox_id DESC) FILTER (WHERE target = 4))[1] AS topic \
             FROM sent WHERE target IN (1, 4) AND ticket_id IS NOT NULL GROUP BY ticket_id), \
             tickets_set AS (UPDATE tickets t SET \
             support_message_id = COALESCE(c.card, t.support_message_id), \
             support_thread_id = COALESCE(c.topic, t.support_thread_id) \
             FROM ticket_changes c WHERE t.id = c.ticket_id AND t.id = ANY(",
        );
        // As for the outbox rows: the tickets and messages are found by
        // their keys. Without these conditions a plan made without table
        // statistics joins by reading each table whole, on every batch.
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_ids)?;
        out.push_sql(
            ")), \
             message_changes AS (SELECT ticket_message_id, \
             (array_agg(message_id ORDER BY outbox_id DESC) FILTER (WHERE target = 2))[1] AS support_copy, \
             (array_agg(chat_id ORDER BY outbox_id DESC) FILTER (WHERE target = 2))[1] AS support_chat, \
             (array_agg(message_id ORDER BY outbox_id DESC) FILTER (WHERE target = 3))[1] AS user_copy \
             FROM sent WHERE target IN (2, 3) AND ticket_message_id IS NOT NULL GROUP BY ticket_message_id), \
             messages_set AS (UPDATE ticket_messages m SET \
             support_chat_id = COALESCE(c.support_chat, m.support_chat_id), \
             support_message_id = COALESCE(c.support_copy, m.support_message_id), \
             user_message_id = COALESCE(c.user_copy, m.user_message_id) \
             FROM message_changes c WHERE m.id = c.ticket_message_id AND m.id = ANY(",
        );
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_message_ids)?;
        out.push_sql(")) SELECT id FROM marked");
        Ok(())
    }
}

#[derive(QueryableByName)]
struct MarkedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Records sent rows (`units::outbox_sent`): one statement, one round trip,
/// however many rows.
pub async fn record_sent(
    conn: &mut Conn,
    sent: &[crate::telegram::outbound::Sent],
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    let query = RecordSent {
        outbox_ids: sent.iter().map(|s| s.outbox_id).collect(),
        message_ids: sent.iter().map(|s| s.message_id).collect(),
        targets: sent.iter().map(|s| s.record.target() as i32).collect(),
        ticket_ids: sent.iter().map(|s| s.ticket_id).collect(),
        ticket_message_ids: sent.iter().map(|s| s.ticket_message_id).collect(),
        chat_ids: sent.iter().map(|s| s.chat_id).collect(),
        by,
        at: now,
    };
    let marked: std::collections::HashSet<i64> =
        query.load::<MarkedRow>(conn).await?.into_iter().map(|r| r.id).collect();
    Ok(sent.iter().map(|s| s.outbox_id).filter(|id| !marked.contains(id)).collect())
}

/// Stores fetched updates in one statement, whatever their number;
/// redeliveries are dropped.
struct StoreInbox<'a> {
    update_ids: Vec<i64>,
    chat_ids: Vec<Option<i64>>,
    payloads: Vec<&'a str>,
    received_ats: Vec<NaiveDateTime>,
}

fixed_sql!(StoreInbox);

impl QueryFragment<Pg> for StoreInbox<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::Array;
        out.push_sql("INSERT INTO inbox_updates (update_id, chat_id, payload, received_at) SELECT * FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.update_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.chat_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.payloads)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.received_ats)?;
        out.push_sql(") ON CONFLICT DO NOTHING");
        Ok(())
    }
}

/// Stores fetched updates (`units::store_updates`): one statement, atomic
/// by itself. Returns how many were new.
pub async fn store_inbox(conn: &mut Conn, rows: &[crate::models::NewInboxUpdate<'_>]) -> QueryResult<usize> {
    StoreInbox {
        update_ids: rows.iter().map(|r| r.update_id).collect(),
        chat_ids: rows.iter().map(|r| r.chat_id).collect(),
        payloads: rows.iter().map(|r| r.payload).collect(),
        received_ats: rows.iter().map(|r| r.received_at).collect(),
    }
    .execute(conn)
    .await
}

/// Queues outbox rows, in order, and marks the updates `acks` handled, in
/// one statement (`units::finish`, `Batch::flush`): one round trip for
/// whatever an update, or a whole batch of them, leaves to send. The rows
/// take their ids (their place in their chat's queue) in the order given.
struct QueueAndAck<'a> {
    chat_ids: Vec<i64>,
    payloads: Vec<&'a str>,
    ticket_ids: Vec<Option<i64>>,
    ticket_message_ids: Vec<Option<i64>>,
    not_befores: Vec<NaiveDateTime>,
    acks: &'a [i64],
    now: NaiveDateTime,
}

fixed_sql!(QueueAndAck);

impl QueryFragment<Pg> for QueueAndAck<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::Array;
        out.push_sql(
            "WITH queued AS (INSERT INTO outbox_messages \
             (chat_id, payload, ticket_id, ticket_message_id, created_at, not_before) \
             SELECT chat_id, payload, ticket_id, ticket_message_id, ",
        );
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", not_before FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.chat_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.payloads)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.ticket_message_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.not_befores)?;
        out.push_sql(
            ") WITH ORDINALITY AS r (chat_id, payload, ticket_id, ticket_message_id, not_before, position) \
             ORDER BY position), \
             acked AS (UPDATE inbox_updates SET processed_at = ",
        );
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", error = NULL WHERE update_id = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.acks)?;
        out.push_sql(")");
        out.push_sql(" AND processed_at IS NULL RETURNING 1) SELECT count(*) AS acked FROM acked");
        Ok(())
    }
}

#[derive(QueryableByName)]
struct AckedRow {
    #[diesel(sql_type = BigInt)]
    acked: i64,
}

/// Queues outbox rows and marks the updates `acks` handled
/// (`units::finish`, `Batch::flush`) in one statement. `false` when one of
/// them was handled already.
pub async fn queue_and_ack(
    conn: &mut Conn,
    rows: &[crate::models::NewOutboxRow],
    acks: &[i64],
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if rows.is_empty() && acks.is_empty() {
        return Ok(true);
    }
    let query = QueueAndAck {
        chat_ids: rows.iter().map(|r| r.chat_id).collect(),
        payloads: rows.iter().map(|r| r.payload.as_str()).collect(),
        ticket_ids: rows.iter().map(|r| r.ticket_id).collect(),
        ticket_message_ids: rows.iter().map(|r| r.ticket_message_id).collect(),
        not_befores: rows.iter().map(|r| r.not_before).collect(),
        acks,
        now,
    };
    let acked = query.get_result::<AckedRow>(conn).await?.acked;
    Ok(acked == acks.len() as i64)
}
