//! Keeps the delivery worker inside Telegram's flood limits, so that 429s
//! are the exception rather than the way limits are discovered. Limits are
//! sliding windows, set a little under what Telegram documents: about 30
//! messages a second per bot, about one a second per private chat (short
//! bursts tolerated), 20 a minute per group (forum topics included).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// (messages, per window).
const GLOBAL: (usize, Duration) = (28, Duration::from_secs(1));
/// The private-chat window is 100 ms longer than Telegram's: a message is
/// counted here when its request starts and by Telegram when it arrives,
/// so one that travels faster than the one three before it would otherwise
/// land inside Telegram's window.
const PRIVATE_CHAT: (usize, Duration) = (3, Duration::from_millis(3100));
const GROUP: (usize, Duration) = (19, Duration::from_secs(60));

fn chat_limit(chat: i64) -> (usize, Duration) {
    if chat > 0 { PRIVATE_CHAT } else { GROUP }
}

#[derive(Debug, Default)]
pub struct Pacer {
    global: VecDeque<Instant>,
    chats: HashMap<i64, VecDeque<Instant>>,
    /// No limits at all (`DELIVERY_PACING=off`, benchmarks only).
    off: bool,
}

impl Pacer {
    /// A pacer that never waits: for measuring the bot against a fake Bot
    /// API without flood limits.
    pub fn off() -> Self {
        Self { off: true, ..Self::default() }
    }

    pub fn is_off(&self) -> bool {
        self.off
    }

    /// How long before `count` more messages may go to `chat`; zero if now.
    pub fn wait(&mut self, chat: i64, count: usize, now: Instant) -> Duration {
        if self.off {
            return Duration::ZERO;
        }
        let chat_limit = chat_limit(chat);
        let chat_window = self.chats.entry(chat).or_default();
        [(&mut self.global, GLOBAL), (chat_window, chat_limit)]
            .into_iter()
            .map(|(window, (max, span))| {
                while window.front().is_some_and(|t| now.duration_since(*t) >= span) {
                    window.pop_front();
                }
                // Room for `count` more once the oldest entries age out; a
                // batch bigger than the window (an album of 10 to one user)
                // needs an empty window, not an impossible one.
                let excess = (window.len() + count.min(max)).saturating_sub(max);
                match excess {
                    0 => Duration::ZERO,
                    n => window.get(n - 1).map_or(span, |t| span.saturating_sub(now.duration_since(*t))),
                }
            })
            .max()
            .unwrap_or_default()
    }

    /// How many messages `chat` may still get between `now` and
    /// `now + horizon`: what its window lets out, plus whole windows that
    /// fit in the horizon.
    pub fn capacity(&mut self, chat: i64, horizon: Duration, now: Instant) -> usize {
        if self.off {
            return usize::MAX / 2;
        }
        let (max, span) = chat_limit(chat);
        let window = self.chats.entry(chat).or_default();
        // Messages still inside the window when the horizon ends.
        let staying = window.iter().filter(|t| **t + span > now + horizon).count();
        let refills = (horizon.as_secs_f64() / span.as_secs_f64()).floor() as usize;
        max.saturating_sub(staying) + max * refills
    }

    /// Records messages sent to `chat` before this process (or this leader)
    /// started: `ages` ago, oldest first.
    pub fn seed(&mut self, chat: i64, ages: &[Duration], now: Instant) {
        if self.off {
            return;
        }
        for age in ages {
            if let Some(at) = now.checked_sub(*age) {
                self.global.push_back(at);
                self.chats.entry(chat).or_default().push_back(at);
            }
        }
    }

    /// Records `count` messages sent to `chat` at `now`.
    pub fn sent(&mut self, chat: i64, count: usize, now: Instant) {
        if self.off {
            return;
        }
        for _ in 0..count {
            self.global.push_back(now);
            self.chats.entry(chat).or_default().push_back(now);
        }
    }
}

