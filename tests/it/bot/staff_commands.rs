//! Staff commands in the support group: assigning, notes, the open list, a
//! ticket's history, help.

use fake_telegram::{Sent, TgUser};

use super::{open_ticket, smith, two_tickets};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    the_command_menus_are_registered_for_users_and_staff,
    take_assigns_the_ticket_to_whoever_sent_it,
    assign_is_for_admins,
    assign_is_only_to_staff_the_bot_has_seen,
    an_admin_assigns_a_ticket_to_staff,
    a_note_is_kept_on_the_ticket,
    a_note_never_reaches_the_user,
    open_takes_a_page_not_a_ticket,
    the_open_list_shows_the_assignee,
    ticket_shows_the_history_with_the_notes,
    ticket_lists_a_long_history_in_a_few_messages,
    an_unknown_command_gets_the_help,
    a_command_addressed_to_this_bot_is_answered,
);

fn texts(sent: &[Sent]) -> Vec<String> {
    sent.iter().map(|s| s.text.clone().unwrap_or_default()).collect()
}

fn lead() -> TgUser {
    let mut lead = TgUser::new(901, "Lead");
    lead.username = Some("lead".into());
    lead
}

/// The command menus were registered for both audiences.
async fn the_command_menus_are_registered_for_users_and_staff(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    assert!(desk.fake.commands("all_private_chats").is_some());
    assert!(desk.fake.commands("chat").is_some_and(|c| c.to_string().contains("assign")));
    desk.stop().await;
}

/// /take on a card assigns the ticket to whoever sent it.
async fn take_assigns_the_ticket_to_whoever_sent_it(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let card1 = two_tickets(&desk).await;
    desk.fake.group_message(SUPPORT, &smith(), "/take", Some(card1));
    let support = desk.wait_sent(SUPPORT, 5, "taken").await;
    let taken = support[4].text.as_deref().unwrap();
    assert!(taken.contains("#1 assigned to @smith by Agent Smith"), "{taken}");
    desk.stop().await;
}

/// /assign is for the group's admins.
async fn assign_is_for_admins(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    desk.fake.group_message(SUPPORT, &lead(), "/assign @smith #2", None);
    let support = desk.wait_sent(SUPPORT, 5, "admins only").await;
    assert!(support[4].text.as_deref().unwrap().contains("for the group's admins"));
    desk.stop().await;
}

/// /assign is only to staff the bot has seen.
async fn assign_is_only_to_staff_the_bot_has_seen(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    let lead = lead();
    desk.fake.make_admin(SUPPORT, lead.id);
    desk.fake.group_message(SUPPORT, &lead, "/assign @nobody #2", None);
    let support = desk.wait_sent(SUPPORT, 5, "unknown staff").await;
    assert!(support[4].text.as_deref().unwrap().contains("don't know @nobody"));
    desk.stop().await;
}

/// An admin's `/assign @smith #2` assigns ticket #2 to Smith, seen by his /take.
async fn an_admin_assigns_a_ticket_to_staff(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let card1 = two_tickets(&desk).await;
    desk.fake.group_message(SUPPORT, &smith(), "/take", Some(card1));
    desk.wait_sent(SUPPORT, 5, "taken").await;
    let lead = lead();
    desk.fake.make_admin(SUPPORT, lead.id);
    desk.fake.group_message(SUPPORT, &lead, "/assign @smith #2", None);
    let support = desk.wait_sent(SUPPORT, 6, "assigned").await;
    assert!(support[5].text.as_deref().unwrap().contains("#2 assigned to @smith by Lead"), "{:?}", support[5].text);
    desk.stop().await;
}

/// /note on a card keeps the note on the ticket.
async fn a_note_is_kept_on_the_ticket(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "printer on fire").await;
    desk.fake.group_message(SUPPORT, &smith(), "/note customer is a VIP <3", Some(support[0].message_id));
    let support = desk.wait_sent(SUPPORT, 3, "note kept").await;
    assert!(support[2].text.as_deref().unwrap().contains("Note kept on #1"));
    desk.stop().await;
}

