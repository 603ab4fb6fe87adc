//! Every word and tag a person reads: users' texts in their language,
//! staff's texts, ticket cards, digests, topic names, charts, and the HTML
//! rules (escaping, Telegram's length limit, splitting long lists). The
//! words themselves are in Fluent files (`texts`). The desk and the outbox
//! both write through here; nothing here touches the database or Telegram.
//!
//! Arguments that came from people (names, usernames, messages) are raw
//! and escaped here, unless a function's doc says otherwise.

pub mod chart;
pub mod digest;
pub mod export;
pub mod html;
pub mod staff;
pub mod texts;
pub mod user;

pub use texts::{Texts, Words};

/// A person's name as they call themselves: first and last name.
pub fn full_name(first: &str, last: Option<&str>) -> String {
    match last {
        Some(last) => format!("{first} {last}"),
        None => first.to_string(),
    }
}

/// A name and, when there is one, the username after it: "Ann Lee (@ann)".
pub fn with_username(name: &str, username: Option<&str>) -> String {
    match username {
        Some(u) => format!("{name} (@{u})"),
        None => name.to_string(),
    }
}

/// "3d 4h", "2h 5m", "7m": how long something has been waiting, in the
/// largest two units.
pub fn age(w: Words, d: chrono::Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        w.say("duration-days", [("days", days.into()), ("hours", hours.into())])
    } else if hours > 0 {
        w.say("duration-hours", [("hours", hours.into()), ("minutes", mins.into())])
    } else {
        w.say("duration-minutes", [("minutes", mins.into())])
    }
}

/// "45s", "14m", "2h 5m", "3d 4h": a span of seconds, as `age` reads
/// but with seconds when it is under a minute.
pub fn duration(w: Words, seconds: i64) -> String {
    match seconds {
        s if s < 60 => w.say("duration-seconds", [("seconds", s.max(0).into())]),
        s => age(w, chrono::Duration::seconds(s)),
    }
}

/// A text cut to `max_chars`, with an ellipsis when something was cut.
fn shorten(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_the_largest_two_units() {
        let texts = Texts::embedded();
        let w = texts.staff();
        assert_eq!(age(w, chrono::Duration::minutes(7)), "7m");
        assert_eq!(age(w, chrono::Duration::minutes(125)), "2h 5m");
        assert_eq!(age(w, chrono::Duration::minutes(3 * 1440 + 4 * 60 + 9)), "3d 4h");
        assert_eq!(age(w, chrono::Duration::minutes(-5)), "0m");
        assert_eq!(duration(w, 45), "45s");
        assert_eq!(duration(w, 3600 + 300), "1h 5m");
        let ru = Texts::load(None, "ru").unwrap();
        assert_eq!(duration(ru.staff(), 3600 + 300), "1 ч 5 мин");
    }

    #[test]
    fn shorten_marks_what_it_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(full_name("Ann", Some("Lee")), "Ann Lee");
        assert_eq!(full_name("Ann", None), "Ann");
        assert_eq!(with_username("Ann Lee", Some("ann")), "Ann Lee (@ann)");
        assert_eq!(with_username("Ann Lee", None), "Ann Lee");
    }
}
