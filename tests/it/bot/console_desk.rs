//! What the console does to the desk and how it narrows the list, over
//! real HTTP: anyone takes a ticket, only admins give one to a colleague
//! (`ADMIN_IDS` or the support group's admins, as Telegram says), and staff
//! in Telegram read who did it; the list narrows by assignee and
//! by waiting (for staff, past the SLA); a ticket shows its rating's
//! comment, escaped; a long history comes in pages (the page and the API);
//! the dashboard shows each period.

use super::api::{call, new_token};
use super::console::{LoggedIn, console, get, log_in, log_in_through_telegram};
use super::{bob, open_ticket};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::support::{Kind, on_both_backends};
use fake_telegram::TgUser;

on_both_backends!(
    anyone_takes_a_ticket_and_only_admins_give_one_away,
    a_group_admin_gives_tickets_away_and_a_newcomer_takes_one,
    the_list_narrows_by_assignee_and_by_waiting,
    a_ticket_shows_its_ratings_comment,
    a_long_history_comes_in_pages_and_the_dashboard_shows_each_period
);

/// A staff member who is not an admin.
fn lead() -> TgUser {
    let mut lead = TgUser::new(901, "Lead");
    lead.username = Some("lead".into());
    lead
}

/// Polls `done` until it holds (15 s at most).
async fn wait_until(done: impl Fn() -> bool, what: &str) {
    let deadline = std::time::Instant::now() + crate::desk::WAIT;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The ticket numbers a list page shows, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("\">#").skip(1).map(|rest| rest.split('<').next().unwrap().to_string()).collect()
}

async fn ticket_id(desk: &Desk, number: i32) -> i64 {
    desk.db.count(&format!("SELECT id FROM tickets WHERE number = {number}")).await
}

/// Alice's ticket #1 and Bob's #2, which Lead answered (so Lead is staff).
async fn two_tickets(desk: &Desk) -> (i64, i64) {
    open_ticket(desk, &alice(), "printer on fire").await;
    let support = open_ticket(desk, &bob(), "where is my parcel").await;
    let card = support[support.len() - 2].message_id;
    desk.fake.group_message(SUPPORT, &lead(), "it is on its way", Some(card));
    desk.wait_sent(bob().id, 2, "the answer").await;
    (ticket_id(desk, 1).await, ticket_id(desk, 2).await)
}

