DROP INDEX outbox_messages_digests;
ALTER TABLE outbox_messages DROP COLUMN digest_message_id;
