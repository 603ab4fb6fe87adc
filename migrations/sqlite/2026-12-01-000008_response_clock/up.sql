-- The response clock. A ticket waits for staff from when it opens, or its
-- user writes after staff's last answer (waiting_since), until staff answer
-- (last_response_at; the first answer and who gave it stay in
-- first_response_at and first_responder_id) or it is closed. Each waiting
-- stretch gets at most one reminder (reminded_at); a user who writes
-- outside working hours is told once per ticket (away_notified_at).
ALTER TABLE tickets ADD COLUMN waiting_since TIMESTAMP;
ALTER TABLE tickets ADD COLUMN last_response_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN first_responder_id BIGINT;
ALTER TABLE tickets ADD COLUMN reminded_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN away_notified_at TIMESTAMP;

-- Tickets so far, from their messages.
UPDATE tickets SET
    last_response_at = (SELECT MAX(m.created_at) FROM ticket_messages m
                         WHERE m.ticket_id = tickets.id AND m.direction = 'to_user'),
    first_responder_id = (SELECT m.sender_id FROM ticket_messages m
                           WHERE m.ticket_id = tickets.id AND m.direction = 'to_user' ORDER BY m.id LIMIT 1);
UPDATE tickets SET waiting_since = COALESCE(
    (SELECT MIN(m.created_at) FROM ticket_messages m
      WHERE m.ticket_id = tickets.id AND m.direction = 'from_user'
        AND (tickets.last_response_at IS NULL OR m.created_at > tickets.last_response_at)),
    CASE WHEN last_response_at IS NULL THEN opened_at END)
WHERE status = 'open';

-- What the clock's checks read, every few seconds: only the tickets due
-- are visited, however many there are.
CREATE INDEX tickets_waiting_unreminded ON tickets (waiting_since)
    WHERE waiting_since IS NOT NULL AND reminded_at IS NULL;
-- (Open is closed_at IS NULL here: a partial index is used only for a
-- query that repeats its predicate, and a status bound as a parameter
-- does not repeat 'open'.)
CREATE INDEX tickets_open_answered ON tickets (last_response_at)
    WHERE closed_at IS NULL AND waiting_since IS NULL;

-- What happened to tickets that no message records: 'reminded' (the
-- first-response reminder), 'auto_closed'. staff_id: who did it, when
-- someone did.
CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    kind TEXT NOT NULL,
    staff_id BIGINT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_events_kind_at ON ticket_events (kind, at);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);
