//! Charts of a finished run, each written as PNG and SVG under `plots/`.
//!
//! * `latency`: p50, p90 and p99 over time for the busiest cities (up to six);
//! * `availability`: availability over time for the cities that dipped
//!   lowest (up to six), against the SLO target;
//! * `instances`: instances per region over time, serving and starting, with
//!   the region's `max_instances`;
//! * `requests`: requests per second by serving region, stacked;
//! * `flows`: a city x region heat map of where traffic was served, with the
//!   median latency of each pair;
//! * `map`: cities (sized by load), regions, and great-circle paths from
//!   each city to the regions that served it.
//!
//! The style, for charts pasted alone into a design document or a slide:
//! every chart has a title, a subtitle with the scenario, seed and time
//! span, and a legend above the data (never on it). Each region has one
//! colour, the same on every chart, and nothing else uses the region
//! colours: percentiles, cities, cold starts and shading are in greys.
//! Time axes tell UTC clock time when the scenario has `start_utc`, time
//! since the start otherwise, and say which. Outages are shaded dark,
//! `[[surge]]`s light with dashed edges, each labelled once per chart.
//! Tick positions are chosen here (1, 2, 5 steps; at least three ticks on
//! a log scale; whole numbers on a count axis), not left to chance.
//!
//! Text in the PNGs is drawn with an embedded font (Roboto, Apache 2.0,
//! `assets/fonts/`) through [`super::png`], so charts render on machines
//! with no fonts installed and sit evenly on their baseline; the SVGs
//! name the font family and leave the drawing to the viewer.

use super::png::PngBackend;
use super::results::Results;
use crate::format::{Clock, count, ms};
use crate::metrics::{Row, ScopeKind};
use crate::scenario::{DependencyOutageKind, OutageKind};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::io;
use std::path::Path;

/// The font family every chart uses.
pub(crate) const FONT: &str = "sans-serif";

/// Region colours (Tableau 10: distinct, print-safe, colour-blind
/// friendlier than the defaults). Region `i` of the scenario has colour
/// `i` on every chart; nothing else uses them.
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

/// Text and the darkest data ink.
pub(crate) const INK: RGBColor = RGBColor(40, 40, 48);
/// Secondary text and secondary lines.
pub(crate) const MUTED: RGBColor = RGBColor(112, 112, 122);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 230);
/// Outage and surge shading (a neutral, so it never reads as a region).
const SHADE: RGBColor = RGBColor(70, 70, 82);
const LAND: RGBColor = RGBColor(226, 228, 232);
const SEA: RGBColor = RGBColor(246, 248, 251);

/// The coastlines drawn on the map (see `assets/world/README.md`).
const LAND_110M: &str = include_str!("../../assets/world/land-110m.txt");

/// Height of a chart's title and subtitle, pixels.
const HEADING_H: u32 = 62;

/// One chart, drawn.
pub struct Chart {
    /// File stem under `plots/`.
    pub name: &'static str,
    /// Its title (also drawn in the chart).
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
    png_draw: impl FnOnce(&DrawingArea<PngBackend<'_>, Shift>) -> Result<(), String>,
) -> io::Result<String> {
    super::png::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        svg_draw(&root).map_err(io::Error::other)?;
        root.present().map_err(|e| io::Error::other(err(e)))?;
    }
    let mut rgb = vec![255u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = PngBackend::new(&mut rgb, size).into_drawing_area();
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

/// A text style of `size` pixels in `color`, anchored at `h`, `v`.
pub(crate) fn text_style(size: u32, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let mut style = TextStyle::from((FONT, size).into_font());
    style.color = color.to_backend_color();
    style.pos(Pos::new(h, v))
}

/// Draws a chart's title and subtitle at its top left and returns the
/// area below them.
pub(crate) fn heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    root.fill(&WHITE).map_err(err)?;
    root.draw(&Text::new(title.to_string(), (16, 10), text_style(22, &INK, HPos::Left, VPos::Top)))
        .map_err(err)?;
    root.draw(&Text::new(subtitle.to_string(), (16, 38), text_style(14, &MUTED, HPos::Left, VPos::Top)))
        .map_err(err)?;
    Ok(root.split_vertically(HEADING_H).1)
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy)]
pub(crate) enum Key {
    /// A line: colour, width, dashed.
    Line(RGBColor, u32, bool),
    /// A filled box: colour and opacity.
    Fill(RGBColor, f64),
    /// A filled circle.
    Dot(RGBColor),
    /// Outage shading.
    Outage,
    /// Surge shading.
    Surge,
    /// No swatch: the label is a note.
    Note,
}

