//! Finished days' figures, kept (`storage::stats_days`): a month is 30
//! days of 2,700 tickets each, and reading them all took 85–145 ms on
//! PostgreSQL at a million tickets; 27 kept days and three days of tickets
//! take a fraction of that. A day is kept once it is three days old (the
//! migration says why three), computed in the desk's time zone; triggers
//! clear it when anything it holds changes, and the next period that
//! reaches it reads it from the tickets and keeps it again.

use chrono::{NaiveDate, TimeDelta};
use chrono_tz::Tz;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

use super::stats_parts::{Activity, Opening, midnight, read_activity, read_openings};
use crate::db::{Conn, Db, DbError};
use crate::storage::stats_days;

/// How many days after it a day may be kept: days later than
/// `today - KEPT_AFTER_DAYS` are always read from the tickets.
pub(super) const KEPT_AFTER_DAYS: i64 = 3;

/// A kept day: its parts, as read from the tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct KeptDay {
    /// `FORMAT` when it was kept: a day kept by a build that meant
    /// something else by its parts is read again.
    pub format: u32,
    pub opening: Opening,
    pub activity: Activity,
}

/// What `KeptDay` holds and means; raise it with any change to either.
pub(super) const FORMAT: u32 = 1;

impl KeptDay {
    pub(super) fn new(opening: Opening, activity: Activity) -> Self {
        Self { format: FORMAT, opening, activity }
    }

    /// The figures as kept, if they are this build's.
    fn parse(figures: &str) -> Result<Self, String> {
        match serde_json::from_str::<Self>(figures) {
            Ok(kept) if kept.format == FORMAT => Ok(kept),
            Ok(kept) => Err(format!("kept in format {}, this build reads {FORMAT}", kept.format)),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The days of `[first, last]` kept for `zone`, in order. A row that does
/// not read as this build's figures counts as not kept (and is kept again).
pub(super) async fn read(
    conn: &mut Conn,
    zone: Tz,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, KeptDay)>> {
    if last < first {
        return Ok(Vec::new());
    }
    let rows = stats_days::kept(conn, zone.name(), first, last).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(day, figures)| match KeptDay::parse(&figures) {
            Ok(kept) => Some((day, kept)),
            Err(e) => {
                tracing::info!(%day, reason = %e, "a kept day is read from its tickets and kept again");
                None
            }
        })
        .collect())
}

/// Reads each of `days` from the tickets and keeps it for `zone`, one
/// transaction a day (on SQLite each holds the writer for one day's
/// reading). A day kept already (for `zone`, in this build's format), or
/// one the database's clock says not to keep, is left. Also forgets the days no period reaches any more.
/// Returns how many days it kept.
pub async fn keep(db: &Db, zone: Tz, days: &[NaiveDate]) -> Result<usize, DbError> {
    stats_days::forget_old(&mut db.writer().await?).await?;
    let mut kept = 0;
    for &day in days {
        let stored = db
            .transaction(async |tx| -> Result<bool, DbError> {
                let Some(held) = stats_days::lock(tx, day).await? else { return Ok(false) };
                if held.zone == zone.name() && held.figures.as_deref().is_some_and(|f| KeptDay::parse(f).is_ok()) {
                    return Ok(false);
                }
                let (from, to) = (midnight(zone, day), midnight(zone, day + TimeDelta::days(1)));
                let opening = read_openings(tx, day, day).await?.pop().map(|(_, o)| o).unwrap_or_default();
                let activity = read_activity(tx, from, to, false).await?;
                let figures = serde_json::to_string(&KeptDay::new(opening, activity))
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                stats_days::store(tx, day, zone.name(), &figures).await?;
                Ok(true)
            })
            .await?;
        kept += usize::from(stored);
    }
    Ok(kept)
}
