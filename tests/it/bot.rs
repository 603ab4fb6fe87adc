//! End to end: the real App against the fake Bot API on 127.0.0.1, on both
//! backends. Users write in private, staff answer from the support group.

use fake_telegram::{Sent, TgUser};

use crate::desk::{Desk, SUPPORT, WAIT, agent, alice};
use crate::inspect;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    ticket_opens_and_staff_reply_reaches_user,
    user_closes_and_the_next_message_opens_a_new_ticket,
    staff_close_and_reopen,
    strangers_and_redeliveries_change_nothing,
    staff_commands,
    ban_stops_a_user,
    forum_topic_per_ticket,
    user_edits_are_mirrored,
    albums_arrive_as_albums,
    user_commands_and_odd_input,
    long_history_is_split_not_cut,
    forum_commands_in_topics,
    a_user_who_blocked_the_bot,
    anonymous_admins_and_other_bots_commands,
);
async fn ticket_opens_and_staff_reply_reaches_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else {
        return;
    };
    let user = alice();
    let first = desk.fake.user_sends(&user, "Hello <b>world</b> & more");

    let support = desk.wait_sent(SUPPORT, 2, "card and relayed message").await;
    let card = &support[0];
    let card_text = card.text.as_deref().unwrap();
    assert!(card_text.contains("#1"), "{card_text}");
    assert!(card_text.contains("<3 & co") && card_text.contains("@alice"), "{card_text}");
    assert_eq!(support[1].copied_from, Some((user.id, first)), "the user's message itself");
    assert_eq!(support[1].reply_to, Some(card.message_id), "relayed under its card");

    let to_user = desk.wait_sent(user.id, 1, "confirmation").await;
    assert!(to_user[0].text.as_deref().unwrap().contains("Ticket #1"), "{:?}", to_user[0].text);

    // A follow-up joins the ticket: relayed under the card, not confirmed again.
    let second = desk.fake.user_sends(&user, "more details");
    let support = desk.wait_sent(SUPPORT, 3, "follow-up").await;
    assert_eq!(support[2].copied_from, Some((user.id, second)));
    assert_eq!(support[2].reply_to, Some(card.message_id));

    // Staff answer by replying to the card, then to the relayed follow-up.
    let answer = desk.fake.group_message(SUPPORT, &agent(), "We are on it", Some(card.message_id));
    let to_user = desk.wait_sent(user.id, 2, "staff answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    let again = desk.fake.group_message(SUPPORT, &agent(), "Fixed?", Some(support[2].message_id));
    let to_user = desk.wait_sent(user.id, 3, "second staff answer").await;
    assert_eq!(to_user[2].copied_from, Some((SUPPORT, again)));

    // Staff chatting among themselves is not relayed.
    desk.fake.group_message(SUPPORT, &agent(), "coffee?", None);
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(user.id).len(), 3);

    let ticket = inspect::open_ticket(&desk.db, user.id).await.expect("open ticket");
    assert_eq!(ticket.support_message_id, Some(card.message_id), "card recorded");
    assert!(ticket.first_response_at.is_some());
    let messages = inspect::messages(&desk.db, ticket.id).await;
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[0].support_message_id, Some(support[1].message_id), "relay recorded for routing");
    assert_eq!(messages[2].user_message_id, Some(to_user[1].message_id), "answer's copy recorded");
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

