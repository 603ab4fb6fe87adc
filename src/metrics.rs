//! Process metrics, rendered in Prometheus' text format at `/metrics`.
//! Counters are this process's (sum them over replicas); gauges that the
//! database knows (outbox backlog) are read when scraped.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the update-handling latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default)]
pub struct Metrics {
    pub tickets_opened: AtomicU64,
    pub tickets_closed: AtomicU64,
    pub relayed_to_staff: AtomicU64,
    pub relayed_to_user: AtomicU64,
    pub deliveries_sent: AtomicU64,
    pub deliveries_retried: AtomicU64,
    pub deliveries_rate_limited: AtomicU64,
    pub deliveries_failed: AtomicU64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
}

/// What is read when scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    pub outbox_backlog: i64,
    pub outbox_oldest_age: Duration,
    pub pool_in_use: usize,
    pub pool_size: usize,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records how long one update took to handle.
    pub fn observe_update(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn render(&self, gauges: &Gauges) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(&str, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        family(
            "ticketbot_tickets_opened_total",
            "counter",
            "Tickets opened.",
            &[("", get(&self.tickets_opened).to_string())],
        );
        family(
            "ticketbot_tickets_closed_total",
            "counter",
            "Tickets closed (by staff or the user).",
            &[("", get(&self.tickets_closed).to_string())],
        );
        family(
            "ticketbot_messages_relayed_total",
            "counter",
            "Messages relayed between users and staff.",
            &[
                ("{direction=\"to_staff\"}", get(&self.relayed_to_staff).to_string()),
                ("{direction=\"to_user\"}", get(&self.relayed_to_user).to_string()),
            ],
        );
        family(
            "ticketbot_deliveries_total",
            "counter",
            "Outbox send attempts by result.",
            &[
                ("{result=\"sent\"}", get(&self.deliveries_sent).to_string()),
                ("{result=\"retried\"}", get(&self.deliveries_retried).to_string()),
                ("{result=\"429\"}", get(&self.deliveries_rate_limited).to_string()),
                ("{result=\"failed\"}", get(&self.deliveries_failed).to_string()),
            ],
        );
        family(
            "ticketbot_outbox_backlog",
            "gauge",
            "Outbox messages waiting to be sent.",
            &[("", gauges.outbox_backlog.to_string())],
        );
        family(
            "ticketbot_outbox_oldest_age_seconds",
            "gauge",
            "Age of the oldest message waiting in the outbox.",
            &[("", format!("{:.3}", gauges.outbox_oldest_age.as_secs_f64()))],
        );
        family(
            "ticketbot_db_pool_connections",
            "gauge",
            "Database pool connections by state.",
            &[
                ("{state=\"in_use\"}", gauges.pool_in_use.to_string()),
                ("{state=\"open\"}", gauges.pool_size.to_string()),
            ],
        );
        let mut samples = Vec::new();
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.latency_buckets) {
            cumulative += get(count);
            samples.push((format!("_bucket{{le=\"{bound}\"}}"), cumulative.to_string()));
        }
        let count = get(&self.latency_count);
        samples.push(("_bucket{le=\"+Inf\"}".into(), count.to_string()));
        samples.push(("_sum".into(), format!("{:.6}", get(&self.latency_sum_us) as f64 / 1e6)));
        samples.push(("_count".into(), count.to_string()));
        let _ = writeln!(
            out,
            "# HELP ticketbot_update_handling_seconds Time to handle one update (its transaction included).\n\
             # TYPE ticketbot_update_handling_seconds histogram"
        );
        for (suffix, value) in samples {
            let _ = writeln!(out, "ticketbot_update_handling_seconds{suffix} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_a_cumulative_histogram() {
        let m = Metrics::default();
        Metrics::inc(&m.tickets_opened);
        Metrics::inc(&m.relayed_to_user);
        m.observe_update(Duration::from_micros(800));
        m.observe_update(Duration::from_millis(30));
        m.observe_update(Duration::from_secs(20));
        let text = m.render(&Gauges { outbox_backlog: 4, pool_in_use: 1, pool_size: 3, ..Gauges::default() });
        assert!(text.contains("ticketbot_tickets_opened_total 1\n"), "{text}");
        assert!(text.contains("ticketbot_messages_relayed_total{direction=\"to_user\"} 1\n"));
        assert!(text.contains("ticketbot_outbox_backlog 4\n"));
        assert!(text.contains("ticketbot_db_pool_connections{state=\"in_use\"} 1\n"));
        assert!(text.contains("ticketbot_update_handling_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("ticketbot_update_handling_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("ticketbot_update_handling_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("ticketbot_update_handling_seconds_count 3\n"));
    }
}
