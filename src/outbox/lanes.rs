//! The delivery worker's loop: the chats' runs side by side, one lane
//! each, up to `DELIVERY_LANES` at once.
//!
//! A claim hands over runs; they wait for a free lane in claim order. While
//! every lane is quick the worker claims again only once all of them are
//! done (one claim per round). A lane still sending after `SLOW_LANE`
//! (Telegram slow to answer for one chat) no longer holds up the rest: the
//! worker claims beside it, for the other chats, so one chat never delays
//! another's messages. A chat is in at most one lane or queue at a time,
//! which keeps its order.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::watch;

use super::worker::{DELIVERY_LANES, DeliveryWorker};
use crate::db::DbError;
use crate::storage::rows::OutboxRow;

/// A lane still sending after this long no longer holds up the next claim.
const SLOW_LANE: Duration = Duration::from_millis(500);

/// How long a stopping worker waits for the requests in flight.
const STOP_WAIT: Duration = Duration::from_secs(1);

/// With nothing to send, the worker looks again this often (a retry come
/// due, a claim another worker let lapse).
const IDLE_TICK: Duration = Duration::from_millis(250);

/// A chat's run on its way: its chat, and how many rows saw something
/// happen.
type Lane<'a> = Pin<Box<dyn Future<Output = (i64, Result<usize, DbError>)> + Send + 'a>>;

struct Lanes<'a> {
    worker: &'a DeliveryWorker,
    stop: &'a watch::Receiver<bool>,
    running: FuturesUnordered<Lane<'a>>,
    /// Claimed runs waiting for a lane, each with when it must stop
    /// (before its claim's lease ends).
    waiting: VecDeque<(Vec<OutboxRow>, Instant)>,
    /// Every chat in a lane (since when) or waiting for one (`None`).
    busy: HashMap<i64, Option<Instant>>,
    /// Rows that saw something happen in the lanes finished since the last
    /// claim: none means every row claimed must wait (flood limits, a
    /// retry), so the worker waits too instead of claiming them again.
    attempted: usize,
}

impl<'a> Lanes<'a> {
    fn new(worker: &'a DeliveryWorker, stop: &'a watch::Receiver<bool>) -> Self {
        Self {
            worker,
            stop,
            running: FuturesUnordered::new(),
            waiting: VecDeque::new(),
            busy: HashMap::new(),
            attempted: 0,
        }
    }

    /// Queues the runs of a claim; how many.
    fn queue(&mut self, runs: Vec<Vec<OutboxRow>>, deadline: Instant) -> usize {
        let count = runs.len();
        for run in runs {
            self.busy.insert(run[0].chat_id, None);
            self.waiting.push_back((run, deadline));
        }
        self.start_waiting();
        count
    }

    /// Starts waiting runs while a lane is free.
    fn start_waiting(&mut self) {
        while self.running.len() < DELIVERY_LANES {
            let Some((run, deadline)) = self.waiting.pop_front() else { return };
            let chat = run[0].chat_id;
            self.busy.insert(chat, Some(Instant::now()));
            let (worker, stop) = (self.worker, self.stop);
            self.running.push(Box::pin(async move { (chat, worker.deliver_run(run, stop, deadline).await) }));
        }
    }

    fn finished(&mut self, chat: i64, outcome: Result<usize, DbError>) {
        self.busy.remove(&chat);
        match outcome {
            Ok(attempted) => self.attempted += attempted,
            // The chat's run stopped at the row it could not record; its
            // rows stay claimed and the next round tries again.
            Err(e) => tracing::error!(chat, error = %e, "outbox: cannot read or record this chat's rows; retrying"),
        }
        self.start_waiting();
    }

    fn is_empty(&self) -> bool {
        self.running.is_empty() && self.waiting.is_empty()
    }

    /// When the oldest lane running turns slow.
    fn slow_at(&self) -> Option<Instant> {
        self.busy.values().flatten().min().map(|started| *started + SLOW_LANE)
    }
}

impl DeliveryWorker {
    /// Runs until `stop` is set; a database error pauses it, never ends it.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        self.take_over().await;
        self.seed_limits().await;
        let lane_stop = stop.clone();
        let mut lanes = Lanes::new(self, &lane_stop);
        loop {
            if *stop.borrow() {
                return self.stop_lanes(lanes).await;
            }
            let claimed = if lanes.waiting.is_empty() && lanes.running.len() < DELIVERY_LANES {
                match self.claim_runs(&lanes.busy).await {
                    Ok((runs, deadline)) => lanes.queue(runs, deadline),
                    Err(e) => {
                        tracing::error!(error = %e, "outbox: cannot record what was sent or claim what is due; retrying");
                        0
                    }
                }
            } else {
                // No claim now: what the lanes sent is still recorded in time.
                self.record_if_due().await;
                0
            };
            if claimed > 0 || !lanes.is_empty() {
                lanes.attempted = 0;
                self.wait_for_lanes(&mut lanes, &mut stop).await;
                if !lanes.is_empty() || lanes.attempted > 0 {
                    continue;
                }
            }
            self.idle(&mut stop).await;
        }
    }

    /// Waits until every lane is done, or, once one is slow, for the next
    /// thing that may let more go: a lane done, new rows, a tick.
    async fn wait_for_lanes(&self, lanes: &mut Lanes<'_>, stop: &mut watch::Receiver<bool>) {
        while !lanes.is_empty() {
            match lanes.slow_at().filter(|at| *at > Instant::now()) {
                Some(slow_at) => tokio::select! {
                    Some((chat, outcome)) = lanes.running.next() => lanes.finished(chat, outcome),
                    _ = tokio::time::sleep_until(slow_at.into()) => {}
                    _ = stop.changed() => return,
                },
                None => {
                    tokio::select! {
                        Some((chat, outcome)) = lanes.running.next() => lanes.finished(chat, outcome),
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(self.tick()) => {}
                        _ = stop.changed() => {}
                    }
                    // A slow lane is still running: claim for the others.
                    lanes.attempted += 1;
                    return;
                }
            }
        }
    }

    /// Nothing to send now: waits until woken (new rows), a tick (a retry
    /// may be due), or what was sent last must be recorded (by the next
    /// claim).
    async fn idle(&self, stop: &mut watch::Receiver<bool>) {
        tokio::select! {
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep(self.tick()) => {}
            _ = stop.changed() => {}
        }
    }

    /// `IDLE_TICK`, or less when sent rows must be recorded sooner.
    fn tick(&self) -> Duration {
        let record_in = self.recorder.due_at().map(|at| at.saturating_duration_since(Instant::now()));
        record_in.map_or(IDLE_TICK, |d| d.min(IDLE_TICK))
    }

    async fn record_if_due(&self) {
        if self.recorder.due_at().is_some_and(|at| at <= Instant::now()) {
            if let Err(e) = self.recorder.record_all().await {
                tracing::error!(error = %e, "outbox: cannot record what was sent; retrying");
            }
        }
    }

    /// Each lane stops before its next row; one whose request hangs is
    /// dropped after `STOP_WAIT` (its row may go again after the next
    /// start, if Telegram took it after all). Then the claims go back.
    async fn stop_lanes(&self, mut lanes: Lanes<'_>) {
        lanes.waiting.clear();
        let finishing = async {
            while let Some((chat, outcome)) = lanes.running.next().await {
                lanes.finished(chat, outcome);
            }
        };
        if tokio::time::timeout(STOP_WAIT, finishing).await.is_err() {
            tracing::warn!("outbox: stopped while Telegram had not answered; those rows may go again next start");
        }
        self.release_claims().await;
    }
}
