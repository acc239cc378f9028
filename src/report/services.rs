//! The service view of a run with several services (`[[service]]`): the
//! call graph, with each edge's rate and failures, and where the latency
//! of a user's request is spent, by service. Drawn as inline SVG from the
//! run's files (`summary.csv`, `calls.csv`, `services.csv`).

use super::html::{and_list, b};
use super::results::{CallTotal, Results};
use crate::format::{count, ms, pct};
use crate::metrics::ScopeKind;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The view's two drawings, with their captions.
pub struct ServiceView {
    pub graph: String,
    pub graph_caption: String,
    pub breakdown: String,
    pub breakdown_caption: String,
}

/// Service colours: one blue-grey ramp, dark to light, so that no service
/// takes a region's colour (regions keep theirs on every chart).
const RAMP: [&str; 8] =
    ["#243047", "#3d4f70", "#566d93", "#7088ad", "#8ea2c2", "#aebdd6", "#c9d3e6", "#e1e7f1"];
/// The users' own legs (access, the edge, the backbone).
const NETWORK: &str = "#d4d4d9";
const INK: &str = "#28282f";
const MUTED: &str = "#6b6b76";
const BAD: &str = "#b3261e";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The calls between two services, summed over their `[[service.call]]`s.
#[derive(Clone, Default)]
struct Edge {
    calls: u64,
    ok: u64,
    through_lb: bool,
}

/// What the view needs from a run.
struct Graph<'a> {
    names: Vec<&'a str>,
    /// Requests each service answered (users' and calls), ok ones, and users'.
    requests: Vec<u64>,
    ok: Vec<u64>,
    users: Vec<u64>,
    users_failed: Vec<u64>,
    edges: BTreeMap<(usize, usize), Edge>,
    span_s: f64,
}

fn graph(res: &Results) -> Graph<'_> {
    let sc = &res.scenario;
    let names: Vec<&str> = sc.services.iter().map(|s| s.name.as_str()).collect();
    let at = |n: &str| names.iter().position(|x| *x == n);
    let row = |n: &str| res.summary_of(ScopeKind::Service, n);
    let requests: Vec<u64> = names.iter().map(|n| row(n).map_or(0, |r| r.requests)).collect();
    let ok: Vec<u64> = names.iter().map(|n| row(n).map_or(0, |r| r.ok)).collect();
    let mut edges: BTreeMap<(usize, usize), Edge> = BTreeMap::new();
    let mut into = vec![(0u64, 0u64); names.len()];
    for c in &res.calls {
        let (Some(a), Some(b)) = (at(&c.caller), at(&c.callee)) else { continue };
        let e = edges.entry((a, b)).or_default();
        e.calls += c.calls;
        e.ok += c.ok;
        e.through_lb |= c.via == "load-balancer";
        into[b].0 += c.calls;
        into[b].1 += c.ok;
    }
    // A service's rows count its users' requests and the calls to it.
    let users: Vec<u64> = (0..names.len()).map(|s| requests[s].saturating_sub(into[s].0)).collect();
    let users_failed: Vec<u64> = (0..names.len())
        .map(|s| (requests[s] - ok[s].min(requests[s])).saturating_sub(into[s].0 - into[s].1))
        .collect();
    let span_s = (sc.simulation.duration_ns.saturating_sub(sc.simulation.warmup_ns) as f64 / 1e9).max(1e-9);
    Graph { names, requests, ok, users, users_failed, edges, span_s }
}

/// Each service's column: the users are column 0; a service no one calls
/// is in column 1, a callee one right of its furthest caller.
fn depths(n: usize, edges: &BTreeMap<(usize, usize), Edge>) -> Vec<usize> {
    let mut depth = vec![1; n];
    // Calls form no cycle, so n passes settle every depth.
    for _ in 0..n {
        for &(a, b) in edges.keys() {
            depth[b] = depth[b].max(depth[a] + 1);
        }
    }
    depth
}

fn rate(n: u64, span_s: f64) -> String {
    let r = n as f64 / span_s;
    if r >= 100.0 { format!("{}/s", count(r.round() as u64)) } else { format!("{r:.1}/s") }
}

/// An arrow of the call graph: between two boxes (`usize::MAX`: the
/// users'), its label, whether some of its requests failed, and whether
/// it goes through the load balancer.
struct Arrow {
    from: usize,
    to: usize,
    label: String,
    bad: bool,
    dashed: bool,
}

