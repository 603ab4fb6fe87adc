//! The fake's HTTP side and its state.

// The fake answers errors as ready HTTP responses; boxing them would only
// add noise to a test double.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::faults::{self, Fault};
use super::html::{telegram_len, visible_text};
use super::limits::{FloodLimits, Windows};

/// A Telegram user as the fake presents them in updates.
#[derive(Debug, Clone)]
pub struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl TgUser {
    pub fn new(id: i64, first_name: &str) -> Self {
        Self { id, first_name: first_name.into(), last_name: None, username: None, language_code: Some("en".into()) }
    }

    fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(l) = &self.last_name {
            v["last_name"] = json!(l);
        }
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        if let Some(l) = &self.language_code {
            v["language_code"] = json!(l);
        }
        v
    }
}

/// One HTTP call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    pub status: u16,
}

/// A message the bot got delivered (sent, copied).
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub message_id: i32,
    pub method: String,
    /// The text as the recipient sees it (HTML parsed), or the copied text.
    pub text: Option<String>,
    pub reply_to: Option<i32>,
    pub thread_id: Option<i32>,
    /// For copies: the source chat and message.
    pub copied_from: Option<(i64, i32)>,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    /// Updates Telegram still holds: not yet confirmed by an offset.
    pending: VecDeque<Value>,
    next_message_id: HashMap<i64, i32>,
    /// Every message in every chat, by (chat, id): for reply_to_message and copies.
    messages: HashMap<(i64, i32), Value>,
    calls: Vec<Call>,
    sent: Vec<Sent>,
    windows: Windows,
    limits: Option<FloodLimits>,
    /// Until then, every call answers 502.
    down_until: Option<Instant>,
    blocked_by: HashSet<i64>,
    /// (group, user) pairs with administrator rights.
    admins: HashSet<(i64, i64)>,
    /// (chat, user) pairs of people not in the chat: getChatMember says `left`.
    outsiders: HashSet<(i64, i64)>,
    /// Forum topics by (chat, thread id): name and whether closed. A topic
    /// deleted by a test is simply absent.
    topics: HashMap<(i64, i32), (String, bool)>,
    /// Command lists registered with setMyCommands, by scope type.
    commands: HashMap<String, Value>,
    /// Chats the bot can reach: users who wrote to it, and groups.
    chats: HashMap<i64, Value>,
    too_many_requests: u64,
    /// When the first getUpdates call arrived (start-up benchmarks).
    first_poll: Option<Instant>,
    /// getUpdates calls that found another one in flight (two pollers).
    poll_conflicts: u64,
    /// Failures injected by the test, first match wins.
    faults: Vec<Fault>,
    /// BotFather's privacy mode: the bot sees only commands and replies in
    /// groups (getMe's `can_read_all_group_messages` is false).
    privacy: bool,
    /// Answers getUpdates at once, ignoring `timeout` (some emulators do).
    ignore_poll_timeout: bool,
    /// Groups the bot was removed from: getChat and sends answer 403.
    kicked_from: HashSet<i64>,
    /// Groups upgraded to supergroups: old id to new. Sends and getChat to
    /// the old id answer 400 with `migrate_to_chat_id`.
    migrated: HashMap<i64, i64>,
    /// setWebhook's URL and secret token; getUpdates is refused while set.
    webhook: Option<(String, Option<String>)>,
    /// getUpdates calls being held open, and a counter that ends them.
    polls_in_flight: usize,
    poll_release: u64,
    /// Button presses not answered yet, by callback query id.
    presses: HashSet<String>,
    /// answerCallbackQuery calls taken: the query and the text shown.
    answered: Vec<(String, Option<String>)>,
    /// editMessageText and editMessageCaption calls taken, in order:
    /// chat, message, new text or caption.
    edits: Vec<(i64, i32, String)>,
    /// deleteMessage calls taken: chat and message.
    deleted: Vec<(i64, i32)>,
    /// Files uploaded (sendPhoto's photo), in order.
    uploads: Vec<Vec<u8>>,
}

struct Shared {
    token: String,
    inner: Mutex<Inner>,
    updates_arrived: Notify,
}

/// The running fake. Dropping it stops the server.
pub struct FakeTelegram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub const BOT_ID: i64 = 7_000_000_001;

