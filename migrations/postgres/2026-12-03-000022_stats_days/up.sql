-- A finished day's figures, kept so that a month's /stats, dashboard and
-- API read up to 27 rows and three days of tickets instead of 80,000
-- tickets.
-- `figures` (JSON, written by the bot) holds what the period's figures
-- need of the day, computed in the desk's time zone `zone`: its tickets
-- (by `tickets.day`) and their first answers, and its closes, ratings,
-- reminders and last answers (by the day's midnights in `zone`).
--
-- The triggers below clear a day's figures in the transaction of any
-- change to what they hold (a late first answer, a reopening, a re-rating,
-- an answer moving a ticket's last answer). A timestamp's day depends on
-- the desk's time zone, so the UTC day before and after it are cleared
-- too. They write only days from 60 to 2 days ago (UTC), so a write about
-- today's or yesterday's tickets touches no row here; one that moves an
-- older value (a reopening, a re-rating, an answer to a ticket last
-- answered days ago) clears its old days once: a day cleared already is
-- left as it is (20,000 such answers in one statement took 20 s when each
-- wrote the row again, 1.2 s so). The bot stores a day only from 45 to 3
-- days ago, a day after any write that could have skipped it. A day's row is written first by the trigger when
-- it is missing: the bot takes the row's lock before it reads the day, so
-- it waits for any change still in flight.
--
-- Written to run again (`doctor --repair`, when a trigger is missing).
CREATE TABLE IF NOT EXISTS stats_days (
    day DATE PRIMARY KEY,
    zone TEXT NOT NULL DEFAULT '',
    figures TEXT
);

CREATE OR REPLACE FUNCTION stats_days_clear(d DATE) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    today DATE := (now() AT TIME ZONE 'UTC')::date;
BEGIN
    IF d BETWEEN today - 60 AND today - 2 THEN
        INSERT INTO stats_days (day) VALUES (d) ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION stats_days_clear_around(at TIMESTAMP) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF at IS NOT NULL THEN
        PERFORM stats_days_clear(at::date - 1);
        PERFORM stats_days_clear(at::date);
        PERFORM stats_days_clear(at::date + 1);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION stats_days_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM stats_days_clear(NEW.day);
        PERFORM stats_days_clear_around(NEW.closed_at);
        RETURN NULL;
    END IF;
    -- Its day's tickets and their first answers.
    IF (OLD.day, OLD.opened_at, OLD.first_response_at, OLD.first_responder_id)
        IS DISTINCT FROM (NEW.day, NEW.opened_at, NEW.first_response_at, NEW.first_responder_id) THEN
        PERFORM stats_days_clear(OLD.day);
        PERFORM stats_days_clear(NEW.day);
    END IF;
    -- The day it closed on, and how long it was open.
    IF (OLD.opened_at, OLD.closed_at) IS DISTINCT FROM (NEW.opened_at, NEW.closed_at) THEN
        PERFORM stats_days_clear_around(OLD.closed_at);
        PERFORM stats_days_clear_around(NEW.closed_at);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS stats_days_ticket ON tickets;
CREATE TRIGGER stats_days_ticket AFTER INSERT OR UPDATE OF day, opened_at, first_response_at, first_responder_id, closed_at
    ON tickets FOR EACH ROW EXECUTE FUNCTION stats_days_ticket();

CREATE OR REPLACE FUNCTION stats_days_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM stats_days_clear_around(OLD.rated_at);
    END IF;
    PERFORM stats_days_clear_around(NEW.rated_at);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS stats_days_rating ON ticket_ratings;
CREATE TRIGGER stats_days_rating AFTER INSERT OR UPDATE OF score, rated_at
    ON ticket_ratings FOR EACH ROW EXECUTE FUNCTION stats_days_rating();

CREATE OR REPLACE FUNCTION stats_days_reminder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_days_clear_around(NEW.at);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS stats_days_reminder ON ticket_events;
CREATE TRIGGER stats_days_reminder AFTER INSERT ON ticket_events
    FOR EACH ROW WHEN (NEW.kind = 'reminded') EXECUTE FUNCTION stats_days_reminder();

CREATE OR REPLACE FUNCTION stats_days_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM stats_days_clear_around(OLD.last_answer_at);
    END IF;
    PERFORM stats_days_clear_around(NEW.last_answer_at);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS stats_days_answer ON ticket_answers;
CREATE TRIGGER stats_days_answer AFTER INSERT OR UPDATE OF staff_id, last_answer_at
    ON ticket_answers FOR EACH ROW EXECUTE FUNCTION stats_days_answer();
