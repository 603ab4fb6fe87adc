//! A user edits a message they sent: staff see the edit, the database keeps
//! the message as it reads now.

use fake_telegram::{Sent, TgUser};

use crate::desk::{Desk, SUPPORT, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    an_edit_is_marked_under_the_relayed_original,
    the_edited_message_is_relayed_as_it_reads_now,
    an_edit_is_recorded_on_the_stored_message,
    a_hundred_edits_do_not_flood_the_support_chat,
);

/// Alice opens a ticket and fixes a typo: returns her, her message, its relayed
/// copy and what the group got once the edit is mirrored.
async fn edited(desk: &Desk) -> (TgUser, i32, i32, Vec<Sent>) {
    let user = alice();
    let original = desk.fake.user_sends(&user, "my pasword is wrong");
    let support = desk.wait_sent(SUPPORT, 2, "relayed").await;
    let relayed = support[1].message_id;
    desk.fake.user_edits(&user, original, "my password is wrong");
    let support = desk.wait_sent(SUPPORT, 4, "edit mirrored").await;
    (user, original, relayed, support)
}

/// A marker saying the user edited the message, as a reply to its relayed copy.
async fn an_edit_is_marked_under_the_relayed_original(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (_, _, relayed, support) = edited(&desk).await;
    assert!(support[2].text.as_deref().unwrap().contains("edited this message of #1"), "{:?}", support[2].text);
    assert_eq!(support[2].reply_to, Some(relayed), "marker under the relayed original");
    desk.stop().await;
}

/// The edited message is relayed again, as it reads now.
async fn the_edited_message_is_relayed_as_it_reads_now(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (user, original, _, support) = edited(&desk).await;
    assert_eq!(support[3].copied_from, Some((user.id, original)));
    assert_eq!(support[3].text.as_deref(), Some("my password is wrong"), "the message as it reads now");
    desk.stop().await;
}

/// The stored message takes the new text and the time of the edit.
async fn an_edit_is_recorded_on_the_stored_message(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (user, _, _, _) = edited(&desk).await;
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    let messages = inspect::messages(&desk.db, ticket.id).await;
    assert_eq!(messages[0].text.as_deref(), Some("my password is wrong"));
    assert!(messages[0].edited_at.is_some());
    desk.stop().await;
}

/// A user editing one message a hundred times: an edit whose follow-up is
/// still waiting adds none (the waiting copy shows the message as it reads
/// when it goes), and edits count in the user's messages a minute, past
/// which they are kept, not mirrored; the database keeps the last text.
async fn a_hundred_edits_do_not_flood_the_support_chat(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let original = desk.fake.user_sends(&user, "version 0");
    desk.wait_sent(SUPPORT, 2, "relayed").await;
    for i in 1..=100 {
        desk.fake.user_edits(&user, original, &format!("version {i}"));
    }
    desk.settle_within(std::time::Duration::from_secs(40)).await;
    let support = desk.fake.sent_to(SUPPORT);
    let texts: Vec<_> = support.iter().map(|m| (m.text.clone(), m.at)).collect();
    // Each edit counts in the user's 30 messages a minute: at most 29
    // follow-ups, fewer as waiting ones take in later edits.
    assert!(support.len() <= 2 + 2 * 29, "{} messages for 100 edits: {texts:#?}", support.len());
    assert_eq!(support.last().unwrap().text.as_deref(), Some("version 100"), "the last follow-up shows the last text");
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    assert_eq!(inspect::messages(&desk.db, ticket.id).await[0].text.as_deref(), Some("version 100"));
    desk.stop().await;
}
