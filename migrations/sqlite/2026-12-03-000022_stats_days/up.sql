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
-- left as it is. The bot stores a day only from 45 to 3 days ago, a day
-- after any write that could have skipped it. (PostgreSQL's migration
-- says why a missing row is written; SQLite has one writer at a time.)
CREATE TABLE stats_days (
    day DATE PRIMARY KEY NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    figures TEXT
);

CREATE TRIGGER stats_days_ticket_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT NEW.day AS d
        UNION SELECT date(NEW.closed_at, '-1 day')
        UNION SELECT date(NEW.closed_at)
        UNION SELECT date(NEW.closed_at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

-- Its day's tickets and their first answers.
CREATE TRIGGER stats_days_ticket_opening AFTER UPDATE OF day, opened_at, first_response_at, first_responder_id ON tickets
    WHEN OLD.day IS NOT NEW.day OR OLD.opened_at IS NOT NEW.opened_at
        OR OLD.first_response_at IS NOT NEW.first_response_at OR OLD.first_responder_id IS NOT NEW.first_responder_id
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT OLD.day AS d
        UNION SELECT NEW.day)
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

-- The day it closed on, and how long it was open.
CREATE TRIGGER stats_days_ticket_closing AFTER UPDATE OF opened_at, closed_at ON tickets
    WHEN OLD.opened_at IS NOT NEW.opened_at OR OLD.closed_at IS NOT NEW.closed_at
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT date(OLD.closed_at, '-1 day') AS d
        UNION SELECT date(OLD.closed_at)
        UNION SELECT date(OLD.closed_at, '+1 day')
        UNION SELECT date(NEW.closed_at, '-1 day')
        UNION SELECT date(NEW.closed_at)
        UNION SELECT date(NEW.closed_at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

CREATE TRIGGER stats_days_rating_insert AFTER INSERT ON ticket_ratings
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT date(NEW.rated_at, '-1 day') AS d
        UNION SELECT date(NEW.rated_at)
        UNION SELECT date(NEW.rated_at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

CREATE TRIGGER stats_days_rating_update AFTER UPDATE OF score, rated_at ON ticket_ratings
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT date(OLD.rated_at, '-1 day') AS d
        UNION SELECT date(OLD.rated_at)
        UNION SELECT date(OLD.rated_at, '+1 day')
        UNION SELECT date(NEW.rated_at, '-1 day')
        UNION SELECT date(NEW.rated_at)
        UNION SELECT date(NEW.rated_at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

CREATE TRIGGER stats_days_reminder AFTER INSERT ON ticket_events
    WHEN NEW.kind = 'reminded'
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT date(NEW.at, '-1 day') AS d
        UNION SELECT date(NEW.at)
        UNION SELECT date(NEW.at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

CREATE TRIGGER stats_days_answer_insert AFTER INSERT ON ticket_answers
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT date(NEW.last_answer_at, '-1 day') AS d
        UNION SELECT date(NEW.last_answer_at)
        UNION SELECT date(NEW.last_answer_at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;

CREATE TRIGGER stats_days_answer_update AFTER UPDATE OF staff_id, last_answer_at ON ticket_answers
BEGIN
    INSERT INTO stats_days (day)
        SELECT d FROM (
        SELECT date(OLD.last_answer_at, '-1 day') AS d
        UNION SELECT date(OLD.last_answer_at)
        UNION SELECT date(OLD.last_answer_at, '+1 day')
        UNION SELECT date(NEW.last_answer_at, '-1 day')
        UNION SELECT date(NEW.last_answer_at)
        UNION SELECT date(NEW.last_answer_at, '+1 day'))
        WHERE d BETWEEN date('now', '-60 days') AND date('now', '-2 days')
        ON CONFLICT (day) DO UPDATE SET figures = NULL WHERE stats_days.figures IS NOT NULL;
END;
