DROP TABLE web_telegram_logins;
DROP INDEX tickets_waiting;
DROP INDEX tickets_assignee;
