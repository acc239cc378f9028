//! `report.html`: one self-contained page for a design review.
//!
//! The page makes no network request: styles are inline and every chart is
//! an inline SVG. It holds the scenario at a glance, findings written out as
//! sentences from the results, the summary table, and the charts, and it
//! prints cleanly (one chart per page, no navigation chrome).

use super::plots::Chart;
use super::results::Results;
use crate::format::{clock, count, ms, pct, share, span};
use crate::metrics::{Row, ScopeKind};
use crate::scenario::units::human_duration;
use crate::scenario::{DependencyOutageKind, OutageKind, Profile, Routing};
use std::fmt::Write as _;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub(crate) const STYLE: &str = r#"
:root { --ink: #28282f; --muted: #6b6b76; --line: #e3e3e8; --accent: #4e79a7; --bad: #e15759; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 64px; background: #fff; }
header h1 { margin: 0 0 4px; font-size: 28px; letter-spacing: -0.01em; }
header p { margin: 0; color: var(--muted); }
h2 { margin: 36px 0 12px; font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
.glance { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 12px 28px; margin-top: 18px; }
.glance div { border-left: 3px solid var(--accent); padding: 2px 0 2px 12px; }
.glance b { display: block; font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); font-weight: 600; }
ul.findings { padding-left: 20px; }
ul.findings li { margin: 6px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
tr.global td { font-weight: 600; }
tr.group td { background: #f3f4f7; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; text-align: left; }
td.bad { color: var(--bad); font-weight: 600; }
figure { margin: 28px 0; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13.5px; margin-top: 6px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; }
  table { font-size: 9pt; }
}
"#;

/// Checks, once the page has loaded, that every chart rendered, and
/// records any script error; a headless browser reads both back.
const CHECK: &str = r#"
window.addEventListener('error', function () {
  document.body.dataset.errors = String(Number(document.body.dataset.errors || 0) + 1);
});
window.addEventListener('load', function () {
  var ok = 0;
  document.querySelectorAll('figure svg').forEach(function (s) {
    var b = s.getBoundingClientRect();
    if (b.width > 100 && b.height > 50 && s.querySelectorAll('path, polyline, polygon, rect, circle, text').length > 10) { ok++; }
  });
  document.body.dataset.renderedPlots = String(ok);
});
"#;

/// The whole page.
pub fn render(res: &Results, charts: &[Chart]) -> String {
    let sc = &res.scenario;
    let mut h = String::with_capacity(256 * 1024);
    let title = format!("{}: negsim report", sc.simulation.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body data-errors=\"0\">\n<main>\n",
        esc(&title)
    );
    let version = res.run.as_ref().map_or(env!("CARGO_PKG_VERSION").to_string(), |r| r.version.clone());
    let _ = writeln!(
        h,
        "<header><h1>{}</h1><p>negsim {} · seed {} · {} simulated{}</p></header>",
        esc(&sc.simulation.name),
        esc(&version),
        sc.simulation.seed,
        human_duration(sc.simulation.duration_ns),
        if sc.simulation.warmup_ns > 0 {
            format!(" (first {} excluded as warmup)", human_duration(sc.simulation.warmup_ns))
        } else {
            String::new()
        }
    );
    glance(&mut h, res);
    h.push_str("<h2>Findings</h2>\n<ul class=\"findings\">\n");
    for f in findings(res) {
        let _ = writeln!(h, "<li>{f}</li>");
    }
    h.push_str("</ul>\n");
    table(&mut h, res);
    h.push_str("<h2>Charts</h2>\n");
    for c in charts {
        let _ = writeln!(
            h,
            "<figure id=\"{}\"><h3 style=\"margin:0 0 8px;font-size:16px\">{}</h3>{}<figcaption>{}</figcaption></figure>",
            c.name,
            esc(c.title),
            inline_svg(&c.svg),
            esc(&c.caption)
        );
    }
    let _ = write!(
        h,
        "<footer>Generated by negsim {} from the files of this run's output folder (summary.csv, timeseries.csv, flows.csv, ejections.csv, scenario.resolved.toml); plots/ holds each chart as PNG and SVG.</footer>\n</main>\n<script>{CHECK}</script>\n</body>\n</html>\n",
        esc(&version)
    );
    h
}

/// An SVG made to scale with the page: fixed width and height go, the
/// view box stays.
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let Some(end) = body.find('>') else { return body.to_string() };
    let open = &body[..end];
    let (mut w, mut hgt) = (String::new(), String::new());
    for attr in ["width", "height"] {
        if let Some(i) = open.find(&format!(" {attr}=\"")) {
            let rest = &open[i + attr.len() + 3..];
            let v = rest.split('"').next().unwrap_or("").to_string();
            if attr == "width" { w = v } else { hgt = v }
        }
    }
    let mut tag = open.to_string();
    for (attr, v) in [("width", &w), ("height", &hgt)] {
        tag = tag.replacen(&format!(" {attr}=\"{v}\""), "", 1);
    }
    if !tag.contains("viewBox") && !w.is_empty() {
        tag.push_str(&format!(" viewBox=\"0 0 {w} {hgt}\""));
    }
    tag.push_str(" role=\"img\" preserveAspectRatio=\"xMidYMid meet\"");
    format!("{tag}{}", &body[end..])
}

fn glance(h: &mut String, res: &Results) {
    let sc = &res.scenario;
    let regions: Vec<String> = sc
        .regions
        .iter()
        .map(|r| {
            let place = r.location.map_or(String::new(), |l| format!(" ({l})"));
            format!("{}{} · max {}", esc(&r.name), esc(&place), r.service.max_instances)
        })
        .collect();
    let peak: f64 = sc.cities.iter().map(|c| c.rps).sum();
    let diurnal = sc.cities.iter().filter(|c| matches!(c.profile, Profile::Diurnal { .. })).count();
    let outages: Vec<String> = sc
        .outages
        .iter()
        .map(|o| {
            let what = match &o.kind {
                OutageKind::Down => "down".to_string(),
                OutageKind::Errors { rate, status } => {
                    format!("{} of requests fail with {status}", pct(*rate))
                }
                OutageKind::Latency { extra } => format!("{} slower (mean)", ms(extra.mean_ns() / 1e6)),
                OutageKind::Capacity { max_instances } => format!("capped at {max_instances} instances"),
                OutageKind::ColdStart { multiplier } => format!("cold starts x{multiplier}"),
            };
            format!(
                "{} {} from {} for {}",
                esc(&sc.regions[o.region].name),
                what,
                clock(o.start_ns as f64 / 1e9),
                human_duration(o.duration_ns)
            )
        })
        .collect();
    let s = &sc.service;
    let od = &sc.load_balancer.outlier;
    let _ = writeln!(
        h,
        "<section class=\"glance\">\
<div><b>Regions</b>{}</div>\
<div><b>Users</b>{} cities, {:.0} requests/s at peak{}</div>\
<div><b>Outages</b>{}</div>\
<div><b>Service</b>concurrency {}, {} vCPU, {} GiB, min {} / max {} instances, cold starts {} on average</div>\
<div><b>Load balancer</b>{}; outlier detection {}; timeout {}{}</div>\
<div><b>Clients</b>timeout {}, {} retries</div>\
</section>",
        regions.join("<br>"),
        sc.cities.len(),
        peak,
        if diurnal > 0 { format!(" ({diurnal} with a daily cycle)") } else { String::new() },
        if outages.is_empty() { "none".to_string() } else { outages.join("<br>") },
        s.concurrency,
        s.cpu,
        s.memory_gib,
        s.min_instances,
        s.max_instances,
        ms(s.cold_start.mean_ns() / 1e6),
        if sc.load_balancer.routing == Routing::Nearest {
            "nearest region"
        } else {
            "nearest, spilling on 429 (what-if)"
        },
        if od.enabled {
            format!(
                "ejects after {} gateway failures for {} x times ejected",
                od.consecutive_gateway_failure,
                human_duration(od.base_ejection_time_ns)
            )
        } else {
            "off".to_string()
        },
        human_duration(sc.load_balancer.timeout_ns),
        if sc.load_balancer.retry.is_some() { ", retry policy on" } else { "" },
        human_duration(sc.client.timeout_ns),
        sc.client.retries,
    );
}

/// Most cities the summary table shows (the busiest).
pub const TABLE_CITIES: usize = 100;

fn table(h: &mut String, res: &Results) {
    h.push_str("<h2>Summary</h2>\n<table>\n<thead><tr><th>scope</th><th>name</th><th>requests</th><th>availability</th><th>p50</th><th>p99</th><th>p99.9</th><th>429</th><th>5xx</th><th>timeouts</th><th>instances (mean / max)</th><th>cold starts</th><th>cost $ (per month at this rate)</th></tr></thead>\n<tbody>\n");
    let target = res.scenario.slo.as_ref().and_then(|s| s.availability).unwrap_or(0.999);
    let mut last: Option<ScopeKind> = None;
    // A table of thousands of cities is no use on a page (20,000 cities once
    // made a 170 MB report): the busiest are shown, the rest are counted.
    let shown: std::collections::HashSet<&str> =
        res.busiest_cities().iter().take(TABLE_CITIES).map(|r| r.name.as_str()).collect();
    let hidden =
        res.summary.iter().filter(|r| r.scope == ScopeKind::City).count().saturating_sub(TABLE_CITIES);
    for r in &res.summary {
        if r.scope == ScopeKind::City && !shown.contains(r.name.as_str()) {
            continue;
        }
        if last == Some(ScopeKind::City) && r.scope != ScopeKind::City && hidden > 0 {
            let _ = writeln!(
                h,
                "<tr><td colspan=\"13\">and {} less busy cities: every city is in summary.csv</td></tr>",
                count(hidden as u64)
            );
        }
        if last != Some(r.scope) && r.scope != ScopeKind::Global {
            let _ = writeln!(
                h,
                "<tr class=\"group\"><td colspan=\"13\">{}</td></tr>",
                if r.scope == ScopeKind::City { "cities" } else { "regions" }
            );
        }
        last = Some(r.scope);
        let cell = |x: Option<f64>, f: fn(f64) -> String| x.map_or("–".to_string(), f);
        let bad = r.availability.is_some_and(|a| a < target);
        let _ = writeln!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if r.scope == ScopeKind::Global { " class=\"global\"" } else { "" },
            r.scope.as_str(),
            esc(&r.name),
            count(r.requests),
            if bad { " class=\"bad\"" } else { "" },
            cell(r.availability, pct),
            cell(r.latency_p50_ms, ms),
            cell(r.latency_p99_ms, ms),
            cell(r.latency_p999_ms, ms),
            count(r.rejected),
            count(r.errors),
            count(r.timeouts),
            match (r.instances_mean, r.instances_max) {
                (Some(m), Some(x)) => format!("{m:.1} / {x}"),
                _ => "–".into(),
            },
            r.cold_starts.map_or("–".into(), |c| c.to_string()),
            match (r.cost_usd, r.cost_month_usd) {
                (Some(c), Some(m)) => format!("{c:.2} ({})", count(m.round() as u64)),
                (Some(c), None) => format!("{c:.2}"),
                _ => "–".into(),
            },
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// What a reader should know, in sentences, most important first.
pub fn findings(res: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let sc = &res.scenario;
    let w = res.window_s();
    let target = sc.slo.as_ref().and_then(|s| s.availability).unwrap_or(0.999);
    let global = res.summary_of(ScopeKind::Global, "all");
    if let Some(g) = global {
        out.push(format!(
            "Overall, {} of {} requests were ok ({}); the median user waited {} and the slowest 1 % more than {}.",
            count(g.ok),
            count(g.requests),
            g.availability.map_or("–".into(), pct),
            g.latency_p50_ms.map_or("–".into(), ms),
            g.latency_p99_ms.map_or("–".into(), ms),
        ));
    }
    // The longest dip below the target, and what was going on.
    let mut worst: Option<(String, usize, usize, f64)> = None;
    for c in res.busiest_cities() {
        let s = res.series_of(ScopeKind::City, &c.name);
        let mut i = 0;
        while i < s.len() {
            if s[i].availability.is_some_and(|a| a < target) {
                let start = i;
                let mut low: f64 = 1.0;
                while i < s.len() && s[i].availability.is_some_and(|a| a < target) {
                    low = low.min(s[i].availability.unwrap_or(1.0));
                    i += 1;
                }
                if worst
                    .as_ref()
                    .is_none_or(|(_, a, b, l)| i - start > b - a || (i - start == b - a && low < *l))
                {
                    worst = Some((c.name.clone(), start, i, low));
                }
            } else {
                i += 1;
            }
        }
    }
    match worst {
        Some((city, a, b, low)) => {
            let (t0, t1) = (
                res.window_starts[a],
                res.window_starts.get(b).copied().unwrap_or(res.window_starts[b - 1] + w),
            );
            let cause = causes(res, t0, t1);
            out.push(format!(
                "The longest availability dip: <b>{}</b> stayed below {} for {} from {} (lowest {}){}.",
                esc(&city),
                pct(target),
                span(t1 - t0),
                clock(t0),
                pct(low),
                cause
            ));
        }
        None => out.push(format!(
            "No city's availability fell below {} in any {} window.",
            pct(target),
            human_duration(sc.simulation.window_ns)
        )),
    }
    // Where traffic went during each outage, what it cost, when it came back.
    for o in &sc.outages {
        let region = &sc.regions[o.region].name;
        let (t0, t1) = (o.start_ns as f64 / 1e9, o.end_ns() as f64 / 1e9);
        for c in res.busiest_cities() {
            let before = share_during(res, &c.name, region, t0 - 5.0 * w, t0);
            if before < 0.5 {
                continue;
            }
            let during = share_during(res, &c.name, region, t0 + w, t1);
            if during > before - 0.2 {
                continue;
            }
            let to = main_region_during(res, &c.name, t0 + w, t1).unwrap_or_default();
            let p50 = |a: f64, b: f64| mean_of(res, &c.name, a, b, |r| r.latency_p50_ms);
            let edge = sc.cities.iter().find(|x| x.name == c.name).map(|x| &sc.edge_locations[x.edge].name);
            let back = res
                .ejections
                .iter()
                .filter(|e| Some(&e.1) == edge && &e.2 == region && e.3.is_none() && e.0 >= t1)
                .map(|e| e.0)
                .next();
            out.push(format!(
                "During {}'s outage ({}–{}), <b>{}</b>'s traffic moved to {} ({} of it), and its median latency went from {} to {}{}.",
                esc(region),
                clock(t0),
                clock(t1),
                esc(&c.name),
                esc(&to),
                share(1.0 - during),
                p50(t0 - 5.0 * w, t0).map_or("–".into(), ms),
                p50(t0 + w, t1).map_or("–".into(), ms),
                match back {
                    Some(t) if t > t1 && sc.load_balancer.health.enabled => format!(
                        "; it came back at {}, {} after the region recovered, when the load balancer saw the region healthy again",
                        clock(t),
                        span(t - t1)
                    ),
                    Some(t) if t > t1 => format!(
                        "; it came back at {}, {} after the region recovered, when the ejections at its edge ran out",
                        clock(t),
                        span(t - t1)
                    ),
                    Some(t) => format!("; it came back at {}", clock(t)),
                    None => String::new(),
                }
            ));
        }
    }
    // Regions at their cap, and what it cost.
    for r in &sc.regions {
        let s = res.series_of(ScopeKind::Region, &r.name);
        let cap = u64::from(r.service.max_instances);
        let at_cap: Vec<usize> =
            (0..s.len()).filter(|&i| s[i].instances_max.is_some_and(|m| m >= cap)).collect();
        if let Some(&first) = at_cap.first() {
            let rejected: u64 = s.iter().map(|x| x.rejected).sum();
            let timeouts: u64 = s.iter().map(|x| x.timeouts).sum();
            out.push(format!(
                "<b>{}</b> reached its max_instances ({cap}) at {} and was there in windows totalling {}; it turned away {} requests with 429{}.",
                esc(&r.name),
                clock(res.window_starts[first]),
                span(at_cap.len() as f64 * w),
                count(rejected),
                if timeouts > 0 { format!(" and {} timed out", count(timeouts)) } else { String::new() }
            ));
        }
    }
    // Cold starts during outages (the failover's) against the run's.
    if !sc.outages.is_empty() {
        let mut during = 0u64;
        let mut total = 0u64;
        for r in &sc.regions {
            for (i, row) in res.series_of(ScopeKind::Region, &r.name).iter().enumerate() {
                let c = row.cold_starts.unwrap_or(0);
                total += c;
                let t = res.window_starts[i];
                let in_outage = sc
                    .outages
                    .iter()
                    .any(|o| t + w > o.start_ns as f64 / 1e9 && t < o.end_ns() as f64 / 1e9 + 5.0 * w);
                if in_outage {
                    during += c;
                }
            }
        }
        out.push(format!(
            "{during} of the run's {total} cold starts came during an outage or in the five windows after it: the failover's price in cold starts."
        ));
    }
    // The worst p99.
    if let Some(c) = res
        .summary
        .iter()
        .filter(|r| r.scope == ScopeKind::City)
        .max_by(|a, b| a.latency_p99_ms.unwrap_or(0.0).total_cmp(&b.latency_p99_ms.unwrap_or(0.0)))
    {
        out.push(format!(
            "The worst p99 was <b>{}</b>'s: {} (median {}).",
            esc(&c.name),
            c.latency_p99_ms.map_or("–".into(), ms),
            c.latency_p50_ms.map_or("–".into(), ms)
        ));
    }
    if let Some(slo) = &sc.slo {
        out.push(slo_sentence(res, slo.availability, slo.latency_p99_ns));
    }
    // What it cost, and what that would be over a month.
    if let Some((cost, month)) = global.and_then(|g| g.cost_usd.zip(g.cost_month_usd)) {
        let regions: f64 =
            res.summary.iter().filter(|r| r.scope == ScopeKind::Region).filter_map(|r| r.cost_usd).sum();
        out.push(format!(
            "The {} after the warmup cost ${cost:.2} at list prices (Cloud Run ${regions:.2}, the load balancer ${:.2}): ${} a month at this rate.",
            span(sc.simulation.duration_ns.saturating_sub(sc.simulation.warmup_ns) as f64 / 1e9),
            (cost - regions).max(0.0),
            count(month.round() as u64)
        ));
    }
    out
}

fn slo_sentence(res: &Results, availability: Option<f64>, p99_ns: Option<u64>) -> String {
    let g = res.series_of(ScopeKind::Global, "all");
    let mut parts = Vec::new();
    if let Some(a) = availability {
        let met = g.iter().filter(|r| r.availability.is_none_or(|x| x >= a)).count();
        let total = res.summary_of(ScopeKind::Global, "all");
        let burned = total
            .and_then(|t| t.availability)
            .map(|x| (1.0 - x) / (1.0 - a).max(1e-12))
            .map_or("–".into(), |b| format!("{:.0} %", b * 100.0));
        parts.push(format!(
            "availability {} was met in {met} of {} windows (error budget used: {burned})",
            pct(a),
            g.len()
        ));
    }
    if let Some(p) = p99_ns {
        let t = p as f64 / 1e6;
        let met = g.iter().filter(|r| r.latency_p99_ms.is_none_or(|x| x <= t)).count();
        parts.push(format!("p99 under {} in {met} of {} windows", ms(t), g.len()));
    }
    format!("Against the SLO: {}.", parts.join("; "))
}

/// What overlapped `[t0, t1)`: outages, and regions turning requests away.
fn causes(res: &Results, t0: f64, t1: f64) -> String {
    let sc = &res.scenario;
    let mut why: Vec<String> = sc
        .outages
        .iter()
        .filter(|o| (o.start_ns as f64 / 1e9) < t1 && (o.end_ns() as f64 / 1e9) + 10.0 * res.window_s() > t0)
        .map(|o| format!("{} was {}", esc(&sc.regions[o.region].name), o.kind.name()))
        .collect();
    for o in &sc.dependency_outages {
        if (o.start_ns as f64 / 1e9) < t1 && (o.end_ns() as f64 / 1e9) + 10.0 * res.window_s() > t0 {
            let what = match o.kind {
                DependencyOutageKind::Down => "down",
                DependencyOutageKind::Latency { .. } => "slow",
            };
            why.push(format!("the shared {} was {what}", esc(&sc.dependencies[o.dependency].name)));
        }
    }
    for r in &sc.regions {
        let s = res.series_of(ScopeKind::Region, &r.name);
        let rejected: u64 = s
            .iter()
            .zip(&res.window_starts)
            .filter(|(_, t)| **t >= t0 && **t < t1)
            .map(|(x, _)| x.rejected)
            .sum();
        if rejected > 0 {
            why.push(format!("{} turned away {} requests with 429", esc(&r.name), count(rejected)));
        }
    }
    if why.is_empty() { String::new() } else { format!(", while {}", why.join(" and ")) }
}

fn share_during(res: &Results, city: &str, region: &str, t0: f64, t1: f64) -> f64 {
    let (mut to, mut all) = (0u64, 0u64);
    for (t, c, r, n) in &res.window_flows {
        if c == city && *t >= t0 && *t < t1 {
            all += n;
            if r == region {
                to += n;
            }
        }
    }
    if all == 0 { 0.0 } else { to as f64 / all as f64 }
}

fn main_region_during(res: &Results, city: &str, t0: f64, t1: f64) -> Option<String> {
    let mut by: std::collections::BTreeMap<&str, u64> = Default::default();
    for (t, c, r, n) in &res.window_flows {
        if c == city && *t >= t0 && *t < t1 {
            *by.entry(r.as_str()).or_default() += n;
        }
    }
    by.into_iter().max_by_key(|(_, n)| *n).map(|(r, _)| r.to_string())
}

fn mean_of(res: &Results, city: &str, t0: f64, t1: f64, get: fn(&Row) -> Option<f64>) -> Option<f64> {
    let xs: Vec<f64> = res
        .series_of(ScopeKind::City, city)
        .iter()
        .zip(&res.window_starts)
        .filter(|(_, t)| **t >= t0 && **t < t1)
        .filter_map(|(r, _)| get(r))
        .collect();
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svgs_scale_with_the_page() {
        let svg = "<svg width=\"800\" height=\"600\" viewBox=\"0 0 800 600\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        let out = inline_svg(svg);
        assert!(out.starts_with("<svg viewBox=\"0 0 800 600\""), "{out}");
        assert!(!out.contains("width=\"800\""));
        assert!(out.ends_with("<rect/></svg>"));
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
        assert_eq!(clock(1830.0), "0:30:30");
        assert_eq!(clock(3600.0), "1:00");
        assert_eq!(count(8_133_459), "8,133,459");
        assert_eq!(count(999), "999");
        assert_eq!(span(158.4), "2m38s");
        assert_eq!(span(1380.0), "23m");
        assert_eq!(pct(0.999), "99.9 %");
        assert_eq!(pct(0.99833), "99.833 %");
        assert_eq!(pct(0.987), "98.7 %");
        assert_eq!(pct(1.0), "100 %");
    }
}
