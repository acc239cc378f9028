//! `report.html` of a plan: the findings in sentences, the plan as a
//! table, and the failure matrix as heat maps (cases by places, the SLO met,
//! marginal or missed), at the current capacity and with the plan.

use super::{Evaluation, Outcome, Plan, Verdict, output::setting_name};
use crate::format::{count, ms, pct, share, span};
use crate::report::html::{CHECK, STYLE};
use crate::scenario::plan::Knob;
use askama::Template;

fn usd(x: f64) -> String {
    format!("${}", count(x.round().max(0.0) as u64))
}

/// The SLO in words: "availability 99.9 % and p99 500 ms".
pub fn slo_words(plan: &Plan) -> String {
    let mut parts = Vec::new();
    if let Some(a) = plan.slo.availability {
        parts.push(format!("availability {}", pct(a)));
    }
    if let Some(ns) = plan.slo.latency_p99_ns {
        parts.push(format!("p99 {}", ms(ns as f64 / 1e6)));
    }
    parts.join(" and ")
}

/// A UTC time of day in a sentence, as run reports write it ("19:43 UTC").
fn hhmm(s: u32) -> String {
    crate::format::Clock { start_utc_s: Some(s) }.at(0.0)
}

/// The place a case fares worst in, in words: "Tokyo: availability 97.1 %, p99 820 ms".
fn worst_words(plan: &Plan, e: &Evaluation) -> String {
    let p = e.worst_place();
    let place = &e.places[p];
    let name = if p == 0 { "all users".to_string() } else { plan.scenario.cities[p - 1].name.clone() };
    let mut bits = Vec::new();
    if let Some((a, _)) = place.availability {
        bits.push(format!("availability {}", pct(a)));
    }
    if let Some((l, _)) = place.p99_ms {
        bits.push(format!("p99 {}", ms(l)));
    }
    format!("{name}: {}", bits.join(", "))
}

