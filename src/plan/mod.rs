//! `negsim plan`: the failure matrix, and the cheapest capacity per region
//! that meets the SLO in every case of it.
//!
//! * **Cases.** The baseline (no failure), each region lost (N+1, the
//!   default), optionally each pair (N+2), each `[[dependency]]` lost, the
//!   scenario's own `[[outage]]` entries together, and the `[[plan.case]]`
//!   sets. A case's failure starts at `plan.failure_start` (default: the
//!   start of the busiest hour of the day, from the cities' daily profiles)
//!   and lasts `plan.failure_duration`. Each run simulates `plan.lead`
//!   before it (not judged: it is the run's warmup) and `plan.recovery`
//!   after it; the SLO is judged on what follows the failure's start. The
//!   scenario's surges and attacks are left out (they are the scenario's
//!   own drill, at its own times), with a warning.
//! * **Judging.** A case meets the SLO when the global scope and every city
//!   meet each target of `[slo]` on the pessimistic bound of the confidence
//!   interval over `plan.replications` runs (availability's lower bound,
//!   p99's upper bound); it is marginal when they meet it only on the mean.
//! * **The search.** More capacity in a region does not lower availability
//!   or raise latency: the search rests on that, and checks it on the plan
//!   found rather than trusting it. For each case on its own, every varied
//!   setting starts at the top of its range and is lowered, one region at a
//!   time (the dearest instance first), by bisection to the least value at
//!   which the case still meets the SLO, every probe with the same seeds
//!   (common random numbers). A case's result is then the least capacity
//!   that survives it, region by region; the plan is the largest over the
//!   cases, which meets every case because more capacity does not hurt.
//!   A case's own search may have leaned on a region the plan keeps higher
//!   for another case, so each setting is then lowered again by bisection
//!   with every case judged at once (the joint descent). The first case to
//!   miss one step lower binds the setting.
//! * **Confirmation.** Every case is then run again, at the plan and at the
//!   scenario's current capacity, with fresh seeds; the matrix published is
//!   these runs. One step more in every region must still meet every case
//!   (the assumption above), and one step less in a region is tried in the
//!   case that binds it.
//! * **Exhaustive.** `--exhaustive` evaluates every point of the grid of
//!   ranges instead, in every case, and takes the cheapest feasible point:
//!   a check of the search, at the cost of the grid.

pub mod output;
pub mod report;

use crate::engine::SimTime;
use crate::metrics::{Row, WindowReport, WindowSink};
use crate::model;
use crate::model::billing::{MONTH_HOURS, Prices};
use crate::scenario::plan::{FailureStart, Knob, Losses, PlanSpec, Range};
use crate::scenario::{DependencyOutage, DependencyOutageKind, Outage, OutageKind, Profile, Scenario, Slo};
use crate::sweep::stats;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// One failure the plan must survive.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Its name in the outputs.
    pub name: String,
    /// Regions down during the failure (indices into `Scenario::regions`).
    pub regions: Vec<usize>,
    /// Dependencies down during the failure.
    pub dependencies: Vec<usize>,
    /// The scenario's own `[[outage]]` entries, moved so the first starts
    /// at the failure's start.
    pub scenario_outages: bool,
}

/// A setting the search varies: a knob of one region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Index into `Scenario::regions`.
    pub region: usize,
    /// Which setting.
    pub knob: Knob,
}

/// Every region's `(min_instances, max_instances)`.
pub type Capacity = Vec<(u32, u32)>;

/// A validated plan: the scenario, its cases and what the search varies.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario, as read (its `plan` is the spec).
    pub scenario: Scenario,
    /// The cases, baseline first.
    pub cases: Vec<Case>,
    /// The settings the search varies, in the order it lowers them.
    pub settings: Vec<Setting>,
    /// The failure's start, seconds after midnight UTC.
    pub failure_utc_s: u32,
    /// With `failure_start = "busiest"`: the mean rate of that hour,
    /// requests per second, and whether the day has a busiest hour at all
    /// (`false` when the traffic is flat: the failure then starts at midnight).
    pub busiest_rps: Option<(f64, bool)>,
    /// Seed of the search's first replication; the confirmation's follow.
    pub seed: u64,
    /// Things the user should know (surges left out, ...).
    pub warnings: Vec<String>,
    /// The SLO judged.
    pub slo: Slo,
}

