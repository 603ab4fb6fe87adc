//! What staff read in the support chat, in `STAFF_LANGUAGE`
//! (`Texts::staff`): each function names its message in
//! `assets/texts/*/staff.ftl` and fills in its variables, escaped.

use super::html::{escape, user_link};
use super::texts::{Words, day, id};
use super::{duration, full_name, shorten, with_username};
use crate::domain::{ContentKind, Period, Stats};
use crate::storage::rows::{Ticket, User};

/// ` @username` (escaped), or nothing.
fn handle(user: &User) -> String {
    user.username.as_deref().map(|u| format!(" @{}", escape(u))).unwrap_or_default()
}

/// The ticket's card: who wrote, and how to answer.
pub fn card(w: Words, ticket: &Ticket, user: &User) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    w.say(
        "card",
        [
            ("number", id(ticket.number)),
            ("day", day(ticket.day)),
            ("user", user_link(user.id, &name).into()),
            ("handle", handle(user).into()),
            ("id", id(user.id)),
        ],
    )
}

/// A ticket's forum topic name, `#7 · Ann Lee`: plain text, at most 128
/// characters.
pub fn topic_name(w: Words, ticket: &Ticket, user: &User) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    w.say("topic-name", [("number", id(ticket.number)), ("name", name.into())]).chars().take(128).collect()
}

/// The first lines of `/help`, then one line per command (`/close`, what it
/// does), as the command menu describes them.
pub fn help<'a>(w: Words, commands: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = w.say("help", []);
    for (command, description) in commands {
        text.push('\n');
        text.push_str(
            &w.say("help-line", [("command", escape(command).into()), ("description", escape(description).into())]),
        );
    }
    text
}

pub fn user_edited(w: Words, number: i32) -> String {
    w.say("user-edited", [("number", id(number))])
}

pub fn user_blocked_bot(w: Words, name: &str, number: Option<i32>) -> String {
    match number {
        Some(n) => w.say("user-blocked-bot-ticket", [("name", escape(name).into()), ("number", id(n))]),
        None => w.say("user-blocked-bot", [("name", escape(name).into())]),
    }
}

/// A message to a user that Telegram kept failing to take, set aside.
pub fn undeliverable(w: Words, name: &str, number: Option<i32>, reason: &str) -> String {
    let (name, reason) = (escape(name).into(), escape(&shorten(reason, 200)).into());
    match number {
        Some(n) => w.say("undeliverable-ticket", [("name", name), ("number", id(n)), ("reason", reason)]),
        None => w.say("undeliverable", [("name", name), ("reason", reason)]),
    }
}

pub fn closed_by(w: Words, number: i32, by: &str) -> String {
    w.say("closed-by", [("number", id(number)), ("name", escape(by).into())])
}

pub fn closed_by_user(w: Words, number: i32) -> String {
    w.say("closed-by-user", [("number", id(number))])
}

/// A ticket waited past `FIRST_RESPONSE_SLA`: who, and how long.
pub fn reminder(w: Words, ticket: &Ticket, user: &User, waited: &str, first: bool) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let message = if first { "reminder-first" } else { "reminder" };
    w.say(message, [("number", id(ticket.number)), ("name", escape(&name).into()), ("waited", waited.into())])
}

/// The user rated the ticket (`⭐ 4/5 for #7`), or changed their rating.
pub fn rated(w: Words, number: i32, score: i32, before: Option<i32>) -> String {
    match before {
        Some(before) => {
            w.say("rated-again", [("score", score.into()), ("number", id(number)), ("before", before.into())])
        }
        None => w.say("rated", [("score", score.into()), ("number", id(number))]),
    }
}

/// What the user wrote just after rating.
pub fn rating_comment(w: Words, number: i32, score: i32, text: &str) -> String {
    let text = escape(&shorten(text, 3000)).into();
    w.say("rating-comment", [("score", score.into()), ("number", id(number)), ("text", text)])
}

pub fn snippet_saved(w: Words, name: &str) -> String {
    w.say("snippet-saved", [("name", escape(name).into())])
}

pub fn snippet_deleted(w: Words, name: &str) -> String {
    w.say("snippet-deleted", [("name", escape(name).into())])
}

pub fn no_such_snippet(w: Words, name: &str) -> String {
    w.say("no-such-snippet", [("name", escape(name).into())])
}

pub fn snippet_too_long(w: Words, limit: usize) -> String {
    w.say("snippet-too-long", [("limit", limit.into())])
}

pub fn snippet_usage(w: Words) -> String {
    w.say("snippet-usage", [])
}

