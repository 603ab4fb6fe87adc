DROP INDEX tickets_texts_kept;
ALTER TABLE tickets DROP COLUMN texts_removed_at;
DROP INDEX outbox_messages_ticket;
DROP INDEX outbox_messages_failed_at;
DROP INDEX outbox_messages_sent_at;
DROP INDEX inbox_updates_handled;
