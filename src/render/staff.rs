//! What staff read in the support chat (English: the chat is shared).

use super::html::{escape, user_link};
use super::{full_name, shorten};
use crate::domain::{Period, Stats};
use crate::storage::rows::{Ticket, User};

/// The ticket's card: who wrote, and how to answer.
pub fn card(ticket: &Ticket, user: &User) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let handle = user.username.as_deref().map(|u| format!(" @{}", escape(u))).unwrap_or_default();
    format!(
        "🎫 <b>#{}</b> · {}\nFrom {}{handle} (id <code>{}</code>)\n\
         Reply to this card or to any message of the ticket to answer.",
        ticket.number,
        ticket.day.format("%Y-%m-%d"),
        user_link(user.id, &name),
        user.id,
    )
}

/// A ticket's forum topic name, `#7 · Ann Lee`: plain text, at most 128
/// characters.
pub fn topic_name(ticket: &Ticket, user: &User) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    format!("#{} · {name}", ticket.number).chars().take(128).collect()
}

/// The first lines of `/help`, then one line per command (`/close`, what it
/// does), as the command list describes them.
pub fn help<'a>(commands: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = String::from(
        "<b>ticketbot</b> — answering tickets\n\
         • Reply to a ticket's card or to any of its messages: your reply reaches the user (text, media, files).\n\
         A ticket can also be named as <code>#N</code> (today) or <code>YYYY-MM-DD#N</code> instead of replying:",
    );
    for (command, description) in commands {
        text.push_str(&format!("\n• /{} — {}", escape(command), escape(description)));
    }
    text
}

pub fn user_edited(number: i32) -> String {
    format!("✏️ The user edited this message of <b>#{number}</b>; now it reads:")
}

pub fn user_blocked_bot(name: &str, number: Option<i32>) -> String {
    let ticket = number.map(|n| format!(" (ticket <b>#{n}</b>)")).unwrap_or_default();
    format!("⛔ {}{ticket} blocked the bot: nothing reaches them until they write again.", escape(name))
}

/// A message to a user that Telegram kept failing to take, set aside.
pub fn undeliverable(name: &str, number: Option<i32>, reason: &str) -> String {
    let ticket = number.map(|n| format!(" (ticket <b>#{n}</b>)")).unwrap_or_default();
    format!(
        "⚠️ A message to {}{ticket} could not be delivered and was set aside: {}. Send it again if it still matters.",
        escape(name),
        escape(&shorten(reason, 200))
    )
}

pub fn closed_by(number: i32, by: &str) -> String {
    format!("🔒 <b>#{number}</b> closed by {}.", escape(by))
}

pub fn closed_by_user(number: i32) -> String {
    format!("🔒 <b>#{number}</b> closed by the user.")
}

/// A ticket waited past `FIRST_RESPONSE_SLA`: who, and how long.
pub fn reminder(ticket: &Ticket, user: &User, waited: &str, first: bool) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let answer = if first { "a first answer" } else { "an answer" };
    format!("⏰ <b>#{}</b> · {} has waited {waited} for {answer}.", ticket.number, escape(&name))
}

/// The user rated the ticket (`⭐ 4/5 for #7`), or changed their rating.
pub fn rated(number: i32, score: i32, before: Option<i32>) -> String {
    let was = before.map(|b| format!(" (was {b}/5)")).unwrap_or_default();
    format!("⭐ {score}/5 for <b>#{number}</b>{was}")
}

/// What the user wrote just after rating.
pub fn rating_comment(number: i32, score: i32, text: &str) -> String {
    format!("💬 The user's comment on ⭐ {score}/5 for <b>#{number}</b>: {}", escape(&shorten(text, 3000)))
}

pub fn snippet_saved(name: &str) -> String {
    format!("💾 Saved reply <code>{0}</code> kept: send it with /s {0} on a ticket.", escape(name))
}