/// Why a plan cannot be made from a scenario.
#[derive(Debug)]
pub struct PlanInputError {
    /// The scenario key the problem is at (`slo`, `plan`), or empty for the file.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Plan {
    /// Builds the plan of a validated scenario. `force` lifts the limit on
    /// the number of cases.
    pub fn new(scenario: Scenario, force: bool) -> Result<Plan, PlanInputError> {
        let Some(slo) =
            scenario.slo.clone().filter(|s| s.availability.is_some() || s.latency_p99_ns.is_some())
        else {
            return Err(PlanInputError {
                key: String::new(),
                message: "a plan needs an [slo] to meet: add one, e.g. [slo] availability = 0.999 and latency_p99 = \"500ms\"".into(),
            });
        };
        let spec = &scenario.plan;
        let cases = cases(&scenario);
        if cases.len() > crate::scenario::plan::MAX_CASES && !force {
            return Err(PlanInputError {
                key: "plan.losses".into(),
                message: format!(
                    "the plan has {} cases, more than the {} a plan runs without --force: choose fewer losses (losses = \"n+1\"), or add --force",
                    cases.len(),
                    crate::scenario::plan::MAX_CASES
                ),
            });
        }
        let (failure_utc_s, busiest_rps) = match spec.failure_start {
            FailureStart::Utc(s) => (s, None),
            FailureStart::Busiest => {
                let (s, rps, varies) = busiest_hour(&scenario);
                (s, Some((rps, varies)))
            }
        };
        let mut warnings = Vec::new();
        if !scenario.surges.is_empty() || !scenario.attacks.is_empty() {
            warnings.push(format!(
                "warning: the plan leaves out the scenario's {} surge{} and {} attack{}: they belong to the scenario's own timeline",
                scenario.surges.len(),
                if scenario.surges.len() == 1 { "" } else { "s" },
                scenario.attacks.len(),
                if scenario.attacks.len() == 1 { "" } else { "s" },
            ));
        }
        if !scenario.traffic.is_empty() || !scenario.replays.is_empty() {
            warnings.push(
                "warning: [[traffic]] curves and [[replay]] recordings play from each run's start, which the plan moves to the failure's time: they are not aligned with that time of day; the busiest hour comes from the other cities' profiles"
                    .into(),
            );
        }
        if !spec.scenario_outages && (!scenario.outages.is_empty() || !scenario.dependency_outages.is_empty())
        {
            warnings.push(
                "warning: the scenario's [[outage]] entries are not a case of the plan; set plan.scenario_outages = true to add them as one"
                    .into(),
            );
        }
        let seed = scenario.simulation.seed;
        crate::sweep::check_seeds(seed, spec.replications * 2).map_err(|m| PlanInputError {
            key: "simulation.seed".into(),
            message: format!("the plan's confirmation runs follow its search's seeds: {m}"),
        })?;
        let settings = settings(&scenario);
        Ok(Plan { scenario, cases, settings, failure_utc_s, busiest_rps, seed, warnings, slo })
    }

    /// The spec.
    pub fn spec(&self) -> &PlanSpec {
        &self.scenario.plan
    }

    /// The scenario's current capacity.
    pub fn current(&self) -> Capacity {
        self.scenario.deployments.iter().map(|d| (d.config.min_instances, d.config.max_instances)).collect()
    }

    /// The range of a setting.
    pub fn range(&self, s: Setting) -> Range {
        match s.knob {
            Knob::MaxInstances => self.spec().max_instances[s.region],
            Knob::MinInstances => self.spec().min_instances[s.region],
        }
    }

    /// The top of every range: where each case's search starts.
    pub fn top(&self) -> Capacity {
        let mut cap = self.current();
        for &s in &self.settings {
            set(&mut cap, s, self.range(s).to);
        }
        clip(&mut cap);
        cap
    }

    /// The seeds of the search's replications.
    pub fn search_seeds(&self) -> Vec<u64> {
        (0..u64::from(self.spec().replications)).map(|k| self.seed + k).collect()
    }

    /// The confirmation's seeds: fresh, after the search's.
    pub fn confirm_seeds(&self) -> Vec<u64> {
        let k = u64::from(self.spec().replications);
        (0..k).map(|i| self.seed + k + i).collect()
    }

    /// The monthly cost of a capacity: each region's `max_instances` at
    /// the busy rate for a month of 730 hours (the most it can bill), plus
    /// its `min_instances` at the idle rate (what warm capacity costs).
    pub fn capacity_cost(&self, cap: &Capacity) -> f64 {
        cap.iter().enumerate().map(|(r, &(min, max))| self.region_cost(r, min, max)).sum()
    }

    /// [`Plan::capacity_cost`] of one region.
    pub fn region_cost(&self, r: usize, min: u32, max: u32) -> f64 {
        let (busy, idle) = instance_prices(&self.scenario, r);
        (f64::from(max) * busy + f64::from(min) * idle) * MONTH_HOURS * 3600.0
    }

    /// The run of `case` at capacity `cap` with `seed`: the scenario with
    /// the plan's timeline, the case's failure and this capacity.
    pub fn case_scenario(&self, case: &Case, cap: &Capacity, seed: u64) -> Scenario {
        let spec = self.spec();
        let mut sc = self.scenario.clone();
        let lead = spec.lead_ns;
        let mut failure = spec.failure_ns;
        sc.outages.clear();
        sc.dependency_outages.clear();
        sc.surges.clear();
        sc.attacks.clear();
        if case.scenario_outages {
            let first = self
                .scenario
                .outages
                .iter()
                .map(|o| o.start_ns)
                .chain(self.scenario.dependency_outages.iter().map(|o| o.start_ns))
                .min()
                .unwrap_or(0);
            for o in &self.scenario.outages {
                let start_ns = lead + (o.start_ns - first);
                failure = failure.max(start_ns + o.duration_ns - lead);
                sc.outages.push(Outage { start_ns, ..o.clone() });
            }
            for o in &self.scenario.dependency_outages {
                let start_ns = lead + (o.start_ns - first);
                failure = failure.max(start_ns + o.duration_ns - lead);
                sc.dependency_outages.push(DependencyOutage { start_ns, ..o.clone() });
            }
        }
        for &region in &case.regions {
            sc.outages.push(Outage {
                region,
                service: None,
                start_ns: lead,
                duration_ns: spec.failure_ns,
                kind: OutageKind::Down,
            });
        }
        for &dependency in &case.dependencies {
            sc.dependency_outages.push(DependencyOutage {
                dependency,
                start_ns: lead,
                duration_ns: spec.failure_ns,
                kind: DependencyOutageKind::Down,
            });
        }
        sc.simulation.duration_ns = lead + failure + spec.recovery_ns;
        sc.simulation.warmup_ns = lead;
        sc.simulation.start_utc_s =
            Some((i64::from(self.failure_utc_s) - (lead / 1_000_000_000) as i64).rem_euclid(86_400) as u32);
        sc.simulation.seed = seed;
        for (r, &(min, max)) in cap.iter().enumerate() {
            // A plan's scenario has one service: a deployment per region.
            sc.deployments[r].config.min_instances = min;
            sc.deployments[r].config.max_instances = max;
        }
        sc
    }
}

