//! Charts of a finished run, each written as PNG and SVG under `plots/`.
//!
//! * `latency`: p50, p90 and p99 over time for the busiest cities (up to six);
//! * `availability`: availability over time per city, with the SLO target;
//! * `instances`: instances per region over time, serving and starting, with
//!   the region's `max_instances`;
//! * `requests`: requests per second by serving region, stacked;
//! * `flows`: a city x region heat map of where traffic was served, with the
//!   median latency of each pair;
//! * `map`: cities (sized by load), regions, and lines from each city to the
//!   regions that served it.
//!
//! Time charts shade and label every outage. Text in the PNGs is drawn with
//! an embedded font (Roboto, Apache 2.0, `assets/fonts/`), so charts render
//! on machines with no fonts installed; the SVGs name the font family and
//! leave the drawing to the viewer.

use super::results::Results;
use crate::metrics::{Row, ScopeKind};
use crate::scenario::{DependencyOutageKind, OutageKind};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::io;
use std::path::Path;
use std::sync::Once;

/// The font family every chart uses.
pub(crate) const FONT: &str = "sans-serif";

/// Tableau 10: distinct, print-safe, colour-blind friendlier than the defaults.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

pub(crate) const INK: RGBColor = RGBColor(40, 40, 48);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 230);
const OUTAGE: RGBColor = RGBColor(225, 87, 89);
const LAND: RGBColor = RGBColor(226, 228, 232);

/// The coastlines drawn on the map (see `assets/world/README.md`).
const LAND_110M: &str = include_str!("../../assets/world/land-110m.txt");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid; a failure would only lose PNG text.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/Roboto-Regular.ttf"),
        );
    });
}

/// One chart, drawn.
pub struct Chart {
    /// File stem under `plots/`.
    pub name: &'static str,
    /// Heading in the report.
    pub title: &'static str,
    /// What the chart shows, for the report.
    pub caption: String,
    /// The SVG text (also written to `plots/NAME.svg`).
    pub svg: String,
}

pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draws one chart with both backends and writes `NAME.svg` and `NAME.png` into `dir`.
pub(crate) fn render(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    svg_draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
    png_draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> io::Result<String> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        svg_draw(&root).map_err(io::Error::other)?;
        root.present().map_err(|e| io::Error::other(err(e)))?;
    }
    let mut rgb = vec![255u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        png_draw(&root).map_err(io::Error::other)?;
        root.present().map_err(|e| io::Error::other(err(e)))?;
    }
    super::atomic::write_file(&dir.join(format!("{name}.svg")), |w| w.write_all(svg.as_bytes()))?;
    super::atomic::write_file(&dir.join(format!("{name}.png")), |w| {
        let mut enc = png::Encoder::new(w, size.0, size.1);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(io::Error::other)?;
        writer.write_image_data(&rgb).map_err(io::Error::other)?;
        writer.finish().map_err(io::Error::other)
    })?;
    Ok(svg)
}

macro_rules! chart {
    ($dir:expr, $res:expr, $name:literal, $title:literal, $size:expr, $f:ident, $caption:expr) => {
        Chart {
            name: $name,
            title: $title,
            caption: $caption,
            svg: render($dir, $name, $size, |root| $f(root, $res), |root| $f(root, $res))?,
        }
    };
}