/// Draws a legend as rows of entries across the top of `area` (wrapping
/// when they do not fit) and returns the area below it.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Key, String)],
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = area.dim_in_pixel();
    let style = text_style(13, &INK, HPos::Left, VPos::Center);
    let row_h = 22i32;
    // Lay out first, to know the height.
    let mut placed = Vec::new();
    let (mut x, mut y) = (16i32, row_h / 2 + 2);
    for (key, label) in entries {
        let (tw, _) = area.estimate_text_size(label, &style).map_err(err)?;
        let width = 24 + tw as i32 + 22;
        if x > 16 && x + width > w as i32 - 8 {
            x = 16;
            y += row_h;
        }
        placed.push((x, y, *key, label.clone()));
        x += width;
    }
    let height = (y + row_h / 2 + 4) as u32;
    for (x, y, key, label) in placed {
        match key {
            Key::Line(c, width, dashed) => {
                let s = c.stroke_width(width);
                if dashed {
                    for k in 0..3 {
                        area.draw(&PathElement::new(vec![(x + k * 7, y), (x + k * 7 + 4, y)], s))
                            .map_err(err)?;
                    }
                } else {
                    area.draw(&PathElement::new(vec![(x, y), (x + 18, y)], s)).map_err(err)?;
                }
            }
            Key::Fill(c, a) => {
                area.draw(&Rectangle::new([(x, y - 6), (x + 18, y + 6)], c.mix(a).filled())).map_err(err)?
            }
            Key::Dot(c) => area.draw(&Circle::new((x + 9, y), 5, c.mix(0.6).filled())).map_err(err)?,
            Key::Outage => area
                .draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], SHADE.mix(0.16).filled()))
                .map_err(err)?,
            Key::Note => {}
            Key::Surge => {
                area.draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], SHADE.mix(0.06).filled()))
                    .map_err(err)?;
                for edge in [x, x + 18] {
                    area.draw(&PathElement::new(vec![(edge, y - 7), (edge, y - 2)], SHADE.mix(0.6)))
                        .map_err(err)?;
                    area.draw(&PathElement::new(vec![(edge, y + 2), (edge, y + 7)], SHADE.mix(0.6)))
                        .map_err(err)?;
                }
            }
        }
        let tx = if matches!(key, Key::Note) { x } else { x + 24 };
        area.draw(&Text::new(label, (tx, y), style.clone())).map_err(err)?;
    }
    Ok(area.split_vertically(height).1)
}

/// Tick positions from `lo` to `hi`: about `n` of them, at steps of 1, 2
/// or 5 times a power of ten (whole numbers when `whole`).
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize, whole: bool) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    if whole {
        step = step.max(1.0).round();
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // Rounded to the step's decimals: 3 * 0.2 is 0.6000000000000001.
    let unit = 10f64.powi((-step.log10().floor() as i32).max(0) + 1);
    (first..=last).map(|k| (k as f64 * step * unit).round() / unit).collect()
}

/// Tick positions on a log scale from `lo` to `hi` (both positive): the
/// 1, 2, 5 series, or a finer one when that gives fewer than three.
pub(crate) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let series = |mants: &[f64]| -> Vec<f64> {
        let mut out = Vec::new();
        let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        for e in a..=b {
            for m in mants {
                let v = m * 10f64.powi(e);
                if v >= lo && v <= hi {
                    out.push(v);
                }
            }
        }
        out
    };
    let ticks = series(&[1.0, 2.0, 5.0]);
    if ticks.len() >= 3 { ticks } else { series(&[1.0, 1.5, 2.0, 3.0, 5.0, 7.0]) }
}

/// A latency tick: "50 ms", "1 s", "1.5 s".
fn latency_tick(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} s", trim((v / 1000.0 * 100.0).round() / 100.0))
    } else if v >= 1.0 {
        format!("{} ms", trim(v.round()))
    } else {
        format!("{} ms", trim((v * 100.0).round() / 100.0))
    }
}

/// A 2-D chart of `f64` on both axes.
type Plane<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// How a chart's axes are drawn: the y ticks as (position, label), the x
/// axis as time (ticks in minutes since the start) told by `clock`.
pub(crate) struct Axes<'a> {
    pub(crate) y: Vec<(f64, String)>,
    pub(crate) clock: Option<Clock>,
    pub(crate) x_title: Option<String>,
    pub(crate) x_labels: usize,
    pub(crate) x_format: Option<&'a dyn Fn(&f64) -> String>,
}

/// Draws the grid and the axes of `chart`, built on `panel`: x ticks by
/// plotters (time, or the given format), y ticks and grid lines exactly
/// where `axes.y` says, their labels left of the plotting area.
pub(crate) fn draw_axes<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    chart: &mut Plane<'_, DB>,
    axes: &Axes<'_>,
    label_size: u32,
) -> Result<(), String> {
    let clock = axes.clock;
    let time = move |m: &f64| clock.map_or_else(|| trim(*m), |c| c.tick(m * 60.0));
    let x_format: &dyn Fn(&f64) -> String = axes.x_format.unwrap_or(&time);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6))
        .label_style((FONT, label_size))
        .x_labels(axes.x_labels)
        .y_labels(0)
        .disable_y_mesh()
        .x_label_formatter(x_format);
    if let Some(t) = &axes.x_title {
        mesh.x_desc(t.clone());
    }
    mesh.draw().map_err(err)?;
    let xr = chart.x_range();
    for (y, _) in &axes.y {
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(xr.start, *y), (xr.end, *y)], GRID)))
            .map_err(err)?;
    }
    let base = panel.get_base_pixel();
    let style = text_style(label_size, &INK, HPos::Right, VPos::Center);
    for (y, label) in &axes.y {
        let (px, py) = chart.backend_coord(&(xr.start, *y));
        panel.draw(&Text::new(label.clone(), (px - base.0 - 6, py - base.1), style.clone())).map_err(err)?;
    }
    Ok(())
}

