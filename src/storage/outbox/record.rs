//! Recording sent rows: each marked sent while its claim is the worker's,
//! and what each one's message is set where it belongs (a ticket's card or
//! topic, a message's copy), so replies to it can be routed.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamp};
use diesel::{QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use super::super::fixed::{fixed_pg_sql, fixed_statement};
use super::super::{messages, on_conn, tickets};
use crate::db::{Backed, Tx};

/// What a sent row's message is, to be recorded. The discriminants are the
/// codes PostgreSQL's one-statement record (`RecordSent`) goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentTarget {
    Nothing = 0,
    /// The ticket's card (`tickets.support_message_id`).
    Card = 1,
    /// The message's support-chat copy.
    SupportCopy = 2,
    /// The message's user-chat copy.
    UserCopy = 3,
    /// The ticket's forum topic (`tickets.support_thread_id`).
    Topic = 4,
}

/// An outbox row Telegram accepted: the row, what it records, and the id
/// Telegram gave the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub outbox_id: i64,
    pub chat_id: i64,
    pub ticket_id: Option<i64>,
    pub ticket_message_id: Option<i64>,
    pub target: SentTarget,
    pub message_id: i32,
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

/// Records rows Telegram accepted, and what each means for its ticket.
/// Returns the ids of the rows that were no longer `by`'s to record (its
/// claim ran out and another worker took them: they may go twice); what
/// their messages were is recorded anyway, because the messages exist.
pub async fn record_sent(tx: &mut Tx, sent: &[Sent], by: &str, now: NaiveDateTime) -> QueryResult<Vec<i64>> {
    if sent.is_empty() {
        return Ok(Vec::new());
    }
    // PostgreSQL: one statement, one round trip, however many rows.
    if let Backed::Postgres(c) = tx.backed() {
        let statement = RecordSent {
            outbox_ids: sent.iter().map(|s| s.outbox_id).collect(),
            message_ids: sent.iter().map(|s| s.message_id).collect(),
            targets: sent.iter().map(|s| s.target as i32).collect(),
            ticket_ids: sent.iter().map(|s| s.ticket_id).collect(),
            ticket_message_ids: sent.iter().map(|s| s.ticket_message_id).collect(),
            chat_ids: sent.iter().map(|s| s.chat_id).collect(),
            by,
            at: now,
        };
        let marked: HashSet<i64> = statement.load::<Marked>(c).await?.into_iter().map(|r| r.id).collect();
        return Ok(sent.iter().map(|s| s.outbox_id).filter(|id| !marked.contains(id)).collect());
    }
    // SQLite: a statement at a time; they cost microseconds here, and the
    // caller's transaction makes them one commit.
    let mut lapsed = Vec::new();
    for s in sent {
        let mark = MarkOutboxSent { id: s.outbox_id, by, message_id: s.message_id, at: now };
        if on_conn!(tx, |c| mark.execute(c).await)? == 0 {
            lapsed.push(s.outbox_id);
        }
        match (s.target, s.ticket_id, s.ticket_message_id) {
            (SentTarget::Card, Some(ticket), _) => tickets::set_card(tx, ticket, s.chat_id, s.message_id).await?,
            (SentTarget::Topic, Some(ticket), _) => tickets::set_topic(tx, ticket, s.chat_id, s.message_id).await?,
            (SentTarget::SupportCopy, _, Some(message)) => {
                messages::set_support_copy(tx, message, s.chat_id, s.message_id).await?
            }
            (SentTarget::UserCopy, _, Some(message)) => messages::set_user_copy(tx, message, s.message_id).await?,
            _ => 0,
        };
    }
    Ok(lapsed)
}

/// `record_sent` on PostgreSQL, atomic by itself: each row is marked sent
/// if `by` may (`MarkOutboxSent`'s fence), and what each records is set.
/// One statement may not update a row twice, so the changes are gathered
/// per ticket and per message first, the latest row winning, as if
/// recorded one by one.
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

fixed_pg_sql!(RecordSent);

impl QueryFragment<Pg> for RecordSent<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
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
        out.push_sql(") AND o.sent_at IS NULL AND o.failed_at IS NULL AND (o.claimed_by = ");
        out.push_bind_param::<Text, _>(&self.by)?;
        out.push_sql(" OR o.claimed_until IS NULL OR o.claimed_until <= ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(
            ") RETURNING o.id), \
             ticket_changes AS (SELECT ticket_id, \
             (array_agg(message_id ORDER BY outbox_id DESC) FILTER (WHERE target = 1))[1] AS card, \
             (array_agg(message_id ORDER BY outbox_id DESC) FILTER (WHERE target = 4))[1] AS topic, \
             (array_agg(chat_id ORDER BY outbox_id DESC))[1] AS chat \
             FROM sent WHERE target IN (1, 4) AND ticket_id IS NOT NULL GROUP BY ticket_id), \
             tickets_set AS (UPDATE tickets t SET \
             support_message_id = COALESCE(c.card, CASE WHEN t.support_chat_id = c.chat THEN t.support_message_id END), \
             support_thread_id = COALESCE(c.topic, CASE WHEN t.support_chat_id = c.chat THEN t.support_thread_id END), \
             support_chat_id = c.chat \
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
struct Marked {
    #[diesel(sql_type = BigInt)]
    id: i64,
}
