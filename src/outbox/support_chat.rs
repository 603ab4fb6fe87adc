//! The support chat as this process knows it now. Its id changes when
//! Telegram upgrades the group to a supergroup, and whether it is a forum
//! is learned from every message it sends (`chat.is_forum`): the desk, the
//! router and the delivery worker share one `SupportChat` and read it
//! afresh each time, so they follow a change without a restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use super::message::{Outbound, OutboxDraft, Record, Reply};

/// The support chat: cheap to clone, every clone sees every change.
#[derive(Debug, Clone)]
pub struct SupportChat(Arc<Live>);

#[derive(Debug)]
struct Live {
    id: AtomicI64,
    /// Topics on: one per ticket.
    forum: AtomicBool,
}

impl SupportChat {
    pub fn new(id: i64, forum: bool) -> Self {
        Self(Arc::new(Live { id: AtomicI64::new(id), forum: AtomicBool::new(forum) }))
    }

    pub fn id(&self) -> i64 {
        self.0.id.load(Ordering::Relaxed)
    }

    pub fn forum(&self) -> bool {
        self.0.forum.load(Ordering::Relaxed)
    }

    /// What a message from the chat says it is (`chat.is_forum`); true
    /// when that changed what this process believed.
    pub fn learn_forum(&self, forum: bool) -> bool {
        self.0.forum.swap(forum, Ordering::Relaxed) != forum
    }

    /// Follows the chat from `from` to `to` (once it is recorded, so the
    /// other replicas and the next start follow too) and tells the operator;
    /// true when this call moved it (false when it already had, or the chat
    /// is no longer `from`).
    pub fn moved(&self, from: i64, to: i64) -> bool {
        let moved = self.0.id.compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed).is_ok();
        if moved {
            tracing::warn!(
                old = from,
                new = to,
                "the support group became a supergroup with a new id; ticketbot follows it: set SUPPORT_CHAT_ID={to}"
            );
        }
        moved
    }

    /// A text about a ticket: in its topic in a forum, else as a reply to
    /// its card.
    pub fn about(&self, ticket_id: i64, html: String) -> OutboxDraft {
        let forum = self.forum();
        let text = Outbound::Text { html, reply: (!forum).then_some(Reply::TicketCard), topic: forum };
        OutboxDraft::new(self.id(), text, Record::Nothing).for_ticket(ticket_id)
    }

    /// A text about no one ticket.
    pub fn text(&self, html: String) -> OutboxDraft {
        OutboxDraft::text(self.id(), html)
    }

    /// In a forum, the ticket's topic is closed or reopened with it.
    pub fn topic_state(&self, ticket_id: i64, open: bool) -> Option<OutboxDraft> {
        let op = if open { Outbound::ReopenTopic } else { Outbound::CloseTopic };
        self.forum().then(|| OutboxDraft::new(self.id(), op, Record::Nothing).for_ticket(ticket_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_about_a_ticket_go_to_its_topic_or_under_its_card() {
        let forum = SupportChat::new(-1, true);
        let plain = SupportChat::new(-1, false);
        let topic = forum.about(7, "x".into()).envelope.message;
        assert_eq!(topic, Outbound::Text { html: "x".into(), reply: None, topic: true });
        let under_card = plain.about(7, "x".into()).envelope.message;
        assert_eq!(under_card, Outbound::Text { html: "x".into(), reply: Some(Reply::TicketCard), topic: false });
        assert!(plain.topic_state(7, false).is_none());
        assert_eq!(forum.topic_state(7, false).unwrap().envelope.message, Outbound::CloseTopic);
    }

    #[test]
    fn every_clone_follows_a_move_and_what_the_chat_says_it_is() {
        let chat = SupportChat::new(-100, false);
        let seen_by_worker = chat.clone();
        assert!(chat.learn_forum(true));
        assert!(!chat.learn_forum(true), "no change");
        assert!(seen_by_worker.forum());
        assert!(chat.moved(-100, -1002));
        assert!(!seen_by_worker.moved(-100, -1002), "moved once");
        assert_eq!(seen_by_worker.id(), -1002);
        assert_eq!(seen_by_worker.about(1, "x".into()).chat_id, -1002);
    }
}
