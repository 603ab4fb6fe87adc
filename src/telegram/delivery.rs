//! The delivery worker: sends what the outbox holds, oldest first within
//! each chat, and records what Telegram answered.
//!
//! Each round claims what may go now (`Mailroom::claim_due`: of every chat
//! a run of rows from its oldest, for a short lease) and sends the chats'
//! runs side by side, each run in order. A row is recorded only while the
//! claim is this worker's, so a worker that stalled past its lease cannot
//! overwrite what a replica that took over did.
//!
//! - 429: the chat waits `retry_after` (its later rows too, to keep order);
//! - network errors and 5xx: the row is retried with exponential backoff
//!   and jitter;
//! - 400 (bad request) and 403 (blocked, not a member): the row fails with
//!   Telegram's reason and is not retried.
//!
//! When the support chat falls behind (more waiting than its limit lets out
//! within `DIGEST_HORIZON`), its waiting notifications go out as digests
//! (`bot::digest`). A ticket whose card or topic went into a digest gets
//! them when its next message is sent normally, so staff never see a bare
//! message without its ticket.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{LinkPreviewOptions, MessageId, ParseMode, ReplyParameters, ThreadId};
use tokio::sync::Notify;

use super::outbound::{Envelope, Outbound, Reply, Sent};
use super::pacing::Pacer;
use super::recorder::{RECORD_EVERY, Recorder};
use crate::metrics::Metrics;
use crate::models::{OutboxRow, Ticket};
use crate::service::{Mailroom, ServiceError};

/// Attempts before a transient failure becomes final: with the backoff
/// capped at 5 minutes, about a day and a half of retrying.
const MAX_ATTEMPTS: i32 = 400;

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

/// Rows of one chat claimed per round: sent one after another, so a long
/// queue (the support chat in a rush) costs one claim per this many sends.
const CLAIM_RUN: usize = 64;

/// Rows claimed per round in all.
const CLAIM_LIMIT: usize = 256;

/// How long a claim keeps other workers off the rows. A round stops
/// sending `LEASE_MARGIN` before its lease ends; a worker that dies holds
/// its rows this long at most.
const CLAIM_LEASE: Duration = Duration::from_secs(20);
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Chats written to at the same time. Each chat's rows still go one by
/// one; this lets a thousand users' replies overlap their round trips.
pub const DELIVERY_LANES: usize = 8;

/// The most rows that can have been sent and not recorded at any moment,
/// which is what a crash (`kill -9`) can make go twice: while one batch is
/// being recorded, the lanes fill the next and then wait for it (each
/// batch holds at most `RECORD_EVERY - 1` rows and what each lane sent
/// last: one message,
pub const UNRECORDED_AT_MOST: usize = 2 * (RECORD_EVERY + DELIVERY_LANES);

/// or an album of up to `ALBUM_MAX`).
pub const UNRECORDED_AT_MOST_WITH_ALBUMS: usize = 2 * (RECORD_EVERY + DELIVERY_LANES * ALBUM_MAX);

/// Telegram's largest album (media group).
const ALBUM_MAX: usize = 10;

/// What a ticket needs in the support chat before a row about it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// Its forum topic (the row is for the topic).
    Topic,
    /// Its card (the row replies to the card, or opens the topic's talk).
    Card,
}

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Sent(i32),
    /// Telegram's flood control: wait this long before writing to the chat.
    Wait(Duration),
    /// Worth trying again later (network, 5xx).
    Transient(String),
    /// Telegram refused it for good (400, 403); the reason says why.
    Refused(String),
    /// Not sent: the flood limits want this chat to wait (nothing to record).
    Paced,
}

/// The tickets a support-chat run is about, as the run leaves them.
#[derive(Default)]
struct Tickets(std::collections::HashMap<i64, Ticket>);

impl Tickets {
    /// A row was sent that made `message_id` the ticket's card or topic.
    fn recorded(&mut self, ticket: Option<i64>, record: super::outbound::Record, message_id: i32) {
        use super::outbound::Record;
        let Some(ticket) = ticket.and_then(|id| self.0.get_mut(&id)) else { return };
        match record {
            Record::TicketCard | Record::RequestedCard => ticket.support_message_id = Some(message_id),
            Record::TicketTopic => ticket.support_thread_id = Some(message_id),
            _ => {}
        }
    }

