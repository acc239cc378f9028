//! Charts of a sweep, under `plots/` beside `sweep.csv`, PNG and SVG:
//!
//! * `METRIC-vs-AXIS`: the metric's mean with its 95 % confidence interval
//!   against each axis that has more than one value, one line per
//!   combination of the other axes (up to eight);
//! * `METRIC-map`: when exactly two axes vary, a heat map of the metric's
//!   mean over the grid, each cell labelled.
//!
//! The charts are drawn from `sweep.csv` alone, so a merged sweep gets the
//! same charts as a one-machine run.

use crate::report::plots::{
    Axes, INK, Key, MUTED, PALETTE, draw_axes, err, heading, legend, nice_ticks, render, text_style, trim,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// The metrics charted when the sweep file does not say.
pub const DEFAULT_METRICS: &[&str] = &["availability", "latency_p99_ms", "rejected", "cost_usd"];

/// A metric's mean and 95 % half-width, either possibly empty.
pub(super) type MeanCi = (Option<f64>, Option<f64>);

/// A parsed `sweep.csv`.
pub(super) struct Table {
    pub(super) axes: Vec<String>,
    /// Per point: the axis values as written.
    pub(super) values: Vec<Vec<String>>,
    /// Per point, per metric name: (mean, half-width).
    pub(super) metrics: Vec<BTreeMap<String, MeanCi>>,
}

pub(super) fn parse(csv_text: &str) -> io::Result<Table> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(io::Error::other)?.iter().map(str::to_string).collect();
    let first_metric = header.iter().position(|h| h == "requests").unwrap_or(header.len());
    let axes = header[1..first_metric].to_vec();
    let mut values = Vec::new();
    let mut metrics = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(io::Error::other)?;
        values.push((1..first_metric).map(|i| rec.get(i).unwrap_or("").to_string()).collect());
        let mut m = BTreeMap::new();
        let mut i = first_metric;
        while i + 1 < header.len() {
            // A figure that is not finite (negsim writes none, but a
            // merged or edited file might hold one) is left out: an
            // infinite axis range once hung the drawing for ever.
            let num = |j: usize| rec.get(j).and_then(|s| s.parse::<f64>().ok()).filter(|x| x.is_finite());
            m.insert(header[i].clone(), (num(i), num(i + 1)));
            i += 2;
        }
        metrics.push(m);
    }
    Ok(Table { axes, values, metrics })
}