pub fn snippet_deleted(name: &str) -> String {
    format!("🗑 Saved reply <code>{}</code> deleted.", escape(name))
}

pub fn no_such_snippet(name: &str) -> String {
    format!("There is no saved reply <code>{}</code>: /snippets lists them.", escape(name))
}

pub fn snippet_too_long(limit: usize) -> String {
    format!("A saved reply may be at most {limit} characters long, with {{name}} and {{ticket}} filled in.")
}

pub fn snippet_usage() -> String {
    "Usage: /snippet add NAME TEXT (in the text, {name} is the user's first name and {ticket} the ticket's #N), \
     /snippet del NAME; /s NAME as a reply to a ticket (or in its topic) sends it. A name is up to 32 of \
     a-z, 0-9, _ and -."
        .into()
}

pub fn no_snippets() -> String {
    "No saved replies yet: /snippet add NAME TEXT keeps one.".into()
}

pub fn snippets_header(count: usize) -> String {
    format!("<b>Saved replies</b> ({count}); send one with /s NAME on a ticket:")
}

pub fn snippet_line(name: &str, body: &str) -> String {
    format!("• <code>{}</code> — {}", escape(name), escape(&shorten(body, 80)))
}

/// What `/s NAME` sent, for staff to see.
pub fn snippet_sent(number: i32, name: &str, text: &str) -> String {
    format!("📤 Sent <code>{}</code> to the user of <b>#{number}</b>:\n{}", escape(name), escape(&shorten(text, 3500)))
}

pub fn unsend_usage() -> String {
    "Use /unsend as a reply to an answer that reached a user: it is deleted from their chat.".into()
}

pub fn unsent() -> String {
    "🗑 Unsent: the answer was deleted from the user's chat (the ticket keeps it, marked unsent).".into()
}

pub fn already_unsent() -> String {
    "That answer was unsent already.".into()
}

pub fn unsend_not_delivered() -> String {
    "That answer has not reached the user yet; try /unsend again in a moment.".into()
}

pub fn unsend_too_old() -> String {
    "Telegram lets a bot delete its messages for 48 hours only: that answer stays.".into()
}

pub fn stats_usage() -> String {
    "Usage: /stats (today), /stats week (the last 7 days), /stats month (the last 30 days).".into()
}

/// `/stats`' text: the period's figures, then per staff member.
pub fn stats(stats: &Stats) -> String {
    let period = match stats.period {
        Period::Day => format!("today ({})", stats.last_day.format("%Y-%m-%d")),
        _ => format!(
            "the last {} days ({} – {})",
            stats.days.len(),
            stats.first_day.format("%Y-%m-%d"),
            stats.last_day.format("%Y-%m-%d")
        ),
    };
    let or_none = |s: Option<i64>| s.map(super::duration).unwrap_or_else(|| "—".into());
    let mut text = format!(
        "📊 <b>Statistics for {period}</b>\n\
         Tickets: {} opened, {} closed\n\
         First response: median {}, 90th percentile {} ({} of the tickets opened answered)\n\
         Time to close: median {}\n\
         Reminders sent (waited past the first-response time): {}\n",
        stats.opened,
        stats.closed,
        or_none(stats.first_response_median),
        or_none(stats.first_response_p90),
        stats.answered,
        or_none(stats.close_median),
        stats.reminders,
    );
    text.push_str(&match stats.rating_average {
        Some(average) => format!("Ratings: ⭐ {average:.1} average of {}", stats.ratings),
        None => "Ratings: none".into(),
    });
    if !stats.staff.is_empty() {
        text.push_str(
            "\n<b>By staff member</b> (tickets answered; median first response of those they answered first):",
        );
    }
    for member in stats.staff.iter().take(30) {
        text.push_str(&format!(
            "\n• {} — {}; {}",
            escape(&member.name),
            member.tickets_answered,
            or_none(member.first_response_median)
        ));
    }
    text
}

