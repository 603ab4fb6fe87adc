//! `/stats [day|week|month]`: the desk's figures for a period, as a text
//! and a chart. `gather` is also what `/metrics` exports (for today). The
//! processor asks for them before the command's transaction begins
//! (`Desk::ask_ahead`), so a month's reading never holds the write lock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use diesel::QueryResult;

use super::ahead::Asked;
use super::stats_kept::{self, KEPT_AFTER_DAYS, KeptDay};
use super::stats_parts::{Activity, Opening, midnight, read_activity, read_openings};
use super::{Desk, DeskError, Reaction};
use crate::config::Backend;
use crate::db::{Conn, Db, DbError};
use crate::domain::{DayFigures, Period, StaffFigures, Stats};
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::render;
use crate::storage::staff;

/// The period's figures: tickets opened on its days (and their first
/// answers), closes, reminders, ratings and answers from the period's
/// first midnight (in `zone`) to `now`, read on one connection (`/metrics`,
/// or inside a command's transaction). Kept days are added up as kept;
/// the rest are read from the tickets.
pub async fn gather(conn: &mut Conn, zone: Tz, period: Period, now: DateTime<Utc>) -> Result<Stats, DeskError> {
    let span = Span::new(zone, period, now);
    let (mut tally, runs) = kept_and_runs(conn, &span).await?;
    tally.add_openings_of(conn, &runs).await?;
    tally.add_activities(read_activities(conn, &span, &runs).await?);
    Ok(tally.figures(conn, &span).await?)
}

/// The same figures from the pool. The finished days not kept yet are
/// kept once they are read (a task of their own), for the next period
/// that reaches them. On PostgreSQL the days read from the tickets are read on
/// one connection while their activity is read on another (when the pool
/// has a second free at once; else one after the other): when nothing is
/// kept, a month is 80,000 tickets, and the two halves take about as long
/// each (90 ms at a million tickets one after the other, 74 together). On
/// SQLite they are read one after the other: its bundled build keeps one
/// page cache for every connection, behind one lock, and two readers took
/// turns (95 ms together against 87).
pub async fn gather_from(db: &Db, zone: Tz, period: Period, now: DateTime<Utc>) -> Result<Stats, DbError> {
    let span = Span::new(zone, period, now);
    let mut one = db.conn().await?;
    let (mut tally, runs) = kept_and_runs(&mut one, &span).await?;
    let other = match db.backend() {
        Backend::Postgres => db.spare_conn().await,
        Backend::Sqlite => None,
    };
    let activities = other.map(|mut other| {
        let runs = runs.clone();
        tokio::spawn(async move { read_activities(&mut other, &span, &runs).await })
    });
    tally.add_openings_of(&mut one, &runs).await?;
    let activities = match activities {
        None => read_activities(&mut one, &span, &runs).await?,
        Some(task) => match task.await {
            Ok(activities) => activities?,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => return Err(DbError::Pool("reading the period's figures was cancelled".into())),
        },
    };
    tally.add_activities(activities);
    let figures = tally.figures(&mut one, &span).await?;
    keep_behind(db, &span, &runs);
    Ok(figures)
}

/// The period's kept days, added up, and the runs of days to read from
/// the tickets.
async fn kept_and_runs(conn: &mut Conn, span: &Span) -> QueryResult<(Tally, Vec<Run>)> {
    let kept = stats_kept::read(conn, span.zone, span.first_day, span.last_kept_day()).await?;
    let runs = span.runs_without(&kept);
    Ok((Tally::of_kept(kept), runs))
}

/// Keeps, in a task of its own, the days of `runs` old enough to be kept,
/// once the figures are read (it would take the spare connection, or on
/// SQLite the writer, from under them). One such task at a time: a burst
/// of periods would each keep the same days.
fn keep_behind(db: &Db, span: &Span, runs: &[Run]) {
    static KEEPING: AtomicBool = AtomicBool::new(false);
    let last = span.last_kept_day();
    let days: Vec<NaiveDate> =
        runs.iter().flat_map(|run| run.first.iter_days().take_while(move |d| *d <= run.last.min(last))).collect();
    if days.is_empty() || KEEPING.swap(true, Ordering::AcqRel) {
        return;
    }
    /// Lets the next task start when this one ends, however it ends.
    struct Kept;
    impl Drop for Kept {
        fn drop(&mut self) {
            KEEPING.store(false, Ordering::Release);
        }
    }
    let (db, zone, done) = (db.clone(), span.zone, Kept);
    tokio::spawn(async move {
        let _done = done;
        if let Err(e) = stats_kept::keep(&db, zone, &days).await {
            tracing::warn!(error = %e, "finished days' figures could not be kept; they are read from the tickets");
        }
    });
}

