//! A Bot API client of our own, for every request the bot makes.
//!
//! teloxide's client sleeps 10 s inside every request that got a 5xx
//! answer before it returns (teloxide-core's `DELAY_ON_SERVER_ERROR`), keeps
//! no HTTP status, parses answers strictly (a field an emulator omits fails
//! the whole call), and re-serialises updates instead of keeping what
//! Telegram sent. Here a call returns at once with Telegram's answer
//! classified by its status (`Failure`), reads only the fields asked for,
//! and `get_updates` hands back each update's JSON as sent. teloxide's types
//! and dispatcher are still what reads an update (`desk::route`).

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::config::BotConfig;

/// How long a call may take, unless it says otherwise (a long poll).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an upload (`sendPhoto`) may take: a chart is tens of kilobytes.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a call did not give an answer to use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// 429: Telegram's flood control; wait this long.
    #[error("Too Many Requests: retry after {} s", .0.as_secs())]
    RetryAfter(Duration),
    /// 400 with `migrate_to_chat_id`: the group became a supergroup with
    /// this id; messages to the old id are refused from now on.
    #[error("the group moved to chat {0}")]
    Migrated(i64),
    /// Refused for good (400, 403, 404…): trying again cannot help.
    #[error("{status} {description}")]
    Refused { status: u16, description: String },
    /// Worth trying again: a network error, a timeout, a 5xx, an answer
    /// that is not the Bot API's.
    #[error("{0}")]
    Transient(String),
}

impl Failure {
    /// 401 (a token Telegram does not know) or 404 on a method every bot
    /// has (the token's path does not exist): the token is wrong.
    pub fn is_bad_token(&self) -> bool {
        matches!(self, Failure::Refused { status: 401 | 404, .. })
    }
}

/// The envelope of every Bot API answer.
#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    description: Option<String>,
    #[serde(default)]
    parameters: Parameters,
}

#[derive(Deserialize, Default)]
struct Parameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// The bot's own account, as far as the bot needs it (`getMe`).
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub id: i64,
    pub username: Option<String>,
    /// Privacy mode off (BotFather `/setprivacy` → Disable): the bot sees
    /// every message of the groups it is in, not only commands and replies
    /// to it.
    #[serde(default)]
    pub can_read_all_group_messages: bool,
}

/// A chat, as far as the bot needs it (`getChat`).
#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub is_forum: bool,
}

/// A member of a chat, as far as the bot needs it (`getChatMember`).
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// `creator`, `administrator`, `member`, `restricted`, `left`, `kicked`.
    pub status: String,
    #[serde(default)]
    pub can_manage_topics: bool,
    /// A `restricted` member's: whether they are in the chat.
    #[serde(default)]
    pub is_member: bool,
}

impl Member {
    pub fn is_admin(&self) -> bool {
        matches!(self.status.as_str(), "creator" | "administrator")
    }

    /// Whether they are in the chat (restricted or not).
    pub fn is_in_chat(&self) -> bool {
        matches!(self.status.as_str(), "creator" | "administrator" | "member")
            || (self.status == "restricted" && self.is_member)
    }
}

/// A message the bot sent (`sendMessage`, `copyMessage`).
#[derive(Debug, Clone, Deserialize)]
pub struct Sent {
    pub message_id: i32,
}

/// A forum topic the bot created.
#[derive(Debug, Clone, Deserialize)]
pub struct Topic {
    pub message_thread_id: i32,
}

/// An update as Telegram sent it: its id, and its JSON byte for byte.
#[derive(Debug, Clone)]
pub struct RawUpdate {
    pub update_id: i64,
    pub json: String,
}

#[derive(Clone)]
pub struct BotApi {
    http: reqwest::Client,
    /// `https://api.telegram.org/bot<token>/`: holds the token, so it is
    /// never printed (no `Debug`), and errors are stripped of URLs.
    base: String,
}

