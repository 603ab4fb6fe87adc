DROP TABLE ticket_events;
DROP INDEX tickets_open_answered;
DROP INDEX tickets_waiting_unreminded;
ALTER TABLE tickets DROP COLUMN away_notified_at;
ALTER TABLE tickets DROP COLUMN reminded_at;
ALTER TABLE tickets DROP COLUMN first_responder_id;
ALTER TABLE tickets DROP COLUMN last_response_at;
ALTER TABLE tickets DROP COLUMN waiting_since;
