//! `[plan]`: what `negsim plan` varies and what it must survive.
//!
//! Every key is optional; a scenario without `[plan]` plans with the
//! defaults below. `negsim run` ignores the section. What the planner does
//! with it is in `src/plan/mod.rs` and docs/how-to.md ("Plan capacity for
//! the loss of a region").

use super::ServiceConfig;
use super::diag::hint;
use super::reader::{Rule, Section, describe};
use super::{Dependency, Region};
use crate::engine::time::NS_PER_S;

/// Most cases a plan runs without `--force`.
pub const MAX_CASES: usize = 64;

/// `plan.losses`: which region losses are cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Losses {
    /// Only the baseline, the dependencies and the named cases.
    None,
    /// Each region lost on its own (N+1).
    Single,
    /// Each region on its own and each pair of regions (N+2).
    Pairs,
}

/// `plan.failure_start`: when every case's failure begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureStart {
    /// At the start of the busiest hour of the day, from the cities' daily
    /// profiles.
    Busiest,
    /// At this time of day, seconds after midnight UTC.
    Utc(u32),
}

/// What the capacity search varies, per region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `max_instances`: the most instances the region may run.
    MaxInstances,
    /// `min_instances`: instances kept warm even when idle.
    MinInstances,
}

impl Knob {
    /// The key's name.
    pub fn name(self) -> &'static str {
        match self {
            Knob::MaxInstances => "max_instances",
            Knob::MinInstances => "min_instances",
        }
    }
}

/// Values from `from` to `to` (both included) in steps of `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// The least value tried.
    pub from: u32,
    /// The largest value tried (reached even when `to - from` is not a
    /// multiple of `step`).
    pub to: u32,
    /// The distance between two values tried.
    pub step: u32,
}

impl Range {
    /// Every value of the range, in increasing order; the last is `to`.
    pub fn values(&self) -> Vec<u32> {
        let mut v: Vec<u32> = (self.from..=self.to).step_by(self.step.max(1) as usize).collect();
        if v.last() != Some(&self.to) {
            v.push(self.to);
        }
        v
    }
}

/// A case the user names: regions and dependencies lost together.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedCase {
    /// Its name in the outputs.
    pub name: String,
    /// Indices into `Scenario::regions`.
    pub regions: Vec<usize>,
    /// Indices into `Scenario::dependencies`.
    pub dependencies: Vec<usize>,
}

/// `[plan]`, validated, with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSpec {
    /// Which region losses are cases.
    pub losses: Losses,
    /// Whether each `[[dependency]]` lost on its own is a case.
    pub dependency_losses: bool,
    /// Whether the scenario's own `[[outage]]` entries, together, are a case.
    pub scenario_outages: bool,
    /// `[[plan.case]]`.
    pub cases: Vec<NamedCase>,
    /// When the failure begins.
    pub failure_start: FailureStart,
    /// How long it lasts.
    pub failure_ns: u64,
    /// Time simulated before the failure (not judged: the warmup).
    pub lead_ns: u64,
    /// Time simulated after the failure ends (judged).
    pub recovery_ns: u64,
    /// Replications of every evaluation.
    pub replications: u32,
    /// Confidence level of the intervals that judge the SLO.
    pub confidence: f64,
    /// What the capacity search varies (empty: the matrix only).
    pub vary: Vec<Knob>,
    /// Per region (as `Scenario::regions`): the `max_instances` range.
    pub max_instances: Vec<Range>,
    /// Per region: the `min_instances` range.
    pub min_instances: Vec<Range>,
}

/// The confidence levels `plan.confidence` accepts.
pub const CONFIDENCE_LEVELS: [f64; 3] = [0.9, 0.95, 0.99];

