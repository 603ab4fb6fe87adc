//! One request to the Bot API per outbox message, and what Telegram's
//! answer means for the row: sent, wait (429), try again later, or refused
//! for good.

use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};

use super::lock;
use super::message::{Button, Outbound};
use super::worker::DeliveryWorker;
use crate::telegram::api::{CALL_TIMEOUT, Failure, Sent, Topic};

/// How recent a message Telegram took must be for it to count as up.
const TAKING_WINDOW: Duration = Duration::from_secs(60);

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Sent(i32),
    /// Telegram's flood control: wait this long before writing to the chat.
    Wait(Duration),
    /// Worth trying again later (network, 5xx, an unreadable answer).
    Transient(String),
    /// Telegram refused it for good (400, 403, 404): its status and reason.
    Refused {
        status: u16,
        reason: String,
    },
    /// Not sent: the flood limits want this chat to wait (nothing to record).
    Paced,
    /// Not sent: the support chat has a new id (a group upgraded to a
    /// supergroup); its waiting rows now go there, this one too.
    Moved,
}

impl Verdict {
    /// What Telegram's answer means for the row.
    pub(super) fn of(failure: Failure) -> Self {
        match failure {
            Failure::RetryAfter(after) => Verdict::Wait(after),
            Failure::Refused { status, description } => Verdict::Refused { status, reason: description },
            // Only the support chat is followed (`DeliveryWorker::verdict_of`).
            Failure::Migrated(chat) => {
                Verdict::Refused { status: 400, reason: format!("the group moved to chat {chat}") }
            }
            Failure::Transient(reason) => Verdict::Transient(reason),
        }
    }

    /// Refused before Telegram was asked: what the message needs is gone.
    pub(super) fn not_asked(reason: &str) -> Self {
        Verdict::Refused { status: 0, reason: reason.into() }
    }

    /// Refused because the ticket's forum topic is gone (staff deleted it).
    pub(super) fn is_lost_topic(&self) -> bool {
        matches!(self, Verdict::Refused { status: 400, reason } if reason.contains("message thread not found"))
    }
}

