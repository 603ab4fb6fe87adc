//! What the bot asks Telegram before it starts, and what the answers mean
//! for the operator: a token Telegram refuses or a support chat it does not
//! know stop start-up (`StartupError`, exit code 2); passing trouble
//! (network, 5xx, 429) is asked again, with backoff, and never decides the
//! mode of the whole run; missing rights are warnings, logged and shown by
//! `/ready`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::api::{BotApi, Failure, Me};

/// What start-up learned.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The support chat's id: `SUPPORT_CHAT_ID`, or the supergroup that
    /// group became.
    pub support_chat: i64,
    /// The bot's @username: `/cmd@otherbot` in the group is not ours.
    pub username: Option<String>,
    /// The support group has topics on. When Telegram could not say, the
    /// bot starts in plain-group mode and learns it from the group's
    /// messages.
    pub forum: bool,
    /// What will not work as it should, and what to do about it.
    pub warnings: Vec<String>,
}

/// Why the bot cannot start; each names the setting and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartupError {
    #[error(
        "TELOXIDE_TOKEN is refused by Telegram ({0}): set it to the token @BotFather gave you (/mybots → API Token)"
    )]
    Token(String),
    #[error(
        "SUPPORT_CHAT_ID {chat}: Telegram says {reason}: add the bot to the support group and check the id \
         (README: \"Setting up the bot in Telegram\")"
    )]
    SupportChat { chat: i64, reason: String },
    /// Only when a limit was set on asking (`ticketbot check`): `run` asks
    /// `getMe` until Telegram answers.
    #[error("Telegram did not answer getMe ({0}): check the network, and TELOXIDE_API_URL if it is set")]
    Unreachable(String),
}

/// Whether start-up has checked Telegram yet, and what it warned of: for
/// `/ready`.
#[derive(Debug, Clone, Default)]
pub struct TelegramStatus(Arc<Mutex<Option<Vec<String>>>>);

impl TelegramStatus {
    pub fn checked(&self, warnings: Vec<String>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(warnings);
    }

    /// `None` until checked; then the warnings (none when all is well).
    pub fn warnings(&self) -> Option<Vec<String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Asks Telegram about the bot and the support chat. `getMe` is asked
/// until Telegram answers (nothing works before it does, and its answer
/// says whether the token is good); passing failures of the questions
/// about the support chat are asked again, with backoff, for up to
/// `patience`, and then the bot starts on what it knows.
pub async fn learn(api: &BotApi, support_chat: i64, patience: Duration) -> Result<Facts, StartupError> {
    learn_within(api, support_chat, None, patience).await
}

/// `learn`, giving up on `getMe` too after `patience` (`ticketbot check`).
pub async fn check(api: &BotApi, support_chat: i64, patience: Duration) -> Result<Facts, StartupError> {
    learn_within(api, support_chat, Some(Instant::now() + patience), patience).await
}

async fn learn_within(
    api: &BotApi,
    support_chat: i64,
    me_deadline: Option<Instant>,
    patience: Duration,
) -> Result<Facts, StartupError> {
    let mut facts = Facts { support_chat, ..Facts::default() };
    let me = match ask(me_deadline, "getMe", || api.get_me()).await {
        Ok(me) => me,
        Err(failure) if failure.is_bad_token() => return Err(StartupError::Token(failure.to_string())),
        Err(failure @ Failure::Refused { .. }) => return Err(StartupError::Token(format!("getMe answered {failure}"))),
        Err(failure) => return Err(StartupError::Unreachable(failure.to_string())),
    };
    facts.username = me.username.clone();
    let deadline = Some(Instant::now() + patience);
    let mut chat = ask(deadline, "getChat", || api.get_chat(support_chat)).await;
    // A group upgraded to a supergroup has a new id; its old one is refused.
    if let Err(Failure::Migrated(new)) = chat {
        facts.warnings.push(format!(
            "SUPPORT_CHAT_ID {support_chat} became the supergroup {new}: using it; set SUPPORT_CHAT_ID={new}"
        ));
        facts.support_chat = new;
        chat = ask(deadline, "getChat", || api.get_chat(new)).await;
    }
    let support_chat = facts.support_chat;
    match chat {
        Ok(chat) => {
            facts.forum = chat.is_forum;
            if !matches!(chat.kind.as_str(), "group" | "supergroup") {
                facts.warnings.push(format!(
                    "SUPPORT_CHAT_ID {support_chat} is a {} chat, not a group: staff cannot answer there",
                    chat.kind
                ));
            }
        }
        // 400 "chat not found", 403 "bot was kicked"/"not a member".
        Err(Failure::Refused { description, .. }) => {
            return Err(StartupError::SupportChat { chat: support_chat, reason: description });
        }
        Err(failure) => facts.warnings.push(format!(
            "Telegram did not answer getChat for SUPPORT_CHAT_ID ({failure}): starting in plain-group mode; \
             topics are used as soon as the group's messages show it is a forum"
        )),
    }
    facts.warnings.extend(rights(api, deadline, support_chat, &me, facts.forum).await);
    for warning in &facts.warnings {
        tracing::warn!(support_chat, "{warning}");
    }
    tracing::info!(support_chat, forum = facts.forum, username = facts.username.as_deref(), "Telegram checked");
    Ok(facts)
}

/// What the bot's rights in the support chat will keep from working.
async fn rights(api: &BotApi, deadline: Option<Instant>, support_chat: i64, me: &Me, forum: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let member = match ask(deadline, "getChatMember", || api.get_chat_member(support_chat, me.id)).await {
        Ok(member) => member,
        Err(failure) => {
            warnings.push(format!("cannot ask Telegram for the bot's rights in the support chat ({failure})"));
            return warnings;
        }
    };
    if !member.is_admin() && !me.can_read_all_group_messages {
        warnings.push(
            "the bot cannot read staff's replies in the support chat: in @BotFather, /setprivacy → Disable \
             (then remove and re-add the bot to the group), or make the bot an admin of the group"
                .into(),
        );
    }
    if forum && !(member.status == "creator" || member.can_manage_topics) {
        warnings.push(
            "the bot cannot open topics in the forum support chat: give it the admin right \"Manage topics\"".into(),
        );
    }
    warnings
}

/// Calls `call` until it answers, is refused, or `deadline` passes (`None`:
/// until it answers or is refused): network errors, 5xx and 429 are asked
/// again after a pause (growing from 250 ms to 5 s, or what a 429 says).
async fn ask<T, F, Fut>(deadline: Option<Instant>, what: &str, mut call: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut pause = Duration::from_millis(250);
    loop {
        let failure = match call().await {
            Ok(answer) => return Ok(answer),
            Err(failure @ (Failure::Refused { .. } | Failure::Migrated(_))) => return Err(failure),
            Err(failure) => failure,
        };
        let wait = match &failure {
            Failure::RetryAfter(after) => *after,
            _ => pause,
        };
        if deadline.is_some_and(|deadline| Instant::now() + wait > deadline) {
            return Err(failure);
        }
        tracing::warn!(call = what, %failure, retry_in_ms = wait.as_millis() as u64, "Telegram did not answer; asking again");
        tokio::time::sleep(wait).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
