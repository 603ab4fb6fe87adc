//! `WORKING_HOURS`: when staff are at work, as the operator writes it
//! (`Mon-Fri 09:00-13:00,14:00-18:00; Sat 10:00-14:00`), read in the ticket
//! time zone. The response clock runs only inside these hours, and a user
//! who writes outside them is told when staff are back.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The week's working intervals, by weekday (Monday first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    days: [Vec<Interval>; 7],
}

/// One stretch of a day, `09:00-13:00`; `end` may be `24:00`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval {
    start: NaiveTime,
    /// `None` is midnight at the day's end (`24:00`).
    end: Option<NaiveTime>,
    /// The start as the setting writes it: users are told "back at 09:00".
    start_text: String,
}

/// When staff are next at work: the day (in the ticket time zone) and the
/// time as the setting writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub date: NaiveDate,
    pub weekday: Weekday,
    pub time: String,
}

/// Why a `WORKING_HOURS` value does not parse: what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadHours(pub String);

impl fmt::Display for BadHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// How far ahead the next opening is searched: a week holds every
/// interval there is, so two cover any answer.
const SEARCH_DAYS: i64 = 15;

impl WorkingHours {
    /// Parses `DAYS TIMES[; DAYS TIMES…]`: `DAYS` a day (`Mon`) or a range
    /// (`Mon-Fri`, `Sat-Sun`), `TIMES` comma-separated `HH:MM-HH:MM`. A day
    /// named twice, an interval that ends before it starts, or two that
    /// overlap are errors.
    pub fn parse(text: &str) -> Result<Self, BadHours> {
        let mut days: [Vec<Interval>; 7] = Default::default();
        let mut named = [false; 7];
        for part in text.split(';').map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let (day_spec, times) = part
                .split_once(char::is_whitespace)
                .ok_or_else(|| BadHours(format!("{part:?} has days but no hours (e.g. Mon-Fri 09:00-18:00)")))?;
            let mut intervals = Vec::new();
            for range in times.split(',').map(str::trim) {
                intervals.push(parse_interval(range)?);
            }
            intervals.sort_by_key(|i| i.start);
            for pair in intervals.windows(2) {
                if pair[0].end.is_none_or(|end| end > pair[1].start) {
                    return Err(BadHours(format!("the hours in {part:?} overlap")));
                }
            }
            for day in parse_days(day_spec.trim())? {
                let at = day.num_days_from_monday() as usize;
                if std::mem::replace(&mut named[at], true) {
                    return Err(BadHours(format!("{day} is named twice")));
                }
                days[at] = intervals.clone();
            }
        }
        if days.iter().all(Vec::is_empty) {
            return Err(BadHours("names no working hours (e.g. Mon-Fri 09:00-18:00)".into()));
        }
        Ok(Self { days })
    }

    /// Whether `at` is inside working hours, in `zone`.
    pub fn is_open(&self, zone: Tz, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&zone).naive_local();
        self.days[local.weekday().num_days_from_monday() as usize]
            .iter()
            .any(|i| local.time() >= i.start && i.end.is_none_or(|end| local.time() < end))
    }

    /// The next moment working hours begin after `at` (when they are
    /// closed at `at`; the start of the next interval otherwise).
    pub fn next_opening(&self, zone: Tz, at: DateTime<Utc>) -> Option<Opening> {
        let today = at.with_timezone(&zone).date_naive();
        (0..SEARCH_DAYS).find_map(|ahead| {
            let date = today + TimeDelta::days(ahead);
            self.intervals_on(zone, date).into_iter().find_map(|(start, _, text)| {
                (start > at).then(|| Opening { date, weekday: date.weekday(), time: text.to_string() })
            })
        })
    }

    /// The latest moment `t` such that working time from `t` to `now` is
    /// at least `span`: a ticket waiting since `t` or earlier has waited
    /// `span` of working time.
    pub fn working_time_before(&self, zone: Tz, now: DateTime<Utc>, span: TimeDelta) -> DateTime<Utc> {
        let today = now.with_timezone(&zone).date_naive();
        let mut left = span;
        // Enough weeks for `span` at this many working hours a week, and one more.
        let weekly = self.weekly().max(TimeDelta::minutes(1));
        let days = 7 * (span.num_minutes() / weekly.num_minutes() + 2);
        for back in 0..days {
            let date = today - TimeDelta::days(back);
            for (start, end, _) in self.intervals_on(zone, date).into_iter().rev() {
                let end = end.min(now);
                if start >= end {
                    continue;
                }
                if end - start >= left {
                    return end - left;
                }
                left -= end - start;
            }
        }
        now - span
    }

    /// Working time in a week, ignoring daylight saving.
    fn weekly(&self) -> TimeDelta {
        let day_end = TimeDelta::days(1);
        self.days
            .iter()
            .flatten()
            .map(|i| i.end.map_or(day_end, |e| e - NaiveTime::MIN) - (i.start - NaiveTime::MIN))
            .sum()
    }

    /// `date`'s intervals as instants, in order; a start or end that falls
    /// into a daylight-saving gap is moved an hour later (the usual shift;
    /// a zone that shifts by half an hour gets it half an hour late).
    fn intervals_on(&self, zone: Tz, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>, &str)> {
        let instant = |date: NaiveDate, time: NaiveTime| {
            let local = date.and_time(time);
            zone.from_local_datetime(&local)
                .earliest()
                .or_else(|| zone.from_local_datetime(&(local + TimeDelta::hours(1))).earliest())
                .map(|t| t.with_timezone(&Utc))
        };
        self.days[date.weekday().num_days_from_monday() as usize]
            .iter()
            .filter_map(|i| {
                let start = instant(date, i.start)?;
                let end = match i.end {
                    Some(end) => instant(date, end)?,
                    None => instant(date.succ_opt()?, NaiveTime::MIN)?,
                };
                Some((start, end, i.start_text.as_str()))
            })
            .collect()
    }
}

