//! `/stats`' chart: tickets opened per day (bars, left axis) and the
//! median first response of each day's tickets (a line, right axis, in
//! minutes), drawn in memory and PNG-encoded. Its text is set in DejaVu
//! Sans, embedded in the binary (`assets/fonts`): no system font, no
//! external service.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::texts::{Words, day};
use crate::domain::{Period, Stats};

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
const SIZE: (u32, u32) = (900, 450);

/// The chart of `stats` as a PNG file's bytes.
pub fn png(w: Words, stats: &Stats) -> Result<Vec<u8>, String> {
    static FONT_LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    FONT_LOADED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, FONT).map_err(|_| "the embedded font does not load".into())
        })
        .clone()?;
    let (width, height) = SIZE;
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    draw(w, stats, &mut rgb).map_err(|e| format!("drawing the chart: {e}"))?;
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png)
}

fn draw<'a>(w: Words, stats: &'a Stats, rgb: &'a mut [u8]) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = BitMapBackend::with_buffer(rgb, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let days = stats.days.len().max(1);
    let x_range = -0.5f64..(days as f64 - 0.5);
    let most_opened = stats.days.iter().map(|d| d.opened).max().unwrap_or(0).max(1) as f64;
    let minutes = |seconds: i64| seconds as f64 / 60.0;
    let longest = stats.days.iter().filter_map(|d| d.first_response_median).map(minutes).fold(1.0, f64::max);
    let title = match stats.period {
        Period::Day => w.say("chart-title-today", [("day", day(stats.last_day))]),
        _ => w.say("chart-title-days", [("first", day(stats.first_day)), ("last", day(stats.last_day))]),
    };
    let (opened, first_response) = (w.say("chart-opened", []), w.say("chart-first-response", []));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 22))
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .right_y_label_area_size(64)
        .build_cartesian_2d(x_range.clone(), 0f64..most_opened * 1.2)?
        .set_secondary_coord(x_range, 0f64..longest * 1.2);
    let label = |x: &f64| {
        let at = x.round();
        let day = (at >= 0.0 && (at - x).abs() < 0.01).then(|| stats.days.get(at as usize)).flatten();
        day.map(|d| d.day.format("%m-%d").to_string()).unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(days.min(12))
        .x_label_formatter(&label)
        .y_labels((most_opened as usize + 1).min(10))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc(opened.as_str())
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc(w.say("chart-minutes", []))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()?;
    let bars = RGBColor(66, 133, 244);
    chart
        .draw_series(stats.days.iter().enumerate().map(|(i, d)| {
            let x = i as f64;
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, d.opened as f64)], bars.mix(0.7).filled())
        }))?
        .label(opened.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], bars.mix(0.7).filled()));
    let line = RGBColor(219, 68, 55);
    let points: Vec<(f64, f64)> = stats
        .days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((i as f64, minutes(d.first_response_median?))))
        .collect();
    chart
        .draw_secondary_series(LineSeries::new(points.clone(), line.stroke_width(2)))?
        .label(first_response.as_str())
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], line.stroke_width(2)));
    chart.draw_secondary_series(points.iter().map(|p| Circle::new(*p, 4, line.filled())))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FAMILY, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::DayFigures;

    fn stats(days: usize) -> Stats {
        let first = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let period = if days == 1 { Period::Day } else { Period::Month };
        let figures = (0..days)
            .map(|i| DayFigures {
                day: first + chrono::TimeDelta::days(i as i64),
                opened: i * 3 % 17 + 2,
                first_response_median: (i % 4 != 3).then_some(60 * (i as i64 % 9 + 1)),
            })
            .collect();
        Stats::with_days(period, first, first + chrono::TimeDelta::days(days as i64 - 1), figures)
    }

    #[test]
    fn the_chart_is_a_png_of_its_size_with_something_drawn() {
        let (en, ru) =
            (crate::render::Texts::load(None, "en").unwrap(), crate::render::Texts::load(None, "ru").unwrap());
        for (days, texts) in [(1, &en), (7, &ru), (30, &en)] {
            let png = png(texts.staff(), &stats(days)).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
            let decoder = png::Decoder::new(std::io::Cursor::new(&png));
            let mut reader = decoder.read_info().unwrap();
            let mut pixels = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut pixels).unwrap();
            assert_eq!((info.width, info.height), SIZE);
            let bar_blue = pixels.chunks(3).filter(|p| p[2] > 200 && p[0] < 160).count();
            let line_red = pixels.chunks(3).filter(|p| p[0] > 200 && p[1] < 120 && p[2] < 120).count();
            assert!(bar_blue > 500, "bars drawn ({days} days): {bar_blue} blue pixels");
            assert!(line_red > 50, "the line drawn ({days} days): {line_red} red pixels");
            let dark = pixels.chunks(3).filter(|p| p.iter().all(|c| *c < 90)).count();
            assert!(dark > 300, "text and axes drawn: {dark} dark pixels");
        }
    }
}
