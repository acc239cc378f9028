//! `report.html`: one self-contained page for a design review.
//!
//! The page makes no network request: styles are inline and every chart is
//! an inline SVG. It holds the scenario at a glance (with every outage and
//! surge), the findings (a few sentences for an executive reader first,
//! the detail after), the summary table and the charts, and it prints
//! cleanly (one chart per page, no navigation chrome).
//!
//! The page is an askama template (`templates/report.html`), which
//! escapes every value unless told otherwise: only the inline SVG charts,
//! the style sheet and the check script go in as they are.

use super::plots::Chart;
use super::results::Results;
use crate::format::{Clock, count, human_duration, ms, pct, share, span};
use crate::metrics::{Row, ScopeKind};
use crate::scenario::{DependencyOutageKind, OutageKind, Profile, Routing, Scenario};
use askama::Template;

/// The page's style sheet.
pub(crate) const STYLE: &str = include_str!("templates/style.css");

/// Checks, once the page has loaded, that every chart rendered and that
/// nothing overflows, and records any script error; a headless browser
/// reads all three back.
pub(crate) const CHECK: &str = include_str!("templates/check.js");

/// Marks the emphasised part of a finding (see [`Sentence`]).
const STRONG: char = '\u{E000}';
const PLAIN: char = '\u{E001}';

/// `text` emphasised in a finding.
pub(crate) fn b(text: &str) -> String {
    let clean: String = text.chars().filter(|c| *c != STRONG && *c != PLAIN).collect();
    format!("{STRONG}{clean}{PLAIN}")
}

/// Part of a sentence, emphasised or not.
pub struct Part {
    pub text: String,
    pub strong: bool,
}

/// A finding: plain text with emphasised parts, escaped by the template.
pub struct Sentence {
    pub parts: Vec<Part>,
}

impl From<String> for Sentence {
    fn from(s: String) -> Self {
        let mut parts = Vec::new();
        let mut strong = false;
        for piece in s.split([STRONG, PLAIN]) {
            if !piece.is_empty() {
                parts.push(Part { text: piece.to_string(), strong });
            }
            strong = !strong;
        }
        Sentence { parts }
    }
}

impl Sentence {
    /// The sentence as plain text.
    pub fn plain(&self) -> String {
        self.parts.iter().map(|p| p.text.as_str()).collect()
    }
}

/// A card of the scenario at a glance.
pub struct Card {
    pub id: &'static str,
    pub label: &'static str,
    pub lines: Vec<String>,
}

/// A cell of the summary table.
pub struct Cell {
    pub text: String,
    pub bad: bool,
}

/// A row of the summary table, or a group heading.
pub struct TableRow {
    pub group: Option<String>,
    pub global: bool,
    pub cells: Vec<Cell>,
}

/// A chart on the page.
pub struct Figure {
    pub id: &'static str,
    pub svg: String,
    pub caption: String,
}

#[derive(Template)]
#[template(path = "report.html", config = "src/report/askama.toml")]
struct Page<'a> {
    name: &'a str,
    meta: String,
    cards: Vec<Card>,
    headline: Vec<Sentence>,
    details: Vec<Sentence>,
    columns: &'static [&'static str],
    rows: Vec<TableRow>,
    figures: Vec<Figure>,
    services: Option<super::services::ServiceView>,
    version: String,
    style: &'static str,
    check: &'static str,
}

/// The whole page.
pub fn render(res: &Results, charts: &[Chart]) -> String {
    let sc = &res.scenario;
    let version = res.run.as_ref().map_or(env!("CARGO_PKG_VERSION").to_string(), |r| r.version.clone());
    let meta = format!(
        "negsim {version} · seed {} · {} simulated from {}{}",
        sc.simulation.seed,
        human_duration(sc.simulation.duration_ns),
        match sc.simulation.start_utc_s {
            Some(_) => res.clock().at(0.0),
            None => "t = 0 (no start_utc: times are since the start)".into(),
        },
        if sc.simulation.warmup_ns > 0 {
            format!("; the first {} excluded as warmup", human_duration(sc.simulation.warmup_ns))
        } else {
            String::new()
        }
    );
    let f = findings(res);
    let page = Page {
        name: &sc.simulation.name,
        meta,
        cards: glance(res),
        headline: f.headline.into_iter().map(Sentence::from).collect(),
        details: f.details.into_iter().map(Sentence::from).collect(),
        columns: &COLUMNS,
        rows: table(res),
        figures: charts
            .iter()
            .map(|c| Figure { id: c.name, svg: inline_svg(&c.svg), caption: c.caption.clone() })
            .collect(),
        services: super::services::view(res).map(|mut v| {
            v.graph = inline_svg(&v.graph);
            if !v.breakdown.is_empty() {
                v.breakdown = inline_svg(&v.breakdown);
            }
            v
        }),
        version,
        style: STYLE,
        check: CHECK,
    };
    page.render().expect("the report template renders from plain data")
}

