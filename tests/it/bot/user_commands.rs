//! The user's commands in private: /start, /status, /new.

use super::open_ticket;
use crate::desk::{Desk, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    status_without_a_ticket_says_so,
    start_greets_the_user,
    status_names_the_open_ticket,
    new_closes_and_invites_the_next_question,
    after_new_the_next_message_opens_ticket_2,
);

/// /status without a ticket says there is none.
async fn status_without_a_ticket_says_so(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "/status");
    let to_user = desk.wait_sent(user.id, 1, "status without ticket").await;
    assert!(to_user[0].text.as_deref().unwrap().contains("no open ticket"));
    desk.stop().await;
}

/// /start greets the user and invites a question.
async fn start_greets_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "/start");
    let to_user = desk.wait_sent(user.id, 1, "greeting").await;
    assert!(to_user[0].text.as_deref().unwrap().contains("Write your question"));
    desk.stop().await;
}

/// /status with a ticket open names it.
async fn status_names_the_open_ticket(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "my question");
    let to_user = desk.wait_sent(user.id, 1, "confirmation").await;
    desk.fake.user_sends(&user, "/status");
    let to_user_now = desk.wait_sent(user.id, 2, "status").await;
    assert!(to_user_now[1].text.as_deref().unwrap().contains("#1"), "{:?}", to_user[0].text);
    desk.stop().await;
}

/// /new closes the ticket and invites the next question.
async fn new_closes_and_invites_the_next_question(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "my question").await;
    desk.fake.user_sends(&user, "/new");
    let to_user = desk.wait_sent(user.id, 4, "closed, asked to rate, prompted").await;
    assert!(to_user[2].text.as_deref().unwrap().contains("How did we do"));
    assert!(to_user[3].text.as_deref().unwrap().contains("new question"));
    desk.stop().await;
}

/// After /new the next message opens ticket #2.
async fn after_new_the_next_message_opens_ticket_2(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "my question").await;
    desk.fake.user_sends(&user, "/new");
    desk.wait_sent(user.id, 4, "closed, asked to rate, prompted").await;
    desk.fake.user_sends(&user, "next thing");
    let to_user = desk.wait_sent(user.id, 5, "second ticket").await;
    assert!(to_user[4].text.as_deref().unwrap().contains("Ticket #2"));
    desk.stop().await;
}
