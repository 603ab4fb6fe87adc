//! `LOG_FORMAT`: how log lines are written. Read on its own, before the rest
//! of the configuration, because logging starts first.

use super::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// tracing's default text lines: for a person at a terminal.
    Human,
    /// One JSON object a line (`timestamp`, `level`, `fields`, `target`): for
    /// log collectors.
    Json,
}

impl LogFormat {
    /// Unset or empty is `human`; anything but `human` and `json` is an
    /// error, so a typo does not silently give the format a collector
    /// cannot parse.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        match get("LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "human") => Ok(Self::Human),
            Some("json") => Ok(Self::Json),
            Some(other) => {
                Err(ConfigError::Invalid { var: "LOG_FORMAT", reason: format!("{other:?} is not human or json") })
            }
        }
    }

    pub fn from_process_env() -> Result<Self, ConfigError> {
        match std::env::var("LOG_FORMAT") {
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(ConfigError::Invalid { var: "LOG_FORMAT", reason: "the value is not valid UTF-8".into() })
            }
            value => Self::from_lookup(|_| value.clone().ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Option<&str>) -> Result<LogFormat, ConfigError> {
        LogFormat::from_lookup(|k| if k == "LOG_FORMAT" { value.map(str::to_string) } else { None })
    }

    #[test]
    fn human_unless_json() {
        assert_eq!(parse(None), Ok(LogFormat::Human));
        assert_eq!(parse(Some("  ")), Ok(LogFormat::Human));
        assert_eq!(parse(Some("human")), Ok(LogFormat::Human));
        assert_eq!(parse(Some("json")), Ok(LogFormat::Json));
        assert_eq!(parse(Some(" JSON ")), Ok(LogFormat::Json));
    }

    #[test]
    fn unknown_format_names_the_variable() {
        let err = parse(Some("xml")).unwrap_err();
        assert!(err.to_string().starts_with("LOG_FORMAT is invalid"), "{err}");
        assert!(err.to_string().contains("\"xml\""), "{err}");
    }
}
