//! Failures a test asks the fake for: an answer Telegram gives when things
//! go wrong (a 5xx, 403, 404), or an answer that comes late, for one method,
//! optionally one chat, a number of times or for good.

use std::time::Duration;

use serde_json::Value;

/// One injected failure (see `FakeTelegram::inject`).
#[derive(Debug, Clone)]
pub struct Fault {
    method: String,
    chat: Option<i64>,
    /// The status and description answered instead of the real answer;
    /// `None`: the real answer, late.
    answer: Option<(u16, String)>,
    delay: Duration,
    /// How many calls it still hits; `None`: every call.
    left: Option<usize>,
}

impl Fault {
    /// `method` answers `status` (with Telegram's wording for it).
    pub fn status(method: &str, status: u16) -> Self {
        let description = match status {
            401 => "Unauthorized",
            403 => "Forbidden: bot was kicked from the supergroup chat",
            404 => "Not Found",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            _ => "Error",
        };
        Self::answer(method, status, description)
    }

    /// `method` answers `status` with this description.
    pub fn answer(method: &str, status: u16, description: &str) -> Self {
        Self {
            method: method.to_ascii_lowercase(),
            chat: None,
            answer: Some((status, description.to_string())),
            delay: Duration::ZERO,
            left: None,
        }
    }

    /// `method` answers as usual, after `delay`.
    pub fn slow(method: &str, delay: Duration) -> Self {
        Self { method: method.to_ascii_lowercase(), chat: None, answer: None, delay, left: None }
    }

    /// Only calls whose `chat_id` is `chat`.
    pub fn for_chat(mut self, chat: i64) -> Self {
        self.chat = Some(chat);
        self
    }

    /// Only the next `n` matching calls.
    pub fn times(mut self, n: usize) -> Self {
        self.left = Some(n);
        self
    }

    /// Waits `delay` before answering (a slow failure).
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn matches(&self, method: &str, params: &Value) -> bool {
        self.method == method && self.chat.is_none_or(|chat| params["chat_id"].as_i64() == Some(chat))
    }
}

/// What a call meets: how long to wait first, and the answer to give
/// instead of the real one.
pub(crate) struct Hit {
    pub delay: Duration,
    pub answer: Option<(u16, String)>,
}

/// Takes the first fault that hits this call (counting it down).
pub(crate) fn hit(faults: &mut Vec<Fault>, method: &str, params: &Value) -> Option<Hit> {
    let index = faults.iter().position(|f| f.matches(method, params))?;
    let fault = &mut faults[index];
    let hit = Hit { delay: fault.delay, answer: fault.answer.clone() };
    if let Some(left) = &mut fault.left {
        *left -= 1;
        if *left == 0 {
            faults.remove(index);
        }
    }
    Some(hit)
}