/// USD per second of one busy and one idle instance in region `r` (under
/// instance-based billing, both the rate of an instance's life).
fn instance_prices(sc: &Scenario, r: usize) -> (f64, f64) {
    let region = &sc.regions[r];
    let c = &sc.deployments[r].config;
    let p = Prices::new(&sc.pricing, region.tier.unwrap_or(1), c.cpu, c.memory_gib, c.billing);
    match c.billing {
        crate::scenario::Billing::Request => (p.busy_per_s, p.idle_per_s),
        crate::scenario::Billing::Instance => (p.life_per_s, p.life_per_s),
    }
}

/// The cases of a scenario's plan, baseline first, then region losses,
/// dependency losses, the scenario's outages and the named cases.
pub fn cases(sc: &Scenario) -> Vec<Case> {
    let spec = &sc.plan;
    let down = |regions: Vec<usize>, dependencies: Vec<usize>, name: String| Case {
        name,
        regions,
        dependencies,
        scenario_outages: false,
    };
    let mut out = vec![down(vec![], vec![], "no failure".into())];
    let n = sc.regions.len();
    if spec.losses != Losses::None {
        for r in 0..n {
            out.push(down(vec![r], vec![], format!("{} down", sc.regions[r].name)));
        }
    }
    if spec.losses == Losses::Pairs {
        for a in 0..n {
            for b in a + 1..n {
                out.push(down(
                    vec![a, b],
                    vec![],
                    format!("{} + {} down", sc.regions[a].name, sc.regions[b].name),
                ));
            }
        }
    }
    if spec.dependency_losses {
        for (d, dep) in sc.dependencies.iter().enumerate() {
            out.push(down(vec![], vec![d], format!("{} down", dep.name)));
        }
    }
    if spec.scenario_outages && (!sc.outages.is_empty() || !sc.dependency_outages.is_empty()) {
        out.push(Case {
            name: "the scenario's outages".into(),
            regions: vec![],
            dependencies: vec![],
            scenario_outages: true,
        });
    }
    for c in &spec.cases {
        out.push(down(c.regions.clone(), c.dependencies.clone(), c.name.clone()));
    }
    out
}

/// The settings the search varies, in the order it lowers them: by knob
/// (`vary`'s order), then the dearest instance first (it is the one most
/// worth keeping small), then file order.
fn settings(sc: &Scenario) -> Vec<Setting> {
    let mut out = Vec::new();
    let price = |r: usize| instance_prices(sc, r).0;
    for &knob in &sc.plan.vary {
        let mut regions: Vec<usize> = (0..sc.regions.len()).collect();
        regions.sort_by(|&a, &b| price(b).total_cmp(&price(a)).then(a.cmp(&b)));
        out.extend(regions.into_iter().map(|region| Setting { region, knob }));
    }
    out
}

fn set(cap: &mut Capacity, s: Setting, v: u32) {
    match s.knob {
        Knob::MaxInstances => cap[s.region].1 = v,
        Knob::MinInstances => cap[s.region].0 = v,
    }
}

/// The value of a setting in a capacity.
pub fn get(cap: &Capacity, s: Setting) -> u32 {
    match s.knob {
        Knob::MaxInstances => cap[s.region].1,
        Knob::MinInstances => cap[s.region].0,
    }
}

/// Keeps `min_instances <= max_instances` in every region.
fn clip(cap: &mut Capacity) {
    for (min, max) in cap.iter_mut() {
        *min = (*min).min(*max);
    }
}

/// The start of the busiest hour of the day (seconds after midnight UTC,
/// on a whole minute), its mean rate, and whether the rate varies over the
/// day at all: the hour with the most requests, from every city's rate and
/// daily profile (surges left out). The first such hour from midnight wins.
pub fn busiest_hour(sc: &Scenario) -> (u32, f64, bool) {
    let rate = |minute: u32| -> f64 {
        let utc_h = f64::from(minute) / 60.0;
        sc.cities
            .iter()
            .map(|c| match c.profile {
                Profile::Flat => c.rps,
                Profile::Diurnal { min_ratio, peak_local_hour } => {
                    let hour = (utc_h + c.utc_offset_h).rem_euclid(24.0);
                    let cos = (std::f64::consts::TAU * (hour - peak_local_hour) / 24.0).cos();
                    c.rps * (min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + cos))
                }
            })
            .sum()
    };
    // The mean of each minute (its midpoint), then the best 60 in a row.
    let minutes: Vec<f64> = (0..1440).map(|m| rate(m) * 0.5 + rate(m + 1) * 0.5).collect();
    let mut best = (0u32, f64::MIN);
    let mut least = f64::MAX;
    for start in 0..1440u32 {
        let total: f64 = (0..60).map(|k| minutes[((start + k) % 1440) as usize]).sum();
        least = least.min(total);
        if total > best.1 * (1.0 + 1e-12) + 1e-9 {
            best = (start, total);
        }
    }
    (best.0 * 60, best.1 / 60.0, best.1 - least > best.1 * 1e-9)
}

