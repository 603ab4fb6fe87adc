-- Per-user flood limits: how many messages the user sent in the minute
-- that began at burst_started_at (counted by the upsert every message
-- makes, so it costs no statement of its own), and when the user was last
-- told to slow down: once per minute of flooding (slowed_at), once per hour
-- of too many tickets (tickets_slowed_at).
ALTER TABLE users ADD COLUMN burst_started_at TIMESTAMP;
ALTER TABLE users ADD COLUMN burst_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN slowed_at TIMESTAMP;
ALTER TABLE users ADD COLUMN tickets_slowed_at TIMESTAMP;