/// An SVG made to scale with the page: fixed width and height go, the
/// view box stays.
pub(crate) fn inline_svg(svg: &str) -> String {
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

/// An outage in words: "australia-southeast1 down from 10:30 UTC for 20m".
pub fn outage_words(sc: &Scenario, clock: Clock, o: &crate::scenario::Outage) -> String {
    let what = match &o.kind {
        OutageKind::Down => "down".to_string(),
        OutageKind::Errors { rate, status } => format!("failing {} of requests with {status}", pct(*rate)),
        OutageKind::Latency { extra } => format!("{} slower (mean)", ms(extra.mean_ns() / 1e6)),
        OutageKind::Capacity { max_instances } => format!("capped at {max_instances} instances"),
        OutageKind::ColdStart { multiplier } => format!("cold starts ×{multiplier}"),
    };
    let place = sc.outage_place(o);
    format!("{place} {what} from {} for {}", clock.at(o.start_ns as f64 / 1e9), human_duration(o.duration_ns))
}

/// A surge in words: "Tokyo ×3 from 10:30 UTC for 10m".
pub fn surge_words(sc: &Scenario, clock: Clock, s: &crate::scenario::Surge) -> String {
    format!(
        "{} ×{} from {} for {}",
        s.city.map_or("every city", |c| sc.cities[c].name.as_str()),
        super::plots::trim(s.multiplier),
        clock.at(s.start_ns as f64 / 1e9),
        human_duration(s.duration_ns)
    )
}

fn glance(res: &Results) -> Vec<Card> {
    let sc = &res.scenario;
    let clock = res.clock();
    let regions = sc
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let place = r.location.map_or(String::new(), |l| format!(" ({l})"));
            let all = if sc.services_declared { " (all services)" } else { "" };
            format!("{}{} · max {}{all}", r.name, place, sc.region_max_instances(i))
        })
        .collect();
    // The busiest window as measured: cities whose traffic comes from a
    // file have no configured peak, and diurnal peaks do not coincide.
    let w = res.window_s().max(1e-9);
    let peak: f64 =
        res.series_of(ScopeKind::Global, "all").iter().map(|r| r.requests as f64 / w).fold(0.0, f64::max);
    let from_files =
        (0..sc.cities.len()).filter(|&i| sc.curve_of(i).is_some() || sc.replay_of(i).is_some()).count();
    let diurnal = (0..sc.cities.len())
        .filter(|&i| {
            matches!(sc.cities[i].profile, Profile::Diurnal { .. })
                && sc.curve_of(i).is_none()
                && sc.replay_of(i).is_none()
        })
        .count();
    let mut kinds = Vec::new();
    if diurnal > 0 {
        kinds.push(format!("{diurnal} with a daily cycle"));
    }
    if from_files > 0 {
        kinds.push(format!("{from_files} from telemetry files"));
    }
    let mut outages: Vec<String> = sc.outages.iter().map(|o| outage_words(sc, clock, o)).collect();
    outages.extend(sc.dependency_outages.iter().map(|o| {
        let what = match o.kind {
            DependencyOutageKind::Down => "down",
            DependencyOutageKind::Latency { .. } => "slow",
        };
        format!(
            "shared {} {what} from {} for {}",
            sc.dependencies[o.dependency].name,
            clock.at(o.start_ns as f64 / 1e9),
            human_duration(o.duration_ns)
        )
    }));
    let surges: Vec<String> = sc.surges.iter().map(|s| surge_words(sc, clock, s)).collect();
    let none = |v: Vec<String>| if v.is_empty() { vec!["none".to_string()] } else { v };
    let s = &sc.service;
    let od = &sc.load_balancer.outlier;
    vec![
        Card { id: "regions", label: "Regions", lines: regions },
        Card {
            id: "users",
            label: "Users",
            lines: vec![format!(
                "{} cities{}; {} requests/s in the busiest {}",
                count(sc.cities.len() as u64),
                if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) },
                count(peak.round() as u64),
                human_duration((w * 1e9) as u64)
            )],
        },
        Card { id: "outages", label: "Outages", lines: none(outages) },
        Card { id: "surges", label: "Surges", lines: none(surges) },
        if sc.services_declared {
            Card { id: "service", label: "Services", lines: service_lines(sc) }
        } else {
            Card {
                id: "service",
                label: "Service",
                lines: vec![format!(
                    "concurrency {}, {} vCPU, {} GiB, min {} / max {} instances, cold starts {} on average",
                    s.concurrency,
                    s.cpu,
                    s.memory_gib,
                    s.min_instances,
                    s.max_instances,
                    ms(s.cold_start.mean_ns() / 1e6)
                )],
            }
        },
        Card {
            id: "load-balancer",
            label: "Load balancer",
            lines: vec![format!(
                "{}; outlier detection {}; timeout {}{}",
                if sc.load_balancer.routing == Routing::Nearest {
                    "nearest region"
                } else {
                    "nearest, spilling on 429 (what-if)"
                },
                if od.enabled {
                    format!(
                        "ejects after {} gateway failures for {} × times ejected",
                        od.consecutive_gateway_failure,
                        human_duration(od.base_ejection_time_ns)
                    )
                } else {
                    "off".to_string()
                },
                human_duration(sc.load_balancer.timeout_ns),
                if sc.load_balancer.retry.is_some() { ", retry policy on" } else { "" },
            )],
        },
        Card {
            id: "clients",
            label: "Clients",
            lines: vec![format!(
                "timeout {}, {} retries",
                human_duration(sc.client.timeout_ns),
                sc.client.retries
            )],
        },
    ]
}

