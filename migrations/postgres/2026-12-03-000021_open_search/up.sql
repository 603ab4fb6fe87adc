-- /find among open tickets (`#open`, the console's and the API's
-- status=open): a word in thousands of messages is mostly in closed
-- tickets, and the GIN index of 000013 cannot say which of its matches are
-- open without reading each one's row (36 ms for 5,500 at a million
-- tickets). This is a second index over the words of every message whose
-- ticket may be open, about one message in twenty.
--
-- Kept by triggers, in the transaction that changes the row, with no lock
-- of their own: a new message is always added (nearly all are to open
-- tickets), a close removes its ticket's messages, a reopen adds them
-- again, an edit writes the message's new words (adding it if missing: an
-- edit that raced its ticket's reopening would otherwise leave the old
-- words, read by the reopening before the edit committed), and a text
-- taken away (erasure, retention) empties them. A message added to a
-- ticket while it closes, or edited while it is closed, may stay: the
-- index may hold more than the open tickets' messages, never fewer, and
-- the search checks each hit's ticket and text anyway.
--
-- Written so that it can run again on a database that lost a part of it
-- (doctor --repair runs it whole).
CREATE TABLE IF NOT EXISTS ticket_messages_search_open (
    message_id BIGINT PRIMARY KEY REFERENCES ticket_messages (id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL,
    words tsvector NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_messages_search_open_words ON ticket_messages_search_open USING gin (words);
CREATE INDEX IF NOT EXISTS ticket_messages_search_open_of_ticket ON ticket_messages_search_open (ticket_id);

CREATE OR REPLACE FUNCTION ticket_messages_search_open_message() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.text IS NOT NULL THEN
        INSERT INTO ticket_messages_search_open (message_id, ticket_id, words)
            VALUES (NEW.id, NEW.ticket_id, to_tsvector('simple', coalesce(NEW.text, '')))
            ON CONFLICT (message_id) DO UPDATE SET words = EXCLUDED.words;
    ELSE
        UPDATE ticket_messages_search_open SET words = ''::tsvector WHERE message_id = NEW.id;
    END IF;
    RETURN NULL;
END
$body$;

CREATE OR REPLACE FUNCTION ticket_messages_search_open_ticket() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF NEW.status = 'open' THEN
        INSERT INTO ticket_messages_search_open (message_id, ticket_id, words)
            SELECT id, ticket_id, to_tsvector('simple', coalesce(text, '')) FROM ticket_messages
            WHERE ticket_id = NEW.id
            ON CONFLICT (message_id) DO NOTHING;
    ELSE
        DELETE FROM ticket_messages_search_open WHERE ticket_id = NEW.id;
    END IF;
    RETURN NULL;
END
$body$;

DROP TRIGGER IF EXISTS ticket_messages_search_open_message ON ticket_messages;
CREATE TRIGGER ticket_messages_search_open_message AFTER INSERT OR UPDATE OF text ON ticket_messages
    FOR EACH ROW EXECUTE FUNCTION ticket_messages_search_open_message();
DROP TRIGGER IF EXISTS ticket_messages_search_open_ticket ON tickets;
CREATE TRIGGER ticket_messages_search_open_ticket AFTER UPDATE OF status ON tickets
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION ticket_messages_search_open_ticket();

-- The open tickets' messages; on a repair, those missing added, those
-- whose words changed meanwhile rewritten, those of closed tickets gone.
DELETE FROM ticket_messages_search_open o USING tickets t WHERE t.id = o.ticket_id AND t.status <> 'open';
INSERT INTO ticket_messages_search_open (message_id, ticket_id, words)
    SELECT m.id, m.ticket_id, to_tsvector('simple', coalesce(m.text, ''))
    FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id WHERE t.status = 'open'
    ON CONFLICT (message_id) DO UPDATE SET words = EXCLUDED.words
    WHERE ticket_messages_search_open.words IS DISTINCT FROM EXCLUDED.words;
ANALYZE ticket_messages_search_open;
