//! Process metrics, served at `/metrics` in the OpenMetrics text format
//! (which Prometheus reads) through `prometheus-client`. Counters are this
//! process's (sum them over replicas); what the database knows (the outbox
//! backlog) is read when scraped and handed to `render`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds of the update-handling latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The delivery results counted, as `/metrics` labels them.
const DELIVERY_RESULTS: [&str; 4] = ["sent", "retried", "429", "failed"];

type Label = [(&'static str, &'static str); 1];

pub struct Metrics {
    registry: Registry,
    tickets_opened: Counter,
    tickets_closed: Counter,
    tickets_auto_closed: Counter,
    reminders: Counter,
    relayed: Family<Label, Counter>,
    deliveries: Family<Label, Counter>,
    update_handling: Histogram,
    outbox_backlog: Gauge,
    outbox_oldest_age: Gauge<f64, AtomicU64>,
    pool: Family<Label, Gauge>,
    today: Family<Label, Gauge<f64, AtomicU64>>,
    retention: Family<Label, Counter>,
}

/// What retention counts, by kind.
const RETAINED: [&str; 3] = ["updates", "outbox", "ticket_texts"];

/// What is read when scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    pub outbox_backlog: i64,
    pub outbox_oldest_age: Duration,
    pub pool_in_use: usize,
    pub pool_size: usize,
    /// Today's figures (`/stats`'s), when the database gave them.
    pub today: Option<DeskFigures>,
}

/// The desk's figures for today, in the ticket time zone: what `/stats`
/// shows, for dashboards and alerts. Seconds; `None` where there is no
/// data yet (exported as NaN).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DeskFigures {
    pub opened: i64,
    pub closed: i64,
    pub first_response_p50: Option<i64>,
    pub first_response_p90: Option<i64>,
    pub close_p50: Option<i64>,
    pub reminders: i64,
    pub ratings: i64,
    pub rating_average: Option<f64>,
}

