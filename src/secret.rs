//! A string that must never be printed: the bot token, a database
//! password, an API token; and the random tokens ticketbot hands out
//! (API tokens, web sessions, login links), stored only as their hashes.

use std::fmt;

/// Holds a secret value. `Debug` and `Display` print `[redacted]`, so a
/// secret inside a config struct cannot leak through `{:?}` or a log field.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The only way to read the value; grep for it to audit every use.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this secret, compared in time that depends on the
    /// lengths only, not on where the first difference is: a secret cannot
    /// be guessed a byte at a time.
    pub fn matches(&self, given: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// A new random token: `prefix` and 32 bytes from `rand`'s thread
/// generator (a CSPRNG the operating system seeds), URL-safe base64: it
/// fits a header, a cookie and a query.
pub fn new_token(prefix: &str) -> Secret {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    Secret::new(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

/// What the database keeps of a token: its SHA-256, hex. A stolen
/// database (or backup) opens no session and calls no API.
pub fn token_hash(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("123456:ABC-very-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.expose(), "123456:ABC-very-secret");
    }

    #[test]
    fn tokens_are_random_and_kept_as_their_hash() {
        let (a, b) = (new_token("tb_"), new_token("tb_"));
        assert_ne!(a, b);
        assert!(a.expose().starts_with("tb_") && a.expose().len() == 3 + 43, "{}", a.expose());
        assert!(a.expose()[3..].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        // SHA-256 of "abc", as FIPS 180-2 gives it.
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(token_hash(a.expose()), token_hash(b.expose()));
    }

    #[test]
    fn matches_only_the_whole_value() {
        let s = Secret::new("abc-123");
        assert!(s.matches(b"abc-123"));
        assert!(!s.matches(b"abc-12"));
        assert!(!s.matches(b"abc-124"));
        assert!(!s.matches(b""));
    }
}