/// One line per service: where it runs, its cap, and what it calls.
fn service_lines(sc: &Scenario) -> Vec<String> {
    sc.services
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let deps: Vec<_> = sc.deployments.iter().filter(|d| d.service == i).collect();
            let caps: Vec<u32> = deps.iter().map(|d| d.config.max_instances).collect();
            let cap = if caps.iter().all(|&c| c == caps[0]) {
                format!("max {} each", caps[0])
            } else {
                format!("max {}", caps.iter().map(u32::to_string).collect::<Vec<_>>().join("/"))
            };
            let mut calls: Vec<String> = Vec::new();
            for c in &svc.calls {
                let name = sc.services[c.service].name.clone();
                let via = if c.via == crate::scenario::services::Via::LoadBalancer { " via LB" } else { "" };
                let item = format!("{name}{via}");
                match (c.parallel, calls.last_mut()) {
                    (true, Some(last)) if last.ends_with(" ∥") || last.contains(" ∥ ") => {
                        *last = format!("{} ∥ {item}", last.trim_end_matches(" ∥"));
                    }
                    (true, _) => calls.push(format!("{item} ∥")),
                    _ => calls.push(item),
                }
            }
            let calls: Vec<String> =
                calls.into_iter().map(|c| c.trim_end_matches(" ∥").to_string()).collect();
            format!(
                "{} · {} region{} · {cap}{}",
                svc.name,
                deps.len(),
                if deps.len() == 1 { "" } else { "s" },
                if calls.is_empty() { String::new() } else { format!(" · calls {}", calls.join(", then ")) }
            )
        })
        .collect()
}

/// Most cities the summary table shows (the busiest).
pub const TABLE_CITIES: usize = 100;

/// The summary table's columns.
const COLUMNS: [&str; 14] = [
    "scope",
    "name",
    "requests",
    "availability",
    "p50",
    "p99",
    "p99.9",
    "429",
    "5xx",
    "timeouts",
    "instances mean / max",
    "cold starts",
    "cost $",
    "$ per month at this rate",
];

