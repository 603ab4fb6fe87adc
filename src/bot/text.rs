//! Every user-facing string, in English and Russian. A user gets Russian
//! when their Telegram `language_code` starts with `ru`; English otherwise.
//! Staff always read English (the support chat is shared). Arguments that
//! came from people are escaped here, or must already be where a
//! function's doc says so.

use super::html::escape;

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
    let handle = username.map(|u| format!(" @{}", escape(u))).unwrap_or_default();
    format!(
        "🎫 <b>#{number}</b> · {day}\nFrom {}{handle} (id <code>{user_id}</code>)\n\
         Reply to this card or to any message of the ticket to answer.",
        super::html::user_link(user_id, name)
    )
}

/// A ticket's forum topic name (plain text, at most 128 characters).
pub fn topic_name(number: i32, user_name: &str) -> String {
    format!("#{number} · {user_name}").chars().take(128).collect()
}

pub fn user_edited(number: i32) -> String {
    format!("✏️ The user edited this message of <b>#{number}</b>; now it reads:")
}

pub fn user_blocked_bot(name: &str, number: Option<i32>) -> String {
    let ticket = number.map(|n| format!(" (ticket <b>#{n}</b>)")).unwrap_or_default();
    format!("⛔ {}{ticket} blocked the bot: nothing reaches them until they write again.", escape(name))
}

pub fn staff_closed(number: i32, by: &str) -> String {
    format!("🔒 <b>#{number}</b> closed by {}.", escape(by))
}

pub fn user_closed(number: i32) -> String {
    format!("🔒 <b>#{number}</b> closed by the user.")
}

pub fn staff_reopened(number: i32, by: &str) -> String {
    format!("🔓 <b>#{number}</b> reopened by {}.", escape(by))
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
     A ticket can also be named as <code>#N</code> (today) or <code>YYYY-MM-DD#N</code> instead of replying:\n\
     • /close, /reopen — close (the user is told) or reopen a ticket.\n\
     • /take — assign a ticket to yourself; /assign @name — to someone (admins).\n\
     • /note text — keep a note on a ticket; never sent to the user.\n\
     • /open [page] — open tickets with age and assignee.\n\
     • /ticket #N — a ticket's history.\n\
     • /ban, /unban — stop or allow a ticket's user (admins).\n\
     • /help — this text."
        .into()
}

pub fn assigned(number: i32, to: &str, by: &str) -> String {
    format!("👤 <b>#{number}</b> assigned to {} by {}.", escape(to), escape(by))
}

pub fn note_saved(number: i32) -> String {
    format!("📝 Note kept on <b>#{number}</b> (not sent to the user).")
}

pub fn user_banned(name: &str, number: i32) -> String {
    format!("⛔ {} (ticket <b>#{number}</b>) is banned: their messages no longer reach staff.", escape(name))
}

pub fn user_unbanned(name: &str) -> String {
    format!("✅ {} is no longer banned.", escape(name))
}

pub fn admins_only(command: &str) -> String {
    format!("/{command} is for the group's admins.")
}

pub fn unknown_staff(username: &str) -> String {
    format!("I don't know @{} yet: they need to answer a ticket once first.", escape(username.trim_start_matches('@')))
}

pub fn assign_usage() -> String {
    "Usage: /assign @username, as a reply to a ticket (or /assign @username #N).".into()
}

pub fn note_usage() -> String {
    "Usage: /note text, as a reply to a ticket (or /note #N text).".into()
}

pub fn no_such_ticket(reference: &str) -> String {
    format!("There is no ticket {}.", escape(reference))
}

pub fn no_open_tickets() -> String {
    "No open tickets. 🎉".into()
}

pub fn open_header(page: u32, pages: u32, total: i64) -> String {
    format!("📋 <b>Open tickets</b> — {total} in all, page {}/{pages}", page + 1)
}

