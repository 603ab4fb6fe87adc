-- A row is claimed by the delivery worker that is about to send it, for a
-- short lease: a second worker (another replica while leadership moves)
-- skips it and everything after it in the same chat, and a worker whose
-- lease ran out cannot record the row as its own any more.
ALTER TABLE outbox_messages ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox_messages ADD COLUMN claimed_until TIMESTAMP;
