//! What staff commands change: a ticket's status, its assignee, its
//! notes, its user's ban; and who may do the admins' part.

use teloxide::types::User;

use super::filed::staff_of;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Tx};
use crate::domain::{Direction, MessageDraft};
use crate::metrics::Tally;
use crate::outbox::OutboxDraft;
use crate::render::{self, Words, full_name};
use crate::storage::rows::{Staff, Ticket};
use crate::storage::{StatusChange, filing, staff, tickets, users};

impl Desk {
    /// Group admins and staff made admins by ADMIN_IDS. Telegram was asked
    /// before the transaction began (`Desk::ask_ahead`); an answer it did
    /// not give (it was down) is no.
    pub(super) async fn may_administer(&self, conn: &mut Conn, id: i64) -> Result<bool, DeskError> {
        if staff::find(conn, id).await?.is_some_and(|s| s.is_admin) {
            return Ok(true);
        }
        Ok(self.admins.known(id).unwrap_or(false))
    }

    pub(super) async fn set_status(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        from: &User,
        reopen: bool,
    ) -> Result<Reaction, DeskError> {
        let by = full_name(&from.first_name, from.last_name.as_deref());
        Ok(self.change_status(tx, ticket, &by, reopen).await?.1)
    }

    /// Closes (or reopens) `ticket` for the staff member named `by`: what
    /// changed, and what is said about it (to staff, and on a close to the
    /// user). `/close`, `/reopen` and the web console's buttons.
    pub(super) async fn change_status(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        by: &str,
        reopen: bool,
    ) -> Result<(StatusChange, Reaction), DeskError> {
        let support = &self.support;
        let lang = self.texts.user(users::find(tx, ticket.user_id).await?.and_then(|u| u.language_code).as_deref());
        let change = match reopen {
            true => tickets::reopen(tx, ticket.id, self.now()).await?,
            false => tickets::close(tx, ticket.id, self.now()).await?,
        };
        let mut tally = Tally::default();
        let drafts = match &change {
            StatusChange::Changed(t) if reopen => {
                let mut drafts = vec![support.about(t.id, render::staff::reopened_by(self.words(), t.number, by))];
                drafts.extend(support.topic_state(t.id, true));
                drafts
            }
            StatusChange::Changed(t) => {
                tally.closed = 1;
                self.closed(t, lang, render::staff::closed_by(self.words(), t.number, by))
            }
            StatusChange::Unchanged(t) if reopen => {
                vec![support.about(t.id, render::staff::already_open(self.words(), t.number))]
            }
            StatusChange::Unchanged(t) => {
                vec![support.about(t.id, render::staff::already_closed(self.words(), t.number))]
            }
            StatusChange::UserHasOpenTicket(other) => {
                vec![support.text(render::staff::user_has_other_ticket(self.words(), ticket.number, other.number))]
            }
            StatusChange::NotFound => vec![support.text(render::staff::reply_to_no_ticket(self.words()))],
        };
        Ok((change, Reaction { drafts, tally }))
    }

    /// What every close says, whoever closed the ticket: staff read
    /// `to_staff` in its topic or under its card, its user is told (and
    /// asked to rate it), its topic is closed. In order within each chat.
    pub(super) fn closed(&self, ticket: &Ticket, lang: Words<'_>, to_staff: String) -> Vec<OutboxDraft> {
        let mut drafts = vec![
            self.support.about(ticket.id, to_staff),
            OutboxDraft::text(ticket.user_id, render::user::closed(lang, ticket.number, ticket.day)),
        ];
        drafts.extend(self.rating_question(ticket, lang));
        drafts.extend(self.support.topic_state(ticket.id, false));
        drafts
    }

    /// Assigns `ticket` to `member` for the staff member named `by`
    /// (`/take`, `/assign`, the web console), and says so to staff.
    pub(super) async fn assign(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        member: Staff,
        by: &str,
    ) -> Result<Reaction, DeskError> {
        let to = member.username.as_ref().map(|u| format!("@{u}")).unwrap_or_else(|| member.display_name.clone());
        let draft = match tickets::assign(tx, ticket.id, &member).await? {
            Some(t) => self.support.about(t.id, render::staff::assigned(self.words(), t.number, &to, by)),
            None => self.support.text(render::staff::reply_to_no_ticket(self.words())),
        };
        Ok(Reaction::say(vec![draft]))
    }

    pub(super) async fn note(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        from: &User,
        body: String,
    ) -> Result<Reaction, DeskError> {
        let now = self.now();
        let member = staff_of(from, now);
        let draft = MessageDraft::staff_text(Direction::Note, member.user_id, ticket.user_id, None, body);
        filing::staff_message(tx, ticket.id, &member, &draft, now).await?;
        Ok(Reaction::say(vec![self.support.about(ticket.id, render::staff::note_saved(self.words(), ticket.number))]))
    }

    pub(super) async fn ban(&self, tx: &mut Tx, ticket: &Ticket, ban: bool) -> Result<Reaction, DeskError> {
        let user = users::find(tx, ticket.user_id).await?;
        let name = user.map(|u| full_name(&u.first_name, u.last_name.as_deref())).unwrap_or_default();
        users::set_banned(tx, ticket.user_id, ban.then(|| self.now())).await?;
        let html = if ban {
            render::staff::user_banned(self.words(), &name, ticket.number)
        } else {
            render::staff::user_unbanned(self.words(), &name)
        };
        Ok(Reaction::say(vec![self.support.about(ticket.id, html)]))
    }
}