/// Reads `[plan]` (absent: every default) against the validated regions
/// and dependencies.
/// With `health` (Cloud Run service health steers traffic), every region
/// keeps at least one warm instance, so a warm range starts at 1.
pub fn read_plan(
    root: &mut Section<'_>,
    regions: &[Region],
    configs: &[ServiceConfig],
    dependencies: &[Dependency],
    health: bool,
) -> PlanSpec {
    let mut s = root.section("plan");
    let losses = s.choice(
        "losses",
        Losses::Single,
        &[("none", Losses::None), ("n+1", Losses::Single), ("n+2", Losses::Pairs)],
    );
    let dependency_losses = s.boolean("dependency_losses", !dependencies.is_empty());
    let scenario_outages = s.boolean("scenario_outages", false);
    let failure_start = read_failure_start(&mut s);
    let failure_ns = s.duration("failure_duration", 30 * 60 * NS_PER_S, Rule::Above(0.0));
    let mut lead_ns = s.duration("lead", 10 * 60 * NS_PER_S, Rule::Above(0.0));
    if !lead_ns.is_multiple_of(NS_PER_S) {
        // The run's start is a UTC time of day in whole seconds.
        s.error("lead", "must be a whole number of seconds, e.g. \"5m\" or \"90s\"");
        lead_ns = lead_ns.div_ceil(NS_PER_S) * NS_PER_S;
    }
    let recovery_ns = s.duration("recovery", 0, Rule::AtLeast(0.0));
    let replications = s.integer("replications", 5, 2, 1000) as u32;
    let confidence = s.number("confidence", 0.95, Rule::Between(0.9, 0.99));
    let confidence = if CONFIDENCE_LEVELS.contains(&confidence) {
        confidence
    } else {
        s.error("confidence", format!("{confidence} is not one of 0.9, 0.95 and 0.99"));
        0.95
    };
    #[derive(Clone, Copy, PartialEq)]
    enum V {
        Max,
        Min,
    }
    let vary: Vec<Knob> = s
        .choice_list("vary", &[V::Max], &[("max_instances", V::Max), ("min_instances", V::Min)])
        .into_iter()
        .map(|v| if v == V::Max { Knob::MaxInstances } else { Knob::MinInstances })
        .collect();

    let default_max = |c: &ServiceConfig| Range {
        from: c.min_instances.max(1),
        to: c.max_instances.saturating_mul(2).clamp(c.min_instances.max(1), 10_000),
        step: 1,
    };
    let warm_floor = u32::from(health);
    let default_min =
        |c: &ServiceConfig| Range { from: warm_floor, to: c.max_instances.clamp(warm_floor, 10), step: 1 };
    let all_max = read_range(&mut s, "max_instances");
    let all_min = read_range(&mut s, "min_instances");
    let mut max_instances: Vec<Range> =
        configs.iter().map(|c| all_max.unwrap_or_else(|| default_max(c))).collect();
    let mut min_instances: Vec<Range> =
        configs.iter().map(|c| all_min.unwrap_or_else(|| default_min(c))).collect();
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let mut set_from: Vec<Option<String>> = vec![None; regions.len()];
    for mut r in s.sections("region") {
        let index = super::validate::region_named(&mut r, "name", &names, "one of this scenario's regions")
            .filter(|&i| {
                let first = set_from[i].is_none();
                if !first {
                    r.error("name", format!("\"{}\" has a second [[plan.region]]", names[i]));
                }
                first
            });
        let max = read_range(&mut r, "max_instances");
        let min = read_range(&mut r, "min_instances");
        if let Some(i) = index {
            set_from[i] = Some(r.path().to_string());
            if let Some(m) = max {
                max_instances[i] = m;
            }
            if let Some(m) = min {
                min_instances[i] = m;
            }
        }
        r.finish();
    }
    // Ranges the scenario's own rules would refuse some value of: checked
    // per region, at the [[plan.region]] that set the range or at [plan].
    let (max_varies, min_varies) = (vary.contains(&Knob::MaxInstances), vary.contains(&Knob::MinInstances));
    for (i, (r, c)) in regions.iter().zip(configs).enumerate() {
        let at = |knob: &str| set_from[i].clone().map_or_else(|| s.key_path(knob), |p| format!("{p}.{knob}"));
        let (max, min) = (max_instances[i], min_instances[i]);
        let mut problems: Vec<(String, String)> = Vec::new();
        if max_varies && !min_varies && max.from < c.min_instances {
            // Reaching below min_instances would break the scenario's own rule.
            problems.push((
                at("max_instances"),
                format!(
                    "from = {} is below {}'s min_instances ({}): max_instances must be at least min_instances; start the range at {} or lower min_instances",
                    max.from, r.name, c.min_instances, c.min_instances
                ),
            ));
        }
        if min_varies && health && min.from == 0 {
            problems.push((
                at("min_instances"),
                format!(
                    "from = 0 for {}: service health needs min_instances >= 1 in every region; start the range at 1",
                    r.name
                ),
            ));
        }
        if min_varies && !max_varies && min.to > c.max_instances {
            problems.push((
                at("min_instances"),
                format!(
                    "to = {} is above {}'s max_instances ({}): min_instances must be at most max_instances; end the range at {} or vary max_instances too",
                    min.to, r.name, c.max_instances, c.max_instances
                ),
            ));
        }
        for (key, message) in problems {
            s.diag().error(&key, message);
        }
    }
    let cases = read_cases(&mut s, regions, dependencies);
    s.finish();
    PlanSpec {
        losses,
        dependency_losses,
        scenario_outages,
        cases,
        failure_start,
        failure_ns,
        lead_ns,
        recovery_ns,
        replications,
        confidence,
        vary,
        max_instances,
        min_instances,
    }
}

