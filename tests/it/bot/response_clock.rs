//! The response clock end to end: reminders past `FIRST_RESPONSE_SLA`,
//! closes after `AUTO_CLOSE_AFTER`, the away notice outside
//! `WORKING_HOURS`, and `/open` with waiting tickets first.

use std::time::Duration;

use chrono::{Datelike, Utc};

use super::{bob, open_ticket};
use crate::desk::{Desk, SUPPORT, WAIT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_ticket_waiting_past_the_sla_gets_one_reminder_per_wait,
    an_answer_the_user_leaves_closes_the_ticket,
    outside_working_hours_the_user_hears_once_when_staff_are_back,
    open_lists_waiting_tickets_first_with_their_wait,
);

fn texts(sent: &[fake_telegram::Sent], containing: &str) -> usize {
    sent.iter().filter(|s| s.text.as_deref().is_some_and(|t| t.contains(containing))).count()
}

/// FIRST_RESPONSE_SLA=2s: a ticket nobody answers gets one reminder under
/// its card, naming it, its user and the wait; after an answer and the
/// user's next message it is a new wait, with a reminder of its own.
async fn a_ticket_waiting_past_the_sla_gets_one_reminder_per_wait(kind: Kind) {
    let vars = [("FIRST_RESPONSE_SLA", "2s".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, Default::default(), &vars).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "is anyone there?").await;
    let card = support[0].message_id;
    desk.fake.wait_for(WAIT, "a reminder", |sent| texts(sent, "has waited") >= 1).await;
    let support = desk.fake.sent_to(SUPPORT);
    let reminder = support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("has waited"))).unwrap();
    let text = reminder.text.as_deref().unwrap();
    assert!(text.starts_with("⏰ #1 · <3 & co has waited") && text.ends_with("for a first answer."), "{text}");
    assert_eq!(reminder.reply_to, Some(card), "under the card");

    desk.fake.group_message(SUPPORT, &agent(), "looking into it", Some(card));
    desk.wait_sent(user.id, 2, "the answer").await;
    desk.fake.user_sends(&user, "still broken");
    desk.fake.wait_for(WAIT, "a second reminder", |sent| texts(sent, "has waited") >= 2).await;
    let support = desk.fake.sent_to(SUPPORT);
    assert_eq!(texts(&support, "for an answer."), 1, "the second wait is for an answer, not the first");
    // Each wait got its reminder once: a second for the first wait would
    // have come a tick after it, well before this.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(texts(&desk.fake.sent_to(SUPPORT), "has waited"), 2);
    let metrics = reqwest::get(format!("http://{}/metrics", desk.http)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("ticketbot_first_response_reminders_total 2\n"), "{metrics}");
    desk.stop().await;
}

