//! The support desk's use cases: what a user's message, a staff reply or a
//! staff command does. Each runs in the transaction its caller opened
//! (the inbox processor), visibly passed as `&mut Tx`, and returns what it
//! decided to say (`OutboxDraft`s) instead of saying it: the caller writes
//! those to the outbox, and marks the update handled, in the same
//! transaction. Nothing here sends to Telegram, except asking it who
//! administers the support group (`admins`).
//!
//! Files: `route` (what an update is), `commands` (what people type),
//! `user` (users' messages, edits and commands), `staff` (staff replies),
//! `staff_commands` (which ticket a command means, and what it does),
//! `ticket_changes` (close, reopen, assign, note, ban), `listing` (`/open`,
//! `/ticket`), `filed` (a Telegram message as a ticket stores it), `chats`
//! (the support chat's id and kind changing, groups the bot does not serve),
//! `response_clock` (reminders, auto-close, the away notice), `ratings`
//! (the rating question, its stars, the comment after), `snippets` (canned
//! replies), `staff_edits` (an edited answer followed into the user's chat,
//! `/unsend`), `stats` (`/stats`, and the figures `/metrics` exports),
//! `find` (`/find`), `ahead` (what those read before the transaction),
//! `export` (`/export`, and the exports of the command line), `forget`
//! (`/forget`: erasure on request, confirmed by a button).

pub mod admins;
mod ahead;
mod chats;
pub mod commands;
pub mod export;
mod filed;
pub mod find;
mod forget;
mod listing;
mod ratings;
mod response_clock;
pub mod route;
mod snippets;
mod staff;
mod staff_commands;
mod staff_edits;
pub mod stats;
mod stats_kept;
mod stats_parts;
mod ticket_changes;
mod user;
pub mod web;

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use crate::clock::Clock;
use crate::config::DeskRules;
use crate::db::{Db, Tx};
use crate::metrics::Tally;
use crate::outbox::{OutboxDraft, SupportChat};
use crate::render::{Texts, Words};
use admins::AdminCache;
use route::Route;

/// Handling an update failed on the database: nothing it wrote may be
/// committed, and the update stays pending (the processor retries it, and
/// sets it aside after repeated failures).
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    /// A staff reply to a message the bot sent moments ago and has not
    /// recorded yet (recording trails Telegram's answer by up to a few
    /// hundred ms): not wrong, early; the processor tries it again shortly.
    #[error("replies to a message of the bot's not recorded yet")]
    NotYetPlaced,
    /// A message from the support chat's new id, learned from the database
    /// just now (another replica saw the move): routed again, it is staff's.
    #[error("comes from the support chat's new id")]
    SupportChatMoved,
}

/// What handling one update decided: the messages to send, and what to
/// count once it is committed.
#[derive(Debug, Default)]
pub struct Reaction {
    pub drafts: Vec<OutboxDraft>,
    pub tally: Tally,
}

impl Reaction {
    /// Only these messages.
    fn say(drafts: Vec<OutboxDraft>) -> Self {
        Self { drafts, tally: Tally::default() }
    }

    /// Queues what it says in the outbox, in the use case's transaction;
    /// its tally, to count once that commits. (The inbox processor queues
    /// with the update's acknowledgement instead.)
    pub async fn queue(self, tx: &mut Tx, now: NaiveDateTime) -> diesel::QueryResult<Tally> {
        let rows: Vec<_> = self.drafts.into_iter().map(|d| d.into_row(now)).collect();
        crate::storage::outbox::queue(tx, &rows).await?;
        Ok(self.tally)
    }
}

/// What the use cases need besides the transaction; built once for the
/// update processor, cloned for the timers.
#[derive(Clone)]
pub struct Desk {
    support: SupportChat,
    clock: Arc<dyn Clock>,
    admins: AdminCache,
    /// The time zone, how much one user may send, the response clock.
    rules: DeskRules,
    /// Every text people read: users' in their language, staff's in
    /// `STAFF_LANGUAGE`.
    texts: Arc<Texts>,
    /// `/stats`' figures and `/find`'s results read ahead of the
    /// transaction, by the id of the command's message (`ask_ahead`).
    ahead: ahead::Ahead,
}

impl Desk {
    pub fn new(
        support: SupportChat,
        clock: Arc<dyn Clock>,
        admins: AdminCache,
        rules: DeskRules,
        texts: Arc<Texts>,
    ) -> Self {
        Self { support, clock, admins, rules, texts, ahead: ahead::Ahead::default() }
    }

