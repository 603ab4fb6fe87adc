//! Per-user limits: a user who writes faster than staff can read, or opens
//! ticket after ticket, loses nothing (every message is filed) but stops
//! reaching the support chat one by one; they and staff are told once.

use crate::desk::{Desk, SUPPORT, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_user_past_the_messages_a_minute_is_kept_and_told_once,
    a_user_past_the_tickets_an_hour_opens_no_more
);

async fn a_user_past_the_messages_a_minute_is_kept_and_told_once(kind: Kind) {
    let limits = [("USER_MESSAGES_PER_MINUTE", "5".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &limits).await else { return };
    let user = alice();
    for i in 0..12 {
        desk.fake.user_sends(&user, &format!("spam {i}"));
    }
    desk.settle().await;
    let support = desk.fake.sent_to(SUPPORT);
    let texts: Vec<String> = support.iter().filter_map(|m| m.text.clone()).collect();
    // The card, the first five messages, one notice.
    assert_eq!(support.len(), 7, "{texts:#?}");
    assert!(texts.iter().any(|t| t.contains("more than 5 messages a minute") && t.contains("/ticket_")), "{texts:#?}");
    assert!(!texts.iter().any(|t| t == "spam 5"), "the sixth was posted: {texts:#?}");
    let to_user: Vec<String> = desk.fake.sent_to(user.id).iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(to_user.len(), 2, "the confirmation and one slow-down: {to_user:#?}");
    assert!(to_user[1].contains("faster than we can read"), "{to_user:#?}");
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    assert_eq!(inspect::messages(&desk.db, ticket.id).await.len(), 12, "every message is kept");
    desk.stop().await;
}

async fn a_user_past_the_tickets_an_hour_opens_no_more(kind: Kind) {
    let limits = [("USER_TICKETS_PER_HOUR", "2".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &limits).await else { return };
    let user = alice();
    for i in 0..2 {
        desk.fake.user_sends(&user, &format!("problem {i}"));
        desk.fake.user_sends(&user, "/close");
        desk.settle().await;
    }
    let cards = desk.fake.sent_to(SUPPORT).len();
    desk.fake.user_sends(&user, "problem 2");
    desk.fake.user_sends(&user, "problem 3");
    desk.settle().await;
    let tickets = inspect::tickets_of(&desk.db, user.id).await;
    assert_eq!(tickets.len(), 2, "no third ticket this hour");
    assert!(tickets.iter().all(|t| t.status == "closed"), "the latest stays closed: {tickets:?}");
    let kept: Vec<_> = inspect::messages(&desk.db, tickets[1].id).await.into_iter().filter_map(|m| m.text).collect();
    assert_eq!(kept, ["problem 1", "problem 2", "problem 3"], "kept on the latest ticket");
    let support: Vec<String> = desk.fake.sent_to(SUPPORT)[cards..].iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(support.len(), 1, "one notice, no card or copy: {support:#?}");
    assert!(support[0].contains("opened 2 tickets within an hour"), "{support:#?}");
    let to_user: Vec<String> = desk.fake.sent_to(user.id).iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(to_user.iter().filter(|t| t.contains("in the last hour")).count(), 1, "told once: {to_user:#?}");
    desk.stop().await;
}
