//! The full-text index on both backends: every word required, any script
//! and case, either direction and notes, kept in the transaction that
//! stores or edits a message, read newest first from a cursor, narrowed by
//! user, open tickets and day.

use testdb::{Kind, TestDb, on_both_backends};

use super::file;
use crate::db::Conn;
use crate::domain::{Direction, MessageDraft};
use crate::storage::export::Days;
use crate::storage::listing::{Assignee, TicketFilter};
use crate::storage::rows::Staff;
use crate::storage::search::{self, Hit, Narrowing};
use crate::storage::{erasure, filing, messages, tickets};
use crate::testing::{conn, in_tx, naive, user_text};

on_both_backends!(
    words_in_any_script_and_case_are_found_in_every_direction,
    the_index_changes_with_the_message_in_its_transaction,
    matches_come_newest_first_from_a_cursor_narrowed_as_asked,
    matches_far_apart_are_found_newest_first_and_no_more_than_asked,
    a_search_from_a_day_finds_the_next_days_ticket_stored_before_it,
    open_tickets_are_searched_as_they_close_reopen_are_edited_and_erased,
    open_tickets_narrowed_further_are_found_past_the_many_left_out,
    an_edit_racing_its_tickets_reopening_is_found_by_its_new_words
);

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn narrowed(tickets: TicketFilter) -> Narrowing {
    Narrowing { tickets, ..Default::default() }
}

async fn hits(conn: &mut Conn, query: &str, narrowing: &Narrowing) -> Vec<Hit> {
    search::newest_hits(conn, &words(query), narrowing, i64::MAX, 100).await.unwrap()
}

fn agent() -> Staff {
    Staff {
        user_id: 900,
        username: Some("smith".into()),
        display_name: "Agent Smith".into(),
        is_admin: false,
        created_at: naive("2026-11-21T09:00:00Z"),
    }
}

fn staff_draft(direction: Direction, text: &str) -> MessageDraft {
    MessageDraft { direction, sender_id: 900, ..user_text(900, 1, text) }
}

async fn words_in_any_script_and_case_are_found_in_every_direction(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (anna, _, _) = file(&db, 1, 1, "Принтер ГОРИТ, помогите!", "2026-11-21T09:00:00Z").await;
    let (bob, _, _) = file(&db, 2, 1, "The printer jammed again", "2026-11-21T09:01:00Z").await;
    let now = naive("2026-11-21T09:02:00Z");
    let answer = staff_draft(Direction::ToUser, "Turn the PRINTER off and on");
    in_tx(&db, async |tx| filing::staff_message(tx, bob.id, &agent(), &answer, now).await).await;
    let note = staff_draft(Direction::Note, "call the toner vendor");
    in_tx(&db, async |tx| filing::staff_message(tx, anna.id, &agent(), &note, now).await).await;

    let mut c = conn(&db).await;
    let none = Narrowing::default();
    let tickets_of = |hits: Vec<Hit>| hits.into_iter().map(|h| h.ticket_id).collect::<Vec<_>>();
    assert_eq!(tickets_of(hits(&mut c, "принтер", &none).await), [anna.id], "Cyrillic, any case");
    assert_eq!(tickets_of(hits(&mut c, "горит принтер", &none).await), [anna.id], "every word, any order");
    assert_eq!(tickets_of(hits(&mut c, "printer", &none).await), [bob.id, bob.id], "the answer, then the question");
    assert_eq!(tickets_of(hits(&mut c, "toner", &none).await), [anna.id], "a note");
    assert!(hits(&mut c, "printer fire", &none).await.is_empty(), "every word is required");
    assert!(hits(&mut c, "print", &none).await.is_empty(), "whole words");
    assert!(hits(&mut c, "\"printer\" OR NEAR(", &none).await.is_empty(), "no query syntax gets through");
}

