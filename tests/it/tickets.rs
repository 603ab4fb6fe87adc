//! TicketService behaviour on both backends.

use chrono_tz::Tz;
use ticketbot::domain::{ContentKind, Direction, TicketStatus};
use ticketbot::models::{MessageDraft, Staff};
use ticketbot::service::ServiceError;
use ticketbot::storage::outcome::UserMessageOutcome;

use crate::support::{Kind, TestDb, at, on_both_backends, profile, user_text};

on_both_backends!(
    follow_ups_join_the_open_ticket,
    close_then_message_opens_a_new_ticket,
    reopen_rules,
    assign_and_staff_response,
    open_list_pages,
    banned_user_files_nothing,
    admins_seeded_only_into_empty_staff,
    hostile_text_is_stored_verbatim,
);

fn staff(id: i64) -> Staff {
    Staff {
        user_id: id,
        username: Some(format!("agent{id}")),
        display_name: format!("Agent {id}"),
        is_admin: false,
        created_at: at("2026-11-21T00:00:00Z").naive_utc(),
    }
}

fn filed(outcome: UserMessageOutcome) -> (ticketbot::models::Ticket, bool) {
    match outcome {
        UserMessageOutcome::Filed { ticket, new_ticket, .. } => (ticket, new_ticket),
        other => panic!("expected Filed, got {other:?}"),
    }
}

async fn follow_ups_join_the_open_ticket(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let (first, new) = filed(service.open_or_append(&profile(5), &user_text(5, 1, "hello")).await.unwrap());
    assert!(new);
    let mut renamed = profile(5);
    renamed.username = Some("renamed".into());
    let (second, new) = filed(service.open_or_append(&renamed, &user_text(5, 2, "more")).await.unwrap());
    assert!(!new);
    assert_eq!(first.id, second.id);
    let texts: Vec<_> = service.messages(first.id).await.unwrap().into_iter().map(|m| m.text.unwrap()).collect();
    assert_eq!(texts, ["hello", "more"]);
    let user = service.find_user(5).await.unwrap().unwrap();
    assert_eq!(user.username.as_deref(), Some("renamed"), "profile refreshed");
}

async fn close_then_message_opens_a_new_ticket(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let (first, _) = filed(service.open_or_append(&profile(5), &user_text(5, 1, "a")).await.unwrap());
    let closed = service.close(first.id).await.unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    assert!(closed.closed_at.is_some());
    assert!(matches!(service.close(first.id).await, Err(ServiceError::AlreadyClosed(r)) if r.number == 1));
    assert!(service.open_ticket_of(5).await.unwrap().is_none());
    let (second, new) = filed(service.open_or_append(&profile(5), &user_text(5, 2, "b")).await.unwrap());
    assert!(new);
    assert_eq!(second.number, 2);
    let history = service.user_history(5, 10).await.unwrap();
    assert_eq!(history.iter().map(|t| t.number).collect::<Vec<_>>(), [2, 1], "newest first");
    assert!(matches!(service.close(999_999).await, Err(ServiceError::TicketNotFound)));
}

async fn reopen_rules(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let (first, _) = filed(service.open_or_append(&profile(5), &user_text(5, 1, "a")).await.unwrap());
    assert!(matches!(service.reopen(first.id).await, Err(ServiceError::AlreadyOpen(_))));
    service.close(first.id).await.unwrap();
    let reopened = service.reopen(first.id).await.unwrap();
    assert!(reopened.is_open() && reopened.closed_at.is_none());
    // With a newer ticket open, the old one cannot be reopened.
    service.close(first.id).await.unwrap();
    let (second, _) = filed(service.open_or_append(&profile(5), &user_text(5, 2, "b")).await.unwrap());
    match service.reopen(first.id).await {
        Err(ServiceError::UserHasOpenTicket(r)) => assert_eq!(r, second.reference()),
        other => panic!("{other:?}"),
    }
    assert!(matches!(service.reopen(424_242).await, Err(ServiceError::TicketNotFound)));
}

async fn assign_and_staff_response(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, clock) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let (ticket, _) = filed(service.open_or_append(&profile(5), &user_text(5, 1, "a")).await.unwrap());
    let assigned = service.assign(ticket.id, &staff(900)).await.unwrap();
    assert_eq!(assigned.assignee_id, Some(900));
    assert_eq!(service.find_staff(900).await.unwrap().unwrap().display_name, "Agent 900");

    clock.set(at("2026-11-21T09:05:00Z"));
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
    service.record_staff_message(ticket.id, &staff(900), &answer).await.unwrap();
    clock.set(at("2026-11-21T09:09:00Z"));
    service.record_staff_message(ticket.id, &staff(901), &answer).await.unwrap();
    let note = MessageDraft { direction: Direction::Note, ..answer.clone() };
    service.record_staff_message(ticket.id, &staff(901), &note).await.unwrap();
    let ticket = service.find(ticket.id).await.unwrap().unwrap();
    assert_eq!(ticket.first_response_at, Some(at("2026-11-21T09:05:00Z").naive_utc()), "first response kept");
    let kinds: Vec<_> = service.messages(ticket.id).await.unwrap().into_iter().map(|m| (m.direction, m.kind)).collect();
    assert_eq!(
        kinds,
        [
            (Direction::FromUser, ContentKind::Text),
            (Direction::ToUser, ContentKind::Photo),
            (Direction::ToUser, ContentKind::Photo),
            (Direction::Note, ContentKind::Photo)
        ]
    );
    assert!(matches!(service.assign(31337, &staff(900)).await, Err(ServiceError::TicketNotFound)));
    assert!(matches!(
        service.record_staff_message(31337, &staff(900), &answer).await,
        Err(ServiceError::TicketNotFound)
    ));
}

