CREATE INDEX ticket_messages_answers ON ticket_messages (created_at, sender_id, ticket_id)
    WHERE direction = 'to_user';
DROP TABLE ticket_answers;
