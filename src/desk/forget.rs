//! `/forget` in the support chat (admins): erasure on request, after a
//! confirmation. The command asks, with buttons; an admin's press erases
//! the ticket's user (`storage::erasure`, as `ticketbot forget` does) and,
//! if asked, deletes their forum topics; anyone else's press changes
//! nothing.

use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::desk::route::Press;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Button, Outbound, Record};
use crate::render::{self, full_name};
use crate::storage::rows::Ticket;
use crate::storage::{erasure, tickets, users};

/// Callback data: `forget:TICKET:MODE`, MODE `e` (erase), `t` (erase and
/// delete the topics) or `c` (cancel).
const FORGET: &str = "forget";

/// Whether a press is `/forget`'s.
pub(super) fn is_forget(data: &str) -> bool {
    data.split(':').next() == Some(FORGET)
}

fn parse(data: &str) -> Option<(i64, char)> {
    let mut parts = data.split(':');
    let (Some(FORGET), Some(ticket), Some(mode), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let mode = mode.chars().next().filter(|m| matches!(m, 'e' | 't' | 'c'))?;
    Some((ticket.parse().ok()?, mode))
}

impl Desk {
    /// `/forget` on a ticket: the question, with its buttons (deleting the
    /// topics is offered in a forum only).
    pub(super) async fn ask_forget(&self, tx: &mut Tx, ticket: &Ticket) -> Result<Reaction, DeskError> {
        let w = self.words();
        let user = users::find(tx, ticket.user_id).await?;
        let name = user.map(|u| full_name(&u.first_name, u.last_name.as_deref())).unwrap_or_default();
        let button = |which: &str, mode: char| Button {
            text: render::staff::button(w, which),
            data: format!("{FORGET}:{}:{mode}", ticket.id),
        };
        let mut buttons = vec![button("button-forget", 'e')];
        if self.support.forum() {
            buttons.push(button("button-forget-topics", 't'));
        }
        buttons.push(button("button-cancel", 'c'));
        let ask = Outbound::Ask { html: render::staff::forget_confirm(w, ticket.number, &name), buttons };
        Ok(Reaction::say(vec![OutboxDraft::new(self.support.id(), ask, Record::Nothing)]))
    }

    /// A press on `/forget`'s question: always answered; only an admin's
    /// changes anything.
    pub(super) async fn forget_pressed(&self, tx: &mut Tx, press: Press) -> Result<Reaction, DeskError> {
        let w = self.words();
        let answer = |text: Option<String>| {
            OutboxDraft::new(
                press.from,
                Outbound::AnswerPress { query_id: press.query_id.clone(), text },
                Record::Nothing,
            )
        };
        let Some((ticket_id, mode)) = parse(&press.data) else { return Ok(Reaction::say(vec![answer(None)])) };
        if !self.may_administer(tx, press.from).await? {
            tracing::warn!(from = press.from, ticket = ticket_id, "/forget: a press by no admin; nothing erased");
            return Ok(Reaction::say(vec![answer(Some(render::staff::press_admins_only(w)))]));
        }
        let Some(ticket) = tickets::find(tx, ticket_id).await? else {
            return Ok(Reaction::say(vec![answer(None)]));
        };
        // The question becomes what was done, without its buttons.
        let mut drafts = vec![answer(None)];
        let edit = |html: String| {
            press.message.map(|(chat, message_id)| {
                OutboxDraft::new(chat, Outbound::EditText { message_id, html, buttons: Vec::new() }, Record::Nothing)
            })
        };
        if mode == 'c' {
            drafts.extend(edit(render::staff::forget_cancelled(w, ticket.number)));
            return Ok(Reaction::say(drafts));
        }
        let Some(erased) = erasure::erase_user(tx, ticket.user_id, self.now()).await? else {
            drafts.extend(edit(render::staff::forget_gone(w, ticket.number)));
            return Ok(Reaction::say(drafts));
        };
        tracing::info!(user = ticket.user_id, by = press.from, "erased a user on request");
        let html = render::staff::forget_done(w, ticket.number, erased.texts, erased.updates, erased.outbox);
        drafts.extend(edit(html));
        if mode == 't' {
            let support = self.support.id();
            let topics = erased.tickets.iter().filter(|t| t.support_chat_id == Some(support));
            for thread in topics.filter_map(|t| t.support_thread_id) {
                drafts.push(OutboxDraft::new(support, Outbound::DeleteTopic { thread }, Record::Nothing));
            }
        }
        Ok(Reaction::say(drafts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_forget_presses_are_read() {
        assert_eq!(parse("forget:12:e"), Some((12, 'e')));
        assert_eq!(parse("forget:12:t"), Some((12, 't')));
        assert_eq!(parse("forget:12:x"), None);
        assert_eq!(parse("forget:12:e:1"), None);
        assert_eq!(parse("rate:12:5"), None);
        assert!(is_forget("forget:1:c") && !is_forget("rate:1:5"));
    }
}
