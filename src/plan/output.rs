//! The files of a plan: `matrix.csv`, `plan.csv`, `search.csv`,
//! `plan.json` (the columns are described in docs/reference/outputs.md).

use super::{CaseSearch, Evaluation, Outcome, Plan, Setting, Verdict, get};
use crate::scenario::plan::Knob;
use crate::scenario::units::format_duration;
use serde::{Deserialize, Serialize};

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("writing to memory does not fail");
    }
    String::from_utf8(w.into_inner().expect("writing to memory does not fail")).expect("the fields are UTF-8")
}

fn est(e: super::Estimate, d: usize) -> [String; 2] {
    match e {
        Some((m, h)) => [format!("{m:.d$}"), h.map_or(String::new(), |h| format!("{h:.d$}"))],
        None => [String::new(), String::new()],
    }
}

/// `"<region>.<knob>"`, a setting's name in files.
pub fn setting_name(plan: &Plan, s: Setting) -> String {
    format!("{}.{}", plan.scenario.regions[s.region].name, s.knob.name())
}

/// `matrix.csv`: every case at the current capacity and at the plan, one
/// row per place (global, each city) and per region.
pub fn matrix_csv(plan: &Plan, outcome: &Outcome) -> String {
    let regions: Vec<&str> = plan.scenario.regions.iter().map(|r| r.name.as_str()).collect();
    let mut head: Vec<String> = [
        "capacity",
        "case",
        "scope",
        "name",
        "requests",
        "availability",
        "availability_ci",
        "latency_p99_ms",
        "latency_p99_ms_ci",
        "availability_target",
        "latency_target",
        "slo",
        "recovery_s",
        "recovery_s_ci",
        "instances_max",
        "instances_max_ci",
        "cold_starts",
        "cold_starts_ci",
    ]
    .map(String::from)
    .to_vec();
    head.extend(regions.iter().map(|r| format!("to_{r}")));
    let mut rows = vec![head];
    let blank = |n: usize| vec![String::new(); n];
    let word = |v: Option<Verdict>| v.map_or(String::new(), |v| v.word().to_string());
    for (label, evals) in [("current", &outcome.current), ("plan", &outcome.planned)] {
        for (c, e) in evals.iter().enumerate() {
            let case = &plan.cases[c].name;
            for (p, place) in e.places.iter().enumerate() {
                let (scope, name) = if p == 0 {
                    ("global", "global")
                } else {
                    ("city", plan.scenario.cities[p - 1].name.as_str())
                };
                let mut r = vec![label.to_string(), case.clone(), scope.into(), name.into()];
                r.push(format!("{:.0}", place.requests));
                r.extend(est(place.availability, 6));
                r.extend(est(place.p99_ms, 1));
                r.push(word(place.availability_verdict));
                r.push(word(place.latency_verdict));
                r.push(place.verdict().word().into());
                r.extend(est(place.recovery_s, 0));
                r.extend(blank(4));
                if p == 0 {
                    r.extend(blank(regions.len()));
                } else {
                    r.extend(place.served.iter().map(|s| format!("{s:.4}")));
                }
                rows.push(r);
            }
            for (i, reg) in e.regions.iter().enumerate() {
                let mut r = vec![label.to_string(), case.clone(), "region".into(), regions[i].into()];
                r.push(format!("{:.0}", reg.requests));
                r.extend(blank(9));
                r.extend(est(reg.instances_max, 1));
                r.extend(est(reg.cold_starts, 1));
                r.extend(blank(regions.len()));
                rows.push(r);
            }
        }
    }
    csv_text(&rows)
}

