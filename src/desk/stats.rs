//! `/stats [day|week|month]`: the desk's figures for a period, as a text
//! and a chart. `gather` is also what `/metrics` exports (for today). The
//! processor asks for them before the command's transaction begins
//! (`Desk::ask_ahead`), so a month's reading never holds the write lock.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::QueryResult;

use super::ahead::Asked;
use super::{Desk, DeskError, Reaction};
use crate::config::Backend;
use crate::db::{Conn, Db, DbError};
use crate::domain::{DayFigures, EventKind, Period, StaffFigures, Stats};
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::render;
use crate::storage::{staff, statistics};

/// The period's figures: tickets opened on its days (and their first
/// answers), closes, reminders, ratings and answers from the period's
/// first midnight (in `zone`) to `now`, read on one connection (`/metrics`,
/// or inside a command's transaction).
pub async fn gather(conn: &mut Conn, zone: Tz, period: Period, now: DateTime<Utc>) -> Result<Stats, DeskError> {
    let span = Span::new(zone, period, now);
    let days = read_days(conn, &span).await?;
    let rest = read_rest(conn, &span).await?;
    Ok(assemble(&span, days, rest))
}

/// The same figures from the pool. On PostgreSQL the period's tickets are
/// read on one connection while the rest is read on another (when the pool
/// has a second free at once; else one after the other): a month is
/// 80,000 tickets, and the two halves take about as long each (90 ms at a
/// million tickets one after the other, 74 together). On SQLite they are
/// read one after the other: its bundled build keeps one page cache for
/// every connection, behind one lock, and two readers took turns (95 ms
/// together against 87).
pub async fn gather_from(db: &Db, zone: Tz, period: Period, now: DateTime<Utc>) -> Result<Stats, DbError> {
    let span = Span::new(zone, period, now);
    let mut one = db.conn().await?;
    let other = match db.backend() {
        Backend::Postgres => db.spare_conn().await,
        Backend::Sqlite => None,
    };
    let Some(mut other) = other else {
        let days = read_days(&mut one, &span).await?;
        return Ok(assemble(&span, days, read_rest(&mut one, &span).await?));
    };
    let rest = tokio::spawn(async move { read_rest(&mut other, &span).await });
    let days = read_days(&mut one, &span).await?;
    let rest = match rest.await {
        Ok(rest) => rest?,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => return Err(DbError::Pool("reading the period's figures was cancelled".into())),
    };
    Ok(assemble(&span, days, rest))
}

/// The period's days, and when it begins and ends (UTC).
#[derive(Clone, Copy)]
struct Span {
    period: Period,
    first_day: NaiveDate,
    last_day: NaiveDate,
    /// The first day's midnight, and a second past now.
    from: NaiveDateTime,
    to: NaiveDateTime,
}

impl Span {
    fn new(zone: Tz, period: Period, now: DateTime<Utc>) -> Self {
        let last_day = now.with_timezone(&zone).date_naive();
        let first_day = last_day - TimeDelta::days(period.days() - 1);
        let (from, to) = (midnight(zone, first_day), now.naive_utc() + TimeDelta::seconds(1));
        Self { period, first_day, last_day, from, to }
    }
}

/// The period's tickets: each day's count and median first answer, every
/// first answer, and each staff member's first answers.
struct DaysRead {
    days: Vec<DayFigures>,
    opened: usize,
    first: Vec<i64>,
    by_staff: HashMap<i64, Vec<i64>>,
}

async fn read_days(conn: &mut Conn, span: &Span) -> QueryResult<DaysRead> {
    let mut read = DaysRead { days: Vec::new(), opened: 0, first: Vec::new(), by_staff: HashMap::new() };
    for (day, tickets) in statistics::opened(conn, span.first_day, span.last_day).await? {
        let mut responses = Vec::with_capacity(tickets.len());
        for t in &tickets {
            let Some(seconds) = t.first_response else { continue };
            responses.push(seconds);
            if let Some(by) = t.first_responder {
                read.by_staff.entry(by).or_default().push(seconds);
            }
        }
        read.opened += tickets.len();
        read.first.extend_from_slice(&responses);
        read.days.push(DayFigures {
            day,
            opened: tickets.len(),
            first_response_median: percentile(&mut responses, 50),
        });
    }
    Ok(read)
}

/// The rest of the period: how long its closed tickets were open, its
/// ratings, reminders, and who answered how many tickets.
struct RestRead {
    close_times: Vec<i64>,
    scores: Vec<i32>,
    reminders: i64,
    answered_by: Vec<statistics::Answered>,
    members: Vec<crate::storage::rows::Staff>,
}

async fn read_rest(conn: &mut Conn, span: &Span) -> QueryResult<RestRead> {
    let close_times = statistics::close_times(conn, span.from, span.to).await?;
    let answered_by = statistics::answered_by_staff(conn, span.from).await?;
    let ids: Vec<i64> = answered_by.iter().map(|a| a.staff_id).collect();
    Ok(RestRead {
        close_times,
        scores: statistics::rating_scores(conn, span.from, span.to).await?,
        reminders: statistics::count_events(conn, EventKind::Reminded, span.from, span.to).await?,
        members: staff::find_many(conn, &ids).await?,
        answered_by,
    })
}