/// Draws every chart into `dir` (created if needed) and returns them.
pub fn draw_all(dir: &Path, res: &Results) -> io::Result<Vec<Chart>> {
    std::fs::create_dir_all(dir)?;
    let cities = res.busiest_cities().len();
    Ok(vec![
        chart!(
            dir,
            res,
            "latency",
            "Latency by city",
            (1200, 680),
            latency,
            format!(
                "Median (p50), p90 and p99 latency of ok requests per {}, end to end as users see them, for the {} busiest of {} cities. Log scale; shaded: outages.",
                window_word(res),
                cities.min(6),
                cities
            )
        ),
        chart!(
            dir,
            res,
            "availability",
            "Availability by city",
            (1200, 560),
            availability,
            format!("Share of requests that were ok, per {}, for the busiest cities{}. Shaded: outages.", window_word(res), slo_words(res))
        ),
        chart!(
            dir,
            res,
            "instances",
            "Instances by region",
            (1200, 620),
            instances,
            "Instances per region over time (mean per window): serving or idle, and cold-starting; dashed: the region's max_instances. Shaded: outages.".to_string()
        ),
        chart!(
            dir,
            res,
            "requests",
            "Requests by serving region",
            (1200, 520),
            requests,
            "Requests per second answered by each region, stacked: traffic moving between regions shows as bands changing size. Shaded: outages.".to_string()
        ),
        chart!(
            dir,
            res,
            "flows",
            "Where each city was served",
            (1200, 140 + 34 * cities.clamp(1, FLOW_CITIES) as u32),
            flows,
            if cities > FLOW_CITIES {
                format!("Share of each city's requests served by each region over the whole run, with the median latency of those requests, for the {FLOW_CITIES} busiest of {cities} cities (flows.csv has them all).")
            } else {
                "Share of each city's requests served by each region over the whole run, with the median latency of those requests.".to_string()
            }
        ),
        chart!(
            dir,
            res,
            "map",
            "Cities, regions and traffic",
            (1200, 640),
            map,
            "Cities (area by requests) and regions (squares); lines join each city to the regions that served it, wider for a larger share.".to_string()
        ),
    ])
}

fn window_word(res: &Results) -> String {
    crate::scenario::units::human_duration(res.scenario.simulation.window_ns)
}

fn slo_words(res: &Results) -> String {
    match res.scenario.slo.as_ref().and_then(|s| s.availability) {
        Some(a) => format!("; dashed: the {} % target", trim(a * 100.0)),
        None => String::new(),
    }
}

pub(crate) fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Minutes since t = 0 at the middle of each window.
fn minutes(res: &Results) -> Vec<f64> {
    let half = res.window_s() / 2.0;
    res.window_starts.iter().map(|s| (s + half) / 60.0).collect()
}

fn x_range(res: &Results) -> std::ops::Range<f64> {
    let start = res.window_starts.first().copied().unwrap_or(0.0) / 60.0;
    let end = res.scenario.simulation.duration_ns as f64 / 60e9;
    start..end.max(start + 1.0 / 60.0)
}

/// Outages as (start min, end min, label), clipped to the run.
fn outages(res: &Results) -> Vec<(f64, f64, String)> {
    let sc = &res.scenario;
    let end = sc.simulation.duration_ns as f64 / 60e9;
    sc.outages
        .iter()
        .map(|o| {
            let what = match &o.kind {
                OutageKind::Down => "down".to_string(),
                OutageKind::Errors { rate, status } => format!("{}% {status}s", trim(rate * 100.0)),
                OutageKind::Latency { .. } => "slow".to_string(),
                OutageKind::Capacity { max_instances } => format!("cap {max_instances}"),
                OutageKind::ColdStart { multiplier } => format!("cold starts x{}", trim(*multiplier)),
            };
            let s = o.start_ns as f64 / 60e9;
            (s, (o.end_ns() as f64 / 60e9).min(end), format!("{} {what}", sc.regions[o.region].name))
        })
        .chain(sc.dependency_outages.iter().map(|o| {
            let what = match o.kind {
                DependencyOutageKind::Down => "down",
                DependencyOutageKind::Latency { .. } => "slow",
            };
            let s = o.start_ns as f64 / 60e9;
            (s, (o.end_ns() as f64 / 60e9).min(end), format!("{} {what}", sc.dependencies[o.dependency].name))
        }))
        .collect()
}