pub fn no_snippets(w: Words) -> String {
    w.say("no-snippets", [])
}

pub fn snippets_header(w: Words, count: usize) -> String {
    w.say("snippets-header", [("count", count.into())])
}

pub fn snippet_line(w: Words, name: &str, body: &str) -> String {
    w.say("snippet-line", [("name", escape(name).into()), ("text", escape(&shorten(body, 80)).into())])
}

/// What `/s NAME` sent, for staff to see.
pub fn snippet_sent(w: Words, number: i32, name: &str, text: &str) -> String {
    let text = escape(&shorten(text, 3500)).into();
    w.say("snippet-sent", [("name", escape(name).into()), ("number", id(number)), ("text", text)])
}

pub fn web_reply_sent(w: Words, number: i32, name: &str, text: &str) -> String {
    let text = escape(&shorten(text, 3500)).into();
    w.say("web-reply-sent", [("name", escape(name).into()), ("number", id(number)), ("text", text)])
}

pub fn unsend_usage(w: Words) -> String {
    w.say("unsend-usage", [])
}

pub fn unsent(w: Words) -> String {
    w.say("unsent", [])
}

pub fn already_unsent(w: Words) -> String {
    w.say("already-unsent", [])
}

pub fn unsend_not_delivered(w: Words) -> String {
    w.say("unsend-not-delivered", [])
}

pub fn unsend_too_old(w: Words) -> String {
    w.say("unsend-too-old", [])
}

pub fn stats_usage(w: Words) -> String {
    w.say("stats-usage", [])
}

/// `/stats`' text: the period's figures, then per staff member.
pub fn stats(w: Words, stats: &Stats) -> String {
    let mut text = match stats.period {
        Period::Day => w.say("stats-today", [("day", day(stats.last_day))]),
        _ => w.say(
            "stats-days",
            [("days", stats.days.len().into()), ("first", day(stats.first_day)), ("last", day(stats.last_day))],
        ),
    };
    let or_none = |s: Option<i64>| s.map(|s| duration(w, s)).unwrap_or_else(|| w.say("stats-none", []));
    text.push('\n');
    text.push_str(&w.say(
        "stats-figures",
        [
            ("opened", stats.opened.into()),
            ("closed", stats.closed.into()),
            ("median", or_none(stats.first_response_median).into()),
            ("p90", or_none(stats.first_response_p90).into()),
            ("answered", stats.answered.into()),
            ("close", or_none(stats.close_median).into()),
            ("reminders", stats.reminders.into()),
        ],
    ));
    text.push('\n');
    text.push_str(&match stats.rating_average {
        Some(average) => w.say("stats-ratings", [("average", average.into()), ("count", stats.ratings.into())]),
        None => w.say("stats-no-ratings", []),
    });
    if !stats.staff.is_empty() {
        text.push('\n');
        text.push_str(&w.say("stats-staff-header", []));
    }
    for member in stats.staff.iter().take(30) {
        text.push('\n');
        text.push_str(&w.say(
            "stats-staff-line",
            [
                ("name", escape(&member.name).into()),
                ("answered", member.tickets_answered.into()),
                ("median", or_none(member.first_response_median).into()),
            ],
        ));
    }
    text
}

pub fn find_usage(w: Words) -> String {
    w.say("find-usage", [])
}

/// `query` as staff typed it (raw); `page` from 1.
pub fn found_nothing(w: Words, query: &str, page: usize) -> String {
    w.say("found-nothing", [("query", escape(query).into()), ("page", page.into())])
}

pub fn found_header(w: Words, query: &str, page: usize) -> String {
    w.say("found-header", [("query", escape(query).into()), ("page", page.into())])
}

/// One ticket `/find` found: its link, its user, its status, and its
/// newest matching message around the first word found in it.
pub fn found_line(w: Words, ticket: &Ticket, user: &User, text: Option<&str>, words: &[String]) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let status = if ticket.is_open() { "open" } else { "closed" };
    w.say(
        "found-line",
        [
            ("command", super::digest::ticket_command(ticket).into()),
            ("name", escape(&shorten(&name, 40)).into()),
            ("handle", handle(user).into()),
            ("status", status.into()),
            ("text", escape(&around(text.unwrap_or_default(), words, FOUND_CONTEXT)).into()),
        ],
    )
}

/// `page` is the next page's number.
pub fn found_more(w: Words, query: &str, page: usize) -> String {
    w.say("found-more", [("query", escape(query).into()), ("page", id(page))])
}

/// Characters `/find` shows on each side of the word it found.
const FOUND_CONTEXT: usize = 60;