/// How one run went, per scope.
#[derive(Clone, Debug, Default)]
pub struct RunFigures {
    /// Global, then each city.
    pub places: Vec<PlaceFigures>,
    /// Each region.
    pub regions: Vec<RegionFigures>,
}

/// One place (global or a city) in one run.
#[derive(Clone, Debug, Default)]
pub struct PlaceFigures {
    /// Requests judged.
    pub requests: u64,
    /// Share answered ok.
    pub availability: Option<f64>,
    /// p99 latency of ok requests, ms.
    pub p99_ms: Option<f64>,
    /// From the failure's start to the end of the last window in which the
    /// place missed the SLO, seconds (0 when it never did).
    pub recovery_s: f64,
    /// Requests answered by each region (cities only).
    pub served: Vec<u64>,
}

/// One region in one run.
#[derive(Clone, Debug, Default)]
pub struct RegionFigures {
    /// Most instances at once.
    pub instances_max: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Requests it answered.
    pub requests: u64,
    /// What it cost, as USD per month at this rate.
    pub cost_month_usd: f64,
}

/// Remembers, per place, the end of the last judged window that missed the SLO.
struct Misses {
    from_s: f64,
    window_s: f64,
    places: usize,
    last: Vec<Option<f64>>,
}

impl WindowSink for Misses {
    fn window(&mut self, r: &WindowReport<'_>) {
        if r.start_s + 1e-9 < self.from_s {
            return;
        }
        for (p, row) in r.rows.iter().take(self.places).enumerate() {
            if row.slo_met == Some(0) {
                self.last[p] = Some(r.start_s + self.window_s - self.from_s);
            }
        }
    }
}

/// Runs `sc` (a case's scenario) once and reads its figures; `None` when stopped.
fn run_once(sc: &Scenario, stop: &AtomicBool) -> Option<RunFigures> {
    let places = 1 + sc.cities.len();
    let mut misses = Misses {
        from_s: sc.simulation.warmup_ns as f64 / 1e9,
        window_s: sc.simulation.window_ns as f64 / 1e9,
        places,
        last: vec![None; places],
    };
    let result = model::run_observed(sc, &mut misses, &mut |_: SimTime| !stop.load(Ordering::Relaxed));
    if result.interrupted {
        return None;
    }
    let n_regions = sc.regions.len();
    let place = |p: usize, row: &Row| PlaceFigures {
        requests: row.requests,
        availability: row.availability,
        p99_ms: row.latency_p99_ms,
        recovery_s: misses.last[p].unwrap_or(0.0),
        served: if p == 0 {
            Vec::new()
        } else {
            let mut v = vec![0; n_regions];
            for f in result.flows.iter().filter(|f| f.city as usize == p - 1) {
                v[f.region as usize] += f.requests;
            }
            v
        },
    };
    Some(RunFigures {
        places: result.rows.iter().take(places).enumerate().map(|(p, r)| place(p, r)).collect(),
        regions: result.rows[places..]
            .iter()
            .map(|r| RegionFigures {
                instances_max: r.instances_max.unwrap_or(0),
                cold_starts: r.cold_starts.unwrap_or(0),
                requests: r.requests,
                cost_month_usd: r.cost_month_usd.unwrap_or(0.0),
            })
            .collect(),
    })
}

/// Whether a target is met, on the bound or only on the mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Missed even on the mean.
    Missed,
    /// Met on the mean, not on the pessimistic bound of the interval.
    Marginal,
    /// Met on the bound.
    Met,
}

impl Verdict {
    /// The word in the outputs.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Missed => "missed",
            Verdict::Marginal => "marginal",
            Verdict::Met => "met",
        }
    }
}

/// A mean and its confidence half-width (none with one value).
pub type Estimate = Option<(f64, Option<f64>)>;

/// One place over the replications of an evaluation.
#[derive(Clone, Debug)]
pub struct PlaceResult {
    /// Mean requests judged per run.
    pub requests: f64,
    /// Availability.
    pub availability: Estimate,
    /// p99 latency, ms.
    pub p99_ms: Estimate,
    /// See [`PlaceFigures::recovery_s`].
    pub recovery_s: Estimate,
    /// Share of the place's requests each region answered (cities).
    pub served: Vec<f64>,
    /// The availability target's verdict, if the SLO sets one.
    pub availability_verdict: Option<Verdict>,
    /// The latency target's verdict, if the SLO sets one.
    pub latency_verdict: Option<Verdict>,
}

impl PlaceResult {
    /// The worse of the targets' verdicts (met when it had no requests).
    pub fn verdict(&self) -> Verdict {
        self.availability_verdict.into_iter().chain(self.latency_verdict).min().unwrap_or(Verdict::Met)
    }
}

/// One region over the replications of an evaluation.
#[derive(Clone, Debug)]
pub struct RegionResult {
    /// Most instances at once (mean over runs).
    pub instances_max: Estimate,
    /// Cold starts (mean over runs).
    pub cold_starts: Estimate,
    /// Requests answered (mean over runs).
    pub requests: f64,
    /// Cost as USD per month at this rate (mean over runs).
    pub cost_month_usd: f64,
}

/// A case at one capacity over its replications.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Global, then each city.
    pub places: Vec<PlaceResult>,
    /// Each region.
    pub regions: Vec<RegionResult>,
}

impl Evaluation {
    /// The case's verdict: the worst of its places'.
    pub fn verdict(&self) -> Verdict {
        self.places.iter().map(PlaceResult::verdict).min().unwrap_or(Verdict::Met)
    }

