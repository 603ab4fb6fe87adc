//! Texts from Fluent files: users read their app's language, staff read
//! `STAFF_LANGUAGE`, and an operator's `TEXTS_DIR` overrides a message or
//! adds a language, menus included.

use std::time::Duration;

use fake_telegram::TgUser;

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(staff_read_their_language_and_users_theirs_with_the_operators_texts);

/// An operator's folder: their own English greeting, and German.
fn operators_texts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("en")).unwrap();
    std::fs::create_dir_all(dir.path().join("de")).unwrap();
    std::fs::write(dir.path().join("en/user.ftl"), "greeting = Welcome to <b>Acme</b> support! Just write.\n").unwrap();
    std::fs::write(
        dir.path().join("de/user.ftl"),
        "ticket-opened = ✅ Ticket <b>#{ $number }</b> vom { $day } ist offen.\nmenu-status = Ihr offenes Ticket\n",
    )
    .unwrap();
    dir
}

async fn staff_read_their_language_and_users_theirs_with_the_operators_texts(kind: Kind) {
    let texts = operators_texts();
    let vars = [("TEXTS_DIR", texts.path().display().to_string()), ("STAFF_LANGUAGE", "ru".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &vars).await else { return };

    // A German user reads the operator's German; what German lacks (the
    // rating question, the close) is English.
    let mut hans = TgUser::new(601, "Hans");
    hans.language_code = Some("de-AT".into());
    let support = open_ticket(&desk, &hans, "Drucker brennt").await;
    let to_hans = desk.fake.sent_to(hans.id);
    assert!(to_hans[0].text.as_deref().unwrap().starts_with("✅ Ticket #1 vom "), "{:?}", to_hans[0].text);
    // Staff read Russian: the card, and who closed.
    assert!(support[0].text.as_deref().unwrap().contains("Ответ на эту карточку"), "{:?}", support[0].text);
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(support[0].message_id));
    let support = desk.wait_sent(SUPPORT, 3, "closed notice").await;
    assert!(support[2].text.as_deref().unwrap().contains("закрыл(а) Agent Smith"), "{:?}", support[2].text);
    let to_hans = desk.wait_sent(hans.id, 3, "closed, and the rating question").await;
    assert!(to_hans[1].text.as_deref().unwrap().contains("is closed"), "{:?}", to_hans[1].text);

    // An English user gets the operator's greeting; a Russian one the
    // embedded Russian.
    let ann = alice();
    desk.fake.user_sends(&ann, "/start");
    let greeting = desk.wait_sent(ann.id, 1, "greeting").await;
    assert_eq!(greeting[0].text.as_deref(), Some("Welcome to Acme support! Just write."));
    let mut olga = TgUser::new(602, "Olga");
    olga.language_code = Some("ru".into());
    desk.fake.user_sends(&olga, "/help");
    let greeting = desk.wait_sent(olga.id, 1, "greeting").await;
    assert!(greeting[0].text.as_deref().unwrap().starts_with("👋 Здравствуйте"), "{:?}", greeting[0].text);

    // The menus: English for all, one per other language, staff's Russian.
    let menu = |scope: &str| desk.fake.commands(scope).map(|c| c.to_string()).unwrap_or_default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while menu("chat").is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(menu("all_private_chats").contains("Your open ticket"), "{}", menu("all_private_chats"));
    assert!(menu("all_private_chats:ru").contains("Ваше открытое обращение"), "{}", menu("all_private_chats:ru"));
    assert!(menu("all_private_chats:de").contains("Ihr offenes Ticket"), "{}", menu("all_private_chats:de"));
    assert!(menu("all_private_chats:de").contains("Close your ticket"), "English where German has none");
    assert!(menu("chat").contains("Закрыть обращение"), "{}", menu("chat"));
    desk.stop().await;
}
