//! How long the database keeps what it need not keep forever.
//!
//! Variables: `INBOX_RETENTION` (handled updates and finished outbox rows;
//! default `30d`, `off` keeps them), `MESSAGE_RETENTION` (the texts of
//! tickets closed that long ago; unset or `off` keeps them).

use chrono::TimeDelta;

use super::ConfigError;
use super::desk::duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Handled inbox rows, and sent or failed outbox rows, older than
    /// this are deleted; `None` = kept.
    pub inbox: Option<TimeDelta>,
    /// Message texts and captions, rating comments, and the outbox rows of
    /// tickets closed longer ago than this are removed; `None` = kept.
    pub messages: Option<TimeDelta>,
}

impl Default for Retention {
    fn default() -> Self {
        Self { inbox: Some(TimeDelta::days(30)), messages: None }
    }
}

impl Retention {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let inbox = match get("INBOX_RETENTION") {
            None => Self::default().inbox,
            raw => duration("INBOX_RETENTION", raw)?,
        };
        let messages = duration("MESSAGE_RETENTION", get("MESSAGE_RETENTION"))?;
        // The raw updates and sent messages hold the texts too: they go no
        // later than the texts do.
        let inbox = match (inbox, messages) {
            (Some(inbox), Some(messages)) => Some(inbox.min(messages)),
            (None, Some(messages)) => Some(messages),
            (inbox, None) => inbox,
        };
        Ok(Self { inbox, messages })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Retention, ConfigError> {
        Retention::from_lookup(&|k| vars.iter().find(|(v, _)| *v == k).map(|(_, value)| value.to_string()))
    }

    #[test]
    fn inbox_rows_go_after_30_days_texts_never_unless_asked_and_never_after_the_texts() {
        assert_eq!(read(&[]).unwrap(), Retention { inbox: Some(TimeDelta::days(30)), messages: None });
        assert_eq!(read(&[("INBOX_RETENTION", "off")]).unwrap(), Retention { inbox: None, messages: None });
        let short = read(&[("INBOX_RETENTION", "90d"), ("MESSAGE_RETENTION", "7d")]).unwrap();
        assert_eq!(short, Retention { inbox: Some(TimeDelta::days(7)), messages: Some(TimeDelta::days(7)) });
        let kept = read(&[("INBOX_RETENTION", "off"), ("MESSAGE_RETENTION", "1d")]).unwrap();
        assert_eq!(kept.inbox, Some(TimeDelta::days(1)), "the raw updates hold the texts too");
        let error = read(&[("MESSAGE_RETENTION", "a year")]).unwrap_err().to_string();
        assert!(error.contains("MESSAGE_RETENTION"), "{error}");
    }
}
