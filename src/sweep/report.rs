//! `report.html` of a sweep, beside `sweep.csv`: one self-contained page
//! (styles and charts inline, no network request) with the grid at a
//! glance, a table of every point's charted metrics with their 95 %
//! confidence half-widths, findings in sentences, and the sweep's charts.
//!
//! Like the charts, it is made from `sweep.csv` alone, so a merged sweep
//! gets the same report as a one-machine run.

use super::charts::{self, MeanCi, Table};
use crate::format::count;
use crate::report::html::{STYLE, esc};
use std::fmt::Write as _;
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

fn mean_ci(metric: &str, m: Option<&MeanCi>) -> String {
    match m {
        Some((Some(v), Some(h))) => {
            let h = value(metric, *h);
            format!("{} <span class=\"muted\">± {}</span>", value(metric, *v), h.trim_start_matches('$'))
        }
        Some((Some(v), None)) => value(metric, *v),
        _ => "–".into(),
    }
}

fn point_name(t: &Table, p: usize) -> String {
    t.axes.iter().zip(&t.values[p]).map(|(a, v)| format!("{a} = {v}")).collect::<Vec<_>>().join(", ")
}

/// Sentences comparing every point with the first (the grid's first
/// values: usually the current design), metric by metric, and naming the
/// best point for each metric.
fn findings(t: &Table, metrics: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mean = |p: usize, m: &str| t.metrics[p].get(m).and_then(|x| x.0);
    let n = t.values.len();
    if n < 2 {
        return out;
    }
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
                "Against point 0 ({}), point {p} ({}): {}.",
                point_name(t, 0),
                point_name(t, p),
                parts.join("; ")
            ));
        }
    }
    for m in metrics {
        let higher_is_better = m == "availability" || m == "ok";
        let at = |p: usize| t.metrics[p].get(m).and_then(|x| x.0.map(|v| (p, v, x.1.unwrap_or(0.0))));
        let points: Vec<(usize, f64, f64)> = (0..n).filter_map(at).collect();
        let pick = |better: &dyn Fn(f64, f64) -> bool| {
            points.iter().copied().reduce(|x, y| if better(y.1, x.1) { y } else { x })
        };
        let (Some(best), Some(worst)) = (
            pick(&|a, b| if higher_is_better { a > b } else { a < b }),
            pick(&|a, b| if higher_is_better { a < b } else { a > b }),
        ) else {
            continue;
        };
        // Differences within the confidence intervals are not findings.
        if (best.1 - worst.1).abs() <= best.2 + worst.2 {
            out.push(format!(
                "{} is the same at every point within its 95 % confidence interval.",
                capitalised(&charts::describe(m))
            ));
            continue;
        }
        let word = if higher_is_better { "Highest" } else { "Lowest" };
        let (p, v, _) = best;
        out.push(format!(
            "{word} {}: {} at point {p} ({}).",
            charts::describe(m),
            value(m, v),
            point_name(t, p)
        ));
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
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
    let mut h = String::new();
    let title = format!("negsim sweep: {}", about.sweep);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body data-errors=\"0\">\n<main>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let _ = writeln!(
        h,
        "<p class=\"muted\">{} points × {} replications (seeds {} to {}); every point sees the same user arrivals in replication k. Means with their 95 % confidence half-widths.</p>",
        t.values.len(),
        about.replications,
        about.seed,
        about.seed + u64::from(about.replications.max(1)) - 1
    );
    h.push_str("<h2>Findings</h2>\n<ul>\n");
    for f in findings(&t, metrics) {
        let _ = writeln!(h, "<li>{}</li>", esc(&f));
    }
    h.push_str("</ul>\n<h2>Points</h2>\n<table>\n<thead><tr><th>point</th>");
    for a in &t.axes {
        let _ = write!(h, "<th>{}</th>", esc(a));
    }
    for m in metrics {
        let _ = write!(h, "<th>{}</th>", esc(&charts::describe(m)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (p, values) in t.values.iter().enumerate() {
        let _ = write!(h, "<tr><td>{p}</td>");
        for v in values {
            let _ = write!(h, "<td>{}</td>", esc(v));
        }
        for m in metrics {
            let _ = write!(h, "<td>{}</td>", mean_ci(m, t.metrics[p].get(m)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if !svgs.is_empty() {
        h.push_str("<h2>Charts</h2>\n");
        for (name, svg) in svgs {
            let _ =
                writeln!(h, "<figure class=\"chart\" id=\"{}\">{}</figure>", esc(name), strip_prolog(svg));
        }
    }
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}

/// An SVG file's markup without its XML declaration, to inline it.
fn strip_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
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
    fn findings_compare_every_point_with_the_first_and_name_the_best() {
        let t = charts::parse(CSV).unwrap();
        let metrics: Vec<String> =
            ["availability", "latency_p99_ms", "cost_month_usd"].iter().map(|s| s.to_string()).collect();
        let f = findings(&t, &metrics);
        assert_eq!(
            f[0],
            "Against point 0 (region.x.min_instances = 0), point 1 (region.x.min_instances = 30): \
             availability (%) 99.000 % → 99.900 %; latency p99 (ms) 1000 → 360 (-64 %); \
             cost per month (USD) $15,000 → $15,350 (+$350.00)."
        );
        assert!(
            f.contains(&"Lowest latency p99 (ms): 360 at point 1 (region.x.min_instances = 30).".to_string())
        );
        assert!(f.contains(
            &"Highest availability (%): 99.900 % at point 1 (region.x.min_instances = 30).".to_string()
        ));
        assert!(f.contains(
            &"Lowest cost per month (USD): $15,000 at point 0 (region.x.min_instances = 0).".to_string()
        ));
        // Within the intervals, no point is singled out.
        let close = CSV.replace("360.000,5.000", "1040.000,50.000");
        let f = findings(&charts::parse(&close).unwrap(), &["latency_p99_ms".to_string()]);
        assert_eq!(f[1], "Latency p99 (ms) is the same at every point within its 95 % confidence interval.");
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_its_text() {
        let about = About { sweep: "a<b>.toml", replications: 3, seed: 1 };
        let svg = ("x".to_string(), "<?xml version=\"1.0\"?>\n<svg width=\"1\"></svg>".to_string());
        let page = render(CSV, &["latency_p99_ms".to_string()], &about, &[svg]).unwrap();
        assert!(page.contains("a&lt;b&gt;.toml"));
        assert!(page.contains("<figure class=\"chart\" id=\"x\"><svg width=\"1\"></svg></figure>"));
        assert!(!page.contains("<?xml"));
        assert!(!page.contains("http://") && !page.contains("https://"), "no network request");
        assert!(page.contains("seeds 1 to 3"));
    }
}