async fn user_closes_and_the_next_message_opens_a_new_ticket(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else {
        return;
    };
    let user = alice();
    desk.fake.user_sends(&user, "first problem");
    desk.wait_sent(user.id, 1, "confirmation").await;
    desk.fake.user_sends(&user, "/close");
    let to_user = desk.wait_sent(user.id, 2, "closed notice").await;
    assert!(
        to_user[1].text.as_deref().unwrap().contains("#1") && to_user[1].text.as_deref().unwrap().contains("closed")
    );
    let support = desk.wait_sent(SUPPORT, 3, "closed by the user").await;
    assert!(support[2].text.as_deref().unwrap().contains("closed by the user"));
    assert_eq!(support[2].reply_to, Some(support[0].message_id));

    desk.fake.user_sends(&user, "second problem");
    let support = desk.wait_sent(SUPPORT, 5, "second card").await;
    assert!(support[3].text.as_deref().unwrap().contains("#2"), "{:?}", support[3].text);
    let to_user = desk.wait_sent(user.id, 3, "second confirmation").await;
    assert!(to_user[2].text.as_deref().unwrap().contains("Ticket #2"));
    desk.stop().await;
}

async fn staff_close_and_reopen(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else {
        return;
    };
    let mut user = alice();
    user.language_code = Some("ru".into());
    desk.fake.user_sends(&user, "help");
    let support = desk.wait_sent(SUPPORT, 2, "card").await;
    let card = support[0].message_id;

    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    let support = desk.wait_sent(SUPPORT, 3, "closed notice").await;
    assert!(support[2].text.as_deref().unwrap().contains("closed by Agent Smith"), "{:?}", support[2].text);
    let to_user = desk.wait_sent(user.id, 2, "user told").await;
    assert!(to_user[1].text.as_deref().unwrap().contains("закрыто"), "Russian: {:?}", to_user[1].text);

    desk.fake.group_message(SUPPORT, &agent(), "/reopen", Some(card));
    let support = desk.wait_sent(SUPPORT, 4, "reopened").await;
    assert!(support[3].text.as_deref().unwrap().contains("reopened"));
    assert!(inspect::open_ticket(&desk.db, user.id).await.is_some());

    // /close without a ticket to point at explains itself.
    desk.fake.group_message(SUPPORT, &agent(), "/close", None);
    let support = desk.wait_sent(SUPPORT, 5, "usage").await;
    assert!(support[4].text.as_deref().unwrap().contains("as a reply"));
    desk.stop().await;
}

