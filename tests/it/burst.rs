//! Rush hour against a fake Bot API that enforces Telegram's flood limits:
//! a burst of new tickets, digests and what stays reachable through them,
//! and Telegram answering 502 for a while.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::inspect::{self, numbers_named};
use fake_telegram::{Sent, TgUser};

use crate::desk::{Desk, SUPPORT, agent};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    burst_of_200_tickets_in_10_seconds,
    digested_tickets_stay_reachable,
    a_digested_ticket_gets_its_card_before_its_next_message,
    forum_digest_opens_topics_later,
    telegram_down_for_10_seconds,
);

fn user(i: usize) -> TgUser {
    TgUser::new(10_000 + i as i64, &format!("User <{i}>"))
}

/// When each of today's ticket numbers first showed in the support chat.
fn first_shown(support: &[Sent]) -> BTreeMap<i32, Instant> {
    let mut shown = BTreeMap::new();
    for s in support {
        for n in numbers_named(s.text.as_deref().unwrap_or_default()) {
            shown.entry(n).or_insert(s.at);
        }
    }
    shown
}

/// Polls until `done` holds or `timeout` passes; says what it waited for.
async fn wait_until(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn burst_of_200_tickets_in_10_seconds(kind: Kind) {
    const USERS: usize = 200;
    let Some(desk) = Desk::start(kind).await else { return };
    let mut sent_at = Vec::new();
    for i in 0..USERS {
        sent_at.push(Instant::now());
        desk.fake.user_sends(&user(i), &format!("order {i} is late\nsecond line"));
        tokio::time::sleep(Duration::from_millis(10_000 / USERS as u64)).await;
    }
    let told = |u: &TgUser| {
        desk.fake.sent_to(u.id).into_iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("Ticket #")))
    };
    wait_until(Duration::from_secs(40), "every user told their number", || {
        (0..USERS).all(|i| told(&user(i)).is_some())
    })
    .await;
    wait_until(Duration::from_secs(70), "every number in the support chat", || {
        first_shown(&desk.fake.sent_to(SUPPORT)).len() >= USERS
    })
    .await;

    let mut numbers = BTreeSet::new();
    let mut number_sent_at = BTreeMap::new();
    for (i, at) in sent_at.iter().enumerate() {
        let confirmation = told(&user(i)).unwrap();
        let waited = confirmation.at.duration_since(*at);
        assert!(waited <= Duration::from_secs(30), "user {i} waited {waited:?} for their number");
        let text = confirmation.text.unwrap();
        let number: i32 = text
            .split("Ticket #")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap();
        assert!(numbers.insert(number), "number {number} given twice");
        number_sent_at.insert(number, *at);
        assert_eq!(desk.fake.sent_to(user(i).id).len(), 1, "one confirmation for user {i}");
    }
    assert_eq!(numbers, (1..=USERS as i32).collect(), "numbers 1..=200, none skipped");
    let support = desk.fake.sent_to(SUPPORT);
    for (number, shown) in first_shown(&support) {
        let waited = shown.duration_since(number_sent_at[&number]);
        assert!(waited <= Duration::from_secs(60), "#{number} reached staff after {waited:?}");
    }
    assert_eq!(desk.fake.too_many_requests(), 0, "no 429 from Telegram");
    // Coalesced: far fewer messages than one card and one relay per ticket.
    assert!(support.len() < USERS / 5, "{} messages to the support chat", support.len());
    assert!(support.iter().any(|s| s.text.as_deref().is_some_and(|t| t.starts_with("📥"))), "a digest was sent");
    desk.settle().await;
    desk.stop().await;
}

/// Opens `count` tickets at once and waits until staff have seen them all.
async fn rush(desk: &Desk, count: usize) -> Vec<Sent> {
    for i in 0..count {
        // Longer than a history line: /ticket then copies it in full.
        desk.fake.user_sends(&user(i), &format!("problem {i} {}", "details ".repeat(40)));
    }
    wait_until(Duration::from_secs(30), "every ticket shown to staff", || {
        first_shown(&desk.fake.sent_to(SUPPORT)).len() >= count
    })
    .await;
    desk.settle().await;
    desk.fake.sent_to(SUPPORT)
}

