//! A period's figures, as `/stats` shows them and `/metrics` exports them
//! (gathered by `desk::stats`).

use chrono::NaiveDate;

/// Which days `/stats` sums up, ending today (in the ticket time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// `day` (also `today`, or nothing), `week`, `month`.
    pub fn parse(args: &str) -> Option<Self> {
        match args.trim().to_ascii_lowercase().as_str() {
            "" | "day" | "today" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    /// Today and the days before it: 1, 7 or 30.
    pub fn days(self) -> i64 {
        match self {
            Self::Day => 1,
            Self::Week => 7,
            Self::Month => 30,
        }
    }
}

/// The figures of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub period: Period,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub opened: usize,
    pub closed: usize,
    /// Tickets opened in the period that staff answered, and how soon (s).
    pub answered: usize,
    pub first_response_median: Option<i64>,
    pub first_response_p90: Option<i64>,
    pub close_median: Option<i64>,
    /// Reminders sent: tickets that waited past `FIRST_RESPONSE_SLA`.
    pub reminders: i64,
    pub ratings: usize,
    pub rating_average: Option<f64>,
    /// How many ratings gave 1, 2, 3, 4 and 5 stars.
    pub rating_counts: [usize; 5],
    pub days: Vec<DayFigures>,
    /// By the tickets they answered, most first.
    pub staff: Vec<StaffFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub opened: usize,
    pub first_response_median: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffFigures {
    pub name: String,
    pub tickets_answered: i64,
    /// Of the tickets they answered first.
    pub first_response_median: Option<i64>,
}

#[cfg(test)]
impl Stats {
    /// A period with nothing in it but `days` (tests).
    pub(crate) fn with_days(period: Period, first_day: NaiveDate, last_day: NaiveDate, days: Vec<DayFigures>) -> Self {
        Self {
            period,
            first_day,
            last_day,
            opened: 0,
            closed: 0,
            answered: 0,
            first_response_median: None,
            first_response_p90: None,
            close_median: None,
            reminders: 0,
            ratings: 0,
            rating_average: None,
            rating_counts: [0; 5],
            days,
            staff: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_staff_type_them() {
        assert_eq!(Period::parse(""), Some(Period::Day));
        assert_eq!(Period::parse(" Week "), Some(Period::Week));
        assert_eq!(Period::parse("month"), Some(Period::Month));
        assert_eq!(Period::parse("year"), None);
    }
}