/// The call graph: users and services as boxes in columns by call depth,
/// each arrow labelled with its rate and its failed share.
fn draw_graph(g: &Graph<'_>) -> String {
    let n = g.names.len();
    let depth = depths(n, &g.edges);
    let columns = depth.iter().copied().max().unwrap_or(1) + 1;
    let mut by_col: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for s in 0..n {
        by_col[depth[s]].push(s);
    }
    let rows = by_col.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let (bw, bh, pitch_y) = (176.0, 58.0, 96.0);
    let width = 1000.0_f64;
    let pitch_x = ((width - 40.0 - bw) / (columns - 1).max(1) as f64).min(300.0);
    let height = 40.0 + rows as f64 * pitch_y;
    let place = |col: usize, i: usize, k: usize| -> (f64, f64) {
        let x = 20.0 + col as f64 * pitch_x;
        let top = (height - k as f64 * pitch_y) / 2.0;
        (x, top + i as f64 * pitch_y + (pitch_y - bh) / 2.0)
    };
    let mut pos = vec![(0.0, 0.0); n];
    for (col, members) in by_col.iter().enumerate().skip(1) {
        for (i, &s) in members.iter().enumerate() {
            pos[s] = place(col, i, members.len());
        }
    }
    let users = place(0, 0, 1);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs><rect width="100%" height="100%" fill="#fff"/>"##
    );
    // Every arrow, as (from, to, label, failed, through the load
    // balancer); `usize::MAX` is the users' box.
    let users_box = usize::MAX;
    let mut arrows: Vec<Arrow> = Vec::new();
    for s in 0..n {
        if g.users[s] > 0 {
            let failed = g.users_failed[s];
            let mut label = rate(g.users[s], g.span_s);
            if failed > 0 {
                label += &format!(" · {} failed", pct(failed as f64 / g.users[s] as f64));
            }
            arrows.push(Arrow { from: users_box, to: s, label, bad: failed > 0, dashed: false });
        }
    }
    for (&(a, b), e) in &g.edges {
        let failed = e.calls - e.ok;
        let mut label = rate(e.calls, g.span_s);
        if failed > 0 {
            label += &format!(" · {} failed", pct(failed as f64 / e.calls.max(1) as f64));
        }
        if e.through_lb {
            label += " · via LB";
        }
        arrows.push(Arrow { from: a, to: b, label, bad: failed > 0, dashed: e.through_lb });
    }
    let at = |i: usize| if i == users_box { users } else { pos[i] };
    // Arrows leave and enter a box at evenly spread heights, in the order
    // of the other end's height, so that they and their labels part.
    let spread = |box_: usize, k: usize, of: &[usize]| -> f64 {
        let i = of.iter().position(|&x| x == k).unwrap_or(0);
        at(box_).1 + bh * (i + 1) as f64 / (of.len() + 1) as f64
    };
    let ends = |pick: fn(&Arrow) -> (usize, usize)| -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
        let mut order: Vec<usize> = (0..arrows.len()).collect();
        order.sort_by(|&x, &y| {
            let (ox, oy) = (pick(&arrows[x]).1, pick(&arrows[y]).1);
            at(ox).1.total_cmp(&at(oy).1).then(ox.cmp(&oy))
        });
        for k in order {
            let (this, _) = pick(&arrows[k]);
            out[if this == users_box { n } else { this }].push(k);
        }
        out
    };
    let outgoing = ends(|a| (a.from, a.to));
    let incoming = ends(|a| (a.to, a.from));
    let slot = |b: usize| if b == users_box { n } else { b };
    let mut labels = String::new();
    for (k, Arrow { from: a, to: b, label, bad, dashed }) in arrows.iter().enumerate() {
        let (x1, y1) = (at(*a).0 + bw, spread(*a, k, &outgoing[slot(*a)]));
        let (x2, y2) = (at(*b).0 - 2.0, spread(*b, k, &incoming[slot(*b)]));
        let color = if *bad { BAD } else { MUTED };
        let dash = if *dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = write!(
            svg,
            r#"<path d="M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}" fill="none" stroke="{color}" stroke-width="1.6"{dash} marker-end="url(#arrow)"/>"#,
            (x1 + x2) / 2.0,
            (x1 + x2) / 2.0
        );
        // Labels are drawn last, over the boxes and lines, near the
        // arrow's head, where arrows from one box have parted.
        let _ = write!(
            labels,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{color}" stroke="#fff" stroke-width="4" paint-order="stroke" font-size="12">{}</text>"##,
            x2 - 10.0,
            y2 - 4.0,
            esc(label)
        );
    }
    let total_users: u64 = g.users.iter().sum();
    let node = |svg: &mut String, (x, y): (f64, f64), title: &str, line: &str, bad: bool| {
        let stroke = if bad { BAD } else { INK };
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bw}" height="{bh}" rx="6" fill="#f3f4f7" stroke="{stroke}" stroke-width="1.4"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="600" fill="{INK}">{}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{}">{}</text>"##,
            x + bw / 2.0,
            y + 23.0,
            esc(title),
            x + bw / 2.0,
            y + 43.0,
            if bad { BAD } else { MUTED },
            esc(line)
        );
    };
    node(&mut svg, users, "users", &rate(total_users, g.span_s), false);
    for (s, &at) in pos.iter().enumerate() {
        let avail = if g.requests[s] > 0 { g.ok[s] as f64 / g.requests[s] as f64 } else { 1.0 };
        let line = format!("{} · {} ok", rate(g.requests[s], g.span_s), pct(avail));
        node(&mut svg, at, g.names[s], &line, g.ok[s] < g.requests[s]);
    }
    svg.push_str(&labels);
    svg.push_str("</svg>");
    svg
}