fn assemble(span: &Span, mut days: DaysRead, mut rest: RestRead) -> Stats {
    let mut staff: Vec<StaffFigures> = rest
        .answered_by
        .iter()
        .map(|a| {
            let name = rest.members.iter().find(|m| m.user_id == a.staff_id).map(|m| m.display_name.clone());
            StaffFigures {
                name: name.unwrap_or_else(|| a.staff_id.to_string()),
                tickets_answered: a.tickets,
                // Of the tickets they answered first.
                first_response_median: days.by_staff.get_mut(&a.staff_id).and_then(|theirs| percentile(theirs, 50)),
            }
        })
        .collect();
    staff.sort_by(|a, b| b.tickets_answered.cmp(&a.tickets_answered).then_with(|| a.name.cmp(&b.name)));
    let scores = &rest.scores;
    Stats {
        period: span.period,
        first_day: span.first_day,
        last_day: span.last_day,
        opened: days.opened,
        closed: rest.close_times.len(),
        answered: days.first.len(),
        first_response_median: percentile(&mut days.first, 50),
        first_response_p90: percentile(&mut days.first, 90),
        close_median: percentile(&mut rest.close_times, 50),
        reminders: rest.reminders,
        ratings: scores.len(),
        rating_counts: std::array::from_fn(|i| scores.iter().filter(|s| **s == i as i32 + 1).count()),
        rating_average: (!scores.is_empty())
            .then(|| scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64),
        days: days.days,
        staff,
    }
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
        if let Ok(stats) = gather_from(db, self.rules.zone, period, self.clock.now()).await {
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

    /// Two tickets yesterday, one today: answered, closed; read on one
    /// connection and on two, the same figures.
    async fn figures_read_on_one_connection_or_two_agree(kind: testdb::Kind) {
        use crate::storage::tests::{file, staff};
        use crate::storage::{filing, tickets};
        use crate::testing::{conn, in_tx, naive, user_text};

        let Some(test) = testdb::TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        let (anna, _, _) = file(&db, 1, 1, "help", "2026-11-20T09:00:00Z").await;
        let (bob, _, _) = file(&db, 2, 1, "help", "2026-11-20T10:00:00Z").await;
        file(&db, 3, 1, "help", "2026-11-21T09:00:00Z").await;
        for (ticket, staff_id, at) in [(anna.id, 900, "2026-11-20T09:01:00Z"), (bob.id, 901, "2026-11-21T10:03:00Z")] {
            let draft = crate::domain::MessageDraft {
                direction: crate::domain::Direction::ToUser,
                sender_id: staff_id,
                ..user_text(staff_id, 1, "on it")
            };
            in_tx(&db, async |tx| filing::staff_message(tx, ticket, &staff(staff_id), &draft, naive(at)).await).await;
        }
        in_tx(&db, async |tx| tickets::close(tx, anna.id, naive("2026-11-21T09:00:00Z")).await).await;

        let now = "2026-11-21T12:00:00Z".parse().unwrap();
        let one = gather(&mut conn(&db).await, chrono_tz::UTC, Period::Week, now).await.unwrap();
        let two = gather_from(&db, chrono_tz::UTC, Period::Week, now).await.unwrap();
        assert_eq!(one, two);
        // A pool of one: read one after the other, not waiting for a
        // second connection (10 s, then an error).
        let config = crate::config::DatabaseConfig {
            pool_size: 1,
            ..crate::config::DatabaseConfig::new(crate::config::DatabaseUrl::parse(&test.url).unwrap())
        };
        let small = Db::pool_only(&config).await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(gather_from(&small, chrono_tz::UTC, Period::Week, now).await.unwrap(), one);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!((one.opened, one.answered, one.closed), (3, 2, 1));
        assert_eq!((one.first_response_median, one.first_response_p90), (Some(60), Some(86_580)));
        assert_eq!(one.close_median, Some(86_400));
        let days: Vec<_> = one.days.iter().rev().take(2).map(|d| (d.opened, d.first_response_median)).collect();
        assert_eq!(days, [(1, None), (2, Some(60))], "today, then yesterday");
        let staff: Vec<_> =
            one.staff.iter().map(|m| (m.name.as_str(), m.tickets_answered, m.first_response_median)).collect();
        assert_eq!(staff, [("Agent 900", 1, Some(60)), ("Agent 901", 1, Some(86_580))]);
    }

    /// A month is read a week (or a day) at a time: each ticket is counted
    /// on its own day, at either edge of a week and of the month, and none
    /// outside it.
    async fn a_months_tickets_are_each_counted_on_their_day(kind: testdb::Kind) {
        use crate::storage::tests::file;
        use crate::testing::conn;

        let Some(test) = testdb::TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        let days = [31, 1, 7, 8, 8, 14, 15, 29, 30];
        for (user, day) in days.iter().enumerate() {
            let at =
                if *day == 31 { "2026-10-31T12:00:00Z".to_string() } else { format!("2026-11-{day:02}T12:00:00Z") };
            file(&db, user as i64 + 1, 1, "help", &at).await;
        }
        let now = "2026-11-30T18:00:00Z".parse().unwrap();
        let month = gather(&mut conn(&db).await, chrono_tz::UTC, Period::Month, now).await.unwrap();
        assert_eq!(month, gather_from(&db, chrono_tz::UTC, Period::Month, now).await.unwrap());
        let counted: Vec<(u32, usize)> =
            month.days.iter().filter(|d| d.opened > 0).map(|d| (chrono::Datelike::day(&d.day), d.opened)).collect();
        assert_eq!(counted, [(1, 1), (7, 1), (8, 2), (14, 1), (15, 1), (29, 1), (30, 1)]);
        assert_eq!((month.days.len(), month.opened), (30, 8));
    }

    testdb::on_both_backends!(
        figures_read_on_one_connection_or_two_agree,
        a_months_tickets_are_each_counted_on_their_day
    );

    #[test]
    fn a_day_begins_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let berlin = midnight(chrono_tz::Europe::Berlin, day);
        assert_eq!(berlin, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(23, 0, 0).unwrap());
    }
}
