//! A user sends an album: it reaches staff as an album, in one piece.

use fake_telegram::Sent;

use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    an_album_is_relayed_in_one_call,
    an_albums_members_keep_their_order,
    an_album_gets_one_confirmation,
    a_reply_to_any_album_member_reaches_the_user,
    every_album_members_copy_is_recorded,
);

/// Alice sends an album of three: returns its members and what the group got
/// once the card and the album are there.
async fn album(desk: &Desk) -> (Vec<i32>, Vec<Sent>) {
    let members = desk.fake.user_sends_album(&alice(), 3, "three screenshots");
    let support = desk.wait_sent(SUPPORT, 4, "card and album").await;
    (members, support)
}

fn copies(support: &[Sent]) -> Vec<&Sent> {
    support.iter().filter(|s| s.method == "copymessages").collect()
}

/// The album's members are copied in one copyMessages call.
async fn an_album_is_relayed_in_one_call(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (_, support) = album(&desk).await;
    let album = copies(&support);
    assert_eq!(album.len(), 3, "the album's members in one copyMessages call: {support:#?}");
    desk.stop().await;
}

/// The album's members are copied in their order.
async fn an_albums_members_keep_their_order(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (members, support) = album(&desk).await;
    let copied: Vec<i32> = copies(&support).iter().map(|s| s.copied_from.unwrap().1).collect();
    assert_eq!(copied, members, "in order");
    desk.stop().await;
}

/// An album opens one ticket with one confirmation, not one per member.
async fn an_album_gets_one_confirmation(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    album(&desk).await;
    let to_user = desk.wait_sent(alice().id, 1, "one confirmation").await;
    assert_eq!(to_user.len(), 1);
    desk.stop().await;
}

/// A staff reply to any member reaches the user.
async fn a_reply_to_any_album_member_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let (_, support) = album(&desk).await;
    desk.wait_sent(user.id, 1, "one confirmation").await;
    let answer = desk.fake.group_message(SUPPORT, &agent(), "got them", Some(copies(&support)[2].message_id));
    let to_user = desk.wait_sent(user.id, 2, "answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.stop().await;
}

/// The copy of every member is recorded, for staff replies to it.
async fn every_album_members_copy_is_recorded(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    album(&desk).await;
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    let messages = inspect::messages(&desk.db, ticket.id).await;
    let relayed = messages.iter().filter(|m| m.direction == "from_user" && m.support_message_id.is_some()).count();
    assert_eq!(relayed, 3, "every member's copy recorded");
    desk.stop().await;
}
