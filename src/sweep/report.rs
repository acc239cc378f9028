//! `report.html` of a sweep, beside `sweep.csv`: one self-contained page
//! (styles and charts inline, no network request) with the grid at a
//! glance, a table of every point's charted metrics with their 95 %
//! confidence half-widths, findings in sentences, and the sweep's charts.
//!
//! Like the charts, it is made from `sweep.csv` alone, so a merged sweep
//! gets the same report as a one-machine run.

use super::charts::{self, MeanCi, Table};
use crate::format::count;
use crate::report::html::{CHECK, STYLE, inline_svg};
use askama::Template;
use std::io;
use std::path::Path;

/// What the page says about where the sweep came from.
pub struct About<'a> {
    /// The sweep file, as given.
    pub sweep: &'a str,
    /// Replications per point.
    pub replications: u32,
    /// The first replication's seed.
    pub seed: u64,
    /// `--duration`, when it shortened every run (`"5m"`).
    pub duration: Option<&'a str>,
}

/// A metric's value for people: percentages for shares, thousands
/// separators for large numbers, two decimals for dollars.
fn value(metric: &str, x: f64) -> String {
    let (s, d) = (charts::scale(metric), charts::decimals(metric));
    if s != 1.0 {
        format!("{:.d$} %", x * s)
    } else if metric.starts_with("cost") {
        if x.abs() >= 1000.0 { format!("${}", count(x.round() as u64)) } else { format!("${x:.d$}") }
    } else if x.abs() >= 10_000.0 {
        count(x.round() as u64)
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn mean_ci(metric: &str, m: Option<&MeanCi>) -> (String, Option<String>) {
    match m {
        Some((Some(v), Some(h))) => {
            (value(metric, *v), Some(value(metric, *h).trim_start_matches('$').to_string()))
        }
        Some((Some(v), None)) => (value(metric, *v), None),
        _ => ("–".into(), None),
    }
}

/// The axes with more than one value: a point is named by them alone.
fn varying(t: &Table) -> Vec<usize> {
    (0..t.axes.len()).filter(|&a| t.values.iter().any(|v| v[a] != t.values[0][a])).collect()
}

fn point_name(t: &Table, p: usize) -> String {
    let name: Vec<String> =
        varying(t).iter().map(|&a| format!("{} = {}", t.axes[a], t.values[p][a])).collect();
    if name.is_empty() { format!("point {p}") } else { format!("point {p} ({})", name.join(", ")) }
}

/// The findings of a sweep: for each metric, whether one point stands out
/// of the others' 95 % confidence intervals (named only then) or which
/// points share the best value; then, for a small grid, every point
/// against the first (the grid's first values: usually the current
/// design), or for a large one each metric's range. Points are named by
/// the axes that vary; the fixed ones are said once, on the page.
fn findings(t: &Table, metrics: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut headline, mut out) = (Vec::new(), Vec::new());
    let mean = |p: usize, m: &str| t.metrics[p].get(m).and_then(|x| x.0);
    let n = t.values.len();
    if n < 2 {
        return (headline, out);
    }
    for m in metrics {
        let higher_is_better = m == "availability" || m == "ok";
        let at = |p: usize| t.metrics[p].get(m).and_then(|x| x.0.map(|v| (p, v, x.1)));
        let points: Vec<(usize, f64, Option<f64>)> = (0..n).filter_map(at).collect();
        let better = |a: f64, b: f64| if higher_is_better { a > b } else { a < b };
        let Some(best) = points.iter().copied().reduce(|x, y| if better(y.1, x.1) { y } else { x }) else {
            continue;
        };
        let what = charts::describe(m);
        // Without an interval at every point (one replication), nothing
        // beyond the values themselves is established.
        if points.iter().any(|q| q.2.is_none()) {
            headline.push(if points.iter().all(|q| q.1 == best.1) {
                format!("{} is {} at every point.", capitalised(&what), value(m, best.1))
            } else {
                format!(
                    "{} {what}: {} at {}, without confidence intervals to tell it from the others (they need two replications or more).",
                    if higher_is_better { "Highest" } else { "Lowest" },
                    value(m, best.1),
                    point_name(t, best.0)
                )
            });
            continue;
        }
        let points: Vec<(usize, f64, f64)> =
            points.iter().map(|&(p, v, ci)| (p, v, ci.unwrap_or(0.0))).collect();
        let best = (best.0, best.1, best.2.unwrap_or(0.0));
        // The points whose interval overlaps the best one's.
        let tied: Vec<usize> = points
            .iter()
            .filter(|q| q.0 != best.0 && (q.1 - best.1).abs() <= q.2 + best.2)
            .map(|q| q.0)
            .collect();
        if tied.len() + 1 == points.len() {
            headline.push(format!(
                "{} is the same at every point within its 95 % confidence interval ({}).",
                capitalised(&what),
                value(m, best.1)
            ));
        } else if tied.is_empty() {
            headline.push(format!(
                "{} {what}: {} at {}, clear of every other point's 95 % confidence interval.",
                if higher_is_better { "Highest" } else { "Lowest" },
                value(m, best.1),
                point_name(t, best.0)
            ));
        } else {
            let mut group: Vec<usize> = std::iter::once(best.0).chain(tied).collect();
            group.sort_unstable();
            let shown: Vec<String> = group.iter().take(5).map(|p| p.to_string()).collect();
            headline.push(format!(
                "No single point has the {} {what}: {} points ({}{}) are within each other's 95 % confidence intervals of the best, {}.",
                if higher_is_better { "highest" } else { "lowest" },
                group.len(),
                shown.join(", "),
                if group.len() > 5 { ", …" } else { "" },
                value(m, best.1)
            ));
        }
    }
    if n <= 6 {
        for p in 1..n {
            let mut parts = Vec::new();
            for m in metrics {
                let (Some(a), Some(b)) = (mean(0, m), mean(p, m)) else { continue };
                let change = if m.starts_with("cost") {
                    let d = b - a;
                    let sign = if d < 0.0 { "−" } else { "+" };
                    format!("{} → {} ({sign}{})", value(m, a), value(m, b), value(m, d.abs()))
                } else if a != 0.0 && charts::scale(m) == 1.0 {
                    let pct = (b / a - 1.0) * 100.0;
                    if pct.abs() < 0.5 {
                        format!("{} → {} (the same)", value(m, a), value(m, b))
                    } else {
                        format!("{} → {} ({pct:+.0} %)", value(m, a), value(m, b))
                    }
                } else {
                    format!("{} → {}", value(m, a), value(m, b))
                };
                parts.push(format!("{} {change}", charts::describe(m)));
            }
            if !parts.is_empty() {
                out.push(format!(
                    "Against {}, {}: {}.",
                    point_name(t, 0),
                    point_name(t, p),
                    parts.join("; ")
                ));
            }
        }
    } else {
        for m in metrics {
            let points: Vec<(usize, f64)> = (0..n).filter_map(|p| mean(p, m).map(|v| (p, v))).collect();
            let lo = points.iter().copied().reduce(|x, y| if y.1 < x.1 { y } else { x });
            let hi = points.iter().copied().reduce(|x, y| if y.1 > x.1 { y } else { x });
            if let (Some(lo), Some(hi)) = (lo, hi)
                && hi.1 > lo.1
            {
                out.push(format!(
                    "{} ranges from {} at {} to {} at {}.",
                    capitalised(&charts::describe(m)),
                    value(m, lo.1),
                    point_name(t, lo.0),
                    value(m, hi.1),
                    point_name(t, hi.0)
                ));
            }
        }
    }
    (headline, out)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// A row of the points table.
struct PointRow {
    point: usize,
    values: Vec<String>,
    metrics: Vec<(String, Option<String>)>,
}

/// A chart on the page.
struct Figure {
    id: String,
    svg: String,
}

#[derive(Template)]
#[template(path = "sweep.html", config = "src/report/askama.toml")]
struct Page<'a> {
    sweep: &'a str,
    points: usize,
    replications: u32,
    runs: String,
    duration: Option<&'a str>,
    fixed: String,
    headline: Vec<String>,
    details: Vec<String>,
    axes: Vec<String>,
    metrics: Vec<String>,
    rows: Vec<PointRow>,
    figures: Vec<Figure>,
    style: &'static str,
    check: &'static str,
}

/// The page, from `sweep.csv`'s text, the charted metrics and the SVG
/// charts (file stem and text) to show.
pub fn render(
    csv_text: &str,
    metrics: &[String],
    about: &About<'_>,
    svgs: &[(String, String)],
) -> io::Result<String> {
    let t = charts::parse(csv_text)?;
    let varying = varying(&t);
    let fixed: Vec<String> = (0..t.axes.len())
        .filter(|a| !varying.contains(a))
        .filter_map(|a| t.values.first().map(|v| format!("{} = {}", t.axes[a], v[a])))
        .collect();
    let (headline, details) = findings(&t, metrics);
    let page = Page {
        sweep: about.sweep,
        points: t.values.len(),
        replications: about.replications,
        runs: super::replications_words(about.replications, about.seed),
        duration: about.duration,
        fixed: fixed.join(", "),
        headline,
        details,
        axes: varying.iter().map(|&a| t.axes[a].clone()).collect(),
        metrics: metrics.iter().map(|m| charts::describe(m)).collect(),
        rows: t
            .values
            .iter()
            .enumerate()
            .map(|(p, values)| PointRow {
                point: p,
                values: varying.iter().map(|&a| values[a].clone()).collect(),
                metrics: metrics.iter().map(|m| mean_ci(m, t.metrics[p].get(m))).collect(),
            })
            .collect(),
        figures: svgs.iter().map(|(name, svg)| Figure { id: name.clone(), svg: inline_svg(svg) }).collect(),
        style: STYLE,
        check: CHECK,
    };
    page.render().map_err(io::Error::other)
}

/// Writes `report.html` into `dir` with the charts `stems` drawn under `dir/plots`.
pub fn write(
    dir: &Path,
    csv_text: &str,
    metrics: &[String],
    about: &About<'_>,
    stems: &[String],
) -> io::Result<()> {
    let mut svgs = Vec::new();
    for stem in stems {
        let svg = std::fs::read_to_string(dir.join("plots").join(format!("{stem}.svg")))?;
        svgs.push((stem.clone(), svg));
    }
    let page = render(csv_text, metrics, about, &svgs)?;
    crate::report::atomic::write_file(&dir.join("report.html"), |w| w.write_all(page.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "point,region.x.min_instances,requests,requests_ci95,availability,availability_ci95,latency_p99_ms,latency_p99_ms_ci95,cost_month_usd,cost_month_usd_ci95\n\
0,0,100.000,,0.990000,0.001000,1000.000,50.000,15000.00,10.00\n\
1,30,100.000,,0.999000,0.000100,360.000,5.000,15350.00,12.00\n";

    #[test]
    fn findings_name_a_best_point_only_clear_of_the_others_intervals() {
        let t = charts::parse(CSV).unwrap();
        let metrics: Vec<String> =
            ["availability", "latency_p99_ms", "cost_month_usd"].iter().map(|s| s.to_string()).collect();
        let (headline, details) = findings(&t, &metrics);
        assert_eq!(
            details[0],
            "Against point 0 (region.x.min_instances = 0), point 1 (region.x.min_instances = 30): \
             availability (%) 99.000 % → 99.900 %; latency p99 (ms) 1000 → 360 (-64 %); \
             cost per month (USD) $15,000 → $15,350 (+$350.00)."
        );
        assert!(headline.contains(
            &"Lowest latency p99 (ms): 360 at point 1 (region.x.min_instances = 30), clear of every other point's 95 % confidence interval."
                .to_string()
        ));
        assert!(headline.contains(
            &"Highest availability (%): 99.900 % at point 1 (region.x.min_instances = 30), clear of every other point's 95 % confidence interval."
                .to_string()
        ));
        // Within the intervals, no point is singled out.
        let close = CSV.replace("360.000,5.000", "1040.000,50.000");
        let (headline, _) = findings(&charts::parse(&close).unwrap(), &["latency_p99_ms".to_string()]);
        assert_eq!(
            headline[0],
            "Latency p99 (ms) is the same at every point within its 95 % confidence interval (1000)."
        );
    }

    /// One replication gives no interval: no point is said to be clear of
    /// the others (it was, every interval being taken as zero), and the
    /// page says so, and says when --duration shortened the runs.
    #[test]
    fn one_replication_claims_no_separation_and_the_page_says_why() {
        let csv = "point,a,requests,requests_ci95,cost_usd,cost_usd_ci95,availability,availability_ci95\n\
0,1,10,,15174.00,,1.000000,\n1,2,10,,15174.03,,1.000000,\n";
        let t = charts::parse(csv).unwrap();
        let (headline, _) = findings(&t, &["cost_usd".to_string(), "availability".to_string()]);
        assert!(
            headline[0]
                .starts_with("Lowest cost (USD): $15,174 at point 0 (a = 1), without confidence intervals"),
            "{headline:?}"
        );
        assert_eq!(headline[1], "Availability (%) is 100.000 % at every point.");
        assert!(headline.iter().all(|h| !h.contains("clear of")), "{headline:?}");
        let about = About { sweep: "s.toml", replications: 1, seed: 1, duration: Some("5m") };
        let page = render(csv, &["cost_usd".to_string()], &about, &[]).unwrap();
        assert!(page.contains("One replication per point: values without confidence intervals"), "{page}");
        assert!(page.contains("Every run was shortened to 5m by --duration"), "{page}");
        assert!(!page.contains("Means with their 95 % confidence half-widths"));
    }

    #[test]
    fn a_best_point_inside_others_intervals_is_a_group_and_fixed_axes_are_said_once() {
        let csv = "point,a,b,requests,requests_ci95,latency_p99_ms,latency_p99_ms_ci95\n\
0,1,x,10,,500.0,10.0\n1,2,x,10,,300.0,10.0\n2,3,x,10,,310.0,10.0\n";
        let t = charts::parse(csv).unwrap();
        let (headline, _) = findings(&t, &["latency_p99_ms".to_string()]);
        assert_eq!(
            headline[0],
            "No single point has the lowest latency p99 (ms): 2 points (1, 2) are within each other's 95 % confidence intervals of the best, 300."
        );
        assert_eq!(point_name(&t, 1), "point 1 (a = 2)", "b does not vary");
        let about = About { sweep: "s.toml", replications: 3, seed: 1, duration: None };
        let page = render(csv, &["latency_p99_ms".to_string()], &about, &[]).unwrap();
        assert!(page.contains("The same at every point: b = x."));
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_its_text() {
        let about = About { sweep: "a<b>.toml", replications: 3, seed: 1, duration: None };
        let svg = ("x".to_string(), "<?xml version=\"1.0\"?>\n<svg width=\"1\"></svg>".to_string());
        let page = render(CSV, &["latency_p99_ms".to_string()], &about, &[svg]).unwrap();
        assert!(!page.contains("a<b>"), "escaped by the template");
        assert!(page.contains("a&#60;b&#62;.toml") || page.contains("a&lt;b&gt;.toml"));
        assert!(page.contains("<figure class=\"chart\" id=\"x\"><svg "), "{page}");
        assert!(!page.contains("<?xml"));
        assert!(!page.contains("http://") && !page.contains("https://"), "no network request");
        assert!(page.contains("seeds 1 to 3"));
    }
}
