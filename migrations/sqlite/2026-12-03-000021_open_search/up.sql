-- PostgreSQL's alone (a second full-text index over the messages of open
-- tickets, for /find among them). SQLite's FTS5 index reads its matches
-- newest first and finds open tickets' among them in milliseconds. Here so
-- that both backends count the same migrations.
SELECT 1;