async fn the_index_changes_with_the_message_in_its_transaction(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (ticket, message, _) = file(&db, 1, 1, "my parcel is late", "2026-11-21T09:00:00Z").await;
    let now = naive("2026-11-21T09:05:00Z");
    // Seen inside the transaction that edits it, before the commit.
    let inside = in_tx(&db, async |tx| {
        filing::user_edit(tx, 1, 1, Some("my package is late"), Default::default(), now).await?;
        let package = search::newest_hits(tx, &words("package"), &Narrowing::default(), i64::MAX, 10).await?;
        let parcel = search::newest_hits(tx, &words("parcel"), &Narrowing::default(), i64::MAX, 10).await?;
        Ok((package, parcel))
    })
    .await;
    assert_eq!(inside.0.iter().map(|h| h.message_id).collect::<Vec<_>>(), [message.id]);
    assert!(inside.1.is_empty(), "the old words are gone from the index");
    assert_eq!(inside.0[0].text.as_deref(), Some("my package is late"));
    // A message whose text is taken away leaves the index.
    in_tx(&db, async |tx| filing::user_edit(tx, 1, 1, None, Default::default(), now).await).await;
    assert!(hits(&mut conn(&db).await, "package", &Narrowing::default()).await.is_empty());
    assert_eq!(ticket.user_id, 1);
}

async fn matches_come_newest_first_from_a_cursor_narrowed_as_asked(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let mut filed = Vec::new();
    for user in 1..=5 {
        let (ticket, message, _) = file(&db, user, 1, "refund please", &format!("2026-11-2{user}T09:00:00Z")).await;
        filed.push((ticket, message));
    }
    let mut c = conn(&db).await;
    let all = hits(&mut c, "refund", &Narrowing::default()).await;
    let newest: Vec<i64> = filed.iter().rev().map(|(_, m)| m.id).collect();
    assert_eq!(all.iter().map(|h| h.message_id).collect::<Vec<_>>(), newest);
    let page = search::newest_hits(&mut c, &words("refund"), &Narrowing::default(), newest[1], 2).await.unwrap();
    assert_eq!(page.iter().map(|h| h.message_id).collect::<Vec<_>>(), &newest[2..4], "older than the cursor");

    let by_user = Narrowing { username: Some("USER3".into()), ..Default::default() };
    assert_eq!(hits(&mut c, "refund", &by_user).await.iter().map(|h| h.ticket_id).collect::<Vec<_>>(), [filed[2].0.id]);
    in_tx(&db, async |tx| tickets::close(tx, filed[4].0.id, naive("2026-11-25T10:00:00Z")).await).await;
    let open = narrowed(TicketFilter { status: Some("open"), ..Default::default() });
    assert_eq!(hits(&mut c, "refund", &open).await.len(), 4, "the closed ticket left out");
    let on = |day: chrono::NaiveDate| Days { since: Some(day), until: Some(day) };
    let day = narrowed(TicketFilter { days: on(filed[1].0.day), ..Default::default() });
    assert_eq!(hits(&mut c, "refund", &day).await.iter().map(|h| h.ticket_id).collect::<Vec<_>>(), [filed[1].0.id]);

    // A later answer on that day's ticket is the day's too, though other
    // days' messages came between; a day without tickets has nothing.
    let answer = staff_draft(Direction::ToUser, "your refund is on its way");
    let later = naive("2026-11-26T09:00:00Z");
    let answer = in_tx(&db, async |tx| filing::staff_message(tx, filed[1].0.id, &agent(), &answer, later).await).await;
    let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.message_id).collect::<Vec<_>>();
    assert_eq!(ids(hits(&mut c, "refund", &day).await), [answer.id, filed[1].1.id]);
    let empty_day = narrowed(TicketFilter {
        days: on(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
        ..Default::default()
    });
    assert!(hits(&mut c, "refund", &empty_day).await.is_empty());
    // Days from, up to, and between; closed tickets only.
    let tickets_of = |hits: Vec<Hit>| hits.into_iter().map(|h| h.ticket_id).collect::<Vec<_>>();
    let span = |since: usize, until: usize| {
        let days = Days { since: Some(filed[since].0.day), until: Some(filed[until].0.day) };
        narrowed(TicketFilter { days, ..Default::default() })
    };
    assert_eq!(
        tickets_of(hits(&mut c, "refund", &span(1, 3)).await),
        [filed[1].0.id, filed[3].0.id, filed[2].0.id, filed[1].0.id]
    );
    let from = narrowed(TicketFilter { days: Days { since: Some(filed[3].0.day), until: None }, ..Default::default() });
    assert_eq!(tickets_of(hits(&mut c, "refund", &from).await), [filed[4].0.id, filed[3].0.id]);
    let up_to =
        narrowed(TicketFilter { days: Days { since: None, until: Some(filed[0].0.day) }, ..Default::default() });
    assert_eq!(tickets_of(hits(&mut c, "refund", &up_to).await), [filed[0].0.id]);
    let closed = narrowed(TicketFilter { status: Some("closed"), ..Default::default() });
    assert_eq!(tickets_of(hits(&mut c, "refund", &closed).await), [filed[4].0.id]);
    // The user's, from a cursor, and with the other narrowings.
    let of_user2 = Narrowing { username: Some("user2".into()), ..Default::default() };
    assert_eq!(ids(hits(&mut c, "refund", &of_user2).await), [answer.id, filed[1].1.id]);
    let older = search::newest_hits(&mut c, &words("refund"), &of_user2, answer.id, 10).await.unwrap();
    assert_eq!(ids(older), [filed[1].1.id], "older than the cursor");
    let user_and_day =
        Narrowing { tickets: TicketFilter { days: on(filed[2].0.day), ..Default::default() }, ..of_user2.clone() };
    assert!(hits(&mut c, "refund", &user_and_day).await.is_empty(), "user2's ticket is of another day");
    let user_and_open = Narrowing { tickets: TicketFilter { status: Some("open"), ..Default::default() }, ..of_user2 };
    assert_eq!(ids(hits(&mut c, "refund way", &user_and_open).await), [answer.id]);
    let nobody = Narrowing { username: Some("nobody".into()), ..Default::default() };
    assert!(hits(&mut c, "refund", &nobody).await.is_empty());
}