impl FakeTelegram {
    /// Starts on 127.0.0.1 with an OS-chosen port and Telegram's flood
    /// limits (`None` switches them off).
    pub async fn start(token: &str, limits: Option<FloodLimits>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            token: token.to_string(),
            inner: Mutex::new(Inner { next_update_id: 100, limits, ..Inner::default() }),
            updates_arrived: Notify::new(),
        });
        let app =
            Router::new().route("/{bot}/{method}", axum::routing::post(handle).get(handle)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self { addr, shared, _stop: stop })
    }

    /// The base URL for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a group the bot is a member of (the support chat).
    pub fn add_group(&self, chat_id: i64, title: &str, is_forum: bool) {
        let chat = json!({"id": chat_id, "type": "supergroup", "title": title, "is_forum": is_forum});
        self.lock().chats.insert(chat_id, chat);
    }

    /// Registers a basic group (`"type": "group"`, which can become a
    /// supergroup).
    pub fn add_basic_group(&self, chat_id: i64, title: &str) {
        let chat = json!({"id": chat_id, "type": "group", "title": title});
        self.lock().chats.insert(chat_id, chat);
    }

    /// Telegram upgrades the group `old` to the supergroup `new`, as it
    /// does when an admin turns on a supergroup feature: the old id is
    /// refused from now on, and both chats get their service message
    /// (`migrate_to_chat_id` in the old, `migrate_from_chat_id` in the new),
    /// sent by `by`.
    pub fn upgrade_to_supergroup(&self, old: i64, new: i64, by: &TgUser) {
        let title = self.lock().chats.get(&old).and_then(|c| c["title"].as_str().map(str::to_string));
        let title = title.unwrap_or_else(|| "some group".into());
        let old_chat = json!({"id": old, "type": "group", "title": title});
        self.add_group(new, &title, false);
        self.lock().migrated.insert(old, new);
        self.push_message(old_chat, by, json!({"migrate_to_chat_id": new}), None);
        let new_chat = self.lock().chats[&new].clone();
        self.push_message(new_chat, by, json!({"migrate_from_chat_id": old}), None);
    }

    /// Anything in a group that is not a text: a service message (`content`
    /// such as `{"forum_topic_closed": {}}`), optionally in a topic.
    pub fn group_event(&self, chat_id: i64, from: &TgUser, thread: Option<i32>, content: Value) -> i32 {
        let chat =
            self.lock().chats.get(&chat_id).cloned().unwrap_or_else(|| json!({"id": chat_id, "type": "supergroup"}));
        let mut content = content;
        if let Some(thread) = thread {
            content["message_thread_id"] = json!(thread);
            content["is_topic_message"] = json!(true);
        }
        self.push_message(chat, from, content, None)
    }

    /// The chats the bot left (leaveChat), in order.
    pub fn left_chats(&self) -> Vec<i64> {
        let inner = self.lock();
        inner
            .calls
            .iter()
            .filter(|c| c.method == "leavechat" && c.status == 200)
            .filter_map(|c| c.params["chat_id"].as_i64())
            .collect()
    }

    /// A user writes `text` to the bot in private; returns the message id.
    pub fn user_sends(&self, user: &TgUser, text: &str) -> i32 {
        let chat = json!({"id": user.id, "type": "private", "first_name": user.first_name});
        self.push_message(chat, user, json!({"text": text}), None)
    }

    /// A user sends a photo with an optional caption.
    pub fn user_sends_photo(&self, user: &TgUser, caption: Option<&str>) -> i32 {
        let chat = json!({"id": user.id, "type": "private", "first_name": user.first_name});
        let mut content =
            json!({"photo": [{"file_id": "AgAD-photo", "file_unique_id": "u1", "width": 90, "height": 90}]});
        if let Some(c) = caption {
            content["caption"] = json!(c);
        }
        self.push_message(chat, user, content, None)
    }

    /// An admin writes anonymously (as the group): Telegram sends it from
    /// GroupAnonymousBot with `sender_chat` set to the group.
    pub fn anonymous_admin_message(&self, chat_id: i64, text: &str, reply_to: Option<i32>) -> i32 {
        let chat = self.lock().chats.get(&chat_id).cloned().unwrap_or(json!({"id": chat_id, "type": "supergroup"}));
        let mut bot = TgUser::new(1_087_968_824, "Group");
        bot.username = Some("GroupAnonymousBot".into());
        // `__anonymous` tells push_message to mark the sender as a bot.
        let content = json!({"text": text, "sender_chat": chat.clone(), "__anonymous": true});
        self.push_message(chat, &bot, content, reply_to)
    }

    /// A user sends an album of `count` photos (one update per member, as
    /// Telegram does); returns the members' message ids.
    pub fn user_sends_album(&self, user: &TgUser, count: usize, caption: &str) -> Vec<i32> {
        let chat = json!({"id": user.id, "type": "private", "first_name": user.first_name});
        let group = format!("album-{}-{}", user.id, unix_now());
        (0..count)
            .map(|i| {
                let mut content = json!({
                    "media_group_id": group,
                    "photo": [{"file_id": format!("photo-{i}"), "file_unique_id": format!("u{i}"), "width": 90, "height": 90}],
                });
                if i == 0 {
                    content["caption"] = json!(caption);
                }
                self.push_message(chat.clone(), user, content, None)
            })
            .collect()
    }

    /// Someone writes in a group, optionally replying to a message there.
    pub fn group_message(&self, chat_id: i64, from: &TgUser, text: &str, reply_to: Option<i32>) -> i32 {
        let chat = self
            .lock()
            .chats
            .get(&chat_id)
            .cloned()
            .unwrap_or_else(|| json!({"id": chat_id, "type": "supergroup", "title": "some group"}));
        self.push_message(chat, from, json!({"text": text}), reply_to)
    }

    /// Someone posts a photo with a caption in a group, optionally as a reply.
    pub fn group_photo(&self, chat_id: i64, from: &TgUser, caption: &str, reply_to: Option<i32>) -> i32 {
        let chat =
            self.lock().chats.get(&chat_id).cloned().unwrap_or_else(|| json!({"id": chat_id, "type": "supergroup"}));
        let content = json!({"caption": caption,
            "photo": [{"file_id": "AgAD-staff", "file_unique_id": "s1", "width": 90, "height": 90}]});
        self.push_message(chat, from, content, reply_to)
    }

    fn push_message(&self, chat: Value, from: &TgUser, content: Value, reply_to: Option<i32>) -> i32 {
        let mut inner = self.lock();
        let chat_id = chat["id"].as_i64().unwrap_or_default();
        inner.chats.entry(chat_id).or_insert_with(|| chat.clone());
        let message_id = next_message_id(&mut inner, chat_id);
        let mut message = json!({
            "message_id": message_id,
            "date": unix_now(),
            "chat": chat,
            "from": from.json(),
        });
        merge(&mut message, content);
        if message.get("__anonymous").is_some() {
            message.as_object_mut().map(|m| m.remove("__anonymous"));
            message["from"]["is_bot"] = json!(true);
        }
        if let Some(r) = reply_to {
            if let Some(original) = inner.messages.get(&(chat_id, r)) {
                message["reply_to_message"] = original.clone();
            }
        }
        inner.messages.insert((chat_id, message_id), message.clone());
        let update_id = inner.next_update_id;
        inner.next_update_id += 1;
        inner.pending.push_back(json!({"update_id": update_id, "message": message}));
        drop(inner);
        self.shared.updates_arrived.notify_waiters();
        message_id
    }

    /// The buttons under a message the bot sent: (text, callback data).
    pub fn buttons(&self, chat_id: i64, message_id: i32) -> Vec<(String, String)> {
        let inner = self.lock();
        let Some(message) = inner.messages.get(&(chat_id, message_id)) else { return Vec::new() };
        let rows = message["reply_markup"]["inline_keyboard"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
            .map(|b| {
                (b["text"].as_str().unwrap_or_default().into(), b["callback_data"].as_str().unwrap_or_default().into())
            })
            .collect()
    }

    /// The text a message reads now (after edits).
    pub fn text_of(&self, chat_id: i64, message_id: i32) -> Option<String> {
        self.lock().messages.get(&(chat_id, message_id)).and_then(|m| m["text"].as_str().map(str::to_string))
    }

    /// `user` presses a button with `data` under `message_id` in the chat
    /// `chat_id` (a callback query); returns the query's id.
    pub fn press(&self, user: &TgUser, chat_id: i64, message_id: i32, data: &str) -> String {
        let mut inner = self.lock();
        let id = format!("q{}", inner.next_update_id);
        inner.presses.insert(id.clone());
        let message = inner.messages.get(&(chat_id, message_id)).cloned().unwrap_or(Value::Null);
        drop(inner);
        self.push_update(json!({"callback_query": {
            "id": id, "from": user.json(), "message": message, "chat_instance": "ci", "data": data}}));
        id
    }

    /// answerCallbackQuery calls taken: query id and the text shown.
    pub fn answered(&self) -> Vec<(String, Option<String>)> {
        self.lock().answered.clone()
    }

    /// editMessageText calls taken in `chat_id`: message id and new text.
    pub fn edits(&self, chat_id: i64) -> Vec<(i32, String)> {
        self.lock().edits.iter().filter(|e| e.0 == chat_id).map(|e| (e.1, e.2.clone())).collect()
    }

    /// Gives the next updates ids above `handled`, as Telegram goes on from
    /// where a bot left off: a bot started again on a database that kept
    /// earlier updates would take a fresh fake's ids as handled already.
    pub fn continue_update_ids_after(&self, handled: i64) {
        let mut inner = self.lock();
        inner.next_update_id = inner.next_update_id.max(handled + 1);
    }

    /// Pushes an arbitrary update (its `update_id` is assigned here).
    pub fn push_update(&self, mut update: Value) -> i64 {
        let mut inner = self.lock();
        let update_id = inner.next_update_id;
        inner.next_update_id += 1;
        update["update_id"] = json!(update_id);
        inner.pending.push_back(update);
        drop(inner);
        self.shared.updates_arrived.notify_waiters();
        update_id
    }

    /// Telegram delivers an update it already delivered (it may).
    pub fn redeliver(&self, update: Value) {
        self.lock().pending.push_front(update);
        self.shared.updates_arrived.notify_waiters();
    }

    /// Ends every held-open getUpdates call now (empty), and waits until none
    /// is left: a stopped bot's last long poll cannot then confirm anything
    /// pushed afterwards.
    pub async fn release_polls(&self) {
        self.lock().poll_release += 1;
        self.shared.updates_arrived.notify_waiters();
        while self.lock().polls_in_flight > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Updates not yet confirmed by the bot.
    pub fn unconfirmed(&self) -> Vec<Value> {
        self.lock().pending.iter().cloned().collect()
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Every message delivered to `chat_id`, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.lock().sent.iter().filter(|s| s.chat_id == chat_id).cloned().collect()
    }

    pub fn all_sent(&self) -> Vec<Sent> {
        self.lock().sent.clone()
    }

    /// 429 answers given so far.
    pub fn too_many_requests(&self) -> u64 {
        self.lock().too_many_requests
    }

    /// Makes calls fail or answer late, as `fault` says.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Forgets every injected fault.
    pub fn heal(&self) {
        self.lock().faults.clear();
    }

    /// BotFather's privacy mode on (or off, the fake's default).
    pub fn set_privacy(&self, on: bool) {
        self.lock().privacy = on;
    }

    /// getUpdates answers at once even when there is nothing new.
    pub fn ignore_poll_timeout(&self) {
        self.lock().ignore_poll_timeout = true;
    }

    /// Someone removes the bot from a group.
    pub fn kick_bot(&self, chat_id: i64) {
        self.lock().kicked_from.insert(chat_id);
    }

    /// getUpdates calls so far.
    pub fn poll_count(&self) -> usize {
        self.lock().calls.iter().filter(|c| c.method == "getupdates").count()
    }

    /// Answers 502 to every call for `span`.
    pub fn go_down_for(&self, span: Duration) {
        self.lock().down_until = Some(Instant::now() + span);
    }

    /// A user edits a message they sent to the bot.
    pub fn user_edits(&self, user: &TgUser, message_id: i32, text: &str) {
        self.edit_message(user.id, message_id, text);
    }

    /// Someone edits their message in a group (or a topic) to read `text`.
    pub fn group_edits(&self, chat_id: i64, message_id: i32, text: &str) {
        self.edit_message(chat_id, message_id, text);
    }

    /// A message edited to read `text` (its caption, if it has one), and
    /// the `edited_message` update Telegram sends for it.
    fn edit_message(&self, chat_id: i64, message_id: i32, text: &str) {
        let mut inner = self.lock();
        let Some(message) = inner.messages.get_mut(&(chat_id, message_id)) else { return };
        if message.get("caption").is_some() {
            message["caption"] = json!(text);
        } else {
            message["text"] = json!(text);
        }
        message["edit_date"] = json!(unix_now());
        let edited = message.clone();
        let update_id = inner.next_update_id;
        inner.next_update_id += 1;
        inner.pending.push_back(json!({"update_id": update_id, "edited_message": edited}));
        drop(inner);
        self.shared.updates_arrived.notify_waiters();
    }

    /// The files uploaded so far (sendPhoto's photos), in order.
    pub fn uploads(&self) -> Vec<Vec<u8>> {
        self.lock().uploads.clone()
    }

    /// deleteMessage calls taken in `chat_id`: the messages deleted.
    pub fn deleted(&self, chat_id: i64) -> Vec<i32> {
        self.lock().deleted.iter().filter(|d| d.0 == chat_id).map(|d| d.1).collect()
    }

    /// Someone writes in a forum topic of a group.
    pub fn topic_message(&self, chat_id: i64, thread: i32, from: &TgUser, text: &str) -> i32 {
        let chat = self.lock().chats.get(&chat_id).cloned().unwrap_or(json!({"id": chat_id, "type": "supergroup"}));
        let content = json!({"text": text, "message_thread_id": thread, "is_topic_message": true});
        self.push_message(chat, from, content, Some(thread))
    }

    /// Topics of a forum group: (thread id, name, closed), by thread id.
    pub fn topics(&self, chat_id: i64) -> Vec<(i32, String, bool)> {
        let mut topics: Vec<_> = self
            .lock()
            .topics
            .iter()
            .filter(|((c, _), _)| *c == chat_id)
            .map(|((_, t), (name, closed))| (*t, name.clone(), *closed))
            .collect();
        topics.sort();
        topics
    }

    /// A staff member deletes a topic (and everything in it).
    pub fn delete_topic(&self, chat_id: i64, thread: i32) {
        self.lock().topics.remove(&(chat_id, thread));
    }

    /// Gives `user` administrator rights in `chat` (getChatMember says so).
    pub fn make_admin(&self, chat: i64, user: i64) {
        self.lock().admins.insert((chat, user));
    }

    /// `user` is not in `chat` (getChatMember says `left`); everyone else is.
    pub fn make_outsider(&self, chat: i64, user: i64) {
        self.lock().outsiders.insert((chat, user));
    }

    /// The command list registered for a scope ("all_private_chats", "chat", …).
    pub fn commands(&self, scope: &str) -> Option<Value> {
        self.lock().commands.get(scope).cloned()
    }

    /// The user blocks the bot: sends to them answer 403.
    pub fn block_bot(&self, user_id: i64) {
        self.lock().blocked_by.insert(user_id);
    }

    /// When the bot first called getUpdates.
    pub fn first_poll(&self) -> Option<Instant> {
        self.lock().first_poll
    }

    /// How many messages have been delivered in all.
    pub fn sent_count(&self) -> usize {
        self.lock().sent.len()
    }

    /// Delivered messages from the `from`-th on (cheap polling of a long run).
    pub fn sent_since(&self, from: usize) -> Vec<Sent> {
        self.lock().sent.get(from..).map(<[Sent]>::to_vec).unwrap_or_default()
    }

    /// getUpdates calls refused because another was in flight.
    pub fn poll_conflicts(&self) -> u64 {
        self.lock().poll_conflicts
    }

    /// Posts one update to `url` with this secret header, as Telegram
    /// posts to a webhook; the HTTP status.
    pub async fn post_update_to(url: &str, secret: Option<&str>, update: &Value) -> u16 {
        post_json(url, secret, update).await.unwrap_or(0)
    }

    /// The webhook set by the bot: (URL, secret token).
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.lock().webhook.clone()
    }

    /// Posts every waiting update to the webhook with the registered secret,
    /// as Telegram does; an update answered 200 is delivered, any other
    /// answer leaves it waiting. Returns the HTTP status of each post.
    pub async fn post_to_webhook(&self) -> Vec<u16> {
        let registered = self.lock().webhook.clone().and_then(|(_, secret)| secret);
        self.post_to_webhook_with(registered.as_deref()).await
    }

    /// The same with this secret header (`None`: no header at all), as a
    /// stranger who found the URL would.
    pub async fn post_to_webhook_with(&self, secret: Option<&str>) -> Vec<u16> {
        let (url, updates) = {
            let inner = self.lock();
            let Some((url, _)) = inner.webhook.clone() else { return Vec::new() };
            (url, inner.pending.iter().cloned().collect::<Vec<_>>())
        };
        let mut statuses = Vec::new();
        for update in updates {
            let status = post_json(&url, secret, &update).await.unwrap_or(0);
            if status == 200 {
                let id = update["update_id"].as_i64();
                self.lock().pending.retain(|u| u["update_id"].as_i64() != id);
            }
            statuses.push(status);
        }
        statuses
    }

    /// The user unblocks the bot.
    pub fn unblock_bot(&self, user_id: i64) {
        self.lock().blocked_by.remove(&user_id);
    }

    /// Waits until `pred` holds for the delivered messages, or panics after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, what: &str, pred: impl Fn(&[Sent]) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(&self.lock().sent) {
                return;
            }
            if Instant::now() >= deadline {
                let sent = self.all_sent();
                panic!("timed out after {timeout:?} waiting for {what}; delivered so far: {sent:#?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The text fields of a multipart/form-data body; a field that holds JSON
/// (an array, an object, a boolean) is read as JSON, an id as a number.
fn multipart_fields(body: &str, boundary: &str) -> Value {
    let mut fields = serde_json::Map::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else { continue };
        let Some(name) = head.split("name=\"").nth(1).and_then(|n| n.split('"').next()) else { continue };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed = match value.chars().next() {
            Some('[' | '{') | Some('t' | 'f') if serde_json::from_str::<Value>(value).is_ok() => {
                serde_json::from_str(value).unwrap_or(Value::Null)
            }
            // Ids come as text in a form; Telegram reads them as numbers.
            _ if name.ends_with("_id") && value.parse::<i64>().is_ok() => json!(value.parse::<i64>().unwrap_or(0)),
            _ => Value::String(value.to_string()),
        };
        fields.insert(name.to_string(), parsed);
    }
    Value::Object(fields)
}

/// The bytes of the multipart part named `name`, as uploaded.
fn uploaded_file(body: &[u8], boundary: &str, name: &str) -> Option<Vec<u8>> {
    let marker = format!("name=\"{name}\"");
    let at = body.windows(marker.len()).position(|w| w == marker.as_bytes())?;
    let start = at + body[at..].windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let end_marker = format!("\r\n--{boundary}");
    let len = body[start..].windows(end_marker.len()).position(|w| w == end_marker.as_bytes())?;
    Some(body[start..start + len].to_vec())
}

/// A bare HTTP/1.1 POST of JSON to an http:// URL; the answer's status.
async fn post_json(url: &str, secret: Option<&str>, body: &Value) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let parsed = url::Url::parse(url).map_err(std::io::Error::other)?;
    let host = parsed.host_str().unwrap_or("127.0.0.1");
    let port = parsed.port_or_known_default().unwrap_or(80);
    let mut stream = tokio::net::TcpStream::connect((host, port)).await?;
    let body = body.to_string();
    let header = secret.map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n")).unwrap_or_default();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{header}Connection: close\r\n\r\n{body}",
        parsed.path(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    Ok(answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0))
}