/// The pacer the delivery lanes share: every check and record under one
/// lock, so lanes cannot both take the last room of a window.
#[derive(Debug)]
pub struct Limits(Mutex<Pacer>);

impl Limits {
    /// Telegram's limits, or none (`DELIVERY_PACING=off`).
    pub fn new(paced: bool) -> Self {
        Self(Mutex::new(if paced { Pacer::default() } else { Pacer::off() }))
    }

    fn pacer(&self) -> MutexGuard<'_, Pacer> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_off(&self) -> bool {
        self.pacer().is_off()
    }

    /// How long before `count` more messages may go to `chat`.
    pub fn wait(&self, chat: i64, count: usize) -> Duration {
        self.pacer().wait(chat, count, Instant::now())
    }

    /// Takes room for `count` messages to `chat` if the limits have it now.
    pub fn reserve(&self, chat: i64, count: usize) -> bool {
        let mut pacer = self.pacer();
        let now = Instant::now();
        let free = pacer.wait(chat, count, now).is_zero();
        if free {
            pacer.sent(chat, count, now);
        }
        free
    }

    /// How many messages `chat` may still get within `horizon`.
    pub fn capacity(&self, chat: i64, horizon: Duration) -> usize {
        self.pacer().capacity(chat, horizon, Instant::now())
    }

    /// Messages sent to `chat` before this process (or this leader) began.
    pub fn seed(&self, chat: i64, ages: &[Duration]) {
        self.pacer().seed(chat, ages, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_chat_allows_a_burst_then_paces() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(pacer.wait(42, 1, t0), Duration::ZERO);
            pacer.sent(42, 1, t0);
        }
        let wait = pacer.wait(42, 1, t0);
        assert!(wait > Duration::from_millis(3000) && wait <= Duration::from_millis(3100), "{wait:?}");
        assert_eq!(pacer.wait(42, 1, t0 + Duration::from_millis(3100)), Duration::ZERO);
        // Another chat is not held up by this one.
        assert_eq!(pacer.wait(43, 1, t0), Duration::ZERO);
    }

    #[test]
    fn group_gets_19_a_minute() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        for i in 0..19 {
            let at = t0 + Duration::from_millis(100 * i);
            assert_eq!(pacer.wait(-100, 1, at), Duration::ZERO, "message {i}");
            pacer.sent(-100, 1, at);
        }
        assert!(pacer.wait(-100, 1, t0 + Duration::from_secs(2)) > Duration::from_secs(55));
        // An album of 3 needs room for all 3.
        let mut pacer = Pacer::default();
        pacer.sent(-100, 17, t0);
        assert!(pacer.wait(-100, 3, t0) > Duration::ZERO);
        assert_eq!(pacer.wait(-100, 2, t0), Duration::ZERO);
        // An album bigger than a private chat's window goes once it is empty.
        let mut pacer = Pacer::default();
        assert_eq!(pacer.wait(7, 10, t0), Duration::ZERO);
        pacer.sent(7, 10, t0);
        assert!(pacer.wait(7, 10, t0) > Duration::ZERO);
        assert_eq!(pacer.wait(7, 10, t0 + Duration::from_millis(3100)), Duration::ZERO);
    }

    #[test]
    fn capacity_counts_what_leaves_the_window_in_time() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        let horizon = Duration::from_secs(10);
        assert_eq!(pacer.capacity(-100, horizon, t0), 19);
        pacer.sent(-100, 15, t0);
        // 55 s later, all 15 leave the window within 10 s.
        assert_eq!(pacer.capacity(-100, horizon, t0 + Duration::from_secs(55)), 19);
        // 20 s later, none of them do.
        assert_eq!(pacer.capacity(-100, horizon, t0 + Duration::from_secs(20)), 4);
        // A private chat refills three times within 10 s.
        assert_eq!(pacer.capacity(5, horizon, t0), 12);
    }
}
