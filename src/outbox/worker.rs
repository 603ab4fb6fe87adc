//! The delivery worker: claims what may go now, sends each chat's run in
//! order (the lanes that run the chats side by side are in `lanes`),
//! records what was sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::{Notify, watch};

use super::message::Record;
use super::pacing::Limits;
use super::recorder::{RECORD_EVERY, Recorder};
use super::store::OutboxStore;
use super::support_chat::SupportChat;
use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::render::Texts;
use crate::storage::rows::{OutboxRow, Ticket};
use crate::telegram::api::BotApi;

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

/// Telegram's largest album (media group).
pub(super) const ALBUM_MAX: usize = 10;

/// The most rows that can have been sent and not recorded at any moment,
/// which is what a crash (`kill -9`) can make go twice: while one batch is
/// being recorded, the lanes fill the next and then wait for it (each
/// batch holds at most `RECORD_EVERY - 1` rows and what each lane sent
/// last: one message,
pub const UNRECORDED_AT_MOST: usize = 2 * (RECORD_EVERY + DELIVERY_LANES);

/// or an album of up to `ALBUM_MAX`).
pub const UNRECORDED_AT_MOST_WITH_ALBUMS: usize = 2 * (RECORD_EVERY + DELIVERY_LANES * ALBUM_MAX);

/// Where a chat's run stands after one of its rows.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The row is done (sent, merged into a digest, failed for good): on to
    /// the chat's next row.
    Done,
    /// Something was sent or recorded, but the row (or those after it) is
    /// not done: the chat's run ends here and the next claim picks it up.
    Moved,
    /// Nothing happened (the flood limits): the run ends here.
    Waiting,
}

/// The tickets a support-chat run is about, as the run leaves them.
#[derive(Default)]
pub(super) struct Tickets(HashMap<i64, Ticket>);

impl Tickets {
    /// The run's tickets, as seen from `chat`: a card or topic in another
    /// chat (the support chat changed since) is no place for this chat's
    /// rows, so the ticket gets new ones here.
    pub(super) fn load(&mut self, chat: i64, tickets: Vec<Ticket>) {
        self.0 = tickets
            .into_iter()
            .map(|mut t| {
                if t.support_chat_id != Some(chat) {
                    (t.support_message_id, t.support_thread_id, t.support_chat_id) = (None, None, Some(chat));
                }
                (t.id, t)
            })
            .collect();
    }

    pub(super) fn get(&self, id: Option<i64>) -> Option<&Ticket> {
        id.and_then(|id| self.0.get(&id))
    }

    pub(super) fn topic_opened(&mut self, ticket: Option<i64>, thread: i32) {
        if let Some(ticket) = ticket.and_then(|id| self.0.get_mut(&id)) {
            ticket.support_thread_id = Some(thread);
        }
    }

    /// A row was sent that made `message_id` the ticket's card or topic.
    pub(super) fn recorded(&mut self, ticket: Option<i64>, record: Record, message_id: i32) {
        let Some(ticket) = ticket.and_then(|id| self.0.get_mut(&id)) else { return };
        match record {
            Record::TicketCard | Record::RequestedCard => ticket.support_message_id = Some(message_id),
            Record::TicketTopic => ticket.support_thread_id = Some(message_id),
            _ => {}
        }
    }
}

pub struct DeliveryWorker {
    pub(super) api: BotApi,
    pub(super) outbox: OutboxStore,
    pub(super) metrics: Arc<Metrics>,
    /// Where staff read about tickets.
    pub(super) support: SupportChat,
    /// Woken when handling an update wrote to the outbox.
    pub(super) wake: Arc<Notify>,
    /// One delivery worker runs at a time across replicas (db/leader.rs),
    /// so the flood limits are tracked here.
    pub(super) limits: Limits,
    /// When the last digest went, and until when digests are off (after
    /// Telegram refused one).
    pub(super) last_digest: Mutex<Option<Instant>>,
    pub(super) digests_off_until: Mutex<Option<Instant>>,
    /// When Telegram last took a message.
    pub(super) last_accepted: Mutex<Option<Instant>>,
    /// Records what was sent, in batches.
    pub(super) recorder: Recorder,
    /// What staff read of delivery: cards, topics, digests, failures.
    pub(super) texts: Arc<Texts>,
}