/// A bar of the breakdown: the users' legs, each service's part (by
/// index), and the hops between services, in ms.
type Bar = (f64, Vec<(usize, f64)>, f64);

/// The mean latency of users' ok requests to `entry`, split by where it
/// is spent: the users' own legs, then each service, recursively down the
/// calls. A service's time splits into its own work and its wait for its
/// calls in the proportion `services.csv` measured; a wait splits over
/// the calls by each one's mean calls per request times mean latency
/// (consecutive parallel calls: the slowest's share, shared among them by
/// the same weights); each call's share splits into the hop between
/// services and the callee's own time, in the proportion of the callee's
/// mean time to the call's mean latency. The parts add up to the measured
/// mean exactly; the split is by means, not per request.
fn breakdown(res: &Results, g: &Graph<'_>, entry: usize) -> Option<Bar> {
    let t = res.service_times.get(g.names[entry])?;
    let total = t.user_latency_mean_ms?;
    let at_service = t.user_at_service_mean_ms?.min(total);
    let mut parts: Vec<(usize, f64)> = Vec::new();
    let mut hops = 0.0;
    split(res, g, entry, at_service, &mut parts, &mut hops, 0);
    Some((total - at_service, parts, hops))
}

fn split(
    res: &Results,
    g: &Graph<'_>,
    s: usize,
    time: f64,
    parts: &mut Vec<(usize, f64)>,
    hops: &mut f64,
    depth: usize,
) {
    let Some(t) = res.service_times.get(g.names[s]) else { return };
    let (own, wait) = (t.self_mean_ms.unwrap_or(0.0), t.waiting_mean_ms.unwrap_or(0.0));
    let own_share = if own + wait > 0.0 { own / (own + wait) } else { 1.0 };
    add(parts, s, time * own_share);
    let waiting = time - time * own_share;
    if waiting <= 0.0 || depth > 64 {
        return;
    }
    // The service's calls in order, grouped as the model makes them.
    let sc = &res.scenario;
    let calls: Vec<(&CallTotal, bool)> = {
        let mine: Vec<&CallTotal> = res.calls.iter().filter(|c| c.caller == g.names[s]).collect();
        mine.into_iter().zip(sc.services[s].calls.iter().map(|c| c.parallel)).collect()
    };
    let jobs = t.jobs.max(1) as f64;
    let weight = |c: &CallTotal| c.calls as f64 / jobs * c.latency_mean_ms.unwrap_or(0.0);
    let mut groups: Vec<(f64, Vec<(&CallTotal, f64)>)> = Vec::new();
    let mut i = 0;
    while i < calls.len() {
        let mut j = i + 1;
        if calls[i].1 {
            while j < calls.len() && calls[j].1 {
                j += 1;
            }
        }
        let members: Vec<(&CallTotal, f64)> = calls[i..j].iter().map(|(c, _)| (*c, weight(c))).collect();
        let group = members.iter().map(|m| m.1).fold(0.0, f64::max);
        groups.push((group, members));
        i = j;
    }
    let sum: f64 = groups.iter().map(|g| g.0).sum();
    if sum <= 0.0 {
        add(parts, s, waiting);
        return;
    }
    for (group, members) in groups {
        let share = waiting * group / sum;
        let inside: f64 = members.iter().map(|m| m.1).sum();
        for (c, w) in members {
            let part = if inside > 0.0 { share * w / inside } else { 0.0 };
            let Some(callee) = g.names.iter().position(|n| *n == c.callee) else { continue };
            let latency = c.latency_mean_ms.unwrap_or(0.0);
            let at_callee = res
                .service_times
                .get(&c.callee)
                .map_or(0.0, |t| t.self_mean_ms.unwrap_or(0.0) + t.waiting_mean_ms.unwrap_or(0.0));
            let there = if latency > 0.0 { (at_callee / latency).min(1.0) } else { 1.0 };
            *hops += part * (1.0 - there);
            split(res, g, callee, part * there, parts, hops, depth + 1);
        }
    }
}

