//! `/stats` end to end: the figures as a text and a chart (an uploaded
//! PNG), and the same figures on `/metrics`.

use super::{bob, open_ticket};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(stats_tell_the_days_figures_with_a_chart_and_metrics_agree);

/// Two tickets today: Alice's answered, closed and rated 4; Bob's waiting.
async fn stats_tell_the_days_figures_with_a_chart_and_metrics_agree(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let support = open_ticket(&desk, &alice(), "help").await;
    let card = support[0].message_id;
    open_ticket(&desk, &bob(), "me too").await;
    desk.fake.group_message(SUPPORT, &agent(), "on it", Some(card));
    desk.wait_sent(alice().id, 2, "the answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    let to_user = desk.wait_sent(alice().id, 4, "closed and asked").await;
    let (_, star) = desk.fake.buttons(alice().id, to_user[3].message_id)[3].clone();
    desk.fake.press(&alice(), alice().id, to_user[3].message_id, &star);
    desk.settle().await;

    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.group_message(SUPPORT, &agent(), "/stats", None);
    let support = desk.wait_sent(SUPPORT, before + 2, "the figures and the chart").await;
    let text = support[before].text.as_deref().unwrap();
    for line in [
        "📊 Statistics for today (",
        "Tickets: 2 opened, 1 closed",
        "First response: median ",
        "(1 of the tickets opened answered)",
        "Reminders sent (waited past the first-response time): 0",
        "Ratings: ⭐ 4.0 average of 1",
        "• Agent Smith — 1; ",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    assert_eq!(support[before + 1].method, "sendphoto");
    let png = desk.fake.uploads().pop().expect("a photo uploaded");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 5_000, "a PNG chart: {} bytes", png.len());
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join(format!("stats-chart-{kind:?}.png")), &png).unwrap();

    desk.fake.group_message(SUPPORT, &agent(), "/stats week", None);
    let support = desk.wait_sent(SUPPORT, before + 4, "the week").await;
    assert!(support[before + 2].text.as_deref().unwrap().contains("Statistics for the last 7 days"));
    desk.fake.group_message(SUPPORT, &agent(), "/stats year", None);
    let support = desk.wait_sent(SUPPORT, before + 5, "usage").await;
    assert!(support[before + 4].text.as_deref().unwrap().starts_with("Usage: /stats"));

    let metrics = reqwest::get(format!("http://{}/metrics", desk.http)).await.unwrap().text().await.unwrap();
    for line in [
        "ticketbot_today{figure=\"opened\"} 2.0",
        "ticketbot_today{figure=\"closed\"} 1.0",
        "ticketbot_today{figure=\"ratings\"} 1.0",
        "ticketbot_today{figure=\"rating_average\"} 4.0",
    ] {
        assert!(metrics.contains(line), "{line:?} in:\n{metrics}");
    }
    assert!(!metrics.contains("ticketbot_today{figure=\"first_response_p50_seconds\"} NaN"), "{metrics}");
    desk.stop().await;
}
