//! Satisfaction ratings (`CSAT`): the question a closed ticket's user gets,
//! their press on one of its five stars, and the comment they may write
//! just after.

use super::route::Press;
use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Button, Outbound, Record};
use crate::render::{self, Words};
use crate::storage::rows::Ticket;
use crate::storage::{ratings, tickets};

/// A star's button data: `rate:<ticket id>:<score>`.
const RATE: &str = "rate";

impl Desk {
    /// The rating question for a ticket just closed (with `CSAT` on).
    pub(super) fn rating_question(&self, ticket: &Ticket, lang: Words<'_>) -> Option<OutboxDraft> {
        let html = render::user::rating_question(lang, ticket.number, ticket.day);
        let ask = Outbound::Ask { html, buttons: stars(ticket.id, None) };
        self.rules.csat.then(|| OutboxDraft::new(ticket.user_id, ask, Record::Nothing))
    }

    /// A press on a button. Every press is answered (Telegram shows a
    /// spinner until it is). A star of the presser's own ticket records the
    /// rating (a second press changes it), shows the choice in the
    /// question, and tells staff; anything else (another user's ticket, one
    /// that does not exist or is open again, data not ours) changes nothing.
    pub(super) async fn pressed(&self, tx: &mut Tx, press: Press) -> Result<Reaction, DeskError> {
        let lang = self.texts.user(press.language.as_deref());
        let answer = |text: Option<String>| {
            let outbound = Outbound::AnswerPress { query_id: press.query_id.clone(), text };
            OutboxDraft::new(press.from, outbound, Record::Nothing)
        };
        let Some((ticket_id, score)) = parse(&press.data) else {
            return Ok(Reaction::say(vec![answer(None)]));
        };
        // Only the ticket's own user rates it, and only once it is closed
        // (reopened, it is being worked on again).
        let found = tickets::find(tx, ticket_id).await?;
        let Some(ticket) = found.filter(|t| t.user_id == press.from && !t.is_open()) else {
            tracing::warn!(
                from = press.from,
                ticket = ticket_id,
                "a rating press for no ticket of the presser's; ignored"
            );
            return Ok(Reaction::say(vec![answer(None)]));
        };
        let before = ratings::rate(tx, ticket.id, press.from, score, self.now()).await?;
        let mut drafts = vec![answer(Some(render::user::rating_thanks(lang)))];
        if before != Some(score) {
            // The question, where the press came from: the user's chat.
            if let Some((chat, message_id)) = press.message.filter(|(chat, _)| *chat == press.from) {
                let html = render::user::rated(lang, ticket.number, ticket.day, score);
                let edit = Outbound::EditText { message_id, html, buttons: stars(ticket.id, Some(score)) };
                drafts.push(OutboxDraft::new(chat, edit, Record::Nothing));
            }
            drafts
                .push(self.support.about(ticket.id, render::staff::rated(self.words(), ticket.number, score, before)));
        }
        Ok(Reaction::say(drafts))
    }

    /// The user's words just after rating: kept with the rating, the user
    /// told so, staff shown them.
    pub(super) fn rating_commented(&self, ticket: &Ticket, score: i32, text: &str, lang: Words<'_>) -> Reaction {
        Reaction::say(vec![
            OutboxDraft::text(ticket.user_id, render::user::comment_kept(lang)),
            self.support.about(ticket.id, render::staff::rating_comment(self.words(), ticket.number, score, text)),
        ])
    }
}

/// The five stars; the chosen one marked.
fn stars(ticket_id: i64, chosen: Option<i32>) -> Vec<Button> {
    (1..=5)
        .map(|score| Button {
            text: if chosen == Some(score) { format!("✅ {score}") } else { format!("{score} ⭐") },
            data: format!("{RATE}:{ticket_id}:{score}"),
        })
        .collect()
}

/// `(ticket id, score)` from a star's data.
fn parse(data: &str) -> Option<(i64, i32)> {
    let mut parts = data.split(':');
    let (kind, ticket, score) = (parts.next()?, parts.next()?, parts.next()?);
    let score: i32 = score.parse().ok().filter(|s| (1..=5).contains(s))?;
    (kind == RATE && parts.next().is_none()).then_some((ticket.parse().ok()?, score))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stars_data_reads_back_and_nothing_else_does() {
        let buttons = stars(123_456_789_012, Some(4));
        assert_eq!(buttons.len(), 5);
        assert_eq!(buttons[3].text, "✅ 4");
        assert!(buttons.iter().all(|b| b.data.len() <= 64), "Telegram's limit");
        assert_eq!(parse(&buttons[3].data), Some((123_456_789_012, 4)));
        for bad in ["rate:1:0", "rate:1:6", "rate:x:3", "rate:1:3:9", "vote:1:3", "", "rate:1"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