/// A ticket that reached staff only as a digest line: (digest, number, user).
async fn digested_ticket(desk: &Desk, support: &[Sent], count: usize) -> (Sent, i32, TgUser) {
    let digest = support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.starts_with("📥"))).expect("a digest");
    let number = *numbers_named(digest.text.as_deref().unwrap()).last().unwrap();
    for i in 0..count {
        let ticket = inspect::open_ticket(&desk.db, user(i).id).await.unwrap();
        if ticket.number == number {
            assert_eq!(ticket.support_message_id, None, "a digested ticket has no card yet");
            return (digest.clone(), number, user(i));
        }
    }
    panic!("no user has ticket #{number}");
}

async fn digested_tickets_stay_reachable(kind: Kind) {
    // Enough for digests, few enough that what follows fits the group's
    // 19 messages a minute.
    const USERS: usize = 16;
    let Some(desk) = Desk::start(kind).await else { return };
    let support = rush(&desk, USERS).await;
    assert!(support.len() < 2 * USERS, "coalesced: {} messages", support.len());
    let (digest, number, customer) = digested_ticket(&desk, &support, USERS).await;
    let digest_text = digest.text.as_deref().unwrap();
    let link = format!("/ticket_{}_{number}", chrono::Utc::now().format("%Y%m%d"));
    assert!(digest_text.contains(&format!("{link} · User <")), "{digest_text}");
    assert!(digest_text.contains(": problem"), "the first line of the message: {digest_text}");

    // A reply to the digest names no ticket: staff are told how to reach one.
    let before = desk.fake.sent_to(customer.id).len();
    let reply = desk.fake.group_message(SUPPORT, &agent(), "to whom?", Some(digest.message_id));
    let support = desk.wait_sent(SUPPORT, support.len() + 1, "digest hint").await;
    let hint = support.last().unwrap();
    assert_eq!(hint.reply_to, Some(reply));
    assert!(hint.text.as_deref().unwrap().contains("digest lists several tickets"), "{:?}", hint.text);

    // The digest's link opens the ticket: its card, which a reply answers.
    desk.fake.group_message(SUPPORT, &agent(), &link, None);
    let support = desk.wait_sent(SUPPORT, support.len() + 2, "card on demand, then the message in full").await;
    let (card, full) = (&support[support.len() - 2], &support[support.len() - 1]);
    assert_eq!(full.copied_from.map(|(chat, _)| chat), Some(customer.id), "the digested message itself");
    assert_eq!(full.reply_to, Some(card.message_id));
    assert!(card.text.as_deref().unwrap().contains(&format!("#{number}")), "{:?}", card.text);
    assert!(card.text.as_deref().unwrap().contains("problem"), "history: {:?}", card.text);
    let answer = desk.fake.group_message(SUPPORT, &agent(), "on it", Some(card.message_id));
    let to_user = desk.wait_sent(customer.id, before + 1, "answer through the card").await;
    assert_eq!(to_user.last().unwrap().copied_from, Some((SUPPORT, answer)));
    // The user's next message goes under that card.
    let next = desk.fake.user_sends(&customer, "thanks");
    let support = desk.wait_sent(SUPPORT, support.len() + 1, "follow-up").await;
    let relayed = support.last().unwrap();
    assert_eq!(relayed.copied_from, Some((customer.id, next)));
    assert_eq!(relayed.reply_to, Some(card.message_id));

    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

async fn a_digested_ticket_gets_its_card_before_its_next_message(kind: Kind) {
    const USERS: usize = 16;
    let Some(desk) = Desk::start(kind).await else { return };
    let support = rush(&desk, USERS).await;
    // A digested user writes again: their card comes first.
    let (other, other_number) = {
        let mut found = None;
        for i in 0..USERS {
            let t = inspect::open_ticket(&desk.db, user(i).id).await.unwrap();
            if t.support_message_id.is_none() {
                found = Some((user(i), t.number));
                break;
            }
        }
        found.expect("another digested ticket")
    };
    let later = desk.fake.user_sends(&other, "still waiting");
    let support = desk.wait_sent(SUPPORT, support.len() + 2, "card, then the message").await;
    let (card, relayed) = (&support[support.len() - 2], &support[support.len() - 1]);
    assert!(card.text.as_deref().unwrap().contains(&format!("#{other_number}")), "{:?}", card.text);
    assert_eq!(relayed.copied_from, Some((other.id, later)));
    assert_eq!(relayed.reply_to, Some(card.message_id));
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

async fn forum_digest_opens_topics_later(kind: Kind) {
    const USERS: usize = 25;
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let support = rush(&desk, USERS).await;
    let topics = desk.fake.topics(SUPPORT);
    assert!(topics.len() < USERS, "digested tickets wait for their topic: {} topics", topics.len());
    let (digest, number, customer) = digested_ticket(&desk, &support, USERS).await;
    assert_eq!(digest.thread_id, None, "digests go to the General topic");

    let later = desk.fake.user_sends(&customer, "hello again");
    desk.fake
        .wait_for(Duration::from_secs(30), "the message in its new topic", |sent| {
            sent.iter().any(|s| s.copied_from == Some((customer.id, later)))
        })
        .await;
    desk.settle().await;
    let ticket = inspect::open_ticket(&desk.db, customer.id).await.unwrap();
    let thread = ticket.support_thread_id.expect("topic opened");
    assert!(
        desk.fake.topics(SUPPORT).iter().any(|(t, name, _)| *t == thread && name.starts_with(&format!("#{number} · ")))
    );
    let in_topic: Vec<Sent> = desk.fake.sent_to(SUPPORT).into_iter().filter(|s| s.thread_id == Some(thread)).collect();
    assert_eq!(in_topic.len(), 2, "card, then the message: {in_topic:#?}");
    assert!(in_topic[0].text.as_deref().unwrap().contains(&format!("#{number}")));
    assert_eq!(in_topic[1].copied_from, Some((customer.id, later)));
    // Staff answer in the topic.
    let answer = desk.fake.topic_message(SUPPORT, thread, &agent(), "hi there");
    desk.fake
        .wait_for(Duration::from_secs(15), "answer", |sent| {
            sent.iter().any(|s| s.copied_from == Some((SUPPORT, answer)))
        })
        .await;
    assert_eq!(desk.fake.too_many_requests(), 0);
    desk.stop().await;
}

async fn telegram_down_for_10_seconds(kind: Kind) {
    const USERS: usize = 5;
    let Some(desk) = Desk::start(kind).await else { return };
    let mut messages = Vec::new();
    for i in 0..USERS {
        messages.push((user(i), desk.fake.user_sends(&user(i), "before the outage")));
    }
    // Fetched and stored, then Telegram fails every call for 10 s: the
    // sends in progress fail and are retried.
    wait_until(Duration::from_secs(15), "updates fetched", || desk.fake.unconfirmed().is_empty()).await;
    desk.fake.go_down_for(Duration::from_secs(10));
    for i in 0..USERS {
        messages.push((user(i), desk.fake.user_sends(&user(i), "during the outage")));
    }
    desk.settle_within(Duration::from_secs(45)).await;
    let failed = desk.fake.calls().iter().filter(|c| c.status == 502).count();
    assert!(failed > 0, "the outage was noticed");
    for (i, u) in (0..USERS).map(|i| (i, user(i))) {
        let confirmations = desk
            .fake
            .sent_to(u.id)
            .iter()
            .filter(|s| s.text.as_deref().is_some_and(|t| t.contains("Ticket #")))
            .count();
        assert_eq!(confirmations, 1, "user {i}");
    }
    // Each message reached staff once: relayed, or as a line of a digest.
    let support = desk.fake.sent_to(SUPPORT);
    let digested: BTreeSet<i32> = support
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.starts_with("📥")))
        .flat_map(|s| numbers_named(s.text.as_deref().unwrap()))
        .collect();
    for (u, id) in &messages {
        let copies = support.iter().filter(|s| s.copied_from == Some((u.id, *id))).count();
        let number = inspect::open_ticket(&desk.db, u.id).await.unwrap().number;
        assert_eq!(copies + usize::from(copies == 0 && digested.contains(&number)), 1, "message {id} of {}", u.id);
    }
    assert_eq!(first_shown(&support).len(), USERS);
    // Nothing failed or was left: every row went out, alone or in a digest.
    assert_eq!(inspect::outbox_failed(&desk.db).await, 0);
    assert_eq!(inspect::outbox_backlog(&desk.db).await, 0);
    desk.stop().await;
}