/// `text` around the first of `words` in it (any case), at most `context`
/// characters on each side, with an ellipsis where it was cut; the start
/// of `text` when no word is found as written (the index matched a form of
/// it).
fn around(text: &str, words: &[String], context: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let found = words
        .iter()
        .filter_map(|word| {
            let word: Vec<char> = word.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect();
            lower.windows(word.len().max(1)).position(|window| window == word.as_slice())
        })
        .min()
        .unwrap_or(0);
    let start = found.saturating_sub(context);
    let end = (found + context * 2).min(chars.len()).max(start);
    let mut shown: String =
        chars[start..end].iter().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if start > 0 {
        shown.insert(0, '…');
    }
    if end < chars.len() {
        shown.push('…');
    }
    shown
}

pub fn export_usage(w: Words) -> String {
    w.say("export-usage", [])
}

/// Under `/export`'s file: how many tickets of which days.
pub fn export_caption(w: Words, rows: u64, first: chrono::NaiveDate, last: chrono::NaiveDate) -> String {
    w.say("export-caption", [("count", rows.into()), ("first", day(first)), ("last", day(last))])
}

pub fn export_too_big(w: Words) -> String {
    w.say("export-too-big", [])
}

/// `/forget`'s question; `name` raw.
pub fn forget_confirm(w: Words, number: i32, name: &str) -> String {
    w.say("forget-confirm", [("name", escape(name).into()), ("number", id(number))])
}

/// A button's label (plain text): `button-forget`, `button-forget-topics`
/// or `button-cancel`.
pub fn button(w: Words, which: &str) -> String {
    w.say(which, [])
}

pub fn forget_cancelled(w: Words, number: i32) -> String {
    w.say("forget-cancelled", [("number", id(number))])
}

/// What an erasure removed.
pub fn forget_done(w: Words, number: i32, texts: usize, updates: usize, outbox: usize) -> String {
    w.say(
        "forget-done",
        [("number", id(number)), ("texts", texts.into()), ("updates", updates.into()), ("outbox", outbox.into())],
    )
}

pub fn forget_gone(w: Words, number: i32) -> String {
    w.say("forget-gone", [("number", id(number))])
}

/// On a button someone who is no admin pressed (plain text).
pub fn press_admins_only(w: Words) -> String {
    w.say("press-admins-only", [])
}

/// Closed by `AUTO_CLOSE_AFTER`.
pub fn auto_closed(w: Words, number: i32, after: &str) -> String {
    w.say("auto-closed", [("number", id(number)), ("after", after.into())])
}

pub fn reopened_by(w: Words, number: i32, by: &str) -> String {
    w.say("reopened-by", [("number", id(number)), ("name", escape(by).into())])
}

pub fn already_closed(w: Words, number: i32) -> String {
    w.say("already-closed", [("number", id(number))])
}

pub fn already_open(w: Words, number: i32) -> String {
    w.say("already-open", [("number", id(number))])
}

pub fn user_has_other_ticket(w: Words, number: i32, other: i32) -> String {
    w.say("user-has-other-ticket", [("number", id(number)), ("other", id(other))])
}

pub fn reply_to_no_ticket(w: Words) -> String {
    w.say("reply-to-no-ticket", [])
}

/// Staff hear once a minute that a user is flooding, and where the
/// messages not posted here are.
pub fn flooding(w: Words, user: &User, ticket: &Ticket, limit: u32) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    w.say(
        "flooding",
        [
            ("name", escape(&name).into()),
            ("limit", limit.into()),
            ("number", id(ticket.number)),
            ("command", super::digest::ticket_command(ticket).into()),
        ],
    )
}

/// Staff hear once an hour that a user's messages stopped opening tickets.
pub fn too_many_tickets(w: Words, user: &User, ticket: &Ticket, limit: u32) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    w.say(
        "too-many-tickets",
        [
            ("name", escape(&name).into()),
            ("limit", limit.into()),
            ("number", id(ticket.number)),
            ("command", super::digest::ticket_command(ticket).into()),
        ],
    )
}

pub fn reply_to_digest(w: Words) -> String {
    w.say("reply-to-digest", [])
}

pub fn command_needs_ticket(w: Words, command: &str) -> String {
    w.say("command-needs-ticket", [("command", escape(command).into())])
}

pub fn assigned(w: Words, number: i32, to: &str, by: &str) -> String {
    w.say("assigned", [("number", id(number)), ("to", escape(to).into()), ("by", escape(by).into())])
}

pub fn note_saved(w: Words, number: i32) -> String {
    w.say("note-saved", [("number", id(number))])
}

