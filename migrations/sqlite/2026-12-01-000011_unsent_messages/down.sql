ALTER TABLE ticket_messages DROP COLUMN unsent_at;