/// The findings: a headline and details, in sentences.
pub fn findings(plan: &Plan, o: &Outcome) -> (Vec<String>, Vec<String>) {
    let mut headline = Vec::new();
    let mut details = Vec::new();
    let level = format!("{:.0} %", plan.spec().confidence * 100.0);
    let n = plan.cases.len();
    let cost_now = plan.capacity_cost(&plan.current());
    let cost_plan = plan.capacity_cost(&o.capacity);
    let missed_now: Vec<usize> = (0..n).filter(|&c| o.current[c].verdict() != Verdict::Met).collect();
    let changes: Vec<String> = o
        .settings
        .iter()
        .map(|s| {
            format!(
                "{} {} {}{}",
                plan.scenario.regions[s.setting.region].name,
                s.setting.knob.name(),
                s.recommended,
                if s.recommended == s.current {
                    " (as now)".to_string()
                } else {
                    format!(" (now {})", s.current)
                }
            )
        })
        .collect();
    if plan.settings.is_empty() {
        headline.push(format!(
            "At the current capacity, {} of {n} cases meet the SLO ({}) at {level} confidence.",
            n - missed_now.len(),
            slo_words(plan)
        ));
    } else if o.infeasible.len() == n {
        headline.push(format!(
            "No capacity within the ranges meets the SLO ({}) in any case, even at the top of every range: widen the ranges (plan.max_instances.to) or look at what fails (the matrix below).",
            slo_words(plan)
        ));
    } else {
        let judged: Vec<usize> = (0..n).filter(|c| !o.infeasible.contains(c)).collect();
        let missed_plan: Vec<usize> =
            judged.iter().copied().filter(|&c| o.planned[c].verdict() != Verdict::Met).collect();
        let which = if o.infeasible.is_empty() {
            format!("every one of the {n} cases")
        } else {
            format!("{} of the {n} cases", judged.len())
        };
        if missed_plan.is_empty() {
            headline.push(format!(
                "With {}, {which} meets the SLO ({}) at {level} confidence, on fresh seeds.",
                changes.join(", "),
                slo_words(plan)
            ));
        } else {
            let words: Vec<String> = missed_plan
                .iter()
                .map(|&c| {
                    format!("\u{201c}{}\u{201d} ({})", plan.cases[c].name, o.planned[c].verdict().word())
                })
                .collect();
            headline.push(format!(
                "The plan found ({}) is not confirmed on fresh seeds in {} of {n} cases: {}. The search's seeds were kinder; raise plan.replications.",
                changes.join(", "),
                missed_plan.len(),
                words.join(", ")
            ));
        }
        if !o.infeasible.is_empty() {
            let worst: Vec<String> = o
                .infeasible
                .iter()
                .map(|&c| {
                    format!("\u{201c}{}\u{201d} ({})", plan.cases[c].name, worst_words(plan, &o.planned[c]))
                })
                .collect();
            headline.push(format!(
                "No capacity within the ranges meets {}, even at the top of every range, so {} not set the plan (figures with the plan: {}). More instances do not help there; the failover itself, the distance to the next region or the SLO's window does.",
                if o.infeasible.len() == 1 { "this case" } else { "these cases" },
                if o.infeasible.len() == 1 { "it does" } else { "they do" },
                worst.join("; ")
            ));
        }
        headline.push(format!(
            "Capacity cost: {} a month with the plan against {} now (every max_instances instance busy all month, min_instances idle).",
            usd(cost_plan),
            usd(cost_now)
        ));
    }
    if missed_now.is_empty() {
        headline.push("Today's capacity already meets the SLO in every case.".to_string());
    } else {
        let missed = missed_now.iter().filter(|&&c| o.current[c].verdict() == Verdict::Missed).count();
        let marginal = missed_now.len() - missed;
        let list: Vec<String> = missed_now
            .iter()
            .take(4)
            .map(|&c| {
                let e = &o.current[c];
                format!(
                    "\u{201c}{}\u{201d} ({}, {})",
                    plan.cases[c].name,
                    e.verdict().word(),
                    worst_words(plan, e)
                )
            })
            .collect();
        let counts = match (missed, marginal) {
            (m, 0) => format!("misses the SLO in {m} of {n} cases"),
            (0, g) => format!("meets the SLO only on the mean (marginal) in {g} of {n} cases"),
            (m, g) => format!("misses the SLO in {m} of {n} cases and is marginal in {g}"),
        };
        headline.push(format!(
            "Today's capacity {counts}: {}{}.",
            list.join("; "),
            if missed_now.len() > 4 { "; ..." } else { "" }
        ));
    }
    let when = match plan.busiest_rps {
        Some((rps, true)) => format!(
            "Every failure starts at {}, the start of the day's busiest hour ({} requests/s on average),",
            hhmm(plan.failure_utc_s),
            count(rps.round() as u64)
        ),
        Some((rps, false)) => format!(
            "The traffic is the same all day ({} requests/s): every failure starts at {}",
            count(rps.round() as u64),
            hhmm(plan.failure_utc_s)
        ),
        None => format!("Every failure starts at {},", hhmm(plan.failure_utc_s)),
    };
    let after = match plan.spec().recovery_ns {
        0 => String::new(),
        ns => format!(" and {} after it (judged: the failback)", span(ns as f64 / 1e9)),
    };
    details.push(format!(
        "{when} and lasts {}; each run simulates {} before it (not judged){after}.",
        span(plan.spec().failure_ns as f64 / 1e9),
        span(plan.spec().lead_ns as f64 / 1e9),
    ));
    for s in &o.settings {
        let region = &plan.scenario.regions[s.setting.region].name;
        let what = match s.setting.knob {
            Knob::MaxInstances => "max_instances",
            Knob::MinInstances => "min_instances",
        };
        match s.binding {
            Some(c) => details.push(format!(
                "{region} needs {what} {} because of \u{201c}{}\u{201d} at {}.",
                s.recommended,
                plan.cases[c].name,
                hhmm(plan.failure_utc_s)
            )),
            None if o.infeasible.len() < n => details.push(format!(
                "{region} meets {} with {what} at the floor of its range ({}).",
                if o.infeasible.is_empty() { "every case" } else { "every case capacity can meet" },
                s.recommended
            )),
            None => {}
        }
        if s.one_step_lower == Some(Verdict::Met) {
            details.push(format!(
                "One step below {} in {region}'s {what} still met the SLO on the confirmation's seeds: the plan may be a step generous there.",
                s.recommended
            ));
        }
    }
    for (c, e) in o.planned.iter().enumerate() {
        if e.verdict() == Verdict::Marginal {
            details.push(format!(
                "\u{201c}{}\u{201d} is marginal with the plan: it meets the SLO on the mean but not on the {level} bound ({}); more replications would decide.",
                plan.cases[c].name,
                worst_words(plan, e)
            ));
        }
    }
    for &c in &o.not_monotone {
        details.push(format!(
            "In \u{201c}{}\u{201d}, one step more capacity in every region did not meet the SLO while the plan did: more capacity hurt there, so the search's assumption does not hold for this case; check it by hand.",
            plan.cases[c].name
        ));
    }
    // Where the users of a lost region went: once per region, from the
    // first case that loses it alone.
    let baseline = &o.planned[0];
    let mut told: Vec<usize> = Vec::new();
    for (c, case) in plan.cases.iter().enumerate() {
        let [lost] = case.regions[..] else { continue };
        if told.contains(&lost) || !case.dependencies.is_empty() || case.scenario_outages {
            continue;
        }
        told.push(lost);
        let e = &o.planned[c];
        // Its users: the cities that mostly go to it when nothing fails.
        let users: Vec<usize> = (1..baseline.places.len())
            .filter(|&p| baseline.places[p].served.get(lost).is_some_and(|&s| s >= 0.5))
            .collect();
        if users.is_empty() {
            continue;
        }
        let weight: f64 = users.iter().map(|&p| e.places[p].requests).sum();
        let mut to: Vec<(usize, f64)> = (0..plan.scenario.regions.len())
            .map(|r| {
                let sent: f64 = users.iter().map(|&p| e.places[p].served[r] * e.places[p].requests).sum();
                (r, sent / weight.max(1e-9))
            })
            .filter(|&(_, s)| s >= 0.01)
            .collect();
        to.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let to: Vec<String> =
            to.iter().map(|&(r, s)| format!("{} ({})", plan.scenario.regions[r].name, share(s))).collect();
        let names: Vec<String> = users
            .iter()
            .take(6)
            .map(|&p| {
                let a = e.places[p].availability.map_or("-".to_string(), |a| pct(a.0));
                format!("{} {a}", plan.scenario.cities[p - 1].name)
            })
            .collect();
        let more = if users.len() > 6 { format!(" and {} more", users.len() - 6) } else { String::new() };
        details.push(format!(
            "When {} is down, its users' requests go to {}; availability: {}{more}.",
            plan.scenario.regions[lost].name,
            if to.is_empty() { "no region".to_string() } else { to.join(", ") },
            names.join(", ")
        ));
    }
    let runs = o.runs_search + o.runs_confirm;
    details.push(match o.grid_points {
        None if plan.settings.is_empty() => {
            format!("Evaluated every case with {} runs (vary = []: no capacity search).", count(o.runs_confirm))
        }
        Some(g) => format!(
            "Found by evaluating every point of the grid ({g} points x {n} cases x {} replications: {} runs), then {} runs to confirm.",
            plan.spec().replications,
            count(o.runs_search),
            count(o.runs_confirm)
        ),
        None => format!(
            "Found with {} runs of the search and {} to confirm ({} in all).",
            count(o.runs_search),
            count(o.runs_confirm),
            count(runs)
        ),
    });
    (headline, details)
}