fn table(res: &Results) -> Vec<TableRow> {
    let target = res.scenario.slo.as_ref().and_then(|s| s.availability).unwrap_or(0.999);
    let mut out = Vec::new();
    let mut last: Option<ScopeKind> = None;
    // A table of thousands of cities is no use on a page (20,000 cities once
    // made a 170 MB report): the busiest are shown, the rest are counted.
    let shown: std::collections::HashSet<&str> =
        res.busiest_cities().iter().take(TABLE_CITIES).map(|r| r.name.as_str()).collect();
    let hidden =
        res.summary.iter().filter(|r| r.scope == ScopeKind::City).count().saturating_sub(TABLE_CITIES);
    let group = |text: String| TableRow { group: Some(text), global: false, cells: Vec::new() };
    for r in &res.summary {
        if r.scope == ScopeKind::City && !shown.contains(r.name.as_str()) {
            continue;
        }
        if last == Some(ScopeKind::City) && r.scope != ScopeKind::City && hidden > 0 {
            out.push(group(format!(
                "and {} less busy cities: every city is in summary.csv",
                count(hidden as u64)
            )));
        }
        if last != Some(r.scope) && r.scope != ScopeKind::Global {
            let title = match r.scope {
                ScopeKind::City => "cities",
                ScopeKind::Deployment => "services in regions",
                ScopeKind::Service => "services",
                _ => "regions",
            };
            out.push(group(title.to_string()));
        }
        last = Some(r.scope);
        let cell =
            |x: Option<f64>, f: fn(f64) -> String| Cell { text: x.map_or("–".to_string(), f), bad: false };
        let plain = |text: String| Cell { text, bad: false };
        out.push(TableRow {
            group: None,
            global: r.scope == ScopeKind::Global,
            cells: vec![
                plain(r.scope.as_str().to_string()),
                plain(r.name.clone()),
                plain(count(r.requests)),
                Cell { bad: r.availability.is_some_and(|a| a < target), ..cell(r.availability, pct) },
                cell(r.latency_p50_ms, ms),
                cell(r.latency_p99_ms, ms),
                cell(r.latency_p999_ms, ms),
                plain(count(r.rejected)),
                plain(count(r.errors)),
                plain(count(r.timeouts)),
                plain(match (r.instances_mean, r.instances_max) {
                    (Some(m), Some(x)) => format!("{m:.1} / {x}"),
                    _ => "–".into(),
                }),
                plain(r.cold_starts.map_or("–".into(), |c| c.to_string())),
                plain(r.cost_usd.map_or("–".into(), |c| format!("{c:.2}"))),
                plain(r.cost_month_usd.map_or("–".into(), |m| count(m.round() as u64))),
            ],
        });
    }
    out
}

/// The findings: the few sentences that matter first, the detail after.
/// Emphasised parts are marked with [`b`].
pub struct Findings {
    pub headline: Vec<String>,
    pub details: Vec<String>,
}

