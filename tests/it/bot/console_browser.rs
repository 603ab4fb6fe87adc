//! The console in a real browser (headless Chromium over WebDriver): a
//! staff member follows a `web-login` link, sees the tickets, searches,
//! opens one, reads its history, replies (the user gets it), closes it
//! (its user is told), looks at the dashboard, logs out. Every control has a label. A
//! screenshot of each page is kept under `target/tmp/screenshots/`.

use fake_telegram::FloodLimits;
use fantoccini::Locator;

use super::open_ticket;
use crate::browser::Browser;
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::migrations::ticketbot;
use crate::support::{Kind, on_both_backends};

on_both_backends!(a_staff_member_logs_in_searches_and_reads_a_ticket_in_a_browser);

/// Whether every visible control of the page is labelled.
const ALL_LABELLED: &str = "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
                            .every(e => e.labels.length > 0);";

async fn a_staff_member_logs_in_searches_and_reads_a_ticket_in_a_browser(kind: Kind) {
    let admins = ("ADMIN_IDS", agent().id.to_string());
    let vars = [("WEB_CONSOLE", "on".to_string()), admins];
    let Some(desk) = Desk::start_with_vars(kind, false, Some(FloodLimits::default()), &vars).await else { return };
    let card = open_ticket(&desk, &alice(), "my printer is on fire").await[0].message_id;
    open_ticket(&desk, &super::bob(), "cannot log in").await;
    desk.fake.group_message(SUPPORT, &agent(), "on it", Some(card));
    desk.wait_sent(alice().id, 2, "the answer").await;
    let Some(browser) = Browser::start().await else { return };
    let name = |page: &str| format!("{page}-{kind:?}").to_lowercase();
    let b = &browser.client;

    let out = ticketbot(&desk.vars_database_url(), &["web-login", "--user", &agent().id.to_string()]);
    let link = String::from_utf8(out.stdout).unwrap();
    let link = format!("http://{}/auth/link?{}", desk.http, link.split_once('?').unwrap().1);
    b.goto(&link).await.unwrap();
    b.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let table = b.wait().for_element(Locator::Css("table")).await.expect("the tickets");
    let rows = table.text().await.unwrap();
    assert!(rows.contains("#1") && rows.contains("#2"), "{rows}");
    assert_eq!(b.current_url().await.unwrap().path(), "/");
    assert_eq!(b.execute(ALL_LABELLED, vec![]).await.unwrap(), serde_json::json!(true), "labels on the list");
    browser.screenshot(&name("tickets")).await;

    // Search through the form, as a person would type it.
    b.find(Locator::Css("input[name=q]")).await.unwrap().send_keys("printer").await.unwrap();
    b.find(Locator::Css(".filters button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.until_url(|url| url.query().is_some_and(|q| q.contains("q=printer"))).await;
    let found = b.find(Locator::Css("table")).await.unwrap().text().await.unwrap();
    assert!(found.contains("#1") && !found.contains("#2"), "{found}");
    browser.screenshot(&name("search")).await;

    // The ticket: its history, both ways.
    b.find(Locator::LinkText("#1")).await.unwrap().click().await.unwrap();
    let history = b.wait().for_element(Locator::Css(".history")).await.unwrap().text().await.unwrap();
    assert!(history.contains("my printer is on fire") && history.contains("on it"), "{history}");
    assert!(history.contains("Agent Smith"), "{history}");
    browser.screenshot(&name("ticket")).await;

    // A reply from the console reaches the user, and shows in the history.
    let reply = b.find(Locator::Css(".reply textarea")).await.unwrap();
    reply.send_keys("we are looking into it").await.unwrap();
    b.find(Locator::Css(".reply button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::XPath("//p[@class='text'][text()='we are looking into it']")).await.unwrap();
    let to_alice = desk.wait_sent(alice().id, 3, "the console's reply").await;
    assert_eq!(to_alice.last().unwrap().text.as_deref(), Some("we are looking into it"), "{to_alice:?}");
    browser.screenshot(&name("reply")).await;

    // Closed from the console, as /close closes it: the user is told.
    b.find(Locator::Css(".actions button")).await.unwrap().click().await.unwrap();
    let card = b.wait().for_element(Locator::XPath("//dd[text()='closed']")).await.unwrap();
    assert_eq!(card.text().await.unwrap(), "closed");
    let to_alice = desk.wait_sent(alice().id, 4, "closed").await;
    assert!(to_alice.len() >= 4, "{to_alice:?}");
    let support = desk.fake.sent_to(SUPPORT);
    assert!(support.iter().any(|m| m.text.as_deref().is_some_and(|t| t.contains("Agent Smith"))), "{support:?}");
    assert!(b.find(Locator::Css(".actions button")).await.unwrap().text().await.unwrap().contains("Reopen"));

    // The dashboard: the period's figures, and charts drawn in the page.
    b.find(Locator::LinkText("Dashboard")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("figure svg")).await.unwrap();
    b.find(Locator::LinkText("7 days")).await.unwrap().click().await.unwrap();
    browser.until_url(|url| url.query() == Some("period=week")).await;
    let source = b.source().await.unwrap();
    assert!(source.contains("<dt>Opened</dt><dd>2</dd>") && source.contains("<dt>Answered</dt><dd>1</dd>"), "{source}");
    assert!(source.contains("<dt>Closed</dt><dd>1</dd>"), "closed from the console: {source}");
    assert_eq!(b.find_all(Locator::Css("figure svg")).await.unwrap().len(), 3, "three charts");
    let bars = b.find_all(Locator::Css("figure:first-of-type svg rect")).await.unwrap().len();
    assert_eq!(bars, 7, "a bar a day");
    assert!(source.contains("Agent Smith"), "the staff table");
    assert_eq!(b.execute(ALL_LABELLED, vec![]).await.unwrap(), serde_json::json!(true));
    browser.screenshot(&name("dashboard")).await;

    // Out, with the form's own token.
    b.find(Locator::Css("nav button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.until_url(|url| url.path() == "/login").await;
    assert!(b.source().await.unwrap().contains("ticketbot web-login"));
    browser.screenshot(&name("login")).await;
    b.goto(&format!("http://{}/", desk.http)).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/login", "logged out");
    browser.close().await;
    desk.stop().await;
}
