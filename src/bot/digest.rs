//! Digests: when more waits for the support chat than its flood limit lets
//! out soon, the waiting notifications (new tickets' cards, relayed user
//! messages, topic openings) go out merged, one line per ticket, instead of
//! queueing one message each. Every line carries the command that opens
//! the ticket (`/ticket_20261121_7`), so nothing in a digest is out of
//! reach. Only the rows queued before the first one that cannot be merged
//! (a command's answer, a notice) go in, so nothing overtakes it.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::handle::full_name;
use super::html::{MESSAGE_LIMIT, visible_len};
use super::text;
use crate::models::{Ticket, TicketMessage};
use crate::service::DigestCandidate;
use crate::telegram::outbound::{Outbound, Record};

/// A digest ready to send, and the outbox rows it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub html: String,
    pub rows: Vec<i64>,
    pub tickets: usize,
    /// Every waiting ticket made it in (else more than one digest waits).
    pub complete: bool,
}

/// What a waiting row is, as a digest sees it.
enum Part<'a> {
    /// The ticket's card: the ticket is new.
    Card,
    /// A user's message relayed to staff.
    Message(Option<&'a TicketMessage>),
    /// The ticket's forum topic, still to open: it opens later, when the
    /// next message for the topic is sent.
    Topic,
}

fn part(candidate: &DigestCandidate) -> Option<Part<'_>> {
    candidate.ticket.as_ref()?;
    match (&candidate.envelope.message, candidate.envelope.record) {
        (Outbound::Text { .. }, Record::TicketCard) => Some(Part::Card),
        (Outbound::Copy { .. }, Record::SupportCopy) => Some(Part::Message(candidate.message.as_ref())),
        (Outbound::CreateTopic { .. }, _) => Some(Part::Topic),
        // Staff notices, command answers, edits: sent as they are.
        _ => None,
    }
}

/// One ticket's share of the waiting rows.
struct Entry<'a> {
    candidate: &'a DigestCandidate,
    rows: Vec<i64>,
    new: bool,
    messages: Vec<Option<&'a TicketMessage>>,
}

/// Builds the first digest from the waiting rows (oldest first): one line
/// per ticket, in the order the tickets first appear, as many as fit one
/// message. `None` when no waiting row can go into a digest.
pub fn compose(candidates: &[DigestCandidate]) -> Option<Digest> {
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let mut by_ticket: HashMap<i64, usize> = HashMap::new();
    for candidate in candidates {
        let (Some(part), Some(ticket)) = (part(candidate), &candidate.ticket) else { break };
        let index = *by_ticket.entry(ticket.id).or_insert_with(|| {
            entries.push(Entry { candidate, rows: Vec::new(), new: false, messages: Vec::new() });
            entries.len() - 1
        });
        let entry = &mut entries[index];
        entry.rows.push(candidate.row.id);
        match part {
            Part::Card => entry.new = true,
            Part::Message(m) => entry.messages.push(m),
            Part::Topic => {}
        }
    }
    if entries.is_empty() {
        return None;
    }
    // Room for the header, whatever its counts.
    let budget = MESSAGE_LIMIT - visible_len(&text::digest_header(99_999, 99_999)) - 1;
    let (mut lines, mut used, mut rows, mut messages) = (Vec::new(), 0, Vec::new(), 0);
    for entry in &entries {
        let Some(line) = line(entry) else { continue };
        let cost = visible_len(&line) + 1;
        if used + cost > budget {
            break;
        }
        used += cost;
        lines.push(line);
        rows.extend(&entry.rows);
        messages += entry.messages.len();
    }
    let tickets = lines.len();
    let complete = tickets == entries.len();
    let html = std::iter::once(text::digest_header(tickets, messages)).chain(lines).collect::<Vec<_>>().join("\n");
    Some(Digest { html, rows, tickets, complete })
}

fn line(entry: &Entry<'_>) -> Option<String> {
    let (ticket, user) = (entry.candidate.ticket.as_ref()?, entry.candidate.user.as_ref()?);
    let name = full_name(&user.first_name, user.last_name.as_deref());
    let first = entry.messages.iter().flatten().next();
    let preview = first.map(|m| match m.text.as_deref().and_then(|t| t.lines().find(|l| !l.trim().is_empty())) {
        Some(line) if m.kind == crate::domain::ContentKind::Text => line.to_string(),
        Some(line) => format!("[{}] {line}", m.kind.as_str()),
        None => format!("[{}]", m.kind.as_str()),
    });
    Some(text::digest_line(
        &command(ticket),
        entry.new,
        &name,
        user.username.as_deref(),
        entry.messages.len(),
        preview.as_deref(),
    ))
}

/// The command that opens a ticket, `/ticket_20261121_7` (Telegram makes
/// it tappable). Always with its day: a digest tapped after midnight must
/// not open that day's #7, another user's.
pub fn command(ticket: &Ticket) -> String {
    format!("/ticket_{}_{}", ticket.day.format("%Y%m%d"), ticket.number)
}

/// Reads the argument of a `/ticket_…` command back as a ticket reference
/// (`7` or `2026-11-20#7`); `None` if it is not one.
pub fn reference(suffix: &str) -> Option<String> {
    match suffix.split_once('_') {
        None => suffix.parse::<u32>().ok().map(|n| n.to_string()),
        Some((day, number)) => {
            let day = NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
            let number = number.parse::<u32>().ok()?;
            Some(format!("{}#{number}", day.format("%Y-%m-%d")))
        }
    }
}

/// The ticket numbers a support-chat text shows, as staff read it: a
/// card's `#7`, a digest's `/ticket_20261121_7` (any day). Tests and the
/// burst benchmark use it to tell when every ticket has reached staff.
pub fn numbers_named(text: &str) -> Vec<i32> {
    let mut numbers = Vec::new();
    for marker in ["#", "/ticket_"] {
        for (at, _) in text.match_indices(marker) {
            let mut rest = &text[at + marker.len()..];
            if marker == "/ticket_" {
                // Skip the day: `20261121_`.
                let day: String = rest.chars().take_while(char::is_ascii_digit).collect();
                match rest[day.len()..].strip_prefix('_') {
                    Some(after) => rest = after,
                    None => continue,
                }
            }
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                numbers.push(n);
            }
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        assert_eq!(reference("7").as_deref(), Some("7"));
        assert_eq!(reference("20261120_7").as_deref(), Some("2026-11-20#7"));
        assert_eq!(reference("x"), None);
        assert_eq!(reference("20261340_7"), None);
        assert_eq!(numbers_named("🎫 #12 · 2026-11-21"), vec![12]);
        assert_eq!(numbers_named("🆕 /ticket_20261121_3 · A\n💬 /ticket_20261120_4 · B"), vec![3, 4]);
    }
}
