//! Which tickets a list shows, as the API's query and the console's
//! filter form both say it (`status`, `assignee`, `waiting`, `since`,
//! `until`, `q`, `page`), and
//! one page of them: newest first from a cursor, or searched through
//! `/find`'s index.

use chrono::{NaiveDate, NaiveDateTime};

use super::problem::Problem;
use crate::db::Conn;
use crate::desk::find::matching_tickets;
use crate::storage::export::{Days, TicketLine};
use crate::storage::listing::{self, Assignee, TicketFilter};
use crate::storage::search::Narrowing;

/// Tickets a page holds.
pub const TICKETS_A_PAGE: usize = 50;
/// The deepest page of a search: past it, narrow the search (days, status).
const DEEPEST_SEARCH_PAGE: usize = 200;

/// A list's query, read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: TicketFilter,
    /// The words of `q`, when given.
    pub words: Vec<String>,
    pub page: Option<String>,
}

/// The times a list's `waiting` filter compares with: now, and what the
/// first-response SLA makes of it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: NaiveDateTime,
    pub sla: Sla,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sla {
    /// `FIRST_RESPONSE_SLA` is unset.
    Unset,
    /// The bot is still starting: the desk's rules are not read yet.
    NotYetKnown,
    /// The latest start of a wait that is past it.
    Cutoff(NaiveDateTime),
}

pub fn read_query(raw: Option<&str>, clock: Clock) -> Result<ListQuery, Problem> {
    let mut query = ListQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.trim();
        // A form sends its empty fields too: empty is not given.
        if value.is_empty() {
            continue;
        }
        match key.as_ref() {
            "status" => {
                query.filter.status = Some(match value {
                    "open" => "open",
                    "closed" => "closed",
                    _ => return Err(Problem::bad_request(format!("status {value:?}: use open or closed"))),
                })
            }
            "assignee" => {
                query.filter.assignee = Some(match value {
                    "none" => Assignee::Nobody,
                    id => Assignee::Staff(id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                        Problem::bad_request(format!("assignee {id:?}: use a staff member's Telegram id, or none"))
                    })?),
                })
            }
            "waiting" => {
                query.filter.waiting_since_by = Some(match value {
                    "yes" => clock.now,
                    "past_sla" => match clock.sla {
                        Sla::Cutoff(cutoff) => cutoff,
                        Sla::Unset => {
                            return Err(Problem::bad_request(
                                "waiting past_sla: no FIRST_RESPONSE_SLA is set, so no ticket is past it",
                            ));
                        }
                        Sla::NotYetKnown => {
                            return Err(Problem::new(
                                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                                "the bot is still starting: try again shortly",
                            ));
                        }
                    },
                    _ => return Err(Problem::bad_request(format!("waiting {value:?}: use yes or past_sla"))),
                })
            }
            "since" => query.filter.days.since = Some(day("since", value)?),
            "until" => query.filter.days.until = Some(day("until", value)?),
            "q" => {
                query.words = value
                    .split_whitespace()
                    .filter(|w| w.chars().any(char::is_alphanumeric))
                    .map(str::to_string)
                    .collect();
                if query.words.is_empty() {
                    return Err(Problem::bad_request("q holds no word to look for"));
                }
            }
            "page" => query.page = Some(value.to_string()),
            other => {
                return Err(Problem::bad_request(format!(
                    "unknown parameter {other:?}: use status, assignee, waiting, q, since, until, page"
                )));
            }
        }
    }
    if let Days { since: Some(since), until: Some(until) } = query.filter.days {
        if since > until {
            return Err(Problem::bad_request("since is after until"));
        }
    }
    Ok(query)
}

fn day(name: &str, value: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| Problem::bad_request(format!("{name} {value:?}: write a day as YYYY-MM-DD")))
}

/// A page cursor: a positive number (a ticket id to continue below, or a
/// search's page), or 400.
pub fn cursor(page: Option<&str>) -> Result<Option<i64>, Problem> {
    page.map(|p| {
        p.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Problem::bad_request("page: pass a next_page as it came"))
    })
    .transpose()
}