/// The period's days, and when it begins and ends (UTC).
#[derive(Clone, Copy)]
struct Span {
    period: Period,
    zone: Tz,
    first_day: NaiveDate,
    last_day: NaiveDate,
    /// A second past now.
    to: NaiveDateTime,
}

impl Span {
    fn new(zone: Tz, period: Period, now: DateTime<Utc>) -> Self {
        let last_day = now.with_timezone(&zone).date_naive();
        let first_day = last_day - TimeDelta::days(period.days() - 1);
        Self { period, zone, first_day, last_day, to: now.naive_utc() + TimeDelta::seconds(1) }
    }

    /// The last day that may be kept (before the first, for a day or so):
    /// three days before today, where it is earliest, here or in UTC
    /// (the database keeps days by its UTC clock; a later day would be
    /// asked for on every period and never kept).
    fn last_kept_day(&self) -> NaiveDate {
        let utc_today = (self.to - TimeDelta::seconds(1)).date();
        self.last_day.min(utc_today) - TimeDelta::days(KEPT_AFTER_DAYS)
    }

    /// The runs of days not among `kept` (which are in order), in order.
    fn runs_without(&self, kept: &[(NaiveDate, KeptDay)]) -> Vec<Run> {
        let mut runs = Vec::new();
        let mut next = self.first_day;
        for day in kept.iter().map(|(day, _)| *day).chain([self.last_day + TimeDelta::days(1)]) {
            if day > next {
                runs.push(Run { first: next, last: day - TimeDelta::days(1) });
            }
            next = day + TimeDelta::days(1);
        }
        runs
    }

    /// When `run` begins and ends: its first midnight, and the next
    /// midnight or, for the run that ends today, a second past now.
    fn bounds(&self, run: &Run) -> (NaiveDateTime, NaiveDateTime) {
        let to = if run.last == self.last_day { self.to } else { midnight(self.zone, run.last + TimeDelta::days(1)) };
        (midnight(self.zone, run.first), to)
    }
}

/// Days read from the tickets: `first` to `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    first: NaiveDate,
    last: NaiveDate,
}

/// The activity of each run; the run that ends now counts answers
/// whenever they came, as the period does.
async fn read_activities(conn: &mut Conn, span: &Span, runs: &[Run]) -> QueryResult<Vec<Activity>> {
    let mut read = Vec::with_capacity(runs.len());
    for run in runs {
        let (from, to) = span.bounds(run);
        read.push(read_activity(conn, from, to, run.last == span.last_day).await?);
    }
    Ok(read)
}

/// The period's parts added up, kept and read alike.
#[derive(Default)]
struct Tally {
    days: Vec<DayFigures>,
    opened: usize,
    /// Every first answer, and each staff member's.
    first: Vec<i64>,
    by_staff: HashMap<i64, Vec<i64>>,
    closes: Vec<i64>,
    ratings: [usize; 5],
    reminders: i64,
    answered: HashMap<i64, i64>,
}

impl Tally {
    fn of_kept(kept: Vec<(NaiveDate, KeptDay)>) -> Self {
        let mut tally = Self::default();
        for (day, KeptDay { opening, activity, .. }) in kept {
            tally.add_openings([(day, opening)]);
            tally.add_activities([activity]);
        }
        tally
    }

    fn add_openings(&mut self, days: impl IntoIterator<Item = (NaiveDate, Opening)>) {
        for (day, opening) in days {
            let mut responses: Vec<i64> = opening.first.iter().flat_map(|(_, seconds)| seconds).copied().collect();
            self.first.extend_from_slice(&responses);
            for (by, seconds) in opening.first {
                if let Some(by) = by {
                    self.by_staff.entry(by).or_default().extend(seconds);
                }
            }
            self.opened += opening.opened;
            self.days.push(DayFigures {
                day,
                opened: opening.opened,
                first_response_median: percentile(&mut responses, 50),
            });
        }
    }

    /// Adds each run's days, read from the tickets.
    async fn add_openings_of(&mut self, conn: &mut Conn, runs: &[Run]) -> QueryResult<()> {
        for run in runs {
            self.add_openings(read_openings(conn, run.first, run.last).await?);
        }
        Ok(())
    }

