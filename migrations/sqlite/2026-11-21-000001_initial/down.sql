DROP TABLE ticket_messages;
DROP TABLE tickets;
DROP TABLE daily_ticket_counters;
DROP TABLE staff;
DROP TABLE users;
