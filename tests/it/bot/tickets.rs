//! A user's first message opens a ticket: a card in the support group, the
//! message relayed under it, a confirmation to the user; what follows joins
//! the ticket.

use super::{hostile, open_ticket};
use crate::desk::{Desk, SUPPORT, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    the_card_names_the_ticket_and_the_user,
    the_first_message_is_relayed_under_its_card,
    the_user_is_told_the_ticket_number,
    a_follow_up_is_relayed_under_the_card,
    the_card_is_recorded_on_the_ticket,
    the_relayed_copy_is_recorded_for_routing,
    a_4096_character_message_of_markup_is_relayed_untouched,
);

/// The card carries the ticket's number, the user's name and username.
async fn the_card_names_the_ticket_and_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    desk.fake.user_sends(&alice(), "Hello <b>world</b> & more");
    let support = desk.wait_sent(SUPPORT, 2, "card and relayed message").await;
    let card_text = support[0].text.as_deref().unwrap();
    assert!(card_text.contains("#1"), "{card_text}");
    assert!(card_text.contains("<3 & co") && card_text.contains("@alice"), "{card_text}");
    desk.stop().await;
}

/// The user's message itself is copied to the group, as a reply to the card.
async fn the_first_message_is_relayed_under_its_card(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let first = desk.fake.user_sends(&user, "Hello <b>world</b> & more");
    let support = desk.wait_sent(SUPPORT, 2, "card and relayed message").await;
    let card = &support[0];
    assert_eq!(support[1].copied_from, Some((user.id, first)), "the user's message itself");
    assert_eq!(support[1].reply_to, Some(card.message_id), "relayed under its card");
    desk.stop().await;
}

/// The user gets a confirmation naming their ticket.
async fn the_user_is_told_the_ticket_number(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "Hello <b>world</b> & more");
    desk.wait_sent(SUPPORT, 2, "card and relayed message").await;
    let to_user = desk.wait_sent(user.id, 1, "confirmation").await;
    assert!(to_user[0].text.as_deref().unwrap().contains("Ticket #1"), "{:?}", to_user[0].text);
    desk.stop().await;
}

/// A follow-up joins the ticket: relayed under the card.
async fn a_follow_up_is_relayed_under_the_card(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "Hello <b>world</b> & more").await;
    let card = &support[0];
    let second = desk.fake.user_sends(&user, "more details");
    let support = desk.wait_sent(SUPPORT, 3, "follow-up").await;
    assert_eq!(support[2].copied_from, Some((user.id, second)));
    assert_eq!(support[2].reply_to, Some(card.message_id));
    desk.stop().await;
}

/// The ticket records its card.
async fn the_card_is_recorded_on_the_ticket(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "Hello <b>world</b> & more").await;
    let card = &support[0];
    let ticket = inspect::open_ticket(&desk.db, user.id).await.expect("open ticket");
    assert_eq!(ticket.support_message_id, Some(card.message_id), "card recorded");
    desk.stop().await;
}

/// The user's message records its copy in the group, for staff replies to it.
async fn the_relayed_copy_is_recorded_for_routing(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "Hello <b>world</b> & more").await;
    let ticket = inspect::open_ticket(&desk.db, user.id).await.expect("open ticket");
    let messages = inspect::messages(&desk.db, ticket.id).await;
    assert_eq!(messages[0].support_message_id, Some(support[1].message_id), "relay recorded for routing");
    desk.stop().await;
}

/// 4096 characters of <&>: relayed untouched, nothing refused or cut.
async fn a_4096_character_message_of_markup_is_relayed_untouched(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let hostile = hostile();
    assert_eq!(hostile.chars().count(), 4096);
    let sent = desk.fake.user_sends(&user, &hostile);
    let support = desk.wait_sent(SUPPORT, 2, "hostile message relayed").await;
    assert_eq!(support[1].copied_from, Some((user.id, sent)));
    assert_eq!(support[1].text.as_deref(), Some(hostile.as_str()));
    desk.stop().await;
}
