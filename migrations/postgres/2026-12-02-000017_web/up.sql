-- The web console's sessions: the cookie holds a random token, the table
-- only its SHA-256 (a stolen database opens no session). Ended sessions
-- are deleted; expired ones by the retention sweep.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,                -- Telegram user id of the staff member
    display_name TEXT NOT NULL,
    csrf_token TEXT NOT NULL,               -- every form that changes something carries it
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- `ticketbot web-login --user ID`: single-use links, hashed like sessions.
CREATE TABLE web_login_links (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Bearer tokens of the REST API, shown once when made, stored hashed.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