    fn add_activities(&mut self, activities: impl IntoIterator<Item = Activity>) {
        for activity in activities {
            self.closes.extend(activity.closes);
            for (sum, count) in self.ratings.iter_mut().zip(activity.ratings) {
                *sum += count;
            }
            self.reminders += activity.reminders;
            for (staff_id, tickets) in activity.answered {
                *self.answered.entry(staff_id).or_default() += tickets;
            }
        }
    }

    /// The figures, with the names of the staff who answered.
    async fn figures(self, conn: &mut Conn, span: &Span) -> QueryResult<Stats> {
        let ids: Vec<i64> = self.answered.keys().copied().collect();
        let members = staff::find_many(conn, &ids).await?;
        Ok(self.assemble(span, &members))
    }

    fn assemble(mut self, span: &Span, members: &[crate::storage::rows::Staff]) -> Stats {
        let mut staff: Vec<StaffFigures> = self
            .answered
            .iter()
            .map(|(staff_id, tickets)| {
                let name = members.iter().find(|m| m.user_id == *staff_id).map(|m| m.display_name.clone());
                StaffFigures {
                    name: name.unwrap_or_else(|| staff_id.to_string()),
                    tickets_answered: *tickets,
                    // Of the tickets they answered first.
                    first_response_median: self.by_staff.get_mut(staff_id).and_then(|theirs| percentile(theirs, 50)),
                }
            })
            .collect();
        staff.sort_by(|a, b| b.tickets_answered.cmp(&a.tickets_answered).then_with(|| a.name.cmp(&b.name)));
        self.days.sort_by_key(|d| d.day);
        let ratings: usize = self.ratings.iter().sum();
        let stars: usize = self.ratings.iter().enumerate().map(|(i, count)| (i + 1) * count).sum();
        Stats {
            period: span.period,
            first_day: span.first_day,
            last_day: span.last_day,
            opened: self.opened,
            closed: self.closes.len(),
            answered: self.first.len(),
            first_response_median: percentile(&mut self.first, 50),
            first_response_p90: percentile(&mut self.first, 90),
            close_median: percentile(&mut self.closes, 50),
            reminders: self.reminders,
            ratings,
            rating_counts: self.ratings,
            rating_average: (ratings > 0).then(|| stars as f64 / ratings as f64),
            days: self.days,
            staff,
        }
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

    /// `n` days before today (UTC, the real clock: the database's clock
    /// decides which days may be kept), at `time`.
    fn days_ago(n: i64, time: &str) -> String {
        format!("{}T{time}Z", Utc::now().date_naive() - TimeDelta::days(n))
    }

    /// Waits out the last seconds of a UTC day: the test reads the date
    /// more than once, and the database reads its own.
    async fn past_midnight() {
        let left =
            (Utc::now().date_naive() + TimeDelta::days(1)).and_time(chrono::NaiveTime::MIN) - Utc::now().naive_utc();
        if left < TimeDelta::seconds(30) {
            tokio::time::sleep((left + TimeDelta::seconds(1)).to_std().unwrap_or_default()).await;
        }
    }

    fn day(n: i64) -> NaiveDate {
        Utc::now().date_naive() - TimeDelta::days(n)
    }

    async fn answer(db: &Db, ticket: i64, staff_id: i64, at: &str) {
        use crate::storage::{filing, tests::staff};
        use crate::testing::{in_tx, naive, user_text};
        let draft = crate::domain::MessageDraft {
            direction: crate::domain::Direction::ToUser,
            sender_id: staff_id,
            ..user_text(staff_id, 1, "on it")
        };
        in_tx(db, async |tx| filing::staff_message(tx, ticket, &staff(staff_id), &draft, naive(at)).await).await;
    }

    async fn remind(db: &Db, ticket: i64, at: &str) {
        let mut writer = db.writer().await.unwrap();
        crate::storage::response_clock::record_event(
            &mut writer,
            ticket,
            crate::domain::EventKind::Reminded,
            None,
            crate::testing::naive(at),
        )
        .await
        .unwrap();
    }

    /// A month of tickets on both sides of the kept days' edge: answered,
    /// closed, rated and reminded on days of their own. Returns the
    /// tickets, by user.
    async fn a_month(db: &Db) -> Vec<crate::storage::rows::Ticket> {
        use crate::storage::tests::file;
        use crate::storage::{ratings, tickets};
        use crate::testing::{in_tx, naive};

        let opened = [
            (29, "00:30:00"),
            (20, "09:00:00"),
            (20, "10:00:00"),
            (12, "09:00:00"),
            (10, "09:00:00"),
            (4, "09:00:00"),
            (2, "09:00:00"),
        ];
        let mut filed = Vec::new();
        for (user, (n, time)) in opened.iter().enumerate() {
            filed.push(file(db, user as i64 + 1, 1, "help", &days_ago(*n, time)).await.0);
        }
        let now = Utc::now().naive_utc() - TimeDelta::minutes(1);
        filed.push(file(db, 8, 1, "help", &format!("{}Z", now.format("%Y-%m-%dT%H:%M:%S"))).await.0);
        for (i, staff_id, n, time) in [
            (0, 900, 29, "00:30:45"),
            (1, 900, 20, "09:01:00"),
            (3, 901, 12, "10:00:00"),
            (4, 900, 10, "09:02:00"),
            (4, 901, 10, "09:05:00"),
            (5, 900, 4, "09:10:00"),
            (6, 901, 2, "09:00:30"),
        ] {
            answer(db, filed[i].id, staff_id, &days_ago(n, time)).await;
        }
        for (i, n, time, score) in [(1, 19, "09:00:00", 5), (3, 5, "12:00:00", 2), (4, 10, "18:00:00", 4)] {
            let ticket = &filed[i];
            in_tx(db, async |tx| tickets::close(tx, ticket.id, naive(&days_ago(n, time))).await).await;
            let rated = naive(&days_ago(n, "13:00:00"));
            in_tx(db, async |tx| ratings::rate(tx, ticket.id, ticket.user_id, score, rated).await).await;
        }
        remind(db, filed[2].id, &days_ago(20, "11:00:00")).await;
        remind(db, filed[6].id, &days_ago(2, "10:00:00")).await;
        filed
    }

    async fn month(db: &Db, zone: Tz) -> Stats {
        gather(&mut crate::testing::conn(db).await, zone, Period::Month, Utc::now()).await.unwrap()
    }

    /// The days kept for `zone`.
    async fn kept_days(db: &Db, zone: Tz) -> Vec<NaiveDate> {
        let mut c = crate::testing::conn(db).await;
        let kept = crate::storage::stats_days::kept(&mut c, zone.name(), day(60), day(0)).await.unwrap();
        kept.into_iter().map(|(day, _)| day).collect()
    }

    /// The figures with nothing kept: every kept day forgotten first.
    async fn month_from_tickets(db: &Db, zone: Tz) -> Stats {
        let mut c = crate::testing::conn(db).await;
        crate::storage::on_conn!(&mut c, |c| diesel_async::RunQueryDsl::execute(
            diesel::sql_query("DELETE FROM stats_days"),
            c
        )
        .await)
        .unwrap();
        month(db, zone).await
    }

    /// The month's finished days, kept, add up to the figures read from
    /// the tickets; the figures do come from the kept days.
    async fn kept_days_add_up_to_the_figures_of_the_tickets(kind: testdb::Kind) {
        past_midnight().await;
        let Some(test) = testdb::TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        a_month(&db).await;
        let utc = chrono_tz::UTC;
        let read = month(&db, utc).await;
        assert_eq!((read.opened, read.answered, read.closed, read.ratings, read.reminders), (8, 6, 3, 3, 2));
        assert!(kept_days(&db, utc).await.is_empty(), "gathering on a connection keeps nothing");

        let days: Vec<NaiveDate> = day(29).iter_days().take_while(|d| *d <= day(0)).collect();
        assert_eq!(stats_kept::keep(&db, utc, &days).await.unwrap(), 27, "the days from 29 to 3 days ago");
        assert_eq!(kept_days(&db, utc).await, days[..27]);
        assert_eq!(stats_kept::keep(&db, utc, &days).await.unwrap(), 0, "kept already");
        assert_eq!(month(&db, utc).await, read);
        assert_eq!(gather_from(&db, utc, Period::Month, Utc::now()).await.unwrap(), read);

        // The figures do come from the kept day: one changed by hand shows.
        let mut tx = db.begin().await.unwrap();
        let mut kept = stats_kept::read(&mut tx, utc, day(20), day(20)).await.unwrap().pop().unwrap().1;
        kept.opening.opened += 100;
        crate::storage::stats_days::store(&mut tx, day(20), "UTC", &serde_json::to_string(&kept).unwrap())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(month(&db, utc).await.opened, read.opened + 100);
        assert_eq!(month_from_tickets(&db, utc).await, read);
        // Kept by a build that meant something else: read from the tickets,
        // and kept again.
        stats_kept::keep(&db, utc, &days).await.unwrap();
        kept.format = stats_kept::FORMAT + 1;
        let mut tx = db.begin().await.unwrap();
        crate::storage::stats_days::store(&mut tx, day(20), "UTC", &serde_json::to_string(&kept).unwrap())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(month(&db, utc).await, read);
        assert_eq!(stats_kept::keep(&db, utc, &days).await.unwrap(), 1);
        assert_eq!(kept_days(&db, utc).await, days[..27]);

        // Kept in another time zone, a day is read from the tickets, and
        // the same days kept in that zone add up to the same figures.
        let berlin = chrono_tz::Europe::Berlin;
        let in_berlin = month(&db, berlin).await;
        stats_kept::keep(&db, utc, &days).await.unwrap();
        assert_eq!(month(&db, berlin).await, in_berlin);
        let berlin_days: Vec<NaiveDate> =
            in_berlin.first_day.iter_days().take_while(|d| *d <= in_berlin.last_day).collect();
        assert!(stats_kept::keep(&db, berlin, &berlin_days).await.unwrap() >= 26);
        assert_eq!(month(&db, berlin).await, in_berlin);
        assert_eq!(month(&db, utc).await, read, "UTC's days are kept in Berlin's time now: read again");
    }

    /// Each change to what a kept day holds clears the day, and the
    /// figures follow the change.
    async fn a_change_to_a_kept_day_clears_it(kind: testdb::Kind) {
        use crate::storage::{ratings, tickets};
        use crate::testing::{in_tx, naive};

        past_midnight().await;
        let Some(test) = testdb::TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        let filed = a_month(&db).await;
        let utc = chrono_tz::UTC;
        let days: Vec<NaiveDate> = day(29).iter_days().take_while(|d| *d <= day(3)).collect();
        let now = days_ago(0, "00:00:00");
        let changes: [(&str, Vec<NaiveDate>); 5] = [
            ("a late first answer", vec![day(20)]),
            ("a reopening", vec![day(6), day(5), day(4)]),
            ("a new rating", vec![day(11), day(10), day(9)]),
            ("a reminder dated back", vec![day(16), day(15), day(14)]),
            // The day before the month's first is outside it.
            ("an answer moving a ticket's last answer", vec![day(29), day(28)]),
        ];
        for (i, (change, cleared)) in changes.iter().enumerate() {
            // Every day, each time: the last change's check forgot them.
            assert_eq!(stats_kept::keep(&db, utc, &days).await.unwrap(), days.len(), "{change}");
            let before = month(&db, utc).await;
            match i {
                0 => answer(&db, filed[2].id, 901, &now).await,
                1 => {
                    in_tx(&db, async |tx| tickets::reopen(tx, filed[3].id, naive(&now)).await).await;
                }
                2 => {
                    in_tx(&db, async |tx| ratings::rate(tx, filed[4].id, filed[4].user_id, 1, naive(&now)).await).await;
                }
                3 => remind(&db, filed[0].id, &days_ago(15, "12:00:00")).await,
                _ => answer(&db, filed[0].id, 900, &now).await,
            }
            let kept = kept_days(&db, utc).await;
            let gone: Vec<NaiveDate> = days.iter().copied().filter(|d| !kept.contains(d)).collect();
            assert_eq!(&gone, cleared, "{change}");
            let after = month(&db, utc).await;
            // The last moves an answer within the month: the same figures,
            // but read twice if its old day stayed kept.
            if i < 4 {
                assert_ne!(after, before, "{change}");
            }
            assert_eq!(after, month_from_tickets(&db, utc).await, "{change}");
        }
    }

    /// Today's writes, nearly all of them, write no kept day's row (no
    /// row for the replicas' writers to queue on).
    async fn todays_writes_touch_no_kept_day(kind: testdb::Kind) {
        use crate::storage::tests::file;
        use crate::storage::{ratings, tickets};
        use crate::testing::{in_tx, naive};

        past_midnight().await;
        let Some(test) = testdb::TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        let ticket = file(&db, 1, 1, "help", &days_ago(0, "00:00:01")).await.0;
        answer(&db, ticket.id, 900, &days_ago(0, "00:00:02")).await;
        remind(&db, ticket.id, &days_ago(0, "00:00:03")).await;
        in_tx(&db, async |tx| tickets::close(tx, ticket.id, naive(&days_ago(0, "00:00:04"))).await).await;
        in_tx(&db, async |tx| ratings::rate(tx, ticket.id, 1, 5, naive(&days_ago(0, "00:00:05"))).await).await;
        let mut c = crate::testing::conn(&db).await;
        let rows = crate::storage::stats_days::kept(&mut c, "", day(100), day(-100)).await.unwrap();
        assert!(rows.is_empty());
        let count: i64 = crate::storage::on_conn!(&mut c, |c| {
            use diesel::QueryDsl;
            diesel_async::RunQueryDsl::get_result(crate::storage::schema::stats_days::table.count(), c).await
        })
        .unwrap();
        assert_eq!(count, 0);
    }

    /// Keeping a day waits for a change to it still in flight, and keeps
    /// the day as changed.
    async fn keeping_a_day_waits_for_a_change_in_flight(kind: testdb::Kind) {
        use crate::storage::tickets;
        use crate::testing::naive;

        past_midnight().await;
        let Some(test) = testdb::TestDb::new(kind).await else { return };
        let db = crate::testing::start(&test).await;
        let filed = a_month(&db).await;
        let utc = chrono_tz::UTC;
        let mut change = db.begin().await.unwrap();
        tickets::reopen(&mut change, filed[3].id, naive(&days_ago(0, "00:00:00"))).await.unwrap();
        let keeping = tokio::spawn({
            let db = db.clone();
            async move { stats_kept::keep(&db, utc, &[day(5)]).await.unwrap() }
        });
        if kind == testdb::Kind::Postgres {
            // It waits on the day's row, which the reopening's trigger wrote.
            let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                           AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO stats_days%'";
            let started = std::time::Instant::now();
            while test.count(waiting).await == 0 {
                assert!(started.elapsed() < std::time::Duration::from_secs(10), "the keeping never waited");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        } else {
            // It waits for this process's writer.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        assert!(!keeping.is_finished(), "it waits for the reopening");
        change.commit().await.unwrap();
        assert_eq!(keeping.await.unwrap(), 1);
        let mut c = crate::testing::conn(&db).await;
        let kept = stats_kept::read(&mut c, utc, day(5), day(5)).await.unwrap();
        assert_eq!(kept[0].1.activity.closes, Vec::<i64>::new(), "the close taken back by the reopening");
        assert_eq!(month(&db, utc).await, month_from_tickets(&db, utc).await);
    }

    testdb::on_both_backends!(
        figures_read_on_one_connection_or_two_agree,
        a_months_tickets_are_each_counted_on_their_day,
        kept_days_add_up_to_the_figures_of_the_tickets,
        a_change_to_a_kept_day_clears_it,
        todays_writes_touch_no_kept_day,
        keeping_a_day_waits_for_a_change_in_flight
    );

    /// The days read from the tickets are the runs between kept days, a
    /// day cleared between two kept ones included.
    #[test]
    fn the_days_not_kept_are_read_in_runs() {
        let now: DateTime<Utc> = "2026-11-30T12:00:00Z".parse().unwrap();
        let span = Span::new(chrono_tz::UTC, Period::Month, now);
        let on = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let kept = |days: &[u32]| -> Vec<(NaiveDate, KeptDay)> {
            let empty = KeptDay::new(Opening::default(), Activity::default());
            days.iter().map(|d| (on(*d), empty.clone())).collect()
        };
        let runs = |days: &[u32]| -> Vec<(u32, u32)> {
            use chrono::Datelike;
            span.runs_without(&kept(days)).iter().map(|r| (r.first.day(), r.last.day())).collect()
        };
        assert_eq!(runs(&[]), [(1, 30)]);
        assert_eq!(runs(&[1, 2, 3]), [(4, 30)]);
        assert_eq!(runs(&[3, 4, 5, 8]), [(1, 2), (6, 7), (9, 30)]);
        assert_eq!(span.last_kept_day(), on(27));
        // Ahead of UTC, today comes earlier there: UTC's today decides.
        let auckland = Span::new(chrono_tz::Pacific::Auckland, Period::Month, now);
        assert_eq!((auckland.last_day, auckland.last_kept_day()), (on(30) + TimeDelta::days(1), on(27)));
    }

    #[test]
    fn a_day_begins_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let berlin = midnight(chrono_tz::Europe::Berlin, day);
        assert_eq!(berlin, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(23, 0, 0).unwrap());
    }
}