async fn open_list_pages(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, clock) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let mut ids = Vec::new();
    for user in 1..=7 {
        clock.set(at(&format!("2026-11-21T09:0{user}:00Z")));
        ids.push(filed(service.open_or_append(&profile(user), &user_text(user, 1, "q")).await.unwrap()).0.id);
    }
    service.close(ids[2]).await.unwrap();
    service.assign(ids[0], &staff(900)).await.unwrap();
    let first = service.list_open(0, 4).await.unwrap();
    assert_eq!((first.total, first.pages, first.page), (6, 2, 0));
    let numbers: Vec<_> = first.rows.iter().map(|r| r.ticket.number).collect();
    assert_eq!(numbers, [1, 2, 4, 5], "oldest first, closed left out");
    assert_eq!(first.rows[0].assignee.as_ref().map(|s| s.user_id), Some(900));
    assert_eq!(first.rows[1].user.first_name, "User 2");
    let second = service.list_open(1, 4).await.unwrap();
    assert_eq!(second.rows.iter().map(|r| r.ticket.number).collect::<Vec<_>>(), [6, 7]);
    let past_end = service.list_open(9, 4).await.unwrap();
    assert_eq!(past_end.page, 1, "clamped to the last page");
}

async fn banned_user_files_nothing(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let (ticket, _) = filed(service.open_or_append(&profile(5), &user_text(5, 1, "a")).await.unwrap());
    assert!(service.set_banned(5, true).await.unwrap());
    let outcome = service.open_or_append(&profile(5), &user_text(5, 2, "spam")).await.unwrap();
    assert!(matches!(outcome, UserMessageOutcome::Banned { .. }));
    assert_eq!(service.messages(ticket.id).await.unwrap().len(), 1);
    assert!(service.set_banned(5, false).await.unwrap());
    let (again, _) = filed(service.open_or_append(&profile(5), &user_text(5, 3, "sorry")).await.unwrap());
    assert_eq!(again.id, ticket.id);
    assert!(!service.set_banned(777, true).await.unwrap(), "unknown user");
}

async fn admins_seeded_only_into_empty_staff(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    assert_eq!(service.seed_admins(&[11, 12]).await.unwrap(), 2);
    assert!(service.find_staff(11).await.unwrap().unwrap().is_admin);
    assert_eq!(service.seed_admins(&[13]).await.unwrap(), 0, "staff table no longer empty");
    assert!(service.find_staff(13).await.unwrap().is_none());
}

async fn hostile_text_is_stored_verbatim(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T09:00:00Z")).await;
    let hostile = "<&>".repeat(1365) + "'; DROP TABLE tickets; --\u{1F600}";
    let mut who = profile(5);
    who.first_name = "<3 \u{202E}evil".into();
    let (ticket, _) = filed(service.open_or_append(&who, &user_text(5, 1, &hostile)).await.unwrap());
    let stored = service.messages(ticket.id).await.unwrap();
    assert_eq!(stored[0].text.as_deref(), Some(hostile.as_str()));
    assert_eq!(service.find_user(5).await.unwrap().unwrap().first_name, "<3 \u{202E}evil");
}

/// On PostgreSQL the open-ticket lookup (every user message makes one) is
/// served by the partial unique index on open tickets, even under a generic
/// plan with no statistics (a new database, or autovacuum off): it must
/// never read every open ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_open_ticket_lookup_uses_the_open_ticket_index() {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }

    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let (service, _) = db.service(Tz::UTC, at("2026-11-21T12:00:00Z")).await;
    for user in 1..=200 {
        service.open_or_append(&profile(user), &user_text(user, 1, "hi")).await.expect("open");
    }
    let query = ticketbot::storage::statements::OpenTicketOf { user_id: 1 };
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
    let sql = sql.split(" -- binds").next().unwrap();
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    conn.batch_execute(&format!("SET plan_cache_mode = force_generic_plan; PREPARE open_of(bigint) AS {sql}"))
        .await
        .unwrap();
    let plan: Vec<PlanLine> = diesel::sql_query("EXPLAIN EXECUTE open_of(1)").load(&mut conn).await.unwrap();
    let plan = plan.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n");
    assert!(plan.contains("tickets_one_open_per_user"), "the lookup does not use the open-ticket index:\n{plan}");
}
