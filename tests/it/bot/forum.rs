//! A support group that is a forum: each ticket gets a topic of its own.

use fake_telegram::TgUser;

use super::forum_ticket;
use crate::desk::{Desk, SUPPORT, WAIT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_ticket_opens_a_topic_of_its_own,
    the_card_and_the_message_go_into_the_topic,
    anything_staff_post_in_the_topic_reaches_the_user,
    close_in_the_topic_closes_it,
    reopen_in_the_topic_reopens_it,
    a_users_close_closes_the_topic,
    a_deleted_topic_is_replaced_by_a_new_one,
    the_new_topic_is_recorded_on_the_ticket,
    a_new_topic_keeps_the_users_full_name,
);

/// Staff delete the ticket's topic and the user writes again: returns once
/// the message is in a new topic.
async fn delete_topic_and_follow_up(desk: &Desk, user: &TgUser, thread: i32) {
    desk.fake.delete_topic(SUPPORT, thread);
    let follow_up = desk.fake.user_sends(user, "still there?");
    desk.fake
        .wait_for(WAIT, "message in a new topic", |sent| {
            sent.iter().any(|s| s.copied_from == Some((user.id, follow_up)) && s.thread_id.is_some_and(|t| t != thread))
        })
        .await;
}

/// A topic opened again after staff deleted it is named as the first one:
/// the ticket's number and the user's full name.
async fn a_new_topic_keeps_the_users_full_name(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let mut user = TgUser::new(511, "Ann");
    user.last_name = Some("Lee".into());
    let thread = forum_ticket(&desk, &user, "topic please").await;
    assert_eq!(desk.fake.topics(SUPPORT)[0].1, "#1 · Ann Lee");
    delete_topic_and_follow_up(&desk, &user, thread).await;
    assert_eq!(desk.fake.topics(SUPPORT)[0].1, "#1 · Ann Lee");
    desk.stop().await;
}

/// One open topic per ticket, named after its number and user.
async fn a_ticket_opens_a_topic_of_its_own(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    desk.fake.user_sends(&alice(), "topic please");
    desk.wait_sent(SUPPORT, 2, "card and message in the topic").await;
    let topics = desk.fake.topics(SUPPORT);
    assert_eq!(topics.len(), 1, "one topic per ticket");
    let (_, name, closed) = topics[0].clone();
    assert_eq!(name, "#1 · <3 & co");
    assert!(!closed);
    desk.stop().await;
}

/// The card and the relayed message are posted in the ticket's topic.
async fn the_card_and_the_message_go_into_the_topic(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    desk.fake.user_sends(&alice(), "topic please");
    let support = desk.wait_sent(SUPPORT, 2, "card and message in the topic").await;
    let thread = desk.fake.topics(SUPPORT)[0].0;
    assert!(support.iter().all(|s| s.thread_id == Some(thread)), "{support:#?}");
    desk.stop().await;
}

/// Anything staff post in the topic reaches the user, no reply needed.
async fn anything_staff_post_in_the_topic_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    let thread = forum_ticket(&desk, &user, "topic please").await;
    let answer = desk.fake.topic_message(SUPPORT, thread, &agent(), "hello from the topic");
    let to_user = desk.wait_sent(user.id, 2, "answer from the topic").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.stop().await;
}

/// /close in the topic closes the ticket and its topic.
async fn close_in_the_topic_closes_it(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    let thread = forum_ticket(&desk, &user, "topic please").await;
    desk.fake.topic_message(SUPPORT, thread, &agent(), "/close");
    desk.wait_sent(user.id, 2, "user told of the close").await;
    desk.wait_topic_closed(true).await;
    desk.stop().await;
}

/// /reopen in a closed topic reopens it.
async fn reopen_in_the_topic_reopens_it(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    let thread = forum_ticket(&desk, &user, "topic please").await;
    desk.fake.topic_message(SUPPORT, thread, &agent(), "/close");
    desk.wait_sent(user.id, 2, "user told of the close").await;
    desk.wait_topic_closed(true).await;
    desk.fake.topic_message(SUPPORT, thread, &agent(), "/reopen");
    desk.wait_topic_closed(false).await;
    desk.stop().await;
}

/// The user's /close closes the topic too.
async fn a_users_close_closes_the_topic(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    forum_ticket(&desk, &user, "help in a forum").await;
    desk.fake.user_sends(&user, "/close");
    desk.wait_topic_closed(true).await;
    desk.stop().await;
}

/// Staff delete the topic; the ticket goes on in a new one.
async fn a_deleted_topic_is_replaced_by_a_new_one(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    let thread = forum_ticket(&desk, &user, "topic please").await;
    delete_topic_and_follow_up(&desk, &user, thread).await;
    let topics = desk.fake.topics(SUPPORT);
    assert_eq!(topics.len(), 1);
    desk.stop().await;
}

/// The ticket records the topic that replaced a deleted one.
async fn the_new_topic_is_recorded_on_the_ticket(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    let thread = forum_ticket(&desk, &user, "topic please").await;
    delete_topic_and_follow_up(&desk, &user, thread).await;
    let topics = desk.fake.topics(SUPPORT);
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    assert_eq!(ticket.support_thread_id, Some(topics[0].0), "new topic recorded");
    desk.stop().await;
}