/// What a reader should know: the verdict, each outage and surge in one
/// sentence, and the cost first; the detail after.
pub fn findings(res: &Results) -> Findings {
    let mut headline = Vec::new();
    let mut out = Vec::new();
    let sc = &res.scenario;
    let c = res.clock();
    let w = res.window_s();
    let target = sc.slo.as_ref().and_then(|s| s.availability).unwrap_or(0.999);
    let global = res.summary_of(ScopeKind::Global, "all");
    if let Some(g) = global {
        let overall = format!(
            "{} of {} requests were ok ({}); the median user waited {} and the slowest 1 % more than {}.",
            count(g.ok),
            count(g.requests),
            b(&g.availability.map_or("–".into(), pct)),
            g.latency_p50_ms.map_or("–".into(), ms),
            g.latency_p99_ms.map_or("–".into(), ms),
        );
        match &sc.slo {
            Some(slo) => headline.push(format!(
                "{} Overall, {overall}",
                slo_verdict(res, slo.availability, slo.latency_p99_ns)
            )),
            None => headline.push(format!("Overall, {overall}")),
        }
    }
    // The longest dip below the target, and what was going on.
    let mut worst: Option<(String, usize, usize, f64)> = None;
    for city in res.busiest_cities() {
        let s = res.series_of(ScopeKind::City, &city.name);
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
                    worst = Some((city.name.clone(), start, i, low));
                }
            } else {
                i += 1;
            }
        }
    }
    match &worst {
        Some((city, a, e, low)) => {
            let (t0, t1) = (
                res.window_starts[*a],
                res.window_starts.get(*e).copied().unwrap_or(res.window_starts[e - 1] + w),
            );
            out.push(format!(
                "The longest availability dip: {} stayed below {} for {} from {} (lowest {}){}.",
                b(city),
                pct(target),
                span(t1 - t0),
                c.at(t0),
                pct(*low),
                causes(res, t0, t1)
            ));
        }
        None => out.push(format!(
            "No city's availability fell below {} in any {} window.",
            pct(target),
            human_duration(sc.simulation.window_ns)
        )),
    }
    // Each outage in one sentence for the headline; where each city's
    // traffic went, what it cost, when it came back, in the detail.
    for o in &sc.outages {
        let region = &sc.regions[o.region].name;
        let (t0, t1) = (o.start_ns as f64 / 1e9, o.end_ns() as f64 / 1e9);
        let mut moved_to: Vec<String> = Vec::new();
        for city in res.busiest_cities() {
            let before = share_during(res, &city.name, region, t0 - 5.0 * w, t0);
            if before < 0.5 {
                continue;
            }
            let during = share_during(res, &city.name, region, t0 + w, t1);
            if during > before - 0.2 {
                continue;
            }
            let to = main_region_during(res, &city.name, t0 + w, t1).unwrap_or_default();
            if !moved_to.contains(&to) {
                moved_to.push(to.clone());
            }
            let p50 = |a: f64, e: f64| mean_of(res, &city.name, a, e, |r| r.latency_p50_ms);
            let edge =
                sc.cities.iter().find(|x| x.name == city.name).map(|x| &sc.edge_locations[x.edge].name);
            let back = res
                .ejections
                .iter()
                .filter(|e| Some(&e.1) == edge && &e.2 == region && e.3.is_none() && e.0 >= t1)
                .map(|e| e.0)
                .next();
            out.push(format!(
                "During {region}'s outage ({}), {}'s traffic moved to {to} ({} of it), and its median latency went from {} to {}{}.",
                c.between(t0, t1),
                b(&city.name),
                share(1.0 - during),
                p50(t0 - 5.0 * w, t0).map_or("–".into(), ms),
                p50(t0 + w, t1).map_or("–".into(), ms),
                match back {
                    Some(t) if t > t1 && sc.load_balancer.health.enabled => format!(
                        "; it came back at {}, {} after the region recovered, when the load balancer saw the region healthy again",
                        c.at(t),
                        span(t - t1)
                    ),
                    Some(t) if t > t1 => format!(
                        "; it came back at {}, {} after the region recovered, when the ejections at its edge ran out",
                        c.at(t),
                        span(t - t1)
                    ),
                    Some(t) => format!("; it came back at {}", c.at(t)),
                    None => String::new(),
                }
            ));
        }
        headline.push(format!(
            "{}{}{}.",
            b(&outage_words(sc, c, o)),
            if moved_to.is_empty() {
                String::new()
            } else {
                format!(": its users moved to {}", and_list(&moved_to))
            },
            impact(res, t0, t1, target),
        ));
    }
    for o in &sc.dependency_outages {
        let (t0, t1) = (o.start_ns as f64 / 1e9, o.end_ns() as f64 / 1e9);
        let what = match o.kind {
            DependencyOutageKind::Down => "down",
            DependencyOutageKind::Latency { .. } => "slow",
        };
        headline.push(format!(
            "{}{}.",
            b(&format!(
                "The shared {} {what} from {} for {}",
                sc.dependencies[o.dependency].name,
                c.at(t0),
                human_duration(o.duration_ns)
            )),
            impact(res, t0, t1, target),
        ));
    }
    for s in &sc.surges {
        let (t0, t1) = (s.start_ns as f64 / 1e9, (s.start_ns + s.duration_ns) as f64 / 1e9);
        let peak = res
            .series_of(ScopeKind::Global, "all")
            .iter()
            .zip(&res.window_starts)
            .filter(|(_, t)| **t + w > t0 && **t < t1)
            .map(|(r, _)| r.requests as f64 / w)
            .fold(0.0, f64::max);
        headline.push(format!(
            "{}: global traffic peaked at {} requests/s{}.",
            b(&format!("Surge of {}", surge_words(sc, c, s))),
            count(peak.round() as u64),
            impact(res, t0, t1, target),
        ));
    }
    // What an outage of one service did to its callers, and whether the
    // load balancer could route around it.
    out.extend(super::services::findings(res));
    // Regions (services in regions) at their cap, and what it cost.
    for (kind, name, cap) in super::results::capped(sc) {
        let s = res.series_of(kind, &name);
        let cap = u64::from(cap);
        let at_cap: Vec<usize> =
            (0..s.len()).filter(|&i| s[i].instances_max.is_some_and(|m| m >= cap)).collect();
        if let Some(&first) = at_cap.first() {
            let rejected: u64 = s.iter().map(|x| x.rejected).sum();
            let timeouts: u64 = s.iter().map(|x| x.timeouts).sum();
            let t = res.window_starts[first];
            out.push(format!(
                "{} reached its max_instances ({cap}) at {}{} and was there in windows totalling {}; it turned away {} requests with 429{}.",
                b(&name),
                c.at(t),
                during_what(res, t),
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
                let n = row.cold_starts.unwrap_or(0);
                total += n;
                let t = res.window_starts[i];
                let in_outage = sc
                    .outages
                    .iter()
                    .any(|o| t + w > o.start_ns as f64 / 1e9 && t < o.end_ns() as f64 / 1e9 + 5.0 * w);
                if in_outage {
                    during += n;
                }
            }
        }
        out.push(format!(
            "{during} of the run's {total} cold starts came during an outage or in the five windows after it: the failover's price in cold starts."
        ));
    }
    // The worst p99.
    if let Some(city) = res
        .summary
        .iter()
        .filter(|r| r.scope == ScopeKind::City)
        .max_by(|x, y| x.latency_p99_ms.unwrap_or(0.0).total_cmp(&y.latency_p99_ms.unwrap_or(0.0)))
    {
        out.push(format!(
            "The worst p99 was {}'s: {} (median {}).",
            b(&city.name),
            city.latency_p99_ms.map_or("–".into(), ms),
            city.latency_p50_ms.map_or("–".into(), ms)
        ));
    }
    if let Some(slo) = &sc.slo {
        out.push(slo_sentence(res, slo.availability, slo.latency_p99_ns));
    }
    // What it cost, and what that would be over a month.
    if let Some((cost, month)) = global.and_then(|g| g.cost_usd.zip(g.cost_month_usd)) {
        let regions: f64 =
            res.summary.iter().filter(|r| r.scope == ScopeKind::Region).filter_map(|r| r.cost_usd).sum();
        headline.push(format!(
            "The {} measured cost {} at list prices: {} a month at this rate.",
            span(sc.simulation.duration_ns.saturating_sub(sc.simulation.warmup_ns) as f64 / 1e9),
            b(&format!("${cost:.2}")),
            b(&format!("${}", count(month.round() as u64))),
        ));
        out.push(format!(
            "Of the ${cost:.2}, Cloud Run was ${regions:.2} and the load balancer ${:.2}.",
            (cost - regions).max(0.0),
        ));
    }
    Findings { headline, details: out }
}