    fn topic_opened(&mut self, ticket: Option<i64>, thread: i32) {
        if let Some(ticket) = ticket.and_then(|id| self.0.get_mut(&id)) {
            ticket.support_thread_id = Some(thread);
        }
    }
}

/// Where a chat's run stands after one of its rows.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// The row is done (sent, merged into a digest, failed for good): on to
    /// the chat's next row.
    Done,
    /// Something was sent or recorded, but the row (or those after it) is
    /// not done: the chat's run ends here and the next claim picks it up.
    Moved,
    /// Nothing happened (the flood limits): the run ends here.
    Waiting,
}

pub struct DeliveryWorker {
    bot: Bot,
    mailroom: Mailroom,
    metrics: Arc<Metrics>,
    /// Where staff are told that a user blocked the bot: (chat, is a forum).
    support: (i64, bool),
    wake: Arc<Notify>,
    /// One delivery worker runs at a time across replicas (db/leader.rs),
    /// so the limits are tracked here.
    pacer: std::sync::Mutex<Pacer>,
    last_digest: std::sync::Mutex<Option<std::time::Instant>>,
    digests_off_until: std::sync::Mutex<Option<std::time::Instant>>,
    /// Records what was sent, in batches.
    recorder: Recorder,
}

/// What became of a turn at a digest.
enum DigestTurn {
    /// Sent (or failed and rescheduled).
    Done,
    /// Not yet: the last digest is too recent and this one is not full.
    Later,
    /// Nothing waiting can go into a digest.
    Nothing,
}

impl DeliveryWorker {
    pub fn new(
        bot: Bot,
        mailroom: Mailroom,
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
        support: (i64, bool),
        paced: bool,
    ) -> Self {
        // Names this worker's claims: unique per process and run.
        let claimant = format!("{}-{:016x}", std::process::id(), rand::rng().random::<u64>());
        let mailroom = mailroom.claiming(&claimant);
        Self {
            bot,
            recorder: Recorder::new(mailroom.clone()),
            mailroom,
            metrics,
            support,
            wake,
            pacer: std::sync::Mutex::new(if paced { Pacer::default() } else { Pacer::off() }),
            last_digest: std::sync::Mutex::default(),
            digests_off_until: std::sync::Mutex::default(),
        }
    }

    fn capacity(&self, chat: i64) -> usize {
        self.pacer.lock().unwrap_or_else(|p| p.into_inner()).capacity(chat, DIGEST_HORIZON, std::time::Instant::now())
    }

    fn pace(&self, chat: i64, count: usize) -> Duration {
        self.pacer.lock().unwrap_or_else(|p| p.into_inner()).wait(chat, count, std::time::Instant::now())
    }

    /// Takes room for `count` messages to `chat` if the limits have it now.
    /// Checked and taken under one lock: lanes share the global limit.
    fn reserve(&self, chat: i64, count: usize) -> bool {
        let mut pacer = self.pacer.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        let free = pacer.wait(chat, count, now).is_zero();
        if free {
            pacer.sent(chat, count, now);
        }
        free
    }

