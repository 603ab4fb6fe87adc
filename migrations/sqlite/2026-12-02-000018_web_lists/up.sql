-- The console's and the API's ticket lists, newest first: one staff
-- member's tickets (or nobody's), and the few waiting for staff (a list of
-- those waiting past the SLA reads them, not a million closed tickets).
CREATE INDEX tickets_assignee ON tickets (assignee_id, id);
CREATE INDEX tickets_waiting ON tickets (waiting_since) WHERE waiting_since IS NOT NULL;

-- Telegram Login Widget signatures already used: a signed login URL (say,
-- in a shared computer's browser history) logs in once, not for the day
-- Telegram's signature stays fresh. Kept until then; the retention sweep
-- deletes them after.
CREATE TABLE web_telegram_logins (
    hash TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_telegram_logins_expiry ON web_telegram_logins (expires_at);