async fn strangers_and_redeliveries_change_nothing(kind: Kind) {
    let Some(mut desk) = Desk::start(kind).await else {
        return;
    };
    let stranger = TgUser::new(777, "Mallory");
    desk.fake.add_group(-100_999, "Other group", false);
    desk.fake.group_message(-100_999, &stranger, "hello bot", None);
    desk.fake.group_message(SUPPORT, &stranger, "not a reply", None);
    desk.settle().await;
    assert!(desk.fake.all_sent().is_empty(), "nothing sent: {:?}", desk.fake.all_sent());

    let user = alice();
    desk.fake.user_sends(&user, "hi");
    desk.wait_sent(user.id, 1, "confirmation").await;
    desk.settle().await;
    // Telegram delivers an update again when its confirmation was lost (the
    // bot died before its next getUpdates): stored already, it changes
    // nothing.
    desk.halt().await;
    // The stopped bot's last long poll would confirm whatever is pushed now.
    desk.fake.release_polls().await;
    let delivered = desk.fake.calls().into_iter().filter(|c| c.method == "getupdates").count();
    let update = serde_json::json!({
        "update_id": 102,
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

fn texts(sent: &[Sent]) -> Vec<String> {
    sent.iter().map(|s| s.text.clone().unwrap_or_default()).collect()
}

async fn staff_commands(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (alice, bob_user) = (alice(), TgUser::new(502, "Bob"));
    // One after the other: on PostgreSQL two users writing at the same
    // moment are handled side by side, and either may get #1.
    desk.fake.user_sends(&alice, "printer on fire");
    desk.wait_sent(SUPPORT, 2, "alice's card and message").await;
    desk.fake.user_sends(&bob_user, "cannot log in");
    let support = desk.wait_sent(SUPPORT, 4, "two cards").await;
    let card1 = support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("#1"))).unwrap().message_id;

    // The command menus were registered for both audiences.
    assert!(desk.fake.commands("all_private_chats").is_some());
    assert!(desk.fake.commands("chat").is_some_and(|c| c.to_string().contains("assign")));

    let mut agent = agent();
    agent.username = Some("smith".into());
    desk.fake.group_message(SUPPORT, &agent, "/take", Some(card1));
    let support = desk.wait_sent(SUPPORT, 5, "taken").await;
    let taken = support[4].text.as_deref().unwrap();
    assert!(taken.contains("#1 assigned to @smith by Agent Smith"), "{taken}");

    // /assign is for admins, and only to staff the bot has seen.
    let mut lead = TgUser::new(901, "Lead");
    lead.username = Some("lead".into());
    desk.fake.group_message(SUPPORT, &lead, "/assign @smith #2", None);
    let support = desk.wait_sent(SUPPORT, 6, "admins only").await;
    assert!(support[5].text.as_deref().unwrap().contains("for the group's admins"));
    desk.fake.make_admin(SUPPORT, lead.id);
    desk.fake.group_message(SUPPORT, &lead, "/assign @nobody #2", None);
    let support = desk.wait_sent(SUPPORT, 7, "unknown staff").await;
    assert!(support[6].text.as_deref().unwrap().contains("don't know @nobody"));
    desk.fake.group_message(SUPPORT, &lead, "/assign @smith #2", None);
    let support = desk.wait_sent(SUPPORT, 8, "assigned").await;
    assert!(support[7].text.as_deref().unwrap().contains("#2 assigned to @smith by Lead"), "{:?}", support[7].text);

    // Notes stay with staff.
    desk.fake.group_message(SUPPORT, &agent, "/note customer is a VIP <3", Some(card1));
    let support = desk.wait_sent(SUPPORT, 9, "note kept").await;
    assert!(support[8].text.as_deref().unwrap().contains("Note kept on #1"));

    desk.fake.group_message(SUPPORT, &agent, "/open 2", None);
    let support = desk.wait_sent(SUPPORT, 10, "open list").await;
    let list = support[9].text.clone().unwrap();
    // `/open 2` is a page (clamped to the last), not ticket #2.
    assert!(list.contains("2 in all") && list.contains("#1 ·") && list.contains("#2 ·"), "{list}");
    assert!(list.contains("→ Agent Smith"), "{list}");

    desk.fake.group_message(SUPPORT, &agent, "/ticket #1", None);
    let support = desk.wait_sent(SUPPORT, 11, "history").await;
    let history = support[10].text.clone().unwrap();
    assert!(history.contains("printer on fire") && history.contains("customer is a VIP <3"), "{history}");

    desk.fake.group_message(SUPPORT, &agent, "/close #2", None);
    desk.wait_sent(bob_user.id, 2, "bob told").await;
    desk.fake.group_message(SUPPORT, &agent, "/frobnicate", None);
    let support = desk.wait_sent(SUPPORT, 13, "help for unknown").await;
    assert!(texts(&support).last().unwrap().contains("answering tickets"));

    // The note never reached Alice: she only has her confirmation.
    assert_eq!(desk.fake.sent_to(alice.id).len(), 1);
    desk.stop().await;
}

async fn ban_stops_a_user(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "spam");
    let support = desk.wait_sent(SUPPORT, 2, "card").await;
    let card = support[0].message_id;
    let admin = TgUser::new(903, "Admin");
    desk.fake.make_admin(SUPPORT, admin.id);
    desk.fake.group_message(SUPPORT, &admin, "/ban", Some(card));
    let support = desk.wait_sent(SUPPORT, 3, "banned").await;
    assert!(support[2].text.as_deref().unwrap().contains("is banned"));

    desk.fake.user_sends(&user, "more spam");
    let to_user = desk.wait_sent(user.id, 2, "banned notice").await;
    assert!(to_user[1].text.as_deref().unwrap().contains("not available"));
    desk.fake.user_sends(&user, "even more spam");
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 3, "nothing reached staff");
    assert_eq!(desk.fake.sent_to(user.id).len(), 2, "one notice per ban");

    desk.fake.group_message(SUPPORT, &admin, "/unban", Some(card));
    desk.wait_sent(SUPPORT, 4, "unbanned").await;
    desk.fake.user_sends(&user, "sorry");
    let support = desk.wait_sent(SUPPORT, 5, "relayed again").await;
    assert!(support[4].copied_from.is_some());
    desk.stop().await;
}

