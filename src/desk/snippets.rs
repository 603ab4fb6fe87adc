//! Canned replies: `/snippet add|del`, `/snippets`, and `/s NAME`, which
//! sends a saved reply to a ticket's user as if staff had typed it: filed
//! on the ticket, counted as a response, in its history.

use teloxide::types::{Message, User};

use super::filed::staff_of;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Tx};
use crate::domain::{Direction, MessageDraft};
use crate::metrics::Tally;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::render::{self, html::MESSAGE_LIMIT, html::pack};
use crate::storage::rows::Ticket;
use crate::storage::{filing, snippets, users};

/// The longest snippet body: with a long name filled in it still fits
/// Telegram's 4096 characters.
const BODY_LIMIT: usize = 3500;

impl Desk {
    /// `/snippet add NAME TEXT`, `/snippet del NAME`.
    pub(super) async fn edit_snippets(&self, tx: &mut Tx, from: &User, args: &str) -> Result<Reaction, DeskError> {
        let args = args.trim_start();
        let (verb, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        let (name, body) = rest.trim_start().split_once(char::is_whitespace).unwrap_or((rest.trim(), ""));
        let html = match (verb.to_ascii_lowercase().as_str(), snippet_name(name)) {
            ("add", Some(name)) if !body.trim().is_empty() && body.trim().chars().count() <= BODY_LIMIT => {
                snippets::save(tx, &name, body.trim(), from.id.0 as i64, self.now()).await?;
                render::staff::snippet_saved(self.words(), &name)
            }
            ("add", Some(_)) if !body.trim().is_empty() => render::staff::snippet_too_long(self.words(), BODY_LIMIT),
            ("del", Some(name)) if body.trim().is_empty() => match snippets::delete(tx, &name).await? {
                true => render::staff::snippet_deleted(self.words(), &name),
                false => render::staff::no_such_snippet(self.words(), &name),
            },
            _ => render::staff::snippet_usage(self.words()),
        };
        Ok(Reaction::say(vec![self.support.text(html)]))
    }

    /// `/snippets`: every saved reply, by name, with its first words.
    pub(super) async fn list_snippets(&self, conn: &mut Conn) -> Result<Reaction, DeskError> {
        let all = snippets::all(conn).await?;
        let lines = match all.is_empty() {
            true => vec![render::staff::no_snippets(self.words())],
            false => std::iter::once(render::staff::snippets_header(self.words(), all.len()))
                .chain(all.iter().map(|s| render::staff::snippet_line(self.words(), &s.name, &s.body)))
                .collect(),
        };
        Ok(Reaction::say(pack(&lines, MESSAGE_LIMIT).into_iter().map(|html| self.support.text(html)).collect()))
    }

    /// `/s NAME` on a ticket: the saved reply, `{name}` and `{ticket}`
    /// filled in, goes to its user; staff see what went.
    pub(super) async fn send_snippet(
        &self,
        tx: &mut Tx,
        message: &Message,
        from: &User,
        ticket: &Ticket,
        args: &str,
    ) -> Result<Reaction, DeskError> {
        let say = |html: String| Ok(Reaction::say(vec![self.support.about(ticket.id, html)]));
        let Some(name) = snippet_name(args.trim()) else { return say(render::staff::snippet_usage(self.words())) };
        let Some(snippet) = snippets::find(tx, &name).await? else {
            return say(render::staff::no_such_snippet(self.words(), &name));
        };
        let first_name = users::find(tx, ticket.user_id).await?.map(|u| u.first_name).unwrap_or_default();
        let text = render::user::fill_snippet(&snippet.body, &first_name, ticket.number);
        let html = render::html::escape(&text);
        if render::html::visible_len(&html) > MESSAGE_LIMIT {
            return say(render::staff::snippet_too_long(self.words(), MESSAGE_LIMIT));
        }
        let now = self.now();
        let member = staff_of(from, now);
        let command = Some((message.chat.id.0, message.id.0));
        let draft = MessageDraft::staff_text(Direction::ToUser, member.user_id, ticket.user_id, command, text.clone());
        let filed = filing::staff_message(tx, ticket.id, &member, &draft, now).await?;
        let to_user = Outbound::Text { html, reply: None, topic: false };
        let drafts = vec![
            OutboxDraft::new(ticket.user_id, to_user, Record::UserCopy).for_ticket(ticket.id).for_message(filed.id),
            self.support.about(ticket.id, render::staff::snippet_sent(self.words(), ticket.number, &name, &text)),
        ];
        Ok(Reaction { drafts, tally: Tally { to_user: 1, ..Tally::default() } })
    }
}

/// A snippet's name as stored: lower case, 1 to 32 of a-z, 0-9, `_`, `-`.
fn snippet_name(word: &str) -> Option<String> {
    let name = word.to_lowercase();
    let ok = (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_names_are_short_plain_and_case_blind() {
        assert_eq!(snippet_name("Greet_2"), Some("greet_2".into()));
        for bad in ["", "a b", "привет", "<b>", &"x".repeat(33)] {
            assert_eq!(snippet_name(bad), None, "{bad}");
        }
    }
}
