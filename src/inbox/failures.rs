//! Updates whose handling failed on the database: how often in a row, and
//! when each may be tried again. In memory: a restart forgets them, and
//! each is tried again from the start.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::storage::rows::InboxUpdate;

/// How long a failed update waits before it is tried again: long enough
/// for most passing errors (a restart, a lock timeout) to pass.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
struct Failing {
    times: u32,
    retry_at: Instant,
}

#[derive(Default)]
pub struct Failures(Mutex<HashMap<i64, Failing>>);

impl Failures {
    fn map(&self) -> MutexGuard<'_, HashMap<i64, Failing>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a failure of `update_id`; how many in a row now.
    pub fn count(&self, update_id: i64) -> u32 {
        let retry_at = Instant::now() + RETRY_AFTER;
        let mut map = self.map();
        let entry = map.entry(update_id).or_insert(Failing { times: 0, retry_at });
        *entry = Failing { times: entry.times + 1, retry_at };
        entry.times
    }

    /// Tries it again after `after`, without counting a failure: it is
    /// not wrong, only early.
    pub fn postpone(&self, update_id: i64, after: Duration) {
        let retry_at = Instant::now() + after;
        self.map().entry(update_id).and_modify(|f| f.retry_at = retry_at).or_insert(Failing { times: 0, retry_at });
    }

    /// It failed a moment ago: not yet.
    pub fn waiting(&self, update_id: i64) -> bool {
        self.map().get(&update_id).is_some_and(|f| f.retry_at > Instant::now())
    }

    /// It went through, or was set aside.
    pub fn forget(&self, update_id: i64) {
        self.map().remove(&update_id);
    }

    /// Drops the failures of updates no longer pending (handled elsewhere).
    pub fn keep_only(&self, pending: &[InboxUpdate]) {
        let mut map = self.map();
        if !map.is_empty() {
            let ids: HashSet<i64> = pending.iter().map(|r| r.update_id).collect();
            map.retain(|id, _| ids.contains(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_in_a_row_and_wait_their_turn() {
        let failures = Failures::default();
        assert_eq!(failures.count(7), 1);
        assert_eq!(failures.count(7), 2);
        assert!(failures.waiting(7) && !failures.waiting(8));
        failures.forget(7);
        assert!(!failures.waiting(7));
        assert_eq!(failures.count(7), 1, "counted afresh");
        failures.keep_only(&[]);
        assert!(!failures.waiting(7), "no longer pending: forgotten");
        failures.postpone(9, Duration::from_secs(60));
        assert!(failures.waiting(9));
        assert_eq!(failures.count(9), 1, "a postponement is no failure");
    }
}
