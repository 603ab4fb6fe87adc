//! A Bot API that fails or answers slowly, met while the bot runs: one
//! chat's trouble delays no other chat, a 404 is final, a server that
//! ignores the long-poll timeout does not make the poller spin, and
//! shutdown is bounded even while a request hangs.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_telegram::{FakeTelegram, Fault, TgUser};

use crate::bot_process;
use crate::desk::{Desk, SUPPORT, TOKEN, WAIT};
use crate::inspect;
use crate::support::{Kind, TestDb, on_both_backends};

on_both_backends!(
    a_failing_chat_does_not_hold_up_the_others,
    a_slow_chat_does_not_hold_up_the_others,
    a_404_is_final,
    an_early_empty_poll_does_not_make_the_poller_spin,
    a_fresh_card_is_recorded_and_answerable_at_once,
    a_slow_admin_question_holds_no_transaction_open,
);

/// How soon another chat's message must go when one chat is in trouble
/// (it goes at once; this allows for a loaded machine).
const PROMPTLY: Duration = Duration::from_secs(3);

fn users() -> (TgUser, TgUser) {
    (TgUser::new(501, "Ann"), TgUser::new(502, "Bob"))
}

/// Waits for the first message to `chat`; how long after `since` it came.
async fn first_to(desk: &Desk, chat: i64, since: Instant) -> Duration {
    desk.fake.wait_for(WAIT, "a message", |sent| sent.iter().any(|s| s.chat_id == chat)).await;
    desk.fake.sent_to(chat)[0].at.duration_since(since)
}

