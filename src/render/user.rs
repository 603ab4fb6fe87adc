//! What users read, in their language (`Texts::user`): each function names
//! its message in `assets/texts/*/user.ftl` and fills in its variables.

use chrono::{NaiveDate, Weekday};

use super::texts::{Words, day, id};
use crate::domain::Opening;

/// `/start` and `/help`: how it works. It names every user command (a test
/// holds it to the command list).
pub fn greeting(w: Words) -> String {
    w.say("greeting", [])
}

pub fn ticket_opened(w: Words, number: i32, on: NaiveDate) -> String {
    w.say("ticket-opened", [("number", id(number)), ("day", day(on))])
}

/// Told once a minute of flooding: nothing is lost.
pub fn slow_down(w: Words) -> String {
    w.say("slow-down", [])
}

/// Told once an hour when a message would open one ticket too many.
pub fn too_many_tickets(w: Words, limit: u32) -> String {
    w.say("too-many-tickets", [("limit", limit.into())])
}

pub fn status_open(w: Words, number: i32, on: NaiveDate) -> String {
    w.say("status-open", [("number", id(number)), ("day", day(on))])
}

pub fn no_open_ticket(w: Words) -> String {
    w.say("no-open-ticket", [])
}

pub fn closed(w: Words, number: i32, on: NaiveDate) -> String {
    w.say("closed", [("number", id(number)), ("day", day(on))])
}

pub fn new_ticket_prompt(w: Words) -> String {
    w.say("new-ticket-prompt", [])
}

/// A saved reply as its user reads it (plain text, not yet escaped):
/// `{name}` is their first name, `{ticket}` the ticket's `#N`.
pub fn fill_snippet(body: &str, first_name: &str, number: i32) -> String {
    body.replace("{name}", first_name).replace("{ticket}", &format!("#{number}"))
}

/// After a close (`CSAT`): under it, five stars to tap.
pub fn rating_question(w: Words, number: i32, on: NaiveDate) -> String {
    w.say("rating-question", [("number", id(number)), ("day", day(on))])
}

/// The question once a star is tapped: the choice, and that it can change.
pub fn rated(w: Words, number: i32, on: NaiveDate, score: i32) -> String {
    let stars = "⭐".repeat(score.clamp(0, 5) as usize);
    w.say("rated", [("number", id(number)), ("day", day(on)), ("stars", stars.into()), ("score", score.into())])
}

/// Shown briefly on the tapped star (plain text).
pub fn rating_thanks(w: Words) -> String {
    w.say("rating-thanks", [])
}

/// The words a user wrote just after rating were kept with the rating.
pub fn comment_kept(w: Words) -> String {
    w.say("comment-kept", [])
}

/// Outside `WORKING_HOURS`: staff are away, and when they are back (the
/// time as the setting writes it); once per ticket.
pub fn away(w: Words, back: Option<&Opening>, today: NaiveDate) -> String {
    let Some(back) = back else { return w.say("away", []) };
    let time = || back.time.clone().into();
    let when = match (back.date - today).num_days() {
        0 => w.say("back-today", [("time", time())]),
        1 => w.say("back-tomorrow", [("time", time())]),
        _ => w.say("back-on", [("weekday", weekday(back.weekday).into()), ("time", time())]),
    };
    w.say("away-until", [("back", when.into())])
}

/// A day as `back-on` selects it.
fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

pub fn banned(w: Words) -> String {
    w.say("banned", [])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::texts::Texts;
    use chrono::Datelike;
    use fake_telegram::visible_text;

    #[test]
    fn every_user_text_is_valid_telegram_html_in_every_language() {
        let texts = Texts::embedded();
        let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        for code in ["en", "ru"] {
            let w = texts.user(Some(code));
            assert_eq!(w.language(), code);
            for text in [
                greeting(w),
                ticket_opened(w, 7, day),
                slow_down(w),
                too_many_tickets(w, 5),
                status_open(w, 1, day),
                no_open_ticket(w),
                closed(w, 3, day),
                new_ticket_prompt(w),
                banned(w),
                away(w, None, day),
                rating_question(w, 3, day),
                rated(w, 3, day, 4),
                rating_thanks(w),
                comment_kept(w),
            ] {
                assert!(visible_text(&text).is_ok(), "{text}");
            }
        }
        assert!(ticket_opened(texts.user(None), 12345, day).contains("#12345</b> of 2026-11-21"));
    }

    #[test]
    fn plural_forms_follow_each_languages_rules() {
        let texts = Texts::embedded();
        let (en, ru) = (texts.user(Some("en")), texts.user(Some("ru-RU")));
        assert!(too_many_tickets(en, 1).contains("opened 1 ticket in"));
        assert!(too_many_tickets(en, 5).contains("opened 5 tickets in"));
        assert!(too_many_tickets(ru, 1).contains("открыли 1 обращение."));
        assert!(too_many_tickets(ru, 3).contains("открыли 3 обращения."));
        assert!(too_many_tickets(ru, 5).contains("открыли 5 обращений."));
        assert!(too_many_tickets(ru, 21).contains("открыли 21 обращение."));
        assert!(too_many_tickets(ru, 1000).contains("открыли 1\u{a0}000 обращений."));
    }

    #[test]
    fn the_away_notice_names_the_day_and_the_time_as_written() {
        let texts = Texts::embedded();
        let (en, ru) = (texts.user(Some("en")), texts.user(Some("ru")));
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let opening = |date: NaiveDate, time: &str| Opening { date, weekday: date.weekday(), time: time.into() };
        let monday = opening(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), "9:00");
        assert!(away(en, Some(&monday), friday).contains("back on Monday at 9:00"));
        assert!(away(ru, Some(&monday), friday).contains("вернёмся в понедельник в 9:00"));
        let saturday = opening(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(), "10:00");
        assert!(away(en, Some(&saturday), friday).contains("back tomorrow at 10:00"));
        assert!(away(ru, Some(&opening(friday, "14:00")), friday).contains("вернёмся сегодня в 14:00"));
    }

    #[test]
    fn a_user_reads_their_apps_language_or_english() {
        let texts = Texts::embedded();
        assert_eq!(texts.user(Some("ru")).language(), "ru");
        assert_eq!(texts.user(Some("ru-RU")).language(), "ru");
        assert_eq!(texts.user(Some("de")).language(), "en");
        assert_eq!(texts.user(Some("not a tag!")).language(), "en");
        assert_eq!(texts.user(None).language(), "en");
    }
}