fn file_part(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// The label of a metric on an axis.
pub(super) fn describe(metric: &str) -> String {
    match metric {
        "availability" => "availability (%)".into(),
        "cost_usd" => "cost (USD)".into(),
        "cost_month_usd" => "cost per month (USD)".into(),
        m if m.ends_with("_ms") => format!("{} (ms)", m.trim_end_matches("_ms").replace('_', " ")),
        m => m.replace('_', " "),
    }
}

/// The factor a metric is shown with: percentages for availability and shares.
pub fn scale(metric: &str) -> f64 {
    if metric == "availability" || metric.ends_with("_share") { 100.0 } else { 1.0 }
}

/// The decimals a metric is shown with, after [`scale`]: three for
/// percentages (99.9 % against 99.95 % matters), two for dollars, one
/// for the rest.
pub fn decimals(metric: &str) -> usize {
    if scale(metric) != 1.0 {
        3
    } else if metric.starts_with("cost") {
        2
    } else {
        1
    }
}

/// Draws every chart of a sweep into `dir`; returns the file stems written.
/// `subtitle` goes under every chart's title (the sweep, its points and
/// replications), so that a chart pasted alone says where it came from.
pub fn draw(dir: &Path, csv_text: &str, metrics: &[String], subtitle: &str) -> io::Result<Vec<String>> {
    let t = parse(csv_text)?;
    std::fs::create_dir_all(dir)?;
    let varying: Vec<usize> = (0..t.axes.len())
        .filter(|&a| {
            let mut v: Vec<&String> = t.values.iter().map(|p| &p[a]).collect();
            v.sort();
            v.dedup();
            v.len() > 1
        })
        .collect();
    // Every chart is independent: drawn in parallel (rayon's threads), so
    // that the end of a sweep is not one core's work while the other idles.
    let mut jobs: Vec<(String, &str, Option<usize>)> = Vec::new();
    for metric in metrics {
        if !t.metrics.first().is_some_and(|m| m.contains_key(metric)) {
            continue;
        }
        for &a in &varying {
            jobs.push((format!("{}-vs-{}", file_part(metric), file_part(&t.axes[a])), metric, Some(a)));
        }
        if let [_, _] = varying[..] {
            jobs.push((format!("{}-map", file_part(metric)), metric, None));
        }
    }
    jobs.par_iter()
        .map(|(name, metric, axis)| {
            let _svg = match *axis {
                Some(a) => render(
                    dir,
                    name,
                    (1000, 640),
                    |root| by_axis(root, &t, metric, a, &varying, subtitle),
                    |root| by_axis(root, &t, metric, a, &varying, subtitle),
                )?,
                None => {
                    let (x, y) = (varying[0], varying[1]);
                    render(
                        dir,
                        name,
                        (1000, 640),
                        |root| heat_map(root, &t, metric, x, y, subtitle),
                        |root| heat_map(root, &t, metric, x, y, subtitle),
                    )?
                }
            };
            Ok(name.clone())
        })
        .collect()
}

/// Distinct values of axis `a`, in the grid's order.
fn levels(t: &Table, a: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &t.values {
        if !out.contains(&p[a]) {
            out.push(p[a].clone());
        }
    }
    out
}

/// A metric's value on a chart, with the decimals it is shown with in
/// the report ([`decimals`]), after [`scale`].
fn shown(metric: &str, v: f64) -> String {
    format!("{:.*}", decimals(metric), v)
}

/// Whether every value of an axis is a whole number.
fn whole(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.fract() == 0.0)
}