/// Ids far apart: PostgreSQL reads the newest ids first, then the rest;
/// what it returns is the same as reading everything at once.
async fn matches_far_apart_are_found_newest_first_and_no_more_than_asked(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (ticket, first, _) = file(&db, 1, 1, "refund please", "2026-11-21T09:00:00Z").await;
    for id in [120_000, 400_000, 3_000_000, 3_000_001] {
        let text = if id == 3_000_001 { "nothing to see" } else { "refund again" };
        test.sql(&format!(
            "INSERT INTO ticket_messages (id, ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
             VALUES ({id}, {}, 'from_user', 1, 1, 'text', '{text}', '2026-11-21 09:05:00')",
            ticket.id
        ))
        .await;
    }
    let mut c = conn(&db).await;
    let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.message_id).collect::<Vec<_>>();
    assert_eq!(ids(hits(&mut c, "refund", &Narrowing::default()).await), [3_000_000, 400_000, 120_000, first.id]);
    let two = search::newest_hits(&mut c, &words("refund"), &Narrowing::default(), i64::MAX, 2).await.unwrap();
    assert_eq!(ids(two), [3_000_000, 400_000]);
    let older = search::newest_hits(&mut c, &words("refund"), &Narrowing::default(), 400_000, 10).await.unwrap();
    assert_eq!(ids(older), [120_000, first.id]);
    drop(c);

    // Narrowed to a status: each far match's ticket is looked up, newest
    // first, until enough pass.
    let (other, _, _) = file(&db, 2, 1, "no words here", "2026-11-21T09:10:00Z").await;
    for id in [200_000, 2_500_000] {
        test.sql(&format!(
            "INSERT INTO ticket_messages (id, ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
             VALUES ({id}, {}, 'from_user', 2, 2, 'text', 'refund again', '2026-11-21 09:15:00')",
            other.id
        ))
        .await;
    }
    in_tx(&db, async |tx| tickets::close(tx, other.id, naive("2026-11-21T09:20:00Z")).await).await;
    let mut c = conn(&db).await;
    let status = |status| narrowed(TicketFilter { status: Some(status), ..Default::default() });
    let closed = search::newest_hits(&mut c, &words("refund"), &status("closed"), i64::MAX, 10).await.unwrap();
    assert_eq!(ids(closed), [2_500_000, 200_000]);
    let open = search::newest_hits(&mut c, &words("refund"), &status("open"), i64::MAX, 3).await.unwrap();
    assert_eq!(ids(open), [3_000_000, 400_000, 120_000]);
}

