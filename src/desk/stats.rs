//! `/stats [day|week|month]`: the desk's figures for a period, as a text
//! and a chart. `gather` is also what `/metrics` exports (for today). The
//! processor asks for them before the command's transaction begins
//! (`Desk::ask_ahead`), so a month's reading never holds the write lock.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::ahead::Asked;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Db};
use crate::domain::{DayFigures, EventKind, Period, StaffFigures, Stats};
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::render;
use crate::storage::{staff, statistics};

/// The period's figures: tickets opened on its days (and their first
/// answers), closes, reminders, ratings and answers from the period's
/// first midnight (in `zone`) to `now`.
pub async fn gather(conn: &mut Conn, zone: Tz, period: Period, now: DateTime<Utc>) -> Result<Stats, DeskError> {
    let last_day = now.with_timezone(&zone).date_naive();
    let first_day = last_day - TimeDelta::days(period.days() - 1);
    let from = midnight(zone, first_day);
    let to = now.naive_utc() + TimeDelta::seconds(1);
    // A day at a time: SQLite's rows are copied whole before they are
    // read (some 400 bytes each), so a month's 80,000 in one query would
    // cost the bot 35 MB for a moment.
    let mut days = Vec::new();
    let (mut opened, mut first, mut close_times) = (0, Vec::new(), Vec::new());
    let mut by_staff: HashMap<i64, Vec<i64>> = HashMap::new();
    for i in 0..period.days() {
        let day = first_day + TimeDelta::days(i);
        let end = if day == last_day { to } else { midnight(zone, day + TimeDelta::days(1)) };
        let tickets = statistics::opened(conn, day).await?;
        let mut responses = Vec::with_capacity(tickets.len());
        for t in &tickets {
            let Some(seconds) = t.first_response else { continue };
            responses.push(seconds);
            if let Some(by) = t.first_responder {
                by_staff.entry(by).or_default().push(seconds);
            }
        }
        opened += tickets.len();
        first.extend_from_slice(&responses);
        days.push(DayFigures { day, opened: tickets.len(), first_response_median: percentile(&mut responses, 50) });
        close_times.extend(statistics::close_times(conn, midnight(zone, day), end).await?);
    }
    let scores = statistics::rating_scores(conn, from, to).await?;
    let reminders = statistics::count_events(conn, EventKind::Reminded, from, to).await?;
    let answered_by = statistics::answered_by_staff(conn, from).await?;

    let ids: Vec<i64> = answered_by.iter().map(|a| a.staff_id).collect();
    let members = staff::find_many(conn, &ids).await?;
    let mut staff: Vec<StaffFigures> = answered_by
        .iter()
        .map(|a| {
            let name = members.iter().find(|m| m.user_id == a.staff_id).map(|m| m.display_name.clone());
            StaffFigures {
                name: name.unwrap_or_else(|| a.staff_id.to_string()),
                tickets_answered: a.tickets,
                // Of the tickets they answered first.
                first_response_median: by_staff.get_mut(&a.staff_id).and_then(|theirs| percentile(theirs, 50)),
            }
        })
        .collect();
    staff.sort_by(|a, b| b.tickets_answered.cmp(&a.tickets_answered).then_with(|| a.name.cmp(&b.name)));
    Ok(Stats {
        period,
        first_day,
        last_day,
        opened,
        closed: close_times.len(),
        answered: first.len(),
        first_response_median: percentile(&mut first, 50),
        first_response_p90: percentile(&mut first, 90),
        close_median: percentile(&mut close_times, 50),
        reminders,
        ratings: scores.len(),
        rating_counts: std::array::from_fn(|i| scores.iter().filter(|s| **s == i as i32 + 1).count()),
        rating_average: (!scores.is_empty())
            .then(|| scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64),
        days,
        staff,
    })
}

/// The `p`th percentile (nearest rank) of `values`, which it sorts.
fn percentile(values: &mut [i64], p: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p * values.len()).div_ceil(100).max(1);
    Some(values[rank - 1])
}

/// The UTC instant `day` begins in `zone` (its first existing moment).
fn midnight(zone: Tz, day: NaiveDate) -> NaiveDateTime {
    let local = day.and_time(chrono::NaiveTime::MIN);
    (0..4)
        .find_map(|h| zone.from_local_datetime(&(local + TimeDelta::hours(h))).earliest())
        .map_or(local, |t| t.naive_utc())
}

impl Desk {
    /// Gathers `/stats`' figures before the command's transaction; a
    /// failure here only means they are gathered inside it.
    pub(super) async fn gather_ahead(&self, db: &Db, message_id: i32, args: &str) {
        let Some(period) = Period::parse(args) else { return };
        let Ok(mut conn) = db.conn().await else { return };
        if let Ok(stats) = gather(&mut conn, self.rules.zone, period, self.clock.now()).await {
            self.ahead.put(message_id, Asked::Stats(stats));
        }
    }

    /// `/stats [day|week|month]`: the text, then the chart.
    pub(super) async fn stats(&self, conn: &mut Conn, message_id: i32, args: &str) -> Result<Reaction, DeskError> {
        let Some(period) = Period::parse(args) else {
            return Ok(Reaction::say(vec![self.support.text(render::staff::stats_usage(self.words()))]));
        };
        let stats = match self.ahead.take(message_id) {
            Some(Asked::Stats(stats)) if stats.period == period => stats,
            _ => gather(conn, self.rules.zone, period, self.clock.now()).await?,
        };
        let mut drafts = vec![self.support.text(render::staff::stats(self.words(), &stats))];
        match render::chart::png(self.words(), &stats) {
            Ok(png) => {
                let photo = Outbound::Photo { png: crate::outbox::message::encode_file(&png), caption: None };
                drafts.push(OutboxDraft::new(self.support.id(), photo, Record::Nothing));
            }
            Err(e) => tracing::warn!(error = %e, "/stats: the chart could not be drawn; the text goes alone"),
        }
        Ok(Reaction::say(drafts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(percentile(&mut v, 50), Some(5));
        assert_eq!(percentile(&mut v, 90), Some(9));
        assert_eq!(percentile(&mut [7], 90), Some(7));
        assert_eq!(percentile(&mut [], 50), None);
    }

    #[test]
    fn a_day_begins_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let berlin = midnight(chrono_tz::Europe::Berlin, day);
        assert_eq!(berlin, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(23, 0, 0).unwrap());
    }
}
