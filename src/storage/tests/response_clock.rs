//! The response clock on both backends: when a ticket waits, what is due,
//! and that each reminder and close happens once.

use testdb::{Kind, TestDb, on_both_backends};

use super::{file, staff as agent};
use crate::domain::{ContentKind, Direction, MessageDraft};
use crate::storage::{filing, response_clock, tickets};
use crate::testing::{conn, in_tx, naive, start};

on_both_backends!(
    a_ticket_waits_until_staff_answer_and_again_when_the_user_writes,
    a_reminder_is_due_once_per_waiting_stretch,
    an_answered_ticket_left_by_its_user_is_closed_once,
    waiting_tickets_come_first_in_the_open_list,
    the_user_is_told_staff_are_away_once_per_ticket,
);

fn answer(user: i64) -> MessageDraft {
    MessageDraft {
        direction: Direction::ToUser,
        sender_id: 900,
        user_chat_id: user,
        user_message_id: Some(1),
        support_chat_id: Some(-100),
        support_message_id: Some(1),
        kind: ContentKind::Text,
        text: Some("answer".into()),
    }
}

async fn a_ticket_waits_until_staff_answer_and_again_when_the_user_writes(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "help", "2026-11-21T09:00:00Z").await;
    assert_eq!(ticket.waiting_since, Some(naive("2026-11-21T09:00:00Z")), "a new ticket waits");
    file(&db, 5, 2, "more", "2026-11-21T09:05:00Z").await;
    let t = tickets::find(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, Some(naive("2026-11-21T09:00:00Z")), "a second message does not restart it");

    let at = naive("2026-11-21T09:20:00Z");
    in_tx(&db, async |tx| filing::staff_message(tx, ticket.id, &agent(900), &answer(5), at).await).await;
    let t = tickets::find(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!((t.waiting_since, t.first_response_at, t.last_response_at), (None, Some(at), Some(at)));
    assert_eq!(t.first_responder_id, Some(900));

    let (again, _, _) = file(&db, 5, 3, "thanks, but", "2026-11-21T10:00:00Z").await;
    assert_eq!(again.waiting_since, Some(naive("2026-11-21T10:00:00Z")), "as returned");
    let t = tickets::find(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, Some(naive("2026-11-21T10:00:00Z")), "as stored");

    let later = naive("2026-11-21T10:30:00Z");
    in_tx(&db, async |tx| filing::staff_message(tx, ticket.id, &agent(901), &answer(5), later).await).await;
    let t = tickets::find(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!((t.first_response_at, t.first_responder_id), (Some(at), Some(900)), "the first answer stays");
    assert_eq!((t.last_response_at, t.waiting_since), (Some(later), None));

    in_tx(&db, async |tx| tickets::close(tx, ticket.id, later).await).await;
    let reopened = naive("2026-11-21T11:00:00Z");
    in_tx(&db, async |tx| tickets::reopen(tx, ticket.id, reopened).await).await;
    let t = tickets::find(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, Some(reopened), "a reopened ticket needs staff");
}

async fn a_reminder_is_due_once_per_waiting_stretch(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (old, _, _) = file(&db, 5, 1, "old", "2026-11-21T09:00:00Z").await;
    let (fresh, _, _) = file(&db, 6, 1, "fresh", "2026-11-21T09:50:00Z").await;
    let (answered, _, _) = file(&db, 7, 1, "answered", "2026-11-21T08:00:00Z").await;
    let at = naive("2026-11-21T08:10:00Z");
    in_tx(&db, async |tx| filing::staff_message(tx, answered.id, &agent(900), &answer(7), at).await).await;

    let cutoff = naive("2026-11-21T09:30:00Z");
    let due = response_clock::due_reminders(&mut conn(&db).await, cutoff, 50).await.unwrap();
    assert_eq!(due.iter().map(|(t, u)| (t.id, u.id)).collect::<Vec<_>>(), [(old.id, 5)], "only the old one");
    let (ticket, _) = &due[0];
    let since = ticket.waiting_since.unwrap();
    let now = naive("2026-11-21T10:00:00Z");
    assert!(in_tx(&db, async |tx| response_clock::take_reminder(tx, ticket.id, since, now).await).await);
    assert!(!in_tx(&db, async |tx| response_clock::take_reminder(tx, ticket.id, since, now).await).await, "once");
    assert!(
        response_clock::due_reminders(&mut conn(&db).await, now, 50).await.unwrap().iter().all(|(t, _)| t.id != old.id)
    );

    // Answered, then the user writes again: a new stretch, a new reminder.
    in_tx(&db, async |tx| filing::staff_message(tx, old.id, &agent(900), &answer(5), now).await).await;
    file(&db, 5, 2, "still broken", "2026-11-21T11:00:00Z").await;
    let due = response_clock::due_reminders(&mut conn(&db).await, naive("2026-11-21T12:00:00Z"), 50).await.unwrap();
    assert_eq!(due.iter().map(|(t, _)| t.id).collect::<Vec<_>>(), [fresh.id, old.id], "longest waiting first");
    // The reminder of an old stretch is not taken for the new one.
    assert!(!in_tx(&db, async |tx| response_clock::take_reminder(tx, old.id, since, now).await).await);
}

async fn an_answered_ticket_left_by_its_user_is_closed_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (left, _, _) = file(&db, 5, 1, "q", "2026-11-21T09:00:00Z").await;
    let (answered_back, _, _) = file(&db, 6, 1, "q", "2026-11-21T09:00:00Z").await;
    let (unanswered, _, _) = file(&db, 7, 1, "q", "2026-11-21T09:00:00Z").await;
    let at = naive("2026-11-21T09:10:00Z");
    for (t, user) in [(&left, 5), (&answered_back, 6)] {
        in_tx(&db, async |tx| filing::staff_message(tx, t.id, &agent(900), &answer(user), at).await).await;
    }
    file(&db, 6, 2, "no, wait", "2026-11-21T09:20:00Z").await;

    let cutoff = naive("2026-11-22T09:10:00Z");
    let due = response_clock::due_auto_close(&mut conn(&db).await, cutoff, 50).await.unwrap();
    assert_eq!(due.iter().map(|t| t.id).collect::<Vec<_>>(), [left.id], "not {}, {}", answered_back.id, unanswered.id);
    let now = naive("2026-11-22T09:11:00Z");
    let closed = in_tx(&db, async |tx| response_clock::auto_close(tx, &due[0], cutoff, now).await).await.unwrap();
    assert_eq!((closed.is_open(), closed.closed_at), (false, Some(now)));
    assert!(in_tx(&db, async |tx| response_clock::auto_close(tx, &due[0], cutoff, now).await).await.is_none(), "once");
    assert!(response_clock::due_auto_close(&mut conn(&db).await, cutoff, 50).await.unwrap().is_empty());
    // An answer newer than the cutoff is not closed, though listed earlier.
    let early = naive("2026-11-21T09:00:00Z");
    let (t, _, _) = file(&db, 8, 1, "q", "2026-11-21T08:00:00Z").await;
    in_tx(&db, async |tx| filing::staff_message(tx, t.id, &agent(900), &answer(8), at).await).await;
    assert!(in_tx(&db, async |tx| response_clock::auto_close(tx, &t, early, now).await).await.is_none());
}

async fn waiting_tickets_come_first_in_the_open_list(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (first, _, _) = file(&db, 1, 1, "q", "2026-11-21T09:00:00Z").await;
    file(&db, 2, 1, "q", "2026-11-21T09:01:00Z").await;
    file(&db, 3, 1, "q", "2026-11-21T09:02:00Z").await;
    let at = naive("2026-11-21T09:03:00Z");
    in_tx(&db, async |tx| filing::staff_message(tx, first.id, &agent(900), &answer(1), at).await).await;
    let page = tickets::open_page(&mut conn(&db).await, 0, 10).await.unwrap();
    assert_eq!(page.iter().map(|r| r.ticket.number).collect::<Vec<_>>(), [2, 3, 1], "answered last");
}

async fn the_user_is_told_staff_are_away_once_per_ticket(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 1, 1, "q", "2026-11-21T23:00:00Z").await;
    let now = naive("2026-11-21T23:00:00Z");
    assert!(in_tx(&db, async |tx| response_clock::take_away_notice(tx, ticket.id, now).await).await);
    assert!(!in_tx(&db, async |tx| response_clock::take_away_notice(tx, ticket.id, now).await).await);
}
