//! Erasure and access on request, end to end: the bot files a user's
//! tickets, `ticketbot export --user` shows what is stored about them,
//! `ticketbot forget --user` erases it (their tickets stay, emptied), and
//! on SQLite nothing they wrote survives anywhere in the file.

use fake_telegram::TgUser;

use super::{bob, forum_ticket, open_ticket};
use crate::desk::{Desk, SUPPORT, agent};
use crate::migrations::ticketbot;
use crate::support::{Kind, on_both_backends};

on_both_backends!(a_user_is_shown_their_data_then_forgotten, forget_in_the_chat_asks_an_admin_then_erases);

/// Words no one else writes, to look for in the database file.
const SECRET: &str = "zebracrossing4711";

async fn a_user_is_shown_their_data_then_forgotten(kind: Kind) {
    let Some(mut desk) = Desk::start(kind).await else { return };
    let mut anna = TgUser::new(808, "Anna");
    anna.last_name = Some("Karenina".into());
    anna.username = Some("anna_k".into());
    let card = open_ticket(&desk, &anna, &format!("my address is {SECRET} street")).await[0].message_id;
    desk.fake.group_message(SUPPORT, &agent(), &format!("we will send it to {SECRET}"), Some(card));
    desk.wait_sent(anna.id, 2, "the answer").await;
    desk.fake.group_message(SUPPORT, &agent(), &format!("/note she lives at {SECRET}"), Some(card));
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    desk.wait_sent(anna.id, 4, "closed, and the rating question").await;
    open_ticket(&desk, &bob(), "bob also knows things").await;
    desk.settle().await;
    let url = desk.vars_database_url();
    // Stopped: the erasure is the only writer, and no snapshot holds the log.
    desk.halt().await;

    // Access: everything stored about her, as JSON.
    let shown = ticketbot(&url, &["export", "--user", "808"]);
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let data: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(data["user"]["username"], "anna_k");
    assert_eq!(data["tickets"][0]["number"], 1);
    let texts: Vec<&str> =
        data["tickets"][0]["messages"].as_array().unwrap().iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(
        texts.iter().any(|t| t.contains("my address is")) && texts.iter().any(|t| t.contains("she lives at")),
        "{texts:?}"
    );

    let forgotten = ticketbot(&url, &["forget", "--user", "808"]);
    let said = String::from_utf8_lossy(&forgotten.stdout).to_string();
    assert!(forgotten.status.success(), "{said}{}", String::from_utf8_lossy(&forgotten.stderr));
    assert!(said.starts_with("erased user 808: their name and username, 3 message text(s)"), "{said}");
    assert!(said.contains("their 1 ticket(s) keep number, day, times and rating"), "{said}");

    let count = async |sql: &str| desk.db.count(sql).await;
    assert_eq!(count("SELECT count(*) FROM users WHERE id = 808 AND first_name = '(erased)' AND username IS NULL AND last_name IS NULL AND erased_at IS NOT NULL").await, 1);
    assert_eq!(count("SELECT count(*) FROM tickets WHERE user_id = 808 AND number = 1").await, 1, "the ticket stays");
    assert_eq!(count("SELECT count(*) FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.user_id = 808 AND m.text IS NOT NULL").await, 0);
    assert_eq!(count("SELECT count(*) FROM ticket_messages WHERE text LIKE '%bob also knows%'").await, 1, "Bob's stay");
    assert_eq!(count("SELECT count(*) FROM inbox_updates WHERE chat_id = 808 OR payload LIKE '%anna_k%' OR payload LIKE '%Karenina%'").await, 0);
    assert_eq!(count("SELECT count(*) FROM outbox_messages WHERE chat_id = 808 OR payload LIKE '%Karenina%'").await, 0);
    let again = ticketbot(&url, &["forget", "--user", "999"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--user 999: there is no such user"));

    if kind == Kind::Sqlite {
        // Not in a page, a free page, the search index or the log.
        let path = url.strip_prefix("sqlite://").unwrap();
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let found = bytes.windows(SECRET.len()).filter(|w| *w == SECRET.as_bytes()).count();
        let anna_k = bytes.windows(6).any(|w| w == b"anna_k");
        assert!(!anna_k, "her username survives in the file");
        assert_eq!(found, 0, "what she wrote survives in the file");
        let karenina = bytes.windows(8).any(|w| w == b"Karenina");
        assert!(!karenina, "her name survives in the file");
    }
}

/// `/forget` in a ticket's topic: refused to staff who are no admins; an
/// admin is asked, a press by anyone else changes nothing, the admin's
/// "erase and delete their topics" erases the user and deletes the topic.
async fn forget_in_the_chat_asks_an_admin_then_erases(kind: Kind) {
    let Some(desk) = Desk::start_with(kind, true).await else { return };
    let mut anna = TgUser::new(809, "Anna");
    anna.username = Some("anna_k".into());
    let thread = forum_ticket(&desk, &anna, &format!("my address is {SECRET}")).await;
    let lead = TgUser::new(905, "Lead");
    desk.fake.make_admin(SUPPORT, lead.id);

    desk.fake.topic_message(SUPPORT, thread, &agent(), "/forget");
    let support = desk.wait_sent(SUPPORT, 3, "refused").await;
    assert!(support[2].text.as_deref().unwrap().contains("/forget is for the group's admins"), "{:?}", support[2].text);

    desk.fake.topic_message(SUPPORT, thread, &lead, "/forget");
    let support = desk.wait_sent(SUPPORT, 4, "the question").await;
    let question = &support[3];
    assert!(question.text.as_deref().unwrap().starts_with("🗑 Erase Anna (ticket #1)?"), "{:?}", question.text);
    let buttons = desk.fake.buttons(SUPPORT, question.message_id);
    let labels: Vec<&str> = buttons.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(labels, ["Erase", "Erase and delete their topics", "Cancel"]);

    // Someone who is no admin presses: nothing changes.
    desk.fake.press(&agent(), SUPPORT, question.message_id, &buttons[1].1);
    desk.settle().await;
    assert_eq!(desk.db.count("SELECT count(*) FROM users WHERE id = 809 AND erased_at IS NULL").await, 1);
    assert_eq!(desk.fake.topics(SUPPORT).len(), 1);

    desk.fake.press(&lead, SUPPORT, question.message_id, &buttons[1].1);
    desk.settle().await;
    assert_eq!(
        desk.db.count("SELECT count(*) FROM users WHERE id = 809 AND erased_at IS NOT NULL AND username IS NULL").await,
        1
    );
    let texts = "SELECT count(*) FROM ticket_messages WHERE text IS NOT NULL AND ticket_id IN (SELECT id FROM tickets WHERE user_id = 809)";
    assert_eq!(desk.db.count(texts).await, 0);
    assert!(desk.fake.topics(SUPPORT).is_empty(), "the topic is deleted");
    let edits = desk.fake.edits(SUPPORT);
    let (_, done) = edits.iter().find(|(id, _)| *id == question.message_id).expect("the question edited");
    assert!(done.starts_with("🗑 Erased the user of #1: their name and username, 1 message text"), "{done}");
    desk.stop().await;
}