/// Two replicas at midnight: the 22nd's ticket (and its message) stored
/// before the 21st's first. A search from the 21st reads both.
async fn a_search_from_a_day_finds_the_next_days_ticket_stored_before_it(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (early, _, _) = file(&db, 1, 1, "refund please", "2026-11-22T00:00:01Z").await;
    let (late, _, _) = file(&db, 2, 1, "refund please", "2026-11-21T23:59:59Z").await;
    assert!(early.id < late.id);
    let mut c = conn(&db).await;
    let since = |d: u32| Days { since: chrono::NaiveDate::from_ymd_opt(2026, 11, d), until: None };
    let from_21st = narrowed(TicketFilter { days: since(21), ..Default::default() });
    let found: Vec<i64> = hits(&mut c, "refund", &from_21st).await.iter().map(|h| h.ticket_id).collect();
    assert_eq!(found, [late.id, early.id]);
    let from_22nd = narrowed(TicketFilter { days: since(22), ..Default::default() });
    let found: Vec<i64> = hits(&mut c, "refund", &from_22nd).await.iter().map(|h| h.ticket_id).collect();
    assert_eq!(found, [early.id]);
}

/// A search among open tickets (on PostgreSQL, through the index of open
/// tickets' messages, migration 000021) follows each close, reopen, edit
/// and erasure in the transaction that makes it.
async fn open_tickets_are_searched_as_they_close_reopen_are_edited_and_erased(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (anna, anna_asks, _) = file(&db, 1, 1, "my parcel is lost", "2026-11-21T09:00:00Z").await;
    let (bob, bob_asks, _) = file(&db, 2, 1, "a parcel went missing", "2026-11-21T09:01:00Z").await;
    let open = narrowed(TicketFilter { status: Some("open"), ..Default::default() });
    let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.message_id).collect::<Vec<_>>();
    let mut c = conn(&db).await;
    assert_eq!(ids(hits(&mut c, "parcel", &open).await), [bob_asks.id, anna_asks.id]);

    in_tx(&db, async |tx| tickets::close(tx, bob.id, naive("2026-11-21T09:02:00Z")).await).await;
    assert_eq!(ids(hits(&mut c, "parcel", &open).await), [anna_asks.id], "the closed ticket's message left");
    // On PostgreSQL it left the index of open tickets' messages too (the
    // search would leave it out anyway, by its ticket).
    let indexed = |sql: String| {
        let test = &test;
        async move { if kind == Kind::Postgres { test.count(&sql).await } else { 0 } }
    };
    let of_bob = format!("SELECT count(*) FROM ticket_messages_search_open WHERE ticket_id = {}", bob.id);
    assert_eq!(indexed(of_bob.clone()).await, 0);
    // A note on the closed ticket is no open ticket's.
    let note = staff_draft(Direction::Note, "parcel found in the depot");
    let at = naive("2026-11-21T09:03:00Z");
    let note = in_tx(&db, async |tx| filing::staff_message(tx, bob.id, &agent(), &note, at).await).await;
    assert_eq!(ids(hits(&mut c, "parcel", &open).await), [anna_asks.id]);

    let at = naive("2026-11-21T09:04:00Z");
    in_tx(&db, async |tx| tickets::reopen(tx, bob.id, at).await).await;
    assert_eq!(
        ids(hits(&mut c, "parcel", &open).await),
        [note.id, bob_asks.id, anna_asks.id],
        "reopened, with the note written while it was closed"
    );

    let at = naive("2026-11-21T09:05:00Z");
    in_tx(&db, async |tx| filing::user_edit(tx, 1, 1, Some("my box is lost"), Default::default(), at).await).await;
    assert_eq!(ids(hits(&mut c, "parcel", &open).await), [note.id, bob_asks.id], "the edited text's old word");
    assert_eq!(ids(hits(&mut c, "box", &open).await), [anna_asks.id], "its new one");

    in_tx(&db, async |tx| erasure::erase_user(tx, 1, at).await).await;
    assert!(hits(&mut c, "box", &open).await.is_empty(), "erased text is not found");
    let erased = "SELECT count(*) FROM ticket_messages_search_open WHERE words @@ plainto_tsquery('simple', 'box')";
    assert_eq!(indexed(erased.to_string()).await, 0, "nor kept in the index");
    assert!(kind == Kind::Sqlite || indexed(of_bob).await == 2, "bob's messages are back in it");
    assert_eq!(anna.user_id, 1);
}

