DROP TRIGGER ticket_messages_search_open_ticket ON tickets;
DROP TRIGGER ticket_messages_search_open_message ON ticket_messages;
DROP FUNCTION ticket_messages_search_open_ticket();
DROP FUNCTION ticket_messages_search_open_message();
DROP TABLE ticket_messages_search_open;
