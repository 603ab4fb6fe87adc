//! A digest's text: what the support chat gets instead of one message per
//! notification when it is flooded (which rows go in is the outbox's
//! decision, `outbox::digest`).

use super::html::escape;
use super::{full_name, shorten};
use crate::storage::rows::{Ticket, User};

/// The first lines of a digest: what it is and how to reach a ticket.
pub fn header(tickets: usize, messages: usize) -> String {
    format!(
        "📥 <b>Busy: {messages} message(s) in {tickets} ticket(s)</b>, gathered here to stay within Telegram's \
         limits.\nTap a ticket to see it and answer; a reply to this digest reaches no one."
    )
}

/// The command that opens a ticket, `/ticket_20261121_7` (Telegram makes
/// it tappable). Always with its day: a digest tapped after midnight must
/// not open that day's #7, another user's.
pub fn ticket_command(ticket: &Ticket) -> String {
    format!("/ticket_{}_{}", ticket.day.format("%Y%m%d"), ticket.number)
}

/// One ticket in a digest: new or not, its user, how many messages, and
/// the first line of the first (`preview`, raw).
pub fn line(ticket: &Ticket, user: &User, new: bool, messages: usize, preview: Option<&str>) -> String {
    let icon = if new { "🆕" } else { "💬" };
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let handle = user.username.as_deref().map(|u| format!(" @{}", escape(&shorten(u, 32)))).unwrap_or_default();
    let count = if messages > 1 { format!(" ({messages} messages)") } else { String::new() };
    let preview = preview.map(|p| format!(": {}", escape(&shorten(p, 80)))).unwrap_or_default();
    format!("{icon} {} · {}{handle}{count}{preview}", ticket_command(ticket), escape(&shorten(&name, 40)))
}

#[cfg(test)]
mod tests {
    use fake_telegram::visible_text;

    use super::*;
    use crate::render::staff::tests::{ticket, user};

    #[test]
    fn digest_lines_are_valid_and_name_the_ticket_with_its_day() {
        let shown = line(&ticket(7), &user("<3", Some("a<b")), true, 2, Some(&"<&>".repeat(100)));
        let visible = visible_text(&shown).unwrap();
        assert!(visible.starts_with("🆕 /ticket_20261121_7 · <3 @a<b (2 messages): <&>"), "{visible}");
        assert!(visible_text(&header(3, 4)).is_ok());
    }
}
