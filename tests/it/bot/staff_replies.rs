//! Staff answer a ticket by replying, in the support group, to its card or
//! to one of its messages; the answer is copied to the user.

use super::{Conversation, conversation, open_ticket};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_reply_to_the_card_reaches_the_user,
    a_reply_to_a_relayed_follow_up_reaches_the_user,
    staff_chatter_is_neither_relayed_nor_filed,
    the_first_answer_is_recorded_as_the_first_response,
    the_answers_copy_is_recorded,
    a_reply_to_a_closed_tickets_notice_reaches_the_user,
    a_reply_to_a_bot_message_about_no_ticket_is_explained,
    an_anonymous_admins_answer_reaches_the_user,
);

/// A staff reply to the ticket's card is copied to the user.
async fn a_reply_to_the_card_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "Hello <b>world</b> & more").await;
    let answer = desk.fake.group_message(SUPPORT, &agent(), "We are on it", Some(support[0].message_id));
    let to_user = desk.wait_sent(user.id, 2, "staff answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.stop().await;
}

/// A staff reply to the relayed copy of a follow-up is copied to the user.
async fn a_reply_to_a_relayed_follow_up_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "Hello <b>world</b> & more").await;
    desk.fake.user_sends(&user, "more details");
    let support = desk.wait_sent(SUPPORT, 3, "follow-up").await;
    let again = desk.fake.group_message(SUPPORT, &agent(), "Fixed?", Some(support[2].message_id));
    let to_user = desk.wait_sent(user.id, 2, "staff answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, again)));
    desk.stop().await;
}

/// Staff chatting among themselves is not relayed, nor filed with the ticket.
async fn staff_chatter_is_neither_relayed_nor_filed(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let Conversation { user, .. } = conversation(&desk).await;
    desk.fake.group_message(SUPPORT, &agent(), "coffee?", None);
    desk.settle().await;
    // Her confirmation (none for the follow-up) and the two answers.
    assert_eq!(desk.fake.sent_to(user.id).len(), 3);

    let ticket = inspect::open_ticket(&desk.db, user.id).await.expect("open ticket");
    let messages = inspect::messages(&desk.db, ticket.id).await;
    assert_eq!(messages.len(), 4);
    desk.stop().await;
}

/// The first staff answer sets the ticket's first response time.
async fn the_first_answer_is_recorded_as_the_first_response(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "Hello <b>world</b> & more").await;
    desk.fake.group_message(SUPPORT, &agent(), "We are on it", Some(support[0].message_id));
    desk.wait_sent(user.id, 2, "staff answer").await;
    let ticket = inspect::open_ticket(&desk.db, user.id).await.expect("open ticket");
    assert!(ticket.first_response_at.is_some());
    desk.stop().await;
}

/// A staff answer records the message id of its copy in the user's chat.
async fn the_answers_copy_is_recorded(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let Conversation { user, to_user } = conversation(&desk).await;
    let ticket = inspect::open_ticket(&desk.db, user.id).await.expect("open ticket");
    let messages = inspect::messages(&desk.db, ticket.id).await;
    assert_eq!(messages[2].user_message_id, Some(to_user[1].message_id), "answer's copy recorded");
    desk.stop().await;
}

/// A reply to the bot's notice about ticket #1 belongs to #1: closed, and the
/// user has #2 open, but they still get it.
async fn a_reply_to_a_closed_tickets_notice_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "first thing").await;
    desk.fake.user_sends(&user, "/new");
    desk.wait_sent(user.id, 4, "closed, asked to rate, prompted").await;
    desk.fake.user_sends(&user, "next thing");
    desk.wait_sent(user.id, 5, "second ticket").await;

    let support = desk.wait_sent(SUPPORT, 5, "second card").await;
    let notice = support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("closed by the user"))).unwrap();
    let late = desk.fake.group_message(SUPPORT, &agent(), "one more thing", Some(notice.message_id));
    let to_user = desk.wait_sent(user.id, 6, "reply to the notice").await;
    assert_eq!(to_user[5].copied_from, Some((SUPPORT, late)));
    desk.stop().await;
}

/// A reply to a bot message about no ticket (help) is explained.
async fn a_reply_to_a_bot_message_about_no_ticket_is_explained(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    desk.fake.group_message(SUPPORT, &agent(), "/help", None);
    let support = desk.wait_sent(SUPPORT, 1, "help").await;
    let reply = desk.fake.group_message(SUPPORT, &agent(), "huh?", Some(support[0].message_id));
    let support = desk.wait_sent(SUPPORT, 2, "explanation").await;
    assert!(support[1].text.as_deref().unwrap().contains("belongs to no ticket"));
    assert_eq!(support[1].reply_to, Some(reply));
    desk.stop().await;
}

/// An anonymous admin's reply to the card reaches the user.
async fn an_anonymous_admins_answer_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "hello").await;
    let answer = desk.fake.anonymous_admin_message(SUPPORT, "answer from the group", Some(support[0].message_id));
    let to_user = desk.wait_sent(user.id, 2, "anonymous answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.stop().await;
}