fn next_message_id(inner: &mut Inner, chat_id: i64) -> i32 {
    let id = inner.next_message_id.entry(chat_id).or_insert(1);
    let current = *id;
    *id += 1;
    current
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        t.extend(e);
    }
}

fn ok(result: Value) -> Response {
    (StatusCode::OK, axum::Json(json!({"ok": true, "result": result}))).into_response()
}

fn error(code: u16, description: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(json!({"ok": false, "error_code": code, "description": description}))).into_response()
}

/// Telegram's answer for a group that became a supergroup.
fn migrated(new: i64) -> Response {
    let body = json!({"ok": false, "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new}});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn bad_request(description: &str) -> Response {
    error(400, &format!("Bad Request: {description}"))
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return error(401, "Unauthorized");
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let params: Value = if body.is_empty() {
        json!({})
    } else if let Some(boundary) = content_type.split("boundary=").nth(1) {
        // Methods that may upload a file (setWebhook, sendPhoto) come as
        // multipart; an uploaded photo is kept as it came.
        let boundary = boundary.trim_matches('"');
        let mut fields = multipart_fields(&String::from_utf8_lossy(&body), boundary);
        for part in ["photo", "document"] {
            if let Some(file) = uploaded_file(&body, boundary, part) {
                fields[part] = json!({"uploaded_bytes": file.len()});
                shared.inner.lock().unwrap_or_else(|p| p.into_inner()).uploads.push(file);
            }
        }
        fields
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return bad_request("the request body is not JSON"),
        }
    };
    let method = method.to_ascii_lowercase();
    let hit = faults::hit(&mut shared.inner.lock().unwrap_or_else(|p| p.into_inner()).faults, &method, &params);
    if let Some(hit) = hit {
        tokio::time::sleep(hit.delay).await;
        if let Some((status, description)) = hit.answer {
            shared.inner.lock().unwrap_or_else(|p| p.into_inner()).calls.push(Call { method, params, status });
            return error(status, &description);
        }
    }
    if method == "getupdates" {
        return get_updates(&shared, &params).await;
    }
    let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
    let response = if inner.down_until.is_some_and(|t| Instant::now() < t) {
        error(502, "Bad Gateway")
    } else {
        call(&mut inner, &method, &params)
    };
    let status = response.status().as_u16();
    if status == 429 {
        inner.too_many_requests += 1;
    }
    inner.calls.push(Call { method, params, status });
    response
}

async fn get_updates(shared: &Shared, params: &Value) -> Response {
    let offset = params["offset"].as_i64();
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(50));
    let deadline = Instant::now() + timeout;
    let release = {
        let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.first_poll.get_or_insert_with(Instant::now);
        // Telegram refuses a second poller while one waits.
        if inner.polls_in_flight > 0 {
            inner.poll_conflicts += 1;
            inner.calls.push(Call { method: "getupdates".into(), params: params.clone(), status: 409 });
            return error(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            );
        }
        inner.polls_in_flight += 1;
        inner.poll_release
    };
    // Counted down on drop: the server drops this future when the client
    // hangs up mid-poll.
    struct InFlight<'a>(&'a Shared);
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.inner.lock().unwrap_or_else(|p| p.into_inner()).polls_in_flight -= 1;
        }
    }
    let _in_flight = InFlight(shared);
    hold_poll(shared, params, offset, limit, deadline, release).await
}

