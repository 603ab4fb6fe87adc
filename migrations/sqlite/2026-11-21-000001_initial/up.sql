-- SQLite twin of migrations/postgres: same tables, columns and indexes.
-- INTEGER PRIMARY KEY is SQLite's 64-bit rowid; AUTOINCREMENT so an id is never reused.
-- All timestamps are UTC, stored without a zone (as crates.io does), so the
-- same Rust types read them on PostgreSQL and SQLite.

CREATE TABLE users (
    id BIGINT PRIMARY KEY,                  -- Telegram user id
    username TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT,
    language_code TEXT,
    banned_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE staff (
    user_id BIGINT PRIMARY KEY,             -- Telegram user id
    username TEXT,
    display_name TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE daily_ticket_counters (
    day DATE PRIMARY KEY,
    last_value INTEGER NOT NULL CHECK (last_value >= 0)
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day DATE NOT NULL,
    number INTEGER NOT NULL CHECK (number > 0),
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    assignee_id BIGINT REFERENCES staff (user_id),
    first_response_at TIMESTAMP,
    support_message_id INTEGER,             -- the ticket's card in the support chat
    support_thread_id INTEGER               -- its forum topic, in a forum group
);
-- The daily number is unique within its day.
CREATE UNIQUE INDEX tickets_day_number ON tickets (day, number);
-- One open ticket per user; also the index behind "the user's open ticket".
CREATE UNIQUE INDEX tickets_one_open_per_user ON tickets (user_id) WHERE status = 'open';
CREATE INDEX tickets_user_opened ON tickets (user_id, opened_at);
CREATE INDEX tickets_status_opened ON tickets (status, opened_at);
CREATE INDEX tickets_support_thread ON tickets (support_thread_id) WHERE support_thread_id IS NOT NULL;

CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    direction TEXT NOT NULL CHECK (direction IN ('from_user', 'to_user', 'note')),
    sender_id BIGINT NOT NULL,
    user_chat_id BIGINT NOT NULL,           -- the user's private chat
    user_message_id INTEGER,                -- the message there (sent or received)
    support_chat_id BIGINT,                 -- the support group
    support_message_id INTEGER,             -- the message there (relayed or written by staff)
    kind TEXT NOT NULL,                     -- text, photo, document, …
    text TEXT,                              -- text or caption, as the sender wrote it
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
CREATE INDEX ticket_messages_user_side ON ticket_messages (user_chat_id, user_message_id);
CREATE INDEX ticket_messages_support_side ON ticket_messages (support_chat_id, support_message_id);
