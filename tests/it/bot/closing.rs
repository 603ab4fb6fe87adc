//! Closing a ticket, by the user or by staff, and reopening it.

use super::{bob, open_ticket, two_tickets};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_users_close_is_confirmed_to_them,
    a_users_close_is_noted_under_the_card,
    after_a_users_close_the_next_message_opens_ticket_2,
    a_staff_close_is_announced_with_who_closed,
    a_staff_close_is_told_to_the_user_in_their_language,
    reopen_opens_the_ticket_again,
    close_without_a_ticket_explains_itself,
    close_with_a_number_tells_that_tickets_user,
);

/// The user's /close: they are told their ticket is closed.
async fn a_users_close_is_confirmed_to_them(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "first problem").await;
    desk.fake.user_sends(&user, "/close");
    let to_user = desk.wait_sent(user.id, 2, "closed notice").await;
    assert!(
        to_user[1].text.as_deref().unwrap().contains("#1") && to_user[1].text.as_deref().unwrap().contains("closed")
    );
    desk.stop().await;
}

/// The user's /close: staff are told under the ticket's card.
async fn a_users_close_is_noted_under_the_card(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "first problem").await;
    desk.fake.user_sends(&user, "/close");
    let support = desk.wait_sent(SUPPORT, 3, "closed by the user").await;
    assert!(support[2].text.as_deref().unwrap().contains("closed by the user"));
    assert_eq!(support[2].reply_to, Some(support[0].message_id));
    desk.stop().await;
}

/// After the user's /close their next message opens ticket #2.
async fn after_a_users_close_the_next_message_opens_ticket_2(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    open_ticket(&desk, &user, "first problem").await;
    desk.fake.user_sends(&user, "/close");
    desk.wait_sent(user.id, 3, "closed notice and the rating question").await;
    desk.wait_sent(SUPPORT, 3, "closed by the user").await;

    desk.fake.user_sends(&user, "second problem");
    let support = desk.wait_sent(SUPPORT, 5, "second card").await;
    assert!(support[3].text.as_deref().unwrap().contains("#2"), "{:?}", support[3].text);
    let to_user = desk.wait_sent(user.id, 4, "second confirmation").await;
    assert!(to_user[3].text.as_deref().unwrap().contains("Ticket #2"));
    desk.stop().await;
}

/// A staff /close on the card is announced in the group with who closed it.
async fn a_staff_close_is_announced_with_who_closed(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "help").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(support[0].message_id));
    let support = desk.wait_sent(SUPPORT, 3, "closed notice").await;
    assert!(support[2].text.as_deref().unwrap().contains("closed by Agent Smith"), "{:?}", support[2].text);
    desk.stop().await;
}

/// A staff /close is told to the user, in the user's language.
async fn a_staff_close_is_told_to_the_user_in_their_language(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let mut user = alice();
    user.language_code = Some("ru".into());
    let support = open_ticket(&desk, &user, "help").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(support[0].message_id));
    let to_user = desk.wait_sent(user.id, 2, "user told").await;
    assert!(to_user[1].text.as_deref().unwrap().contains("закрыто"), "Russian: {:?}", to_user[1].text);
    desk.stop().await;
}

/// /reopen on the card of a closed ticket opens it again, and says so.
async fn reopen_opens_the_ticket_again(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "help").await;
    let card = support[0].message_id;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    desk.wait_sent(SUPPORT, 3, "closed notice").await;

    desk.fake.group_message(SUPPORT, &agent(), "/reopen", Some(card));
    let support = desk.wait_sent(SUPPORT, 4, "reopened").await;
    assert!(support[3].text.as_deref().unwrap().contains("reopened"));
    assert!(inspect::open_ticket(&desk.db, user.id).await.is_some());
    desk.stop().await;
}

/// /close without a ticket to point at explains itself.
async fn close_without_a_ticket_explains_itself(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    desk.fake.group_message(SUPPORT, &agent(), "/close", None);
    let support = desk.wait_sent(SUPPORT, 1, "usage").await;
    assert!(support[0].text.as_deref().unwrap().contains("as a reply"));
    desk.stop().await;
}

/// `/close #2`, not a reply: the user of ticket #2 is told.
async fn close_with_a_number_tells_that_tickets_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    desk.fake.group_message(SUPPORT, &agent(), "/close #2", None);
    desk.wait_sent(bob().id, 2, "bob told").await;
    desk.stop().await;
}
