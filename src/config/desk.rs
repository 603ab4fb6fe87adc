//! The desk's rules: the time zone tickets are numbered in, how much one
//! user may send, and the response clock's settings.
//!
//! Variables: `TICKET_TIMEZONE`, `USER_MESSAGES_PER_MINUTE`,
//! `USER_TICKETS_PER_HOUR`, `FIRST_RESPONSE_SLA`, `AUTO_CLOSE_AFTER`,
//! `WORKING_HOURS`, `CSAT`.

use chrono::TimeDelta;
use chrono_tz::Tz;

use super::{ConfigError, parse_bool, parse_or};
use crate::domain::{UserLimits, WorkingHours};

#[derive(Debug, Clone, PartialEq)]
pub struct DeskRules {
    /// The zone whose calendar day numbers tickets, and working hours are in.
    pub zone: Tz,
    pub limits: UserLimits,
    /// A ticket waiting this long for staff gets one reminder; `None` = off.
    pub first_response_sla: Option<TimeDelta>,
    /// A ticket staff answered last, and its user has not for this long,
    /// is closed; `None` = off.
    pub auto_close_after: Option<TimeDelta>,
    /// When staff are at work; `None` = always (the clock always runs, no
    /// away notices).
    pub working_hours: Option<WorkingHours>,
    /// Ask the user to rate a ticket when it closes.
    pub csat: bool,
}

impl Default for DeskRules {
    fn default() -> Self {
        Self {
            zone: Tz::UTC,
            limits: UserLimits::default(),
            first_response_sla: None,
            auto_close_after: None,
            working_hours: None,
            csat: true,
        }
    }
}

impl DeskRules {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let zone = match get("TICKET_TIMEZONE") {
            None => Tz::UTC,
            Some(name) => name.parse::<Tz>().map_err(|_| ConfigError::Invalid {
                var: "TICKET_TIMEZONE",
                reason: format!("{name:?} is not an IANA time zone name (e.g. Europe/Berlin)"),
            })?,
        };
        let defaults = UserLimits::default();
        let limits = UserLimits {
            messages_per_minute: parse_or(
                "USER_MESSAGES_PER_MINUTE",
                get("USER_MESSAGES_PER_MINUTE"),
                defaults.messages_per_minute,
            )?,
            tickets_per_hour: parse_or(
                "USER_TICKETS_PER_HOUR",
                get("USER_TICKETS_PER_HOUR"),
                defaults.tickets_per_hour,
            )?,
        };
        let working_hours = get("WORKING_HOURS")
            .map(|raw| {
                WorkingHours::parse(&raw).map_err(|e| ConfigError::Invalid {
                    var: "WORKING_HOURS",
                    reason: format!("{e}; expected e.g. \"Mon-Fri 09:00-13:00,14:00-18:00; Sat 10:00-14:00\""),
                })
            })
            .transpose()?;
        Ok(Self {
            zone,
            limits,
            first_response_sla: duration("FIRST_RESPONSE_SLA", get("FIRST_RESPONSE_SLA"))?,
            auto_close_after: duration("AUTO_CLOSE_AFTER", get("AUTO_CLOSE_AFTER"))?,
            working_hours,
            // `on` or `off` (true/false, yes/no, 1/0 too).
            csat: parse_bool("CSAT", get("CSAT"), true)?,
        })
    }
}

/// A duration as operators write it: a number and a unit (`30s`, `15m`,
/// `4h`, `7d`), or several (`1h30m`). Unset or `off` is `None`.
pub(super) fn duration(var: &'static str, raw: Option<String>) -> Result<Option<TimeDelta>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    parse_duration(&raw).filter(|d| *d > TimeDelta::zero()).map(Some).ok_or_else(|| ConfigError::Invalid {
        var,
        reason: format!(
            "{raw:?} is not a duration such as 30s, 15m, 4h, 7d or 1h30m (unset it, or off, to turn it off)"
        ),
    })
}

fn parse_duration(text: &str) -> Option<TimeDelta> {
    let mut total = TimeDelta::zero();
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let (number, tail) = rest.split_at(digits);
        let number: i64 = number.parse().ok()?;
        let unit = tail.chars().next()?;
        let part = match unit {
            's' => TimeDelta::try_seconds(number)?,
            'm' => TimeDelta::try_minutes(number)?,
            'h' => TimeDelta::try_hours(number)?,
            'd' => TimeDelta::try_days(number)?,
            _ => return None,
        };
        total = total.checked_add(&part)?;
        rest = &tail[1..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_operators_write_them() {
        assert_eq!(parse_duration("30s"), Some(TimeDelta::seconds(30)));
        assert_eq!(parse_duration("15m"), Some(TimeDelta::minutes(15)));
        assert_eq!(parse_duration("4h"), Some(TimeDelta::hours(4)));
        assert_eq!(parse_duration("7d"), Some(TimeDelta::days(7)));
        assert_eq!(parse_duration("1h30m"), Some(TimeDelta::minutes(90)));
        for bad in ["", "15", "m", "15 m", "1.5h", "15min", "-5m", "99999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        let get = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(v, _)| *v == k).map(|(_, x)| x.to_string())
        };
        let err = DeskRules::from_lookup(&get(&[("FIRST_RESPONSE_SLA", "soon")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "FIRST_RESPONSE_SLA", .. }), "{err}");
        let err = DeskRules::from_lookup(&get(&[("AUTO_CLOSE_AFTER", "0s")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "AUTO_CLOSE_AFTER", .. }), "{err}");
        let err = DeskRules::from_lookup(&get(&[("CSAT", "maybe")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "CSAT", .. }), "{err}");
        assert!(!DeskRules::from_lookup(&get(&[("CSAT", "off")])).unwrap().csat);
        let err = DeskRules::from_lookup(&get(&[("WORKING_HOURS", "Mon-Fri 9-18")])).unwrap_err();
        assert!(err.to_string().starts_with("WORKING_HOURS is invalid: \"9-18\""), "{err}");
        let rules = DeskRules::from_lookup(&get(&[
            ("FIRST_RESPONSE_SLA", "15m"),
            ("AUTO_CLOSE_AFTER", "off"),
            ("WORKING_HOURS", "Mon-Fri 09:00-18:00"),
        ]))
        .unwrap();
        assert_eq!(rules.first_response_sla, Some(TimeDelta::minutes(15)));
        assert_eq!(rules.auto_close_after, None);
        assert!(rules.working_hours.is_some());
        assert_eq!(DeskRules::from_lookup(&get(&[])).unwrap(), DeskRules::default());
    }
}
