//! Telegram's flood limits as sliding windows.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Limits per window. Telegram documents about 30 messages a second per
/// bot, about one a second per private chat (short bursts tolerated) and 20
/// a minute per group.
#[derive(Debug, Clone, Copy)]
pub struct FloodLimits {
    pub global: (usize, Duration),
    pub private_chat: (usize, Duration),
    pub group: (usize, Duration),
}

impl Default for FloodLimits {
    fn default() -> Self {
        Self {
            global: (30, Duration::from_secs(1)),
            private_chat: (3, Duration::from_secs(3)),
            group: (20, Duration::from_secs(60)),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Windows {
    global: VecDeque<Instant>,
    chats: HashMap<i64, VecDeque<Instant>>,
}

impl Windows {
    /// Records a message to `chat`, or says how many seconds to wait.
    pub(super) fn admit(&mut self, limits: &FloodLimits, chat: i64, now: Instant) -> Result<(), u64> {
        let chat_limit = if chat > 0 { limits.private_chat } else { limits.group };
        let chat_window = self.chats.entry(chat).or_default();
        let wait = [(&mut self.global, limits.global), (chat_window, chat_limit)]
            .into_iter()
            .filter_map(|(window, (max, span))| {
                while window.front().is_some_and(|t| now.duration_since(*t) >= span) {
                    window.pop_front();
                }
                (window.len() >= max).then(|| span - now.duration_since(window[0]))
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        self.global.push_back(now);
        self.chats.entry(chat).or_default().push_back(now);
        Ok(())
    }
}