fn add(parts: &mut Vec<(usize, f64)>, s: usize, x: f64) {
    match parts.iter_mut().find(|p| p.0 == s) {
        Some(p) => p.1 += x,
        None => parts.push((s, x)),
    }
}

/// One stacked bar per service users call, with a legend.
fn draw_breakdown(res: &Results, g: &Graph<'_>) -> Option<String> {
    let entries: Vec<usize> = (0..g.names.len()).filter(|&s| g.users[s] > 0).collect();
    let bars: Vec<(usize, Bar)> =
        entries.iter().filter_map(|&s| breakdown(res, g, s).map(|b| (s, b))).collect();
    if bars.is_empty() {
        return None;
    }
    let longest = bars
        .iter()
        .map(|(_, (net, parts, hops))| net + hops + parts.iter().map(|p| p.1).sum::<f64>())
        .fold(1e-9, f64::max);
    let (width, left, right, row_h, top) = (1000.0, 150.0, 90.0, 40.0, 64.0);
    let height = top + bars.len() as f64 * row_h + 16.0;
    let scale = (width - left - right) / longest;
    let colour = |s: usize| RAMP[s % RAMP.len()];
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="#fff"/>"##
    );
    // Legend: the users' legs, the hops between services, then each service.
    let mut x = left;
    let mut key = |svg: &mut String, fill: &str, label: &str| {
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="14" width="14" height="14" fill="{fill}" stroke="{INK}" stroke-width="0.5"/><text x="{:.1}" y="26" fill="{INK}">{}</text>"#,
            x + 19.0,
            esc(label)
        );
        x += 34.0 + 7.2 * label.chars().count() as f64;
        if x > width - 120.0 {
            x = left;
        }
    };
    key(&mut svg, NETWORK, "users' network and edge");
    key(&mut svg, "#fff", "between services");
    for s in 0..g.names.len() {
        key(&mut svg, colour(s), g.names[s]);
    }
    for (row, (entry, (net, parts, hops))) in bars.iter().enumerate() {
        let y = top + row as f64 * row_h;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-weight="600" fill="{INK}">{}</text>"#,
            left - 10.0,
            y + 19.0,
            esc(g.names[*entry])
        );
        let mut x = left;
        let mut seg = |svg: &mut String, w_ms: f64, fill: &str, text: &str| {
            let w = w_ms * scale;
            if w <= 0.0 {
                return;
            }
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="26" fill="{fill}" stroke="{INK}" stroke-width="0.5"><title>{}</title></rect>"#,
                esc(&format!("{text}: {}", ms(w_ms)))
            );
            if w > 44.0 {
                let dark = fill == RAMP[0] || fill == RAMP[1] || fill == RAMP[2] || fill == RAMP[3];
                let _ = write!(
                    svg,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{}" font-size="12">{}</text>"#,
                    x + w / 2.0,
                    y + 17.5,
                    if dark { "#fff" } else { INK },
                    esc(&ms(w_ms))
                );
            }
            x += w;
        };
        seg(&mut svg, *net, NETWORK, "users' network and edge");
        for &(s, v) in parts {
            seg(&mut svg, v, colour(s), g.names[s]);
        }
        seg(&mut svg, *hops, "#fff", "between services (hops, retries)");
        let total = net + hops + parts.iter().map(|p| p.1).sum::<f64>();
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" fill="{INK}">{}</text>"#,
            x + 8.0,
            y + 18.0,
            esc(&ms(total))
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// Sum of `get` over the windows of `scope`/`name` that overlap `[t0, t1)`.
fn during(
    res: &Results,
    scope: ScopeKind,
    name: &str,
    t0: f64,
    t1: f64,
    get: fn(&crate::metrics::Row) -> u64,
) -> u64 {
    let w = res.window_s();
    res.series_of(scope, name)
        .iter()
        .zip(&res.window_starts)
        .filter(|(_, t)| **t + w > t0 && **t < t1)
        .map(|(r, _)| get(r))
        .sum()
}

