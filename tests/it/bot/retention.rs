//! Retention end to end: with `INBOX_RETENTION` and `MESSAGE_RETENTION`
//! short, a closed ticket's texts go from the database (the ticket, its
//! number and times stay), handled updates and sent messages go, and the
//! bot keeps serving.

use std::time::{Duration, Instant};

use super::open_ticket;
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(what_retention_removes_goes_in_the_background_and_the_desk_goes_on);

async fn eventually(desk: &Desk, sql: &str, wanted: i64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = desk.db.count(sql).await;
        if now == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "{sql}: {now}, not {wanted}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn what_retention_removes_goes_in_the_background_and_the_desk_goes_on(kind: Kind) {
    let vars = [("INBOX_RETENTION", "2s".to_string()), ("MESSAGE_RETENTION", "2s".to_string())];
    let Some(desk) = Desk::start_with_vars(kind, false, None, &vars).await else { return };
    let user = alice();
    let card = open_ticket(&desk, &user, "my address is 12 Elm Street").await[0].message_id;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    desk.wait_sent(user.id, 3, "closed, and the rating question").await;

    eventually(&desk, "SELECT count(*) FROM ticket_messages WHERE text IS NOT NULL", 0).await;
    eventually(&desk, "SELECT count(*) FROM tickets WHERE texts_removed_at IS NOT NULL AND number = 1", 1).await;
    // Only the newest update stays; every sent message goes.
    eventually(&desk, "SELECT count(*) FROM inbox_updates", 1).await;
    eventually(&desk, "SELECT count(*) FROM outbox_messages", 0).await;

    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.group_message(SUPPORT, &agent(), "/ticket #1", None);
    let support = desk.wait_sent(SUPPORT, before + 1, "the card and the history").await;
    let history = support[before].text.clone().unwrap();
    assert!(history.contains("[text removed]") && !history.contains("Elm"), "{history}");

    let metrics = reqwest::get(format!("http://{}/metrics", desk.http)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("ticketbot_retention_removed_total{what=\"ticket_texts\"} 1"), "{metrics}");
    // The desk goes on: a new ticket is #2.
    desk.fake.user_sends(&user, "one more thing");
    let to_user = desk.wait_sent(user.id, 4, "the new ticket").await;
    assert!(to_user[3].text.as_deref().unwrap().contains("#2"), "{:?}", to_user[3].text);
    desk.stop().await;
}