impl DeliveryWorker {
    /// Sends one message, if the flood limits have room for it now.
    pub(super) async fn send(
        &self,
        chat_id: i64,
        message: &Outbound,
        reply_to: Option<i32>,
        thread: Option<i32>,
    ) -> Verdict {
        // Closing or reopening a topic that was never made: nothing to do.
        if matches!(message, Outbound::CloseTopic | Outbound::ReopenTopic) && thread.is_none() {
            return Verdict::Sent(0);
        }
        if !self.limits.reserve(chat_id, 1) {
            return Verdict::Paced;
        }
        let mut params = json!({ "chat_id": chat_id });
        if let Some(id) = reply_to {
            params["reply_parameters"] = json!({ "message_id": id, "allow_sending_without_reply": true });
        }
        if let Some(thread) = thread {
            params["message_thread_id"] = thread.into();
        }
        let result = match message {
            Outbound::Text { html, .. } => {
                params["text"] = html.as_str().into();
                params["parse_mode"] = "HTML".into();
                params["link_preview_options"] = json!({ "is_disabled": true });
                self.api.call::<Sent>("sendMessage", &params, CALL_TIMEOUT).await.map(|m| m.message_id)
            }
            Outbound::Copy { from_chat_id, message_id, .. } => {
                params["from_chat_id"] = (*from_chat_id).into();
                params["message_id"] = (*message_id).into();
                self.api.call::<Sent>("copyMessage", &params, CALL_TIMEOUT).await.map(|m| m.message_id)
            }
            Outbound::CreateTopic { name } => self.create_topic(chat_id, name).await,
            // Never the support chat, whatever the row says (a move
            // readdressed it, say).
            Outbound::LeaveChat if chat_id == self.support.id() => {
                tracing::warn!(chat = chat_id, "outbox: not leaving the support chat");
                Ok(0)
            }
            Outbound::LeaveChat => match self.api.call::<Value>("leaveChat", &params, CALL_TIMEOUT).await {
                Ok(_) => Ok(0),
                // Removed meanwhile, or the group moved on: nothing to leave.
                Err(Failure::Refused { status: 400 | 403, .. } | Failure::Migrated(_)) => Ok(0),
                Err(failure) => Err(failure),
            },
            Outbound::Ask { html, buttons } => {
                params["text"] = html.as_str().into();
                params["parse_mode"] = "HTML".into();
                params["reply_markup"] = keyboard(buttons);
                self.api.call::<Sent>("sendMessage", &params, CALL_TIMEOUT).await.map(|m| m.message_id)
            }
            Outbound::EditText { message_id, html, buttons } => {
                params["message_id"] = (*message_id).into();
                params["text"] = html.as_str().into();
                params["parse_mode"] = "HTML".into();
                params["reply_markup"] = keyboard(buttons);
                match self.api.call::<Value>("editMessageText", &params, CALL_TIMEOUT).await {
                    Ok(_) => Ok(*message_id),
                    // It already reads so (a press repeated).
                    Err(Failure::Refused { description, .. }) if description.contains("message is not modified") => {
                        Ok(*message_id)
                    }
                    Err(failure) => Err(failure),
                }
            }
            Outbound::EditCopy { message_id, text, entities, caption } => {
                params["message_id"] = (*message_id).into();
                let (method, field, formats) = match caption {
                    true => ("editMessageCaption", "caption", "caption_entities"),
                    false => ("editMessageText", "text", "entities"),
                };
                params[field] = text.as_str().into();
                if let Some(entities) = entities {
                    params[formats] = entities.clone();
                }
                match self.api.call::<Value>(method, &params, CALL_TIMEOUT).await {
                    Ok(_) => Ok(*message_id),
                    Err(Failure::Refused { description, .. }) if description.contains("message is not modified") => {
                        Ok(*message_id)
                    }
                    Err(failure) => Err(failure),
                }
            }
            Outbound::Photo { png, caption } => match super::message::decode_file(png) {
                Some(bytes) => self.api.send_photo(&params, bytes, caption.as_deref()).await.map(|m| m.message_id),
                None => return self.counted(Verdict::not_asked("the picture in the outbox row is not base64")),
            },
            Outbound::Document { name, file, caption } => match super::message::decode_file(file) {
                Some(bytes) => {
                    self.api.send_document(&params, name, bytes, caption.as_deref()).await.map(|m| m.message_id)
                }
                None => return self.counted(Verdict::not_asked("the file in the outbox row is not base64")),
            },
            Outbound::Delete { message_id } => {
                params["message_id"] = (*message_id).into();
                match self.api.call::<Value>("deleteMessage", &params, CALL_TIMEOUT).await {
                    Ok(_) => Ok(*message_id),
                    // The user deleted it already.
                    Err(Failure::Refused { description, .. })
                        if description.contains("message to delete not found") =>
                    {
                        Ok(*message_id)
                    }
                    Err(failure) => Err(failure),
                }
            }
            Outbound::AnswerPress { query_id, text } => {
                let mut params = json!({ "callback_query_id": query_id });
                if let Some(text) = text {
                    params["text"] = text.as_str().into();
                }
                match self.api.call::<Value>("answerCallbackQuery", &params, CALL_TIMEOUT).await {
                    Ok(_) => Ok(0),
                    // Telegram waits for an answer only so long; the press
                    // itself was recorded.
                    Err(Failure::Refused { status: 400, .. }) => Ok(0),
                    Err(failure) => Err(failure),
                }
            }
            Outbound::DeleteTopic { thread } => {
                params["message_thread_id"] = (*thread).into();
                match self.api.call::<Value>("deleteForumTopic", &params, CALL_TIMEOUT).await {
                    Ok(_) => Ok(0),
                    // Deleted by staff already.
                    Err(Failure::Refused { description, .. }) if description.contains("thread not found") => Ok(0),
                    Err(failure) => Err(failure),
                }
            }
            Outbound::CloseTopic | Outbound::ReopenTopic => {
                let method =
                    if matches!(message, Outbound::CloseTopic) { "closeForumTopic" } else { "reopenForumTopic" };
                match self.api.call::<Value>(method, &params, CALL_TIMEOUT).await {
                    Ok(_) => Ok(0),
                    // Already in the wanted state.
                    Err(Failure::Refused { description, .. })
                        if description.contains("TOPIC_CLOSED") || description.contains("TOPIC_NOT_MODIFIED") =>
                    {
                        Ok(0)
                    }
                    Err(failure) => Err(failure),
                }
            }
        };
        let verdict = match result {
            Ok(id) => Verdict::Sent(id),
            Err(failure) => self.verdict_of(chat_id, failure).await,
        };
        self.counted(verdict)
    }

