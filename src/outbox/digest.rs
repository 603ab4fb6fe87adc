//! Digests: when more waits for the support chat than its flood limit lets
//! out soon, the waiting notifications (new tickets' cards, relayed user
//! messages, topic openings) go out merged, one line per ticket, instead of
//! queueing one message each. Every line carries the command that opens
//! the ticket, so nothing in a digest is out of reach. Only the rows queued
//! before the first one that cannot be merged (a command's answer, a
//! notice) go in, so nothing overtakes it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::lock;
use super::message::{Outbound, Record};
use super::send::{Verdict, backoff};
use super::store::DigestCandidate;
use super::worker::{DeliveryWorker, Step};
use crate::db::DbError;
use crate::render::html::{MESSAGE_LIMIT, visible_len};
use crate::render::{self, Words};
use crate::storage::rows::{OutboxRow, TicketMessage};

/// The support chat goes to digests when more waits for it than its flood
/// limit lets out within this long, keeping `DIGEST_RESERVE` of it back.
const DIGEST_HORIZON: Duration = Duration::from_secs(10);

/// Group messages per window kept for digests: one-by-one messages stop
/// while this many are left, so a rush always finds room to be shown
/// (8 digests hold some 300 tickets).
const DIGEST_RESERVE: usize = 8;

/// Digests are spread out (about the group's sustained rate), so one rush
/// does not spend the reserve on digests of a ticket or two; a digest that
/// is full goes at once.
const DIGEST_SPACING: Duration = Duration::from_secs(3);

/// Waiting rows read to build one digest: more than one digest's worth.
const DIGEST_READ: i64 = 500;

/// Fewer waiting rows than this cannot fill a digest (about 60 tickets of a
/// card and a message each).
const DIGEST_FULL_ROWS: i64 = 100;

/// After Telegram refused a digest, rows go one by one this long.
const DIGEST_PAUSE: Duration = Duration::from_secs(60);

/// A digest ready to send, and the outbox rows it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub html: String,
    pub rows: Vec<i64>,
    pub tickets: usize,
    /// Every waiting ticket made it in (else more than one digest waits).
    pub complete: bool,
}

impl DeliveryWorker {
    /// Whether more waits for the support chat than its limit lets out
    /// within `DIGEST_HORIZON`: `Some(rows waiting)` when flooded.
    pub(super) async fn support_flooded(&self) -> Result<Option<i64>, DbError> {
        let chat = self.support.id();
        let waiting = self.outbox.backlog_in(chat).await?;
        let room = self.limits.capacity(chat, DIGEST_HORIZON).saturating_sub(DIGEST_RESERVE);
        Ok((waiting > i64::try_from(room).unwrap_or(i64::MAX)).then_some(waiting))
    }

    /// Sends the support chat's waiting notifications as one digest, when
    /// it is full or the last one is `DIGEST_SPACING` old. `None` when
    /// nothing waiting can go into a digest (or Telegram refused it): then
    /// `head` is sent as it is.
    pub(super) async fn deliver_digest(&self, head: &OutboxRow, waiting: i64) -> Result<Option<Step>, DbError> {
        let now = Instant::now();
        if lock(&self.digests_off_until).is_some_and(|until| now < until) {
            return Ok(None);
        }
        let recent = lock(&self.last_digest).is_some_and(|at| at.elapsed() < DIGEST_SPACING);
        // Cheap first: while the last digest is recent only a full one goes,
        // and fewer rows than a digest holds cannot fill one.
        if recent && waiting < DIGEST_FULL_ROWS {
            return Ok(Some(Step::Waiting));
        }
        let candidates = self.outbox.digest_candidates(head.chat_id, DIGEST_READ).await?;
        // A digest of one row would save nothing; a head that cannot go
        // into one (an answer, a notice) goes first, on its own.
        let Some(digest) = compose(self.texts.staff(), &candidates).filter(|d| d.rows.len() > 1) else {
            return Ok(None);
        };
        if recent && digest.complete {
            return Ok(Some(Step::Waiting));
        }
        let message = Outbound::Text { html: digest.html, reply: None, topic: false };
        match self.send(head.chat_id, &message, None, None).await {
            Verdict::Paced => return Ok(Some(Step::Waiting)),
            Verdict::Sent(message_id) => {
                *lock(&self.last_digest) = Some(Instant::now());
                tracing::info!(
                    chat = head.chat_id,
                    tickets = digest.tickets,
                    rows = digest.rows.len(),
                    "outbox: sent a digest"
                );
                let recorded = self.outbox.digested(&digest.rows, message_id).await?;
                if recorded < digest.rows.len() {
                    tracing::warn!(
                        chat = head.chat_id,
                        rows = digest.rows.len(),
                        recorded,
                        "outbox: a digest held rows another worker claimed; they may also go on their own"
                    );
                }
            }
            Verdict::Wait(after) => self.flood_controlled(head, after).await?,
            // Readdressed: the digest is made again for the new chat.
            Verdict::Moved => {}
            // The head row carries the backoff: the chat waits with it.
            Verdict::Transient(reason) => {
                tracing::warn!(chat = head.chat_id, ticket = head.ticket_id, %reason, "outbox: digest failed, will retry");
                self.outbox.retry(head, backoff(head.attempts), &reason).await?;
            }
            // Not retried every round (a closed General topic refuses every
            // digest): one by one for a minute, then try again.
            Verdict::Refused { status, reason } => {
                tracing::error!(chat = head.chat_id, status, %reason, "outbox: Telegram refused a digest; one by one for a minute");
                *lock(&self.digests_off_until) = Some(now + DIGEST_PAUSE);
                return Ok(None);
            }
        }
        // The rows after this one may be in the digest: the next claim
        // starts after them.
        Ok(Some(Step::Moved))
    }
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
pub fn compose(w: Words, candidates: &[DigestCandidate]) -> Option<Digest> {
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
    let budget = MESSAGE_LIMIT - visible_len(&render::digest::header(w, 99_999, 99_999)) - 1;
    let (mut lines, mut used, mut rows, mut messages) = (Vec::new(), 0, Vec::new(), 0);
    for entry in &entries {
        let Some(line) = line(w, entry) else { continue };
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
    let html =
        std::iter::once(render::digest::header(w, tickets, messages)).chain(lines).collect::<Vec<_>>().join("\n");
    Some(Digest { html, rows, tickets, complete })
}

fn line(w: Words, entry: &Entry<'_>) -> Option<String> {
    let (ticket, user) = (entry.candidate.ticket.as_ref()?, entry.candidate.user.as_ref()?);
    let first = entry.messages.iter().flatten().next();
    let preview = first.map(|m| match m.text.as_deref().and_then(|t| t.lines().find(|l| !l.trim().is_empty())) {
        Some(line) if m.kind == crate::domain::ContentKind::Text => line.to_string(),
        Some(line) => format!("{} {line}", render::staff::media(w, m.kind)),
        None => render::staff::media(w, m.kind),
    });
    Some(render::digest::line(w, ticket, user, entry.new, entry.messages.len(), preview.as_deref()))
}
