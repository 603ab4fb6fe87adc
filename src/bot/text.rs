//! Every user-facing string, in English and Russian. A user gets Russian
//! when their Telegram `language_code` starts with `ru`; English otherwise.
//! Staff always read English (the support chat is shared). Arguments that
//! came from people must already be escaped (`bot::html::escape`).

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

pub fn ticket_opened(lang: Lang, number: i32, day: &str) -> String {
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

pub fn status_open(lang: Lang, number: i32, day: &str) -> String {
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

pub fn closed_for_user(lang: Lang, number: i32, day: &str) -> String {
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

pub fn banned(lang: Lang) -> String {
    match lang {
        Lang::En => "Sorry, support is not available to you.".into(),
        Lang::Ru => "К сожалению, поддержка для вас недоступна.".into(),
    }
}

// Staff side (English).

/// The ticket's card in the support chat. `name` and `username` are raw.
pub fn card(number: i32, day: &str, user_id: i64, name: &str, username: Option<&str>) -> String {
    let handle = username.map(|u| format!(" @{}", super::html::escape(u))).unwrap_or_default();
    format!(
        "🎫 <b>#{number}</b> · {day}\nFrom {}{handle} (id <code>{user_id}</code>)\n\
         Reply to this card or to any message of the ticket to answer.",
        super::html::user_link(user_id, name)
    )
}

pub fn staff_closed(number: i32, by: &str) -> String {
    format!("🔒 <b>#{number}</b> closed by {}.", super::html::escape(by))
}

pub fn user_closed(number: i32) -> String {
    format!("🔒 <b>#{number}</b> closed by the user.")
}

pub fn staff_reopened(number: i32, by: &str) -> String {
    format!("🔓 <b>#{number}</b> reopened by {}.", super::html::escape(by))
}

pub fn already_closed(number: i32) -> String {
    format!("<b>#{number}</b> is already closed.")
}

pub fn already_open(number: i32) -> String {
    format!("<b>#{number}</b> is already open.")
}

pub fn user_has_other_ticket(number: i32, other: i32) -> String {
    format!("Cannot reopen <b>#{number}</b>: the user has ticket <b>#{other}</b> open.")
}

pub fn reply_to_no_ticket() -> String {
    "This message belongs to no ticket: reply to a ticket's card or to one of its messages.".into()
}

pub fn staff_command_needs_ticket(command: &str) -> String {
    format!("Use /{command} as a reply to a ticket's card or message.")
}

pub fn staff_help() -> String {
    "<b>ticketbot</b> — answering tickets\n\
     • Reply to a ticket's card or to any of its messages: your reply reaches the user (text, media, files).\n\
     • /close — as a reply: close that ticket (the user is told).\n\
     • /reopen — as a reply: reopen it.\n\
     • /help — this text."
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_telegram::visible_text;

    #[test]
    fn every_text_is_valid_telegram_html() {
        let texts = [
            greeting(Lang::En),
            greeting(Lang::Ru),
            ticket_opened(Lang::En, 7, "2026-11-21"),
            ticket_opened(Lang::Ru, 7, "2026-11-21"),
            status_open(Lang::Ru, 1, "d"),
            no_open_ticket(Lang::En),
            closed_for_user(Lang::Ru, 3, "d"),
            new_ticket_prompt(Lang::En),
            banned(Lang::Ru),
            card(7, "2026-11-21", 42, "<3 & co", Some("x<y")),
            staff_closed(7, "<script>"),
            user_closed(1),
            staff_reopened(7, "A&B"),
            already_closed(1),
            already_open(1),
            user_has_other_ticket(1, 2),
            reply_to_no_ticket(),
            staff_command_needs_ticket("close"),
            staff_help(),
        ];
        for t in texts {
            assert!(visible_text(&t).is_ok(), "{t}");
        }
    }

    #[test]
    fn language_from_telegram_code() {
        assert_eq!(Lang::from_code(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_code(Some("ru-RU")), Lang::Ru);
        assert_eq!(Lang::from_code(Some("de")), Lang::En);
        assert_eq!(Lang::from_code(None), Lang::En);
    }
}