/// Shades the outages on a chart and labels them at the top.
fn shade<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    spans: &[(f64, f64, String)],
    (y0, y1): (f64, f64),
    label: bool,
) -> Result<(), String> {
    for (a, b, text) in spans {
        chart
            .draw_series(std::iter::once(Rectangle::new([(*a, y0), (*b, y1)], OUTAGE.mix(0.12).filled())))
            .map_err(err)?;
        if label {
            let style = TextStyle::from((FONT, 13).into_font()).color(&OUTAGE);
            chart.draw_series(std::iter::once(Text::new(text.clone(), (*a, y1), style))).map_err(err)?;
        }
    }
    Ok(())
}

/// Splits a series with gaps into runs of points.
fn runs(xs: &[f64], ys: impl Iterator<Item = Option<f64>>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, y) in xs.iter().zip(ys) {
        match y {
            Some(y) if y.is_finite() => out.last_mut().expect("non-empty").push((*x, y)),
            _ => {
                if !out.last().expect("non-empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// Reads one column of a row.
type Getter = fn(&Row) -> Option<f64>;

pub(crate) fn title_style(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&INK)
}

fn latency<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let cities: Vec<&Row> = res.busiest_cities().into_iter().take(6).collect();
    let n = cities.len().max(1);
    let cols = if n <= 2 { n } else { 3 };
    let rows = n.div_ceil(cols);
    let xs = minutes(res);
    let spans = outages(res);
    let panels = root.split_evenly((rows, cols));
    for (k, (panel, city)) in panels.iter().zip(&cities).enumerate() {
        let series = res.series_of(ScopeKind::City, &city.name);
        let all: Vec<f64> = series
            .iter()
            .flat_map(|r| [r.latency_p50_ms, r.latency_p99_ms])
            .flatten()
            .filter(|v| *v > 0.0)
            .collect();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(0.0, f64::max);
        let (lo, hi) = if lo.is_finite() { (lo * 0.8, hi * 1.25) } else { (1.0, 1000.0) };
        let mut chart = ChartBuilder::on(panel)
            .caption(&city.name, title_style(17))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(x_range(res), (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(INK.mix(0.6))
            .label_style((FONT, 12))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&crate::format::clock_minutes)
            .y_label_formatter(&|v| {
                if *v >= 1000.0 { format!("{:.0}s", v / 1000.0) } else { format!("{v:.0}") }
            })
            .y_desc("ms")
            .draw()
            .map_err(err)?;
        shade(&mut chart, &spans, (lo, hi), k == 0)?;
        let lines: [(&str, Getter, RGBColor, u32); 3] = [
            ("p50", |r| r.latency_p50_ms, PALETTE[0], 2),
            ("p90", |r| r.latency_p90_ms, PALETTE[1], 1),
            ("p99", |r| r.latency_p99_ms, PALETTE[2], 2),
        ];
        for (label, get, color, width) in lines {
            let style = color.stroke_width(width);
            for (k, run) in runs(&xs, series.iter().map(get)).into_iter().enumerate() {
                let s = chart.draw_series(LineSeries::new(run, style)).map_err(err)?;
                if k == 0 {
                    s.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font((FONT, 12))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn availability<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let cities: Vec<&Row> = res.busiest_cities().into_iter().take(10).collect();
    let xs = minutes(res);
    let target = res.scenario.slo.as_ref().and_then(|s| s.availability).map(|a| a * 100.0);
    let mut lowest: f64 = target.unwrap_or(100.0);
    for c in &cities {
        for r in res.series_of(ScopeKind::City, &c.name) {
            if let Some(a) = r.availability {
                lowest = lowest.min(a * 100.0);
            }
        }
    }
    let span = (100.0 - lowest).max(0.1);
    let (y0, y1) = (100.0 - span * 1.08, 100.0 + span * 0.06);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range(res), y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6))
        .label_style((FONT, 13))
        .x_labels(10)
        .x_label_formatter(&crate::format::clock_minutes)
        .y_label_formatter(&|v| format!("{}%", trim(*v)))
        .x_desc("time since start (h:mm)")
        .y_desc("availability")
        .draw()
        .map_err(err)?;
    shade(&mut chart, &outages(res), (y0, y1), true)?;
    if let Some(t) = target {
        let style = BLACK.mix(0.7).stroke_width(1);
        let r = x_range(res);
        chart
            .draw_series(DashedLineSeries::new(vec![(r.start, t), (r.end, t)], 6, 4, style))
            .map_err(err)?
            .label(format!("target {}%", trim(t)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
    }
    for (i, c) in cities.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let series = res.series_of(ScopeKind::City, &c.name);
        for (k, run) in
            runs(&xs, series.iter().map(|r| r.availability.map(|a| a * 100.0))).into_iter().enumerate()
        {
            let s = chart.draw_series(LineSeries::new(run, color.stroke_width(2))).map_err(err)?;
            if k == 0 {
                s.label(c.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font((FONT, 12))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn region_color(res: &Results, name: &str) -> RGBColor {
    let i = res.scenario.regions.iter().position(|r| r.name == name).unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

fn instances<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let regions: Vec<_> = res.scenario.regions.iter().take(6).collect();
    let n = regions.len().max(1);
    let cols = if n <= 3 { n } else { 3 };
    let rows = n.div_ceil(cols);
    let xs = minutes(res);
    let spans = outages(res);
    for (panel, region) in root.split_evenly((rows, cols)).iter().zip(&regions) {
        let series = res.series_of(ScopeKind::Region, &region.name);
        let cap = f64::from(region.service.max_instances);
        let peak = series.iter().filter_map(|r| r.instances_max).max().unwrap_or(0) as f64;
        // The cap is drawn when it is near the data, else only named.
        let cap_near = cap <= peak.max(1.0) * 1.6;
        let top = (peak.max(1.0) * 1.15).max(if cap_near { cap * 1.08 } else { 0.0 });
        let mut chart = ChartBuilder::on(panel)
            .caption(&region.name, title_style(17))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(x_range(res), 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(INK.mix(0.6))
            .label_style((FONT, 12))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&crate::format::clock_minutes)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        shade(&mut chart, &spans, (0.0, top), false)?;
        let color = region_color(res, &region.name);
        let all: Vec<(f64, f64)> =
            xs.iter().zip(series).map(|(x, r)| (*x, r.instances_mean.unwrap_or(0.0))).collect();
        let starting: Vec<(f64, f64)> =
            xs.iter().zip(series).map(|(x, r)| (*x, r.instances_starting_mean.unwrap_or(0.0))).collect();
        chart
            .draw_series(AreaSeries::new(all, 0.0, color.mix(0.35)).border_style(color.stroke_width(2)))
            .map_err(err)?
            .label("instances")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], color.mix(0.5).filled()));
        let warm = PALETTE[1];
        chart
            .draw_series(AreaSeries::new(starting, 0.0, warm.mix(0.7)).border_style(warm.stroke_width(1)))
            .map_err(err)?
            .label("cold-starting")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], warm.mix(0.7).filled()));
        let r = x_range(res);
        let style = INK.mix(0.7).stroke_width(1);
        let line = if cap_near { vec![(r.start, cap), (r.end, cap)] } else { Vec::new() };
        let label = if cap_near {
            format!("max_instances {cap}")
        } else {
            format!("max_instances {cap} (off scale)")
        };
        chart
            .draw_series(DashedLineSeries::new(line, 6, 4, style))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font((FONT, 11))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn requests<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let xs = minutes(res);
    let w = res.window_s();
    let regions = &res.scenario.regions;
    // Cumulative rates, so each region's band sits on the ones before it.
    let mut stacked: Vec<Vec<f64>> = Vec::new();
    let mut below = vec![0.0; xs.len()];
    for r in regions {
        let series = res.series_of(ScopeKind::Region, &r.name);
        let top: Vec<f64> = below
            .iter()
            .enumerate()
            .map(|(i, b)| b + series.get(i).map_or(0.0, |row| row.requests as f64 / w))
            .collect();
        stacked.push(top.clone());
        below = top;
    }
    let peak = below.iter().copied().fold(0.0, f64::max).max(1.0) * 1.1;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range(res), 0.0..peak)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6))
        .label_style((FONT, 13))
        .x_labels(10)
        .x_label_formatter(&crate::format::clock_minutes)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("time since start (h:mm)")
        .y_desc("requests per second")
        .draw()
        .map_err(err)?;
    shade(&mut chart, &outages(res), (0.0, peak), true)?;
    // Draw the tallest band first so every band stays visible.
    for (i, r) in regions.iter().enumerate().rev() {
        let color = region_color(res, &r.name);
        let pts: Vec<(f64, f64)> = xs.iter().copied().zip(stacked[i].iter().copied()).collect();
        chart
            .draw_series(AreaSeries::new(pts, 0.0, color.mix(0.85)).border_style(WHITE.stroke_width(1)))
            .map_err(err)?
            .label(r.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font((FONT, 12))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Most cities the flows heat map shows (the busiest).
pub const FLOW_CITIES: usize = 40;

fn flows<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    // The busiest cities only: one row per city made a 680,140-pixel image
    // of 20,000 cities. flows.csv has every city.
    let cities: Vec<String> = res.busiest_cities().iter().take(FLOW_CITIES).map(|c| c.name.clone()).collect();
    let regions: Vec<String> = res.scenario.regions.iter().map(|r| r.name.clone()).collect();
    let (w, h) = root.dim_in_pixel();
    let (left, top) = (150i32, 60i32);
    let cell_w = ((w as i32 - left - 20) / regions.len().max(1) as i32).max(40);
    let cell_h = ((h as i32 - top - 20) / cities.len().max(1) as i32).max(18);
    let label = TextStyle::from((FONT, 14).into_font()).color(&INK);
    for (j, r) in regions.iter().enumerate() {
        let x = left + j as i32 * cell_w + cell_w / 2;
        let style = label.clone().pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Bottom,
        ));
        root.draw(&Text::new(r.clone(), (x, top - 10), style)).map_err(err)?;
    }
    for (i, c) in cities.iter().enumerate() {
        let y = top + i as i32 * cell_h;
        let style = label.clone().pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Right,
            plotters::style::text_anchor::VPos::Center,
        ));
        root.draw(&Text::new(c.clone(), (left - 10, y + cell_h / 2), style)).map_err(err)?;
        for (j, r) in regions.iter().enumerate() {
            let x = left + j as i32 * cell_w;
            let flow = res.flows.iter().find(|f| &f.0 == c && &f.1 == r);
            let share = flow.map_or(0.0, |f| f.3);
            let base = PALETTE[0];
            let fill = if share > 0.0 { base.mix(0.08 + 0.92 * share) } else { WHITE.mix(1.0) };
            root.draw(&Rectangle::new([(x + 1, y + 1), (x + cell_w - 1, y + cell_h - 1)], fill.filled()))
                .map_err(err)?;
            root.draw(&Rectangle::new(
                [(x + 1, y + 1), (x + cell_w - 1, y + cell_h - 1)],
                GRID.stroke_width(1),
            ))
            .map_err(err)?;
            if let Some(f) = flow {
                let text = match f.4 {
                    Some(ms) => format!("{:.1}%  {}", f.3 * 100.0, crate::format::ms(ms)),
                    None => format!("{:.1}%", f.3 * 100.0),
                };
                let color = if share > 0.55 { WHITE } else { INK };
                let style = TextStyle::from((FONT, 13).into_font()).color(&color).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                );
                root.draw(&Text::new(text, (x + cell_w / 2, y + cell_h / 2), style)).map_err(err)?;
            }
        }
    }
    Ok(())
}

