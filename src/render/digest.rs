//! A digest's text: what the support chat gets instead of one message per
//! notification when it is flooded (which rows go in is the outbox's
//! decision, `outbox::digest`).

use super::html::escape;
use super::texts::Words;
use super::{full_name, shorten};
use crate::storage::rows::{Ticket, User};

/// The first lines of a digest: what it is and how to reach a ticket.
pub fn header(w: Words, tickets: usize, messages: usize) -> String {
    w.say("digest-header", [("tickets", tickets.into()), ("messages", messages.into())])
}

/// The command that opens a ticket, `/ticket_20261121_7` (Telegram makes
/// it tappable). Always with its day: a digest tapped after midnight must
/// not open that day's #7, another user's.
pub fn ticket_command(ticket: &Ticket) -> String {
    format!("/ticket_{}_{}", ticket.day.format("%Y%m%d"), ticket.number)
}

/// One ticket in a digest: new or not, its user, how many messages, and
/// the first line of the first (`preview`, raw).
pub fn line(w: Words, ticket: &Ticket, user: &User, new: bool, messages: usize, preview: Option<&str>) -> String {
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let handle = user.username.as_deref().map(|u| format!(" @{}", escape(&shorten(u, 32)))).unwrap_or_default();
    let preview = preview.map(|p| format!(": {}", escape(&shorten(p, 80)))).unwrap_or_default();
    w.say(
        "digest-line",
        [
            ("new", if new { "yes" } else { "no" }.into()),
            ("command", ticket_command(ticket).into()),
            ("name", escape(&shorten(&name, 40)).into()),
            ("handle", handle.into()),
            ("messages", messages.into()),
            ("preview", preview.into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use fake_telegram::visible_text;

    use super::*;
    use crate::render::staff::tests::{ticket, user};

    #[test]
    fn digest_lines_are_valid_and_name_the_ticket_with_its_day() {
        let texts = crate::render::Texts::embedded();
        let w = texts.staff();
        let shown = line(w, &ticket(7), &user("<3", Some("a<b")), true, 2, Some(&"<&>".repeat(100)));
        let visible = visible_text(&shown).unwrap();
        assert!(visible.starts_with("🆕 /ticket_20261121_7 · <3 @a<b (2 messages): <&>"), "{visible}");
        let one = visible_text(&line(w, &ticket(7), &user("Ann", None), false, 1, None)).unwrap();
        assert_eq!(one, "💬 /ticket_20261121_7 · Ann");
        assert!(visible_text(&header(w, 3, 4)).unwrap().starts_with("📥 Busy: 4 messages in 3 tickets,"));
        assert!(visible_text(&header(w, 1, 1)).unwrap().starts_with("📥 Busy: 1 message in 1 ticket,"));
    }
}
