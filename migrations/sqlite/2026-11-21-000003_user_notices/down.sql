ALTER TABLE users DROP COLUMN blocked_bot_at;
ALTER TABLE users DROP COLUMN ban_notified_at;
