//! Filing messages and changing tickets, on both backends.

use testdb::{Kind, TestDb, on_both_backends};

use super::{file, staff as agent};
use crate::domain::{ContentKind, Direction, MessageDraft, TicketStatus};
use crate::storage::{StatusChange, UserMessageOutcome, filing, messages, staff, tickets, users};
use crate::testing::{conn, in_tx, naive, profile, start, user_text};

on_both_backends!(
    follow_ups_join_the_open_ticket,
    a_message_after_close_opens_a_new_ticket,
    close_says_what_it_found,
    reopen_refuses_a_second_open_ticket,
    assign_records_the_staff_member,
    the_first_response_is_stamped_once,
    open_tickets_come_a_page_at_a_time,
    a_banned_user_files_nothing,
    admins_are_seeded_only_into_an_empty_staff,
    hostile_text_is_stored_verbatim,
    a_users_edit_is_recorded_on_their_message,
);

const NINE: &str = "2026-11-21T09:00:00Z";

async fn follow_ups_join_the_open_ticket(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (first, _, new) = file(&db, 5, 1, "hello", NINE).await;
    assert!(new);
    let mut renamed = profile(5);
    renamed.username = Some("renamed".into());
    let now = naive(NINE);
    let draft = user_text(5, 2, "more");
    let outcome =
        in_tx(&db, async |tx| filing::user_message(tx, &renamed, &draft, Default::default(), now.date(), now).await)
            .await;
    let UserMessageOutcome::Filed { ticket: second, new_ticket: false, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(first.id, second.id);
    let mut conn = conn(&db).await;
    let texts: Vec<_> = messages::of_ticket(&mut conn, first.id).await.unwrap().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, [Some("hello".into()), Some("more".into())]);
    let user = users::find(&mut conn, 5).await.unwrap().unwrap();
    assert_eq!(user.username.as_deref(), Some("renamed"), "profile refreshed");
}

async fn a_message_after_close_opens_a_new_ticket(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (first, _, _) = file(&db, 5, 1, "a", NINE).await;
    in_tx(&db, async |tx| tickets::close(tx, first.id, naive(NINE)).await).await;
    assert!(tickets::open_ticket_of(&mut conn(&db).await, 5).await.unwrap().is_none());
    let (second, _, new) = file(&db, 5, 2, "b", NINE).await;
    assert!(new);
    assert_eq!(second.number, 2);
}

async fn close_says_what_it_found(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "a", NINE).await;
    let now = naive("2026-11-21T09:30:00Z");
    match in_tx(&db, async |tx| tickets::close(tx, ticket.id, now).await).await {
        StatusChange::Changed(closed) => {
            assert_eq!(closed.status, TicketStatus::Closed);
            assert_eq!(closed.closed_at, Some(now));
        }
        other => panic!("{other:?}"),
    }
    let again = in_tx(&db, async |tx| tickets::close(tx, ticket.id, now).await).await;
    assert!(matches!(again, StatusChange::Unchanged(t) if t.number == 1));
    assert_eq!(in_tx(&db, async |tx| tickets::close(tx, 999_999, now).await).await, StatusChange::NotFound);
}

async fn reopen_refuses_a_second_open_ticket(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (first, _, _) = file(&db, 5, 1, "a", NINE).await;
    let now = naive(NINE);
    assert!(matches!(
        in_tx(&db, async |tx| tickets::reopen(tx, first.id, now).await).await,
        StatusChange::Unchanged(_)
    ));
    in_tx(&db, async |tx| tickets::close(tx, first.id, now).await).await;
    match in_tx(&db, async |tx| tickets::reopen(tx, first.id, now).await).await {
        StatusChange::Changed(reopened) => assert!(reopened.is_open() && reopened.closed_at.is_none()),
        other => panic!("{other:?}"),
    }
    // With a newer ticket open, the old one cannot be reopened.
    in_tx(&db, async |tx| tickets::close(tx, first.id, now).await).await;
    let (second, _, _) = file(&db, 5, 2, "b", NINE).await;
    match in_tx(&db, async |tx| tickets::reopen(tx, first.id, now).await).await {
        StatusChange::UserHasOpenTicket(other) => assert_eq!(other.id, second.id),
        other => panic!("{other:?}"),
    }
    assert_eq!(in_tx(&db, async |tx| tickets::reopen(tx, 424_242, now).await).await, StatusChange::NotFound);
}

async fn assign_records_the_staff_member(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "a", NINE).await;
    let assigned = in_tx(&db, async |tx| tickets::assign(tx, ticket.id, &agent(900)).await).await;
    assert_eq!(assigned.map(|t| t.assignee_id), Some(Some(900)));
    let mut conn = conn(&db).await;
    assert_eq!(staff::find(&mut conn, 900).await.unwrap().unwrap().display_name, "Agent 900");
    assert_eq!(staff::find_by_username(&mut conn, "@AGENT900").await.unwrap().map(|s| s.user_id), Some(900));
    assert_eq!(in_tx(&db, async |tx| tickets::assign(tx, 31337, &agent(900)).await).await, None);
}

