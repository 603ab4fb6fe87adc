-- Satisfaction ratings: one per ticket, from its user (a later press
-- changes it), with the comment the user may write just after rating.
CREATE TABLE ticket_ratings (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
    user_id BIGINT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    rated_at TIMESTAMP NOT NULL,           -- the latest press
    commented_at TIMESTAMP
);
-- A user's latest rating (is their next message a comment?), and the scores
-- of a period (statistics, from the index alone).
CREATE INDEX ticket_ratings_user ON ticket_ratings (user_id, rated_at);
CREATE INDEX ticket_ratings_rated ON ticket_ratings (rated_at, score);