async fn hold_poll(
    shared: &Shared,
    params: &Value,
    offset: Option<i64>,
    limit: usize,
    deadline: Instant,
    release: u64,
) -> Response {
    loop {
        let arrived = shared.updates_arrived.notified();
        {
            let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
            if inner.down_until.is_some_and(|t| Instant::now() < t) {
                inner.calls.push(Call { method: "getupdates".into(), params: params.clone(), status: 502 });
                return error(502, "Bad Gateway");
            }
            if inner.webhook.is_some() {
                inner.calls.push(Call { method: "getupdates".into(), params: params.clone(), status: 409 });
                return error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                );
            }
            // Telegram forgets what the offset confirms, and only that.
            if let Some(offset) = offset {
                inner.pending.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            }
            let batch: Vec<Value> = inner.pending.iter().take(limit).cloned().collect();
            let early = inner.ignore_poll_timeout || inner.poll_release != release;
            if !batch.is_empty() || Instant::now() >= deadline || early {
                inner.calls.push(Call { method: "getupdates".into(), params: params.clone(), status: 200 });
                return ok(Value::Array(batch));
            }
        }
        let _ = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), arrived).await;
    }
}

fn call(inner: &mut Inner, method: &str, p: &Value) -> Response {
    match method {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Ticketbot", "username": "ticketbot_test_bot",
            "can_join_groups": true, "can_read_all_group_messages": !inner.privacy, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            let url = inner.webhook.as_ref().map(|(u, _)| u.clone()).unwrap_or_default();
            ok(json!({"url": url, "has_custom_certificate": false, "pending_update_count": inner.pending.len()}))
        }
        "deletewebhook" => {
            inner.webhook = None;
            ok(json!(true))
        }
        "setwebhook" => {
            let url = p["url"].as_str().unwrap_or_default().to_string();
            let secret = p["secret_token"].as_str().map(str::to_string);
            if secret.as_deref().is_some_and(|s| {
                s.is_empty() || s.len() > 256 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }) {
                return bad_request("secret token contains unallowed characters");
            }
            inner.webhook = (!url.is_empty()).then_some((url, secret));
            ok(json!(true))
        }
        "setmycommands" => {
            let scope = p["scope"]["type"].as_str().unwrap_or("default").to_string();
            // A menu for one language is its own: `all_private_chats:ru`.
            let key = match p["language_code"].as_str().filter(|l| !l.is_empty()) {
                Some(l) if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) => {
                    return bad_request("language code is invalid");
                }
                Some(l) => format!("{scope}:{l}"),
                None => scope,
            };
            inner.commands.insert(key, p["commands"].clone());
            ok(json!(true))
        }
        "getchat" if p["chat_id"].as_i64().is_some_and(|c| inner.migrated.contains_key(&c)) => {
            migrated(inner.migrated[&p["chat_id"].as_i64().unwrap_or_default()])
        }
        "leavechat" => {
            let chat = p["chat_id"].as_i64().unwrap_or_default();
            if inner.chats.remove(&chat).is_none() {
                return bad_request("chat not found");
            }
            ok(json!(true))
        }
        "getchat" if p["chat_id"].as_i64().is_some_and(|c| inner.kicked_from.contains(&c)) => {
            error(403, "Forbidden: bot was kicked from the supergroup chat")
        }
        "getchat" => {
            let Some(chat) = p["chat_id"].as_i64().and_then(|c| inner.chats.get(&c).cloned()) else {
                return bad_request("chat not found");
            };
            let mut full = chat.clone();
            full["accent_color_id"] = json!(0);
            full["max_reaction_count"] = json!(11);
            full["accepted_gift_types"] = json!({"unlimited_gifts": false, "limited_gifts": false,
                "unique_gifts": false, "premium_subscription": false});
            ok(full)
        }
        "createforumtopic" => {
            let (Some(chat), Some(name)) = (p["chat_id"].as_i64(), p["name"].as_str()) else {
                return bad_request("chat_id and name are required");
            };
            let is_forum = inner.chats.get(&chat).is_some_and(|c| c["is_forum"].as_bool() == Some(true));
            if !is_forum {
                return bad_request("the chat is not a forum");
            }
            if name.is_empty() || name.chars().count() > 128 {
                return bad_request("TOPIC_NAME_INVALID");
            }
            if let Err(r) = admit(inner, chat) {
                return r;
            }
            // A topic's id is the id of its creation message.
            let thread = next_message_id(inner, chat);
            let created = json!({"message_id": thread, "date": unix_now(), "chat": inner.chats[&chat].clone(),
                "message_thread_id": thread, "is_topic_message": true,
                "forum_topic_created": {"name": name, "icon_color": 7322096}});
            inner.messages.insert((chat, thread), created);
            inner.topics.insert((chat, thread), (name.to_string(), false));
            ok(json!({"message_thread_id": thread, "name": name, "icon_color": 7322096}))
        }
        "deleteforumtopic" => {
            let (Some(chat), Some(thread)) = (p["chat_id"].as_i64(), p["message_thread_id"].as_i64()) else {
                return bad_request("chat_id and message_thread_id are required");
            };
            match inner.topics.remove(&(chat, thread as i32)) {
                None => bad_request("message thread not found"),
                Some(_) => ok(json!(true)),
            }
        }
        m @ ("closeforumtopic" | "reopenforumtopic") => {
            let (Some(chat), Some(thread)) = (p["chat_id"].as_i64(), p["message_thread_id"].as_i64()) else {
                return bad_request("chat_id and message_thread_id are required");
            };
            match inner.topics.get_mut(&(chat, thread as i32)) {
                None => bad_request("message thread not found"),
                Some((_, closed)) => {
                    let close = m == "closeforumtopic";
                    if *closed == close {
                        return bad_request(if close { "TOPIC_CLOSED" } else { "TOPIC_NOT_MODIFIED" });
                    }
                    *closed = close;
                    ok(json!(true))
                }
            }
        }
        "getchatmember" => {
            let (Some(chat), Some(user)) = (p["chat_id"].as_i64(), p["user_id"].as_i64()) else {
                return bad_request("chat_id and user_id are required");
            };
            let user_json = json!({"id": user, "is_bot": false, "first_name": format!("user {user}")});
            if inner.admins.contains(&(chat, user)) {
                ok(json!({"status": "administrator", "user": user_json, "can_be_edited": false, "is_anonymous": false,
                    "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": true,
                    "can_restrict_members": true, "can_promote_members": false, "can_change_info": true,
                    "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
                    "can_delete_stories": false, "can_pin_messages": true, "can_manage_topics": true}))
            } else if inner.outsiders.contains(&(chat, user)) {
                ok(json!({"status": "left", "user": user_json}))
            } else {
                ok(json!({"status": "member", "user": user_json}))
            }
        }
        "answercallbackquery" => {
            let id = p["callback_query_id"].as_str().unwrap_or_default();
            if !inner.presses.remove(id) {
                return bad_request("query is too old and response timeout expired or query ID is invalid");
            }
            if p["text"].as_str().is_some_and(|t| t.chars().count() > 200) {
                return bad_request("MESSAGE_TOO_LONG");
            }
            inner.answered.push((id.to_string(), p["text"].as_str().map(str::to_string)));
            ok(json!(true))
        }
        "editmessagetext" => bot_edits(inner, p, false),
        "editmessagecaption" => bot_edits(inner, p, true),
        "deletemessage" => {
            let (Some(chat), Some(id)) = (p["chat_id"].as_i64(), p["message_id"].as_i64()) else {
                return bad_request("chat_id and message_id are required");
            };
            let Some(message) = inner.messages.get(&(chat, id as i32)) else {
                return bad_request("message to delete not found");
            };
            let age = unix_now() - message["date"].as_i64().unwrap_or_default();
            if message["from"]["id"].as_i64() != Some(BOT_ID) || age > 48 * 3600 {
                return bad_request("message can't be deleted for everyone");
            }
            inner.messages.remove(&(chat, id as i32));
            inner.deleted.push((chat, id as i32));
            ok(json!(true))
        }
        "sendphoto" => {
            let Some(chat_id) = p["chat_id"].as_i64() else { return bad_request("chat_id is required") };
            let uploaded = p["photo"]["uploaded_bytes"].as_u64().unwrap_or(0);
            let is_png = inner.uploads.last().is_some_and(|f| f.starts_with(b"\x89PNG\r\n\x1a\n"));
            if uploaded == 0 || !is_png {
                return bad_request("IMAGE_PROCESS_FAILED");
            }
            if uploaded > 10 * 1024 * 1024 {
                return bad_request("PHOTO_TOO_BIG");
            }
            deliver_upload(inner, "sendphoto", chat_id, p)
        }
        "senddocument" => {
            let Some(chat_id) = p["chat_id"].as_i64() else { return bad_request("chat_id is required") };
            let uploaded = p["document"]["uploaded_bytes"].as_u64().unwrap_or(0);
            if uploaded == 0 {
                return bad_request("file must be non-empty");
            }
            if uploaded > 50 * 1024 * 1024 {
                return error(413, "Request Entity Too Large");
            }
            deliver_upload(inner, "senddocument", chat_id, p)
        }
        "sendmessage" => send_message(inner, p),
        "copymessage" => copy_message(inner, p),
        "copymessages" => copy_messages(inner, p),
        other => bad_request(&format!("method {other} is not implemented by the fake")),
    }
}

