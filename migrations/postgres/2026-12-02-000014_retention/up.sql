-- Retention: handled updates and finished outbox rows are deleted after
-- INBOX_RETENTION, oldest first, through these indexes; the texts of
-- tickets closed longer ago than MESSAGE_RETENTION are removed once, and
-- texts_removed_at says so (the partial index holds only those not yet
-- done).
CREATE INDEX inbox_updates_handled ON inbox_updates (processed_at) WHERE processed_at IS NOT NULL;
CREATE INDEX outbox_messages_sent_at ON outbox_messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_messages_failed_at ON outbox_messages (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX outbox_messages_ticket ON outbox_messages (ticket_id) WHERE ticket_id IS NOT NULL;
ALTER TABLE tickets ADD COLUMN texts_removed_at TIMESTAMP;
CREATE INDEX tickets_texts_kept ON tickets (closed_at) WHERE closed_at IS NOT NULL AND texts_removed_at IS NULL;