fn parse_days(spec: &str) -> Result<Vec<Weekday>, BadHours> {
    let day = |name: &str| {
        let lower = name.to_ascii_lowercase();
        DAYS.iter()
            .position(|(short, _)| is_day_name(&lower) && lower.starts_with(short))
            .ok_or_else(|| BadHours(format!("{name:?} is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)")))
    };
    match spec.split_once('-') {
        None => Ok(vec![DAYS[day(spec)?].1]),
        Some((from, to)) => {
            let (from, to) = (day(from.trim())?, day(to.trim())?);
            if to < from {
                return Err(BadHours(format!("{spec:?} runs backwards; write Mon-Fri, not Fri-Mon")));
            }
            Ok(DAYS[from..=to].iter().map(|(_, d)| *d).collect())
        }
    }
}

/// `mon` or `monday` (lower case): an English day name or its first three
/// letters.
fn is_day_name(lower: &str) -> bool {
    const FULL: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    lower.len() == 3 && FULL.iter().any(|f| f.starts_with(lower)) || FULL.contains(&lower)
}

fn parse_interval(range: &str) -> Result<Interval, BadHours> {
    let bad = || BadHours(format!("{range:?} is not a time range such as 09:00-18:00"));
    let (start_text, end_text) = range.split_once('-').ok_or_else(bad)?;
    let (start_text, end_text) = (start_text.trim(), end_text.trim());
    let start = parse_time(start_text).ok_or_else(bad)?;
    let end = match end_text {
        "24:00" => None,
        other => Some(parse_time(other).ok_or_else(bad)?),
    };
    if end.is_some_and(|end| end <= start) {
        return Err(BadHours(format!("{range:?} ends before it starts")));
    }
    Ok(Interval { start, end, start_text: start_text.to_string() })
}