pub(crate) fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Outages and surges as the charts shade them.
pub struct Mark {
    /// Start and end, minutes since the start, clipped to the run.
    pub from: f64,
    pub to: f64,
    pub label: String,
    pub surge: bool,
}

/// Every outage (regional and of shared dependencies) and every surge.
pub fn marks(res: &Results) -> Vec<Mark> {
    let sc = &res.scenario;
    let end = sc.simulation.duration_ns as f64 / 60e9;
    let mut out: Vec<Mark> = Vec::new();
    let mut add = |start_ns: u64, end_ns: u64, label: String, surge: bool| {
        out.push(Mark { from: start_ns as f64 / 60e9, to: (end_ns as f64 / 60e9).min(end), label, surge });
    };
    for o in &sc.outages {
        let what = match &o.kind {
            OutageKind::Down => "down".to_string(),
            OutageKind::Errors { rate, status } => format!("{} % {status}s", trim(rate * 100.0)),
            OutageKind::Latency { .. } => "slow".to_string(),
            OutageKind::Capacity { max_instances } => format!("capped at {max_instances}"),
            OutageKind::ColdStart { multiplier } => format!("cold starts ×{}", trim(*multiplier)),
        };
        add(o.start_ns, o.end_ns(), format!("{} {what}", sc.outage_place(o)), false);
    }
    for o in &sc.dependency_outages {
        let what = match o.kind {
            DependencyOutageKind::Down => "down",
            DependencyOutageKind::Latency { .. } => "slow",
        };
        add(o.start_ns, o.end_ns(), format!("{} {what}", sc.dependencies[o.dependency].name), false);
    }
    for s in &sc.surges {
        let who = s.city.map_or("every city", |c| sc.cities[c].name.as_str());
        add(s.start_ns, s.start_ns + s.duration_ns, format!("surge: {who} ×{}", trim(s.multiplier)), true);
    }
    out
}

/// Legend entries for the kinds of marks a chart shades.
fn mark_keys(marks: &[Mark]) -> Vec<(Key, String)> {
    let mut keys = Vec::new();
    if marks.iter().any(|m| !m.surge) {
        keys.push((Key::Outage, "outage".to_string()));
    }
    if marks.iter().any(|m| m.surge) {
        keys.push((Key::Surge, "surge".to_string()));
    }
    keys
}

/// Shades the marks on a chart; with `label`, names each at the top of the
/// plotting area, stacking names that would overlap.
fn shade<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    chart: &mut Plane<'_, DB>,
    marks: &[Mark],
    label: bool,
) -> Result<(), String> {
    let (y0, y1) = (chart.y_range().start, chart.y_range().end);
    for m in marks {
        let (fill, edge) = if m.surge { (SHADE.mix(0.06), true) } else { (SHADE.mix(0.16), false) };
        chart
            .draw_series(std::iter::once(Rectangle::new([(m.from, y0), (m.to, y1)], fill.filled())))
            .map_err(err)?;
        if edge {
            for x in [m.from, m.to] {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x, y0), (x, y1)],
                        5,
                        4,
                        SHADE.mix(0.6).stroke_width(1),
                    ))
                    .map_err(err)?;
            }
        }
    }
    if !label {
        return Ok(());
    }
    let base = panel.get_base_pixel();
    let style = text_style(12, &INK, HPos::Left, VPos::Top);
    let mut rows: Vec<i32> = Vec::new(); // right edge of the last label on each row
    for m in marks {
        let (px, py) = chart.backend_coord(&(m.from, y1));
        let (tw, th) = panel.estimate_text_size(&m.label, &style).map_err(err)?;
        let x = px - base.0 + 4;
        let row = rows.iter().position(|&right| right + 8 < x).unwrap_or(rows.len());
        if row == rows.len() {
            rows.push(0);
        }
        rows[row] = x + tw as i32;
        let y = py - base.1 + 3 + row as i32 * (th as i32 + 3);
        panel.draw(&Text::new(m.label.clone(), (x, y), style.clone())).map_err(err)?;
    }
    Ok(())
}

macro_rules! chart {
    ($dir:expr, $res:expr, $name:literal, $title:literal, $size:expr, $f:ident, $caption:expr) => {
        Chart {
            name: $name,
            title: $title,
            caption: $caption,
            svg: render($dir, $name, $size, |root| $f(root, $res, $title), |root| $f(root, $res, $title))?,
        }
    };
}