    /// The place that fares worst (for findings): index into `places`.
    pub fn worst_place(&self) -> usize {
        let key = |p: &PlaceResult| (p.verdict(), p.availability.map_or(1.0, |a| a.0));
        (0..self.places.len())
            .min_by(|&a, &b| {
                let (va, aa) = key(&self.places[a]);
                let (vb, ab) = key(&self.places[b]);
                va.cmp(&vb).then(aa.total_cmp(&ab))
            })
            .unwrap_or(0)
    }
}

/// Judges runs' figures against the SLO at confidence `level`.
pub fn judge(runs: &[RunFigures], slo: &Slo, level: f64) -> Evaluation {
    let est = |xs: Vec<f64>| stats::mean_ci(&xs, level);
    let n_places = runs.first().map_or(0, |r| r.places.len());
    let n_regions = runs.first().map_or(0, |r| r.regions.len());
    let places = (0..n_places)
        .map(|p| {
            let figs: Vec<&PlaceFigures> = runs.iter().map(|r| &r.places[p]).collect();
            let availability = est(figs.iter().filter_map(|f| f.availability).collect());
            let p99_ms = est(figs.iter().filter_map(|f| f.p99_ms).collect());
            let total: u64 = figs.iter().flat_map(|f| f.served.iter()).sum();
            let served = (0..figs.first().map_or(0, |f| f.served.len()))
                .map(|r| figs.iter().map(|f| f.served[r]).sum::<u64>() as f64 / total.max(1) as f64)
                .collect();
            let availability_verdict = slo.availability.and_then(|target| {
                availability.map(|(m, h)| verdict(h.is_some_and(|h| m - h >= target), m >= target))
            });
            let latency_verdict = slo.latency_p99_ns.and_then(|ns| {
                let target = ns as f64 / 1e6;
                p99_ms.map(|(m, h)| verdict(h.is_some_and(|h| m + h <= target), m <= target))
            });
            PlaceResult {
                requests: figs.iter().map(|f| f.requests as f64).sum::<f64>() / figs.len().max(1) as f64,
                availability,
                p99_ms,
                recovery_s: est(figs.iter().map(|f| f.recovery_s).collect()),
                served,
                availability_verdict,
                latency_verdict,
            }
        })
        .collect();
    let regions = (0..n_regions)
        .map(|r| {
            let figs: Vec<&RegionFigures> = runs.iter().map(|x| &x.regions[r]).collect();
            let n = figs.len().max(1) as f64;
            RegionResult {
                instances_max: est(figs.iter().map(|f| f.instances_max as f64).collect()),
                cold_starts: est(figs.iter().map(|f| f.cold_starts as f64).collect()),
                requests: figs.iter().map(|f| f.requests as f64).sum::<f64>() / n,
                cost_month_usd: figs.iter().map(|f| f.cost_month_usd).sum::<f64>() / n,
            }
        })
        .collect();
    Evaluation { places, regions }
}

fn verdict(on_bound: bool, on_mean: bool) -> Verdict {
    if on_bound {
        Verdict::Met
    } else if on_mean {
        Verdict::Marginal
    } else {
        Verdict::Missed
    }
}

/// Stopped by the user (Ctrl-C) after this many runs.
#[derive(Debug)]
pub struct Interrupted(pub u64);

/// An evaluation's identity: the case, the capacity and the seeds.
type EvaluationKey = (usize, Capacity, Vec<u64>);

/// Runs evaluations, counting runs, on the current rayon pool.
pub struct Evaluator<'p> {
    plan: &'p Plan,
    stop: &'p AtomicBool,
    runs: AtomicU64,
    progress: &'p (dyn Fn(u64) + Sync),
    cache: Mutex<HashMap<EvaluationKey, Evaluation>>,
}

impl<'p> Evaluator<'p> {
    /// An evaluator of `plan`'s cases; `progress` is told the runs done.
    pub fn new(plan: &'p Plan, stop: &'p AtomicBool, progress: &'p (dyn Fn(u64) + Sync)) -> Self {
        Evaluator { plan, stop, runs: AtomicU64::new(0), progress, cache: Mutex::new(HashMap::new()) }
    }

    /// Runs done so far.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Case `c` at `cap`, one run per seed, in parallel; evaluations asked
    /// for twice are run once.
    pub fn evaluate(&self, c: usize, cap: &Capacity, seeds: &[u64]) -> Result<Evaluation, Interrupted> {
        let key = (c, cap.clone(), seeds.to_vec());
        if let Some(e) = self.cache.lock().expect("not poisoned").get(&key) {
            return Ok(e.clone());
        }
        let case = &self.plan.cases[c];
        let figures: Vec<Option<RunFigures>> = seeds
            .par_iter()
            .with_max_len(1)
            .map(|&seed| {
                if self.stop.load(Ordering::Relaxed) {
                    return None;
                }
                let sc = self.plan.case_scenario(case, cap, seed);
                let f = run_once(&sc, self.stop)?;
                let n = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
                (self.progress)(n);
                Some(f)
            })
            .collect();
        let figures: Vec<RunFigures> =
            figures.into_iter().collect::<Option<_>>().ok_or(Interrupted(self.runs()))?;
        let e = judge(&figures, &self.plan.slo, self.plan.spec().confidence);
        self.cache.lock().expect("not poisoned").insert(key, e.clone());
        Ok(e)
    }
}

/// What the search found for one case.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseSearch {
    /// Index into `Plan::cases`.
    pub case: usize,
    /// The least capacity found, per region.
    pub capacity: Capacity,
    /// Whether the case meets the SLO at the top of the ranges at all.
    pub feasible: bool,
    /// Evaluations made.
    pub probes: u32,
}

