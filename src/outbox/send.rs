//! One request to the Bot API per outbox message, and what Telegram's
//! answer means for the row: sent, wait (429), try again later, or refused
//! for good.

use std::time::Duration;

use rand::Rng;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{LinkPreviewOptions, MessageId, ParseMode, ReplyParameters, ThreadId};

use super::message::Outbound;
use super::worker::DeliveryWorker;

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Sent(i32),
    /// Telegram's flood control: wait this long before writing to the chat.
    Wait(Duration),
    /// Worth trying again later (network, 5xx).
    Transient(String),
    /// Telegram refused it for good (400, 403); the reason says why.
    Refused(String),
    /// Not sent: the flood limits want this chat to wait (nothing to record).
    Paced,
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
        let chat = ChatId(chat_id);
        let reply = reply_to.map(|id| ReplyParameters::new(MessageId(id)).allow_sending_without_reply());
        let thread = thread.map(|t| ThreadId(MessageId(t)));
        let result = match message {
            Outbound::Text { html, .. } => {
                let mut request = self
                    .bot
                    .send_message(chat, html.clone())
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(no_previews());
                if let Some(r) = reply {
                    request = request.reply_parameters(r);
                }
                if let Some(t) = thread {
                    request = request.message_thread_id(t);
                }
                request.await.map(|m| m.id.0)
            }
            Outbound::Copy { from_chat_id, message_id, .. } => {
                let mut request = self.bot.copy_message(chat, ChatId(*from_chat_id), MessageId(*message_id));
                if let Some(r) = reply {
                    request = request.reply_parameters(r);
                }
                if let Some(t) = thread {
                    request = request.message_thread_id(t);
                }
                request.await.map(|m| m.0)
            }
            Outbound::CreateTopic { name } => {
                self.bot.create_forum_topic(chat, name.clone()).await.map(|t| t.thread_id.0.0)
            }
            Outbound::CloseTopic | Outbound::ReopenTopic => {
                let Some(t) = thread else { return Verdict::Sent(0) };
                let result = if matches!(message, Outbound::CloseTopic) {
                    self.bot.close_forum_topic(chat, t).await
                } else {
                    self.bot.reopen_forum_topic(chat, t).await
                };
                match result {
                    Ok(_) => Ok(0),
                    // Already in the wanted state.
                    Err(RequestError::Api(e))
                        if e.to_string().contains("TOPIC_CLOSED") || e.to_string().contains("TOPIC_NOT_MODIFIED") =>
                    {
                        Ok(0)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        self.counted(match result {
            Ok(id) => Verdict::Sent(id),
            Err(e) => classify(e),
        })
    }

    /// Counts an answer from Telegram by its result (for `/metrics`).
    pub(super) fn counted(&self, verdict: Verdict) -> Verdict {
        let result = match &verdict {
            Verdict::Sent(_) => "sent",
            Verdict::Wait(_) => "429",
            Verdict::Transient(_) => "retried",
            Verdict::Refused(_) => "failed",
            Verdict::Paced => return verdict,
        };
        self.metrics.delivery(result);
        verdict
    }
}

fn no_previews() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// What an error from the Bot API means for the row.
pub(super) fn classify(error: RequestError) -> Verdict {
    match error {
        RequestError::RetryAfter(seconds) => Verdict::Wait(seconds.duration()),
        RequestError::Api(api) => {
            let description = match &api {
                teloxide::ApiError::Unknown(text) => text.clone(),
                other => other.to_string(),
            };
            // Telegram's descriptions start with the HTTP reason; teloxide
            // keeps no status code. Bad Request and Forbidden are final;
            // anything else (Internal Server Error, Bad Gateway) is not.
            if description.starts_with("Bad Request") || description.starts_with("Forbidden") {
                Verdict::Refused(description)
            } else {
                Verdict::Transient(description)
            }
        }
        RequestError::MigrateToChatId(chat) => Verdict::Refused(format!("the group moved to chat {}", chat.0)),
        // teloxide strips the URL (which holds the token) from these.
        RequestError::Network(e) => Verdict::Transient(format!("network: {e}")),
        // A proxy's HTML error page (502 from a load balancer) lands here.
        RequestError::InvalidJson { .. } => Verdict::Transient("unreadable answer from the Bot API".into()),
        RequestError::Io(e) => Verdict::Transient(format!("io: {e}")),
    }
}

/// 1 s, 2 s, 4 s … capped at 5 minutes, with ±25 % jitter so that many rows
/// failing together do not retry together.
pub(super) fn backoff(attempts: i32) -> Duration {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 8)).min(Duration::from_secs(300));
    let jitter = rand::rng().random_range(0.75..1.25);
    base.mul_f64(jitter)
}
