DROP TABLE support_chat_moves;
DROP INDEX tickets_support_card;
DROP INDEX tickets_support_topic;
CREATE INDEX tickets_support_thread ON tickets (support_thread_id) WHERE support_thread_id IS NOT NULL;
ALTER TABLE tickets DROP COLUMN support_chat_id;
