//! A user who blocked the bot cannot get answers: staff are told, once, and
//! answers flow again when the user comes back.

use fake_telegram::{Sent, TgUser};

use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    an_answer_to_a_user_who_blocked_the_bot_is_reported_under_the_card,
    staff_are_told_only_once_that_a_user_blocked_the_bot,
    a_user_who_comes_back_gets_answers_again,
);

/// Alice opens a ticket and blocks the bot, and staff answer her: returns
/// her, the card and what the group got once staff are told.
async fn answered_after_blocking(desk: &Desk) -> (TgUser, i32, Vec<Sent>) {
    let user = alice();
    desk.fake.user_sends(&user, "hello");
    let support = desk.wait_sent(SUPPORT, 2, "card").await;
    let card = support[0].message_id;
    desk.fake.block_bot(user.id);
    desk.fake.group_message(SUPPORT, &agent(), "answer one", Some(card));
    let support = desk.wait_sent(SUPPORT, 3, "blocked notice").await;
    (user, card, support)
}

/// An answer that cannot reach the user is reported under the card.
async fn an_answer_to_a_user_who_blocked_the_bot_is_reported_under_the_card(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (_, card, support) = answered_after_blocking(&desk).await;
    assert!(support[2].text.as_deref().unwrap().contains("#1) blocked the bot"), "{:?}", support[2].text);
    assert_eq!(support[2].reply_to, Some(card));
    desk.stop().await;
}

/// Staff are told once, not on every answer.
async fn staff_are_told_only_once_that_a_user_blocked_the_bot(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (_, card, _) = answered_after_blocking(&desk).await;
    desk.fake.group_message(SUPPORT, &agent(), "answer two", Some(card));
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 3, "staff are told once");
    desk.stop().await;
}

/// The user comes back: the mark is cleared and answers reach them again.
async fn a_user_who_comes_back_gets_answers_again(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (user, card, _) = answered_after_blocking(&desk).await;
    desk.fake.unblock_bot(user.id);
    desk.fake.user_sends(&user, "sorry, I'm back");
    desk.wait_sent(SUPPORT, 4, "relay").await;
    let answer = desk.fake.group_message(SUPPORT, &agent(), "welcome back", Some(card));
    let to_user = desk.wait_sent(user.id, 2, "answer after unblock").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.stop().await;
}
