//! The chats around the desk, against the fake Bot API: the support group
//! upgraded to a supergroup (a new id, message ids starting again), the
//! support chat turning its topics on, service messages that are no
//! answers, groups the bot was added to but does not serve, and updates
//! kept as Telegram sent them.

use fake_telegram::{FloodLimits, TgUser};

use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    an_upgraded_support_group_is_followed_and_old_cards_route_nowhere,
    topics_turned_on_are_followed_without_a_restart,
    service_messages_in_a_topic_reach_no_one,
    a_group_that_is_not_the_support_chat_is_left_and_forgotten,
    polled_updates_are_kept_as_telegram_sent_them
);

const UPGRADED: i64 = -1_009_999_999_999;

fn bob() -> TgUser {
    TgUser::new(502, "Bob")
}

async fn an_upgraded_support_group_is_followed_and_old_cards_route_nowhere(kind: Kind) {
    let prepare = |fake: &fake_telegram::FakeTelegram| fake.add_basic_group(SUPPORT, "Support");
    let Some(desk) = Desk::start_prepared(kind, false, Some(FloodLimits::default()), &[], prepare).await else {
        return;
    };
    let (alice, bob) = (alice(), bob());
    desk.fake.user_sends(&alice, "before the upgrade");
    let old = desk.wait_sent(SUPPORT, 2, "alice's card and relay").await;
    let old_card = old[0].message_id;
    desk.wait_sent(alice.id, 1, "alice's confirmation").await;

    desk.fake.upgrade_to_supergroup(SUPPORT, UPGRADED, &agent());
    desk.fake.user_sends(&bob, "after the upgrade");
    let new = desk.wait_sent(UPGRADED, 2, "bob's card and relay").await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 2, "nothing more to the old id");
    let bob_ticket = inspect::open_ticket(&desk.db, bob.id).await.unwrap();
    assert_eq!(bob_ticket.support_message_id, Some(new[0].message_id));
    let moves =
        format!("SELECT count(*) FROM support_chat_moves WHERE from_chat_id = {SUPPORT} AND to_chat_id = {UPGRADED}");
    assert_eq!(desk.db.count(&moves).await, 1);

    // Message ids start again in the new chat: a reply there to the message
    // that has the id of alice's card in the old chat is not about her.
    let newest = new.iter().map(|m| m.message_id).max().unwrap();
    assert!(old_card <= newest, "the old card's id {old_card} is taken in the new chat too (ids 1..={newest})");
    desk.fake.group_message(UPGRADED, &agent(), "reply to an old id", Some(old_card));
    desk.fake.group_message(UPGRADED, &agent(), "answered in the new chat", Some(new[0].message_id));
    desk.wait_sent(bob.id, 2, "bob's confirmation and answer").await;
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(alice.id).len(), 1, "an old card's id routed: {:?}", desk.fake.sent_to(alice.id));

    // Alice writes again: her ticket gets a card in the new chat, and a
    // reply to it reaches her.
    desk.fake.user_sends(&alice, "me again");
    let new = desk.wait_sent(UPGRADED, 4, "alice's new card and relay").await;
    let alice_ticket = inspect::open_ticket(&desk.db, alice.id).await.unwrap();
    let card =
        new.iter().find(|m| Some(m.message_id) == alice_ticket.support_message_id).expect("a card in the new chat");
    assert!(card.text.as_deref().unwrap_or_default().contains("alice"), "{card:?}");
    let placed = format!("SELECT count(*) FROM tickets WHERE support_chat_id = {UPGRADED}");
    assert_eq!(desk.db.count(&placed).await, 2, "both tickets are placed in the new chat");
    desk.fake.group_message(UPGRADED, &agent(), "found you", Some(card.message_id));
    desk.wait_sent(alice.id, 2, "alice's answer").await;
    assert!(desk.fake.left_chats().is_empty(), "the bot left no chat: {:?}", desk.fake.left_chats());
    desk.stop().await;
}

async fn topics_turned_on_are_followed_without_a_restart(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, false).await else { return };
    let (alice, bob) = (alice(), bob());
    desk.fake.user_sends(&alice, "no topics yet");
    desk.wait_sent(SUPPORT, 2, "card and relay").await;
    assert!(desk.fake.topics(SUPPORT).is_empty());
    // An admin turns topics on; the next message from the group says so.
    desk.fake.add_group(SUPPORT, "Support", true);
    desk.fake.group_message(SUPPORT, &agent(), "/open", None);
    desk.wait_sent(SUPPORT, 3, "the open list").await;
    desk.fake.user_sends(&bob, "topics now");
    desk.settle().await;
    let topics = desk.fake.topics(SUPPORT);
    assert_eq!(topics.len(), 1, "bob's ticket got a topic: {topics:?}");
    assert!(topics[0].1.contains("Bob"), "{topics:?}");
    desk.stop().await;
}

