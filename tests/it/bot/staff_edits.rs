//! What staff change after answering: an edited answer follows into the
//! user's chat; /unsend deletes it there.

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    an_edited_answer_is_edited_in_the_users_chat,
    an_edited_caption_is_edited_in_the_users_chat,
    unsend_deletes_the_answer_from_the_users_chat_once,
    edits_and_unsend_of_what_is_no_answer_change_nothing,
);

/// Alice's ticket answered by staff: the answer's id in the support chat
/// and its copy's in Alice's chat.
async fn answered(desk: &Desk, answer: &str) -> (i32, i32) {
    let support = open_ticket(desk, &alice(), "help").await;
    let staff = desk.fake.group_message(SUPPORT, &agent(), answer, Some(support[0].message_id));
    let to_user = desk.wait_sent(alice().id, 2, "the answer").await;
    (staff, to_user[1].message_id)
}

async fn an_edited_answer_is_edited_in_the_users_chat(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (staff, copy) = answered(&desk, "Try turning it off").await;
    desk.fake.group_edits(SUPPORT, staff, "Try turning it off and on again");
    desk.settle().await;
    assert_eq!(desk.fake.edits(alice().id), [(copy, "Try turning it off and on again".to_string())]);
    assert_eq!(desk.fake.text_of(alice().id, copy).as_deref(), Some("Try turning it off and on again"));
    let ticket = inspect::open_ticket(&desk.db, alice().id).await.unwrap();
    let messages = inspect::messages(&desk.db, ticket.id).await;
    let answer = messages.iter().find(|m| m.direction == "to_user").unwrap();
    assert_eq!(answer.text.as_deref(), Some("Try turning it off and on again"));
    assert!(answer.edited_at.is_some());
    desk.stop().await;
}

async fn an_edited_caption_is_edited_in_the_users_chat(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "help").await;
    let staff = desk.fake.group_photo(SUPPORT, &agent(), "the screen", Some(support[0].message_id));
    let to_user = desk.wait_sent(alice().id, 2, "the photo").await;
    desk.fake.group_edits(SUPPORT, staff, "the settings screen");
    desk.settle().await;
    assert_eq!(desk.fake.edits(alice().id), [(to_user[1].message_id, "the settings screen".to_string())]);
    let calls = desk.fake.calls();
    assert!(calls.iter().any(|c| c.method == "editmessagecaption" && c.status == 200), "a caption, not a text");
    desk.stop().await;
}

async fn unsend_deletes_the_answer_from_the_users_chat_once(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (staff, copy) = answered(&desk, "wrong user, sorry").await;
    desk.fake.group_message(SUPPORT, &agent(), "/unsend", Some(staff));
    let support = desk.wait_sent(SUPPORT, 3, "unsent").await;
    assert!(support[2].text.as_deref().unwrap().starts_with("🗑 Unsent"), "{:?}", support[2].text);
    desk.settle().await;
    assert_eq!(desk.fake.deleted(alice().id), [copy]);
    // The user never got it: the ticket waits for its first answer again.
    let ticket = inspect::open_ticket(&desk.db, alice().id).await.unwrap();
    assert_eq!(ticket.first_response_at, None);
    let waiting = "SELECT COUNT(*) FROM tickets WHERE waiting_since IS NOT NULL AND last_response_at IS NULL";
    assert_eq!(desk.db.count(waiting).await, 1);
    desk.fake.group_message(SUPPORT, &agent(), "/unsend", Some(staff));
    let support = desk.wait_sent(SUPPORT, 4, "already").await;
    assert_eq!(support[3].text.as_deref(), Some("That answer was unsent already."));
    desk.fake.group_message(SUPPORT, &agent(), "/ticket #1", None);
    let support = desk.wait_sent(SUPPORT, 5, "history").await;
    assert!(support[4].text.as_deref().unwrap().contains("🗑: wrong user, sorry"), "{:?}", support[4].text);
    assert_eq!(desk.fake.deleted(alice().id).len(), 1, "deleted once");
    desk.stop().await;
}

async fn edits_and_unsend_of_what_is_no_answer_change_nothing(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "help").await;
    let chatter = desk.fake.group_message(SUPPORT, &agent(), "lunch?", None);
    desk.fake.group_edits(SUPPORT, chatter, "lunch at 1?");
    desk.fake.group_message(SUPPORT, &agent(), "/unsend", Some(support[0].message_id));
    let after = desk.wait_sent(SUPPORT, 3, "usage").await;
    assert!(
        after[2].text.as_deref().unwrap().starts_with("Use /unsend as a reply to an answer"),
        "{:?}",
        after[2].text
    );
    desk.fake.group_message(SUPPORT, &agent(), "/unsend", None);
    desk.wait_sent(SUPPORT, 4, "usage again").await;
    desk.settle().await;
    assert!(desk.fake.edits(alice().id).is_empty());
    assert!(desk.fake.deleted(alice().id).is_empty());
    assert_eq!(desk.fake.sent_to(alice().id).len(), 1, "only the confirmation");
    desk.stop().await;
}