async fn a_failing_chat_does_not_hold_up_the_others(kind: Kind) {
    let Some(desk) = Desk::start_with_vars(kind, false, None, &[]).await else { return };
    let (ann, bob) = users();
    desk.fake.inject(Fault::status("sendMessage", 500).for_chat(ann.id));
    desk.fake.user_sends(&ann, "hello");
    let asked = Instant::now();
    desk.fake.user_sends(&bob, "hello too");
    let took = first_to(&desk, bob.id, asked).await;
    assert!(took < PROMPTLY, "Bob's confirmation took {took:?}");
    // Ann's is tried again, and goes once Telegram takes it.
    let tries =
        || desk.fake.calls().iter().filter(|c| c.method == "sendmessage" && c.params["chat_id"] == ann.id).count();
    let deadline = Instant::now() + WAIT;
    while tries() < 2 {
        assert!(Instant::now() < deadline, "Ann's confirmation never tried again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    desk.fake.heal();
    desk.wait_sent(ann.id, 1, "Ann's confirmation").await;
    desk.stop().await;
}

async fn a_slow_chat_does_not_hold_up_the_others(kind: Kind) {
    let Some(desk) = Desk::start_with_vars(kind, false, None, &[]).await else { return };
    let (ann, bob) = users();
    desk.fake.inject(Fault::slow("sendMessage", Duration::from_secs(8)).for_chat(ann.id).times(1));
    desk.fake.user_sends(&ann, "hello");
    // Bob writes while Telegram is still thinking about Ann's message.
    let deadline = Instant::now() + WAIT;
    while !desk.fake.calls().iter().any(|c| c.method == "sendmessage" && c.params["chat_id"] == ann.id) {
        assert!(Instant::now() < deadline, "Ann's confirmation never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = Instant::now();
    desk.fake.user_sends(&bob, "hello too");
    let took = first_to(&desk, bob.id, asked).await;
    assert!(took < PROMPTLY, "Bob's confirmation took {took:?}");
    desk.wait_sent(ann.id, 1, "Ann's confirmation, late").await;
    desk.stop().await;
}

async fn a_404_is_final(kind: Kind) {
    let Some(desk) = Desk::start_with_vars(kind, false, None, &[]).await else { return };
    let (ann, _) = users();
    desk.fake.inject(Fault::status("sendMessage", 404).for_chat(ann.id));
    desk.fake.user_sends(&ann, "hello");
    let deadline = Instant::now() + WAIT;
    while inspect::outbox_failed(&desk.db).await == 0 {
        assert!(Instant::now() < deadline, "the refused confirmation never failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Not tried again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tries = desk.fake.calls().iter().filter(|c| c.method == "sendmessage" && c.params["chat_id"] == ann.id).count();
    assert_eq!(tries, 1);
    desk.stop().await;
}

async fn an_early_empty_poll_does_not_make_the_poller_spin(kind: Kind) {
    let Some(desk) = Desk::start_prepared(kind, false, None, &[], |fake| fake.ignore_poll_timeout()).await else {
        return;
    };
    let (ann, _) = users();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let polls = desk.fake.poll_count();
    // About one a second; a spinning poller makes thousands.
    assert!((1..=5).contains(&polls), "{polls} getUpdates calls in 2 s");
    // Updates still arrive.
    desk.fake.user_sends(&ann, "hello");
    desk.wait_sent(ann.id, 1, "confirmation").await;
    desk.stop().await;
}

async fn a_fresh_card_is_recorded_and_answerable_at_once(kind: Kind) {
    let Some(desk) = Desk::start_with_vars(kind, false, None, &[]).await else { return };
    let (ann, _) = users();
    // Ann's confirmation hangs: the worker must still record the card.
    desk.fake.inject(Fault::slow("sendMessage", Duration::from_secs(8)).for_chat(ann.id).times(1));
    desk.fake.user_sends(&ann, "hello");
    desk.fake.wait_for(WAIT, "the card", |sent| sent.iter().any(|s| s.chat_id == SUPPORT)).await;
    let card = desk.fake.sent_to(SUPPORT)[0].clone();
    // Staff answer at once, before the bot can have recorded the card.
    let answer = desk.fake.group_message(SUPPORT, &crate::desk::agent(), "on it", Some(card.message_id));
    let deadline = card.at + Duration::from_secs(1);
    while inspect::open_ticket(&desk.db, ann.id).await.and_then(|t| t.support_message_id).is_none() {
        assert!(Instant::now() < deadline, "the card was not recorded within a second");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    desk.fake.wait_for(WAIT, "the answer", |sent| sent.iter().any(|s| s.copied_from == Some((SUPPORT, answer)))).await;
    let refused = desk
        .fake
        .sent_to(SUPPORT)
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.contains("no ticket")))
        .count();
    assert_eq!(refused, 0);
    desk.stop().await;
}

#[tokio::test]
async fn shutdown_is_bounded_while_a_request_hangs() {
    let db = TestDb::sqlite();
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    let ann = TgUser::new(501, "Ann");
    fake.inject(Fault::slow("sendMessage", Duration::from_secs(120)).for_chat(ann.id));
    let mut child = bot_process::ticketbot(TOKEN, &fake.url(), SUPPORT, &db.url, "warn")
        .stderr(Stdio::null())
        .spawn()
        .expect("start ticketbot");
    fake.user_sends(&ann, "hello");
    // Ann's confirmation hangs once the other messages are out.
    fake.wait_for(WAIT, "card and relay", |sent| sent.iter().filter(|s| s.chat_id == SUPPORT).count() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    assert!(Command::new("sh").args(["-c", &format!("kill -TERM {}", child.id())]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    let took = asked.elapsed();
    assert!(status.success(), "{status:?}");
    // README: at most DRAIN (10 s) + 2 s.
    assert!(took < Duration::from_secs(12), "exited {took:?} after SIGTERM");
}

/// `/ban` asks Telegram whether its sender is an admin; while Telegram
/// takes 6 s to answer, no database transaction is open (on SQLite one
/// would keep every other writer out: a new update could not even be
/// stored), and the answer, once there, is used.
async fn a_slow_admin_question_holds_no_transaction_open(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let (ann, bob) = users();
    desk.fake.user_sends(&ann, "spam");
    let card = desk.wait_sent(SUPPORT, 2, "card").await[0].message_id;
    let admin = TgUser::new(903, "Admin");
    desk.fake.make_admin(SUPPORT, admin.id);
    desk.fake.inject(Fault::slow("getChatMember", Duration::from_secs(6)).times(1));
    desk.fake.group_message(SUPPORT, &admin, "/ban", Some(card));
    // The question is on its way (the fake logs a call once it answers).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let answered = |c: &fake_telegram::Call| c.method == "getchatmember" && c.params["user_id"] == admin.id;
    assert!(!desk.fake.calls().iter().any(answered), "answered already");
    match kind {
        Kind::Sqlite => {
            let asked = Instant::now();
            desk.fake.user_sends(&bob, "hello meanwhile");
            let stored = "SELECT count(*) FROM inbox_updates WHERE payload LIKE '%hello meanwhile%'";
            while desk.db.count(stored).await == 0 {
                assert!(asked.elapsed() < Duration::from_secs(3), "the update waited for the admin question");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Kind::Postgres => {
            let open = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                        AND state LIKE 'idle in transaction%'";
            assert_eq!(desk.db.count(open).await, 0, "a transaction waits on Telegram");
        }
    }
    let support = desk.wait_sent(SUPPORT, 3, "banned").await;
    assert!(support[2].text.as_deref().unwrap().contains("is banned"), "{support:?}");
    desk.stop().await;
}