impl BotApi {
    pub fn new(config: &BotConfig) -> Self {
        let server = config.api_url.as_ref().map_or("https://api.telegram.org", |u| u.as_str());
        Self::at(server, config.token.expose())
    }

    /// A client for the Bot API server at `server` (`TELOXIDE_API_URL`).
    pub fn at(server: &str, token: &str) -> Self {
        let base = format!("{}/bot{token}/", server.trim_end_matches('/'));
        // Connections are kept for the next call; a call's own timeout is
        // set per request.
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { http, base }
    }

    /// Calls `method` with `params` (a JSON object), within `timeout`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
    ) -> Result<T, Failure> {
        let response = self
            .http
            .post(format!("{}{method}", self.base))
            .json(params)
            .timeout(timeout)
            .send()
            .await
            .map_err(network)?;
        read_answer(method, response).await
    }

    /// `sendPhoto` with the picture uploaded (multipart): `params` are the
    /// other fields (chat, reply, topic), `png` the file.
    pub async fn send_photo(&self, params: &Value, png: Vec<u8>, caption: Option<&str>) -> Result<Sent, Failure> {
        self.upload("sendPhoto", "photo", ("chart.png", "image/png"), params, png, caption).await
    }

    /// A file the bot made (an export), as a document named `name`.
    pub async fn send_document(
        &self,
        params: &Value,
        name: &str,
        bytes: Vec<u8>,
        caption: Option<&str>,
    ) -> Result<Sent, Failure> {
        let mime = if name.ends_with(".csv") { "text/csv" } else { "application/octet-stream" };
        self.upload("sendDocument", "document", (name, mime), params, bytes, caption).await
    }

    /// `method` with `params` and one uploaded file in the part `field`
    /// (multipart/form-data); the caption is HTML.
    async fn upload(
        &self,
        method: &str,
        field: &'static str,
        (file_name, mime): (&str, &str),
        params: &Value,
        bytes: Vec<u8>,
        caption: Option<&str>,
    ) -> Result<Sent, Failure> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in params.as_object().into_iter().flatten() {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            form = form.text(name.clone(), text);
        }
        if let Some(caption) = caption {
            form = form.text("caption", caption.to_string()).text("parse_mode", "HTML");
        }
        let file =
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()).mime_str(mime).map_err(network)?;
        let form = form.part(field, file);
        let response = self
            .http
            .post(format!("{}{method}", self.base))
            .multipart(form)
            .timeout(UPLOAD_TIMEOUT)
            .send()
            .await
            .map_err(network)?;
        read_answer(method, response).await
    }

    pub async fn get_me(&self) -> Result<Me, Failure> {
        self.call("getMe", &Value::Object(Default::default()), CALL_TIMEOUT).await
    }

    pub async fn get_chat(&self, chat_id: i64) -> Result<Chat, Failure> {
        self.call("getChat", &serde_json::json!({ "chat_id": chat_id }), CALL_TIMEOUT).await
    }

    pub async fn get_chat_member(&self, chat_id: i64, user_id: i64) -> Result<Member, Failure> {
        self.call("getChatMember", &serde_json::json!({ "chat_id": chat_id, "user_id": user_id }), CALL_TIMEOUT).await
    }

    /// Updates after `offset`, held open up to `wait` when there is none;
    /// each with the JSON Telegram sent for it.
    pub async fn get_updates(
        &self,
        offset: Option<i64>,
        wait: Duration,
        allowed: &[&str],
    ) -> Result<Vec<RawUpdate>, Failure> {
        let mut params = serde_json::json!({ "timeout": wait.as_secs(), "limit": 100, "allowed_updates": allowed });
        if let Some(offset) = offset {
            params["offset"] = offset.into();
        }
        let raw: Vec<Box<RawValue>> = self.call("getUpdates", &params, wait + CALL_TIMEOUT).await?;
        #[derive(Deserialize)]
        struct Id {
            update_id: i64,
        }
        raw.into_iter()
            .map(|update| {
                let id: Id = serde_json::from_str(update.get())
                    .map_err(|e| Failure::Transient(format!("an update without an update_id: {e}")))?;
                Ok(RawUpdate { update_id: id.update_id, json: update.get().to_string() })
            })
            .collect()
    }
}

