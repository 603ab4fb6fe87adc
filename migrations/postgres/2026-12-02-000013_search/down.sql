DROP INDEX ticket_messages_search;
