//! Lists narrowed to days read only the ids of those days' tickets, and
//! still hold every ticket of them, newest first, from a cursor.

use chrono::NaiveDate;
use testdb::{Kind, TestDb, on_both_backends};

use super::file;
use crate::db::Conn;
use crate::storage::export::Days;
use crate::storage::listing::{self, TicketFilter};
use crate::testing::conn;

on_both_backends!(
    a_list_of_days_holds_their_tickets_and_no_others,
    tickets_stored_out_of_day_order_at_midnight_are_listed
);

fn day(d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 11, d)
}

async fn a_list_of_days_holds_their_tickets_and_no_others(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    // Two tickets on each of the 20th, 22nd and 24th, none between.
    let mut ids = Vec::new();
    for (user, at) in [
        (1, "2026-11-20T00:00:00Z"),
        (2, "2026-11-20T23:59:59Z"),
        (3, "2026-11-22T00:00:00Z"),
        (4, "2026-11-22T23:59:59Z"),
        (5, "2026-11-24T00:00:00Z"),
        (6, "2026-11-24T23:59:59Z"),
    ] {
        ids.push(file(&db, user, 1, "help", at).await.0.id);
    }
    let mut c = conn(&db).await;
    let listed = async |c: &mut Conn, since: u32, until: u32, before: i64, limit: i64| {
        let filter = TicketFilter { days: Days { since: day(since), until: day(until) }, ..Default::default() };
        let rows = listing::tickets_before(c, filter, before, limit).await.unwrap();
        rows.into_iter().map(|t| t.ticket_id).collect::<Vec<_>>()
    };
    assert_eq!(listed(&mut c, 22, 22, i64::MAX, 50).await, [ids[3], ids[2]], "one day, both ends of it");
    assert_eq!(listed(&mut c, 21, 23, i64::MAX, 50).await, [ids[3], ids[2]], "days without tickets around it");
    assert_eq!(listed(&mut c, 20, 24, i64::MAX, 50).await, ids.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(listed(&mut c, 20, 24, ids[4], 2).await, [ids[3], ids[2]], "from a cursor inside the days");
    assert_eq!(listed(&mut c, 20, 22, ids[5], 50).await, [ids[3], ids[2], ids[1], ids[0]], "a cursor past them");
    assert!(listed(&mut c, 23, 23, i64::MAX, 50).await.is_empty(), "a day without tickets");
    assert!(listed(&mut c, 1, 19, i64::MAX, 50).await.is_empty(), "before the first ticket");
    assert!(listed(&mut c, 25, 30, i64::MAX, 50).await.is_empty(), "after the last");
    assert!(listed(&mut c, 24, 20, i64::MAX, 50).await.is_empty(), "since after until");
    // One end only.
    let since = TicketFilter { days: Days { since: day(24), until: None }, ..Default::default() };
    let rows = listing::tickets_before(&mut c, since, i64::MAX, 50).await.unwrap();
    assert_eq!(rows.iter().map(|t| t.ticket_id).collect::<Vec<_>>(), [ids[5], ids[4]]);
    let until = TicketFilter { days: Days { since: None, until: day(20) }, ..Default::default() };
    let rows = listing::tickets_before(&mut c, until, i64::MAX, 50).await.unwrap();
    assert_eq!(rows.iter().map(|t| t.ticket_id).collect::<Vec<_>>(), [ids[1], ids[0]]);
}

/// Two replicas at midnight: a ticket of the day before is stored after
/// the first of the next (its id higher). A list from the later day, or up
/// to the earlier, still holds both.
async fn tickets_stored_out_of_day_order_at_midnight_are_listed(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = crate::testing::start(&test).await;
    let mut ids = Vec::new();
    for (user, at) in [
        (1, "2026-11-21T00:00:01Z"),
        (2, "2026-11-20T23:59:59Z"),
        (3, "2026-11-23T00:00:01Z"),
        (4, "2026-11-22T23:59:59Z"),
    ] {
        ids.push(file(&db, user, 1, "help", at).await.0.id);
    }
    assert!(ids.is_sorted(), "{ids:?}");
    let mut c = conn(&db).await;
    let listed = async |c: &mut Conn, since: Option<u32>, until: Option<u32>| {
        let filter = TicketFilter {
            days: Days { since: since.and_then(day), until: until.and_then(day) },
            ..Default::default()
        };
        let rows = listing::tickets_before(c, filter, i64::MAX, 50).await.unwrap();
        rows.into_iter().map(|t| t.ticket_id).collect::<Vec<_>>()
    };
    assert_eq!(listed(&mut c, None, Some(21)).await, [ids[1], ids[0]], "the 20th's ticket stored after the 21st's");
    assert_eq!(listed(&mut c, Some(22), None).await, [ids[3], ids[2]], "the 23rd's ticket stored before the 22nd's");
    assert_eq!(listed(&mut c, Some(21), Some(22)).await, [ids[3], ids[0]]);
    assert_eq!(listed(&mut c, Some(20), Some(20)).await, [ids[1]]);
    assert_eq!(listed(&mut c, Some(23), Some(23)).await, [ids[2]]);
}
