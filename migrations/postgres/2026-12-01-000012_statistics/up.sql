-- What /stats reads, by period, from indexes alone (no table lookups: a
-- month is tens of thousands of tickets): each day's tickets with their
-- first answers, tickets closed in the period with when they opened, and
-- staff's answers (who answered which ticket).
CREATE INDEX tickets_day_clock ON tickets (day, opened_at, first_response_at, first_responder_id);
CREATE INDEX tickets_closed ON tickets (closed_at, opened_at) WHERE closed_at IS NOT NULL;
CREATE INDEX ticket_messages_answers ON ticket_messages (created_at, sender_id, ticket_id)
    WHERE direction = 'to_user';