async fn anyone_takes_a_ticket_and_only_admins_give_one_away(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let (first, second) = two_tickets(&desk).await;
    let (admin, lead_session) = (log_in(&desk, agent().id).await, log_in(&desk, lead().id).await);
    let assignee = |id: i64| format!("SELECT COALESCE(assignee_id, 0) FROM tickets WHERE id = {id}");

    // The ticket page offers every staff member, nobody chosen yet.
    let page = admin.page(&desk, &format!("/tickets/{first}")).await;
    assert!(page.contains("<label>Assignee <select name=\"to\" required>"), "{page}");
    assert!(page.contains("<option value=\"901\">Lead (@lead)</option>"), "{page}");
    // (ADMIN_IDS made Agent Smith a staff member named by his id.)
    assert!(page.contains(&format!("<option value=\"{0}\">admin {0}</option>", agent().id)), "{page}");

    // Lead is no admin: giving the ticket to Agent Smith is refused.
    let to_agent = agent().id.to_string();
    let (status, body) = lead_session.post(&desk, &format!("/tickets/{first}/assign"), &[("to", &to_agent)]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Only admins"), "{body}");
    assert_eq!(desk.db.count(&assignee(first)).await, 0, "unchanged");
    // Taking it is anyone's, and staff in Telegram read it.
    let (status, body) = lead_session.post(&desk, &format!("/tickets/{first}/assign"), &[("to", "901")]).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(desk.db.count(&assignee(first)).await, 901);
    let fake = &desk.fake;
    let said = |text: &'static str| {
        move || fake.sent_to(SUPPORT).iter().filter(|m| m.text.as_deref().is_some_and(|t| t.contains(text))).count()
    };
    let taken = said("#1 assigned to @lead by Lead");
    wait_until(|| taken() == 1, "staff read who took it").await;
    // Sent again (a double click): nothing changes, nothing more is said.
    let (status, _) = lead_session.post(&desk, &format!("/tickets/{first}/assign"), &[("to", "901")]).await;
    assert_eq!(status, 303);

    // The admin gives ticket #2 to Lead; the page then shows Lead chosen.
    let (status, _) = admin.post(&desk, &format!("/tickets/{second}/assign"), &[("to", "901")]).await;
    assert_eq!(status, 303);
    let given = said("#2 assigned to @lead by admin 900");
    wait_until(|| given() == 1, "staff read who gave it").await;
    assert_eq!(taken(), 1, "the second take said nothing");
    assert_eq!(desk.db.count(&assignee(second)).await, 901);
    let page = admin.page(&desk, &format!("/tickets/{second}")).await;
    assert!(page.contains("<option value=\"901\" selected>Lead (@lead)</option>"), "{page}");
    assert!(page.contains("<dt>Assignee</dt><dd>Lead</dd>"), "{page}");

    // Lead may not even learn who is staff: any id but his own is 403.
    assert_eq!(lead_session.post(&desk, &format!("/tickets/{second}/assign"), &[("to", "4242")]).await.0, 403);
    // Someone who is not staff, a forged form, no such ticket.
    let (status, body) = admin.post(&desk, &format!("/tickets/{second}/assign"), &[("to", "4242")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not a staff member"), "{body}");
    let forged = LoggedIn { session: admin.session.clone(), csrf: "forged".into() };
    assert_eq!(forged.post(&desk, &format!("/tickets/{second}/assign"), &[("to", &to_agent)]).await.0, 403);
    assert_eq!(desk.db.count(&assignee(second)).await, 901, "unchanged");
    assert_eq!(admin.post(&desk, "/tickets/999999/assign", &[("to", "901")]).await.0, 404);
    desk.stop().await;
}

/// An admin of the support group in Telegram (not in `ADMIN_IDS`) gives
/// tickets away as `/assign` lets them; someone who never answered a
/// ticket takes one, and becomes a staff member by it.
async fn a_group_admin_gives_tickets_away_and_a_newcomer_takes_one(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let (first, second) = two_tickets(&desk).await;
    let newcomer: i64 = 903;
    let assignee = |id: i64| format!("SELECT COALESCE(assignee_id, 0) FROM tickets WHERE id = {id}");
    let is_staff = format!("SELECT COUNT(*) FROM staff WHERE user_id = {newcomer}");
    assert_eq!(desk.db.count(&is_staff).await, 0, "never answered a ticket");

    // Not staff, so no `web-login` link: the Login Widget, as a member.
    let session = log_in_through_telegram(&desk, newcomer, "Nina").await;
    let (status, body) =
        session.post(&desk, &format!("/tickets/{first}/assign"), &[("to", &newcomer.to_string())]).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(desk.db.count(&assignee(first)).await, newcomer);
    assert_eq!(desk.db.count(&is_staff).await, 1, "taking a ticket made a staff row");

    // Lead is staff, not in ADMIN_IDS; once the group's admin, he gives
    // ticket #2 to the newcomer (a staff member now).
    let lead_session = log_in(&desk, lead().id).await;
    desk.fake.make_admin(SUPPORT, lead().id);
    let to = newcomer.to_string();
    let (status, body) = lead_session.post(&desk, &format!("/tickets/{second}/assign"), &[("to", &to)]).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(desk.db.count(&assignee(second)).await, newcomer);
    let fake = &desk.fake;
    let given = || {
        fake.sent_to(SUPPORT)
            .iter()
            .any(|m| m.text.as_deref().is_some_and(|t| t.contains("#2 assigned to Nina by Lead")))
    };
    wait_until(given, "staff read who gave it").await;
    desk.stop().await;
}

async fn the_list_narrows_by_assignee_and_by_waiting(kind: Kind) {
    let Some(desk) = console(kind, &[("FIRST_RESPONSE_SLA", "1h")]).await else { return };
    let (first, second) = two_tickets(&desk).await;
    let admin = log_in(&desk, agent().id).await;
    admin.post(&desk, &format!("/tickets/{second}/assign"), &[("to", "901")]).await;

    assert_eq!(listed(&admin.page(&desk, "/").await), ["2", "1"]);
    assert_eq!(listed(&admin.page(&desk, "/?assignee=901").await), ["2"]);
    assert_eq!(listed(&admin.page(&desk, "/?assignee=none").await), ["1"]);
    // Alice's ticket waits for staff; Bob's was answered.
    assert_eq!(listed(&admin.page(&desk, "/?waiting=yes").await), ["1"]);
    let page = admin.page(&desk, "/?waiting=past_sla").await;
    assert!(page.contains("No tickets.") && page.contains("past the SLA"), "waiting a moment, not an hour: {page}");
    // Two hours ago, it is past the SLA.
    let earlier = (chrono::Utc::now() - chrono::TimeDelta::hours(2)).format("%Y-%m-%d %H:%M:%S");
    desk.db.sql(&format!("UPDATE tickets SET waiting_since = '{earlier}' WHERE id = {first}")).await;
    let page = admin.page(&desk, "/?waiting=past_sla").await;
    assert_eq!(listed(&page), ["1"]);
    assert!(page.contains("<td>2 h 0 min</td>") || page.contains("<td>2 h 1 min</td>"), "its wait: {page}");
    // Filters combine, with each other and with a search.
    assert!(listed(&admin.page(&desk, "/?waiting=past_sla&assignee=901").await).is_empty());
    assert_eq!(listed(&admin.page(&desk, "/?q=printer&waiting=yes&assignee=none").await), ["1"]);
    assert!(listed(&admin.page(&desk, "/?q=printer&assignee=901").await).is_empty());
    assert_eq!(listed(&admin.page(&desk, "/?q=parcel&assignee=901").await), ["2"]);
    // A bad filter is a clear refusal.
    let (status, _, page) = get(&desk, "/?assignee=@lead", Some(&admin.session)).await;
    assert_eq!(status, 400);
    assert!(page.contains("Telegram id"), "{page}");
    desk.stop().await;
}

async fn a_ticket_shows_its_ratings_comment(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let (_, second) = two_tickets(&desk).await;
    desk.db
        .sql(&format!(
            "INSERT INTO ticket_ratings (ticket_id, user_id, score, comment, rated_at, commented_at) \
             VALUES ({second}, {}, 4, 'quick <b>&</b> kind', '2026-11-21 09:00:00', '2026-11-21 09:01:00')",
            bob().id
        ))
        .await;
    let admin = log_in(&desk, agent().id).await;
    let page = admin.page(&desk, &format!("/tickets/{second}")).await;
    assert!(page.contains("<dt>Rating</dt><dd>4 of 5</dd>"), "{page}");
    assert!(page.contains("<dt>Their comment</dt><dd>quick &lt;b&gt;&amp;&lt;/b&gt; kind</dd>"), "{page}");
    desk.stop().await;
}

async fn a_long_history_comes_in_pages_and_the_dashboard_shows_each_period(kind: Kind) {
    let Some(desk) = console(kind, &[]).await else { return };
    let (first, _) = two_tickets(&desk).await;
    // 600 more messages on Alice's ticket: 601 in all, two pages of 500.
    let rows: Vec<String> = (1..=600)
        .map(|n| format!("({first}, 'from_user', {0}, {0}, 'text', 'line {n}', '2026-11-21 09:00:00')", alice().id))
        .collect();
    desk.db
        .sql(&format!(
            "INSERT INTO ticket_messages (ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
             VALUES {}",
            rows.join(", ")
        ))
        .await;
    let admin = log_in(&desk, agent().id).await;
    let page = admin.page(&desk, &format!("/tickets/{first}")).await;
    assert_eq!(page.matches("<li class=").count(), 500, "a page of history");
    assert!(page.contains("line 499</p>") && !page.contains("line 500</p>"), "the first 500, in order");
    let later = page.split("<a rel=\"next\" href=\"").nth(1).expect("a link to the rest").split('"').next().unwrap();
    let rest = admin.page(&desk, &later.replace("&amp;", "&")).await;
    assert_eq!(rest.matches("<li class=").count(), 101, "{rest}");
    assert!(rest.contains("line 500</p>") && rest.contains("line 600</p>"), "{rest}");
    assert!(!rest.contains("rel=\"next\""), "the last page");

    let token = new_token(&desk, "pages");
    let (status, _, one) = call(&desk, Some(&token), &format!("/api/v1/tickets/{first}/messages")).await;
    assert_eq!((status, one["items"].as_array().unwrap().len()), (200, 500));
    let next = one["next_page"].as_str().expect("a next page").to_string();
    let path = format!("/api/v1/tickets/{first}/messages?page={next}");
    let (_, _, two) = call(&desk, Some(&token), &path).await;
    let texts: Vec<&str> = two["items"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!((texts.len(), texts.last().copied()), (101, Some("line 600")));
    assert_eq!(two["next_page"], serde_json::Value::Null);

    // Each period of the dashboard: today holds both tickets.
    for (period, tab) in [("day", "Today"), ("week", "7 days"), ("month", "30 days")] {
        let page = admin.page(&desk, &format!("/dashboard?period={period}")).await;
        assert!(page.contains(&format!("aria-current=\"page\">{tab}</a>")), "{period}: {page}");
        assert!(page.contains("<dt>Opened</dt><dd>2</dd>"), "{period}: {page}");
    }
    let (status, _, _) = get(&desk, "/dashboard?period=year", Some(&admin.session)).await;
    assert_eq!(status, 400);
    desk.stop().await;
}
