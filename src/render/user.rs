//! What users read, in English or Russian. A user gets Russian when their
//! Telegram `language_code` starts with `ru`; English otherwise.

use chrono::{NaiveDate, Weekday};

use crate::domain::Opening;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub fn from_code(code: Option<&str>) -> Self {
        match code {
            Some(c) if c.to_ascii_lowercase().starts_with("ru") => Self::Ru,
            _ => Self::En,
        }
    }
}

/// `/start` and `/help`: how it works. It names every user command (a test
/// holds it to the command list).
pub fn greeting(lang: Lang) -> String {
    match lang {
        Lang::En => "👋 Hello! Write your question here — text, photos, files or voice — and our support team \
                     will answer in this chat.\n\nEvery conversation gets a ticket number. /status shows your \
                     open ticket, /close closes it, /new starts a new one, /help shows this again."
            .into(),
        Lang::Ru => "👋 Здравствуйте! Напишите ваш вопрос здесь — текстом, фото, файлами или голосом, — и \
                     служба поддержки ответит в этом чате.\n\nКаждое обращение получает номер. /status — ваше \
                     открытое обращение, /close — закрыть его, /new — начать новое, /help — эта справка."
            .into(),
    }
}

pub fn ticket_opened(lang: Lang, number: i32, day: NaiveDate) -> String {
    let day = day.format("%Y-%m-%d");
    match lang {
        Lang::En => format!(
            "✅ Ticket <b>#{number}</b> of {day} is open. We will answer here; \
             just add anything else you want us to know."
        ),
        Lang::Ru => format!(
            "✅ Обращение <b>#{number}</b> от {day} открыто. Мы ответим здесь; \
             можете дописать всё, что считаете важным."
        ),
    }
}

/// Told once a minute of flooding: nothing is lost.
pub fn slow_down(lang: Lang) -> String {
    match lang {
        Lang::En => "🐢 You are writing faster than we can read. Everything you send is kept on your ticket; \
                     please wait a minute before writing more."
            .into(),
        Lang::Ru => "🐢 Вы пишете быстрее, чем мы успеваем читать. Всё, что вы присылаете, сохраняется в \
                     обращении; пожалуйста, подождите минуту, прежде чем писать ещё."
            .into(),
    }
}

/// Told once an hour when a message would open one ticket too many.
pub fn too_many_tickets(lang: Lang, limit: u32) -> String {
    match lang {
        Lang::En => format!(
            "🐢 You have opened {limit} tickets in the last hour. Your message is kept on your latest one; \
                     please write again later to open a new ticket."
        ),
        Lang::Ru => format!(
            "🐢 За последний час вы открыли {limit} обращений. Ваше сообщение сохранено в последнем из них; \
                     чтобы открыть новое, напишите позже."
        ),
    }
}

pub fn status_open(lang: Lang, number: i32, day: NaiveDate) -> String {
    let day = day.format("%Y-%m-%d");
    match lang {
        Lang::En => format!("Your ticket <b>#{number}</b> of {day} is open."),
        Lang::Ru => format!("Ваше обращение <b>#{number}</b> от {day} открыто."),
    }
}

pub fn no_open_ticket(lang: Lang) -> String {
    match lang {
        Lang::En => "You have no open ticket. Write a message to open one.".into(),
        Lang::Ru => "У вас нет открытого обращения. Напишите сообщение, чтобы открыть его.".into(),
    }
}

pub fn closed(lang: Lang, number: i32, day: NaiveDate) -> String {
    let day = day.format("%Y-%m-%d");
    match lang {
        Lang::En => format!("Ticket <b>#{number}</b> of {day} is closed. Write again any time to open a new one."),
        Lang::Ru => format!("Обращение <b>#{number}</b> от {day} закрыто. Напишите снова, чтобы открыть новое."),
    }
}

pub fn new_ticket_prompt(lang: Lang) -> String {
    match lang {
        Lang::En => "Write your new question: it will open a new ticket.".into(),
        Lang::Ru => "Напишите новый вопрос: он откроет новое обращение.".into(),
    }
}

/// A saved reply as its user reads it (plain text, not yet escaped):
/// `{name}` is their first name, `{ticket}` the ticket's `#N`.
pub fn fill_snippet(body: &str, first_name: &str, number: i32) -> String {
    body.replace("{name}", first_name).replace("{ticket}", &format!("#{number}"))
}

/// After a close (`CSAT`): under it, five stars to tap.
pub fn rating_question(lang: Lang, number: i32, day: NaiveDate) -> String {
    let day = day.format("%Y-%m-%d");
    match lang {
        Lang::En => format!("How did we do with ticket <b>#{number}</b> of {day}? Tap a star: 1 is poor, 5 is great."),
        Lang::Ru => format!(
            "Как мы справились с обращением <b>#{number}</b> от {day}? Нажмите на звезду: 1 — плохо, 5 — отлично."
        ),
    }
}

/// The question once a star is tapped: the choice, and that it can change.
pub fn rated(lang: Lang, number: i32, day: NaiveDate, score: i32) -> String {
    let day = day.format("%Y-%m-%d");
    let stars = "⭐".repeat(score.clamp(0, 5) as usize);
    match lang {
        Lang::En => format!(
            "Thank you! You rated ticket <b>#{number}</b> of {day}: {stars} ({score}/5). Tap another star to \
             change it. Anything to add? Write it here within a few minutes."
        ),
        Lang::Ru => format!(
            "Спасибо! Ваша оценка обращения <b>#{number}</b> от {day}: {stars} ({score}/5). Чтобы изменить её, \
             нажмите другую звезду. Хотите что-то добавить? Напишите здесь в ближайшие минуты."
        ),
    }
}

