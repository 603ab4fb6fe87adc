//! Webhook mode: Telegram posts each update to `WEBHOOK_URL` with a secret
//! header. The secret is registered with `setWebhook` at start; requests
//! without it are refused before anything is read into the inbox.

use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

use crate::config::WebhookConfig;
use crate::secret::Secret;

/// The header Telegram sends the secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The default secret: an HMAC of a fixed label under the bot token. Every
/// replica derives the same one (so any of them may receive an update), and
/// it reveals nothing about the token.
pub fn derive_secret(token: &Secret) -> Secret {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, token.expose().as_bytes());
    let tag = ring::hmac::sign(&key, b"ticketbot webhook secret");
    Secret::new(tag.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Compares in time that depends on the lengths only, not on where the
/// first difference is: the secret cannot be guessed a byte at a time.
pub fn secret_matches(given: &[u8], secret: &Secret) -> bool {
    let expected = secret.expose().as_bytes();
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The update types the bot handles (polling asks for the same).
pub fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![AllowedUpdate::Message, AllowedUpdate::EditedMessage, AllowedUpdate::CallbackQuery]
}

/// Registers the webhook, retrying until Telegram accepts it: without it no
/// update arrives. Pending updates are kept (the inbox drops repeats).
pub async fn register(bot: Bot, webhook: WebhookConfig) {
    let mut wait = Duration::from_millis(250);
    loop {
        let request = bot
            .set_webhook(webhook.url.clone())
            .secret_token(webhook.secret.expose())
            .allowed_updates(allowed_updates())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_secret_is_stable_valid_and_not_the_token() {
        let token = Secret::new("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
        let a = derive_secret(&token);
        assert_eq!(a.expose(), derive_secret(&token).expose());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.expose().contains("AAHdqTcv"));
        assert_ne!(a.expose(), derive_secret(&Secret::new("1:other-token-0123456789abc")).expose());
        assert!(secret_matches(a.expose().as_bytes(), &a));
        assert!(!secret_matches(b"nope", &a));
        assert!(!secret_matches(&a.expose().as_bytes()[..63], &a));
    }
}