/// The per-region bisection for case `c`.
pub fn search_case(ev: &Evaluator<'_>, c: usize) -> Result<CaseSearch, Interrupted> {
    let plan = ev.plan;
    let seeds = plan.search_seeds();
    let mut cap = plan.top();
    if plan.settings.is_empty() {
        // Nothing to search: the matrix is the confirmation's.
        return Ok(CaseSearch { case: c, capacity: cap, feasible: true, probes: 0 });
    }
    let mut probes = 1;
    let meets = |cap: &Capacity| -> Result<bool, Interrupted> {
        Ok(ev.evaluate(c, cap, &seeds)?.verdict() == Verdict::Met)
    };
    if !meets(&cap)? {
        return Ok(CaseSearch { case: c, capacity: cap, feasible: false, probes });
    }
    for &s in &plan.settings {
        let current = get(&cap, s);
        // The range's values up to the current one, which meets; a
        // min_instances clipped to its region's cap is the current one even
        // when it is not a value of the range.
        let mut values = plan.range(s).values();
        values.retain(|&v| v < current);
        values.push(current);
        let mut hi = values.len() - 1;
        let mut lo = 0;
        while lo < hi {
            let mid = (lo + hi) / 2;
            let mut trial = cap.clone();
            set(&mut trial, s, values[mid]);
            clip(&mut trial);
            probes += 1;
            if meets(&trial)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        set(&mut cap, s, values[hi]);
        clip(&mut cap);
    }
    Ok(CaseSearch { case: c, capacity: cap, feasible: true, probes })
}

/// What an exhaustive evaluation found.
#[derive(Clone, Debug)]
pub struct Grid {
    /// The cheapest point every case that can be met meets (ties: the first
    /// in grid order).
    pub best: Capacity,
    /// Grid points evaluated.
    pub points: usize,
    /// Cases not met even at the top of every range.
    pub infeasible: Vec<usize>,
}

/// Every point of the grid of ranges, in every case, with the search's
/// seeds: see [`Grid`].
pub fn exhaustive(ev: &Evaluator<'_>) -> Result<Grid, Interrupted> {
    let plan = ev.plan;
    let seeds = plan.search_seeds();
    let axes: Vec<Vec<u32>> = plan.settings.iter().map(|&s| plan.range(s).values()).collect();
    let mut points: Vec<Capacity> = vec![plan.current()];
    for (s, values) in plan.settings.iter().zip(&axes) {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |&v| {
                    let mut q = p.clone();
                    set(&mut q, *s, v);
                    q
                })
            })
            .collect();
    }
    points.retain(|p| p.iter().all(|&(min, max)| min <= max));
    let n = points.len();
    let tasks: Vec<(usize, usize)> =
        (0..n).flat_map(|p| (0..plan.cases.len()).map(move |c| (p, c))).collect();
    let verdicts: Vec<Result<Verdict, Interrupted>> = tasks
        .par_iter()
        .with_max_len(1)
        .map(|&(p, c)| Ok(ev.evaluate(c, &points[p], &seeds)?.verdict()))
        .collect();
    let verdicts: Vec<Verdict> = verdicts.into_iter().collect::<Result<_, _>>()?;
    // The cases not met at the top of the ranges (which need not be a grid
    // point: a warm range above the cap is clipped there) are left aside,
    // as the search leaves them.
    let top = plan.top();
    let cases = plan.cases.len();
    let at_top: Vec<Result<Verdict, Interrupted>> = (0..cases)
        .into_par_iter()
        .with_max_len(1)
        .map(|c| Ok(ev.evaluate(c, &top, &seeds)?.verdict()))
        .collect();
    let mut infeasible = Vec::new();
    for (c, v) in at_top.into_iter().enumerate() {
        if v? != Verdict::Met {
            infeasible.push(c);
        }
    }
    if infeasible.len() == cases {
        return Ok(Grid { best: top, points: n, infeasible });
    }
    let feasible =
        |p: usize| (0..cases).all(|c| infeasible.contains(&c) || verdicts[p * cases + c] == Verdict::Met);
    let best = (0..n).filter(|&p| feasible(p)).min_by(|&a, &b| {
        plan.capacity_cost(&points[a]).total_cmp(&plan.capacity_cost(&points[b])).then(a.cmp(&b))
    });
    Ok(Grid { best: best.map_or(top, |p| points[p].clone()), points: n, infeasible })
}

/// The number of points of the grid `--exhaustive` evaluates (before
/// points with `min_instances` above `max_instances` are dropped).
pub fn grid_size(plan: &Plan) -> u128 {
    plan.settings.iter().map(|&s| plan.range(s).values().len() as u128).product()
}

/// The verdicts of `cases` at `cap` with `seeds`, evaluated in parallel.
fn evaluate_cases(
    ev: &Evaluator<'_>,
    cases: &[usize],
    cap: &Capacity,
    seeds: &[u64],
) -> Result<Vec<Verdict>, Interrupted> {
    cases.par_iter().with_max_len(1).map(|&c| Ok(ev.evaluate(c, cap, seeds)?.verdict())).collect()
}