pub fn open_line(number: i32, day: &str, age: &str, user: &str, assignee: Option<&str>) -> String {
    let who = assignee.map(|a| format!(" → {}", escape(a))).unwrap_or_else(|| " → nobody".into());
    format!("<b>#{number}</b> · {day} · {age} · {}{who}", escape(user))
}

pub fn open_more(next_page: u32) -> String {
    format!("More: /open {}", next_page + 1)
}

pub fn history_header(number: i32, day: &str, status: &str, user: &str) -> String {
    format!("🎫 <b>#{number}</b> · {day} · {status} · {}", escape(user))
}

/// How much of a message a history line shows.
pub const HISTORY_LINE_CHARS: usize = 300;

/// One message of a ticket's history; `text` is raw and gets shortened.
pub fn history_line(time: &str, who: &str, kind: &str, text: Option<&str>) -> String {
    let body = match text {
        Some(t) => escape(&shorten(t, HISTORY_LINE_CHARS)),
        None => format!("[{kind}]"),
    };
    format!("<code>{time}</code> {who}: {body}")
}

/// The first lines of a digest: what it is and how to reach a ticket.
pub fn digest_header(tickets: usize, messages: usize) -> String {
    format!(
        "📥 <b>Busy: {messages} message(s) in {tickets} ticket(s)</b>, gathered here to stay within Telegram's \
         limits.\nTap a ticket to see it and answer; a reply to this digest reaches no one."
    )
}

/// One ticket in a digest. `command` opens it (`/ticket_7`); `name`,
/// `username` and `preview` are raw.
pub fn digest_line(
    command: &str,
    new: bool,
    name: &str,
    username: Option<&str>,
    messages: usize,
    preview: Option<&str>,
) -> String {
    let icon = if new { "🆕" } else { "💬" };
    let handle = username.map(|u| format!(" @{}", escape(&shorten(u, 32)))).unwrap_or_default();
    let count = if messages > 1 { format!(" ({messages} messages)") } else { String::new() };
    let preview = preview.map(|p| format!(": {}", escape(&shorten(p, 80)))).unwrap_or_default();
    format!("{icon} {command} · {}{handle}{count}{preview}", escape(&shorten(name, 40)))
}

pub fn reply_to_digest() -> String {
    "That digest lists several tickets: open one with its /ticket_… link, then reply to its card.".into()
}

fn shorten(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// Command menus registered with Telegram: (command, description).
pub const USER_COMMANDS: &[(&str, &str)] = &[
    ("start", "How this works"),
    ("status", "Your open ticket"),
    ("close", "Close your ticket"),
    ("new", "Close it and start a new one"),
    ("help", "How this works"),
];

pub const STAFF_COMMANDS: &[(&str, &str)] = &[
    ("close", "Close a ticket (reply or #N)"),
    ("reopen", "Reopen a ticket (reply or #N)"),
    ("take", "Assign a ticket to yourself"),
    ("assign", "Assign a ticket: /assign @name"),
    ("note", "Keep a note on a ticket"),
    ("open", "Open tickets"),
    ("ticket", "A ticket's history: /ticket #N"),
    ("ban", "Ban a ticket's user (admins)"),
    ("unban", "Unban a ticket's user (admins)"),
    ("help", "How to answer tickets"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use fake_telegram::visible_text;

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
            assigned(1, "<b>", "&"),
            note_saved(1),
            user_edited(1),
            user_blocked_bot("<3", Some(1)),
            user_blocked_bot("<3", None),
            user_banned("<3", 1),
            user_unbanned("<3"),
            admins_only("ban"),
            unknown_staff("@x<y"),
            assign_usage(),
            note_usage(),
            no_such_ticket("#<1>"),
            no_open_tickets(),
            open_header(0, 2, 11),
            open_line(1, "d", "2h 5m", "<3", Some("A&B")),
            open_more(1),
            history_header(1, "d", "open", "<3"),
            history_line("10:00", "👤", "photo", Some(&"<&>".repeat(500))),
            history_line("10:00", "👤", "photo", None),
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