async fn forum_topic_per_ticket(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "topic please");
    let support = desk.wait_sent(SUPPORT, 2, "card and message in the topic").await;
    let topics = desk.fake.topics(SUPPORT);
    assert_eq!(topics.len(), 1, "one topic per ticket");
    let (thread, name, closed) = topics[0].clone();
    assert_eq!(name, "#1 · <3 & co");
    assert!(!closed);
    assert!(support.iter().all(|s| s.thread_id == Some(thread)), "{support:#?}");

    // Anything staff post in the topic reaches the user, no reply needed.
    let answer = desk.fake.topic_message(SUPPORT, thread, &agent(), "hello from the topic");
    let to_user = desk.wait_sent(user.id, 2, "answer from the topic").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));

    desk.fake.topic_message(SUPPORT, thread, &agent(), "/close");
    desk.wait_sent(user.id, 3, "user told of the close").await;
    desk.wait_topic_closed(true).await;
    desk.fake.topic_message(SUPPORT, thread, &agent(), "/reopen");
    desk.wait_topic_closed(false).await;

    // Staff delete the topic; the ticket goes on in a new one.
    desk.fake.delete_topic(SUPPORT, thread);
    let follow_up = desk.fake.user_sends(&user, "still there?");
    desk.fake
        .wait_for(WAIT, "message in a new topic", |sent| {
            sent.iter().any(|s| s.copied_from == Some((user.id, follow_up)) && s.thread_id.is_some_and(|t| t != thread))
        })
        .await;
    let topics = desk.fake.topics(SUPPORT);
    assert_eq!(topics.len(), 1);
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    assert_eq!(ticket.support_thread_id, Some(topics[0].0), "new topic recorded");
    desk.stop().await;
}

async fn user_edits_are_mirrored(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let original = desk.fake.user_sends(&user, "my pasword is wrong");
    let support = desk.wait_sent(SUPPORT, 2, "relayed").await;
    let relayed = support[1].message_id;
    desk.fake.user_edits(&user, original, "my password is wrong");
    let support = desk.wait_sent(SUPPORT, 4, "edit mirrored").await;
    assert!(support[2].text.as_deref().unwrap().contains("edited this message of #1"), "{:?}", support[2].text);
    assert_eq!(support[2].reply_to, Some(relayed), "marker under the relayed original");
    assert_eq!(support[3].copied_from, Some((user.id, original)));
    assert_eq!(support[3].text.as_deref(), Some("my password is wrong"), "the message as it reads now");

    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    let messages = inspect::messages(&desk.db, ticket.id).await;
    assert_eq!(messages[0].text.as_deref(), Some("my password is wrong"));
    assert!(messages[0].edited_at.is_some());
    desk.stop().await;
}