impl DeliveryWorker {
    // Each is a handle the process shares with other parts; grouping them
    // would only name the list.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        api: BotApi,
        db: Db,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
        support: SupportChat,
        paced: bool,
        texts: Arc<Texts>,
    ) -> Self {
        // Names this worker's claims: unique per process and run.
        let claimant = format!("{}-{:016x}", std::process::id(), rand::rng().random::<u64>());
        let outbox = OutboxStore::new(db, clock, &claimant);
        Self {
            api,
            recorder: Recorder::new(outbox.clone()),
            outbox,
            metrics,
            support,
            wake,
            limits: Limits::new(paced),
            last_digest: Mutex::default(),
            digests_off_until: Mutex::default(),
            last_accepted: Mutex::default(),
            texts,
        }
    }

    /// What the group got in the last minute from an earlier process (a
    /// restart, another replica that led until now) still counts. Not read
    /// without limits: unpaced, a minute can hold a million sends.
    pub(super) async fn seed_limits(&self) {
        if self.limits.is_off() {
            return;
        }
        match self.outbox.recent_sends(self.support.id(), Duration::from_secs(60)).await {
            Ok(ages) => self.limits.seed(self.support.id(), &ages),
            Err(e) => {
                tracing::warn!(chat = self.support.id(), error = %e, "outbox: cannot read the last minute's sends; pacing from zero")
            }
        }
    }

    /// This worker has just become the sender (it runs only while this
    /// replica holds the delivery role): the rows the sender before it
    /// claimed are free at once, not when their lease ends, so a replica
    /// killed mid-burst delays its users' messages by the failover (a few
    /// seconds), not by the 20 s lease.
    pub(super) async fn take_over(&self) {
        match self.outbox.take_over().await {
            Ok(0) => {}
            Ok(freed) => tracing::info!(rows = freed, "outbox: took over the rows the previous sender had claimed"),
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot free the previous sender's rows; they are free when its lease ends")
            }
        }
    }

    /// Gives back every row this worker still claims, so a replica taking
    /// over need not wait for the lease.
    pub(super) async fn release_claims(&self) {
        if let Err(e) = self.recorder.record_all().await {
            tracing::error!(error = %e, "outbox: cannot record sent rows before stopping; they may go again");
        }
        if let Err(e) = self.outbox.release_all().await {
            tracing::warn!(error = %e, "outbox: cannot give back claimed rows; they are free when the lease ends");
        }
    }

    /// Records what the lanes sent and claims what may go now: of each chat
    /// not in a lane (`busy`) its run, in the order of their oldest rows,
    /// and when the runs must stop (before the lease ends).
    pub(super) async fn claim_runs(
        &self,
        busy: &HashMap<i64, Option<Instant>>,
    ) -> Result<(Vec<Vec<OutboxRow>>, Instant), DbError> {
        // What was sent is recorded before anything is claimed again, or it
        // would be claimed and sent again: in the claim's own transaction,
        // so the next message does not wait for a transaction of its own
        // (two PostgreSQL round trips).
        let noted = self.recorder.take_all().await?;
        let claimed_at = Instant::now();
        let claimed = self.outbox.record_and_claim(&noted, CLAIM_LEASE, CLAIM_RUN, CLAIM_LIMIT).await;
        let rows = match claimed {
            Ok((lapsed, rows)) => {
                self.recorder.recorded(noted, Ok(lapsed))?;
                rows
            }
            Err(e) => return self.recorder.recorded(noted, Err(e)).map(|()| (Vec::new(), claimed_at)),
        };
        // A chat in a lane keeps its rows (claimed again, so still this
        // worker's): the lane sends them, in order, or the next claim
        // after it does.
        let mut runs: Vec<Vec<OutboxRow>> = Vec::new();
        for row in rows.into_iter().filter(|r| !busy.contains_key(&r.chat_id)) {
            match runs.iter_mut().find(|run| run[0].chat_id == row.chat_id) {
                Some(run) => run.push(row),
                None => runs.push(vec![row]),
            }
        }
        Ok((runs, claimed_at + CLAIM_LEASE - LEASE_MARGIN))
    }

    /// Sends one chat's claimed rows in order, until one must wait. The
    /// rows left keep their claim (this worker renews it next round).
    pub(super) async fn deliver_run(
        &self,
        run: Vec<OutboxRow>,
        stop: &watch::Receiver<bool>,
        deadline: Instant,
    ) -> Result<usize, DbError> {
        let Some(chat) = run.first().map(|r| r.chat_id) else { return Ok(0) };
        let support = chat == self.support.id();
        // Whether the support chat is flooded is asked once per run: each
        // run ends at a digest anyway.
        let flooded = match support {
            true if self.limits.wait(chat, 1).is_zero() => self.support_flooded().await?,
            _ => None,
        };
        // The tickets of the support chat's rows, read once for the run and
        // kept as the run changes them (a card posted, a topic opened).
        let mut tickets = Tickets::default();
        if support {
            let mut ids: Vec<i64> = run.iter().filter_map(|r| r.ticket_id).collect();
            ids.dedup();
            tickets.load(chat, self.outbox.tickets(&ids).await?);
        }
        let mut attempted = 0;
        for row in &run {
            // Stopping, the role passed to another replica, or the lease
            // about to end: not one more.
            if *stop.borrow() || Instant::now() >= deadline {
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
    ) -> Result<Step, DbError> {
        if !self.limits.wait(row.chat_id, 1).is_zero() {
            return Ok(Step::Waiting);
        }
        if let Some(waiting) = flooded {
            // The digest is made of what waits: what was sent is recorded
            // first.
            self.recorder.record_all().await?;
            if let Some(step) = self.deliver_digest(row, waiting).await? {
                return Ok(step);
            }
        }
        self.deliver(row, tickets).await
    }
}
