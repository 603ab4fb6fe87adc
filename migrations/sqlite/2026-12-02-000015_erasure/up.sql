-- Erasure: the search index forgets a deleted or changed text at once,
-- instead of keeping its words in older index segments until they merge
-- (FTS5's secure-delete, SQLite 3.42+; the file's own free pages are
-- zeroed by PRAGMA secure_delete on every connection).
INSERT INTO ticket_messages_search (ticket_messages_search, rank) VALUES ('secure-delete', 1);
-- Who was erased, and when: their tickets stay, their name does not.
ALTER TABLE users ADD COLUMN erased_at TIMESTAMP;
