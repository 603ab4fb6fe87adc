ALTER TABLE users DROP COLUMN tickets_slowed_at;
ALTER TABLE users DROP COLUMN slowed_at;
ALTER TABLE users DROP COLUMN burst_count;
ALTER TABLE users DROP COLUMN burst_started_at;