/// Draws every chart into `dir` (created if needed) and returns them.
pub fn draw_all(dir: &Path, res: &Results) -> io::Result<Vec<Chart>> {
    std::fs::create_dir_all(dir)?;
    let cities = res.busiest_cities().len();
    let top = HEADING_H + 30;
    Ok(vec![
        chart!(
            dir,
            res,
            "latency",
            "Latency by city",
            (1200, 640 + top),
            latency,
            format!(
                "Median (p50), p90 and p99 latency of ok requests per {}, end to end as users see them, for the {} busiest of {} cities; log scale. Only ok requests count: while some fail (an outage), the latency of those left can fall.",
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
            (1200, 520 + top),
            availability,
            format!(
                "Share of requests that were ok per {0}{1}{2}.",
                window_word(res),
                if dipped_cities(res, 1).first().is_some_and(|c| lowest_window(res, c) < 1.0) {
                    format!(", for the {} cities whose availability fell lowest", cities.min(6))
                } else {
                    format!(": every request of every city was ok, in every {}; the {} busiest cities are shown", window_word(res), cities.min(6))
                },
                slo_words(res)
            )
        ),
        chart!(
            dir,
            res,
            "instances",
            "Instances by region",
            (1200, 600 + top),
            instances,
            "Instances per region over time (mean per window): serving or idle, and cold-starting, against the region's max_instances.".to_string()
        ),
        chart!(
            dir,
            res,
            "requests",
            "Requests by serving region",
            (1200, 480 + top),
            requests,
            format!(
                "Requests per second answered by each region, stacked: traffic moving between regions shows as bands changing size.{}",
                if res.scenario.calls().next().is_some() {
                    " A call between services is a request too: the bands add up to the users' requests and the calls they led to, more than the users send."
                } else {
                    ""
                }
            )
        ),
        chart!(
            dir,
            res,
            "flows",
            "Where each city was served",
            (1200, top + 110 + 34 * cities.clamp(1, FLOW_CITIES) as u32),
            flows,
            if cities > FLOW_CITIES {
                format!("Share of each city's requests served by each region over the whole run, with the median latency of those requests, for the {FLOW_CITIES} busiest of {cities} cities (flows.csv has them all). {FLOW_MEDIAN}")
            } else {
                format!("Share of each city's requests served by each region over the whole run, with the median latency of those requests. {FLOW_MEDIAN}")
            }
        ),
        chart!(
            dir,
            res,
            "map",
            "Cities, regions and traffic",
            (1200, 640 + top),
            map,
            "Cities (area by requests) and regions (squares); great-circle paths join each city to the regions that served it, in the region's colour, wider for a larger share.".to_string()
        ),
    ])
}

fn window_word(res: &Results) -> String {
    crate::format::human_duration(res.scenario.simulation.window_ns)
}

fn slo_words(res: &Results) -> String {
    match res.scenario.slo.as_ref().and_then(|s| s.availability) {
        Some(a) => format!(", against the {} % target", trim(a * 100.0)),
        None => String::new(),
    }
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

/// The colour of region `name` (its place in the scenario).
pub(crate) fn region_color(res: &Results, name: &str) -> RGBColor {
    let i = res.scenario.regions.iter().position(|r| r.name == name).unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

/// A dashed level across the whole chart: a target, a cap.
fn level<DB: DrawingBackend>(chart: &mut Plane<'_, DB>, y: f64, color: RGBColor) -> Result<(), String> {
    let r = chart.x_range();
    chart
        .draw_series(DashedLineSeries::new(vec![(r.start, y), (r.end, y)], 6, 4, color.stroke_width(1)))
        .map_err(err)?;
    Ok(())
}

/// Panels in rows of up to three.
fn grid_of(n: usize) -> (usize, usize) {
    let cols = n.clamp(1, 3);
    (n.max(1).div_ceil(cols), cols)
}

/// Builds a time chart on `panel` with `title` above it.
fn time_chart<'a, DB: DrawingBackend>(
    panel: &'a DrawingArea<DB, Shift>,
    res: &Results,
    title: Option<&str>,
    y: std::ops::Range<f64>,
    y_label_w: u32,
) -> Result<Plane<'a, DB>, String> {
    let mut b = ChartBuilder::on(panel);
    if let Some(t) = title {
        b.caption(t, text_style(16, &INK, HPos::Center, VPos::Top));
    }
    b.margin(8)
        .margin_right(16)
        .x_label_area_size(30)
        .y_label_area_size(y_label_w)
        .build_cartesian_2d(x_range(res), y)
        .map_err(err)
}

fn latency<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &Results,
    title: &str,
) -> Result<(), String> {
    let area = heading(root, title, &res.subtitle())?;
    let marks = marks(res);
    let lines: [(&str, Getter, RGBColor, u32, bool); 3] = [
        ("p50", |r| r.latency_p50_ms, MUTED, 2, false),
        ("p90", |r| r.latency_p90_ms, MUTED, 1, true),
        ("p99", |r| r.latency_p99_ms, INK, 2, false),
    ];
    let mut keys: Vec<(Key, String)> =
        lines.iter().map(|(l, _, c, w, d)| (Key::Line(*c, *w, *d), l.to_string())).collect();
    keys.extend(mark_keys(&marks));
    keys.push((Key::Note, res.clock().axis().to_string()));
    let area = legend(&area, &keys)?;
    let cities: Vec<&Row> = res.busiest_cities().into_iter().take(6).collect();
    let xs = minutes(res);
    let panels = area.split_evenly(grid_of(cities.len()));
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
        // Drawn on log10 of the latency, with ticks placed here.
        let mut chart = time_chart(panel, res, Some(&city.name), lo.log10()..hi.log10(), 58)?;
        let ticks = log_ticks(lo, hi).into_iter().map(|v| (v.log10(), latency_tick(v))).collect();
        let axes = Axes { y: ticks, clock: Some(res.clock()), x_title: None, x_labels: 5, x_format: None };
        draw_axes(panel, &mut chart, &axes, 12)?;
        shade(panel, &mut chart, &marks, k == 0)?;
        for (_, get, color, width, dashed) in lines {
            let style = color.stroke_width(width);
            for run in runs(&xs, series.iter().map(|r| get(r).filter(|v| *v > 0.0).map(f64::log10))) {
                if dashed {
                    chart.draw_series(DashedLineSeries::new(run, 5, 3, style)).map_err(err)?;
                } else {
                    chart.draw_series(LineSeries::new(run, style)).map_err(err)?;
                }
            }
        }
    }
    Ok(())
}

