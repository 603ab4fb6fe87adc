//! Canned replies end to end: kept with /snippet, listed with /snippets,
//! sent with /s as if staff had typed them.

use super::{forum_ticket, open_ticket, smith};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_saved_reply_reaches_the_user_filled_in_and_counts_as_the_answer,
    in_a_forum_a_saved_reply_is_sent_from_the_topic,
    saved_replies_are_listed_replaced_and_deleted,
);

/// `/snippet add`, then `/s greet` as a reply to the card: the user gets
/// the text with their name and the ticket's number (escaped as text,
/// not read as HTML); it is filed as the answer and staff see what went.
async fn a_saved_reply_reaches_the_user_filled_in_and_counts_as_the_answer(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    desk.fake.group_message(
        SUPPORT,
        &agent(),
        "/snippet add greet Hello {name}! About {ticket}: <b>try</b> again.",
        None,
    );
    let support = desk.wait_sent(SUPPORT, 1, "saved").await;
    assert!(support[0].text.as_deref().unwrap().contains("Saved reply greet kept"), "{:?}", support[0].text);
    let user = alice();
    let support = open_ticket(&desk, &user, "help").await;
    let command = desk.fake.group_message(SUPPORT, &agent(), "/s Greet", Some(support[1].message_id));
    let to_user = desk.wait_sent(user.id, 2, "the saved reply").await;
    assert_eq!(to_user[1].text.as_deref(), Some("Hello <3 & co! About #1: <b>try</b> again."));
    let support = desk.wait_sent(SUPPORT, 4, "what went").await;
    assert!(
        support[3].text.as_deref().unwrap().starts_with("📤 Sent greet to the user of #1:"),
        "{:?}",
        support[3].text
    );

    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    assert!(ticket.first_response_at.is_some(), "counted as the first response");
    let messages = inspect::messages(&desk.db, ticket.id).await;
    let answer = messages.iter().find(|m| m.direction == "to_user").expect("filed as an answer");
    assert_eq!(answer.text.as_deref(), Some("Hello <3 & co! About #1: <b>try</b> again."));
    assert_eq!(answer.user_message_id, Some(to_user[1].message_id), "the user's copy recorded");

    // Editing the command (a typo in its name) is no edit of the answer.
    desk.fake.group_edits(SUPPORT, command, "/s thanks");
    desk.settle().await;
    assert!(desk.fake.edits(user.id).is_empty(), "{:?}", desk.fake.edits(user.id));
    desk.stop().await;
}

/// In a forum, `/s` in the ticket's topic needs no reply.
async fn in_a_forum_a_saved_reply_is_sent_from_the_topic(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    desk.fake.group_message(SUPPORT, &agent(), "/snippet add bye Thanks for writing, {name}.", None);
    desk.wait_sent(SUPPORT, 1, "saved").await;
    let thread = forum_ticket(&desk, &alice(), "help").await;
    desk.fake.topic_message(SUPPORT, thread, &smith(), "/s bye");
    let to_user = desk.wait_sent(alice().id, 2, "the saved reply").await;
    assert_eq!(to_user[1].text.as_deref(), Some("Thanks for writing, <3 & co."));
    desk.stop().await;
}

/// A name saved twice keeps the second text; /snippets lists by name;
/// deleted, it is gone; a name that does not exist and a bad command say
/// how it works, and nothing reaches the user.
async fn saved_replies_are_listed_replaced_and_deleted(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let say = async |text: &str, count: usize| {
        desk.fake.group_message(SUPPORT, &agent(), text, None);
        desk.wait_sent(SUPPORT, count, text).await[count - 1].text.clone().unwrap()
    };
    say("/snippet add wait One moment, please.", 1).await;
    say("/snippet add wait Just a moment.", 2).await;
    assert!(say("/snippet add <b>x</b> no", 3).await.starts_with("Usage: /snippet add NAME TEXT"), "a bad name");
    let list = say("/snippets", 4).await;
    assert!(list.contains("Saved replies (1)") && list.contains("wait — Just a moment."), "{list}");
    assert!(say("/snippet del wait", 5).await.contains("deleted"));
    assert!(say("/snippets", 6).await.contains("No saved replies yet"));
    assert!(say("/snippet del wait", 7).await.contains("There is no saved reply wait"));
    let support = open_ticket(&desk, &alice(), "help").await;
    let card = support[7].message_id;
    desk.fake.group_message(SUPPORT, &agent(), "/s wait", Some(card));
    let support = desk.wait_sent(SUPPORT, 10, "no such reply").await;
    assert!(support[9].text.as_deref().unwrap().contains("There is no saved reply wait"), "{support:#?}");
    assert!(say("/s wait", 11).await.contains("as a reply to a ticket"), "no ticket named");
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(alice().id).len(), 1, "only the confirmation reached the user");
    desk.stop().await;
}