async fn albums_arrive_as_albums(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    let members = desk.fake.user_sends_album(&user, 3, "three screenshots");
    let support = desk.wait_sent(SUPPORT, 4, "card and album").await;
    let album: Vec<&Sent> = support.iter().filter(|s| s.method == "copymessages").collect();
    assert_eq!(album.len(), 3, "the album's members in one copyMessages call: {support:#?}");
    let copied: Vec<i32> = album.iter().map(|s| s.copied_from.unwrap().1).collect();
    assert_eq!(copied, members, "in order");
    let to_user = desk.wait_sent(user.id, 1, "one confirmation").await;
    assert_eq!(to_user.len(), 1);

    // A staff reply to any member reaches the user.
    let answer = desk.fake.group_message(SUPPORT, &agent(), "got them", Some(album[2].message_id));
    let to_user = desk.wait_sent(user.id, 2, "answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    let ticket = inspect::open_ticket(&desk.db, user.id).await.unwrap();
    let messages = inspect::messages(&desk.db, ticket.id).await;
    let relayed = messages.iter().filter(|m| m.direction == "from_user" && m.support_message_id.is_some()).count();
    assert_eq!(relayed, 3, "every member's copy recorded");
    desk.stop().await;
}

async fn user_commands_and_odd_input(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "/status");
    let to_user = desk.wait_sent(user.id, 1, "status without ticket").await;
    assert!(to_user[0].text.as_deref().unwrap().contains("no open ticket"));
    desk.fake.user_sends(&user, "/start");
    let to_user = desk.wait_sent(user.id, 2, "greeting").await;
    assert!(to_user[1].text.as_deref().unwrap().contains("Write your question"));

    // 4096 characters of <&>: relayed untouched, nothing refused or cut.
    let hostile = "<&>".repeat(1365) + "<";
    assert_eq!(hostile.chars().count(), 4096);
    let sent = desk.fake.user_sends(&user, &hostile);
    let support = desk.wait_sent(SUPPORT, 2, "hostile message relayed").await;
    assert_eq!(support[1].copied_from, Some((user.id, sent)));
    assert_eq!(support[1].text.as_deref(), Some(hostile.as_str()));
    let to_user = desk.wait_sent(user.id, 3, "confirmation").await;
    desk.fake.user_sends(&user, "/status");
    let to_user_now = desk.wait_sent(user.id, 4, "status").await;
    assert!(to_user_now[3].text.as_deref().unwrap().contains("#1"), "{:?}", to_user[2].text);

    // /new closes and invites the next ticket.
    desk.fake.user_sends(&user, "/new");
    let to_user = desk.wait_sent(user.id, 6, "closed and prompted").await;
    assert!(to_user[5].text.as_deref().unwrap().contains("new question"));
    desk.fake.user_sends(&user, "next thing");
    let to_user = desk.wait_sent(user.id, 7, "second ticket").await;
    assert!(to_user[6].text.as_deref().unwrap().contains("Ticket #2"));

    // A reply to the bot's notice about ticket #1 belongs to #1 (closed, but
    // the user still gets it); a reply to a bot message about no ticket
    // (help) is explained.
    let support = desk.wait_sent(SUPPORT, 5, "second card").await;
    let notice = support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("closed by the user"))).unwrap();
    let late = desk.fake.group_message(SUPPORT, &agent(), "one more thing", Some(notice.message_id));
    let to_user = desk.wait_sent(user.id, 8, "reply to the notice").await;
    assert_eq!(to_user[7].copied_from, Some((SUPPORT, late)));
    desk.fake.group_message(SUPPORT, &agent(), "/help", None);
    let support = desk.wait_sent(SUPPORT, 6, "help").await;
    let reply = desk.fake.group_message(SUPPORT, &agent(), "huh?", Some(support[5].message_id));
    let support = desk.wait_sent(SUPPORT, 7, "explanation").await;
    assert!(support[6].text.as_deref().unwrap().contains("belongs to no ticket"));
    assert_eq!(support[6].reply_to, Some(reply));
    // Nine messages to one user within seconds: paced, never refused.
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