/// The cities an availability chart shows: those whose availability fell
/// lowest in some window, then the busiest.
/// What the flows chart's medians are, beside the summary's.
const FLOW_MEDIAN: &str = "Its medians come from a compact histogram per city and region, within 6.25 % of the exact ones: a city served by one region can show a slightly different median in the summary table.";

/// City `c`'s lowest availability in a window (1.0 when it never fell).
fn lowest_window(res: &Results, c: &Row) -> f64 {
    res.series_of(ScopeKind::City, &c.name).iter().filter_map(|r| r.availability).fold(1.0, f64::min)
}

fn dipped_cities(res: &Results, n: usize) -> Vec<&Row> {
    // Each city's lowest window, read once (not once per comparison).
    let mut cities: Vec<(f64, &Row)> =
        res.busiest_cities().into_iter().map(|c| (lowest_window(res, c), c)).collect();
    // Stable: equal lows (often 100 %) keep the busiest first.
    cities.sort_by(|a, b| a.0.total_cmp(&b.0));
    cities.into_iter().take(n).map(|(_, c)| c).collect()
}

fn availability<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &Results,
    title: &str,
) -> Result<(), String> {
    let area = heading(root, title, &res.subtitle())?;
    let marks = marks(res);
    let target = res.scenario.slo.as_ref().and_then(|s| s.availability).map(|a| a * 100.0);
    let mut keys = vec![(Key::Line(INK, 2, false), "availability".to_string())];
    if let Some(t) = target {
        keys.push((Key::Line(MUTED, 1, true), format!("target {} %", trim(t))));
    }
    keys.extend(mark_keys(&marks));
    keys.push((Key::Note, res.clock().axis().to_string()));
    let area = legend(&area, &keys)?;
    let cities = dipped_cities(res, 6);
    let xs = minutes(res);
    let mut lowest: f64 = target.unwrap_or(100.0);
    for c in &cities {
        for r in res.series_of(ScopeKind::City, &c.name) {
            if let Some(a) = r.availability {
                lowest = lowest.min(a * 100.0);
            }
        }
    }
    // One scale for every panel, so that dips compare.
    let span = (100.0 - lowest).max(0.1);
    let (y0, y1) = (100.0 - span * 1.1, 100.0 + span * 0.08);
    let ticks: Vec<(f64, String)> =
        nice_ticks(y0, 100.0, 4, false).into_iter().map(|v| (v, format!("{} %", trim(v)))).collect();
    for (k, (panel, city)) in area.split_evenly(grid_of(cities.len())).iter().zip(&cities).enumerate() {
        let mut chart = time_chart(panel, res, Some(&city.name), y0..y1, 70)?;
        let axes =
            Axes { y: ticks.clone(), clock: Some(res.clock()), x_title: None, x_labels: 5, x_format: None };
        draw_axes(panel, &mut chart, &axes, 12)?;
        shade(panel, &mut chart, &marks, k == 0)?;
        if let Some(t) = target {
            level(&mut chart, t, MUTED)?;
        }
        let series = res.series_of(ScopeKind::City, &city.name);
        for run in runs(&xs, series.iter().map(|r| r.availability.map(|a| a * 100.0))) {
            chart.draw_series(LineSeries::new(run, INK.stroke_width(2))).map_err(err)?;
        }
    }
    Ok(())
}

