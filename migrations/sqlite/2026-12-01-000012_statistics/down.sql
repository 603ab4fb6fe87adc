DROP INDEX ticket_messages_answers;
DROP INDEX tickets_closed;
DROP INDEX tickets_day_clock;