fn window_word(res: &Results) -> String {
    human_duration(res.scenario.simulation.window_ns)
}

/// "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a disruption over `[t0, t1)` did, as the end of a headline
/// sentence: the worst city's lowest window (or that every city kept the
/// target, watched until five windows after the end), and the regions
/// that reached max_instances meanwhile.
fn impact(res: &Results, t0: f64, t1: f64, target: f64) -> String {
    let w = res.window_s();
    let worst = match lowest_city_during(res, t0, t1 + 5.0 * w) {
        Some((city, a)) if a < target => {
            format!("; the worst city, {city}, fell to {} in a {} window", pct(a), window_word(res))
        }
        _ => format!("; every city stayed at or above {}", pct(target)),
    };
    let capped = regions_at_cap_during(res, t0, t1);
    if capped.is_empty() {
        worst
    } else {
        format!("{worst}, and {} reached max_instances", and_list(&capped))
    }
}

/// The city whose availability fell lowest in a window overlapping `[t0, t1)`.
fn lowest_city_during(res: &Results, t0: f64, t1: f64) -> Option<(String, f64)> {
    let w = res.window_s();
    let mut low: Option<(String, f64)> = None;
    for city in res.busiest_cities() {
        for (r, t) in res.series_of(ScopeKind::City, &city.name).iter().zip(&res.window_starts) {
            if let Some(a) = r.availability.filter(|_| *t + w > t0 && *t < t1)
                && low.as_ref().is_none_or(|(_, l)| a < *l)
            {
                low = Some((city.name.clone(), a));
            }
        }
    }
    low
}

