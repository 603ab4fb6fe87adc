//! The console with the keyboard alone, in headless Chromium: Tab walks
//! the tickets page's controls in reading order, each named (by its label
//! or its text) and outlined while it has the focus; a ticket is opened,
//! answered and closed with Tab, typing and Enter.

use fantoccini::Locator;
use fantoccini::key::Key;

use super::console::{console, login_link};
use super::open_ticket;
use crate::browser::{Browser, Focused};
use crate::desk::{agent, alice};
use crate::support::{Kind, on_both_backends};

on_both_backends!(the_console_works_with_the_keyboard_alone);

/// Presses Tab until `name` has the focus (at most `presses` times): what
/// had it on the way, repeats (a date field's parts) once.
async fn tab_to(browser: &Browser, name: &str, presses: usize) -> Vec<Focused> {
    let mut walked: Vec<Focused> = Vec::new();
    for _ in 0..presses {
        browser.press(Key::Tab).await;
        let focused = browser.focused().await;
        let reached = focused.name == name;
        if walked.last().is_none_or(|last| (&last.tag, &last.name) != (&focused.tag, &focused.name)) {
            walked.push(focused);
        }
        if reached {
            return walked;
        }
    }
    panic!("Tab never reached {name:?}; it went through {walked:#?}");
}

async fn the_console_works_with_the_keyboard_alone(kind: Kind) {
    let Some(desk) = console(kind, &[("FIRST_RESPONSE_SLA", "1h")]).await else { return };
    open_ticket(&desk, &alice(), "my printer is on fire").await;
    let Some(browser) = Browser::start().await else { return };
    let b = &browser.client;

    // The login link's page: one Tab to its button, Enter.
    b.goto(&format!("http://{}{}", desk.http, login_link(&desk, agent().id))).await.unwrap();
    let walked = tab_to(&browser, "Log in", 1).await;
    assert_eq!(walked[0].tag, "button");
    browser.press(Key::Enter).await;
    browser.until_url(|url| url.path() == "/").await;

    // The tickets page, in reading order: the bar, the filters, the rows.
    let walked = tab_to(&browser, "#1", 20).await;
    let order: Vec<(&str, &str)> = walked.iter().map(|f| (f.tag.as_str(), f.name.as_str())).collect();
    assert_eq!(
        order,
        [
            ("a", "Tickets"),
            ("a", "Dashboard"),
            ("button", "Log out"),
            ("input", "Words"),
            ("select", "Status"),
            ("select", "Assignee"),
            ("select", "Waiting"),
            ("input", "From"),
            ("input", "To"),
            ("button", "Show"),
            ("a", "#1"),
        ]
    );
    for focused in &walked {
        let (style, width) = &focused.outline;
        assert!(style != "none" && *width >= 2.0, "{focused:?}: the focus is visible");
    }

    // Enter opens the ticket; Tab reaches the reply box, then its button.
    browser.press(Key::Enter).await;
    browser.until_url(|url| url.path().starts_with("/tickets/")).await;
    let walked = tab_to(&browser, "Reply to the user", 20).await;
    let names: Vec<&str> = walked.iter().map(|f| f.name.as_str()).collect();
    for control in ["Close the ticket", "Assignee", "Assign"] {
        assert!(names.contains(&control), "{control} comes before the reply box: {names:?}");
    }
    for focused in &walked {
        let (style, width) = &focused.outline;
        assert!(style != "none" && *width >= 2.0, "{focused:?}: the focus is visible");
    }
    b.active_element().await.unwrap().send_keys("typed, not clicked").await.unwrap();
    tab_to(&browser, "Send", 1).await;
    browser.press(Key::Enter).await;
    let to_alice = desk.wait_sent(alice().id, 2, "the reply").await;
    assert_eq!(to_alice.last().unwrap().text.as_deref(), Some("typed, not clicked"));

    // Back on the ticket, the first button closes it.
    b.wait().for_element(Locator::XPath("//p[@class='text'][text()='typed, not clicked']")).await.unwrap();
    tab_to(&browser, "Close the ticket", 20).await;
    browser.press(Key::Enter).await;
    b.wait().for_element(Locator::XPath("//dd[text()='closed']")).await.unwrap();
    desk.wait_sent(alice().id, 3, "closed").await;
    browser.close().await;
    desk.stop().await;
}