/// Among open tickets, one staff member's: their two oldest are found past
/// five newer ones of nobody's (PostgreSQL reads the newest matches of the
/// open tickets' index in growing batches until enough pass).
async fn open_tickets_narrowed_further_are_found_past_the_many_left_out(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let mut theirs = Vec::new();
    for user in 1..=7 {
        let (ticket, message, _) = file(&db, user, 1, "refund please", &format!("2026-11-21T09:0{user}:00Z")).await;
        if user <= 2 {
            in_tx(&db, async |tx| tickets::assign(tx, ticket.id, &agent()).await).await;
            theirs.push(message.id);
        }
    }
    theirs.reverse();
    let mine =
        narrowed(TicketFilter { status: Some("open"), assignee: Some(Assignee::Staff(900)), ..Default::default() });
    let mut c = conn(&db).await;
    let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.message_id).collect::<Vec<_>>();
    let two = search::newest_hits(&mut c, &words("refund"), &mine, i64::MAX, 2).await.unwrap();
    assert_eq!(ids(two), theirs);
    let one = search::newest_hits(&mut c, &words("refund"), &mine, i64::MAX, 1).await.unwrap();
    assert_eq!(ids(one), &theirs[..1], "no more than asked");
    let older = search::newest_hits(&mut c, &words("refund"), &mine, theirs[0], 5).await.unwrap();
    assert_eq!(ids(older), &theirs[1..], "older than the cursor");
}

/// A staff member's edit of a closed ticket's message, not yet committed
/// when the ticket is reopened: the reopening reads the old text. On
/// PostgreSQL the edit writes its words into the open tickets' index
/// itself, and the reopening waits for it rather than keep the old ones.
async fn an_edit_racing_its_tickets_reopening_is_found_by_its_new_words(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let (ticket, asked, _) = file(&db, 1, 1, "my parcel is lost", "2026-11-21T09:00:00Z").await;
    let at = naive("2026-11-21T09:05:00Z");
    in_tx(&db, async |tx| tickets::close(tx, ticket.id, at).await).await;

    let mut edit = db.begin().await.unwrap();
    messages::set_edited(&mut edit, asked.id, Some("my refund is late"), at).await.unwrap();
    let reopening = tokio::spawn({
        let db = db.clone();
        async move { in_tx(&db, async |tx| tickets::reopen(tx, ticket.id, at).await).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    edit.commit().await.unwrap();
    reopening.await.unwrap();

    let open = narrowed(TicketFilter { status: Some("open"), ..Default::default() });
    let mut c = conn(&db).await;
    let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.message_id).collect::<Vec<_>>();
    assert_eq!(ids(hits(&mut c, "refund", &open).await), [asked.id]);
    assert!(hits(&mut c, "parcel", &open).await.is_empty());
}
