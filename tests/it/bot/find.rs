//! `/find` end to end: tickets whose messages or notes hold the words,
//! newest first, with their links, users and the words in context;
//! narrowed by user, open tickets and day; a page at a time.

use fake_telegram::TgUser;

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, agent};
use crate::support::{Kind, on_both_backends};

on_both_backends!(find_lists_tickets_by_their_words_newest_first, find_pages_ten_tickets_at_a_time);

fn user(id: i64, name: &str, username: &str, language: &str) -> TgUser {
    let mut user = TgUser::new(id, name);
    user.username = Some(username.into());
    user.language_code = Some(language.into());
    user
}

/// Staff ask `/find args`: the answer's text.
async fn find(desk: &Desk, args: &str) -> String {
    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.group_message(SUPPORT, &agent(), format!("/find {args}").trim_end(), None);
    let support = desk.wait_sent(SUPPORT, before + 1, "the answer").await;
    support[before].text.clone().unwrap()
}

async fn find_lists_tickets_by_their_words_newest_first(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let anna = user(601, "Anna", "anna", "ru");
    let bob = user(602, "Bob", "bob", "en");
    let anna_card = open_ticket(&desk, &anna, "Принтер ГОРИТ, помогите!").await[0].message_id;
    let bob_card = open_ticket(&desk, &bob, "The printer jammed again").await[2].message_id;
    desk.fake.group_message(SUPPORT, &agent(), "Turn the PRINTER off and on", Some(bob_card));
    desk.wait_sent(bob.id, 2, "the answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "/note <b>call</b> the printer vendor & co", Some(anna_card));
    desk.wait_sent(SUPPORT, 5, "the note kept").await;

    // Anna's note is the newest match, so her ticket comes first.
    let found = find(&desk, "printer").await;
    let (anna_at, bob_at) = (found.find("Anna @anna").unwrap(), found.find("Bob @bob").unwrap());
    assert!(anna_at < bob_at, "{found}");
    assert!(found.starts_with("🔎 Tickets with printer, newest first — page 1:"), "{found}");
    assert!(found.contains("/ticket_") && found.contains("· open"), "{found}");
    assert!(found.contains("<b>call</b> the printer vendor & co"), "the note, as written: {found}");
    assert!(!found.contains("More:"), "{found}");
    // Any script and case; every word required; narrowed.
    assert!(find(&desk, "принтер").await.contains("Принтер ГОРИТ"));
    assert!(find(&desk, "printer @BOB").await.matches("/ticket_").count() == 1);
    let today = find(&desk, "jammed printer").await;
    assert!(today.contains("Bob @bob") && !today.contains("Anna"), "{today}");
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(bob_card));
    desk.wait_sent(bob.id, 4, "closed, and the rating question").await;
    let open = find(&desk, "printer #open").await;
    assert!(open.contains("Anna") && !open.contains("Bob"), "{open}");
    assert!(find(&desk, "printer 2020-01-01").await.starts_with("🔎 Nothing found for printer 2020-01-01."));
    assert!(find(&desk, "").await.starts_with("Usage: /find WORDS"));
    desk.stop().await;
}

async fn find_pages_ten_tickets_at_a_time(kind: Kind) {
    let vars = [("DELIVERY_PACING", "off".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &vars).await else { return };
    for i in 0..12 {
        let user = user(700 + i, &format!("User{i}"), &format!("user{i}"), "en");
        desk.fake.user_sends(&user, &format!("refund for order {i}"));
        desk.wait_sent(user.id, 1, "the ticket opened").await;
    }
    let first = find(&desk, "refund").await;
    assert_eq!(first.matches("/ticket_").count(), 10, "{first}");
    assert!(first.contains("User11 @user11") && !first.contains("User1 @user1 "), "newest first: {first}");
    assert!(first.ends_with("More: /find refund page:2"), "{first}");
    let second = find(&desk, "refund page:2").await;
    assert_eq!(second.matches("/ticket_").count(), 2, "{second}");
    assert!(
        second.contains("User1 @user1 ")
            && second.contains("User0 @user0")
            && second.contains("— page 2:")
            && !second.contains("More:"),
        "{second}"
    );
    desk.stop().await;
}
