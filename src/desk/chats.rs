//! The chats around the desk: the support chat as its own messages describe
//! it (a forum or not, a new id after an upgrade to a supergroup), and
//! groups the bot was added to but does not serve.

use teloxide::types::{Chat, ChatKind, ChatPublic, PublicChatKind, PublicChatSupergroup};

use super::{Desk, DeskError, Reaction};
use crate::db::Tx;
use crate::outbox::OutboxDraft;
use crate::outbox::message::{Outbound, Record};
use crate::storage::support_chat;

impl Desk {
    /// Every message from the support chat says whether it is a forum:
    /// topics turned on or off in the group's settings are followed without
    /// a restart, and a start-up that could not ask is corrected.
    pub(super) fn learn_support_chat(&self, chat: &Chat) {
        let forum = matches!(
            &chat.kind,
            ChatKind::Public(ChatPublic {
                kind: PublicChatKind::Supergroup(PublicChatSupergroup { is_forum: true, .. }),
                ..
            })
        );
        if self.support.learn_forum(forum) {
            tracing::info!(
                chat = chat.id.0,
                forum,
                "the support chat's topics were turned {}",
                if forum { "on" } else { "off" }
            );
        }
    }

    /// Telegram gave the support group a new id: recorded (so every replica
    /// and the next start follow it), the messages waiting for the old id
    /// readdressed, and followed here at once.
    pub(super) async fn support_chat_moved(&self, tx: &mut Tx, from: i64, to: i64) -> Result<Reaction, DeskError> {
        let readdressed = support_chat::record_move(tx, from, to, self.now()).await?;
        tracing::info!(from, to, readdressed, "the support chat moved");
        self.support.moved(from, to);
        Ok(Reaction::default())
    }

    /// A group the bot does not serve: unless it is the support chat under
    /// the new id another replica recorded, the bot leaves it and forgets
    /// the message (its update id stays, so it is handled once).
    pub(super) async fn foreign_group(&self, tx: &mut Tx, chat: i64) -> Result<Reaction, DeskError> {
        let support = self.support.id();
        if support_chat::moved_to(tx, support).await? == Some(chat) {
            self.support.moved(support, chat);
            return Err(DeskError::SupportChatMoved);
        }
        tracing::warn!(
            chat,
            "a message from a group that is not SUPPORT_CHAT_ID: leaving it (turn off \"Allow Groups\" in @BotFather to stop strangers adding the bot)"
        );
        Ok(Reaction::say(vec![OutboxDraft::new(chat, Outbound::LeaveChat, Record::Nothing)]))
    }
}