struct Cell {
    class: &'static str,
    text: String,
    title: String,
}

struct HeatRow {
    case: String,
    cells: Vec<Cell>,
}

struct Heat {
    id: &'static str,
    title: String,
    rows: Vec<HeatRow>,
}

struct PlanRow {
    region: String,
    setting: &'static str,
    current: u32,
    recommended: u32,
    binding: String,
    lower: String,
    cost_now: String,
    cost_plan: String,
}

#[derive(Template)]
#[template(path = "plan.html", config = "src/report/askama.toml")]
struct Page<'a> {
    name: &'a str,
    about: String,
    headline: Vec<String>,
    details: Vec<String>,
    rows: Vec<PlanRow>,
    places: Vec<String>,
    heats: Vec<Heat>,
    symbols: bool,
    style: &'static str,
    check: &'static str,
}

fn heat(plan: &Plan, id: &'static str, title: String, evals: &[Evaluation], symbols: bool) -> Heat {
    let rows = evals
        .iter()
        .enumerate()
        .map(|(c, e)| HeatRow {
            case: plan.cases[c].name.clone(),
            cells: e
                .places
                .iter()
                .enumerate()
                .map(|(p, place)| {
                    let v = place.verdict();
                    let name = if p == 0 { "all users" } else { plan.scenario.cities[p - 1].name.as_str() };
                    let avail = place.availability.map(|a| a.0);
                    let mut title = format!("{} · {name}: SLO {}", plan.cases[c].name, v.word());
                    if let Some((a, h)) = place.availability {
                        title.push_str(&format!(", availability {}", pct(a)));
                        if let Some(h) = h {
                            title.push_str(&format!(" ± {:.3} points", h * 100.0));
                        }
                    }
                    if let Some((l, _)) = place.p99_ms {
                        title.push_str(&format!(", p99 {}", ms(l)));
                    }
                    if let Some((r, _)) = place.recovery_s
                        && r > 0.0
                    {
                        title.push_str(&format!(", SLO missed until {} after the failure's start", span(r)));
                    }
                    let text = if symbols {
                        match v {
                            Verdict::Met => "✓".to_string(),
                            Verdict::Marginal => "~".to_string(),
                            Verdict::Missed => "✗".to_string(),
                        }
                    } else {
                        avail.map_or("-".to_string(), heat_pct)
                    };
                    let class = match v {
                        Verdict::Met => "met",
                        Verdict::Marginal => "marginal",
                        Verdict::Missed => "missed",
                    };
                    Cell { class, text, title }
                })
                .collect(),
        })
        .collect();
    Heat { id, title, rows }
}

