ALTER TABLE users DROP COLUMN erased_at;
INSERT INTO ticket_messages_search (ticket_messages_search, rank) VALUES ('secure-delete', 0);