/// One page of the tickets `query` asks for, and the `page` of the next.
pub async fn page(conn: &mut Conn, query: &ListQuery) -> Result<(Vec<TicketLine>, Option<String>), Problem> {
    let page = cursor(query.page.as_deref())?;
    if query.words.is_empty() {
        // Newest first; the cursor is the last ticket's id.
        let limit = TICKETS_A_PAGE as i64 + 1;
        let mut rows = listing::tickets_before(conn, query.filter, page.unwrap_or(i64::MAX), limit).await?;
        let more = rows.len() > TICKETS_A_PAGE;
        rows.truncate(TICKETS_A_PAGE);
        let next_page = more.then(|| rows.last().map(|t| t.ticket_id.to_string())).flatten();
        return Ok((rows, next_page));
    }
    // Searched: the tickets with the newest matching message first, as
    // `/find` lists them; the cursor is the page's number.
    let number = page.unwrap_or(1) as usize;
    if number > DEEPEST_SEARCH_PAGE {
        return Err(Problem::bad_request(format!(
            "a search lists {DEEPEST_SEARCH_PAGE} pages at most: narrow it with status, since or until"
        )));
    }
    let narrowing = Narrowing { username: None, tickets: query.filter };
    let skip = (number - 1) * TICKETS_A_PAGE;
    let (found, more) = matching_tickets(conn, &query.words, &narrowing, skip, TICKETS_A_PAGE).await?;
    let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
    let rows = listing::tickets_by_id(conn, &ids).await?;
    let next_page = (more && number < DEEPEST_SEARCH_PAGE).then(|| (number + 1).to_string());
    Ok((rows, next_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(sla: bool) -> Clock {
        let now = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap().and_hms_opt(12, 0, 0).unwrap();
        Clock { now, sla: if sla { Sla::Cutoff(now - chrono::TimeDelta::minutes(15)) } else { Sla::Unset } }
    }

    #[test]
    fn a_query_reads_filters_words_and_a_page_and_refuses_the_rest() {
        let read = |raw: &str| read_query(Some(raw), clock(true));
        let q = read("status=open&q=printer+fire&since=2026-11-01&until=2026-11-21&page=7").unwrap();
        assert_eq!(q.filter.status, Some("open"));
        assert_eq!(q.words, ["printer", "fire"]);
        assert_eq!(q.filter.days.since, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(q.filter.days.until, NaiveDate::from_ymd_opt(2026, 11, 21));
        assert_eq!(q.page.as_deref(), Some("7"));
        assert_eq!(read_query(None, clock(true)).unwrap(), ListQuery::default());
        assert_eq!(
            read("q=&status=&since=&until=&assignee=&waiting=").unwrap(),
            ListQuery::default(),
            "a form's empty fields"
        );
        assert_eq!(read("assignee=900").unwrap().filter.assignee, Some(Assignee::Staff(900)));
        assert_eq!(read("assignee=none").unwrap().filter.assignee, Some(Assignee::Nobody));
        assert_eq!(read("waiting=yes").unwrap().filter.waiting_since_by, Some(clock(true).now));
        let cutoff = clock(true).now - chrono::TimeDelta::minutes(15);
        assert_eq!(read("waiting=past_sla").unwrap().filter.waiting_since_by, Some(cutoff));
        let no_sla = read_query(Some("waiting=past_sla"), clock(false)).unwrap_err();
        assert!(no_sla.detail.contains("FIRST_RESPONSE_SLA"), "{}", no_sla.detail);
        let starting = Clock { sla: Sla::NotYetKnown, ..clock(true) };
        let problem = read_query(Some("waiting=past_sla"), starting).unwrap_err();
        assert_eq!(problem.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
        for bad in [
            "status=pending",
            "since=21.11.2026",
            "q=--",
            "limit=5",
            "since=2026-11-22&until=2026-11-21",
            "assignee=@smith",
            "assignee=-3",
            "waiting=long",
        ] {
            let problem = read(bad).unwrap_err();
            assert_eq!(problem.status, axum::http::StatusCode::BAD_REQUEST, "{bad}");
        }
        assert!(cursor(Some("0")).is_err() && cursor(Some("x")).is_err());
        assert_eq!(cursor(Some("12")).unwrap(), Some(12));
    }
}