/// Closed by `AUTO_CLOSE_AFTER`.
pub fn auto_closed(number: i32, after: &str) -> String {
    format!("🔒 <b>#{number}</b> closed automatically: the user had not answered for {after}.")
}

pub fn reopened_by(number: i32, by: &str) -> String {
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

/// Staff hear once a minute that a user is flooding, and where the
/// messages not posted here are.
pub fn flooding(user: &User, ticket: &Ticket, limit: u32) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    format!(
        "🐢 {} is writing more than {limit} messages a minute: the rest of this minute's are kept on ticket \
         <b>#{}</b>, not posted here. {} lists them.",
        escape(&name),
        ticket.number,
        super::digest::ticket_command(ticket)
    )
}

/// Staff hear once an hour that a user's messages stopped opening tickets.
pub fn too_many_tickets(user: &User, ticket: &Ticket, limit: u32) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    format!(
        "🐢 {} opened {limit} tickets within an hour: for the rest of the hour their messages are kept on \
         ticket <b>#{}</b> without opening new ones. {} lists them.",
        escape(&name),
        ticket.number,
        super::digest::ticket_command(ticket)
    )
}

pub fn reply_to_digest() -> String {
    "That digest lists several tickets: open one with its /ticket_… link, then reply to its card.".into()
}

pub fn command_needs_ticket(command: &str) -> String {
    format!("Use /{} as a reply to a ticket's card or message.", escape(command))
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
    format!("/{} is for the group's admins.", escape(command))
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

/// One line of `/open`: `ticket` waited `age` (already formatted).
/// One open ticket: its age, and for a ticket waiting for staff how long
/// it has waited (`waited`), first.
pub fn open_line(ticket: &Ticket, user: &User, age: &str, waited: Option<&str>, assignee: Option<&str>) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let who = match &user.username {
        Some(u) => format!("{name} (@{u})"),
        None => name,
    };
    let to = assignee.map(|a| format!(" → {}", escape(a))).unwrap_or_else(|| " → nobody".into());
    let waiting = waited.map(|w| format!("⏳ waiting {w} · ")).unwrap_or_default();
    format!("{waiting}<b>#{}</b> · {} · {age} · {}{to}", ticket.number, ticket.day.format("%Y-%m-%d"), escape(&who))
}

pub fn open_more(next_page: u32) -> String {
    format!("More: /open {}", next_page + 1)
}

pub fn history_header(ticket: &Ticket, user_name: &str) -> String {
    let status = if ticket.is_open() { "open" } else { "closed" };
    format!("🎫 <b>#{}</b> · {} · {status} · {}", ticket.number, ticket.day.format("%Y-%m-%d"), escape(user_name))
}

/// A long ticket's history lists only its latest messages; where the
/// earlier ones are.
pub fn history_earlier(count: i64, forum: bool) -> String {
    let place = if forum { "in the ticket's topic" } else { "in this chat, as replies to the ticket's card" };
    format!("… {count} earlier message(s) not listed: they are {place}, where each arrived.")
}

/// How much of a message a history line shows.
pub const HISTORY_LINE_CHARS: usize = 300;

