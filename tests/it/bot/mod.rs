//! End to end: the real App against the fake Bot API on 127.0.0.1, on both
//! backends. Users write in private, staff answer from the support group.
//! One file per area, one behaviour per test; the setup the tests share is
//! here.

use fake_telegram::{Sent, TgUser};

use crate::desk::{Desk, SUPPORT, agent, alice};

mod albums;
mod api;
mod bans;
mod blocked;
mod closing;
mod console;
mod console_browser;
mod console_desk;
mod console_keyboard;
mod edits;
mod erasure;
mod export;
mod find;
mod floods;
mod forum;
mod forum_commands;
mod ignored;
mod pacing;
mod ratings;
mod response_clock;
mod retention;
mod snippets;
mod staff_commands;
mod staff_edits;
mod staff_replies;
mod stats;
mod texts;
mod tickets;
mod user_commands;

/// A second user.
fn bob() -> TgUser {
    TgUser::new(502, "Bob")
}

/// The agent, with a username to be assigned by.
fn smith() -> TgUser {
    let mut agent = agent();
    agent.username = Some("smith".into());
    agent
}

/// 4096 characters of <&>.
fn hostile() -> String {
    "<&>".repeat(1365) + "<"
}

/// `user` writes `text` and waits for the ticket's card, the relayed message
/// and the confirmation: returns what the support group got so far.
async fn open_ticket(desk: &Desk, user: &TgUser, text: &str) -> Vec<Sent> {
    let (support, to_user) = (desk.fake.sent_to(SUPPORT).len(), desk.fake.sent_to(user.id).len());
    desk.fake.user_sends(user, text);
    desk.wait_sent(user.id, to_user + 1, "confirmation").await;
    desk.wait_sent(SUPPORT, support + 2, "card and relayed message").await
}

/// `user` opens a ticket in a forum with `text`: returns its topic.
async fn forum_ticket(desk: &Desk, user: &TgUser, text: &str) -> i32 {
    open_ticket(desk, user, text).await;
    desk.fake.topics(SUPPORT)[0].0
}

/// Alice's ticket #1, then Bob's #2: returns the card of #1.
async fn two_tickets(desk: &Desk) -> i32 {
    // One after the other: on PostgreSQL two users writing at the same
    // moment are handled side by side, and either may get #1.
    desk.fake.user_sends(&alice(), "printer on fire");
    desk.wait_sent(SUPPORT, 2, "alice's card and message").await;
    desk.fake.user_sends(&bob(), "cannot log in");
    let support = desk.wait_sent(SUPPORT, 4, "two cards").await;
    support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("#1"))).unwrap().message_id
}

/// Alice, and what she got once her ticket was answered twice.
struct Conversation {
    user: TgUser,
    to_user: Vec<Sent>,
}

/// Alice writes and follows up; staff answer by replying to the card, then
/// to the relayed follow-up.
async fn conversation(desk: &Desk) -> Conversation {
    let user = alice();
    desk.fake.user_sends(&user, "Hello <b>world</b> & more");
    let support = desk.wait_sent(SUPPORT, 2, "card and relayed message").await;
    let card = support[0].message_id;
    desk.wait_sent(user.id, 1, "confirmation").await;
    desk.fake.user_sends(&user, "more details");
    let support = desk.wait_sent(SUPPORT, 3, "follow-up").await;
    desk.fake.group_message(SUPPORT, &agent(), "We are on it", Some(card));
    desk.wait_sent(user.id, 2, "staff answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "Fixed?", Some(support[2].message_id));
    let to_user = desk.wait_sent(user.id, 3, "second staff answer").await;
    Conversation { user, to_user }
}
