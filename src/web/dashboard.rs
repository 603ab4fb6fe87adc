//! `GET /dashboard?period=day|week|month`: `/stats`' figures for a period,
//! with charts drawn as inline SVG on the server (no script, no image
//! request): tickets opened per day, the median first answer per day,
//! ratings by stars; the staff as a table. Each chart has a title a screen
//! reader reads, and its figures are in the page as text too.

use std::fmt::Write;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::WebState;
use super::pages::{self, CSP, duration, page, refused};
use super::session::Staff;
use crate::desk::stats::gather_from;
use crate::domain::{Period, Stats};
use crate::render::html::escape;

pub async fn show(State(state): State<WebState>, viewer: Staff, RawQuery(raw): RawQuery) -> Response {
    let asked = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "period")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let Some(period) = Period::parse(&asked) else {
        return refused(StatusCode::BAD_REQUEST, "Choose a period: day, week or month.");
    };
    let stats = match gather_from(&state.db, state.zone, period, state.clock.now()).await {
        Ok(stats) => stats,
        Err(e) => return pages::unavailable(&e),
    };
    page(StatusCode::OK, "Dashboard", Some(&viewer), &body(&stats), CSP)
}

fn body(s: &Stats) -> String {
    let mut html = String::new();
    let tab = |p: Period, label: &str| {
        let current = if p == s.period { " aria-current=\"page\"" } else { "" };
        let name = match p {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        };
        format!("<a href=\"/dashboard?period={name}\"{current}>{label}</a>")
    };
    let _ = write!(
        html,
        "<nav class=\"periods\" aria-label=\"Period\">{} {} {}</nav><p>{} to {}</p>",
        tab(Period::Day, "Today"),
        tab(Period::Week, "7 days"),
        tab(Period::Month, "30 days"),
        s.first_day.format("%Y-%m-%d"),
        s.last_day.format("%Y-%m-%d")
    );
    let seconds = |v: Option<i64>| v.map(|v| duration(chrono::TimeDelta::seconds(v))).unwrap_or_else(|| "—".into());
    let average = s.rating_average.map(|a| format!("{a:.1} of 5")).unwrap_or_else(|| "—".into());
    let figures = [
        ("Opened", s.opened.to_string()),
        ("Closed", s.closed.to_string()),
        ("Answered", s.answered.to_string()),
        ("First answer, median", seconds(s.first_response_median)),
        ("First answer, 90th percentile", seconds(s.first_response_p90)),
        ("Time to close, median", seconds(s.close_median)),
        ("Past the first-response SLA (reminders)", s.reminders.to_string()),
        ("Ratings", format!("{} (average {average})", s.ratings)),
    ];
    html.push_str("<dl class=\"card figures\">");
    for (name, value) in figures {
        let _ = write!(html, "<dt>{name}</dt><dd>{value}</dd>");
    }
    html.push_str("</dl>");

    let days: Vec<(String, f64)> =
        s.days.iter().map(|d| (d.day.format("%m-%d").to_string(), d.opened as f64)).collect();
    html.push_str(&bars("Tickets opened per day", &days, |v| format!("{v:.0}")));
    let answers: Vec<(String, f64)> = s
        .days
        .iter()
        .map(|d| (d.day.format("%m-%d").to_string(), d.first_response_median.unwrap_or(0) as f64 / 60.0))
        .collect();
    html.push_str(&bars("Median first answer per day, minutes", &answers, |v| format!("{v:.0}")));
    let stars: Vec<(String, f64)> =
        s.rating_counts.iter().enumerate().map(|(i, n)| (format!("{} ★", i + 1), *n as f64)).collect();
    html.push_str(&bars("Ratings by stars", &stars, |v| format!("{v:.0}")));

    html.push_str("<h2>Staff</h2>");
    if s.staff.is_empty() {
        html.push_str("<p>Nobody answered in this period.</p>");
    } else {
        html.push_str(
            "<table><thead><tr><th scope=\"col\">Staff member</th><th scope=\"col\">Tickets answered</th>\
             <th scope=\"col\">Median first answer</th></tr></thead><tbody>",
        );
        for m in &s.staff {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&m.name),
                m.tickets_answered,
                seconds(m.first_response_median)
            );
        }
        html.push_str("</tbody></table>");
    }
    html
}

/// A bar chart of `values` as inline SVG, titled; each bar's value in its
/// own `<title>` (a tooltip, and what a screen reader reads).
fn bars(title: &str, values: &[(String, f64)], label: impl Fn(f64) -> String) -> String {
    const WIDTH: f64 = 900.0;
    const HEIGHT: f64 = 220.0;
    const BASE: f64 = 190.0;
    let top = values.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(1.0);
    let step = (WIDTH - 40.0) / values.len().max(1) as f64;
    let every = (values.len() / 10).max(1);
    let mut svg = format!(
        "<figure><figcaption>{t}</figcaption><svg role=\"img\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>\
         <line x1=\"30\" y1=\"{BASE}\" x2=\"{WIDTH}\" y2=\"{BASE}\" stroke=\"#8895a2\"/>\
         <text x=\"0\" y=\"20\" font-size=\"12\">{}</text>",
        label(top),
        t = escape(title)
    );
    for (i, (name, value)) in values.iter().enumerate() {
        let height = (value / top * (BASE - 30.0)).max(0.0);
        let x = 34.0 + i as f64 * step;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"#2f7d4f\">\
             <title>{}: {}</title></rect>",
            BASE - height,
            (step * 0.8).max(1.0),
            escape(name),
            label(*value)
        );
        if i % every == 0 {
            let _ = write!(svg, "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>", BASE + 16.0, escape(name));
        }
    }
    svg.push_str("</svg></figure>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_a_bar_a_value_scaled_to_the_highest_and_escapes_its_words() {
        let svg =
            bars("A <b>title</b>", &[("a".into(), 2.0), ("b&c".into(), 4.0), ("z".into(), 0.0)], |v| format!("{v}"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title>A &lt;b&gt;title&lt;/b&gt;</title>"), "{svg}");
        assert!(svg.contains("<title>b&amp;c: 4</title>"), "{svg}");
        assert!(svg.contains("height=\"160.0\""), "the highest bar is full height: {svg}");
        assert!(svg.contains("height=\"80.0\""), "half the highest, half the height: {svg}");
    }
}