/// One message of a ticket's history: `who` is its direction's mark, `text`
/// is raw and gets shortened.
pub fn history_line(time: &str, who: &str, kind: &str, text: Option<&str>) -> String {
    let body = match text {
        Some(t) => escape(&shorten(t, HISTORY_LINE_CHARS)),
        None => format!("[{kind}]"),
    };
    format!("<code>{time}</code> {who}: {body}")
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;
    use fake_telegram::visible_text;

    use super::*;
    use crate::domain::TicketStatus;

    pub(crate) fn ticket(number: i32) -> Ticket {
        let at = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap().and_hms_opt(9, 0, 0).unwrap();
        Ticket {
            id: 1,
            day: at.date(),
            number,
            user_id: 42,
            status: TicketStatus::Open,
            opened_at: at,
            closed_at: None,
            assignee_id: None,
            first_response_at: None,
            support_message_id: None,
            support_thread_id: None,
            support_chat_id: None,
            waiting_since: Some(at),
            last_response_at: None,
            first_responder_id: None,
            reminded_at: None,
            away_notified_at: None,
        }
    }

    pub(crate) fn user(name: &str, username: Option<&str>) -> User {
        let at = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap().and_hms_opt(9, 0, 0).unwrap();
        User {
            id: 42,
            username: username.map(str::to_string),
            first_name: name.into(),
            last_name: None,
            language_code: None,
            banned_at: None,
            created_at: at,
            updated_at: at,
            ban_notified_at: None,
            blocked_bot_at: None,
            burst_started_at: None,
            burst_count: 0,
            slowed_at: None,
            tickets_slowed_at: None,
        }
    }

    #[test]
    fn every_staff_text_is_valid_telegram_html() {
        let hostile = user("<3 & co", Some("x<y"));
        let texts = [
            card(&ticket(7), &hostile),
            help([("close", "Close <a> ticket"), ("note", "A & B")]),
            user_edited(1),
            user_blocked_bot("<3", Some(1)),
            user_blocked_bot("<3", None),
            closed_by(7, "<script>"),
            closed_by_user(1),
            reopened_by(7, "A&B"),
            already_closed(1),
            already_open(1),
            user_has_other_ticket(1, 2),
            reply_to_no_ticket(),
            reply_to_digest(),
            flooding(&hostile, &ticket(3), 30),
            too_many_tickets(&hostile, &ticket(3), 5),
            history_earlier(12, true),
            command_needs_ticket("close"),
            assigned(1, "<b>", "&"),
            note_saved(1),
            user_banned("<3", 1),
            user_unbanned("<3"),
            admins_only("ban"),
            unknown_staff("@x<y"),
            assign_usage(),
            note_usage(),
            no_such_ticket("#<1>"),
            no_open_tickets(),
            open_header(0, 2, 11),
            open_line(&ticket(1), &hostile, "2h 5m", Some("7m"), Some("A&B")),
            open_more(1),
            rated(1, 4, Some(2)),
            unsend_usage(),
            unsent(),
            already_unsent(),
            unsend_not_delivered(),
            unsend_too_old(),
            snippet_saved("a<b"),
            snippet_deleted("a<b"),
            no_such_snippet("a<b"),
            snippet_too_long(3500),
            snippet_usage(),
            no_snippets(),
            snippets_header(3),
            snippet_line("x", &"<&>".repeat(100)),
            snippet_sent(1, "x", &"<&>".repeat(1500)),
            rating_comment(1, 4, &"<&>".repeat(2000)),
            reminder(&ticket(1), &hostile, "7m", true),
            auto_closed(1, "3d 0h"),
            history_header(&ticket(1), "<3"),
            history_line("10:00", "👤", "photo", Some(&"<&>".repeat(500))),
            history_line("10:00", "👤", "photo", None),
        ];
        for t in texts {
            assert!(visible_text(&t).is_ok(), "{t}");
        }
    }

    #[test]
    fn a_topic_is_named_by_number_and_full_name_within_telegrams_limit() {
        let mut ann = user("Ann", None);
        ann.last_name = Some("Lee".into());
        assert_eq!(topic_name(&ticket(7), &ann), "#7 · Ann Lee");
        assert_eq!(topic_name(&ticket(7), &user(&"x".repeat(300), None)).chars().count(), 128);
    }

    #[test]
    fn a_card_names_the_ticket_and_the_user() {
        let shown = visible_text(&card(&ticket(7), &user("<3 & co", Some("alice")))).unwrap();
        assert!(shown.starts_with("🎫 #7 · 2026-11-21\nFrom <3 & co @alice (id 42)"), "{shown}");
    }
}
