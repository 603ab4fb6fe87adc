//! "Log in with Telegram": the Login Widget sends the browser to
//! `/auth/telegram?id=…&first_name=…&auth_date=…&hash=…`. As Telegram
//! documents it, `hash` is the hex HMAC-SHA256 of every other field as
//! sorted `key=value` lines joined by `\n`, keyed with the SHA-256 of the
//! bot's token: only Telegram (and whoever holds the token) can make one.

use chrono::{DateTime, TimeDelta, Utc};

use crate::secret::Secret;

/// Who Telegram says logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramLogin {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    /// Its signature (hex), to be used once.
    pub hash: String,
    /// When the signature stops being fresh.
    pub fresh_until: DateTime<Utc>,
}

impl TelegramLogin {
    pub fn name(&self) -> String {
        crate::render::full_name(&self.first_name, self.last_name.as_deref())
    }
}

/// Why a login is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefused {
    #[error("the login lacks {0}")]
    Missing(&'static str),
    #[error("the login's signature is not Telegram's")]
    BadHash,
    #[error("the login is more than a day old: log in again")]
    Stale,
}

/// A login is good this long after Telegram signed it.
const FRESH_FOR: TimeDelta = TimeDelta::days(1);
/// A signature from a little in the future is a clock apart, not a forgery.
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// Checks the widget's fields (`params`, as the query carried them).
pub fn verify(params: &[(String, String)], token: &Secret, now: DateTime<Utc>) -> Result<TelegramLogin, LoginRefused> {
    let field = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let hash = field("hash").ok_or(LoginRefused::Missing("hash"))?;
    // A field given twice would be read once and signed twice.
    let mut keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(LoginRefused::BadHash);
    }
    let mut lines: Vec<String> = params.iter().filter(|(k, _)| k != "hash").map(|(k, v)| format!("{k}={v}")).collect();
    lines.sort();
    let tag = decode_hex(hash).ok_or(LoginRefused::BadHash)?;
    let secret = ring::digest::digest(&ring::digest::SHA256, token.expose().as_bytes());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_ref());
    // Compared in constant time by ring.
    ring::hmac::verify(&key, lines.join("\n").as_bytes(), &tag).map_err(|_| LoginRefused::BadHash)?;

    let signed = field("auth_date")
        .and_then(|d| d.parse::<i64>().ok())
        .and_then(|d| DateTime::from_timestamp(d, 0))
        .ok_or(LoginRefused::Missing("auth_date"))?;
    if now - signed > FRESH_FOR || signed - now > CLOCK_SKEW {
        return Err(LoginRefused::Stale);
    }
    Ok(TelegramLogin {
        id: field("id").and_then(|id| id.parse().ok()).ok_or(LoginRefused::Missing("id"))?,
        first_name: field("first_name").unwrap_or_default().to_string(),
        last_name: field("last_name").map(str::to_string),
        username: field("username").map(str::to_string),
        // As decoded, written one way: what is remembered as used.
        hash: tag.iter().map(|b| format!("{b:02x}")).collect(),
        // Remembered a little longer than it is good: a replica whose
        // clock runs ahead sweeps it no sooner than others stop taking it.
        fresh_until: signed + FRESH_FOR + CLOCK_SKEW,
    })
}

/// Hex digits only (`from_str_radix` alone would take `+a` for `0a`, and
/// a signature written two ways would be two signatures to remember).
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    /// Made outside Rust (Python's `hmac`), as Telegram documents it.
    const SIGNED: &str = "1e22a2b872724be3a1b0fbfe7a44718765b108a9452d91e3e362a4ba470963c3";

    fn params(hash: &str, first_name: &str) -> Vec<(String, String)> {
        [("id", "42"), ("first_name", first_name), ("username", "anna"), ("auth_date", "1764000000"), ("hash", hash)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn telegrams_signature_logs_in_for_a_day() {
        let token = Secret::new(TOKEN);
        let login = verify(&params(SIGNED, "Anna"), &token, at(1_764_000_000 + 3600)).unwrap();
        assert_eq!(login.id, 42);
        assert_eq!((login.name().as_str(), login.username.as_deref()), ("Anna", Some("anna")));
        assert_eq!(verify(&params(SIGNED, "Anna"), &token, at(1_764_000_000 + 86_401)), Err(LoginRefused::Stale));
        assert_eq!(verify(&params(SIGNED, "Anna"), &token, at(1_764_000_000 - 3600)), Err(LoginRefused::Stale));
    }

    #[test]
    fn a_changed_field_another_token_or_no_hash_is_refused() {
        let token = Secret::new(TOKEN);
        let now = at(1_764_000_060);
        assert_eq!(verify(&params(SIGNED, "Boss"), &token, now), Err(LoginRefused::BadHash));
        assert_eq!(verify(&params(SIGNED, "Anna"), &Secret::new("1:other"), now), Err(LoginRefused::BadHash));
        assert_eq!(verify(&params("zz", "Anna"), &token, now), Err(LoginRefused::BadHash));
        assert_eq!(verify(&params(&SIGNED[..63], "Anna"), &token, now), Err(LoginRefused::BadHash));
        // One signature, one spelling: `+8` for `08` is refused, and upper
        // case is remembered as lower case.
        assert!(SIGNED.contains("08"));
        let plus = SIGNED.replacen("08", "+8", 1);
        assert_eq!(verify(&params(&plus, "Anna"), &token, now), Err(LoginRefused::BadHash));
        let upper = verify(&params(&SIGNED.to_ascii_uppercase(), "Anna"), &token, now).unwrap();
        assert_eq!(upper.hash, SIGNED);
        let mut twice = params(SIGNED, "Anna");
        twice.push(("id".into(), "1".into()));
        assert_eq!(verify(&twice, &token, now), Err(LoginRefused::BadHash), "a field given twice");
        let mut unsigned = params(SIGNED, "Anna");
        unsigned.retain(|(k, _)| k != "hash");
        assert_eq!(verify(&unsigned, &token, now), Err(LoginRefused::Missing("hash")));
    }
}
