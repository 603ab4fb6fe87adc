//! Commands in a forum topic act on the topic's ticket and answer there.

use super::{forum_ticket, smith};
use crate::desk::{Desk, SUPPORT, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    take_in_a_topic_assigns_its_ticket,
    a_note_in_a_topic_is_kept_on_its_ticket,
    command_answers_stay_in_the_topic,
    a_note_in_a_topic_stays_with_staff,
);

/// /take in a topic assigns the topic's ticket.
async fn take_in_a_topic_assigns_its_ticket(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let thread = forum_ticket(&desk, &alice(), "help in a forum").await;
    desk.fake.topic_message(SUPPORT, thread, &smith(), "/take");
    let support = desk.wait_sent(SUPPORT, 3, "assigned").await;
    assert!(support[2].text.as_deref().unwrap().contains("#1 assigned to @smith"));
    desk.stop().await;
}

/// /note in a topic is kept on the topic's ticket.
async fn a_note_in_a_topic_is_kept_on_its_ticket(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let thread = forum_ticket(&desk, &alice(), "help in a forum").await;
    desk.fake.topic_message(SUPPORT, thread, &smith(), "/note internal only");
    let support = desk.wait_sent(SUPPORT, 3, "noted").await;
    assert!(support[2].text.as_deref().unwrap().contains("Note kept on #1"));
    desk.stop().await;
}

/// The answers to commands in a topic are posted in that topic.
async fn command_answers_stay_in_the_topic(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let thread = forum_ticket(&desk, &alice(), "help in a forum").await;
    desk.fake.topic_message(SUPPORT, thread, &smith(), "/take");
    desk.fake.topic_message(SUPPORT, thread, &smith(), "/note internal only");
    let support = desk.wait_sent(SUPPORT, 4, "assigned and noted").await;
    assert!(support[2..].iter().all(|s| s.thread_id == Some(thread)), "answers stay in the topic");
    desk.stop().await;
}

/// A note in a topic never reaches the user.
async fn a_note_in_a_topic_stays_with_staff(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    let thread = forum_ticket(&desk, &user, "help in a forum").await;
    desk.fake.topic_message(SUPPORT, thread, &smith(), "/note internal only");
    desk.wait_sent(SUPPORT, 3, "noted").await;
    desk.fake.user_sends(&user, "/close");
    desk.wait_topic_closed(true).await;
    desk.settle().await;
    let to_user = desk.fake.sent_to(user.id);
    assert_eq!(to_user.len(), 3, "confirmation, closed notice, rating question; the note stayed with staff");
    assert!(to_user.iter().all(|s| !s.text.as_deref().unwrap_or_default().contains("internal only")));
    desk.stop().await;
}