/// Shown briefly on the tapped star.
pub fn rating_thanks(lang: Lang) -> String {
    match lang {
        Lang::En => "Thank you for rating us!".into(),
        Lang::Ru => "Спасибо за оценку!".into(),
    }
}

/// The words a user wrote just after rating were kept with the rating.
pub fn comment_kept(lang: Lang) -> String {
    match lang {
        Lang::En => "📝 Thank you, your comment is added to your rating. Write again to open a new ticket.".into(),
        Lang::Ru => {
            "📝 Спасибо, ваш комментарий добавлен к оценке. Напишите снова, чтобы открыть новое обращение.".into()
        }
    }
}

/// Outside `WORKING_HOURS`: staff are away, and when they are back (the
/// time as the setting writes it); once per ticket.
pub fn away(lang: Lang, back: Option<&Opening>, today: NaiveDate) -> String {
    let when = back.map(|b| {
        let day = match (b.date - today).num_days() {
            0 => None,
            1 => Some(match lang {
                Lang::En => "tomorrow".to_string(),
                Lang::Ru => "завтра".to_string(),
            }),
            _ => Some(weekday(lang, b.weekday)),
        };
        match (lang, day) {
            (Lang::En, None) => format!("today at {}", b.time),
            (Lang::En, Some(day)) => format!("{day} at {}", b.time),
            (Lang::Ru, None) => format!("сегодня в {}", b.time),
            (Lang::Ru, Some(day)) => format!("{day} в {}", b.time),
        }
    });
    match (lang, when) {
        (Lang::En, Some(when)) => format!(
            "🌙 Our team is away right now and will be back {when}. Your message is kept on your ticket; \
             we will answer here."
        ),
        (Lang::En, None) => {
            "🌙 Our team is away right now. Your message is kept on your ticket; we will answer here.".into()
        }
        (Lang::Ru, Some(when)) => format!(
            "🌙 Сейчас мы не на связи и вернёмся {when}. Ваше сообщение сохранено в обращении; мы ответим здесь."
        ),
        (Lang::Ru, None) => "🌙 Сейчас мы не на связи. Ваше сообщение сохранено в обращении; мы ответим здесь.".into(),
    }
}

/// "on Monday" / "в понедельник".
fn weekday(lang: Lang, day: Weekday) -> String {
    let (en, ru) = match day {
        Weekday::Mon => ("Monday", "в понедельник"),
        Weekday::Tue => ("Tuesday", "во вторник"),
        Weekday::Wed => ("Wednesday", "в среду"),
        Weekday::Thu => ("Thursday", "в четверг"),
        Weekday::Fri => ("Friday", "в пятницу"),
        Weekday::Sat => ("Saturday", "в субботу"),
        Weekday::Sun => ("Sunday", "в воскресенье"),
    };
    match lang {
        Lang::En => format!("on {en}"),
        Lang::Ru => ru.to_string(),
    }
}

pub fn banned(lang: Lang) -> String {
    match lang {
        Lang::En => "Sorry, support is not available to you.".into(),
        Lang::Ru => "К сожалению, поддержка для вас недоступна.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use fake_telegram::visible_text;

    #[test]
    fn every_user_text_is_valid_telegram_html() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        for lang in [Lang::En, Lang::Ru] {
            for text in [
                greeting(lang),
                ticket_opened(lang, 7, day),
                slow_down(lang),
                too_many_tickets(lang, 5),
                status_open(lang, 1, day),
                no_open_ticket(lang),
                closed(lang, 3, day),
                new_ticket_prompt(lang),
                banned(lang),
                away(lang, None, day),
                rating_question(lang, 3, day),
                rated(lang, 3, day, 4),
                rating_thanks(lang),
                comment_kept(lang),
            ] {
                assert!(visible_text(&text).is_ok(), "{text}");
            }
        }
        assert!(ticket_opened(Lang::En, 7, day).contains("#7</b> of 2026-11-21"));
    }

    #[test]
    fn the_away_notice_names_the_day_and_the_time_as_written() {
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let opening = |date: NaiveDate, time: &str| Opening { date, weekday: date.weekday(), time: time.into() };
        let monday = opening(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), "9:00");
        assert!(away(Lang::En, Some(&monday), friday).contains("back on Monday at 9:00"));
        assert!(away(Lang::Ru, Some(&monday), friday).contains("вернёмся в понедельник в 9:00"));
        let saturday = opening(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(), "10:00");
        assert!(away(Lang::En, Some(&saturday), friday).contains("back tomorrow at 10:00"));
        assert!(away(Lang::Ru, Some(&opening(friday, "14:00")), friday).contains("вернёмся сегодня в 14:00"));
    }

    #[test]
    fn language_from_telegram_code() {
        assert_eq!(Lang::from_code(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_code(Some("ru-RU")), Lang::Ru);
        assert_eq!(Lang::from_code(Some("de")), Lang::En);
        assert_eq!(Lang::from_code(None), Lang::En);
    }
}