/// `plan.csv`: one row per setting the search varied.
pub fn plan_csv(plan: &Plan, outcome: &Outcome) -> String {
    let mut rows = vec![
        [
            "region",
            "setting",
            "current",
            "recommended",
            "binding_case",
            "one_step_lower",
            "capacity_usd_month_current",
            "capacity_usd_month_plan",
            "run_usd_month_plan",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let current = plan.current();
    for sp in &outcome.settings {
        let r = sp.setting.region;
        let cost = |min: u32, max: u32| match sp.setting.knob {
            Knob::MaxInstances => plan.region_cost(r, 0, max),
            Knob::MinInstances => plan.region_cost(r, min, 0),
        };
        rows.push(vec![
            plan.scenario.regions[r].name.clone(),
            sp.setting.knob.name().into(),
            sp.current.to_string(),
            sp.recommended.to_string(),
            sp.binding.map_or(String::new(), |c| plan.cases[c].name.clone()),
            sp.one_step_lower.map_or(String::new(), |v| v.word().into()),
            format!("{:.2}", cost(current[r].0, current[r].1)),
            format!("{:.2}", cost(outcome.capacity[r].0, outcome.capacity[r].1)),
            format!("{:.2}", outcome.planned.first().map_or(0.0, |e| e.regions[r].cost_month_usd)),
        ]);
    }
    csv_text(&rows)
}

/// The columns of `search.csv`: the case, then one per setting searched.
fn search_header(plan: &Plan) -> Vec<String> {
    let mut head: Vec<String> = ["case", "name", "feasible", "probes"].map(String::from).to_vec();
    head.extend(plan.settings.iter().map(|&s| setting_name(plan, s)));
    head
}

/// `search.csv`: what each case's own search needed (a shard's work).
pub fn search_csv(plan: &Plan, searches: &[CaseSearch]) -> String {
    let mut rows = vec![search_header(plan)];
    for s in searches {
        let mut r = vec![
            s.case.to_string(),
            plan.cases[s.case].name.clone(),
            if s.feasible { "yes" } else { "no" }.into(),
            s.probes.to_string(),
        ];
        r.extend(plan.settings.iter().map(|&x| get(&s.capacity, x).to_string()));
        rows.push(r);
    }
    csv_text(&rows)
}

/// Reads a `search.csv` back (for `negsim merge`).
pub fn read_search_csv(plan: &Plan, text: &str) -> Result<Vec<CaseSearch>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let want = search_header(plan);
    let head: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(String::from).collect();
    if head != want {
        return Err(format!("its columns are not this plan's ({})", want.join(",")));
    }
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let field = |k: usize| rec.get(k).unwrap_or("");
        let case: usize =
            field(0).parse().map_err(|_| format!("line {line}: \"{}\" is not a case number", field(0)))?;
        if case >= plan.cases.len() || plan.cases[case].name != field(1) {
            return Err(format!("line {line}: case {case} \"{}\" is not a case of this plan", field(1)));
        }
        let mut capacity = plan.current();
        for (k, &s) in plan.settings.iter().enumerate() {
            let v: u32 = field(4 + k)
                .parse()
                .map_err(|_| format!("line {line}: \"{}\" is not a number of instances", field(4 + k)))?;
            match s.knob {
                Knob::MaxInstances => capacity[s.region].1 = v,
                Knob::MinInstances => capacity[s.region].0 = v,
            }
        }
        out.push(CaseSearch {
            case,
            capacity,
            feasible: field(2) == "yes",
            probes: field(3).parse().map_err(|_| format!("line {line}: \"{}\" is not a count", field(3)))?,
        });
    }
    Ok(out)
}

/// What `plan.json` says about a plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanMeta {
    /// negsim's version.
    pub version: String,
    /// The build id.
    pub build: String,
    /// Digest of everything that shaped the results (see [`fingerprint`]).
    pub fingerprint: String,
    /// The scenario file.
    pub scenario: String,
    /// Seed of the search's first replication.
    pub seed: u64,
    /// Replications of every evaluation.
    pub replications: u32,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// When the failure starts, UTC (`"19:00"`).
    pub failure_start_utc: String,
    /// How long it lasts.
    pub failure_duration: String,
    /// Simulated before it, not judged.
    pub lead: String,
    /// Simulated after it, judged.
    pub recovery: String,
    /// The cases, in order.
    pub cases: Vec<String>,
    /// The settings searched, in order (`"<region>.<knob>"`).
    pub settings: Vec<String>,
    /// `"search"` or `"exhaustive"`.
    pub method: String,
    /// `I/N`, or absent for every case.
    pub shard: Option<String>,
    /// Present once the plan is whole (not in a shard).
    pub result: Option<PlanSummary>,
    /// Threads used (not a result: differs between machines).
    pub threads: usize,
    /// Wall-clock seconds (not a result).
    pub wall_s: f64,
}

