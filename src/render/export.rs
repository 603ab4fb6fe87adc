//! Exports as files: CSV as spreadsheets read it (RFC 4180 quoting, CRLF
//! line ends, UTF-8 with a byte-order mark so Excel reads it as UTF-8, a
//! header row) or JSON Lines (one object a line). Times are UTC, ISO 8601.
//!
//! A CSV field people wrote that starts like a formula (`=`, `+`, `-`,
//! `@`) gets a leading `'`, so a spreadsheet shows it instead of running
//! it (CSV injection); JSON Lines keeps every value as it is.

use std::io::{self, Write};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::storage::export::{MessageLine, TicketLine, utc_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }
}

/// A row of an export: its columns, and its values as CSV writes them.
pub trait Row: Serialize {
    const COLUMNS: &'static [&'static str];
    fn csv_values(&self) -> Vec<Field>;
}

/// One CSV value: ours (a number, a time, a status) or written by people.
pub enum Field {
    Ours(String),
    People(String),
}

fn time(t: NaiveDateTime) -> String {
    utc_text(&t)
}

fn ours<T: ToString>(value: Option<T>) -> Field {
    Field::Ours(value.map(|v| v.to_string()).unwrap_or_default())
}

impl Row for TicketLine {
    const COLUMNS: &'static [&'static str] = &[
        "ticket_id",
        "day",
        "number",
        "user_id",
        "first_name",
        "last_name",
        "username",
        "status",
        "assignee",
        "opened_at",
        "first_response_at",
        "closed_at",
        "first_response_seconds",
        "rating",
    ];

    fn csv_values(&self) -> Vec<Field> {
        vec![
            ours(Some(self.ticket_id)),
            ours(Some(self.day)),
            ours(Some(self.number)),
            ours(Some(self.user_id)),
            Field::People(self.first_name.clone()),
            Field::People(self.last_name.clone().unwrap_or_default()),
            Field::People(self.username.clone().unwrap_or_default()),
            ours(Some(&self.status)),
            Field::People(self.assignee.clone().unwrap_or_default()),
            ours(Some(time(self.opened_at))),
            ours(self.first_response_at.map(time)),
            ours(self.closed_at.map(time)),
            ours(self.first_response_seconds),
            ours(self.rating),
        ]
    }
}

impl Row for MessageLine {
    const COLUMNS: &'static [&'static str] = &[
        "message_id",
        "ticket_id",
        "day",
        "number",
        "direction",
        "sender_id",
        "kind",
        "text",
        "created_at",
        "edited_at",
    ];

    fn csv_values(&self) -> Vec<Field> {
        vec![
            ours(Some(self.message_id)),
            ours(Some(self.ticket_id)),
            ours(Some(self.day)),
            ours(Some(self.number)),
            ours(Some(&self.direction)),
            ours(Some(self.sender_id)),
            ours(Some(&self.kind)),
            Field::People(self.text.clone().unwrap_or_default()),
            ours(Some(time(self.created_at))),
            ours(self.edited_at.map(time)),
        ]
    }
}

/// Writes rows of one kind in one format.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
}

impl<W: Write> Writer<W> {
    /// Starts the file: for CSV the byte-order mark and the header row.
    pub fn start<R: Row>(mut out: W, format: Format) -> io::Result<Self> {
        if format == Format::Csv {
            out.write_all("\u{feff}".as_bytes())?;
            let header: Vec<Field> = R::COLUMNS.iter().map(|c| Field::Ours(c.to_string())).collect();
            write_csv_line(&mut out, &header)?;
        }
        Ok(Self { out, format })
    }

    pub fn write<R: Row>(&mut self, row: &R) -> io::Result<()> {
        match self.format {
            Format::Csv => write_csv_line(&mut self.out, &row.csv_values()),
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, row)?;
                self.out.write_all(b"\n")
            }
        }
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn write_csv_line(out: &mut impl Write, fields: &[Field]) -> io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let value = match field {
            Field::Ours(v) => std::borrow::Cow::Borrowed(v.as_str()),
            Field::People(v) if v.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{v}").into(),
            Field::People(v) => std::borrow::Cow::Borrowed(v.as_str()),
        };
        if value.contains([',', '"', '\r', '\n']) {
            out.write_all(b"\"")?;
            out.write_all(value.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(value.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn line() -> TicketLine {
        let at = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap().and_hms_opt(9, 0, 0).unwrap();
        TicketLine {
            ticket_id: 1,
            day: at.date(),
            number: 7,
            user_id: 42,
            first_name: "Ann, \"the\" boss".into(),
            last_name: Some("Ли\nLee".into()),
            username: None,
            status: "closed".into(),
            assignee: Some("=HYPERLINK(\"x\")".into()),
            assignee_id: Some(7),
            opened_at: at,
            first_response_at: Some(at + chrono::TimeDelta::seconds(90)),
            closed_at: None,
            waiting_since: None,
            first_response_seconds: Some(90),
            rating: Some(4),
        }
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says_and_defuses_formulas() {
        let mut writer = Writer::start::<TicketLine>(Vec::new(), Format::Csv).unwrap();
        writer.write(&line()).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let mut lines = text.strip_prefix('\u{feff}').expect("a byte-order mark").split("\r\n");
        assert_eq!(lines.next().unwrap(), TicketLine::COLUMNS.join(","));
        let row = lines.collect::<Vec<_>>().join("\r\n");
        assert_eq!(
            row,
            "1,2026-11-21,7,42,\"Ann, \"\"the\"\" boss\",\"Ли\nLee\",,closed,\"'=HYPERLINK(\"\"x\"\")\",\
             2026-11-21T09:00:00Z,2026-11-21T09:01:30Z,,90,4\r\n"
        );
    }

    #[test]
    fn json_lines_keep_every_value_as_it_is() {
        let mut writer = Writer::start::<TicketLine>(Vec::new(), Format::Jsonl).unwrap();
        writer.write(&line()).unwrap();
        writer.write(&line()).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["assignee"], "=HYPERLINK(\"x\")");
        assert_eq!(rows[0]["last_name"], "Ли\nLee");
        assert_eq!(rows[0]["first_response_seconds"], 90);
        assert_eq!(rows[0]["closed_at"], serde_json::Value::Null);
        assert_eq!(rows[0]["opened_at"], "2026-11-21T09:00:00Z");
        assert_eq!(rows[0]["day"], "2026-11-21");
        assert_eq!(Format::parse("CSV"), Some(Format::Csv));
        assert_eq!(Format::parse("xlsx"), None);
    }
}