fn map<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results) -> Result<(), String> {
    root.fill(&RGBColor(246, 248, 251)).map_err(err)?;
    let mut chart =
        ChartBuilder::on(root).margin(6).build_cartesian_2d(-180.0..180.0, -58.0..84.0).map_err(err)?;
    for line in LAND_110M.lines() {
        let mut pts: Vec<(f64, f64)> = line
            .split_whitespace()
            .filter_map(|p| {
                let (a, b) = p.split_once(',')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            })
            .collect();
        // A ring that crosses the antimeridian is unwrapped so that it is
        // continuous; one that circles a
        // pole (Antarctica, below the map) never closes that way and is left out.
        let mut shift = 0.0;
        for i in 1..pts.len() {
            let jump = pts[i].0 + shift - pts[i - 1].0;
            if jump > 180.0 {
                shift -= 360.0;
            } else if jump < -180.0 {
                shift += 360.0;
            }
            pts[i].0 += shift;
        }
        if shift != 0.0 {
            continue;
        }
        // Unwrapping kept the first point where it was; move the ring by a
        // turn if most of it ended up off the map, then pin what lies past
        // the antimeridian to the map's edge.
        let (west, east) = pts
            .iter()
            .fold((0, 0), |(w, e), p| (w + usize::from(p.0 < -180.0), e + usize::from(p.0 > 180.0)));
        let turn = if 2 * west > pts.len() {
            360.0
        } else if 2 * east > pts.len() {
            -360.0
        } else {
            0.0
        };
        for p in &mut pts {
            p.0 = (p.0 + turn).clamp(-180.0, 180.0);
        }
        if pts.len() >= 3 {
            chart.draw_series(std::iter::once(Polygon::new(pts, LAND.filled()))).map_err(err)?;
        }
    }
    let sc = &res.scenario;
    let place = |name: &str| -> Option<(f64, f64)> {
        sc.cities.iter().find(|c| c.name == name).map(|c| (c.lon, c.lat))
    };
    let region_at = |name: &str| sc.regions.iter().find(|r| r.name == name).map(|r| (r.lon, r.lat));
    for (city, region, _, share, _) in &res.flows {
        if *share < 0.005 {
            continue;
        }
        if let (Some(a), Some(b)) = (place(city), region_at(region)) {
            let color = region_color(res, region);
            let width = (1.0 + share * 5.0).round() as u32;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![a, b],
                    color.mix(0.35 + 0.5 * share).stroke_width(width),
                )))
                .map_err(err)?;
        }
    }
    let most = res.busiest_cities().first().map_or(1, |c| c.requests).max(1) as f64;
    let label = TextStyle::from((FONT, 13).into_font()).color(&INK);
    for c in res.busiest_cities() {
        if let Some(p) = place(&c.name) {
            let radius = (4.0 + 14.0 * (c.requests as f64 / most).sqrt()) as i32;
            chart
                .draw_series(std::iter::once(Circle::new(p, radius, INK.mix(0.55).filled())))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    c.name.clone(),
                    (p.0 + 2.5, p.1 - 1.5),
                    label.clone(),
                )))
                .map_err(err)?;
        }
    }
    for r in &sc.regions {
        let color = region_color(res, &r.name);
        let s = 2.2;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(r.lon - s, r.lat + s), (r.lon + s, r.lat - s)],
                color.filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(r.lon - s, r.lat + s), (r.lon + s, r.lat - s)],
                WHITE.stroke_width(2),
            )))
            .map_err(err)?;
        // Labels sit right of the square, or left of it near the right edge.
        let (anchor, x) = if r.lon > 120.0 {
            (plotters::style::text_anchor::HPos::Right, r.lon - 3.0)
        } else {
            (plotters::style::text_anchor::HPos::Left, r.lon + 3.0)
        };
        let style = TextStyle::from((FONT, 14).into_font())
            .color(&color)
            .pos(plotters::style::text_anchor::Pos::new(anchor, plotters::style::text_anchor::VPos::Bottom));
        chart
            .draw_series(std::iter::once(Text::new(r.name.clone(), (x, r.lat + 2.5), style)))
            .map_err(err)?;
    }
    Ok(())
}
