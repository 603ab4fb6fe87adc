//! Satisfaction ratings end to end: the question after a close, a press on
//! a star (answered, recorded once per ticket, shown, told to staff), the
//! comment just after, and presses that must change nothing.

use super::{bob, open_ticket};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_closed_tickets_user_rates_it_and_may_change_the_rating,
    a_press_for_someone_elses_ticket_or_none_changes_nothing,
    words_just_after_rating_are_its_comment_then_a_new_ticket,
    with_csat_off_no_question_is_asked,
);

/// Alice's ticket, closed by staff: the rating question's message id.
async fn closed_and_asked(desk: &Desk) -> i32 {
    let support = open_ticket(desk, &alice(), "help").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(support[0].message_id));
    let to_user = desk.wait_sent(alice().id, 3, "closed notice and the question").await;
    let question = &to_user[2];
    assert!(question.text.as_deref().unwrap().starts_with("How did we do with ticket #1"), "{:?}", question.text);
    question.message_id
}

fn rating(score: &str) -> String {
    format!("SELECT COUNT(*) FROM ticket_ratings WHERE score = {score}")
}

/// Staff close, the user taps 4 then 5: each press is answered, the
/// question shows the choice, staff read `⭐ 4/5 for #1` and then the
/// change; one rating, 5, is kept.
async fn a_closed_tickets_user_rates_it_and_may_change_the_rating(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let question = closed_and_asked(&desk).await;
    let buttons = desk.fake.buttons(alice().id, question);
    assert_eq!(buttons.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(), ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]);

    let first = desk.fake.press(&alice(), alice().id, question, &buttons[3].1);
    let support = desk.wait_sent(SUPPORT, 4, "the rating for staff").await;
    assert_eq!(support[3].text.as_deref(), Some("⭐ 4/5 for #1"));
    assert_eq!(support[3].reply_to, Some(support[0].message_id), "under the card");
    desk.settle().await;
    assert_eq!(desk.fake.answered(), [(first, Some("Thank you for rating us!".to_string()))]);
    let shown = desk.fake.text_of(alice().id, question).unwrap();
    assert!(shown.contains("(4/5)"), "{shown}");
    assert_eq!(desk.fake.buttons(alice().id, question)[3].0, "✅ 4", "the choice marked");

    desk.fake.press(&alice(), alice().id, question, &buttons[4].1);
    let support = desk.wait_sent(SUPPORT, 5, "the changed rating").await;
    assert_eq!(support[4].text.as_deref(), Some("⭐ 5/5 for #1 (was 4/5)"));
    desk.settle().await;
    assert_eq!(desk.db.count(&rating("5")).await, 1);
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM ticket_ratings").await, 1, "one rating per ticket");
    assert_eq!(desk.fake.answered().len(), 2, "every press answered");
    desk.stop().await;
}

/// Bob pressing Alice's star, a star of a ticket that does not exist, data
/// that is not ours: each answered, nothing recorded, staff told nothing.
async fn a_press_for_someone_elses_ticket_or_none_changes_nothing(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let question = closed_and_asked(&desk).await;
    let (_, star) = desk.fake.buttons(alice().id, question)[4].clone();
    open_ticket(&desk, &bob(), "hi").await;
    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.press(&bob(), alice().id, question, &star);
    desk.fake.press(&alice(), alice().id, question, "rate:999999:5");
    desk.fake.press(&alice(), alice().id, question, "<b>not ours</b>");
    desk.settle().await;
    assert_eq!(desk.fake.answered().len(), 3, "every press answered");
    assert!(desk.fake.answered().iter().all(|(_, text)| text.is_none()), "{:?}", desk.fake.answered());
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM ticket_ratings").await, 0);
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), before, "staff told nothing");
    assert!(desk.fake.edits(alice().id).is_empty(), "the question unchanged");

    // Reopened, the ticket is worked on again: its stars record nothing.
    desk.fake.group_message(SUPPORT, &agent(), "/reopen #1", None);
    desk.wait_sent(SUPPORT, before + 1, "reopened").await;
    desk.fake.press(&alice(), alice().id, question, &star);
    desk.settle().await;
    assert_eq!(desk.fake.answered().len(), 4);
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM ticket_ratings").await, 0);
    desk.stop().await;
}

/// A user who rated writes just after: the text is the rating's comment
/// (they are told so; staff see it), no ticket opens. Their next message
/// opens #2.
async fn words_just_after_rating_are_its_comment_then_a_new_ticket(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let question = closed_and_asked(&desk).await;
    let (_, star) = desk.fake.buttons(alice().id, question)[1].clone();
    desk.fake.press(&alice(), alice().id, question, &star);
    desk.wait_sent(SUPPORT, 4, "the rating").await;
    desk.fake.user_sends(&alice(), "you took <too> long & then some");
    let to_user = desk.wait_sent(alice().id, 4, "comment kept").await;
    assert!(to_user[3].text.as_deref().unwrap().contains("comment is added"), "{:?}", to_user[3].text);
    let support = desk.wait_sent(SUPPORT, 5, "the comment for staff").await;
    assert_eq!(
        support[4].text.as_deref(),
        Some("💬 The user's comment on ⭐ 2/5 for #1: you took <too> long & then some")
    );
    let count = "SELECT COUNT(*) FROM ticket_ratings WHERE comment = 'you took <too> long & then some'";
    assert_eq!(desk.db.count(count).await, 1);
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM tickets").await, 1, "no ticket opened");

    desk.fake.user_sends(&alice(), "a new problem");
    let to_user = desk.wait_sent(alice().id, 5, "second ticket").await;
    assert!(to_user[4].text.as_deref().unwrap().contains("#2"), "{:?}", to_user[4].text);
    desk.stop().await;
}

/// CSAT=off: the close is told, no question follows.
async fn with_csat_off_no_question_is_asked(kind: Kind) {
    let vars = [("CSAT", "off".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, Default::default(), &vars).await else { return };
    let support = open_ticket(&desk, &alice(), "help").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(support[0].message_id));
    desk.wait_sent(alice().id, 2, "closed notice").await;
    desk.settle().await;
    let to_user = desk.fake.sent_to(alice().id);
    assert_eq!(to_user.len(), 2, "{to_user:?}");
    assert!(to_user.iter().all(|s| desk.fake.buttons(alice().id, s.message_id).is_empty()));
    desk.stop().await;
}
