//! Exports end to end: the bot files tickets, then `ticketbot export`
//! writes them as CSV a spreadsheet reads back (an independent RFC 4180
//! reader here) or as JSON Lines, by ticket or by message, narrowed by
//! day; `/export` sends admins the period's CSV as a document.

use std::process::Output;

use fake_telegram::TgUser;

use super::{bob, open_ticket};
use crate::desk::{Desk, SUPPORT, agent};
use crate::migrations::ticketbot;
use crate::support::{Kind, on_both_backends};

on_both_backends!(the_cli_exports_tickets_and_messages_as_spreadsheets_read_them, export_sends_admins_a_csv_document);

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A user whose name is everything a CSV file fears.
fn awkward() -> TgUser {
    let mut user = TgUser::new(777, "=SUM(A1), \"boss\"");
    user.last_name = Some("Ли\nLee".into());
    user.username = Some("ann".into());
    user
}

/// Two tickets: the awkward user's, answered, rated 5 and closed; Bob's
/// waiting.
async fn two_tickets(desk: &Desk) {
    let card = open_ticket(desk, &awkward(), "my order, \"#42\", is late\nsecond line").await[0].message_id;
    open_ticket(desk, &bob(), "hello").await;
    desk.fake.group_message(SUPPORT, &agent(), "on it", Some(card));
    desk.wait_sent(awkward().id, 2, "the answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    let to_user = desk.wait_sent(awkward().id, 4, "closed and asked").await;
    let (_, star) = desk.fake.buttons(awkward().id, to_user[3].message_id)[4].clone();
    desk.fake.press(&awkward(), awkward().id, to_user[3].message_id, &star);
    desk.settle().await;
}

async fn the_cli_exports_tickets_and_messages_as_spreadsheets_read_them(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    let url = desk.vars_database_url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tickets.csv");
    let out = ticketbot(&url, &["export", "--output", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("exported 2 tickets to"), "{out:?}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 with a byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[..4], ["ticket_id", "day", "number", "user_id"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = &rows[0];
    let day = first[column("day")].to_string();
    assert!(chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").is_ok(), "{day}");
    assert_eq!(&first[column("number")], "1");
    assert_eq!(&first[column("first_name")], "'=SUM(A1), \"boss\"", "a formula shown, never run");
    assert_eq!(&first[column("last_name")], "Ли\nLee");
    assert_eq!(&first[column("username")], "ann");
    assert_eq!(&first[column("status")], "closed");
    assert_eq!(&first[column("rating")], "5");
    assert!(first[column("first_response_seconds")].parse::<i64>().is_ok(), "{first:?}");
    assert!(first[column("closed_at")].ends_with('Z'), "{first:?}");
    assert_eq!((&rows[1][column("status")], &rows[1][column("rating")]), ("open", ""));

    // Messages, as JSON Lines; a day range without the tickets' day is empty.
    let lines = stdout(&ticketbot(&url, &["export", "--format", "jsonl", "--messages"]));
    let messages: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(messages.len() >= 3, "{lines}");
    assert_eq!(messages[0]["text"], "my order, \"#42\", is late\nsecond line");
    assert_eq!(messages[0]["direction"], "from_user");
    assert!(messages.iter().any(|m| m["direction"] == "to_user" && m["text"] == "on it"), "{lines}");
    let none = stdout(&ticketbot(&url, &["export", "--since", "2020-01-01", "--until", "2020-01-31"]));
    assert_eq!(none.trim_start_matches('\u{feff}').lines().count(), 1, "the header alone: {none}");
    let same = stdout(&ticketbot(&url, &["export", "--format", "jsonl", "--since", &day, "--until", &day]));
    assert_eq!(same.lines().count(), 2);
    let bad = ticketbot(&url, &["export", "--format", "xlsx"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--format \"xlsx\": use csv or jsonl"));
    desk.stop().await;
}

async fn export_sends_admins_a_csv_document(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    two_tickets(&desk).await;
    let before = desk.fake.sent_to(SUPPORT).len();
    desk.fake.group_message(SUPPORT, &agent(), "/export", None);
    let support = desk.wait_sent(SUPPORT, before + 1, "refused").await;
    assert!(support[before].text.as_deref().unwrap().contains("/export is for the group's admins"));

    let lead = TgUser::new(904, "Lead");
    desk.fake.make_admin(SUPPORT, lead.id);
    desk.fake.group_message(SUPPORT, &lead, "/export week", None);
    let support = desk.wait_sent(SUPPORT, before + 2, "the document").await;
    assert_eq!(support[before + 1].method, "senddocument");
    assert!(
        support[before + 1].text.as_deref().unwrap().starts_with("📤 2 tickets, "),
        "{:?}",
        support[before + 1].text
    );
    let csv = desk.fake.uploads().pop().expect("a file uploaded");
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("\u{feff}ticket_id,day,number,"), "{text}");
    let rows = csv::Reader::from_reader(&text.as_bytes()[3..]).records().count();
    assert_eq!(rows, 2, "two tickets: {text}");
    desk.fake.group_message(SUPPORT, &lead, "/export year", None);
    let support = desk.wait_sent(SUPPORT, before + 3, "usage").await;
    assert!(support[before + 2].text.as_deref().unwrap().starts_with("Usage: /export"));
    desk.stop().await;
}