async fn long_history_is_split_not_cut(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    // 15 messages whose history lines are ~300 characters each: more than
    // one Telegram message holds. (Staff may get them in a digest.)
    for i in 0..15 {
        desk.fake.user_sends(&user, &format!("message {i:02} {}", "<&>".repeat(95)));
    }
    desk.settle().await;
    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.group_message(SUPPORT, &agent(), "/ticket #1", None);
    desk.wait_sent(SUPPORT, before + 2, "history in several messages").await;
    let history: Vec<String> = desk.fake.sent_to(SUPPORT).into_iter().skip(before).filter_map(|s| s.text).collect();
    assert!(history.len() >= 2, "split: {}", history.len());
    assert!(history.iter().all(|t| t.encode_utf16().count() <= 4096));
    let all = history.join("\n");
    for i in 0..15 {
        assert!(all.contains(&format!("message {i:02}")), "message {i} lost");
    }
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

async fn forum_commands_in_topics(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "help in a forum");
    desk.wait_sent(SUPPORT, 2, "topic").await;
    let thread = desk.fake.topics(SUPPORT)[0].0;
    let mut agent = agent();
    agent.username = Some("smith".into());
    desk.fake.topic_message(SUPPORT, thread, &agent, "/take");
    desk.fake.topic_message(SUPPORT, thread, &agent, "/note internal only");
    let support = desk.wait_sent(SUPPORT, 4, "assigned and noted").await;
    assert!(support[2].text.as_deref().unwrap().contains("#1 assigned to @smith"));
    assert!(support[3].text.as_deref().unwrap().contains("Note kept on #1"));
    assert!(support[2..].iter().all(|s| s.thread_id == Some(thread)), "answers stay in the topic");
    // The user's /close closes the topic too.
    desk.fake.user_sends(&user, "/close");
    desk.wait_topic_closed(true).await;
    assert_eq!(desk.fake.sent_to(user.id).len(), 2, "confirmation and closed notice; the note stayed with staff");
    desk.stop().await;
}

async fn a_user_who_blocked_the_bot(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "hello");
    let support = desk.wait_sent(SUPPORT, 2, "card").await;
    let card = support[0].message_id;
    desk.fake.block_bot(user.id);
    desk.fake.group_message(SUPPORT, &agent(), "answer one", Some(card));
    let support = desk.wait_sent(SUPPORT, 3, "blocked notice").await;
    assert!(support[2].text.as_deref().unwrap().contains("#1) blocked the bot"), "{:?}", support[2].text);
    assert_eq!(support[2].reply_to, Some(card));
    desk.fake.group_message(SUPPORT, &agent(), "answer two", Some(card));
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 3, "staff are told once");

    // The user comes back: the mark is cleared and answers reach them again.
    desk.fake.unblock_bot(user.id);
    desk.fake.user_sends(&user, "sorry, I'm back");
    desk.wait_sent(SUPPORT, 4, "relay").await;
    let answer = desk.fake.group_message(SUPPORT, &agent(), "welcome back", Some(card));
    let to_user = desk.wait_sent(user.id, 2, "answer after unblock").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.stop().await;
}

async fn anonymous_admins_and_other_bots_commands(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let user = alice();
    desk.fake.user_sends(&user, "hello");
    let support = desk.wait_sent(SUPPORT, 2, "card").await;
    let card = support[0].message_id;
    // A command for another bot in the group is not ours to answer.
    desk.fake.group_message(SUPPORT, &agent(), "/help@otherbot", None);
    desk.settle().await;
    assert_eq!(desk.fake.sent_to(SUPPORT).len(), 2);
    desk.fake.group_message(SUPPORT, &agent(), "/help@ticketbot_test_bot", None);
    desk.wait_sent(SUPPORT, 3, "our help").await;
    // An anonymous admin answers and bans: both work.
    let answer = desk.fake.anonymous_admin_message(SUPPORT, "answer from the group", Some(card));
    let to_user = desk.wait_sent(user.id, 2, "anonymous answer").await;
    assert_eq!(to_user[1].copied_from, Some((SUPPORT, answer)));
    desk.fake.anonymous_admin_message(SUPPORT, "/ban", Some(card));
    let support = desk.wait_sent(SUPPORT, 4, "banned").await;
    assert!(support[3].text.as_deref().unwrap().contains("is banned"), "{:?}", support[3].text);
    desk.stop().await;
}
