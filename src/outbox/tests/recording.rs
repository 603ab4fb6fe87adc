//! Recording what was sent: rows Telegram accepted are recorded in
//! batches. Each row is marked sent only while its claim is the worker's,
//! and what each row's message is (a ticket's card or topic, a message's
//! copy) is recorded either way, the latest row winning where a batch holds
//! two for the same thing.

use std::time::Duration;

use testdb::{Kind, TestDb, on_both_backends};

use super::{claim, queue, setup, store};
use crate::outbox::deliver::sent;
use crate::outbox::message::{Outbound, OutboxDraft, Record};
use crate::outbox::recorder::{RECORD_EVERY, Recorder};
use crate::storage::rows::OutboxRow;
use crate::storage::tests::file;
use crate::storage::{messages, tickets};
use crate::testing::conn;

on_both_backends!(
    a_batch_of_sent_rows_records_each_and_skips_lapsed_claims,
    a_batch_that_cannot_be_recorded_records_nothing,
    the_recorder_records_full_batches_and_on_demand
);

const LEASE: Duration = Duration::from_secs(20);
const SUPPORT: i64 = -100;
const NOON: &str = super::NOON;

fn text() -> Outbound {
    Outbound::Text { html: "x".into(), reply: None, topic: false }
}

async fn a_batch_of_sent_rows_records_each_and_skips_lapsed_claims(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let (first, first_message, _) = file(&db, 1, 10, "help", NOON).await;
    let (second, second_message, _) = file(&db, 2, 10, "help", NOON).await;

    let support = |record: Record| OutboxDraft::new(SUPPORT, text(), record);
    queue(
        &db,
        &clock,
        vec![
            support(Record::TicketTopic).for_ticket(first.id),
            support(Record::TicketCard).for_ticket(first.id),
            support(Record::SupportCopy).for_ticket(first.id).for_message(first_message.id),
            // Staff asked for the message again: its latest copy counts.
            support(Record::RequestedCopy).for_ticket(first.id).for_message(first_message.id),
            OutboxDraft::new(2, text(), Record::UserCopy).for_ticket(second.id).for_message(second_message.id),
            support(Record::Nothing).for_ticket(second.id),
        ],
    )
    .await;
    let ours = claim(&store(&db, &clock, "one"), LEASE, 100, 100).await.unwrap();
    assert_eq!(ours.len(), 6);
    // A row another worker holds: "one" may not mark it sent.
    queue(&db, &clock, vec![OutboxDraft::new(7, text(), Record::TicketCard).for_ticket(second.id)]).await;
    let theirs = claim(&store(&db, &clock, "other"), LEASE, 100, 100).await.unwrap();
    assert_eq!(theirs.len(), 1);

    let records = [
        Record::TicketTopic,
        Record::TicketCard,
        Record::SupportCopy,
        Record::RequestedCopy,
        Record::UserCopy,
        Record::Nothing,
    ];
    let mut all: Vec<_> =
        ours.iter().zip(records).zip(501..).map(|((row, record), id)| sent(row, record, id)).collect();
    all.push(sent(&theirs[0], Record::TicketCard, 601));
    let lapsed = store(&db, &clock, "one").record_sent(&all).await.expect("record");
    assert_eq!(lapsed, vec![theirs[0].id], "only the other worker's row is refused");

    let mut conn = conn(&db).await;
    let first = tickets::find(&mut conn, first.id).await.unwrap().unwrap();
    assert_eq!((first.support_thread_id, first.support_message_id), (Some(501), Some(502)));
    let copy = &messages::of_ticket(&mut conn, first.id).await.unwrap()[0];
    assert_eq!((copy.support_chat_id, copy.support_message_id), (Some(SUPPORT), Some(504)));
    let answered = &messages::of_ticket(&mut conn, second.id).await.unwrap()[0];
    assert_eq!(answered.user_message_id, Some(505));
    // The other worker's message exists, so what it is was recorded.
    assert_eq!(tickets::find(&mut conn, second.id).await.unwrap().unwrap().support_message_id, Some(601));

    // Ours are sent: nothing left to claim but the other worker's row.
    assert!(claim(&store(&db, &clock, "one"), LEASE, 100, 100).await.unwrap().is_empty());
    let again = claim(&store(&db, &clock, "other"), LEASE, 100, 100).await.unwrap();
    assert_eq!(again.iter().map(|r| r.id).collect::<Vec<_>>(), vec![theirs[0].id]);
}