fn instances<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &Results,
    title: &str,
) -> Result<(), String> {
    let area = heading(root, title, &res.subtitle())?;
    let marks = marks(res);
    let mut regions: Vec<_> = res.scenario.regions.iter().collect();
    let peak_of =
        |name: &str| res.series_of(ScopeKind::Region, name).iter().filter_map(|r| r.instances_max).max();
    if regions.len() > 6 {
        // The six that ran the most instances, in the scenario's order.
        let mut by_peak = regions.clone();
        by_peak.sort_by_key(|r| std::cmp::Reverse(peak_of(&r.name)));
        by_peak.truncate(6);
        regions.retain(|r| by_peak.iter().any(|b| b.name == r.name));
    }
    let mut keys = vec![
        (Key::Fill(MUTED, 0.45), "serving or idle (area in the region's colour)".to_string()),
        (Key::Fill(INK, 0.85), "cold-starting".to_string()),
        (Key::Line(INK, 1, true), "max_instances".to_string()),
    ];
    keys.extend(mark_keys(&marks));
    keys.push((Key::Note, res.clock().axis().to_string()));
    let area = legend(&area, &keys)?;
    let xs = minutes(res);
    for (k, (panel, region)) in area.split_evenly(grid_of(regions.len())).iter().zip(&regions).enumerate() {
        let series = res.series_of(ScopeKind::Region, &region.name);
        let ri = res.scenario.regions.iter().position(|r| r.name == region.name).unwrap_or(0);
        let cap_n = res.scenario.region_max_instances(ri);
        let cap = f64::from(cap_n);
        let peak = peak_of(&region.name).unwrap_or(0) as f64;
        // The cap is drawn when it is near the data, else named in the title.
        let cap_near = cap <= peak.max(1.0) * 1.6;
        let top = (peak.max(1.0) * 1.15).max(if cap_near { cap * 1.1 } else { 0.0 });
        let name = if cap_near {
            region.name.clone()
        } else {
            format!("{} (max_instances {cap_n}, off scale)", region.name)
        };
        let mut chart = time_chart(panel, res, Some(&name), 0.0..top, 44)?;
        let ticks = nice_ticks(0.0, top, 5, true).into_iter().map(|v| (v, count(v as u64))).collect();
        let axes = Axes { y: ticks, clock: Some(res.clock()), x_title: None, x_labels: 5, x_format: None };
        draw_axes(panel, &mut chart, &axes, 12)?;
        shade(panel, &mut chart, &marks, k == 0)?;
        let color = region_color(res, &region.name);
        let all: Vec<(f64, f64)> =
            xs.iter().zip(series).map(|(x, r)| (*x, r.instances_mean.unwrap_or(0.0))).collect();
        let starting: Vec<(f64, f64)> =
            xs.iter().zip(series).map(|(x, r)| (*x, r.instances_starting_mean.unwrap_or(0.0))).collect();
        chart
            .draw_series(AreaSeries::new(all, 0.0, color.mix(0.35)).border_style(color.stroke_width(2)))
            .map_err(err)?;
        chart
            .draw_series(AreaSeries::new(starting, 0.0, INK.mix(0.85)).border_style(INK.stroke_width(1)))
            .map_err(err)?;
        if cap_near {
            let r = x_range(res);
            level(&mut chart, cap, INK)?;
            let (px, py) = chart.backend_coord(&(r.end, cap));
            let base = panel.get_base_pixel();
            panel
                .draw(&Text::new(
                    format!("max {cap_n}"),
                    (px - base.0 - 4, py - base.1 - 3),
                    text_style(12, &INK, HPos::Right, VPos::Bottom),
                ))
                .map_err(err)?;
        }
    }
    Ok(())
}

fn requests<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &Results,
    title: &str,
) -> Result<(), String> {
    let area = heading(root, title, &res.subtitle())?;
    let marks = marks(res);
    let regions = &res.scenario.regions;
    let mut keys: Vec<(Key, String)> =
        regions.iter().map(|r| (Key::Fill(region_color(res, &r.name), 0.85), r.name.clone())).collect();
    keys.extend(mark_keys(&marks));
    let area = legend(&area, &keys)?;
    let xs = minutes(res);
    let w = res.window_s();
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
    let peak = below.iter().copied().fold(0.0, f64::max).max(1.0) * 1.12;
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(20)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range(res), 0.0..peak)
        .map_err(err)?;
    let ticks = nice_ticks(0.0, peak, 6, true).into_iter().map(|v| (v, count(v as u64))).collect();
    let axes = Axes {
        y: ticks,
        clock: Some(res.clock()),
        x_title: Some(format!("{}; requests per second", res.clock().axis())),
        x_labels: 10,
        x_format: None,
    };
    draw_axes(&area, &mut chart, &axes, 13)?;
    // Draw the tallest band first so every band stays visible.
    for (i, r) in regions.iter().enumerate().rev() {
        let color = region_color(res, &r.name);
        let pts: Vec<(f64, f64)> = xs.iter().copied().zip(stacked[i].iter().copied()).collect();
        chart
            .draw_series(AreaSeries::new(pts, 0.0, color.mix(0.85)).border_style(WHITE.stroke_width(1)))
            .map_err(err)?;
    }
    shade(&area, &mut chart, &marks, true)?;
    Ok(())
}

/// Most cities the flows heat map shows (the busiest).
pub const FLOW_CITIES: usize = 40;

