//! Whether someone administers the support group, asked of Telegram
//! (getChatMember). Either answer is remembered for a minute, so a burst of
//! commands (or of someone trying commands they may not use) costs one
//! call; who was just made admin can act within that minute. (Who may
//! /assign and /ban, `ADMIN_IDS` included, is the staff commands' rule.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::outbox::SupportChat;
use crate::telegram::api::BotApi;

const TTL: Duration = Duration::from_secs(60);

/// How much older than `TTL` an answer may be when read inside a
/// transaction (`known`): it was asked for just before the transaction
/// began, and may have turned 60 s old meanwhile.
const GRACE: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct AdminCache {
    api: BotApi,
    chat: SupportChat,
    /// Telegram's last answer for each user, and when it came.
    seen: Arc<Mutex<HashMap<i64, (bool, Instant)>>>,
}

impl AdminCache {
    pub fn new(api: BotApi, chat: SupportChat) -> Self {
        Self { api, chat, seen: Arc::default() }
    }

    /// The answer `is_admin` got lately, without asking Telegram: what a
    /// transaction reads (`Desk::ask_ahead` asked before it began).
    pub fn known(&self, user: i64) -> Option<bool> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(&user).copied();
        seen.filter(|(_, at)| at.elapsed() < TTL + GRACE).map(|(admin, _)| admin)
    }

    /// Whether `user` administers the support group. When Telegram cannot
    /// be asked, the answer is no (and nothing is remembered).
    pub async fn is_admin(&self, user: i64) -> bool {
        let known = self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(&user).copied();
        if let Some((admin, _)) = known.filter(|(_, at)| at.elapsed() < TTL) {
            return admin;
        }
        match self.api.get_chat_member(self.chat.id(), user).await {
            Ok(member) => {
                let admin = member.is_admin();
                self.seen.lock().unwrap_or_else(|p| p.into_inner()).insert(user, (admin, Instant::now()));
                admin
            }
            Err(failure) => {
                tracing::warn!(user, %failure, "cannot check admin status; treating as not admin");
                false
            }
        }
    }
}