/// Lowers each setting of `cap`, in the search's order, by bisection to
/// the least value at which every case of `cases` still meets the SLO on
/// the search's seeds, the other settings as they stand. Returns the
/// capacity and the evaluations it asked for (probes times cases).
fn refine(ev: &Evaluator<'_>, mut cap: Capacity, cases: &[usize]) -> Result<(Capacity, u64), Interrupted> {
    let plan = ev.plan;
    let seeds = plan.search_seeds();
    let mut evaluations = 0u64;
    for &s in &plan.settings {
        let current = get(&cap, s);
        let mut values = plan.range(s).values();
        values.retain(|&v| v < current);
        values.push(current);
        let (mut lo, mut hi) = (0, values.len() - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let mut trial = cap.clone();
            set(&mut trial, s, values[mid]);
            clip(&mut trial);
            evaluations += cases.len() as u64;
            if evaluate_cases(ev, cases, &trial, &seeds)?.iter().all(|&v| v == Verdict::Met) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        set(&mut cap, s, values[hi]);
        clip(&mut cap);
    }
    Ok((cap, evaluations))
}

/// The plan for one setting.
#[derive(Clone, Debug)]
pub struct SettingPlan {
    /// The setting.
    pub setting: Setting,
    /// Its value now.
    pub current: u32,
    /// The value the plan recommends.
    pub recommended: u32,
    /// The case that needs it: the first to miss the SLO one step lower on
    /// the search's seeds (`None` at the range's floor, or when every case
    /// still met one step lower).
    pub binding: Option<usize>,
    /// With the confirmation's seeds, one step lower in the binding case:
    /// `Some(verdict)`, or `None` at the range's floor.
    pub one_step_lower: Option<Verdict>,
}

/// Everything a plan found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Each case's search (in case order), or none with `--exhaustive`.
    pub searches: Vec<CaseSearch>,
    /// The plan's capacity per region (the top of the ranges when no case
    /// can be met at all).
    pub capacity: Capacity,
    /// Cases no capacity within the ranges meets (not met even at the top
    /// of every range): they do not set the plan.
    pub infeasible: Vec<usize>,
    /// Per setting.
    pub settings: Vec<SettingPlan>,
    /// Every case at the scenario's current capacity, confirmation seeds.
    pub current: Vec<Evaluation>,
    /// Every case at the plan, confirmation seeds.
    pub planned: Vec<Evaluation>,
    /// Cases that met the SLO at the plan but not with one step more in
    /// every region: where more capacity hurt.
    pub not_monotone: Vec<usize>,
    /// How the plan was found: `"search"` or `"exhaustive"`.
    pub method: &'static str,
    /// Grid points evaluated (exhaustive only).
    pub grid_points: Option<usize>,
    /// Runs of the search (or the grid), and of the confirmation.
    pub runs_search: u64,
    /// Runs after the search: the matrix and the checks.
    pub runs_confirm: u64,
}

/// The searches of the cases `owned` picks, in parallel.
pub fn search(
    ev: &Evaluator<'_>,
    owned: impl Fn(usize) -> bool + Sync,
) -> Result<Vec<CaseSearch>, Interrupted> {
    let cases: Vec<usize> = (0..ev.plan.cases.len()).filter(|&c| owned(c)).collect();
    cases.par_iter().with_max_len(1).map(|&c| search_case(ev, c)).collect()
}

/// From the searches of every case (or an exhaustive answer): the plan,
/// the binding cases, the confirmation and the checks.
pub fn finish(
    ev: &Evaluator<'_>,
    searches: Vec<CaseSearch>,
    exhaustive: Option<Grid>,
) -> Result<Outcome, Interrupted> {
    let plan = ev.plan;
    let runs_before = ev.runs();
    let runs_search = match &exhaustive {
        Some(_) => runs_before,
        None => {
            searches.iter().map(|x| u64::from(x.probes)).sum::<u64>() * u64::from(plan.spec().replications)
        }
    };
    let (capacity, infeasible, method, grid_points) = match &exhaustive {
        Some(g) => (g.best.clone(), g.infeasible.clone(), "exhaustive", Some(g.points)),
        None => {
            // The cases no capacity in the ranges can meet do not set the plan:
            // they are reported as such.
            let mut cap = plan.current();
            for &s in &plan.settings {
                let v = searches.iter().filter(|x| x.feasible).map(|x| get(&x.capacity, s)).max();
                set(&mut cap, s, v.unwrap_or(plan.range(s).to));
            }
            clip(&mut cap);
            let infeasible = searches.iter().filter(|s| !s.feasible).map(|s| s.case).collect();
            (cap, infeasible, "search", None)
        }
    };
    let n = plan.cases.len();
    let judged: Vec<usize> = (0..n).filter(|c| !infeasible.contains(c)).collect();
    // The joint descent: a case's own search may have leaned on a region
    // the plan keeps higher for another case, so each setting is lowered
    // again with every case judged at once.
    let (capacity, refine_evaluations) =
        if method == "search" && !judged.is_empty() { refine(ev, capacity, &judged)? } else { (capacity, 0) };
    // The case that binds each setting: the first to miss one step lower,
    // on the search's seeds.
    let mut bindings = Vec::new();
    let mut binding_evaluations = 0u64;
    for &s in &plan.settings {
        let lower = plan.range(s).values().into_iter().rev().find(|&v| v < get(&capacity, s));
        let Some(v) = lower.filter(|_| !judged.is_empty()) else {
            bindings.push(None);
            continue;
        };
        let mut trial = capacity.clone();
        set(&mut trial, s, v);
        clip(&mut trial);
        let verdicts = evaluate_cases(ev, &judged, &trial, &plan.search_seeds())?;
        binding_evaluations += judged.len() as u64;
        bindings.push(judged.iter().zip(&verdicts).find(|(_, v)| **v != Verdict::Met).map(|(&c, _)| c));
    }
    let runs_search =
        runs_search + (refine_evaluations + binding_evaluations) * u64::from(plan.spec().replications);
    let seeds = plan.confirm_seeds();
    // Runs after the search: the confirmation's seeds are never the
    // search's, so none of these is found in the cache of an earlier phase.
    let runs_before = ev.runs();
    // One phase after the other, so an evaluation asked for twice (the plan
    // is the current capacity) is found in the cache, never run twice.
    let every_case = |cap: &Capacity| -> Result<Vec<Evaluation>, Interrupted> {
        (0..n).into_par_iter().with_max_len(1).map(|c| ev.evaluate(c, cap, &seeds)).collect()
    };
    let current = every_case(&plan.current())?;
    let planned = every_case(&capacity)?;
    // One step more everywhere must not hurt.
    let mut up = capacity.clone();
    for &s in &plan.settings {
        let values = plan.range(s).values();
        let v = get(&capacity, s);
        let next = values.iter().copied().find(|&x| x > v).unwrap_or(v);
        set(&mut up, s, next);
    }
    clip(&mut up);
    let mut not_monotone = Vec::new();
    if up != capacity {
        for (c, e) in every_case(&up)?.iter().enumerate() {
            if planned[c].verdict() == Verdict::Met && e.verdict() != Verdict::Met {
                not_monotone.push(c);
            }
        }
    }
    // Each setting: the case that needs it, and one step lower there on
    // the confirmation's seeds.
    let mut settings = Vec::new();
    for (&s, &binding) in plan.settings.iter().zip(&bindings) {
        let recommended = get(&capacity, s);
        let lower = plan.range(s).values().into_iter().rev().find(|&v| v < recommended);
        let mut one_step_lower = None;
        if let (Some(v), Some(c)) = (lower, binding) {
            let mut trial = capacity.clone();
            set(&mut trial, s, v);
            clip(&mut trial);
            one_step_lower = Some(ev.evaluate(c, &trial, &seeds)?.verdict());
        }
        settings.push(SettingPlan {
            setting: s,
            current: get(&plan.current(), s),
            recommended,
            binding,
            one_step_lower,
        });
    }
    let runs_confirm = ev.runs() - runs_before;
    Ok(Outcome {
        searches,
        capacity,
        infeasible,
        settings,
        current,
        planned,
        not_monotone,
        method,
        grid_points,
        runs_search,
        runs_confirm,
    })
}