fn flows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &Results,
    title: &str,
) -> Result<(), String> {
    let area = heading(root, title, &res.subtitle())?;
    let area = legend(
        &area,
        &[(
            Key::Fill(MUTED, 0.6),
            "each cell: share of the city's requests the region served (darker: more, in the region's colour) and their median latency"
                .to_string(),
        )],
    )?;
    // The busiest cities only: one row per city made a 680,140-pixel image
    // of 20,000 cities. flows.csv has every city.
    let cities: Vec<String> = res.busiest_cities().iter().take(FLOW_CITIES).map(|c| c.name.clone()).collect();
    let regions: Vec<String> = res.scenario.regions.iter().map(|r| r.name.clone()).collect();
    let (w, h) = area.dim_in_pixel();
    let (left, top) = (150i32, 40i32);
    let cell_w = ((w as i32 - left - 20) / regions.len().max(1) as i32).max(40);
    let cell_h = ((h as i32 - top - 16) / cities.len().max(1) as i32).clamp(18, 34);
    for (j, r) in regions.iter().enumerate() {
        let x = left + j as i32 * cell_w + cell_w / 2;
        let style = text_style(14, &region_color(res, r), HPos::Center, VPos::Bottom);
        area.draw(&Text::new(r.clone(), (x, top - 10), style)).map_err(err)?;
    }
    for (i, c) in cities.iter().enumerate() {
        let y = top + i as i32 * cell_h;
        area.draw(&Text::new(
            c.clone(),
            (left - 10, y + cell_h / 2),
            text_style(14, &INK, HPos::Right, VPos::Center),
        ))
        .map_err(err)?;
        for (j, r) in regions.iter().enumerate() {
            let x = left + j as i32 * cell_w;
            let flow = res.flows.iter().find(|f| &f.0 == c && &f.1 == r);
            let share = flow.map_or(0.0, |f| f.3);
            let cell = [(x + 1, y + 1), (x + cell_w - 1, y + cell_h - 1)];
            if share > 0.0 {
                area.draw(&Rectangle::new(cell, region_color(res, r).mix(0.08 + 0.84 * share).filled()))
                    .map_err(err)?;
            }
            area.draw(&Rectangle::new(cell, GRID.stroke_width(1))).map_err(err)?;
            if let Some(f) = flow {
                let text = match f.4 {
                    Some(v) => format!("{:.1} %  {}", f.3 * 100.0, ms(v)),
                    None => format!("{:.1} %", f.3 * 100.0),
                };
                let color = if share > 0.55 { WHITE } else { INK };
                area.draw(&Text::new(
                    text,
                    (x + cell_w / 2, y + cell_h / 2),
                    text_style(13, &color, HPos::Center, VPos::Center),
                ))
                .map_err(err)?;
            }
        }
    }
    Ok(())
}