/// Notes stay with staff: the user only has their confirmation.
async fn a_note_never_reaches_the_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let alice = alice();
    let support = open_ticket(&desk, &alice, "printer on fire").await;
    desk.fake.group_message(SUPPORT, &smith(), "/note customer is a VIP <3", Some(support[0].message_id));
    desk.wait_sent(SUPPORT, 3, "note kept").await;
    assert_eq!(desk.fake.sent_to(alice.id).len(), 1);
    desk.stop().await;
}

/// `/open 2` is a page (clamped to the last), not ticket #2.
async fn open_takes_a_page_not_a_ticket(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    desk.fake.group_message(SUPPORT, &agent(), "/open 2", None);
    let support = desk.wait_sent(SUPPORT, 5, "open list").await;
    let list = support[4].text.clone().unwrap();
    assert!(list.contains("2 in all") && list.contains("#1 ·") && list.contains("#2 ·"), "{list}");
    desk.stop().await;
}

/// The open list names each ticket's assignee.
async fn the_open_list_shows_the_assignee(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let card1 = two_tickets(&desk).await;
    desk.fake.group_message(SUPPORT, &smith(), "/take", Some(card1));
    desk.wait_sent(SUPPORT, 5, "taken").await;
    desk.fake.group_message(SUPPORT, &smith(), "/open 2", None);
    let support = desk.wait_sent(SUPPORT, 6, "open list").await;
    let list = support[5].text.clone().unwrap();
    assert!(list.contains("→ Agent Smith"), "{list}");
    desk.stop().await;
}

/// `/ticket #1` shows the ticket's history, its notes included.
async fn ticket_shows_the_history_with_the_notes(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "printer on fire").await;
    desk.fake.group_message(SUPPORT, &smith(), "/note customer is a VIP <3", Some(support[0].message_id));
    desk.wait_sent(SUPPORT, 3, "note kept").await;
    desk.fake.group_message(SUPPORT, &smith(), "/ticket #1", None);
    let support = desk.wait_sent(SUPPORT, 4, "history").await;
    let history = support[3].text.clone().unwrap();
    assert!(history.contains("printer on fire") && history.contains("customer is a VIP <3"), "{history}");
    desk.stop().await;
}

/// `/ticket` on a ticket with hundreds of messages lists the latest 50 and
/// says where the rest are: a few messages, not hundreds.
async fn ticket_lists_a_long_history_in_a_few_messages(kind: Kind) {
    let unpaced = [("DELIVERY_PACING", "off".to_string()), ("USER_MESSAGES_PER_MINUTE", "0".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &unpaced).await else { return };
    let user = alice();
    for i in 0..120 {
        desk.fake.user_sends(&user, &format!("message number {i:03}"));
    }
    desk.wait_sent(SUPPORT, 121, "card and relays").await;
    let before = desk.fake.sent_count();
    desk.fake.group_message(SUPPORT, &smith(), "/ticket #1", None);
    desk.settle().await;
    let history: Vec<String> = desk.fake.sent_since(before).iter().filter_map(|m| m.text.clone()).collect();
    assert!((1..=5).contains(&history.len()), "{} messages", history.len());
    let all = history.join("\n");
    assert!(all.contains("70 earlier messages are not listed"), "{all}");
    assert!(all.contains("message number 119") && all.contains("message number 070"), "{all}");
    assert!(!all.contains("message number 069"), "only the latest 50");
    desk.stop().await;
}

/// A command the bot does not know gets the staff help.
async fn an_unknown_command_gets_the_help(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    desk.fake.group_message(SUPPORT, &agent(), "/frobnicate", None);
    let support = desk.wait_sent(SUPPORT, 1, "help for unknown").await;
    assert!(texts(&support).last().unwrap().contains("answering tickets"));
    desk.stop().await;
}

/// A command addressed to this bot by its @username is answered.
async fn a_command_addressed_to_this_bot_is_answered(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    desk.fake.group_message(SUPPORT, &agent(), "/help@ticketbot_test_bot", None);
    desk.wait_sent(SUPPORT, 1, "our help").await;
    desk.stop().await;
}