/// Recording a batch is atomic: when one of its records fails, none is
/// kept, and the batch can be recorded once the fault is gone.
async fn a_batch_that_cannot_be_recorded_records_nothing(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let (ticket, message, _) = file(&db, 1, 10, "help", NOON).await;
    queue(
        &db,
        &clock,
        vec![
            OutboxDraft::new(SUPPORT, text(), Record::TicketCard).for_ticket(ticket.id),
            OutboxDraft::new(SUPPORT, text(), Record::SupportCopy).for_ticket(ticket.id).for_message(message.id),
        ],
    )
    .await;
    let worker = store(&db, &clock, "worker");
    let rows = claim(&worker, LEASE, 100, 100).await.unwrap();
    let batch = [sent(&rows[0], Record::TicketCard, 501), sent(&rows[1], Record::SupportCopy, 502)];
    // The copy's record fails, as a broken constraint or a full disk would.
    test.sql(match kind {
        Kind::Sqlite => {
            "CREATE TRIGGER refuse BEFORE UPDATE OF support_message_id ON ticket_messages \
             BEGIN SELECT RAISE(ABORT, 'refused'); END;"
        }
        Kind::Postgres => {
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$; \
             CREATE TRIGGER refuse BEFORE UPDATE OF support_message_id ON ticket_messages \
             FOR EACH ROW EXECUTE FUNCTION refuse();"
        }
    })
    .await;
    assert!(worker.record_sent(&batch).await.is_err());
    let recorded = "SELECT count(*) FROM outbox_messages WHERE sent_at IS NOT NULL";
    assert_eq!(test.count(recorded).await, 0, "the card's record went back with the copy's");
    assert_eq!(tickets::find(&mut conn(&db).await, ticket.id).await.unwrap().unwrap().support_message_id, None);
    test.sql(match kind {
        Kind::Sqlite => "DROP TRIGGER refuse",
        Kind::Postgres => "DROP TRIGGER refuse ON ticket_messages",
    })
    .await;
    assert_eq!(worker.record_sent(&batch).await.unwrap(), Vec::<i64>::new(), "recorded once the fault is gone");
    assert_eq!(test.count(recorded).await, 2);
}

/// Rows noted wait until a batch is full (then it is recorded in the
/// background) or until `record_all`.
async fn the_recorder_records_full_batches_and_on_demand(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let (db, clock) = setup(&test).await;
    let total = RECORD_EVERY + 4;
    queue(&db, &clock, (0..total).map(|_| OutboxDraft::new(SUPPORT, text(), Record::Nothing)).collect()).await;
    let worker = store(&db, &clock, "worker");
    let rows = claim(&worker, LEASE, 100, 100).await.unwrap();
    assert_eq!(rows.len(), total);
    let recorder = Recorder::new(worker);
    let noted = |row: &OutboxRow| sent(row, Record::Nothing, 1000 + row.id as i32);
    let backlog = || test.count("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL");

    // Fewer than a batch: nothing recorded yet.
    recorder.note(rows[..RECORD_EVERY - 1].iter().map(noted).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(backlog().await, total as i64);
    // The batch is full: it is recorded, in the background.
    recorder.note([noted(&rows[RECORD_EVERY - 1])]).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while backlog().await != 4 {
        assert!(std::time::Instant::now() < deadline, "the full batch was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The rest when asked.
    recorder.note(rows[RECORD_EVERY..].iter().map(noted).collect::<Vec<_>>()).await.unwrap();
    recorder.record_all().await.unwrap();
    assert_eq!(backlog().await, 0);
}
