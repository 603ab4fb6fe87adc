ALTER TABLE users DROP COLUMN ban_notified_at;
