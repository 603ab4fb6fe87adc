ALTER TABLE outbox_messages DROP COLUMN claimed_until;
ALTER TABLE outbox_messages DROP COLUMN claimed_by;