/// Reads a scenario for planning: validated, with `replications`
/// replacing `plan.replications` when given. A problem of the plan (no
/// `[slo]`, too many cases without `force`) is reported at its key.
pub fn load(
    path: &std::path::Path,
    replications: Option<u32>,
    force: bool,
) -> Result<Plan, crate::scenario::InputError> {
    let loaded = crate::scenario::load(path, &crate::scenario::Overrides::default())?;
    let mut sc = loaded.scenario;
    if let Some(k) = replications {
        if !(2..=1000).contains(&k) {
            return Err(crate::scenario::InputError::whole_file(
                path,
                format!(
                    "--replications {k}: a plan takes 2 to 1000 replications (at least 2, to judge the SLO on a confidence interval)"
                ),
            ));
        }
        sc.plan.replications = k;
    }
    let mut plan = Plan::new(sc, force).map_err(|e| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let table: toml::Table = text.parse().unwrap_or_default();
        let key = if !e.key.is_empty() && table.contains_key(e.key.split('.').next().unwrap_or_default()) {
            e.key.clone()
        } else if e.key.is_empty() && table.contains_key("plan") {
            "plan".to_string()
        } else {
            String::new()
        };
        if key.is_empty() {
            return crate::scenario::InputError::whole_file(path, e.message);
        }
        let source = crate::scenario::diag::Source::new(path, &text);
        let diag = crate::scenario::diag::Diag::new(&source);
        diag.error_at_key(&key, e.message);
        diag.finish().expect_err("one problem")
    })?;
    plan.warnings.splice(0..0, loaded.warnings.to_string().lines().map(str::to_string));
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_end_at_their_top() {
        assert_eq!(Range { from: 10, to: 20, step: 5 }.values(), vec![10, 15, 20]);
        assert_eq!(Range { from: 10, to: 21, step: 5 }.values(), vec![10, 15, 20, 21]);
        assert_eq!(Range { from: 7, to: 7, step: 3 }.values(), vec![7]);
    }

    #[test]
    fn verdicts_use_the_pessimistic_bound() {
        let slo = Slo { availability: Some(0.99), latency_p99_ns: Some(100_000_000) };
        let run = |a: f64, p99: f64| RunFigures {
            places: vec![PlaceFigures {
                requests: 100,
                availability: Some(a),
                p99_ms: Some(p99),
                ..Default::default()
            }],
            regions: vec![],
        };
        // Mean 0.992, spread wide: met on the mean only.
        let e = judge(&[run(0.999, 50.0), run(0.985, 50.0)], &slo, 0.95);
        assert_eq!(e.places[0].availability_verdict, Some(Verdict::Marginal));
        assert_eq!(e.places[0].latency_verdict, Some(Verdict::Met));
        let e = judge(&[run(0.995, 50.0), run(0.996, 50.0), run(0.995, 99.0)], &slo, 0.95);
        assert_eq!(e.places[0].availability_verdict, Some(Verdict::Met));
        assert_eq!(e.places[0].latency_verdict, Some(Verdict::Marginal));
        let e = judge(&[run(0.98, 150.0), run(0.98, 160.0)], &slo, 0.95);
        assert_eq!(e.verdict(), Verdict::Missed);
    }
}