async fn the_first_response_is_stamped_once(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "a", NINE).await;
    let answer = MessageDraft {
        direction: Direction::ToUser,
        sender_id: 900,
        user_chat_id: 5,
        user_message_id: Some(77),
        support_chat_id: Some(-100),
        support_message_id: Some(12),
        kind: ContentKind::Photo,
        text: Some("see screenshot".into()),
    };
    let note = MessageDraft { direction: Direction::Note, ..answer.clone() };
    for (draft, member, at) in [
        (&answer, 900, "2026-11-21T09:05:00Z"),
        (&answer, 901, "2026-11-21T09:09:00Z"),
        (&note, 901, "2026-11-21T09:10:00Z"),
    ] {
        let now = naive(at);
        in_tx(&db, async |tx| filing::staff_message(tx, ticket.id, &agent(member), draft, now).await).await;
    }
    let mut conn = conn(&db).await;
    let ticket = tickets::find(&mut conn, ticket.id).await.unwrap().unwrap();
    assert_eq!(ticket.first_response_at, Some(naive("2026-11-21T09:05:00Z")), "the first response is kept");
    let kinds: Vec<_> =
        messages::of_ticket(&mut conn, ticket.id).await.unwrap().into_iter().map(|m| (m.direction, m.kind)).collect();
    assert_eq!(
        kinds,
        [
            (Direction::FromUser, ContentKind::Text),
            (Direction::ToUser, ContentKind::Photo),
            (Direction::ToUser, ContentKind::Photo),
            (Direction::Note, ContentKind::Photo)
        ]
    );
}

async fn open_tickets_come_a_page_at_a_time(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let mut ids = Vec::new();
    for user in 1..=7 {
        ids.push(file(&db, user, 1, "q", &format!("2026-11-21T09:0{user}:00Z")).await.0.id);
    }
    in_tx(&db, async |tx| tickets::close(tx, ids[2], naive(NINE)).await).await;
    in_tx(&db, async |tx| tickets::assign(tx, ids[0], &agent(900)).await).await;
    let mut conn = conn(&db).await;
    assert_eq!(tickets::count_open(&mut conn).await.unwrap(), 6);
    let first = tickets::open_page(&mut conn, 0, 4).await.unwrap();
    let numbers: Vec<_> = first.iter().map(|r| r.ticket.number).collect();
    assert_eq!(numbers, [1, 2, 4, 5], "oldest first, closed left out");
    assert_eq!(first[0].assignee.as_ref().map(|s| s.user_id), Some(900));
    assert_eq!(first[1].user.first_name, "User 2");
    let second = tickets::open_page(&mut conn, 4, 4).await.unwrap();
    assert_eq!(second.iter().map(|r| r.ticket.number).collect::<Vec<_>>(), [6, 7]);
}

async fn a_banned_user_files_nothing(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "a", NINE).await;
    let now = naive(NINE);
    assert!(in_tx(&db, async |tx| users::set_banned(tx, 5, Some(now)).await).await);
    let spam = |id: i32| user_text(5, id, "spam");
    for (id, told) in [(2, true), (3, false)] {
        let draft = spam(id);
        let outcome = in_tx(&db, async |tx| {
            filing::user_message(tx, &profile(5), &draft, Default::default(), now.date(), now).await
        })
        .await;
        assert!(
            matches!(outcome, UserMessageOutcome::Banned { notify, .. } if notify == told),
            "told once: {outcome:?}"
        );
    }
    assert_eq!(messages::of_ticket(&mut conn(&db).await, ticket.id).await.unwrap().len(), 1);
    assert!(in_tx(&db, async |tx| users::set_banned(tx, 5, None).await).await);
    let (again, _, _) = file(&db, 5, 4, "sorry", NINE).await;
    assert_eq!(again.id, ticket.id);
    assert!(!in_tx(&db, async |tx| users::set_banned(tx, 777, Some(now)).await).await, "an unknown user");
}

async fn admins_are_seeded_only_into_an_empty_staff(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let now = naive(NINE);
    assert_eq!(in_tx(&db, async |tx| staff::seed_admins(tx, &[11, 12], now).await).await, 2);
    assert!(staff::find(&mut conn(&db).await, 11).await.unwrap().unwrap().is_admin);
    assert_eq!(in_tx(&db, async |tx| staff::seed_admins(tx, &[13], now).await).await, 0, "staff no longer empty");
    assert!(staff::find(&mut conn(&db).await, 13).await.unwrap().is_none());
}

async fn hostile_text_is_stored_verbatim(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let hostile = "<&>".repeat(1365) + "'; DROP TABLE tickets; --\u{1F600}";
    let mut who = profile(5);
    who.first_name = "<3 \u{202E}evil".into();
    let now = naive(NINE);
    let draft = user_text(5, 1, &hostile);
    let outcome =
        in_tx(&db, async |tx| filing::user_message(tx, &who, &draft, Default::default(), now.date(), now).await).await;
    let UserMessageOutcome::Filed { ticket, .. } = outcome else { panic!("{outcome:?}") };
    let mut conn = conn(&db).await;
    assert_eq!(messages::of_ticket(&mut conn, ticket.id).await.unwrap()[0].text.as_deref(), Some(hostile.as_str()));
    assert_eq!(users::find(&mut conn, 5).await.unwrap().unwrap().first_name, "<3 \u{202E}evil");
}

async fn a_users_edit_is_recorded_on_their_message(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, message, _) = file(&db, 5, 10, "typo", NINE).await;
    let now = naive("2026-11-21T09:01:00Z");
    let edited =
        in_tx(&db, async |tx| filing::user_edit(tx, 5, 10, Some("fixed"), Default::default(), now).await).await;
    assert_eq!(edited.map(|(t, m, flooding)| (t.id, m.id, flooding)), Some((ticket.id, message.id, false)));
    let stored = &messages::of_ticket(&mut conn(&db).await, ticket.id).await.unwrap()[0];
    assert_eq!((stored.text.as_deref(), stored.edited_at), (Some("fixed"), Some(now)));
    // A message on no ticket (a command, say) has nothing to mirror.
    assert_eq!(
        in_tx(&db, async |tx| filing::user_edit(tx, 5, 99, Some("x"), Default::default(), now).await).await,
        None
    );
}