/// A cell's availability: percent with two decimals, "100" only when
/// nothing failed (a share below 1 never rounds up to 100).
fn heat_pct(a: f64) -> String {
    if a >= 1.0 {
        return "100".into();
    }
    let p = (a * 10_000.0).floor() / 100.0;
    format!("{p:.2}")
}

/// The page.
pub fn render(plan: &Plan, o: &Outcome) -> String {
    let (headline, details) = findings(plan, o);
    let current = plan.current();
    let rows = o
        .settings
        .iter()
        .map(|s| {
            let r = s.setting.region;
            let cost = |cap: &super::Capacity| match s.setting.knob {
                Knob::MaxInstances => plan.region_cost(r, 0, cap[r].1),
                Knob::MinInstances => plan.region_cost(r, cap[r].0, 0),
            };
            PlanRow {
                region: plan.scenario.regions[r].name.clone(),
                setting: s.setting.knob.name(),
                current: s.current,
                recommended: s.recommended,
                binding: s
                    .binding
                    .map_or_else(|| "none (the range's floor)".into(), |c| plan.cases[c].name.clone()),
                lower: s.one_step_lower.map_or("-".into(), |v| v.word().to_string()),
                cost_now: usd(cost(&current)),
                cost_plan: usd(cost(&o.capacity)),
            }
        })
        .collect();
    let mut places = vec!["all users".to_string()];
    places.extend(plan.scenario.cities.iter().map(|c| c.name.clone()));
    let symbols = places.len() > 13;
    let heats = vec![
        heat(plan, "heat-current", "At the current capacity".into(), &o.current, symbols),
        heat(plan, "heat-plan", "With the plan".into(), &o.planned, symbols),
    ];
    let spec = plan.spec();
    let settings: Vec<String> = o.settings.iter().map(|s| setting_name(plan, s.setting)).collect();
    let about = format!(
        "{} · SLO {} judged at {:.0} % confidence over {} replications (seeds {} to {} search, {} to {} confirmation) · {} cases · {}",
        plan.scenario.file.display(),
        slo_words(plan),
        spec.confidence * 100.0,
        spec.replications,
        plan.seed,
        plan.seed + u64::from(spec.replications) - 1,
        plan.seed + u64::from(spec.replications),
        plan.seed + 2 * u64::from(spec.replications) - 1,
        plan.cases.len(),
        if settings.is_empty() {
            "no capacity search (vary = [])".to_string()
        } else {
            format!("searching {}", settings.join(", "))
        }
    );
    let page = Page {
        name: &plan.scenario.simulation.name,
        about,
        headline,
        details,
        rows,
        places,
        heats,
        symbols,
        style: STYLE,
        check: CHECK,
    };
    page.render().expect("the template renders plain data")
}