fn read_failure_start(s: &mut Section<'_>) -> FailureStart {
    match s.opt_string("failure_start") {
        None | Some("busiest") => FailureStart::Busiest,
        Some(text) => match super::units::parse_time_of_day(text) {
            Some(secs) => FailureStart::Utc(secs),
            None => {
                s.error(
                    "failure_start",
                    format!("\"{text}\" is not \"busiest\" or a UTC time of day such as \"19:00\""),
                );
                FailureStart::Busiest
            }
        },
    }
}

/// `key = { from, to, step }`; `None` when absent or wrong (reported).
fn read_range(s: &mut Section<'_>, key: &'static str) -> Option<Range> {
    let path = s.key_path(key);
    let mut t = s.section(key);
    if !t.is_present() {
        t.finish();
        return None;
    }
    // The bounds a scenario accepts for the setting.
    let (least, most) = if key == "max_instances" { (1, 10_000) } else { (0, 1000) };
    let from = t.opt_integer("from", least, most);
    let to = t.opt_integer("to", least, most);
    let step = t.integer("step", 1, 1, 10_000) as u32;
    if from.is_none() && !t.has("from") {
        t.missing("from", "the least value to try");
    }
    if to.is_none() && !t.has("to") {
        t.missing("to", "the largest value to try");
    }
    t.finish();
    let (from, to) = (from? as u32, to? as u32);
    if from > to {
        s.diag().error(
            &format!("{path}.to"),
            format!("the range is empty: to = {to} is below from = {from}; give from <= to"),
        );
        return None;
    }
    if (to - from) / step > 10_000 {
        s.diag().error(&format!("{path}.step"), "the range has more than 10000 values; take a larger step");
        return None;
    }
    Some(Range { from, to, step })
}

fn read_cases(s: &mut Section<'_>, regions: &[Region], dependencies: &[Dependency]) -> Vec<NamedCase> {
    let mut out: Vec<NamedCase> = Vec::new();
    let region_names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let dep_names: Vec<&str> = dependencies.iter().map(|d| d.name.as_str()).collect();
    let all: Vec<&str> = region_names.iter().chain(&dep_names).copied().collect();
    for mut c in s.sections("case") {
        let name = c.opt_string("name").map(str::to_string);
        if name.is_none() && !c.has("name") {
            c.missing("name", "the case's name in the outputs, e.g. \"both US regions\"");
        }
        if let Some(n) = &name {
            let generated = n == "no failure"
                || n == "the scenario's outages"
                || n.strip_suffix(" down")
                    .is_some_and(|rest| rest.split(" + ").all(|part| all.contains(&part)));
            if n.trim().is_empty()
                || n.trim() != n
                || n.chars().count() > 100
                || n.chars().any(char::is_control)
            {
                c.error(
                    "name",
                    "a case's name has 1 to 100 characters, no control characters and no spaces at either end",
                );
            } else if generated {
                c.error(
                    "name",
                    format!("\"{n}\" is the name of a case the plan makes itself; choose another"),
                );
            } else if out.iter().any(|o| o.name == *n) {
                c.error("name", format!("a second case called \"{n}\""));
            }
        }
        let mut regions_down = Vec::new();
        let mut deps_down = Vec::new();
        let at = c.key_path("down");
        match c.get("down") {
            None => c.missing("down", "the regions and dependencies lost together, e.g. [\"us-central1\"]"),
            Some(toml::Value::Array(items)) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{at}[{i}]");
                    match item {
                        toml::Value::String(n) => {
                            if let Some(r) = region_names.iter().position(|x| x == n) {
                                if regions_down.contains(&r) {
                                    c.diag().error(&p, format!("\"{n}\" is listed twice"));
                                }
                                regions_down.push(r);
                            } else if let Some(d) = dep_names.iter().position(|x| x == n) {
                                if deps_down.contains(&d) {
                                    c.diag().error(&p, format!("\"{n}\" is listed twice"));
                                }
                                deps_down.push(d);
                            } else {
                                c.diag().error(
                                    &p,
                                    format!(
                                        "\"{}\" is not a region or dependency of this scenario ({}){}",
                                        super::diag::echo(n, 100),
                                        all.join(", "),
                                        hint(n, &all)
                                    ),
                                );
                            }
                        }
                        other => c.diag().error(
                            &p,
                            format!("expected a region or dependency name, found {}", describe(other)),
                        ),
                    }
                }
            }
            Some(toml::Value::Array(_)) => c.error("down", "a case loses at least one region or dependency"),
            Some(other) => c.error(
                "down",
                format!("expected an array of region and dependency names, found {}", describe(other)),
            ),
        }
        c.finish();
        if let Some(name) = name {
            out.push(NamedCase { name, regions: regions_down, dependencies: deps_down });
        }
    }
    out
}
