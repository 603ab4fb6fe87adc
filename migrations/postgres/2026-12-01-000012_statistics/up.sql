-- What /stats reads, by period: tickets closed in it, and staff's answers
-- in it (who answered which ticket, read from the index alone).
CREATE INDEX tickets_closed ON tickets (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX ticket_messages_answers ON ticket_messages (created_at, sender_id, ticket_id)
    WHERE direction = 'to_user';
