//! What a staff command reads at length (`/stats`' figures, `/find`'s
//! results, `/export`'s file), read on a pooled connection before the command's transaction
//! begins (`Desk::ask_ahead`), so the reading never holds SQLite's one
//! write lock; kept here by the command's message id until the
//! transaction answers it. Shared by the desk's clones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::Stats;

/// What was read ahead.
#[derive(Debug, Clone)]
pub(super) enum Asked {
    Stats(Stats),
    /// `/find`'s answer for the command's arguments as they were.
    Found {
        args: String,
        page: super::find::Page,
    },
    /// `/export`'s file for the period and its rows (`None`: too large).
    Export {
        period: crate::domain::Period,
        file: Option<(Vec<u8>, u64)>,
    },
}

#[derive(Clone, Default)]
pub(super) struct Ahead(Arc<Mutex<HashMap<i32, (Instant, Asked)>>>);

/// Read longer ago than this is read again: the command was handled much
/// later (its batch failed and was retried, say).
const FRESH: Duration = Duration::from_secs(10);

/// More than this waiting means updates were never answered (a crash
/// between asking ahead and handling): they are forgotten.
const AT_MOST: usize = 64;

impl Ahead {
    pub(super) fn put(&self, message_id: i32, asked: Asked) {
        let mut waiting = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if waiting.len() >= AT_MOST {
            waiting.clear();
        }
        waiting.insert(message_id, (Instant::now(), asked));
    }

    /// What was read for the message, once, while fresh.
    pub(super) fn take(&self, message_id: i32) -> Option<Asked> {
        let mut waiting = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (at, asked) = waiting.remove(&message_id)?;
        (at.elapsed() < FRESH).then_some(asked)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::Period;

    #[test]
    fn what_was_read_ahead_is_taken_once_and_the_waiting_are_bounded() {
        let ahead = Ahead::default();
        let figures = |period| Asked::Stats(Stats::with_days(period, NaiveDate::MIN, NaiveDate::MIN, Vec::new()));
        ahead.put(7, figures(Period::Week));
        assert!(matches!(ahead.take(7), Some(Asked::Stats(s)) if s.period == Period::Week));
        assert!(ahead.take(7).is_none(), "taken once");
        for id in 0..=AT_MOST as i32 {
            ahead.put(id, figures(Period::Day));
        }
        assert!(ahead.0.lock().unwrap().len() <= AT_MOST, "bounded");
    }
}