pub fn user_banned(w: Words, name: &str, number: i32) -> String {
    w.say("user-banned", [("name", escape(name).into()), ("number", id(number))])
}

pub fn user_unbanned(w: Words, name: &str) -> String {
    w.say("user-unbanned", [("name", escape(name).into())])
}

pub fn admins_only(w: Words, command: &str) -> String {
    w.say("admins-only", [("command", escape(command).into())])
}

pub fn unknown_staff(w: Words, username: &str) -> String {
    w.say("unknown-staff", [("username", escape(username.trim_start_matches('@')).into())])
}

pub fn assign_usage(w: Words) -> String {
    w.say("assign-usage", [])
}

pub fn note_usage(w: Words) -> String {
    w.say("note-usage", [])
}

pub fn no_such_ticket(w: Words, reference: &str) -> String {
    w.say("no-such-ticket", [("reference", escape(reference).into())])
}

pub fn no_open_tickets(w: Words) -> String {
    w.say("no-open-tickets", [])
}

/// `page` counts from 0.
pub fn open_header(w: Words, page: u32, pages: u32, total: i64) -> String {
    w.say("open-header", [("total", total.into()), ("page", (page + 1).into()), ("pages", pages.into())])
}

/// One open ticket: its age, and for a ticket waiting for staff how long
/// it has waited (`waited`), first; `age` and `waited` already formatted.
pub fn open_line(
    w: Words,
    ticket: &Ticket,
    user: &User,
    age: &str,
    waited: Option<&str>,
    assignee: Option<&str>,
) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let who = with_username(&name, user.username.as_deref());
    let assignee = assignee.map(escape).unwrap_or_else(|| w.say("nobody", []));
    let (number, on, age, who, assignee) =
        (id(ticket.number), day(ticket.day), age.into(), escape(&who).into(), assignee.into());
    match waited {
        Some(waited) => w.say(
            "open-line-waiting",
            [
                ("waited", waited.into()),
                ("number", number),
                ("day", on),
                ("age", age),
                ("who", who),
                ("assignee", assignee),
            ],
        ),
        None => {
            w.say("open-line", [("number", number), ("day", on), ("age", age), ("who", who), ("assignee", assignee)])
        }
    }
}

/// `next_page` counts from 0.
pub fn open_more(w: Words, next_page: u32) -> String {
    // In a command: never grouped (`/open 1001`, not `/open 1,001`).
    w.say("open-more", [("page", id(next_page + 1))])
}

pub fn history_header(w: Words, ticket: &Ticket, user_name: &str) -> String {
    let status = if ticket.is_open() { "open" } else { "closed" };
    w.say(
        "history-header",
        [
            ("number", id(ticket.number)),
            ("day", day(ticket.day)),
            ("status", status.into()),
            ("name", escape(user_name).into()),
        ],
    )
}

/// A long ticket's history lists only its latest messages; where the
/// earlier ones are.
pub fn history_earlier(w: Words, count: i64, forum: bool) -> String {
    w.say("history-earlier", [("count", count.into()), ("forum", if forum { "yes" } else { "no" }.into())])
}

/// How much of a message a history line shows.
pub const HISTORY_LINE_CHARS: usize = 300;

/// `[photo]`: what a message without text carries (plain text).
pub fn media(w: Words, kind: ContentKind) -> String {
    w.say("history-media", [("kind", kind.as_str().into())])
}

