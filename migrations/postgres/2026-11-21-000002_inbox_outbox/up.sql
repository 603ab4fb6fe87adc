-- The bot's only way in and out. An update is stored here before Telegram is
-- told (by the next getUpdates offset) that it arrived; it is marked processed
-- in the same transaction as its effects. Every message the bot sends is
-- written to the outbox in the transaction that decided to send it.

CREATE TABLE inbox_updates (
    update_id BIGINT PRIMARY KEY,           -- Telegram's; a redelivery conflicts and is dropped
    chat_id BIGINT,                         -- where it came from, when it has a chat
    payload TEXT NOT NULL,                  -- the update as JSON
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    error TEXT                              -- why processing gave up, if it did
);
CREATE INDEX inbox_updates_pending ON inbox_updates (update_id) WHERE processed_at IS NULL;

CREATE TABLE outbox_messages (
    id BIGSERIAL PRIMARY KEY,
    chat_id BIGINT NOT NULL,                -- destination; order is kept per chat
    payload TEXT NOT NULL,                  -- what to send, as JSON (see src/telegram/outbound.rs)
    ticket_id BIGINT REFERENCES tickets (id),
    ticket_message_id BIGINT REFERENCES ticket_messages (id),
    created_at TIMESTAMP NOT NULL,
    not_before TIMESTAMP NOT NULL,          -- retry_after and backoff push this forward
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMP,
    sent_message_id INTEGER,
    failed_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_messages_pending ON outbox_messages (chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;
-- A staff reply to anything the bot posted about a ticket (card, notices,
-- relayed copies) finds the ticket through the row that sent it.
CREATE INDEX outbox_messages_sent ON outbox_messages (chat_id, sent_message_id) WHERE sent_message_id IS NOT NULL;
