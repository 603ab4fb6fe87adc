//! `GET /stats?period=day|week|month`: `/stats`' figures as JSON.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use crate::desk::stats::gather;
use crate::domain::Period;
use crate::web::WebState;
use crate::web::problem::Problem;

pub async fn period(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Value>, Problem> {
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
    let mut conn = state.db.conn().await?;
    let s = gather(&mut conn, state.zone, period, state.clock.now()).await?;
    let name = match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    Ok(Json(json!({
        "period": name,
        "first_day": s.first_day.format("%Y-%m-%d").to_string(),
        "last_day": s.last_day.format("%Y-%m-%d").to_string(),
        "opened": s.opened,
        "closed": s.closed,
        "answered": s.answered,
        "first_response_seconds": { "median": s.first_response_median, "p90": s.first_response_p90 },
        "close_seconds": { "median": s.close_median },
        "reminders": s.reminders,
        "ratings": { "count": s.ratings, "average": s.rating_average },
        "days": s.days.iter().map(|d| json!({
            "day": d.day.format("%Y-%m-%d").to_string(),
            "opened": d.opened,
            "first_response_median_seconds": d.first_response_median,
        })).collect::<Vec<_>>(),
        "staff": s.staff.iter().map(|m| json!({
            "name": m.name,
            "tickets_answered": m.tickets_answered,
            "first_response_median_seconds": m.first_response_median,
        })).collect::<Vec<_>>(),
    })))
}
