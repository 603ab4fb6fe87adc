DROP INDEX users_username;
