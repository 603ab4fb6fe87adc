//! The response clock's use cases: a reminder for a ticket that waited for
//! staff too long, the close of a ticket its user left unanswered, and the
//! notice that staff are away. The timer (`src/timers.rs`) finds what is
//! due on a plain connection, so a check with nothing due writes nothing,
//! and hands it here inside a transaction.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Tx};
use crate::domain::EventKind;
use crate::metrics::Tally;
use crate::outbox::OutboxDraft;
use crate::render::{self, Words};
use crate::storage::rows::{Ticket, User};
use crate::storage::{response_clock, users};

/// Tickets one check handles; the rest wait for the next.
const BATCH: i64 = 50;

impl Desk {
    /// Whether any of the clock's checks is turned on.
    pub fn clock_runs(&self) -> bool {
        self.rules.first_response_sla.is_some() || self.rules.auto_close_after.is_some()
    }

    /// Tickets whose wait passed `FIRST_RESPONSE_SLA` (of working time,
    /// when `WORKING_HOURS` is set) and that have had no reminder for it.
    pub async fn reminders_due(&self, conn: &mut Conn) -> Result<Vec<(Ticket, User)>, DeskError> {
        let Some(cutoff) = self.sla_cutoff() else { return Ok(Vec::new()) };
        Ok(response_clock::due_reminders(conn, cutoff, BATCH).await?)
    }

    /// The latest time a wait may have begun to be past
    /// `FIRST_RESPONSE_SLA` now; `None` when no SLA is set.
    pub fn sla_cutoff(&self) -> Option<NaiveDateTime> {
        self.rules.first_response_sla.map(|sla| self.waited_since(self.clock.now(), sla))
    }

    /// Reminds staff of each ticket in `due` that still needs it (another
    /// replica, or an answer, may have come first): in its topic, or under
    /// its card, naming the ticket, the user and how long they waited.
    pub async fn remind(&self, tx: &mut Tx, due: &[(Ticket, User)]) -> Result<Reaction, DeskError> {
        let now = self.now();
        let mut reaction = Reaction::default();
        for (ticket, user) in due {
            let Some(since) = ticket.waiting_since else { continue };
            if !response_clock::take_reminder(tx, ticket.id, since, now).await? {
                continue;
            }
            response_clock::record_event(tx, ticket.id, EventKind::Reminded, None, now).await?;
            let waited = render::age(self.words(), now - since);
            let html = render::staff::reminder(self.words(), ticket, user, &waited, ticket.first_response_at.is_none());
            reaction.drafts.push(self.support.about(ticket.id, html));
            reaction.tally.reminded += 1;
        }
        Ok(reaction)
    }

    /// Open tickets staff answered last, `AUTO_CLOSE_AFTER` ago or longer.
    pub async fn auto_close_due(&self, conn: &mut Conn) -> Result<Vec<Ticket>, DeskError> {
        let Some(after) = self.rules.auto_close_after else { return Ok(Vec::new()) };
        Ok(response_clock::due_auto_close(conn, self.now() - after, BATCH).await?)
    }

    /// Closes each ticket in `due` that is still due (its user may have
    /// written meanwhile): the user is told as for `/close` (and asked to
    /// rate it), staff under the card or in the topic, which is closed.
    pub async fn auto_close(&self, tx: &mut Tx, due: &[Ticket]) -> Result<Reaction, DeskError> {
        let Some(after) = self.rules.auto_close_after else { return Ok(Reaction::default()) };
        let now = self.now();
        let mut reaction = Reaction::default();
        for ticket in due {
            let Some(closed) = response_clock::auto_close(tx, ticket, now - after, now).await? else { continue };
            response_clock::record_event(tx, closed.id, EventKind::AutoClosed, None, now).await?;
            let lang = self.texts.user(users::find(tx, closed.user_id).await?.and_then(|u| u.language_code).as_deref());
            let to_staff = render::staff::auto_closed(self.words(), closed.number, &render::age(self.words(), after));
            reaction.drafts.extend(self.closed(&closed, lang, to_staff));
            reaction.tally.add(Tally { closed: 1, auto_closed: 1, ..Tally::default() });
        }
        Ok(reaction)
    }

    /// The notice that staff are away, when `WORKING_HOURS` says so and
    /// the ticket's user has not had it: once per ticket.
    pub(super) async fn away_notice(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        lang: Words<'_>,
    ) -> Result<Option<OutboxDraft>, DeskError> {
        let Some(hours) = &self.rules.working_hours else { return Ok(None) };
        let now = self.clock.now();
        let zone = self.rules.zone;
        if ticket.away_notified_at.is_some() || hours.is_open(zone, now) {
            return Ok(None);
        }
        if !response_clock::take_away_notice(tx, ticket.id, now.naive_utc()).await? {
            return Ok(None);
        }
        let today = now.with_timezone(&zone).date_naive();
        let back = hours.next_opening(zone, now);
        Ok(Some(OutboxDraft::text(ticket.user_id, render::user::away(lang, back.as_ref(), today))))
    }

    /// The latest time a ticket may have begun waiting to be `sla` overdue
    /// at `now`: only working hours count when they are set.
    fn waited_since(&self, now: DateTime<Utc>, sla: TimeDelta) -> NaiveDateTime {
        match &self.rules.working_hours {
            Some(hours) => hours.working_time_before(self.rules.zone, now, sla).naive_utc(),
            None => (now - sla).naive_utc(),
        }
    }
}
