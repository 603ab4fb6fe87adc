//! A string that must never be printed: the bot token, a database password.

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
    fn matches_only_the_whole_value() {
        let s = Secret::new("abc-123");
        assert!(s.matches(b"abc-123"));
        assert!(!s.matches(b"abc-12"));
        assert!(!s.matches(b"abc-124"));
        assert!(!s.matches(b""));
    }
}