/// Regions at their `max_instances` in a window overlapping `[t0, t1)`.
fn regions_at_cap_during(res: &Results, t0: f64, t1: f64) -> Vec<String> {
    let w = res.window_s();
    super::results::capped(&res.scenario)
        .into_iter()
        .filter(|(kind, name, cap)| {
            res.series_of(*kind, name)
                .iter()
                .zip(&res.window_starts)
                .any(|(x, t)| *t + w > t0 && *t < t1 && x.instances_max.is_some_and(|m| m >= u64::from(*cap)))
        })
        .map(|(_, name, _)| name)
        .collect()
}

/// ", during X's outage" or ", during the surge of Tokyo ×3" when `t`
/// falls in one (the first found), else nothing.
fn during_what(res: &Results, t: f64) -> String {
    let sc = &res.scenario;
    let w = res.window_s();
    for o in &sc.outages {
        if t + w > o.start_ns as f64 / 1e9 && t < o.end_ns() as f64 / 1e9 {
            return format!(", during {}'s outage", sc.regions[o.region].name);
        }
    }
    for s in &sc.surges {
        if t + w > s.start_ns as f64 / 1e9 && t < (s.start_ns + s.duration_ns) as f64 / 1e9 {
            let who = s.city.map_or("every city", |c| sc.cities[c].name.as_str());
            return format!(", during the surge of {who} ×{}", super::plots::trim(s.multiplier));
        }
    }
    String::new()
}

/// The SLO's verdict in one sentence.
fn slo_verdict(res: &Results, availability: Option<f64>, p99_ns: Option<u64>) -> String {
    let g = res.series_of(ScopeKind::Global, "all");
    let mut missed = 0;
    for r in g {
        let a_ok = availability.is_none_or(|a| r.availability.is_none_or(|x| x >= a));
        let p_ok = p99_ns.is_none_or(|p| r.latency_p99_ms.is_none_or(|x| x <= p as f64 / 1e6));
        if !(a_ok && p_ok) {
            missed += 1;
        }
    }
    if missed == 0 {
        format!("The SLO was {} in every one of the {} windows.", b("met"), g.len())
    } else {
        format!("The SLO was {} in {missed} of {} windows.", b("missed"), g.len())
    }
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
        .map(|o| format!("{} was {}", sc.outage_place(o), o.kind.name()))
        .collect();
    for s in &sc.surges {
        let (a, e) = (s.start_ns as f64 / 1e9, (s.start_ns + s.duration_ns) as f64 / 1e9);
        if a < t1 && e + 10.0 * res.window_s() > t0 {
            let who = s.city.map_or("every city", |c| sc.cities[c].name.as_str());
            why.push(format!("a surge of {who} ×{} was on", super::plots::trim(s.multiplier)));
        }
    }
    for o in &sc.dependency_outages {
        if (o.start_ns as f64 / 1e9) < t1 && (o.end_ns() as f64 / 1e9) + 10.0 * res.window_s() > t0 {
            let what = match o.kind {
                DependencyOutageKind::Down => "down",
                DependencyOutageKind::Latency { .. } => "slow",
            };
            why.push(format!("the shared {} was {what}", sc.dependencies[o.dependency].name));
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
            why.push(format!("{} turned away {} requests with 429", r.name, count(rejected)));
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
    fn findings_mark_emphasis_and_the_page_escapes_names() {
        let s = Sentence::from(format!("During the outage, {}'s traffic moved.", b("<Tokyo>")));
        assert_eq!(s.parts.len(), 3);
        assert!(s.parts[1].strong && s.parts[1].text == "<Tokyo>");
        assert_eq!(s.plain(), "During the outage, <Tokyo>'s traffic moved.");
        assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