/// The whole plan's answer, in `plan.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanSummary {
    /// Cases no capacity within the ranges meets.
    pub infeasible: Vec<String>,
    /// Each case's verdict at the current capacity.
    pub current: Vec<String>,
    /// Each case's verdict at the plan.
    pub planned: Vec<String>,
    /// Recommended value of each setting (as `settings`).
    pub recommended: Vec<u32>,
    /// The capacity cost per month now and with the plan (USD).
    pub capacity_usd_month_current: f64,
    /// See above.
    pub capacity_usd_month_plan: f64,
    /// Cases where one step more in every region did not meet the SLO.
    pub not_monotone: Vec<String>,
    /// Runs of the search (or grid), and after it.
    pub runs_search: u64,
    /// See above.
    pub runs_confirm: u64,
    /// Grid points (exhaustive only).
    pub grid_points: Option<usize>,
}

/// The digest of the plan's inputs: the scenario resolved, its matrix
/// file, the plan spec, and the method.
pub fn fingerprint(plan: &Plan, exhaustive: bool) -> String {
    let (text, matrix) = crate::scenario::resolved::for_folder(&plan.scenario);
    let spec = format!("{:?}", plan.scenario.plan);
    crate::digest::fingerprint(&[
        text.as_bytes(),
        matrix.unwrap_or_default().as_bytes(),
        spec.as_bytes(),
        &[u8::from(exhaustive)],
    ])
}

fn hhmm(s: u32) -> String {
    format!("{:02}:{:02}", s / 3600, (s / 60) % 60)
}

/// `plan.json`'s metadata, without a result.
pub fn meta(plan: &Plan, exhaustive: bool, shard: Option<String>, threads: usize, wall_s: f64) -> PlanMeta {
    let spec = plan.spec();
    PlanMeta {
        version: crate::digest::VERSION.to_string(),
        build: crate::digest::BUILD.to_string(),
        fingerprint: fingerprint(plan, exhaustive),
        scenario: plan.scenario.file.display().to_string(),
        seed: plan.seed,
        replications: spec.replications,
        confidence: spec.confidence,
        failure_start_utc: hhmm(plan.failure_utc_s),
        failure_duration: format_duration(spec.failure_ns),
        lead: format_duration(spec.lead_ns),
        recovery: format_duration(spec.recovery_ns),
        cases: plan.cases.iter().map(|c| c.name.clone()).collect(),
        settings: plan.settings.iter().map(|&s| setting_name(plan, s)).collect(),
        method: if exhaustive { "exhaustive" } else { "search" }.into(),
        shard,
        result: None,
        threads,
        wall_s,
    }
}

