//! Webhook mode: Telegram posts each update to `WEBHOOK_URL` with a secret
//! header. The secret is registered with `setWebhook` at start; requests
//! without it are refused before anything is read into the inbox.

use std::time::Duration;

use teloxide::prelude::*;

use crate::config::WebhookConfig;

/// The header Telegram sends the secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Registers the webhook, retrying until Telegram accepts it: without it no
/// update arrives. Pending updates are kept (the inbox drops repeats).
pub async fn register(bot: Bot, webhook: WebhookConfig) {
    let mut wait = Duration::from_millis(250);
    loop {
        let request = bot
            .set_webhook(webhook.url.clone())
            .secret_token(webhook.secret.expose())
            .allowed_updates(super::allowed_updates())
            .drop_pending_updates(false);
        match request.await {
            Ok(_) => {
                // The URL's path may be a secret of its own: log the host.
                tracing::info!(host = webhook.url.host_str().unwrap_or_default(), "webhook registered");
                return;
            }
            // A refusal (a URL Telegram will not post to) needs the operator;
            // anything else is likely to pass.
            Err(e) if e.to_string().contains("Bad Request") => {
                tracing::error!(error = %e, retry_in_ms = wait.as_millis() as u64, "setWebhook refused: check WEBHOOK_URL (https, port 443, 80, 88 or 8443); no update arrives until it is accepted");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "setWebhook failed");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// In polling mode a webhook left from an earlier run would make every
/// `getUpdates` fail (409): remove it first.
pub async fn remove(bot: &Bot) {
    if let Err(e) = bot.delete_webhook().await {
        tracing::warn!(error = %e, "deleteWebhook failed; polling may be refused while a webhook is set");
    }
}
