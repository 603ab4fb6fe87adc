-- When the banned user was last told they are banned: they are told once.
ALTER TABLE users ADD COLUMN ban_notified_at TIMESTAMP;
-- When sending to the user answered 403 (they blocked the bot): staff are
-- told once; the user's next message clears it.
ALTER TABLE users ADD COLUMN blocked_bot_at TIMESTAMP;
