//! Domain values that validate on construction and print the way users see them.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

mod stats;
mod working_hours;

pub use stats::{DayFigures, Period, StaffFigures, Stats};
pub use working_hours::{Opening, WorkingHours};

/// How much one user may send staff (`USER_MESSAGES_PER_MINUTE`,
/// `USER_TICKETS_PER_HOUR`; 0 = no limit). Beyond it their messages are
/// kept on their ticket but not relayed one by one, and they are told once
/// to slow down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserLimits {
    pub messages_per_minute: u32,
    pub tickets_per_hour: u32,
}

impl Default for UserLimits {
    /// A person typing fast sends a message every few seconds; a script,
    /// many a second. Five tickets an hour is more than anyone needs.
    fn default() -> Self {
        Self { messages_per_minute: 30, tickets_per_hour: 5 }
    }
}

/// A user who writes this soon after rating a ticket, with none open,
/// comments on the rating: the text is kept with it, no ticket opens.
pub const RATING_COMMENT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// A ticket as people name it: its day and its number within that day,
/// shown as `#7 · 2026-11-21`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TicketRef {
    pub day: NaiveDate,
    pub number: i32,
}

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} · {}", self.number, self.day.format("%Y-%m-%d"))
    }
}

/// Why a ticket reference did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a ticket reference: expected #N or YYYY-MM-DD#N")]
pub struct BadTicketRef;

impl TicketRef {
    /// Parses `#N` / `N` (a ticket of `today`) or `YYYY-MM-DD#N`.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, BadTicketRef> {
        let input = input.trim();
        let (day, number) = match input.split_once('#') {
            Some(("", n)) => (today, n),
            Some((d, n)) => (NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| BadTicketRef)?, n),
            None => (today, input),
        };
        let number = number.parse::<i32>().ok().filter(|n| *n > 0).ok_or(BadTicketRef)?;
        Ok(Self { day, number })
    }

    /// The reference as staff type it, `2026-11-21#7`: `parse` reads it back.
    pub fn as_typed(&self) -> String {
        format!("{}#{}", self.day.format("%Y-%m-%d"), self.number)
    }
}

/// Generates a TEXT-backed enum that reads and writes on every backend.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!("unknown {} {other:?}", stringify!($name))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse()?)
            }
        }
    };
}

text_enum! {
    /// Whether staff still owe the user an answer.
    TicketStatus { Open => "open", Closed => "closed" }
}

text_enum! {
    /// Which way a ticket message went.
    Direction {
        /// The user wrote it; it was relayed to the support chat.
        FromUser => "from_user",
        /// Staff wrote it; it was relayed to the user.
        ToUser => "to_user",
        /// A staff note, kept on the ticket and never sent to the user.
        Note => "note",
    }
}

text_enum! {
    /// What a message carries; `copyMessage` relays every kind.
    ContentKind {
        Text => "text", Photo => "photo", Document => "document", Video => "video",
        Voice => "voice", Audio => "audio", Sticker => "sticker", Animation => "animation",
        VideoNote => "video_note", Location => "location", Contact => "contact", Other => "other",
    }
}

text_enum! {
    /// What happened to a ticket that no message records (`ticket_events`).
    EventKind {
        /// It waited past `FIRST_RESPONSE_SLA`; staff were reminded.
        Reminded => "reminded",
        /// Nobody answered staff for `AUTO_CLOSE_AFTER`; it was closed.
        AutoClosed => "auto_closed",
    }
}

/// Who a Telegram user says they are; refreshed on every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub id: i64,
    pub username: Option<String>,
    pub first_name: String,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
}

/// A message to file on a ticket; the ticket and the time are the
/// storage's to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDraft {
    pub direction: Direction,
    pub sender_id: i64,
    pub user_chat_id: i64,
    pub user_message_id: Option<i32>,
    pub support_chat_id: Option<i64>,
    pub support_message_id: Option<i32>,
    pub kind: ContentKind,
    pub text: Option<String>,
}

impl MessageDraft {
    /// A text staff wrote without a Telegram message of its own to file (a
    /// note, a saved reply): `support` is the command that made it, if it
    /// is to stand for it in the support chat.
    pub fn staff_text(
        direction: Direction,
        sender_id: i64,
        user_chat_id: i64,
        support: Option<(i64, i32)>,
        text: String,
    ) -> Self {
        Self {
            direction,
            sender_id,
            user_chat_id,
            user_message_id: None,
            support_chat_id: support.map(|s| s.0),
            support_message_id: support.map(|s| s.1),
            kind: ContentKind::Text,
            text: Some(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ticket_refs() {
        let today = day("2026-11-21");
        assert_eq!(TicketRef::parse("#7", today), Ok(TicketRef { day: today, number: 7 }));
        assert_eq!(TicketRef::parse("12", today), Ok(TicketRef { day: today, number: 12 }));
        assert_eq!(TicketRef::parse("2026-11-20#3", today), Ok(TicketRef { day: day("2026-11-20"), number: 3 }));
        for bad in ["#0", "#-1", "#x", "2026-13-01#1", "", "#"] {
            assert_eq!(TicketRef::parse(bad, today), Err(BadTicketRef), "{bad}");
        }
        assert_eq!(TicketRef { day: today, number: 7 }.to_string(), "#7 · 2026-11-21");
    }

    #[test]
    fn text_enums_round_trip() {
        for s in [TicketStatus::Open, TicketStatus::Closed] {
            assert_eq!(s.as_str().parse::<TicketStatus>(), Ok(s));
        }
        assert!("pending".parse::<TicketStatus>().is_err());
        assert_eq!("video_note".parse::<ContentKind>(), Ok(ContentKind::VideoNote));
    }
}