    /// What staff read, in `STAFF_LANGUAGE`.
    fn words(&self) -> Words<'_> {
        self.texts.staff()
    }

    /// Acts on one update.
    pub async fn handle(&self, tx: &mut Tx, route: Route) -> Result<Reaction, DeskError> {
        match route {
            Route::UserCommand { message, command } => self.user_command(tx, &message, command).await,
            Route::UserMessage(message) => self.user_message(tx, &message).await,
            Route::UserEdit(message) => self.user_edit(tx, &message).await,
            Route::StaffEdit(message) => self.staff_edit(tx, &message).await,
            Route::StaffCommand { message, command } => {
                self.learn_support_chat(&message.chat);
                self.staff_command(tx, &message, command).await
            }
            Route::StaffMessage(message) => {
                self.learn_support_chat(&message.chat);
                self.staff_message(tx, &message).await
            }
            Route::SupportChatMoved { from, to } => self.support_chat_moved(tx, from, to).await,
            Route::ForeignGroup(chat) => self.foreign_group(tx, chat).await,
            Route::Press(press) if forget::is_forget(&press.data) => self.forget_pressed(tx, press).await,
            Route::Press(press) => self.pressed(tx, press).await,
            Route::Ignore(_) | Route::Unreadable(_) => Ok(Reaction::default()),
        }
    }

    /// What handling `route` will need that is slow to learn, learned
    /// before its transaction begins so that no transaction waits on it:
    /// whether a staff command's sender administers the group (Telegram's
    /// answer, remembered in `AdminCache`), `/stats`' figures and `/find`'s
    /// results (read on a pooled connection: on SQLite the transaction
    /// holds the one write lock). Each is read inside when it could not be
    /// read here.
    pub async fn ask_ahead(&self, route: &Route, db: &Db) {
        use commands::StaffCommand::{Assign, Ban, Export, Find, Forget, Stats, Unban};
        match route {
            Route::StaffCommand { message, command: Assign(_) | Ban(_) | Unban(_) | Forget(_) } => {
                if let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) {
                    self.admins.is_admin(from.id.0 as i64).await;
                }
            }
            // Whether the presser may erase, asked before the transaction.
            Route::Press(press) if forget::is_forget(&press.data) => {
                self.admins.is_admin(press.from).await;
            }
            // Written ahead only for an admin (anyone else's is refused).
            Route::StaffCommand { message, command: Export(args) } => {
                if let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) {
                    if self.admins.is_admin(from.id.0 as i64).await {
                        self.export_ahead(db, message.id.0, args).await;
                    }
                }
            }
            Route::StaffCommand { message, command: Stats(args) } => self.gather_ahead(db, message.id.0, args).await,
            Route::StaffCommand { message, command: Find(args) } => self.find_ahead(db, message.id.0, args).await,
            _ => {}
        }
    }

    /// The support chat's id now.
    pub fn support_chat_id(&self) -> i64 {
        self.support.id()
    }

    /// Now, in UTC.
    fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    /// The calendar day, in the ticket time zone, that a ticket opened now
    /// belongs to, and now in UTC, from one reading of the clock: a ticket
    /// opened at midnight gets a day and a time that agree. Computed here,
    /// not by the database: PostgreSQL's `CURRENT_DATE` follows the
    /// session's zone and SQLite's is UTC.
    fn today_and_now(&self) -> (NaiveDate, NaiveDateTime) {
        let now = self.clock.now();
        (now.with_timezone(&self.rules.zone).date_naive(), now.naive_utc())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::clock::ManualClock;
    use crate::telegram::api::BotApi;
    use crate::testing::at;

    #[test]
    fn a_ticket_belongs_to_the_day_of_the_ticket_zone() {
        // 22:59 UTC is 23:59 in Berlin (UTC+1 in November); a minute later
        // it is the 22nd in Berlin while still the 21st in UTC.
        let clock = Arc::new(ManualClock::new(at("2026-11-21T22:59:00Z")));
        let support = SupportChat::new(-100, false);
        let admins = AdminCache::new(BotApi::at("http://127.0.0.1:9", "1:test"), support.clone());
        let rules = DeskRules { zone: chrono_tz::Europe::Berlin, ..DeskRules::default() };
        let desk = Desk::new(support, clock.clone(), admins, rules, Arc::new(Texts::embedded()));
        let (day, now) = desk.today_and_now();
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 11, 21).unwrap());
        assert_eq!(now, at("2026-11-21T22:59:00Z").naive_utc());
        clock.set(at("2026-11-21T23:00:30Z"));
        assert_eq!(desk.today_and_now().0, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), "after local midnight");
    }
}
