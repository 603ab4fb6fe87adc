-- Who was erased, and when: their tickets stay, their name does not.
-- (PostgreSQL's GIN index forgets a text with its row version; see the
-- README's "Personal data" for what VACUUM does and does not guarantee.)
ALTER TABLE users ADD COLUMN erased_at TIMESTAMP;
