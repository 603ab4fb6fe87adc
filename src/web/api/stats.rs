//! `GET /stats?period=day|week|month`: `/stats`' figures as JSON.

use axum::Json;
use axum::extract::{RawQuery, State};

use super::json::{DayFigures, Median, Percentiles, Ratings, StaffFigures, Stats};
use crate::desk::stats::gather_from;
use crate::domain::Period;
use crate::web::WebState;
use crate::web::problem::{Problem, ProblemDetails};

/// A period's figures.
#[utoipa::path(
    get,
    path = "/stats",
    params(("period" = Option<String>, Query, description = "`day` (default), `week` or `month`: ending today")),
    responses(
        (status = 200, description = "The figures", body = Stats),
        (status = 400, description = "A bad parameter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The database did not answer", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn period(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Stats>, Problem> {
    let mut period = Period::Day;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "period" => {
                period = Period::parse(&value)
                    .ok_or_else(|| Problem::bad_request(format!("period {value:?}: use day, week or month")))?
            }
            other => return Err(Problem::bad_request(format!("unknown parameter {other:?}: use period"))),
        }
    }
    let s = gather_from(&state.db, state.zone, period, state.clock.now()).await?;
    let name = match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(Json(Stats {
        period: name.to_string(),
        first_day: day(s.first_day),
        last_day: day(s.last_day),
        opened: s.opened,
        closed: s.closed,
        answered: s.answered,
        first_response_seconds: Percentiles { median: s.first_response_median, p90: s.first_response_p90 },
        close_seconds: Median { median: s.close_median },
        reminders: s.reminders,
        ratings: Ratings { count: s.ratings, average: s.rating_average, by_stars: s.rating_counts },
        days: s
            .days
            .iter()
            .map(|d| DayFigures {
                day: day(d.day),
                opened: d.opened,
                first_response_median_seconds: d.first_response_median,
            })
            .collect(),
        staff: s
            .staff
            .iter()
            .map(|m| StaffFigures {
                name: m.name.clone(),
                tickets_answered: m.tickets_answered,
                first_response_median_seconds: m.first_response_median,
            })
            .collect(),
    }))
}