/// `9:00` or `09:00`.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// 2026-11-30 is a Monday.
    const WEEK: &str = "Mon-Fri 09:00-13:00,14:00-18:00; Sat 10:00-14:00";

    #[test]
    fn reads_days_ranges_and_several_intervals() {
        let hours = WorkingHours::parse(WEEK).unwrap();
        let utc = chrono_tz::UTC;
        assert!(hours.is_open(utc, at("2026-11-30T09:00:00Z")), "Monday 09:00");
        assert!(!hours.is_open(utc, at("2026-11-30T13:30:00Z")), "lunch");
        assert!(!hours.is_open(utc, at("2026-11-30T18:00:00Z")), "the end is outside");
        assert!(hours.is_open(utc, at("2026-12-05T13:59:00Z")), "Saturday");
        assert!(!hours.is_open(utc, at("2026-12-06T12:00:00Z")), "Sunday");
        let all_day = WorkingHours::parse("sunday 00:00-24:00").unwrap();
        assert!(all_day.is_open(utc, at("2026-12-06T23:59:00Z")));
    }

    #[test]
    fn a_bad_value_says_what_is_wrong() {
        for (bad, says) in [
            ("Mon-Fri", "no hours"),
            ("Mon-Fri 9-18", "not a time range"),
            ("Fri-Mon 09:00-18:00", "backwards"),
            ("Mo 09:00-18:00", "not a day"),
            ("Mon 18:00-09:00", "ends before"),
            ("Mon 09:00-12:00,11:00-13:00", "overlap"),
            ("Mon 09:00-12:00; Mon-Tue 13:00-14:00", "named twice"),
            ("Mon 25:00-26:00", "not a time range"),
            ("", "no working hours"),
        ] {
            let err = WorkingHours::parse(bad).unwrap_err();
            assert!(err.0.contains(says), "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_next_opening_is_named_as_written() {
        let hours = WorkingHours::parse("Mon-Fri 9:00-18:00").unwrap();
        let friday_evening = at("2026-12-04T19:00:00Z");
        let next = hours.next_opening(chrono_tz::UTC, friday_evening).unwrap();
        assert_eq!((next.weekday, next.time.as_str()), (Weekday::Mon, "9:00"));
        assert_eq!(next.date, NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        // In Berlin (UTC+1) it is already 09:30 on Monday at 08:30 UTC.
        let berlin = chrono_tz::Europe::Berlin;
        assert!(hours.is_open(berlin, at("2026-12-07T08:30:00Z")));
        assert!(!hours.is_open(chrono_tz::UTC, at("2026-12-07T08:30:00Z")));
    }

    #[test]
    fn the_clock_runs_only_in_working_hours() {
        let hours = WorkingHours::parse(WEEK).unwrap();
        let utc = chrono_tz::UTC;
        let thirty = TimeDelta::minutes(30);
        // Monday 09:10: twenty of the thirty minutes fall on Saturday
        // before 14:00 (Sunday is closed).
        assert_eq!(hours.working_time_before(utc, at("2026-12-07T09:10:00Z"), thirty), at("2026-12-05T13:40:00Z"));
        // Tuesday 09:10: on Monday before 18:00.
        assert_eq!(hours.working_time_before(utc, at("2026-12-08T09:10:00Z"), thirty), at("2026-12-07T17:40:00Z"));
        // Monday 09:30: the whole night counts nothing, so anything that
        // waited since Friday 18:00 or earlier, or since the night, is due.
        assert_eq!(hours.working_time_before(utc, at("2026-12-07T09:30:00Z"), thirty), at("2026-12-07T09:00:00Z"));
        // Across lunch: 14:10 is 10 minutes after lunch plus 20 before it.
        assert_eq!(hours.working_time_before(utc, at("2026-12-07T14:10:00Z"), thirty), at("2026-12-07T12:40:00Z"));
        // Saturday's short day, then Sunday closed: Monday 09:00 reaches
        // back into Saturday.
        assert_eq!(hours.working_time_before(utc, at("2026-12-07T09:00:00Z"), thirty), at("2026-12-05T13:30:00Z"));
        // Four hours across a weekend and days.
        let four = TimeDelta::hours(4);
        assert_eq!(hours.working_time_before(utc, at("2026-12-07T10:00:00Z"), four), at("2026-12-05T11:00:00Z"));
    }
}