/// The summary of a whole plan.
pub fn summary(plan: &Plan, o: &Outcome) -> PlanSummary {
    let words = |es: &[Evaluation]| es.iter().map(|e| e.verdict().word().to_string()).collect();
    PlanSummary {
        infeasible: o.infeasible.iter().map(|&c| plan.cases[c].name.clone()).collect(),
        current: words(&o.current),
        planned: words(&o.planned),
        recommended: o.settings.iter().map(|s| s.recommended).collect(),
        capacity_usd_month_current: round2(plan.capacity_cost(&plan.current())),
        capacity_usd_month_plan: round2(plan.capacity_cost(&o.capacity)),
        not_monotone: o.not_monotone.iter().map(|&c| plan.cases[c].name.clone()).collect(),
        runs_search: o.runs_search,
        runs_confirm: o.runs_confirm,
        grid_points: o.grid_points,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The text of `plan.json`.
pub fn meta_json(meta: &PlanMeta) -> String {
    let mut s = serde_json::to_string_pretty(meta).expect("plain data serialises");
    s.push('\n');
    s
}

/// Writes a whole plan's files into `dir` (a staging folder).
pub fn write_all(dir: &std::path::Path, plan: &Plan, o: &Outcome, meta: &PlanMeta) -> std::io::Result<()> {
    use crate::report::atomic::write_file;
    write_file(&dir.join("matrix.csv"), |w| w.write_all(matrix_csv(plan, o).as_bytes()))?;
    write_file(&dir.join("plan.csv"), |w| w.write_all(plan_csv(plan, o).as_bytes()))?;
    write_file(&dir.join("search.csv"), |w| w.write_all(search_csv(plan, &o.searches).as_bytes()))?;
    write_file(&dir.join("report.html"), |w| w.write_all(super::report::render(plan, o).as_bytes()))?;
    write_meta(dir, meta)
}

/// Writes `plan.json` into `dir`.
pub fn write_meta(dir: &std::path::Path, meta: &PlanMeta) -> std::io::Result<()> {
    crate::report::atomic::write_file(&dir.join("plan.json"), |w| w.write_all(meta_json(meta).as_bytes()))
}

/// Reads the shards of a plan (each a `search.csv` with a `plan.json`
/// beside it, in a folder negsim wrote whole) after checking they are
/// shards of one plan that cover every case once. Returns the first
/// shard's metadata and every case's search, in case order. `load` builds
/// the plan from the metadata (the scenario file and replications).
pub fn read_shards(
    files: &[std::path::PathBuf],
    load: impl Fn(&PlanMeta) -> Result<Plan, String>,
) -> Result<(Plan, PlanMeta, Vec<CaseSearch>), String> {
    use std::path::Path;
    let mut first: Option<(PlanMeta, Plan)> = None;
    let mut seen: std::collections::BTreeMap<usize, std::path::PathBuf> = Default::default();
    let mut shards: std::collections::BTreeMap<String, std::path::PathBuf> = Default::default();
    let mut out: Vec<CaseSearch> = Vec::new();
    let mut wall = 0.0;
    for given in files {
        let f = if given.is_dir() { given.join("search.csv") } else { given.clone() };
        let fail = |m: String| format!("{}: {m}", f.display());
        let folder = f.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        crate::report::folder::verify(folder, crate::report::folder::Kind::Plan)
            .map_err(|e| e.to_string())?;
        let json = f.with_file_name("plan.json");
        let meta: PlanMeta = std::fs::read_to_string(&json)
            .map_err(|e| format!("{}: cannot read the shard's metadata: {e}", json.display()))
            .and_then(|t| {
                serde_json::from_str(&t).map_err(|e| format!("{}: not plan metadata: {e}", json.display()))
            })?;
        wall += meta.wall_s;
        let shard = match &meta.shard {
            Some(s) => crate::sweep::Shard::parse(s).map_err(|e| fail(format!("shard: {e}")))?,
            None => crate::sweep::Shard::ALL,
        };
        if first.is_none() {
            let plan = load(&meta).map_err(&fail)?;
            let now = fingerprint(&plan, meta.method == "exhaustive");
            if now != meta.fingerprint {
                return Err(fail(format!(
                    "the scenario {} or negsim changed since this shard ran: its inputs no longer give the shard's fingerprint",
                    meta.scenario
                )));
            }
            first = Some((meta.clone(), plan));
        }
        let (m0, plan) = first.as_ref().expect("set above");
        let differs = if m0.version != meta.version || m0.build != meta.build {
            Some(format!(
                "was made by negsim {} (build {}), the first shard by {} (build {})",
                meta.version, meta.build, m0.version, m0.build
            ))
        } else if m0.replications != meta.replications {
            Some(format!(
                "was run with --replications {}, the first shard with {}",
                meta.replications, m0.replications
            ))
        } else if m0.method != meta.method {
            Some(format!("was run as a {}, the first shard as a {}", meta.method, m0.method))
        } else if m0.fingerprint != meta.fingerprint {
            Some("comes from other inputs (the scenario, its [plan] or a file it reads differ)".into())
        } else {
            None
        };
        if let Some(why) = differs {
            return Err(fail(format!("is not a shard of the same plan as {}: it {why}", files[0].display())));
        }
        if let Some(other) = shards.insert(shard.to_string(), f.clone()) {
            return Err(fail(format!("is shard {shard}, as {} is", other.display())));
        }
        let text = std::fs::read_to_string(&f).map_err(|e| fail(format!("cannot read: {e}")))?;
        if !text.ends_with('\n') {
            return Err(fail("its last line is cut off (no newline at the end)".into()));
        }
        for s in read_search_csv(plan, &text).map_err(&fail)? {
            if !shard.owns(s.case) {
                return Err(fail(format!("case {} does not belong to shard {shard}", s.case)));
            }
            if let Some(other) = seen.insert(s.case, f.clone()) {
                return Err(fail(format!("case {} is also in {}", s.case, other.display())));
            }
            out.push(s);
        }
    }
    let (mut meta, plan) = first.ok_or_else(|| "no shard files given".to_string())?;
    let missing: Vec<String> =
        (0..plan.cases.len()).filter(|c| !seen.contains_key(c)).map(|c| c.to_string()).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} cases are in no shard (missing: {}); was a shard left out or did it fail?",
            missing.len(),
            plan.cases.len(),
            missing.join(", ")
        ));
    }
    out.sort_by_key(|s| s.case);
    meta.shard = None;
    meta.wall_s = wall;
    Ok((plan, meta, out))
}
