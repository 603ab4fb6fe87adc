//! A Telegram Bot API look-alike on 127.0.0.1, for tests and benchmarks:
//! the real bot reaches it through `TELOXIDE_API_URL`.
//!
//! It behaves as Telegram does where that matters to the bot: `getUpdates`
//! forgets updates only when a later call passes a higher offset; method
//! names match case-insensitively; `parse_mode=HTML` is parsed and bad HTML
//! answered 400; texts over 4096 characters (captions over 1024) are refused;
//! flood limits answer 429 with `retry_after`; an unknown chat is 400. It
//! records every call, and tests can inject failures (`Fault`: any status,
//! slow answers; blocked users, a kicked bot, privacy mode, a server that
//! ignores the long-poll timeout).

mod faults;
mod html;
mod limits;
mod server;

pub use faults::Fault;
pub use html::visible_text;
pub use limits::FloodLimits;
pub use server::{BOT_ID, Call, FakeTelegram, Sent, TgUser};
