-- A staff answer taken back with /unsend: deleted from the user's chat,
-- kept on the ticket with when.
ALTER TABLE ticket_messages ADD COLUMN unsent_at TIMESTAMP;
