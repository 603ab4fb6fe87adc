-- Canned replies: staff's named texts, sent to a ticket's user with /s NAME.
CREATE TABLE snippets (
    name TEXT PRIMARY KEY,                 -- lower case: a-z, 0-9, _ and -
    body TEXT NOT NULL,                    -- as staff wrote it; {name} and {ticket} filled in when sent
    updated_by BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
