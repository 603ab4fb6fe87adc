-- A ticket remembers which chat its card and forum topic are in: message
-- ids and topic ids are only unique within a chat, and the support chat can
-- change (SUPPORT_CHAT_ID set to a new group, or a group upgraded to a
-- supergroup). Every lookup by card or topic names the chat.
ALTER TABLE tickets ADD COLUMN support_chat_id BIGINT;

-- Tickets that already have a card or topic: the support chat is the chat
-- anything about them was sent to that is not their user's private chat.
UPDATE tickets SET support_chat_id = COALESCE(
    (SELECT m.support_chat_id FROM ticket_messages m
      WHERE m.ticket_id = tickets.id AND m.support_chat_id IS NOT NULL ORDER BY m.id LIMIT 1),
    (SELECT o.chat_id FROM outbox_messages o
      WHERE o.ticket_id = tickets.id AND o.chat_id <> tickets.user_id AND o.sent_message_id IS NOT NULL
      ORDER BY o.id LIMIT 1))
WHERE support_message_id IS NOT NULL OR support_thread_id IS NOT NULL;

-- Reply routing finds a ticket by its card or topic: index lookups.
DROP INDEX tickets_support_thread;
CREATE INDEX tickets_support_topic ON tickets (support_chat_id, support_thread_id) WHERE support_thread_id IS NOT NULL;
CREATE INDEX tickets_support_card ON tickets (support_chat_id, support_message_id) WHERE support_message_id IS NOT NULL;

-- A group upgraded to a supergroup gets a new chat id. Each move Telegram
-- reports is kept, so every replica (and the next start) follows it.
CREATE TABLE support_chat_moves (
    from_chat_id BIGINT PRIMARY KEY,
    to_chat_id BIGINT NOT NULL,
    moved_at TIMESTAMP NOT NULL
);
