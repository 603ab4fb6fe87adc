//! Webhook mode: Telegram posts each update to `WEBHOOK_URL` with a secret
//! header. The secret is registered with `setWebhook` at start; requests
//! without it are refused before anything is read into the inbox.

use std::time::Duration;

use serde_json::{Value, json};

use super::api::{BotApi, CALL_TIMEOUT, Failure};
use crate::config::WebhookConfig;

/// The header Telegram sends the secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Registers the webhook, retrying until Telegram accepts it: without it no
/// update arrives. Pending updates are kept (the inbox drops repeats).
pub async fn register(api: BotApi, webhook: WebhookConfig) {
    let params = json!({
        "url": webhook.url.as_str(),
        "secret_token": webhook.secret.expose(),
        "allowed_updates": super::ALLOWED_UPDATES,
        "drop_pending_updates": false,
    });
    let mut wait = Duration::from_millis(250);
    loop {
        match api.call::<Value>("setWebhook", &params, CALL_TIMEOUT).await {
            Ok(_) => {
                // The URL's path may be a secret of its own: log the host.
                tracing::info!(host = webhook.url.host_str().unwrap_or_default(), "webhook registered");
                return;
            }
            // A refusal (a URL Telegram will not post to) needs the operator;
            // anything else is likely to pass.
            Err(failure @ Failure::Refused { .. }) => {
                tracing::error!(%failure, retry_in_ms = wait.as_millis() as u64, "setWebhook refused: check WEBHOOK_URL (https, port 443, 80, 88 or 8443); no update arrives until it is accepted");
            }
            Err(failure) => {
                tracing::warn!(%failure, retry_in_ms = wait.as_millis() as u64, "setWebhook failed");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}

/// In polling mode a webhook left from an earlier run would make every
/// `getUpdates` fail (409): remove it first.
pub async fn remove(api: &BotApi) {
    if let Err(failure) = api.call::<Value>("deleteWebhook", &json!({}), CALL_TIMEOUT).await {
        tracing::warn!(%failure, "deleteWebhook failed; polling may be refused while a webhook is set");
    }
}
