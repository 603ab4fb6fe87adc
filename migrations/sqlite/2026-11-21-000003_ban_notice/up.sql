-- When the banned user was last told they are banned: they are told once.
ALTER TABLE users ADD COLUMN ban_notified_at TIMESTAMP;