/// An uploaded file (a photo, a document) accepted: its caption checked as
/// a caption, then delivered like any message.
fn deliver_upload(inner: &mut Inner, method: &str, chat_id: i64, p: &Value) -> Response {
    let caption = match p["caption"].as_str() {
        Some(c) => match check_text(c, p["parse_mode"].as_str(), 1024, "message caption") {
            Ok(v) => Some(v),
            Err(r) => return r,
        },
        None => None,
    };
    if let Err(r) = check_thread(inner, chat_id, p).and_then(|()| admit(inner, chat_id)) {
        return r;
    }
    let (_, message) = deliver(inner, method, chat_id, p, caption, None);
    ok(message)
}

/// Checks the destination and the flood limits, as Telegram does before
/// accepting a message.
fn admit(inner: &mut Inner, chat_id: i64) -> Result<(), Response> {
    if let Some(new) = inner.migrated.get(&chat_id) {
        return Err(migrated(*new));
    }
    if !inner.chats.contains_key(&chat_id) {
        return Err(bad_request("chat not found"));
    }
    if inner.blocked_by.contains(&chat_id) {
        return Err(error(403, "Forbidden: bot was blocked by the user"));
    }
    if inner.kicked_from.contains(&chat_id) {
        return Err(error(403, "Forbidden: bot was kicked from the supergroup chat"));
    }
    if let Some(limits) = inner.limits {
        if let Err(retry_after) = inner.windows.admit(&limits, chat_id, Instant::now()) {
            let body = json!({
                "ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after}
            });
            return Err((StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response());
        }
    }
    Ok(())
}

/// A message for a topic that no longer exists is refused, as Telegram does.
fn check_thread(inner: &Inner, chat_id: i64, p: &Value) -> Result<(), Response> {
    match p["message_thread_id"].as_i64() {
        Some(thread) if !inner.topics.contains_key(&(chat_id, thread as i32)) => {
            Err(bad_request("message thread not found"))
        }
        _ => Ok(()),
    }
}

fn check_text(text: &str, parse_mode: Option<&str>, max: usize, what: &str) -> Result<String, Response> {
    let visible = match parse_mode {
        Some(m) if m.eq_ignore_ascii_case("html") => {
            visible_text(text).map_err(|e| bad_request(&format!("can't parse entities: {e}")))?
        }
        _ => text.to_string(),
    };
    if telegram_len(&visible) > max {
        return Err(bad_request(&format!("{what} is too long")));
    }
    Ok(visible)
}

fn deliver(
    inner: &mut Inner,
    method: &str,
    chat_id: i64,
    p: &Value,
    text: Option<String>,
    copied_from: Option<(i64, i32)>,
) -> (i32, Value) {
    let message_id = next_message_id(inner, chat_id);
    let chat = inner.chats.get(&chat_id).cloned().unwrap_or(json!({"id": chat_id, "type": "private"}));
    let reply_to = p["reply_parameters"]["message_id"].as_i64().or(p["reply_to_message_id"].as_i64()).map(|v| v as i32);
    let thread_id = p["message_thread_id"].as_i64().map(|v| v as i32);
    let mut message = json!({
        "message_id": message_id,
        "date": unix_now(),
        "chat": chat,
        "from": {"id": BOT_ID, "is_bot": true, "first_name": "Ticketbot", "username": "ticketbot_test_bot"},
    });
    if let Some(t) = &text {
        message["text"] = json!(t);
    }
    if let Some(t) = thread_id {
        message["message_thread_id"] = json!(t);
    }
    if p["reply_markup"].is_object() {
        message["reply_markup"] = p["reply_markup"].clone();
    }
    inner.messages.insert((chat_id, message_id), message.clone());
    inner.sent.push(Sent {
        chat_id,
        message_id,
        method: method.to_string(),
        text,
        reply_to,
        thread_id,
        copied_from,
        at: Instant::now(),
    });
    (message_id, message)
}

fn send_message(inner: &mut Inner, p: &Value) -> Response {
    let Some(chat_id) = p["chat_id"].as_i64() else {
        return bad_request("chat_id is required");
    };
    let text = p["text"].as_str().unwrap_or_default();
    if text.trim().is_empty() {
        return bad_request("message text is empty");
    }
    let visible = match check_text(text, p["parse_mode"].as_str(), 4096, "message") {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = check_thread(inner, chat_id, p).and_then(|()| check_keyboard(p)) {
        return r;
    }
    if let Err(r) = admit(inner, chat_id) {
        return r;
    }
    let (_, message) = deliver(inner, "sendmessage", chat_id, p, Some(visible), None);
    ok(message)
}

/// Buttons as Telegram checks them: rows of buttons, each with a text and
/// at most 64 bytes of callback data.
fn check_keyboard(p: &Value) -> Result<(), Response> {
    let Some(markup) = p.get("reply_markup") else { return Ok(()) };
    let rows = markup["inline_keyboard"].as_array().ok_or_else(|| bad_request("can't parse reply keyboard markup"))?;
    for button in rows.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
        let data = button["callback_data"].as_str().unwrap_or_default();
        if button["text"].as_str().is_none_or(str::is_empty) || data.is_empty() || data.len() > 64 {
            return Err(bad_request("BUTTON_DATA_INVALID"));
        }
    }
    Ok(())
}

/// editMessageText, or with `caption` editMessageCaption (copies keep a
/// caption as their text here), as Telegram checks them.
fn bot_edits(inner: &mut Inner, p: &Value, caption: bool) -> Response {
    let (Some(chat_id), Some(message_id)) = (p["chat_id"].as_i64(), p["message_id"].as_i64()) else {
        return bad_request("chat_id and message_id are required");
    };
    let (field, limit, what) = if caption { ("caption", 1024, "message caption") } else { ("text", 4096, "message") };
    let text = p[field].as_str().unwrap_or_default();
    if !caption && text.trim().is_empty() {
        return bad_request("message text is empty");
    }
    let visible = match check_text(text, p["parse_mode"].as_str(), limit, what) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = check_keyboard(p) {
        return r;
    }
    let Some(message) = inner.messages.get_mut(&(chat_id, message_id as i32)) else {
        return bad_request("message to edit not found");
    };
    if message["from"]["id"].as_i64() != Some(BOT_ID) {
        return bad_request("message can't be edited");
    }
    let markup = p.get("reply_markup").cloned().unwrap_or(Value::Null);
    if message["text"].as_str() == Some(visible.as_str()) && message["reply_markup"] == markup {
        return bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a \
             current content and reply markup of the message",
        );
    }
    message["text"] = json!(visible);
    message["reply_markup"] = markup;
    let edited = message.clone();
    inner.edits.push((chat_id, message_id as i32, visible));
    ok(edited)
}