    /// Runs until `stop` resolves; a database error pauses it, never ends it.
    pub async fn run(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        // What the group got in the last minute from an earlier process (a
        // restart, another replica that led until now) still counts. Not
        // read without limits: unpaced, a minute can hold a million sends.
        let paced = !self.pacer.lock().unwrap_or_else(|p| p.into_inner()).is_off();
        if paced {
            match self.mailroom.recent_sends(self.support.0, std::time::Duration::from_secs(60)).await {
                Ok(ages) => self.pacer.lock().unwrap_or_else(|p| p.into_inner()).seed(
                    self.support.0,
                    &ages,
                    std::time::Instant::now(),
                ),
                Err(e) => {
                    tracing::warn!(chat = self.support.0, error = %e, "outbox: cannot read the last minute's sends; pacing from zero")
                }
            }
        }
        loop {
            if *stop.borrow() {
                self.release_claims().await;
                return;
            }
            let idle = match self.deliver_due(&stop).await {
                Ok(sent) => sent == 0,
                Err(e) => {
                    tracing::error!(error = %e, "outbox: cannot record what was sent or claim what is due; retrying");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Gives back every row this worker still claims, so a replica taking
    /// over need not wait for the lease.
    async fn release_claims(&self) {
        if let Err(e) = self.recorder.record_all().await {
            tracing::error!(error = %e, "outbox: cannot record sent rows before stopping; they may go again");
        }
        if let Err(e) = self.mailroom.release_all().await {
            tracing::warn!(error = %e, "outbox: cannot give back claimed rows; they are free when the lease ends");
        }
    }

    /// Claims what may go now and sends it: the chats side by side, each
    /// chat's rows in order, until a row must wait (flood limits, a retry).
    /// Returns how many rows saw something happen.
    pub async fn deliver_due(&self, stop: &tokio::sync::watch::Receiver<bool>) -> Result<usize, ServiceError> {
        // What the last round sent is recorded before anything is claimed
        // again, or it would be claimed and sent again.
        self.recorder.record_all().await?;
        let claimed_at = std::time::Instant::now();
        let rows = self.mailroom.claim_due(CLAIM_LEASE, CLAIM_RUN, CLAIM_LIMIT).await?;
        let deadline = claimed_at + CLAIM_LEASE - LEASE_MARGIN;
        // The chats in the order of their oldest row, each with its run.
        let mut runs: Vec<(i64, Vec<OutboxRow>)> = Vec::new();
        for row in rows {
            match runs.iter_mut().find(|(chat, _)| *chat == row.chat_id) {
                Some((_, run)) => run.push(row),
                None => runs.push((row.chat_id, vec![row])),
            }
        }
        let outcomes: Vec<(i64, Result<usize, ServiceError>)> = futures_util::stream::iter(runs)
            .map(|(chat, run)| async move { (chat, self.deliver_run(run, stop, deadline).await) })
            .buffer_unordered(DELIVERY_LANES)
            .collect()
            .await;
        let mut attempted = 0;
        for (chat, outcome) in outcomes {
            match outcome {
                Ok(n) => attempted += n,
                // The chat's run stopped at the row it could not record; its
                // rows stay claimed and the next round tries again.
                Err(e) => tracing::error!(chat, error = %e, "outbox: cannot read or record this chat's rows; retrying"),
            }
        }
        self.recorder.record_all().await?;
        Ok(attempted)
    }

    /// Sends one chat's claimed rows in order, until one must wait. The
    /// rows left keep their claim (this worker renews it next round).
    async fn deliver_run(
        &self,
        run: Vec<OutboxRow>,
        stop: &tokio::sync::watch::Receiver<bool>,
        deadline: std::time::Instant,
    ) -> Result<usize, ServiceError> {
        let Some(chat) = run.first().map(|r| r.chat_id) else { return Ok(0) };
        // Whether the support chat is flooded is asked once per run: each
        // run ends at a digest anyway.
        let flooded = match chat == self.support.0 {
            true if self.pace(chat, 1).is_zero() => self.support_flooded().await?,
            _ => None,
        };
        // The tickets of the support chat's rows, read once for the run and
        // kept as the run changes them (a card posted, a topic opened).
        let mut tickets = Tickets::default();
        if chat == self.support.0 {
            let mut ids: Vec<i64> = run.iter().filter_map(|r| r.ticket_id).collect();
            ids.dedup();
            tickets.0 = self.mailroom.tickets(&ids).await?.into_iter().map(|t| (t.id, t)).collect();
        }
        let mut attempted = 0;
        for row in &run {
            // Stopping, the role passed to another replica, or the lease
            // about to end: not one more.
            if *stop.borrow() || std::time::Instant::now() >= deadline {
                break;
            }
            let step = self.deliver_step(row, flooded, &mut tickets).await?;
            if step != Step::Waiting {
                attempted += 1;
            }
            if step != Step::Done {
                break;
            }
        }
        Ok(attempted)
    }

    /// One row of a run: merged into a digest when the support chat is
    /// flooded (`Some(rows waiting)`), else sent on its own.
    async fn deliver_step(
        &self,
        row: &OutboxRow,
        flooded: Option<i64>,
        tickets: &mut Tickets,
    ) -> Result<Step, ServiceError> {
        if !self.pace(row.chat_id, 1).is_zero() {
            return Ok(Step::Waiting);
        }
        if let Some(waiting) = flooded {
            // The digest is made of what waits: what was sent is recorded
            // first.
            self.recorder.record_all().await?;
            match self.deliver_digest(row, waiting).await? {
                // The rows after this one may be in the digest: the next
                // claim starts after them.
                DigestTurn::Done => return Ok(Step::Moved),
                DigestTurn::Later => return Ok(Step::Waiting),
                DigestTurn::Nothing => {}
            }
        }
        self.deliver(row, tickets).await
    }

    /// Sends one row (an album: all its waiting members).
    async fn deliver(&self, row: &OutboxRow, tickets: &mut Tickets) -> Result<Step, ServiceError> {
        let envelope: Envelope = match serde_json::from_str(&row.payload) {
            Ok(e) => e,
            Err(e) => {
                let reason = format!("unreadable outbox payload: {e}");
                tracing::error!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, "outbox: row failed");
                self.mailroom.outbox_failed(row, &reason).await?;
                return Ok(Step::Done);
            }
        };
        // For the support chat: the ticket's card and topic decide where the
        // row goes (a user's chat has neither).
        let ticket = row.ticket_id.filter(|_| row.chat_id == self.support.0).and_then(|id| tickets.0.get(&id).cloned());
        if let Some(missing) = self.missing_context(&envelope, ticket.as_ref()) {
            self.recorder.record_all().await?;
            if let Some(step) = self.provide(row, missing).await? {
                return Ok(step);
            }
        }
        let thread = ticket.as_ref().and_then(|t| t.support_thread_id).filter(|_| wants_topic(&envelope.message));
        if let Outbound::Copy { from_chat_id, album: Some(album), .. } = &envelope.message {
            // The album's members are found at the head of the chat's
            // queue: what was sent before them is recorded first.
            self.recorder.record_all().await?;
            return self.deliver_album(row, *from_chat_id, album, thread, envelope.record).await;
        }
        let reply_to = match reply_target(&envelope.message) {
            Some(Reply::Message(id)) => Some(id),
            Some(Reply::TicketCard) => ticket.as_ref().and_then(|t| t.support_message_id),
            None => None,
        };
        let mut verdict = self.send(row.chat_id, &envelope.message, reply_to, thread).await;
        // Staff deleted the ticket's topic: open a new one and go on there.
        // If that fails, the row waits and tries again (never fails for it).
        if thread.is_some() && matches!(&verdict, Verdict::Refused(r) if r.contains("message thread not found")) {
            // The new topic is recorded at once: an older one noted and not
            // yet recorded must not overwrite it.
            self.recorder.record_all().await?;
            verdict = match self.open_topic(row).await? {
                Verdict::Sent(new_thread) => {
                    tickets.topic_opened(row.ticket_id, new_thread);
                    self.send(row.chat_id, &envelope.message, None, Some(new_thread)).await
                }
                Verdict::Paced => Verdict::Paced,
                other => {
                    tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, verdict = ?other, "outbox: the ticket's topic is gone and cannot be recreated yet");
                    Verdict::Transient("the ticket's topic is gone and cannot be recreated yet".into())
                }
            };
        }
        match verdict {
            Verdict::Paced => Ok(Step::Waiting),
            Verdict::Sent(message_id) => {
                self.recorder.note([Sent::of(row, envelope.record, message_id)]).await?;
                tickets.recorded(row.ticket_id, envelope.record, message_id);
                Ok(Step::Done)
            }
            Verdict::Wait(after) => {
                self.flood_controlled(row, after).await?;
                Ok(Step::Moved)
            }
            // Given up after a day or so of retries: kept with the reason.
            Verdict::Transient(reason) if row.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::error!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, "outbox: giving up after {MAX_ATTEMPTS} attempts");
                self.mailroom.outbox_failed(row, &format!("gave up after {MAX_ATTEMPTS} attempts: {reason}")).await?;
                Ok(Step::Done)
            }
            Verdict::Transient(reason) => {
                let after = backoff(row.attempts);
                tracing::warn!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, retry_in_ms = after.as_millis() as u64, "outbox: send failed, will retry");
                self.mailroom.outbox_retry(row, to_chrono(after), &reason).await?;
                Ok(Step::Moved)
            }
            // A user who blocked the bot (or deleted their account).
            Verdict::Refused(reason) if row.chat_id > 0 && reason.starts_with("Forbidden") => {
                tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, %reason, "outbox: the user cannot be reached");
                let (support, forum) = self.support;
                let plan = move |outcome: &Option<(crate::models::User, Option<crate::models::Ticket>)>| match outcome {
                    None => Vec::new(),
                    Some((user, ticket)) => {
                        let name = crate::bot::handle::full_name(&user.first_name, user.last_name.as_deref());
                        let html = crate::bot::text::user_blocked_bot(&name, ticket.as_ref().map(|t| t.number));
                        match ticket {
                            Some(t) => vec![crate::bot::handle::card_reply(support, forum, t, html)],
                            None => vec![super::outbound::OutboxDraft::text(support, html)],
                        }
                    }
                };
                let effects = crate::storage::outcome::Effects { ack: None, plan: &plan };
                self.mailroom.user_blocked_bot(row, &reason, &effects).await?;
                Ok(Step::Done)
            }
            Verdict::Refused(reason) => {
                tracing::error!(chat = row.chat_id, outbox_id = row.id, ticket = row.ticket_id, %reason, "outbox: Telegram refused a message");
                self.mailroom.outbox_failed(row, &reason).await?;
                Ok(Step::Done)
            }
        }
    }

    /// Telegram's 429: the whole chat of `row` waits `after` (its later rows
    /// too, to keep their order).
    async fn flood_controlled(&self, row: &OutboxRow, after: Duration) -> Result<(), ServiceError> {
        tracing::warn!(
            chat = row.chat_id,
            ticket = row.ticket_id,
            retry_after_s = after.as_secs(),
            "outbox: Telegram flood control"
        );
        self.mailroom.outbox_hold_chat(row.chat_id, to_chrono(after)).await
    }

    /// Copies every waiting member of an album in one `copyMessages` call, so
    /// it arrives as an album. (copyMessages cannot reply; in a plain group
    /// the album is found again through the recorded copies.)
    async fn deliver_album(
        &self,
        row: &OutboxRow,
        from_chat_id: i64,
        album: &str,
        thread: Option<i32>,
        record: super::outbound::Record,
    ) -> Result<Step, ServiceError> {
        let mut members = self.mailroom.album_rows(row.chat_id, album).await?;
        if members.is_empty() {
            members.push(row.clone());
        }
        let mut ids: Vec<(i32, OutboxRow)> = Vec::new();
        for member in members {
            if let Ok(Envelope { message: Outbound::Copy { message_id, .. }, .. }) =
                serde_json::from_str(&member.payload)
            {
                ids.push((message_id, member));
            }
        }
        // Telegram wants the ids in increasing order.
        ids.sort_by_key(|(id, _)| *id);
        // Each member counts against the chat's limit.
        if !self.reserve(row.chat_id, ids.len()) {
            return Ok(Step::Waiting);
        }
        let mut request =
            self.bot.copy_messages(ChatId(row.chat_id), ChatId(from_chat_id), ids.iter().map(|(id, _)| MessageId(*id)));
        if let Some(t) = thread {
            request = request.message_thread_id(ThreadId(MessageId(t)));
        }
        match request.await {
            Ok(sent) => {
                self.counted(Verdict::Sent(0));
                let members = ids.iter().zip(sent).map(|((_, member), copy)| Sent::of(member, record, copy.0));
                self.recorder.note(members.collect::<Vec<_>>()).await?;
            }
            Err(e) => match self.counted(classify(e)) {
                Verdict::Wait(after) => {
                    self.flood_controlled(row, after).await?;
                }
                Verdict::Transient(reason) => {
                    tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, %reason, members = ids.len(), "outbox: album failed, will retry");
                    for (_, member) in &ids {
                        self.mailroom.outbox_retry(member, to_chrono(backoff(member.attempts)), &reason).await?;
                    }
                }
                Verdict::Refused(reason) => {
                    tracing::error!(chat = row.chat_id, ticket = row.ticket_id, %reason, "outbox: Telegram refused an album");
                    for (_, member) in &ids {
                        self.mailroom.outbox_failed(member, &reason).await?;
                    }
                }
                // classify() never says Sent or Paced.
                Verdict::Sent(_) | Verdict::Paced => {}
            },
        }
        // The members after this row were in the album: the next claim
        // starts after them.
        Ok(Step::Moved)
    }

    /// Creates a topic for the row's ticket (its first, or a new one when
    /// staff deleted it) and records it; `Sent(thread)` on success.
    async fn open_topic(&self, row: &OutboxRow) -> Result<Verdict, ServiceError> {
        let Some(ticket) = row.ticket_id else { return Ok(Verdict::Refused("no ticket".into())) };
        let Some(name) = self.mailroom.topic_name(ticket).await? else {
            return Ok(Verdict::Refused("the ticket is gone".into()));
        };
        if !self.reserve(row.chat_id, 1) {
            return Ok(Verdict::Paced);
        }
        let verdict = self.counted(match self.bot.create_forum_topic(ChatId(row.chat_id), name).await {
            Ok(topic) => Verdict::Sent(topic.thread_id.0.0),
            Err(e) => classify(e),
        });
        // A failure is logged by the caller, which decides what becomes of
        // the row.
        if let Verdict::Sent(thread) = &verdict {
            tracing::info!(ticket, chat = row.chat_id, thread, "opened a forum topic for the ticket");
            self.mailroom.set_ticket_topic(ticket, *thread).await?;
        }
        Ok(verdict)
    }

    /// Whether more waits for the support chat than its limit lets out
    /// within `DIGEST_HORIZON`.
    /// `Some(rows waiting)` when flooded.
    async fn support_flooded(&self) -> Result<Option<i64>, ServiceError> {
        let chat = self.support.0;
        let waiting = self.mailroom.backlog_in(chat).await?;
        let room = self.capacity(chat).saturating_sub(DIGEST_RESERVE);
        Ok((waiting > i64::try_from(room).unwrap_or(i64::MAX)).then_some(waiting))
    }

    /// Sends the support chat's waiting notifications as one digest, when
    /// it is full or the last one is `DIGEST_SPACING` old. `Nothing` when
    /// nothing waiting can go into a digest (or Telegram refused it): then
    /// `head` is sent as it is.
    async fn deliver_digest(&self, head: &OutboxRow, waiting: i64) -> Result<DigestTurn, ServiceError> {
        let now = std::time::Instant::now();
        if self.digests_off_until.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|until| now < until) {
            return Ok(DigestTurn::Nothing);
        }
        let recent =
            self.last_digest.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|at| at.elapsed() < DIGEST_SPACING);
        // Cheap first: while the last digest is recent only a full one goes,
        // and fewer rows than a digest holds cannot fill one.
        if recent && waiting < DIGEST_FULL_ROWS {
            return Ok(DigestTurn::Later);
        }
        let candidates = self.mailroom.digest_candidates(head.chat_id, DIGEST_READ).await?;
        // A digest of one row would save nothing; a head that cannot go
        // into one (an answer, a notice) goes first, on its own.
        let Some(digest) = crate::bot::digest::compose(&candidates).filter(|d| d.rows.len() > 1) else {
            return Ok(DigestTurn::Nothing);
        };
        if recent && digest.complete {
            return Ok(DigestTurn::Later);
        }
        let message = Outbound::Text { html: digest.html, reply: None, topic: false };
        match self.send(head.chat_id, &message, None, None).await {
            Verdict::Paced => return Ok(DigestTurn::Later),
            Verdict::Sent(message_id) => {
                *self.last_digest.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
                tracing::info!(
                    chat = head.chat_id,
                    tickets = digest.tickets,
                    rows = digest.rows.len(),
                    "outbox: sent a digest"
                );
                let recorded = self.mailroom.outbox_digested(&digest.rows, message_id).await?;
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
            // The head row carries the backoff: the chat waits with it.
            Verdict::Transient(reason) => {
                tracing::warn!(chat = head.chat_id, ticket = head.ticket_id, %reason, "outbox: digest failed, will retry");
                self.mailroom.outbox_retry(head, to_chrono(backoff(head.attempts)), &reason).await?;
            }
            // Not retried every round (a closed General topic refuses every
            // digest): one by one for a minute, then try again.
            Verdict::Refused(reason) => {
                tracing::error!(chat = head.chat_id, %reason, "outbox: Telegram refused a digest; one by one for a minute");
                *self.digests_off_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(now + DIGEST_PAUSE);
                return Ok(DigestTurn::Nothing);
            }
        }
        Ok(DigestTurn::Done)
    }

    /// A row about a ticket whose topic or card went into a digest (or
    /// could not be made) gets them first. `ticket` is the row's, read for
    /// support-chat rows only.
    fn missing_context(&self, envelope: &Envelope, ticket: Option<&Ticket>) -> Option<Missing> {
        let forum = self.support.1;
        let ticket = ticket?;
        if matches!(envelope.record, super::outbound::Record::TicketCard | super::outbound::Record::RequestedCard) {
            return None;
        }
        let needs = match &envelope.message {
            Outbound::Text { reply, topic, .. } | Outbound::Copy { reply, topic, .. } => {
                if forum {
                    *topic
                } else {
                    *reply == Some(Reply::TicketCard)
                }
            }
            _ => false,
        };
        if !needs {
            None
        } else if forum && ticket.support_thread_id.is_none() {
            Some(Missing::Topic)
        } else if ticket.support_message_id.is_none() {
            Some(Missing::Card)
        } else {
            None
        }
    }

    /// Opens the ticket's topic or posts its card; the row itself goes on
    /// the next round. `false` when Telegram refused: the row goes without.
    async fn provide(&self, row: &OutboxRow, missing: Missing) -> Result<Option<Step>, ServiceError> {
        let verdict = match missing {
            Missing::Topic => self.open_topic(row).await?,
            Missing::Card => self.post_card(row).await?,
        };
        let step = match verdict {
            Verdict::Paced => Step::Waiting,
            Verdict::Sent(_) => Step::Moved,
            Verdict::Wait(after) => {
                self.flood_controlled(row, after).await?;
                Step::Moved
            }
            Verdict::Transient(reason) => {
                tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, ?missing, %reason, "outbox: cannot give the ticket its card or topic yet; will retry");
                self.mailroom.outbox_retry(row, to_chrono(backoff(row.attempts)), &reason).await?;
                Step::Moved
            }
            // Without its card or topic, the row still goes (in the General
            // topic, or as a plain message): a reply to it reaches the user.
            Verdict::Refused(reason) => {
                tracing::error!(chat = row.chat_id, ticket = row.ticket_id, ?missing, %reason, "outbox: Telegram refused the ticket's card or topic; the message goes without");
                return Ok(None);
            }
        };
        Ok(Some(step))
    }

    /// Posts the ticket's card (in its topic in a forum) and records it.
    async fn post_card(&self, row: &OutboxRow) -> Result<Verdict, ServiceError> {
        let Some((ticket, user)) = self.mailroom.ticket_with_user(row.ticket_id.unwrap_or_default()).await? else {
            return Ok(Verdict::Refused("the ticket is gone".into()));
        };
        let html = crate::bot::handle::card_html(&ticket, &user);
        let message = Outbound::Text { html, reply: None, topic: self.support.1 };
        let verdict = self.send(row.chat_id, &message, None, ticket.support_thread_id).await;
        if let Verdict::Sent(message_id) = verdict {
            self.mailroom.set_ticket_card(ticket.id, message_id).await?;
        }
        Ok(verdict)
    }

    /// Sends one message, if the flood limits have room for it now.
    async fn send(&self, chat_id: i64, message: &Outbound, reply_to: Option<i32>, thread: Option<i32>) -> Verdict {
        // Closing or reopening a topic that was never made: nothing to do.
        if matches!(message, Outbound::CloseTopic | Outbound::ReopenTopic) && thread.is_none() {
            return Verdict::Sent(0);
        }
        if !self.reserve(chat_id, 1) {
            return Verdict::Paced;
        }
        let chat = ChatId(chat_id);
        let reply = reply_to.map(|id| ReplyParameters::new(MessageId(id)).allow_sending_without_reply());
        let thread = thread.map(|t| ThreadId(MessageId(t)));
        let result = match message {
            Outbound::Text { html, .. } => {
                let mut request = self
                    .bot
                    .send_message(chat, html.clone())
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(no_previews());
                if let Some(r) = reply {
                    request = request.reply_parameters(r);
                }
                if let Some(t) = thread {
                    request = request.message_thread_id(t);
                }
                request.await.map(|m| m.id.0)
            }
            Outbound::Copy { from_chat_id, message_id, .. } => {
                let mut request = self.bot.copy_message(chat, ChatId(*from_chat_id), MessageId(*message_id));
                if let Some(r) = reply {
                    request = request.reply_parameters(r);
                }
                if let Some(t) = thread {
                    request = request.message_thread_id(t);
                }
                request.await.map(|m| m.0)
            }
            Outbound::CreateTopic { name } => {
                self.bot.create_forum_topic(chat, name.clone()).await.map(|t| t.thread_id.0.0)
            }
            Outbound::CloseTopic | Outbound::ReopenTopic => {
                let Some(t) = thread else { return Verdict::Sent(0) };
                let result = if matches!(message, Outbound::CloseTopic) {
                    self.bot.close_forum_topic(chat, t).await
                } else {
                    self.bot.reopen_forum_topic(chat, t).await
                };
                match result {
                    Ok(_) => Ok(0),
                    // Already in the wanted state.
                    Err(RequestError::Api(e))
                        if e.to_string().contains("TOPIC_CLOSED") || e.to_string().contains("TOPIC_NOT_MODIFIED") =>
                    {
                        Ok(0)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        self.counted(match result {
            Ok(id) => Verdict::Sent(id),
            Err(e) => classify(e),
        })
    }

    /// Counts an answer from Telegram by its result (for `/metrics`).
    fn counted(&self, verdict: Verdict) -> Verdict {
        let m = &self.metrics;
        Metrics::inc(match &verdict {
            Verdict::Sent(_) => &m.deliveries_sent,
            Verdict::Wait(_) => &m.deliveries_rate_limited,
            Verdict::Transient(_) => &m.deliveries_retried,
            Verdict::Refused(_) => &m.deliveries_failed,
            Verdict::Paced => return verdict,
        });
        verdict
    }
}

fn wants_topic(message: &Outbound) -> bool {
    match message {
        Outbound::Text { topic, .. } | Outbound::Copy { topic, .. } => *topic,
        Outbound::CloseTopic | Outbound::ReopenTopic => true,
        Outbound::CreateTopic { .. } => false,
    }
}

fn reply_target(message: &Outbound) -> Option<Reply> {
    match message {
        Outbound::Text { reply, .. } | Outbound::Copy { reply, .. } => *reply,
        _ => None,
    }
}

fn no_previews() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

fn classify(error: RequestError) -> Verdict {
    match error {
        RequestError::RetryAfter(seconds) => Verdict::Wait(seconds.duration()),
        RequestError::Api(api) => {
            let description = match &api {
                teloxide::ApiError::Unknown(text) => text.clone(),
                other => other.to_string(),
            };
            // Telegram's descriptions start with the HTTP reason; teloxide
            // keeps no status code. Bad Request and Forbidden are final;
            // anything else (Internal Server Error, Bad Gateway) is not.
            if description.starts_with("Bad Request") || description.starts_with("Forbidden") {
                Verdict::Refused(description)
            } else {
                Verdict::Transient(description)
            }
        }
        RequestError::MigrateToChatId(chat) => Verdict::Refused(format!("the group moved to chat {}", chat.0)),
        // teloxide strips the URL (which holds the token) from these.
        RequestError::Network(e) => Verdict::Transient(format!("network: {e}")),
        // A proxy's HTML error page (502 from a load balancer) lands here.
        RequestError::InvalidJson { .. } => Verdict::Transient("unreadable answer from the Bot API".into()),
        RequestError::Io(e) => Verdict::Transient(format!("io: {e}")),
    }
}

/// 1 s, 2 s, 4 s … capped at 5 minutes, with ±25 % jitter so that many rows
/// failing together do not retry together.
fn backoff(attempts: i32) -> Duration {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 8)).min(Duration::from_secs(300));
    let jitter = rand::rng().random_range(0.75..1.25);
    base.mul_f64(jitter)
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