fn by_axis<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Table,
    metric: &str,
    axis: usize,
    varying: &[usize],
    subtitle: &str,
) -> Result<(), String> {
    let xs = levels(t, axis);
    let numeric: Option<Vec<f64>> =
        xs.iter().map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite())).collect();
    let x_of = |v: &str| match &numeric {
        Some(_) => v.parse::<f64>().unwrap_or(0.0),
        None => xs.iter().position(|x| x == v).unwrap_or(0) as f64,
    };
    let others: Vec<usize> = varying.iter().copied().filter(|&a| a != axis).collect();
    // One line per combination of the other varying axes.
    let mut groups: BTreeMap<Vec<String>, Vec<(f64, f64, f64)>> = BTreeMap::new();
    let k = scale(metric);
    let mut order: Vec<Vec<String>> = Vec::new();
    for (p, vals) in t.values.iter().enumerate() {
        let key: Vec<String> = others.iter().map(|&o| format!("{} = {}", t.axes[o], vals[o])).collect();
        if let Some((Some(mean), h)) = t.metrics[p].get(metric).copied() {
            if !order.contains(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push((x_of(&vals[axis]), mean * k, h.unwrap_or(0.0) * k));
        }
    }
    order.truncate(8);
    let title = format!("{} against {}", capital(&describe(metric)), t.axes[axis]);
    let area = heading(root, &title, subtitle)?;
    let mut keys: Vec<(Key, String)> = order
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                Key::Line(PALETTE[i % PALETTE.len()], 2, false),
                if g.is_empty() { describe(metric) } else { g.join(", ") },
            )
        })
        .collect();
    // One replication draws no bars: the legend then promises none.
    if groups.values().flatten().any(|p| p.2 > 0.0) {
        keys.push((Key::Line(MUTED, 1, false), "bars: 95 % confidence interval".to_string()));
    }
    let area = legend(&area, &keys)?;
    let all: Vec<(f64, f64, f64)> = order.iter().flat_map(|g| groups[g].clone()).collect();
    if all.is_empty() {
        return Ok(());
    }
    let (xmin, xmax) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (ymin, ymax) =
        all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1 - p.2), b.max(p.1 + p.2)));
    let pad_x = ((xmax - xmin) * 0.05).max(0.5);
    let (y0, y1) = y_range(metric, ymin, ymax);
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(84)
        .build_cartesian_2d((xmin - pad_x)..(xmax + pad_x), y0..y1)
        .map_err(err)?;
    let labels = xs.clone();
    let categorical = numeric.is_none();
    let integral = numeric.as_deref().is_some_and(whole);
    // Ticks only where the axis has values: its levels when there are
    // few, else round numbers (whole ones on a whole-number axis).
    let x_format = |x: &f64| {
        if categorical || integral {
            if (x - x.round()).abs() > 1e-6 {
                return String::new();
            }
            if categorical {
                return labels.get(x.round() as usize).cloned().unwrap_or_default();
            }
        }
        trim(*x)
    };
    let y_ticks: Vec<(f64, String)> =
        nice_ticks(y0, y1, 6, false).into_iter().map(|v| (v, trim(v))).collect();
    let axes = Axes {
        y: y_ticks,
        clock: None,
        x_title: Some(format!("{}; y: {}", t.axes[axis], describe(metric))),
        x_labels: if categorical { labels.len() } else { xs.len().clamp(2, 10) },
        x_format: Some(&x_format),
    };
    draw_axes(&area, &mut chart, &axes, 13)?;
    let bar = (xmax - xmin).max(1.0) * 0.008;
    for (i, g) in order.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let mut pts = groups[g].clone();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
        chart.draw_series(LineSeries::new(line.clone(), color.stroke_width(2))).map_err(err)?;
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(err)?;
        // 95 % confidence bars.
        for (x, y, h) in pts.into_iter().filter(|p| p.2 > 0.0) {
            for seg in [
                vec![(x, y - h), (x, y + h)],
                vec![(x - bar, y - h), (x + bar, y - h)],
                vec![(x - bar, y + h), (x + bar, y + h)],
            ] {
                chart
                    .draw_series(std::iter::once(PathElement::new(seg, color.stroke_width(1))))
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}

/// The y axis of a metric's chart, from its lowest to its highest value
/// (intervals included): 8 % of room either side, and at least 1 % of the
/// values' size tall (0.1 percentage point for a share, 2 at zero), so
/// that differences below a metric's own precision (latency percentiles
/// are counted in buckets of 0.1 %) do not fill the chart and its ticks
/// stay distinct in three decimals. A share stops just above 100 %.
fn y_range(metric: &str, ymin: f64, ymax: f64) -> (f64, f64) {
    let share = scale(metric) != 1.0;
    let size = ymax.abs().max(ymin.abs());
    let floor = match (share, size == 0.0) {
        (true, _) => 0.05,
        (false, true) => 1.0,
        (false, false) => size * 0.005,
    };
    let pad_y = ((ymax - ymin) * 0.08).max(floor);
    let (y0, mut y1) = (ymin - pad_y, ymax + pad_y);
    if share && ymax <= 100.0 {
        // A share never goes above 100 %: no axis room above it.
        y1 = y1.min(100.0 + pad_y * 0.25);
    }
    (y0, y1)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

fn heat_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Table,
    metric: &str,
    ax: usize,
    ay: usize,
    subtitle: &str,
) -> Result<(), String> {
    let (xs, ys) = (levels(t, ax), levels(t, ay));
    let k = scale(metric);
    let mut cell: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (p, vals) in t.values.iter().enumerate() {
        let (i, j) = (xs.iter().position(|x| *x == vals[ax]), ys.iter().position(|y| *y == vals[ay]));
        if let (Some(i), Some(j), Some((Some(m), _))) = (i, j, t.metrics[p].get(metric).copied()) {
            // Exactly two axes vary, so each cell is one point.
            cell.insert((i, j), m * k);
        }
    }
    let (lo, hi) = cell.values().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let title = format!("{} over {} and {}", capital(&describe(metric)), t.axes[ax], t.axes[ay]);
    let area = heading(root, &title, subtitle)?;
    let area = legend(
        &area,
        &[(
            Key::Fill(INK, 0.5),
            format!(
                "each cell: the mean {} at that point; darker: higher (from {} to {})",
                describe(metric),
                shown(metric, lo),
                shown(metric, hi)
            ),
        )],
    )?;
    let (w, h) = area.dim_in_pixel();
    let (left, top, right, bottom) = (150i32, 40i32, 20i32, 60i32);
    let cw = (w as i32 - left - right) / xs.len().max(1) as i32;
    let ch = (h as i32 - top - bottom) / ys.len().max(1) as i32;
    let text = |s: String, x: i32, y: i32, hp: HPos, color: &RGBColor| {
        Text::new(s, (x, y), text_style(13, color, hp, VPos::Center))
    };
    for (i, x) in xs.iter().enumerate() {
        area.draw(&text(
            x.clone(),
            left + i as i32 * cw + cw / 2,
            h as i32 - bottom + 16,
            HPos::Center,
            &INK,
        ))
        .map_err(err)?;
    }
    area.draw(&text(
        t.axes[ax].clone(),
        left + (w as i32 - left - right) / 2,
        h as i32 - 18,
        HPos::Center,
        &INK,
    ))
    .map_err(err)?;
    for (j, y) in ys.iter().enumerate() {
        // The first value at the bottom, as on an axis.
        let top_y = top + (ys.len() - 1 - j) as i32 * ch;
        area.draw(&text(y.clone(), left - 10, top_y + ch / 2, HPos::Right, &INK)).map_err(err)?;
    }
    area.draw(&text(t.axes[ay].clone(), 10, top - 24, HPos::Left, &INK)).map_err(err)?;
    for ((i, j), v) in &cell {
        let x0 = left + *i as i32 * cw;
        let y0 = top + (ys.len() - 1 - *j) as i32 * ch;
        let f = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let fill = INK.mix(0.06 + 0.8 * f);
        area.draw(&Rectangle::new([(x0 + 1, y0 + 1), (x0 + cw - 1, y0 + ch - 1)], fill.filled()))
            .map_err(err)?;
        let ink = if f > 0.5 { WHITE } else { INK };
        area.draw(&text(shown(metric, *v), x0 + cw / 2, y0 + ch / 2, HPos::Center, &ink)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::{nice_ticks, trim};

    /// What the y axis shows, as its tick labels.
    fn labels(metric: &str, lo: f64, hi: f64) -> Vec<String> {
        let (y0, y1) = y_range(metric, lo, hi);
        nice_ticks(y0, y1, 6, false).into_iter().map(trim).collect()
    }

    /// A metric the same at every point stays flat on its chart: a p99 that
    /// moved by 0.05 ms (below its 0.1 % precision) filled the axis, with
    /// ticks from 293.86 to 293.91, and cold starts of 1 everywhere had
    /// every tick labelled "1".
    #[test]
    fn flat_metrics_look_flat_and_their_ticks_differ() {
        let (y0, y1) = y_range("latency_p99_ms", 293.86, 293.91);
        assert!(y1 - y0 >= 0.01 * 293.9 && (293.91 - 293.86) / (y1 - y0) < 0.05, "{y0}..{y1}");
        for (metric, lo, hi) in
            [("cold_starts", 1.0, 1.0), ("latency_p99_ms", 293.86, 293.91), ("requests", 0.0, 0.0)]
        {
            let ticks = labels(metric, lo, hi);
            let mut distinct = ticks.clone();
            distinct.dedup();
            assert!(ticks.len() >= 3 && distinct == ticks, "{metric}: {ticks:?}");
        }
        // Availability keeps differences of a few hundredths of a percentage point visible.
        let (y0, y1) = y_range("availability", 99.90, 99.99);
        assert!((99.99 - 99.90) / (y1 - y0) > 0.5 && y1 < 100.02, "{y0}..{y1}");
        // And a real spread still fills the chart.
        let (y0, y1) = y_range("latency_p99_ms", 300.0, 900.0);
        assert!(600.0 / (y1 - y0) > 0.8, "{y0}..{y1}");
    }
}
