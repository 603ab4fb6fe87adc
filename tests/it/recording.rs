//! Recording what was sent: the delivery worker records the rows Telegram
//! accepted in batches (`Mailroom::outbox_sent`). Each row is marked sent
//! only while its claim is the worker's, and what each row's message is
//! (a ticket's card or topic, a message's copy) is recorded either way,
//! the latest row winning where a batch holds two for the same thing.

use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use ticketbot::clock::{Clock, ManualClock};
use ticketbot::models::{OutboxRow, Ticket, TicketMessage};
use ticketbot::service::{Mailroom, TicketService};
use ticketbot::storage::outcome::{Effects, UserMessageOutcome};
use ticketbot::telegram::outbound::{OutboxDraft, Record, Sent};
use ticketbot::telegram::recorder::{RECORD_EVERY, Recorder};

use crate::support::{Kind, TestDb, at, on_both_backends, profile, user_text};

on_both_backends!(
    a_batch_of_sent_rows_records_each_and_skips_lapsed_claims,
    the_recorder_records_full_batches_and_on_demand
);

const LEASE: Duration = Duration::from_secs(20);
const SUPPORT: i64 = -100;

async fn file(service: &TicketService, user: i64) -> (Ticket, TicketMessage) {
    match service.open_or_append(&profile(user), &user_text(user, 10, "help")).await.expect("file") {
        UserMessageOutcome::Filed { ticket, message, .. } => (ticket, message),
        other => panic!("not filed: {other:?}"),
    }
}

/// Queues one row per draft and claims everything due for `by`.
async fn queue_and_claim(mailroom: &Mailroom, by: &str, drafts: Vec<OutboxDraft>) -> Vec<OutboxRow> {
    let plan = move |_: &()| drafts.clone();
    mailroom.acknowledge(&Effects { ack: None, plan: &plan }).await.expect("queue");
    mailroom.claiming(by).claim_due(LEASE, 100, 100).await.expect("claim")
}

async fn a_batch_of_sent_rows_records_each_and_skips_lapsed_claims(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, clock) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    let mailroom = Mailroom::new(service.db().clone(), clock as Arc<ManualClock> as Arc<dyn Clock>);
    let (first, first_message) = file(&service, 1).await;
    let (second, second_message) = file(&service, 2).await;

    let text = |record: Record| OutboxDraft::new(SUPPORT, text_message(), record);
    let ours = queue_and_claim(
        &mailroom,
        "one",
        vec![
            text(Record::TicketTopic).for_ticket(first.id),
            text(Record::TicketCard).for_ticket(first.id),
            text(Record::SupportCopy).for_ticket(first.id).for_message(first_message.id),
            // Staff asked for the message again: its latest copy counts.
            text(Record::RequestedCopy).for_ticket(first.id).for_message(first_message.id),
            OutboxDraft::new(2, text_message(), Record::UserCopy).for_ticket(second.id).for_message(second_message.id),
            text(Record::Nothing).for_ticket(second.id),
        ],
    )
    .await;
    assert_eq!(ours.len(), 6);
    // A row another worker holds: "one" may not mark it sent.
    let theirs = queue_and_claim(
        &mailroom,
        "other",
        vec![OutboxDraft::new(7, text_message(), Record::TicketCard).for_ticket(second.id)],
    )
    .await;
    assert_eq!(theirs.len(), 1);

    let records = [
        Record::TicketTopic,
        Record::TicketCard,
        Record::SupportCopy,
        Record::RequestedCopy,
        Record::UserCopy,
        Record::Nothing,
    ];
    let mut sent: Vec<Sent> =
        ours.iter().zip(records).zip(501..).map(|((row, record), id)| Sent::of(row, record, id)).collect();
    sent.push(Sent::of(&theirs[0], Record::TicketCard, 601));
    let lapsed = mailroom.claiming("one").outbox_sent(&sent).await.expect("record");
    assert_eq!(lapsed, vec![theirs[0].id], "only the other worker's row is refused");

    let first = service.find(first.id).await.unwrap().unwrap();
    assert_eq!((first.support_thread_id, first.support_message_id), (Some(501), Some(502)));
    let copy = &service.messages(first.id).await.unwrap()[0];
    assert_eq!((copy.support_chat_id, copy.support_message_id), (Some(SUPPORT), Some(504)));
    let answered = &service.messages(second.id).await.unwrap()[0];
    assert_eq!(answered.user_message_id, Some(505));
    // The other worker's message exists, so what it is was recorded.
    assert_eq!(service.find(second.id).await.unwrap().unwrap().support_message_id, Some(601));

    // Ours are sent: nothing left to claim but the other worker's row.
    assert!(mailroom.claiming("one").claim_due(LEASE, 100, 100).await.unwrap().is_empty());
    let again = mailroom.claiming("other").claim_due(LEASE, 100, 100).await.unwrap();
    assert_eq!(again.iter().map(|r| r.id).collect::<Vec<_>>(), vec![theirs[0].id]);
}

fn text_message() -> ticketbot::telegram::outbound::Outbound {
    ticketbot::telegram::outbound::Outbound::Text { html: "x".into(), reply: None, topic: false }
}

/// The delivery worker's recorder: rows noted wait until a batch is full
/// (then it is recorded in the background) or until `record_all`.
async fn the_recorder_records_full_batches_and_on_demand(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, clock) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    let mailroom = Mailroom::new(service.db().clone(), clock as Arc<ManualClock> as Arc<dyn Clock>);
    let total = RECORD_EVERY + 4;
    let drafts = (0..total).map(|_| OutboxDraft::new(SUPPORT, text_message(), Record::Nothing)).collect();
    let rows = queue_and_claim(&mailroom, "worker", drafts).await;
    assert_eq!(rows.len(), total);
    let recorder = Recorder::new(mailroom.claiming("worker"));
    let sent = |row: &OutboxRow| Sent::of(row, Record::Nothing, 1000 + row.id as i32);

    // Fewer than a batch: nothing recorded yet.
    recorder.note(rows[..RECORD_EVERY - 1].iter().map(sent).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(mailroom.outbox_backlog().await.unwrap(), total as i64);
    // The batch is full: it is recorded, in the background.
    recorder.note([sent(&rows[RECORD_EVERY - 1])]).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while mailroom.outbox_backlog().await.unwrap() != 4 {
        assert!(std::time::Instant::now() < deadline, "the full batch was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The rest when asked.
    recorder.note(rows[RECORD_EVERY..].iter().map(sent).collect::<Vec<_>>()).await.unwrap();
    recorder.record_all().await.unwrap();
    assert_eq!(mailroom.outbox_backlog().await.unwrap(), 0);
}