/// One message of a ticket's history: `who` is its direction's mark, `text`
/// is raw and gets shortened; a message without text shows its kind.
pub fn history_line(w: Words, time: &str, who: &str, kind: ContentKind, text: Option<&str>) -> String {
    let body = match text {
        Some(t) => escape(&shorten(t, HISTORY_LINE_CHARS)),
        None => escape(&media(w, kind)),
    };
    w.say("history-line", [("time", time.into()), ("who", who.into()), ("text", body.into())])
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;
    use fake_telegram::visible_text;

    use super::*;
    use crate::domain::TicketStatus;
    use crate::render::Texts;

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
    fn every_staff_text_is_valid_telegram_html_in_every_language() {
        let hostile = user("<3 & co", Some("x<y"));
        for language in ["en", "ru"] {
            let loaded = Texts::load(None, language).unwrap();
            let w = loaded.staff();
            assert_eq!(w.language(), language);
            let texts = [
                card(w, &ticket(7), &hostile),
                help(w, [("close", "Close <a> ticket"), ("note", "A & B")]),
                user_edited(w, 1),
                user_blocked_bot(w, "<3", Some(1)),
                user_blocked_bot(w, "<3", None),
                undeliverable(w, "<3", Some(1), "Bad Request: <&>"),
                undeliverable(w, "<3", None, "Forbidden"),
                closed_by(w, 7, "<script>"),
                closed_by_user(w, 1),
                reopened_by(w, 7, "A&B"),
                already_closed(w, 1),
                already_open(w, 1),
                user_has_other_ticket(w, 1, 2),
                reply_to_no_ticket(w),
                reply_to_digest(w),
                flooding(w, &hostile, &ticket(3), 30),
                too_many_tickets(w, &hostile, &ticket(3), 5),
                history_earlier(w, 12, true),
                command_needs_ticket(w, "close"),
                assigned(w, 1, "<b>", "&"),
                note_saved(w, 1),
                user_banned(w, "<3", 1),
                user_unbanned(w, "<3"),
                admins_only(w, "ban"),
                unknown_staff(w, "@x<y"),
                assign_usage(w),
                note_usage(w),
                no_such_ticket(w, "#<1>"),
                no_open_tickets(w),
                open_header(w, 0, 2, 11),
                open_line(w, &ticket(1), &hostile, "2h 5m", Some("7m"), Some("A&B")),
                open_more(w, 1),
                rated(w, 1, 4, Some(2)),
                unsend_usage(w),
                unsent(w),
                already_unsent(w),
                unsend_not_delivered(w),
                unsend_too_old(w),
                snippet_saved(w, "a<b"),
                snippet_deleted(w, "a<b"),
                no_such_snippet(w, "a<b"),
                snippet_too_long(w, 3500),
                snippet_usage(w),
                no_snippets(w),
                snippets_header(w, 3),
                snippet_line(w, "x", &"<&>".repeat(100)),
                snippet_sent(w, 1, "x", &"<&>".repeat(1500)),
                rating_comment(w, 1, 4, &"<&>".repeat(2000)),
                reminder(w, &ticket(1), &hostile, "7m", true),
                auto_closed(w, 1, "3d 0h"),
                history_header(w, &ticket(1), "<3"),
                history_line(w, "10:00", "👤", ContentKind::Photo, Some(&"<&>".repeat(500))),
                find_usage(w),
                forget_confirm(w, 7, "<3 & co"),
                forget_cancelled(w, 7),
                forget_done(w, 7, 21, 3, 1),
                forget_gone(w, 7),
                export_usage(w),
                export_caption(w, 1234, chrono::NaiveDate::MIN, chrono::NaiveDate::MAX),
                export_too_big(w),
                found_nothing(w, "<b>", 2),
                found_header(w, "a&b", 1),
                found_line(w, &ticket(3), &hostile, Some(&"<&> ".repeat(900)), &["&".to_string()]),
                found_line(w, &ticket(3), &hostile, None, &["x".to_string()]),
                found_more(w, "<", 2),
                history_line(w, "10:00", "👤", ContentKind::VideoNote, None),
            ];
            for t in texts {
                assert!(visible_text(&t).is_ok(), "{t}");
            }
        }
    }

    #[test]
    fn a_match_is_shown_around_its_first_word_in_any_case() {
        let text = format!("{} The PRINTER is on fire {}", "a".repeat(100), "b".repeat(200));
        let shown = around(&text, &["printer".into(), "fire".into()], 10);
        assert_eq!(shown, "…aaaaa The PRINTER is on fire b…");
        assert_eq!(around("Принтер горит", &["ГОРИТ".into()], 60), "Принтер горит");
        assert_eq!(around("short", &["nowhere".into()], 3), "short");
        assert_eq!(around("line one\n\nline   two", &["two".into()], 60), "line one line two");
    }

    #[test]
    fn a_topic_is_named_by_number_and_full_name_within_telegrams_limit() {
        let mut ann = user("Ann", None);
        ann.last_name = Some("Lee".into());
        let texts = Texts::embedded();
        assert_eq!(topic_name(texts.staff(), &ticket(7), &ann), "#7 · Ann Lee");
        assert_eq!(topic_name(texts.staff(), &ticket(7), &user(&"x".repeat(300), None)).chars().count(), 128);
    }

    #[test]
    fn a_card_names_the_ticket_and_the_user() {
        let texts = Texts::embedded();
        let shown = visible_text(&card(texts.staff(), &ticket(7), &user("<3 & co", Some("alice")))).unwrap();
        assert!(shown.starts_with("🎫 #7 · 2026-11-21\nFrom <3 & co @alice (id 42)"), "{shown}");
    }
}