async fn service_messages_in_a_topic_reach_no_one(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let alice = alice();
    desk.fake.user_sends(&alice, "help");
    desk.wait_sent(alice.id, 1, "confirmation").await;
    desk.settle().await;
    let thread = desk.fake.topics(SUPPORT)[0].0;
    let staff = agent();
    desk.fake.group_event(SUPPORT, &staff, Some(thread), serde_json::json!({"forum_topic_edited": {"name": "VIP"}}));
    desk.fake.group_event(SUPPORT, &staff, Some(thread), serde_json::json!({"forum_topic_closed": {}}));
    desk.fake.group_event(SUPPORT, &staff, Some(thread), serde_json::json!({"forum_topic_reopened": {}}));
    desk.fake.group_event(
        SUPPORT,
        &staff,
        Some(thread),
        serde_json::json!({"new_chat_members": [{"id": 77, "is_bot": false, "first_name": "New"}]}),
    );
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(alice.id).len(), 1, "only the confirmation: {:?}", desk.fake.sent_to(alice.id));
    let ticket = inspect::open_ticket(&desk.db, alice.id).await.unwrap();
    assert_eq!(ticket.first_response_at, None, "a service message is no response");
    assert_eq!(inspect::messages(&desk.db, ticket.id).await.len(), 1, "nothing filed");
    // A real answer in the topic still goes through.
    desk.fake.topic_message(SUPPORT, thread, &staff, "on it");
    desk.wait_sent(alice.id, 2, "the answer").await;
    desk.stop().await;
}

async fn a_group_that_is_not_the_support_chat_is_left_and_forgotten(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    const STRANGERS: i64 = -1_005_555_555_555;
    let stranger = TgUser::new(777, "Stranger");
    let added = serde_json::json!({"new_chat_members": [{"id": fake_telegram::BOT_ID, "is_bot": true, "first_name": "Ticketbot"}]});
    desk.fake.group_event(STRANGERS, &stranger, None, added);
    desk.fake.group_message(STRANGERS, &stranger, "secret plans of the strangers", None);
    desk.settle().await;
    assert_eq!(desk.fake.left_chats().first(), Some(&STRANGERS), "{:?}", desk.fake.calls());
    assert!(desk.fake.sent_to(SUPPORT).is_empty(), "nothing reached staff");
    let kept = desk.db.count("SELECT count(*) FROM inbox_updates WHERE payload LIKE '%secret plans%'").await;
    assert_eq!(kept, 0, "the strangers' message is not kept");
    assert_eq!(desk.db.count("SELECT count(*) FROM inbox_updates").await, 2, "their ids are (deduplication)");
    desk.stop().await;
}

/// Polling keeps what Telegram sent byte for byte, as the webhook does: an
/// update of a kind this version cannot read is kept whole and set aside
/// with the reason, and one with a field it does not know is handled.
async fn polled_updates_are_kept_as_telegram_sent_them(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let future = serde_json::json!({"kind_from_the_future": {"emoji": "🦀", "quote": "<&>\"", "n": 1.5e300}});
    let future_id = desk.fake.push_update(future);
    let alice = alice();
    let mut message = serde_json::json!({"message": {"message_id": 1, "date": 1_800_000_000,
        "chat": {"id": alice.id, "type": "private", "first_name": "Ann"},
        "from": {"id": alice.id, "is_bot": false, "first_name": "Ann"},
        "text": "a field from the future", "field_from_the_future": [1, {"x": null}]}});
    desk.fake.user_sends(&alice, "hello");
    let message_id = desk.fake.push_update(message.clone());
    desk.wait_sent(SUPPORT, 3, "the card and both messages").await;
    desk.settle().await;
    message["update_id"] = serde_json::json!(message_id);

    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        payload: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        error: Option<String>,
    }
    let stored = |id: i64| format!("SELECT payload, error FROM inbox_updates WHERE update_id = {id}");
    let kept: Vec<Stored> = desk.db.query(&stored(future_id)).await;
    let sent = serde_json::to_string(&serde_json::json!({"update_id": future_id,
        "kind_from_the_future": {"emoji": "🦀", "quote": "<&>\"", "n": 1.5e300}}))
    .unwrap();
    assert_eq!(kept[0].payload, sent, "byte for byte");
    assert!(kept[0].error.as_deref().is_some_and(|e| e.contains("unrecognised update")), "{:?}", kept[0].error);
    let kept: Vec<Stored> = desk.db.query(&stored(message_id)).await;
    assert_eq!(kept[0].payload, serde_json::to_string(&message).unwrap());
    assert_eq!(kept[0].error, None, "handled");
    desk.stop().await;
}