/// AUTO_CLOSE_AFTER=2s: staff answered, the user said nothing: the ticket
/// is closed, the user told as for /close, staff under the card; the
/// user's next message opens #2. A ticket still waiting for staff stays.
async fn an_answer_the_user_leaves_closes_the_ticket(kind: Kind) {
    let vars = [("AUTO_CLOSE_AFTER", "2s".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, Default::default(), &vars).await else { return };
    let user = alice();
    let support = open_ticket(&desk, &user, "how do I reset it?").await;
    open_ticket(&desk, &bob(), "me too, unanswered").await;
    desk.fake.group_message(SUPPORT, &agent(), "hold the button for 10 s", Some(support[0].message_id));
    desk.fake.wait_for(WAIT, "the close", |sent| texts(sent, "closed automatically") >= 1).await;
    let to_user = desk.wait_sent(user.id, 3, "closed notice").await;
    assert!(to_user[2].text.as_deref().unwrap().contains("#1 of"), "{:?}", to_user[2].text);
    assert!(to_user[2].text.as_deref().unwrap().contains("closed"), "{:?}", to_user[2].text);
    let support = desk.fake.sent_to(SUPPORT);
    let notice =
        support.iter().find(|s| s.text.as_deref().is_some_and(|t| t.contains("closed automatically"))).unwrap();
    assert!(notice.text.as_deref().unwrap().starts_with("🔒 #1 closed automatically"), "{:?}", notice.text);
    assert_eq!(notice.reply_to, Some(support[0].message_id));

    desk.wait_sent(user.id, 4, "the rating question").await;
    desk.fake.user_sends(&user, "it worked, but now another thing");
    let to_user = desk.wait_sent(user.id, 5, "the new ticket's confirmation").await;
    assert!(to_user[4].text.as_deref().unwrap().contains("#3"), "{:?}", to_user[4].text);
    assert_eq!(texts(&desk.fake.sent_to(SUPPORT), "closed automatically"), 1, "Bob's ticket waits for staff");
    let metrics = reqwest::get(format!("http://{}/metrics", desk.http)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("ticketbot_tickets_auto_closed_total 1\n"), "{metrics}");
    desk.stop().await;
}

/// WORKING_HOURS on a day two days away (so never now): the user is told
/// once per ticket when staff are back, and the reminder clock stands
/// still meanwhile.
async fn outside_working_hours_the_user_hears_once_when_staff_are_back(kind: Kind) {
    let day = (Utc::now() + chrono::TimeDelta::days(2)).weekday();
    let vars = [("WORKING_HOURS", format!("{day} 9:00-18:00")), ("FIRST_RESPONSE_SLA", "1s".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, Default::default(), &vars).await else { return };
    let mut user = alice();
    desk.fake.user_sends(&user, "hello at night");
    let to_user = desk.wait_sent(user.id, 2, "confirmation and away notice").await;
    let names = [
        (chrono::Weekday::Mon, "Monday"),
        (chrono::Weekday::Tue, "Tuesday"),
        (chrono::Weekday::Wed, "Wednesday"),
        (chrono::Weekday::Thu, "Thursday"),
        (chrono::Weekday::Fri, "Friday"),
        (chrono::Weekday::Sat, "Saturday"),
        (chrono::Weekday::Sun, "Sunday"),
    ];
    let name = names.iter().find(|(d, _)| *d == day).unwrap().1;
    let notice = to_user[1].text.as_deref().unwrap();
    assert!(notice.contains(&format!("back on {name} at 9:00")), "{notice}");
    desk.fake.user_sends(&user, "and another thing");
    desk.wait_sent(SUPPORT, 3, "the second message").await;
    desk.settle().await;
    // Six seconds past a one-second SLA, but no working time has passed.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(desk.fake.sent_to(user.id).len(), 2, "told once per ticket");
    assert_eq!(texts(&desk.fake.sent_to(SUPPORT), "has waited"), 0, "no reminder outside working hours");

    // A new ticket, in Russian: told again, in the user's language.
    desk.fake.user_sends(&user, "/close");
    desk.wait_sent(user.id, 4, "closed, asked to rate").await;
    user.language_code = Some("ru".into());
    desk.fake.user_sends(&user, "снова я");
    let to_user = desk.wait_sent(user.id, 6, "second ticket and notice").await;
    assert!(to_user[5].text.as_deref().unwrap().contains("вернёмся"), "{:?}", to_user[5].text);
    desk.stop().await;
}

/// /open: the ticket waiting for staff comes before the one they
/// answered, older though that is, with how long it has waited.
async fn open_lists_waiting_tickets_first_with_their_wait(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "first").await;
    open_ticket(&desk, &bob(), "second").await;
    desk.fake.group_message(SUPPORT, &agent(), "answered", Some(support[0].message_id));
    desk.wait_sent(alice().id, 2, "the answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "/open", None);
    let support = desk.wait_sent(SUPPORT, 5, "the list").await;
    let list = support[4].text.as_deref().unwrap();
    let (waiting, answered) = (list.find("⏳ waiting 0m · #2").unwrap(), list.find("#1").unwrap());
    assert!(waiting < answered, "{list}");
    assert!(!list.contains("⏳ waiting 0m · #1"), "{list}");
    desk.stop().await;
}