/// Points along the great circle from `a` to `b` (longitude, latitude in
/// degrees), split into runs where the path crosses the antimeridian, so
/// that Sydney to Iowa goes across the Pacific, not across Africa.
pub(crate) fn great_circle(a: (f64, f64), b: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let v = |(lon, lat): (f64, f64)| {
        let (lon, lat) = (lon.to_radians(), lat.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    };
    let (p, q) = (v(a), v(b));
    let dot = (p[0] * q[0] + p[1] * q[1] + p[2] * q[2]).clamp(-1.0, 1.0);
    let omega = dot.acos();
    let steps = ((omega.to_degrees() / 2.0).ceil() as usize).max(1);
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for k in 0..=steps {
        let t = k as f64 / steps as f64;
        let (s0, s1) = if omega < 1e-9 {
            (1.0 - t, t)
        } else {
            (((1.0 - t) * omega).sin() / omega.sin(), (t * omega).sin() / omega.sin())
        };
        let r = [s0 * p[0] + s1 * q[0], s0 * p[1] + s1 * q[1], s0 * p[2] + s1 * q[2]];
        let lat = r[2].atan2((r[0] * r[0] + r[1] * r[1]).sqrt()).to_degrees();
        let lon = r[1].atan2(r[0]).to_degrees();
        let run = runs.last_mut().expect("non-empty");
        if let Some(&(prev, prev_lat)) = run.last()
            && (lon - prev).abs() > 180.0
        {
            {
                // Cross the edge of the map: end this run at it, start the next on the other side.
                let edge = if prev > 0.0 { 180.0 } else { -180.0 };
                let mid = (prev_lat + lat) / 2.0;
                run.push((edge, mid));
                runs.push(vec![(-edge, mid)]);
            }
        }
        runs.last_mut().expect("non-empty").push((lon, lat));
    }
    runs
}

/// A label's box on the map, pixels.
#[derive(Clone, Copy)]
struct Boxed {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Boxed {
    fn overlaps(&self, o: &Boxed) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

fn map<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, res: &Results, title: &str) -> Result<(), String> {
    let area = heading(root, title, &res.subtitle())?;
    let area = legend(
        &area,
        &[
            (Key::Dot(INK), "city (area: requests)".to_string()),
            (Key::Fill(MUTED, 1.0), "region (in its colour)".to_string()),
            (Key::Line(MUTED, 3, false), "requests from a city to a region (width: share)".to_string()),
        ],
    )?;
    area.fill(&SEA).map_err(err)?;
    let mut chart =
        ChartBuilder::on(&area).margin(6).build_cartesian_2d(-180.0..180.0, -58.0..84.0).map_err(err)?;
    for line in LAND_110M.lines() {
        let mut pts: Vec<(f64, f64)> = line
            .split_whitespace()
            .filter_map(|p| {
                let (a, b) = p.split_once(',')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            })
            .collect();
        // A ring that crosses the antimeridian is unwrapped so that it is
        // continuous; one that circles a pole (Antarctica, below the map)
        // never closes that way and is left out.
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
    for (city, region, _, share, _) in &res.flows {
        if *share < 0.005 {
            continue;
        }
        let Some(r) = sc.regions.iter().find(|r| r.name == *region) else { continue };
        if let Some(a) = place(city) {
            let color = region_color(res, region);
            let width = (1.0 + share * 5.0).round() as u32;
            for run in great_circle(a, (r.lon, r.lat)) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        run,
                        color.mix(0.35 + 0.5 * share).stroke_width(width),
                    )))
                    .map_err(err)?;
            }
        }
    }
    // Markers first, then labels where they collide with no marker and no
    // other label (right, left, above, below), most important first:
    // regions, then cities by requests. A label that finds no room is left
    // out (the busiest cities' always fit first).
    let base = area.get_base_pixel();
    let px = |p: (f64, f64)| {
        let (x, y) = chart.backend_coord(&p);
        (x - base.0, y - base.1)
    };
    let mut taken: Vec<Boxed> = Vec::new();
    let most = res.busiest_cities().first().map_or(1, |c| c.requests).max(1) as f64;
    let many = res.busiest_cities().len() > 40;
    let mut city_marks = Vec::new();
    for c in res.busiest_cities() {
        if let Some(p) = place(&c.name) {
            let radius = if many {
                (2.0 + 8.0 * (c.requests as f64 / most).sqrt()) as i32
            } else {
                (4.0 + 14.0 * (c.requests as f64 / most).sqrt()) as i32
            };
            let (x, y) = px(p);
            area.draw(&Circle::new((x, y), radius, INK.mix(0.55).filled())).map_err(err)?;
            taken.push(Boxed { x0: x - radius, y0: y - radius, x1: x + radius, y1: y + radius });
            city_marks.push((c.name.clone(), x, y, radius));
        }
    }
    let mut region_marks = Vec::new();
    for r in &sc.regions {
        let (x, y) = px((r.lon, r.lat));
        let s = 7;
        let color = region_color(res, &r.name);
        area.draw(&Rectangle::new([(x - s, y - s), (x + s, y + s)], color.filled())).map_err(err)?;
        area.draw(&Rectangle::new([(x - s, y - s), (x + s, y + s)], WHITE.stroke_width(2))).map_err(err)?;
        taken.push(Boxed { x0: x - s, y0: y - s, x1: x + s, y1: y + s });
        region_marks.push((r.name.clone(), x, y, s, color));
    }
    let (w, h) = area.dim_in_pixel();
    let mut place_label =
        |text: &str, x: i32, y: i32, r: i32, size: u32, color: &RGBColor| -> Result<(), String> {
            let probe = text_style(size, color, HPos::Left, VPos::Top);
            let (tw, th) = area.estimate_text_size(text, &probe).map_err(err)?;
            let (tw, th) = (tw as i32, th as i32);
            let gap = 3;
            // Nearest first: touching the marker, then further out, so that a
            // region inside a city's circle still finds room.
            let spots = [0, 10, 20, 32].into_iter().flat_map(|d| {
                let r = r + d;
                [
                    (x + r + gap, y - th / 2),
                    (x - r - gap - tw, y - th / 2),
                    (x - tw / 2, y - r - gap - th),
                    (x - tw / 2, y + r + gap),
                    (x + r, y - r - th),
                    (x - r - tw, y - r - th),
                    (x + r, y + r),
                    (x - r - tw, y + r),
                ]
            });
            for (lx, ly) in spots {
                let b = Boxed { x0: lx - 1, y0: ly - 1, x1: lx + tw + 1, y1: ly + th + 1 };
                let inside = b.x0 >= 0 && b.y0 >= 0 && b.x1 <= w as i32 && b.y1 <= h as i32;
                if inside && !taken.iter().any(|t| t.overlaps(&b)) {
                    taken.push(b);
                    return area.draw(&Text::new(text.to_string(), (lx, ly), probe)).map_err(err);
                }
            }
            Ok(())
        };
    for (name, x, y, s, color) in &region_marks {
        place_label(name, *x, *y, *s, 13, color)?;
    }
    for (name, x, y, r) in &city_marks {
        place_label(name, *x, *y, *r, 12, &INK)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_numbers_and_whole_ones_on_counts() {
        assert_eq!(nice_ticks(0.0, 47.0, 5, true), [0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(nice_ticks(0.0, 2.2, 5, true), [0.0, 1.0, 2.0], "no half instances");
        assert_eq!(nice_ticks(99.5, 100.0, 4, false), [99.6, 99.8, 100.0]);
    }

    #[test]
    fn a_log_scale_has_at_least_three_ticks() {
        assert_eq!(log_ticks(40.0, 300.0), [50.0, 100.0, 200.0]);
        assert_eq!(log_ticks(60.0, 300.0), [70.0, 100.0, 150.0, 200.0, 300.0], "finer when 1-2-5 gives two");
        assert_eq!(log_ticks(50.0, 6000.0), [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0]);
        assert_eq!(latency_tick(1000.0), "1 s");
        assert_eq!(latency_tick(1500.0), "1.5 s");
        assert_eq!(latency_tick(50.0), "50 ms");
    }

    #[test]
    fn sydney_to_iowa_crosses_the_pacific() {
        let runs = great_circle((151.2, -33.9), (-95.9, 41.3));
        assert_eq!(runs.len(), 2, "split at the antimeridian");
        for run in &runs {
            for &(lon, _) in run {
                assert!(!(20.0..140.0).contains(&lon), "over Africa or Asia at {lon}");
            }
        }
        let london_to_iowa = great_circle((-0.1, 51.5), (-95.9, 41.3));
        assert_eq!(london_to_iowa.len(), 1);
        let top = london_to_iowa[0].iter().map(|p| p.1).fold(f64::MIN, f64::max);
        assert!(top > 55.0, "a great circle bows towards the pole: {top}");
    }
}