/// What an outage of one service in one region did to the services that
/// call it, and whether the load balancer could route around it: a
/// sentence per outage that names a service.
pub fn findings(res: &Results) -> Vec<String> {
    let sc = &res.scenario;
    let mut out = Vec::new();
    let clock = res.clock();
    let w = res.window_s();
    for o in sc.outages.iter().filter(|o| o.service.is_some()) {
        let (Some(s), r) = (o.service, o.region) else { continue };
        let (t0, t1) = (o.start_ns as f64 / 1e9, o.end_ns() as f64 / 1e9 + w);
        let region = &sc.regions[r].name;
        let failed = format!("{}@{region}", sc.services[s].name);
        let fails = |r: &crate::metrics::Row| r.errors + r.rejected + r.timeouts;
        let mut cities: Vec<(u64, &str)> = sc
            .cities
            .iter()
            .map(|c| (during(res, ScopeKind::City, &c.name, t0, t1, fails), c.name.as_str()))
            .filter(|(n, _)| *n > 0)
            .collect();
        cities.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let users = if cities.is_empty() {
            "no user saw an error".to_string()
        } else {
            let mut named: Vec<String> =
                cities.iter().take(4).map(|(n, c)| format!("{} ({})", b(c), count(*n))).collect();
            if cities.len() > 4 {
                named.push(format!("{} more cities", cities.len() - 4));
            }
            format!("users in {} saw failed requests", and_list(&named))
        };
        let mut sentence = format!(
            "{} from {}: {users}.",
            b(&format!("{} down in {region}", sc.services[s].name)),
            clock.at(o.start_ns as f64 / 1e9)
        );
        let mut told: Vec<usize> = Vec::new();
        for (caller, _, call) in sc.calls().filter(|(_, _, c)| c.service == s) {
            // One sentence per caller, however many of its calls go there.
            if told.contains(&caller) {
                continue;
            }
            told.push(caller);
            let name = &sc.services[caller].name;
            let here = format!("{name}@{region}");
            if !sc.deployments.iter().any(|d| d.name == here) {
                continue;
            }
            let errors = during(res, ScopeKind::Deployment, &here, t0, t1, fails);
            let ejected_caller =
                res.ejections.iter().any(|e| e.2 == here && e.3.is_some() && e.0 >= t0 && e.0 < t1);
            let ejected_callee =
                res.ejections.iter().filter(|e| e.2 == failed && e.3.is_some() && e.0 >= t0 && e.0 < t1);
            match call.via {
                crate::scenario::services::Via::Direct if errors > 0 && !ejected_caller => sentence.push_str(&format!(
                    " The load balancer {}: {name} calls {} directly in its own region, so {here} stayed up and answered {} requests with errors, which outlier detection does not eject for (only gateway failures count by default), and users kept being sent there. Calling {} through the load balancer (via = \"load-balancer\") would let the edge in {region} eject {failed} and send the calls to another region.",
                    b("could not route around it"),
                    sc.services[s].name,
                    count(errors),
                    sc.services[s].name,
                )),
                crate::scenario::services::Via::Direct if ejected_caller => sentence.push_str(&format!(
                    " Edges ejected {here} itself (its errors counted for outlier detection), moving its users to another region's {name}."
                )),
                crate::scenario::services::Via::LoadBalancer => {
                    let first = ejected_callee.map(|e| e.0).fold(f64::INFINITY, f64::min);
                    if first.is_finite() {
                        sentence.push_str(&format!(
                            " {name} calls it through the load balancer: the edge in {region} ejected {failed} from {} and sent the calls to the next region; {here} answered {} requests with errors.",
                            clock.at(first),
                            count(errors)
                        ));
                    } else {
                        sentence.push_str(&format!(
                            " {name} calls it through the load balancer, but no edge ejected {failed}; {here} answered {} requests with errors.",
                            count(errors)
                        ));
                    }
                }
                _ => {}
            }
        }
        out.push(sentence);
    }
    out
}

/// The service view, for a run with `[[service]]`.
pub fn view(res: &Results) -> Option<ServiceView> {
    if !res.scenario.services_declared {
        return None;
    }
    let g = graph(res);
    let graph_svg = draw_graph(&g);
    let breakdown = draw_breakdown(res, &g).unwrap_or_default();
    Some(ServiceView {
        graph: graph_svg,
        graph_caption: "Services and the calls between them over the run: each arrow's rate and the share that failed (after the caller's retries); dashed arrows go through the load balancer; a red box answered some requests with an error. The users' arrows count the requests that reached a service: those the edge answered itself (Cloud CDN hits, Cloud Armor blocks) are not on them.".into(),
        breakdown,
        breakdown_caption: "Where the mean latency of a user's ok request to each service is spent: the user's own legs (access, edge, backbone), each service's own work, and the hops between services. A service's wait for its calls is split over them by their mean time (parallel calls: the slowest's share), from services.csv and calls.csv: a split of means, not of each request.".into(),
    })
}
