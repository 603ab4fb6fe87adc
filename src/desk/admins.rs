//! Whether someone administers the support group, asked of Telegram
//! (getChatMember). A "yes" is remembered for a minute, so a burst of
//! commands costs one call; a "no" is not, so someone just made admin can
//! act at once. (Who may /assign and /ban, `ADMIN_IDS` included, is the
//! staff commands' rule.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use teloxide::prelude::*;

const TTL: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct AdminCache {
    bot: Bot,
    chat: i64,
    /// Admins and when Telegram last said so.
    seen: Arc<Mutex<HashMap<i64, Instant>>>,
}

impl AdminCache {
    pub fn new(bot: Bot, chat: i64) -> Self {
        Self { bot, chat, seen: Arc::default() }
    }

    /// Whether `user` administers the support group. When Telegram cannot
    /// be asked, the answer is no (and nothing is cached).
    pub async fn is_admin(&self, user: i64) -> bool {
        if let Some(at) = self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(&user).copied() {
            if at.elapsed() < TTL {
                return true;
            }
        }
        match self.bot.get_chat_member(ChatId(self.chat), UserId(user as u64)).await {
            Ok(member) => {
                let admin = member.is_privileged();
                let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
                if admin {
                    seen.insert(user, Instant::now());
                } else {
                    seen.remove(&user);
                }
                admin
            }
            Err(e) => {
                tracing::warn!(user, error = %e, "cannot check admin status; treating as not admin");
                false
            }
        }
    }
}
