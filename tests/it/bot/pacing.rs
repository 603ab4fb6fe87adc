//! Telegram's limits: messages are paced, never refused; a text too long for
//! one message is split, never cut.

use super::{conversation, hostile};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_conversation_is_never_refused,
    nine_messages_to_one_user_are_paced_not_refused,
    a_long_history_is_split_into_messages_that_fit,
    a_long_history_loses_no_message,
    a_long_history_is_never_refused,
);

/// A ticket's conversation gets no 429 from Telegram.
async fn a_conversation_is_never_refused(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    conversation(&desk).await;
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

/// Nine messages to one user within seconds: paced, never refused.
async fn nine_messages_to_one_user_are_paced_not_refused(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "/status");
    desk.wait_sent(user.id, 1, "status without ticket").await;
    desk.fake.user_sends(&user, "/start");
    desk.wait_sent(user.id, 2, "greeting").await;
    desk.fake.user_sends(&user, &hostile());
    desk.wait_sent(SUPPORT, 2, "hostile message relayed").await;
    desk.wait_sent(user.id, 3, "confirmation").await;
    desk.fake.user_sends(&user, "/status");
    desk.wait_sent(user.id, 4, "status").await;
    desk.fake.user_sends(&user, "/new");
    desk.wait_sent(user.id, 6, "closed and prompted").await;
    desk.fake.user_sends(&user, "next thing");
    desk.wait_sent(user.id, 7, "second ticket").await;
    let support = desk.wait_sent(SUPPORT, 5, "second card").await;
    let notice = support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("closed by the user"))).unwrap();
    desk.fake.group_message(SUPPORT, &agent(), "one more thing", Some(notice.message_id));
    desk.wait_sent(user.id, 8, "reply to the notice").await;
    desk.fake.group_message(SUPPORT, &agent(), "/help", None);
    let support = desk.wait_sent(SUPPORT, 6, "help").await;
    desk.fake.group_message(SUPPORT, &agent(), "huh?", Some(support[5].message_id));
    desk.wait_sent(SUPPORT, 7, "explanation").await;
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

/// 15 messages whose history lines are ~300 characters each: more than one
/// Telegram message holds. (Staff may get them in a digest.) Returns the
/// texts `/ticket #1` answered with.
async fn long_history(desk: &Desk) -> Vec<String> {
    let user = alice();
    for i in 0..15 {
        desk.fake.user_sends(&user, &format!("message {i:02} {}", "<&>".repeat(95)));
    }
    desk.settle().await;
    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.group_message(SUPPORT, &agent(), "/ticket #1", None);
    desk.wait_sent(SUPPORT, before + 2, "history in several messages").await;
    desk.fake.sent_to(SUPPORT).into_iter().skip(before).filter_map(|s| s.text).collect()
}

/// A history too long for one message comes in several, each within the limit.
async fn a_long_history_is_split_into_messages_that_fit(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let history = long_history(&desk).await;
    assert!(history.len() >= 2, "split: {}", history.len());
    assert!(history.iter().all(|t| t.encode_utf16().count() <= 4096));
    desk.stop().await;
}

/// A history split in several messages loses none of the ticket's messages.
async fn a_long_history_loses_no_message(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let all = long_history(&desk).await.join("\n");
    for i in 0..15 {
        assert!(all.contains(&format!("message {i:02}")), "message {i} lost");
    }
    desk.stop().await;
}

/// Sending a long history in several messages gets no 429 from Telegram.
async fn a_long_history_is_never_refused(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    long_history(&desk).await;
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}