    /// What a failed send to `chat_id` means: as `Verdict::of`, except that
    /// the support chat moving to a new id is followed (recorded, its
    /// waiting rows readdressed) and the row goes again there.
    pub(super) async fn verdict_of(&self, chat_id: i64, failure: Failure) -> Verdict {
        let Failure::Migrated(to) = failure else { return Verdict::of(failure) };
        // The support chat's old id, whether or not this process knows of
        // the move yet (a row claimed before it, another replica's draft).
        let support = self.support.id();
        if chat_id != support && to != support {
            return Verdict::of(failure);
        }
        match self.outbox.follow_move(chat_id, to).await {
            Ok(moved) => {
                tracing::info!(
                    from = chat_id,
                    to,
                    moved,
                    "outbox: waiting messages readdressed to the support chat's new id"
                );
                self.support.moved(chat_id, to);
                Verdict::Moved
            }
            Err(e) => Verdict::Transient(format!("the support chat moved to {to}, and recording it failed: {e}")),
        }
    }

    /// Whether Telegram took a message lately: a row that keeps failing
    /// meanwhile fails on its own, not because Telegram is down.
    pub(super) fn telegram_is_taking(&self) -> bool {
        lock(&self.last_accepted).is_some_and(|at| at.elapsed() < TAKING_WINDOW)
    }

    /// Opens a forum topic; its thread id.
    pub(super) async fn create_topic(&self, chat_id: i64, name: &str) -> Result<i32, Failure> {
        let params = json!({ "chat_id": chat_id, "name": name });
        self.api.call::<Topic>("createForumTopic", &params, CALL_TIMEOUT).await.map(|t| t.message_thread_id)
    }

    /// Counts an answer from Telegram by its result (for `/metrics`).
    pub(super) fn counted(&self, verdict: Verdict) -> Verdict {
        let result = match &verdict {
            Verdict::Sent(_) => {
                *lock(&self.last_accepted) = Some(Instant::now());
                "sent"
            }
            Verdict::Wait(_) => "429",
            Verdict::Transient(_) | Verdict::Moved => "retried",
            Verdict::Refused { .. } => "failed",
            Verdict::Paced => return verdict,
        };
        self.metrics.delivery(result);
        verdict
    }
}

/// An inline keyboard of one row.
fn keyboard(buttons: &[Button]) -> Value {
    let row: Vec<Value> = buttons.iter().map(|b| json!({ "text": b.text, "callback_data": b.data })).collect();
    json!({ "inline_keyboard": [row] })
}

/// 1 s, 2 s, 4 s … capped at 5 minutes, with ±25 % jitter so that many rows
/// failing together do not retry together.
pub(super) fn backoff(attempts: i32) -> Duration {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 8)).min(Duration::from_secs(300));
    let jitter = rand::rng().random_range(0.75..1.25);
    base.mul_f64(jitter)
}
