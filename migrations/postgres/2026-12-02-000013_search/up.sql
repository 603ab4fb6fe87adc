-- /find: a full-text index of every message's text or caption and every
-- note. The 'simple' configuration: words in any script, lower-cased (by
-- the database's LC_CTYPE), no stemming, the same words /find looks for on
-- SQLite. An expression index: PostgreSQL keeps it in the transaction that
-- stores or edits a message; queries use the same expression.
CREATE INDEX ticket_messages_search ON ticket_messages
    USING gin (to_tsvector('simple', coalesce(text, '')));
