//! What the bot leaves alone: other groups, messages that answer no ticket,
//! updates it has handled already, commands for other bots.

use fake_telegram::TgUser;

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    other_groups_are_ignored,
    a_message_in_the_group_that_replies_to_nothing_is_ignored,
    a_redelivered_update_changes_nothing,
    a_command_for_another_bot_is_left_alone,
);

/// A stranger writing in a group other than the support group gets nothing.
async fn other_groups_are_ignored(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let stranger = TgUser::new(777, "Mallory");
    desk.fake.add_group(-100_999, "Other group", false);
    desk.fake.group_message(-100_999, &stranger, "hello bot", None);
    desk.settle().await;
    assert!(desk.fake.all_sent().is_empty(), "nothing sent: {:?}", desk.fake.all_sent());
    desk.stop().await;
}

/// A message in the support group that is no reply sends nothing.
async fn a_message_in_the_group_that_replies_to_nothing_is_ignored(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let stranger = TgUser::new(777, "Mallory");
    desk.fake.group_message(SUPPORT, &stranger, "not a reply", None);
    desk.settle().await;
    assert!(desk.fake.all_sent().is_empty(), "nothing sent: {:?}", desk.fake.all_sent());
    desk.stop().await;
}

/// Telegram delivers an update again when its confirmation was lost (the
/// bot died before its next getUpdates): stored already, it changes
/// nothing.
async fn a_redelivered_update_changes_nothing(kind: Kind) {
    let Some(mut desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "hi");
    desk.wait_sent(user.id, 1, "confirmation").await;
    desk.settle().await;
    desk.halt().await;
    // The stopped bot's last long poll would confirm whatever is pushed now.
    desk.fake.release_polls().await;
    let delivered = desk.fake.calls().into_iter().filter(|c| c.method == "getupdates").count();
    // The same update again: "hi" was the fake's first update, number 100.
    let update = serde_json::json!({
        "update_id": 100,
        "message": {"message_id": 1, "date": 0, "chat": {"id": user.id, "type": "private", "first_name": "x"},
                    "from": {"id": user.id, "is_bot": false, "first_name": "x"}, "text": "hi"}
    });
    let before = desk.fake.all_sent().len();
    desk.fake.redeliver(update);
    desk.restart().await;
    desk.settle().await;
    let calls = desk.fake.calls();
    let refetched =
        calls.iter().filter(|c| c.method == "getupdates").skip(delivered).any(|c| c.params.get("offset").is_none());
    assert!(refetched, "the restarted bot fetched without an offset, so it got the redelivered update");
    assert_eq!(desk.fake.all_sent().len(), before, "a redelivered update sent something");
    assert_eq!(inspect::tickets_of(&desk.db, user.id).await.len(), 1);
    let messages = inspect::messages(&desk.db, inspect::open_ticket(&desk.db, user.id).await.unwrap().id).await;
    assert_eq!(messages.len(), 1, "filed once");
    desk.stop().await;
}

/// A command for another bot in the group is not ours to answer.
async fn a_command_for_another_bot_is_left_alone(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    open_ticket(&desk, &alice(), "hello").await;
    desk.fake.group_message(SUPPORT, &agent(), "/help@otherbot", None);
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 2);
    desk.stop().await;
}
