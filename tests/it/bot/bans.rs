//! Admins ban and unban a user from a ticket's card.

use fake_telegram::{Sent, TgUser};

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_ban_is_announced,
    a_banned_user_is_told_once,
    a_banned_users_messages_do_not_reach_staff,
    unban_lets_the_user_through_again,
    an_anonymous_admin_can_ban,
    ban_is_for_admins,
    ban_of_a_ticket_that_does_not_exist_says_so,
);

/// Alice's ticket, banned by an admin replying to its card: returns the admin,
/// the card and what the group got.
async fn banned(desk: &Desk) -> (TgUser, i32, Vec<Sent>) {
    desk.fake.user_sends(&alice(), "spam");
    let support = desk.wait_sent(SUPPORT, 2, "card").await;
    let card = support[0].message_id;
    let admin = TgUser::new(903, "Admin");
    desk.fake.make_admin(SUPPORT, admin.id);
    desk.fake.group_message(SUPPORT, &admin, "/ban", Some(card));
    let support = desk.wait_sent(SUPPORT, 3, "banned").await;
    (admin, card, support)
}

/// An admin's /ban on the card is announced in the group.
async fn a_ban_is_announced(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (_, _, support) = banned(&desk).await;
    assert!(support[2].text.as_deref().unwrap().contains("is banned"));
    desk.stop().await;
}

/// A banned user who writes is told the service is not available, once.
async fn a_banned_user_is_told_once(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    banned(&desk).await;
    desk.fake.user_sends(&user, "more spam");
    let to_user = desk.wait_sent(user.id, 2, "banned notice").await;
    assert!(to_user[1].text.as_deref().unwrap().contains("not available"));
    desk.fake.user_sends(&user, "even more spam");
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(user.id).len(), 2, "one notice per ban");
    desk.stop().await;
}

/// A banned user's messages do not reach staff.
async fn a_banned_users_messages_do_not_reach_staff(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    banned(&desk).await;
    desk.fake.user_sends(&user, "more spam");
    desk.wait_sent(user.id, 2, "banned notice").await;
    desk.fake.user_sends(&user, "even more spam");
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 3, "nothing reached staff");
    desk.stop().await;
}

/// After /unban the user's messages are relayed again.
async fn unban_lets_the_user_through_again(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let (admin, card, _) = banned(&desk).await;
    desk.fake.group_message(SUPPORT, &admin, "/unban", Some(card));
    desk.wait_sent(SUPPORT, 4, "unbanned").await;
    desk.fake.user_sends(&user, "sorry");
    let support = desk.wait_sent(SUPPORT, 5, "relayed again").await;
    assert!(support[4].copied_from.is_some());
    desk.stop().await;
}

/// An anonymous admin (posting as the group) can ban.
async fn an_anonymous_admin_can_ban(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "hello").await;
    desk.fake.anonymous_admin_message(SUPPORT, "/ban", Some(support[0].message_id));
    let support = desk.wait_sent(SUPPORT, 3, "banned").await;
    assert!(support[2].text.as_deref().unwrap().contains("is banned"), "{:?}", support[2].text);
    desk.stop().await;
}

/// Someone who is no admin cannot ban: they are told, and the user is not.
async fn ban_is_for_admins(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let card = open_ticket(&desk, &user, "help").await[0].message_id;
    desk.fake.group_message(SUPPORT, &TgUser::new(904, "Not an admin"), "/ban", Some(card));
    let support = desk.wait_sent(SUPPORT, 3, "admins only").await;
    assert!(support[2].text.as_deref().unwrap().contains("/ban is for the group's admins"), "{:?}", support[2].text);
    desk.fake.user_sends(&user, "still here");
    let support = desk.wait_sent(SUPPORT, 4, "the user's next message").await;
    assert_eq!(support[3].copied_from.map(|(chat, _)| chat), Some(user.id), "still relayed: not banned");
    desk.stop().await;
}

/// A ban naming a ticket that does not exist says so, whoever asks.
async fn ban_of_a_ticket_that_does_not_exist_says_so(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    open_ticket(&desk, &alice(), "help").await;
    desk.fake.group_message(SUPPORT, &TgUser::new(904, "Not an admin"), "/ban #99", None);
    let support = desk.wait_sent(SUPPORT, 3, "no such ticket").await;
    assert!(support[2].text.as_deref().unwrap().contains("There is no ticket #99"), "{:?}", support[2].text);
    desk.stop().await;
}