/// A request that got no answer: what went wrong, with its causes
/// ("connection refused", "operation timed out"), and without the URL,
/// which holds the token.
fn network(e: reqwest::Error) -> Failure {
    let what = if e.is_timeout() { "timed out" } else { "network" };
    let e = e.without_url();
    let mut text = format!("{what}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Failure::Transient(text)
}

/// What a refusal means, by its HTTP status (the Bot API's `error_code`
/// is the same number) and parameters.
fn classify(status: u16, description: String, parameters: Parameters) -> Failure {
    if let Some(chat) = parameters.migrate_to_chat_id {
        return Failure::Migrated(chat);
    }
    match status {
        429 => Failure::RetryAfter(Duration::from_secs(parameters.retry_after.unwrap_or(1).max(1))),
        // Every other 4xx is about the request: sending it again cannot help.
        400..=499 => Failure::Refused { status, description },
        _ => Failure::Transient(format!("{status} {description}")),
    }
}

/// Telegram's answer to `method`, read and classified.
async fn read_answer<T: DeserializeOwned>(method: &str, response: reqwest::Response) -> Result<T, Failure> {
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(network)?;
    let answer: Answer<T> = match serde_json::from_slice(&body) {
        Ok(answer) => answer,
        // A proxy's HTML error page (a 502 from a load balancer), or an
        // answer without the fields asked for.
        Err(e) if status < 300 => return Err(Failure::Transient(format!("unreadable answer to {method}: {e}"))),
        Err(_) => {
            return Err(classify(status, format!("HTTP {status} (not a Bot API answer)"), Parameters::default()));
        }
    };
    match (answer.ok, answer.result) {
        (true, Some(result)) => Ok(result),
        (true, None) => Err(Failure::Transient(format!("{method} answered ok without a result"))),
        (false, _) => Err(classify(status, answer.description.unwrap_or_default(), answer.parameters)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_by_status_and_parameters() {
        let none = Parameters::default;
        let wait = Parameters { retry_after: Some(7), migrate_to_chat_id: None };
        assert_eq!(classify(429, "Too Many Requests".into(), wait), Failure::RetryAfter(Duration::from_secs(7)));
        let moved = Parameters { retry_after: None, migrate_to_chat_id: Some(-100_123) };
        assert_eq!(classify(400, "group chat was upgraded".into(), moved), Failure::Migrated(-100_123));
        for status in [400, 403, 404] {
            assert!(matches!(classify(status, "x".into(), none()), Failure::Refused { .. }), "{status}");
        }
        for status in [500, 502, 504] {
            assert!(matches!(classify(status, "x".into(), none()), Failure::Transient(_)), "{status}");
        }
        assert!(classify(401, "Unauthorized".into(), none()).is_bad_token());
        assert!(classify(404, "Not Found".into(), none()).is_bad_token());
        assert!(!classify(400, "chat not found".into(), none()).is_bad_token());
    }

    #[test]
    fn the_answers_read_only_what_the_bot_needs() {
        // An emulator's getMe without has_main_web_app, and a newer field.
        let me: Answer<Me> = serde_json::from_str(
            r#"{"ok":true,"result":{"id":7,"is_bot":true,"first_name":"B","username":"b_bot","new_field":1}}"#,
        )
        .unwrap();
        let me = me.result.unwrap();
        assert_eq!((me.id, me.username.as_deref(), me.can_read_all_group_messages), (7, Some("b_bot"), false));
        let chat: Answer<Chat> = serde_json::from_str(
            r#"{"ok":true,"result":{"id":-100,"type":"supergroup","title":"Help","is_forum":true}}"#,
        )
        .unwrap();
        assert!(chat.result.unwrap().is_forum);
    }
}
