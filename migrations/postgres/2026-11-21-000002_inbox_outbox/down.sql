DROP TABLE outbox_messages;
DROP TABLE inbox_updates;
