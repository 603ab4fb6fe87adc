-- /find: a full-text index of every message's text or caption and every
-- note (FTS5, words in any script, case folded), kept by triggers, so it
-- changes in the transaction that stores, edits or deletes a message.
-- External content: the text is stored once, in ticket_messages.
CREATE VIRTUAL TABLE ticket_messages_search USING fts5(
    text,
    content = 'ticket_messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO ticket_messages_search (rowid, text) SELECT id, text FROM ticket_messages WHERE text IS NOT NULL;

CREATE TRIGGER ticket_messages_search_insert AFTER INSERT ON ticket_messages
WHEN new.text IS NOT NULL
BEGIN
    INSERT INTO ticket_messages_search (rowid, text) VALUES (new.id, new.text);
END;

-- An external-content index forgets a row only when told its old text.
CREATE TRIGGER ticket_messages_search_delete AFTER DELETE ON ticket_messages
WHEN old.text IS NOT NULL
BEGIN
    INSERT INTO ticket_messages_search (ticket_messages_search, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER ticket_messages_search_update AFTER UPDATE OF text ON ticket_messages
BEGIN
    INSERT INTO ticket_messages_search (ticket_messages_search, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO ticket_messages_search (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
