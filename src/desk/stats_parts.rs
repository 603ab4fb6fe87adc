//! The two parts of a period's figures, read from the tickets for a run of
//! days: each day's tickets and their first answers (`Opening`, by
//! `tickets.day`), and what happened between two instants (`Activity`:
//! closes, ratings, reminders, answers). A finished day's parts are kept
//! as they are read (`stats_kept`), so a period adds up kept days and
//! days read alike.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

use crate::db::Conn;
use crate::domain::EventKind;
use crate::storage::statistics;

/// A day's tickets: how many opened, and the first answers (seconds) of
/// those answered, by who gave them (`None`: not recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Opening {
    pub opened: usize,
    pub first: Vec<(Option<i64>, Vec<i64>)>,
}

/// Each day of `[first, last]`, in order, with its tickets.
pub(super) async fn read_openings(
    conn: &mut Conn,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, Opening)>> {
    let days = statistics::opened(conn, first, last).await?;
    Ok(days.into_iter().map(|(day, tickets)| (day, opening(&tickets))).collect())
}

fn opening(tickets: &[statistics::Opened]) -> Opening {
    let mut by: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    for t in tickets {
        if let Some(seconds) = t.first_response {
            by.entry(t.first_responder).or_default().push(seconds);
        }
    }
    Opening { opened: tickets.len(), first: by.into_iter().collect() }
}

/// What happened in `[from, to)`: how long each ticket closed in it was
/// open (seconds), its ratings (how many gave 1 to 5 stars), its
/// reminders, and how many tickets each staff member last answered in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Activity {
    pub closes: Vec<i64>,
    pub ratings: [usize; 5],
    pub reminders: i64,
    pub answered: Vec<(i64, i64)>,
}

/// The activity of `[from, to)`; answers from `from` on, whenever they
/// came, when `open_ended` (the run that ends now).
pub(super) async fn read_activity(
    conn: &mut Conn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    open_ended: bool,
) -> QueryResult<Activity> {
    let closes = statistics::close_times(conn, from, to).await?;
    let mut ratings = [0; 5];
    for score in statistics::rating_scores(conn, from, to).await? {
        // Scores are 1 to 5 (a CHECK of `ticket_ratings`).
        if let Some(count) = usize::try_from(score - 1).ok().and_then(|i| ratings.get_mut(i)) {
            *count += 1;
        }
    }
    let reminders = statistics::count_events(conn, EventKind::Reminded, from, to).await?;
    let answered = statistics::answered_by_staff(conn, from, (!open_ended).then_some(to)).await?;
    Ok(Activity { closes, ratings, reminders, answered: answered.iter().map(|a| (a.staff_id, a.tickets)).collect() })
}

/// The UTC instant `day` begins in `zone` (its first existing moment).
pub(super) fn midnight(zone: Tz, day: NaiveDate) -> NaiveDateTime {
    let local = day.and_time(chrono::NaiveTime::MIN);
    (0..4)
        .find_map(|h| zone.from_local_datetime(&(local + TimeDelta::hours(h))).earliest())
        .map_or(local, |t| t.naive_utc())
}
