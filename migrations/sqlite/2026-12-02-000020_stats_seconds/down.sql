DROP INDEX tickets_closed;
CREATE INDEX tickets_closed ON tickets (closed_at, opened_at) WHERE closed_at IS NOT NULL;
DROP INDEX tickets_day_clock;
CREATE INDEX tickets_day_clock ON tickets (day, opened_at, first_response_at, first_responder_id);
