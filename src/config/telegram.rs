//! The Telegram side's settings: the bot token, the Bot API's address, the
//! support chat, webhook mode and pacing.

use crate::secret::Secret;

use super::ConfigError;

/// What the Telegram side needs; only `run` requires it.
#[derive(Debug, Clone)]
pub struct BotConfig {
    pub token: Secret,
    pub api_url: Option<url::Url>,
    pub support_chat_id: i64,
    /// Webhook mode; long polling when `None`.
    pub webhook: Option<WebhookConfig>,
    /// Keep to Telegram's flood limits (`false` only to measure the bot's
    /// own cost against a fake Bot API without limits).
    pub paced: bool,
}

/// Where Telegram posts updates, and the secret it sends with each.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: url::Url,
    pub secret: Secret,
}

/// The default webhook secret: an HMAC of a fixed label under the bot
/// token. Every replica derives the same one (so any of them may receive an
/// update), and it reveals nothing about the token.
pub fn derive_webhook_secret(token: &Secret) -> Secret {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, token.expose().as_bytes());
    let tag = ring::hmac::sign(&key, b"ticketbot webhook secret");
    Secret::new(tag.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A token looks like `123456789:AA…`; checking the shape catches a pasted
/// URL or a stray quote early. The message never includes the value.
pub(super) fn validate_token(token: &Secret) -> Result<(), ConfigError> {
    let ok = token.expose().split_once(':').is_some_and(|(id, key)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && key.len() >= 20
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            var: "TELOXIDE_TOKEN",
            reason: "not a bot token (expected the form 123456789:AA… from @BotFather)".into(),
        })
    }
}

/// The paths the operators' server answers itself; the webhook may not
/// take one of them.
pub const OPERATOR_PATHS: [&str; 3] = ["/health", "/ready", "/metrics"];

/// The webhook is served at `WEBHOOK_URL`'s path. A path the HTTP router
/// would refuse (a segment starting with `:` or `*`, braces, one of the
/// operators' paths) is a configuration error here, not a panic later:
/// segments of letters, digits, `-`, `.`, `_`, `~`, `%`-escapes and `:`
/// (not first: `/bot123:AA…` is a common path). The path is never echoed:
/// it may hold the bot token.
pub(super) fn validate_webhook_path(path: &str) -> Result<(), ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid { var: "WEBHOOK_URL", reason: reason.into() };
    if OPERATOR_PATHS.contains(&path.trim_end_matches('/')) {
        return Err(invalid(
            "its path is one of the operators' own (/health, /ready, /metrics); use another, such as /telegram",
        ));
    }
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%' | b':');
    let fine = path.split('/').all(|segment| !segment.starts_with(':') && segment.bytes().all(plain));
    if !fine {
        return Err(invalid(
            "its path may hold only letters, digits, -, ., _, ~, : (not first in a segment) and /, such as /telegram/updates",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_paths_the_router_cannot_serve_are_refused() {
        for good in ["/", "/telegram", "/tg/hook-1_a.b~c", "/%F0%9F%A4%96", "/bot123:AAH-x_y"] {
            assert!(validate_webhook_path(good).is_ok(), "{good}");
        }
        for bad in ["/health", "/metrics/", "/ready", "/:id", "/*rest", "/a{b}", "/a*b", "/a;b", "/x/:AA-secret"] {
            let error = validate_webhook_path(bad).unwrap_err().to_string();
            assert!(!error.contains("secret") && !error.contains("a{b"), "the path is not echoed: {error}");
        }
    }

    #[test]
    fn derived_webhook_secret_is_stable_valid_and_not_the_token() {
        let token = Secret::new("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
        let a = derive_webhook_secret(&token);
        assert_eq!(a.expose(), derive_webhook_secret(&token).expose());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.expose().contains("AAHdqTcv"));
        assert_ne!(a.expose(), derive_webhook_secret(&Secret::new("1:other-token-0123456789abc")).expose());
    }
}
