-- A row merged into a digest (the support chat was flooded) is sent as a
-- line of that digest: the digest's message id, not a message of its own.
ALTER TABLE outbox_messages ADD COLUMN digest_message_id INTEGER;
-- A staff reply to a digest is recognised as one (it names no one ticket).
CREATE INDEX outbox_messages_digests ON outbox_messages (chat_id, digest_message_id)
    WHERE digest_message_id IS NOT NULL;
