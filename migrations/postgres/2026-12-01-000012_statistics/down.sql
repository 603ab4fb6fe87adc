DROP INDEX ticket_messages_answers;
DROP INDEX tickets_closed;