/// What handling one batch of updates did, counted once it is committed (a
/// batch that is rolled back and done again counts once).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub opened: u64,
    pub closed: u64,
    pub to_staff: u64,
    pub to_user: u64,
    /// Reminders of tickets waiting past the first-response time.
    pub reminded: u64,
    /// Tickets closed because their users left staff's answer unanswered
    /// (counted in `closed` too).
    pub auto_closed: u64,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.opened += other.opened;
        self.closed += other.closed;
        self.to_staff += other.to_staff;
        self.to_user += other.to_user;
        self.reminded += other.reminded;
        self.auto_closed += other.auto_closed;
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let metrics = Self {
            registry: Registry::default(),
            tickets_opened: Counter::default(),
            tickets_closed: Counter::default(),
            tickets_auto_closed: Counter::default(),
            reminders: Counter::default(),
            relayed: Family::default(),
            deliveries: Family::default(),
            update_handling: Histogram::new(BUCKETS),
            outbox_backlog: Gauge::default(),
            outbox_oldest_age: Gauge::default(),
            pool: Family::default(),
            today: Family::default(),
            retention: Family::default(),
        };
        // Every label value is listed from the start, at zero, so a rate
        // over it is defined before the first event.
        for direction in ["to_staff", "to_user"] {
            drop(metrics.relayed.get_or_create(&[("direction", direction)]));
        }
        for result in DELIVERY_RESULTS {
            drop(metrics.deliveries.get_or_create(&[("result", result)]));
        }
        for what in RETAINED {
            drop(metrics.retention.get_or_create(&[("what", what)]));
        }
        let mut metrics = metrics;
        let registry = &mut metrics.registry;
        registry.register("ticketbot_tickets_opened", "Tickets opened.", metrics.tickets_opened.clone());
        registry.register(
            "ticketbot_tickets_closed",
            "Tickets closed (by staff or the user).",
            metrics.tickets_closed.clone(),
        );
        registry.register(
            "ticketbot_tickets_auto_closed",
            "Tickets closed after AUTO_CLOSE_AFTER without the user's answer (also in tickets_closed).",
            metrics.tickets_auto_closed.clone(),
        );
        registry.register(
            "ticketbot_first_response_reminders",
            "Reminders of tickets that waited for staff past FIRST_RESPONSE_SLA.",
            metrics.reminders.clone(),
        );
        registry.register(
            "ticketbot_messages_relayed",
            "Messages relayed between users and staff.",
            metrics.relayed.clone(),
        );
        registry.register("ticketbot_deliveries", "Outbox send attempts by result.", metrics.deliveries.clone());
        registry.register(
            "ticketbot_outbox_backlog",
            "Outbox messages waiting to be sent.",
            metrics.outbox_backlog.clone(),
        );
        registry.register(
            "ticketbot_outbox_oldest_age_seconds",
            "Age of the oldest message waiting in the outbox.",
            metrics.outbox_oldest_age.clone(),
        );
        registry.register(
            "ticketbot_today",
            "Today's figures in the ticket time zone, as /stats shows them (figure: opened, closed, \
             first_response_p50_seconds, first_response_p90_seconds, close_p50_seconds, reminders, ratings, \
             rating_average; NaN until there is data).",
            metrics.today.clone(),
        );
        registry.register(
            "ticketbot_retention_removed",
            "Rows retention deleted or cleared (what: updates, outbox, ticket_texts).",
            metrics.retention.clone(),
        );
        registry.register("ticketbot_db_pool_connections", "Database pool connections by state.", metrics.pool.clone());
        registry.register(
            "ticketbot_update_handling_seconds",
            "Time to handle one update (its transaction included).",
            metrics.update_handling.clone(),
        );
        metrics
    }

    /// Counts what a committed batch did.
    pub fn count(&self, tally: Tally) {
        self.tickets_opened.inc_by(tally.opened);
        self.tickets_closed.inc_by(tally.closed);
        self.tickets_auto_closed.inc_by(tally.auto_closed);
        self.reminders.inc_by(tally.reminded);
        self.relayed.get_or_create(&[("direction", "to_staff")]).inc_by(tally.to_staff);
        self.relayed.get_or_create(&[("direction", "to_user")]).inc_by(tally.to_user);
    }

    /// Counts one answer from Telegram: `sent`, `retried`, `429` or `failed`.
    pub fn delivery(&self, result: &'static str) {
        self.deliveries.get_or_create(&[("result", result)]).inc();
    }

    /// Counts what retention removed: `updates`, `outbox` or
    /// `ticket_texts`.
    pub fn retained(&self, what: &'static str, rows: u64) {
        self.retention.get_or_create(&[("what", what)]).inc_by(rows);
    }

    /// Records how long one update took to handle.
    pub fn observe_update(&self, took: Duration) {
        self.update_handling.observe(took.as_secs_f64());
    }

    /// The whole exposition, with the gauges read at this scrape.
    pub fn render(&self, gauges: &Gauges) -> String {
        self.outbox_backlog.set(gauges.outbox_backlog);
        self.outbox_oldest_age.set(gauges.outbox_oldest_age.as_secs_f64());
        self.pool.get_or_create(&[("state", "in_use")]).set(gauges.pool_in_use as i64);
        self.pool.get_or_create(&[("state", "open")]).set(gauges.pool_size as i64);
        if let Some(today) = gauges.today {
            let seconds = |s: Option<i64>| s.map_or(f64::NAN, |s| s as f64);
            for (figure, value) in [
                ("opened", today.opened as f64),
                ("closed", today.closed as f64),
                ("first_response_p50_seconds", seconds(today.first_response_p50)),
                ("first_response_p90_seconds", seconds(today.first_response_p90)),
                ("close_p50_seconds", seconds(today.close_p50)),
                ("reminders", today.reminders as f64),
                ("ratings", today.ratings as f64),
                ("rating_average", today.rating_average.unwrap_or(f64::NAN)),
            ] {
                self.today.get_or_create(&[("figure", figure)]).set(value);
            }
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

/// The content type of `render`'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_a_cumulative_histogram() {
        let m = Metrics::new();
        m.count(Tally { opened: 1, to_user: 1, reminded: 2, ..Tally::default() });
        m.delivery("sent");
        m.observe_update(Duration::from_micros(800));
        m.observe_update(Duration::from_millis(30));
        m.observe_update(Duration::from_secs(20));
        let text = m.render(&Gauges { outbox_backlog: 4, pool_in_use: 1, pool_size: 3, ..Gauges::default() });
        for line in [
            "ticketbot_tickets_opened_total 1\n",
            "ticketbot_tickets_closed_total 0\n",
            "ticketbot_first_response_reminders_total 2\n",
            "ticketbot_tickets_auto_closed_total 0\n",
            "ticketbot_messages_relayed_total{direction=\"to_user\"} 1\n",
            "ticketbot_messages_relayed_total{direction=\"to_staff\"} 0\n",
            "ticketbot_deliveries_total{result=\"sent\"} 1\n",
            "ticketbot_deliveries_total{result=\"429\"} 0\n",
            "ticketbot_outbox_backlog 4\n",
            "ticketbot_db_pool_connections{state=\"in_use\"} 1\n",
            "ticketbot_update_handling_seconds_bucket{le=\"0.001\"} 1\n",
            "ticketbot_update_handling_seconds_bucket{le=\"0.05\"} 2\n",
            "ticketbot_update_handling_seconds_bucket{le=\"+Inf\"} 3\n",
            "ticketbot_update_handling_seconds_count 3\n",
        ] {
            assert!(text.contains(line), "no {line:?} in:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