fn copy_message(inner: &mut Inner, p: &Value) -> Response {
    let (Some(chat_id), Some(from), Some(id)) =
        (p["chat_id"].as_i64(), p["from_chat_id"].as_i64(), p["message_id"].as_i64())
    else {
        return bad_request("chat_id, from_chat_id and message_id are required");
    };
    let Some(original) = inner.messages.get(&(from, id as i32)).cloned() else {
        return bad_request("message to copy not found");
    };
    let mut text = original["text"].as_str().or(original["caption"].as_str()).map(str::to_string);
    if let Some(caption) = p["caption"].as_str() {
        match check_text(caption, p["parse_mode"].as_str(), 1024, "message caption") {
            Ok(v) => text = Some(v),
            Err(r) => return r,
        }
    }
    if let Err(r) = check_thread(inner, chat_id, p) {
        return r;
    }
    if let Err(r) = admit(inner, chat_id) {
        return r;
    }
    let (message_id, _) = deliver(inner, "copymessage", chat_id, p, text, Some((from, id as i32)));
    ok(json!({"message_id": message_id}))
}

fn copy_messages(inner: &mut Inner, p: &Value) -> Response {
    let (Some(chat_id), Some(from), Some(ids)) =
        (p["chat_id"].as_i64(), p["from_chat_id"].as_i64(), p["message_ids"].as_array())
    else {
        return bad_request("chat_id, from_chat_id and message_ids are required");
    };
    let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
    if ids.is_empty() || ids.len() > 100 || ids.windows(2).any(|w| w[0] >= w[1]) {
        return bad_request("message identifiers must be 1 to 100, in strictly increasing order");
    }
    if let Err(r) = check_thread(inner, chat_id, p) {
        return r;
    }
    // One call, one flood-limit unit per message, as for separate sends.
    for _ in &ids {
        if let Err(r) = admit(inner, chat_id) {
            return r;
        }
    }
    let mut result = Vec::new();
    for id in ids {
        let Some(original) = inner.messages.get(&(from, id as i32)).cloned() else {
            return bad_request("message to copy not found");
        };
        let text = original["text"].as_str().or(original["caption"].as_str()).map(str::to_string);
        let (message_id, _) = deliver(inner, "copymessages", chat_id, p, text, Some((from, id as i32)));
        result.push(json!({"message_id": message_id}));
    }
    ok(Value::Array(result))
}
