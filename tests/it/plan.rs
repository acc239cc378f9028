//! `negsim plan`: the search against the exhaustive grid, the same bytes
//! whatever the threads and shards, and bad input refused before anything
//! runs or is written.

use crate::support::{negsim, temp_dir};
use negsim::plan::{self, Evaluator, Plan, Verdict};
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Two regions, a city near each, capacity that binds at a few instances:
/// an instance serves about 20 requests/s of CPU, a city sends 60, and a
/// region must carry both cities when the other is down.
const SMALL: &str = r#"
[simulation]
name = "plan-small"
duration = "10m"
warmup = "1m"
window = "30s"
seed = 3
initial_instances = "steady"

[service]
concurrency = 4
cpu_time = { dist = "lognormal", median = "40ms", p99 = "120ms" }
cold_start = { dist = "constant", value = "500ms" }
max_instances = 30

[[region]]
name = "us-central1"

[[region]]
name = "europe-west1"

[[city]]
name = "Chicago"
rps = 60.0

[[city]]
name = "London"
rps = 60.0

[slo]
availability = 0.99
latency_p99 = "1s"

[plan]
failure_duration = "3m"
lead = "1m"
replications = 3
max_instances = { from = 2, to = 16, step = 2 }
"#;

fn small_file(dir: &Path) -> std::path::PathBuf {
    let f = dir.join("plan-small.toml");
    fs::write(&f, SMALL).unwrap();
    f
}

#[test]
fn the_search_finds_the_cheapest_plan_of_the_exhaustive_grid_within_one_step() {
    let dir = temp_dir("plan-vs-grid");
    let p: Plan = plan::load(&small_file(&dir), None, false).unwrap();
    assert_eq!(p.cases.len(), 3, "baseline and each region down");
    let stop = AtomicBool::new(false);
    let quiet = |_: u64| {};

    let ev = Evaluator::new(&p, &stop, &quiet);
    let searched = plan::finish(&ev, plan::search(&ev, |_| true).unwrap(), None).unwrap();
    let ev = Evaluator::new(&p, &stop, &quiet);
    let grid = plan::exhaustive(&ev).unwrap();
    assert_eq!(grid.points, 64);
    let full = plan::finish(&ev, Vec::new(), Some(grid)).unwrap();

    assert!(searched.infeasible.is_empty() && full.infeasible.is_empty());
    for (a, b) in searched.settings.iter().zip(&full.settings) {
        let step = p.range(a.setting).step;
        assert!(
            a.recommended.abs_diff(b.recommended) <= step,
            "{:?}: search {} against the grid's cheapest {}",
            a.setting,
            a.recommended,
            b.recommended
        );
        // Capacity binds: the answer is inside the range, not at its floor.
        assert!(b.recommended > p.range(a.setting).from, "{b:?}");
    }
    let step_cost: f64 = (0..2).map(|r| p.region_cost(r, 0, 2)).sum();
    assert!(p.capacity_cost(&searched.capacity) <= p.capacity_cost(&full.capacity) + step_cost + 1e-9);
    // The grid's answer meets every case on its own seeds; the search's
    // plan on fresh ones.
    assert!(searched.planned.iter().all(|e| e.verdict() == Verdict::Met));
    // A region's loss binds the other region.
    for s in &searched.settings {
        let case = &p.cases[s.binding.expect("capacity binds")];
        assert_eq!(case.regions.len(), 1, "{}", case.name);
        assert_ne!(case.regions[0], s.setting.region, "{}", case.name);
    }
    assert!(
        searched.runs_search * 4 <= full.runs_search,
        "search {} runs, grid {}",
        searched.runs_search,
        full.runs_search
    );
}

fn plan_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in ["matrix.csv", "plan.csv", "search.csv", "report.html", "plan.json"] {
        let mut text = fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        if f == "plan.json" {
            // Wall time and threads describe the machine, not the result.
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut v = v.as_object().unwrap().clone();
            v.remove("wall_s");
            v.remove("threads");
            text = serde_json::to_string_pretty(&v).unwrap();
        }
        out.push((f.to_string(), text));
    }
    out
}

#[test]
fn a_plan_has_the_same_bytes_on_one_thread_on_two_and_in_merged_shards() {
    let dir = temp_dir("plan-bytes");
    let file = small_file(&dir);
    let f = file.to_str().unwrap();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let ok = |args: &[&str]| {
        let r = negsim(args);
        assert!(r.status.success(), "{args:?}: {}", String::from_utf8_lossy(&r.stderr));
        r
    };
    let one = ok(&["plan", f, "-o", &out("one"), "--threads", "1"]);
    ok(&["plan", f, "-o", &out("two"), "--threads", "2", "--quiet"]);
    ok(&["plan", f, "-o", &out("s0"), "--shard", "0/2", "--quiet"]);
    ok(&["plan", f, "-o", &out("s1"), "--shard", "1/2", "--quiet"]);
    ok(&["merge", &format!("{}/search.csv", out("s0")), &out("s1"), "-o", &out("merged")]);
    let want = plan_files(&dir.join("one"));
    for (name, text) in &want {
        if name.ends_with(".csv") {
            crate::golden::check("plan-small", name, text.as_bytes());
        }
    }
    assert_eq!(want, plan_files(&dir.join("two")));
    assert_eq!(want, plan_files(&dir.join("merged")));

    let stdout = String::from_utf8_lossy(&one.stdout);
    assert!(stdout.contains("meets the SLO"), "{stdout}");
    let matrix = fs::read_to_string(dir.join("one/matrix.csv")).unwrap();
    // Two capacities x three cases x (global, two cities, two regions).
    assert_eq!(matrix.lines().count(), 1 + 2 * 3 * 5);
    let page = fs::read_to_string(dir.join("one/report.html")).unwrap();
    for needle in ["id=\"heat-current\"", "id=\"heat-plan\"", "us-central1 down", "The plan"] {
        assert!(page.contains(needle), "report.html lacks {needle}");
    }

    // Shards of other inputs are refused, naming what differs.
    ok(&["plan", f, "-o", &out("r4"), "--shard", "1/2", "--replications", "4", "--quiet"]);
    let r = negsim(&["merge", &out("s0"), &out("r4"), "-o", &out("bad")]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("--replications 4, the first shard with 3"), "{err}");
    assert!(!dir.join("bad").exists());
    // A shard missing is refused too.
    let r = negsim(&["merge", &out("s0"), "-o", &out("bad")]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("are in no shard"));
}

/// Runs `negsim plan` on `text` and checks it is refused with exit code 2,
/// a message containing each of `needles`, and nothing written.
fn refused(name: &str, text: &str, extra: &[&str], needles: &[&str]) {
    let dir = temp_dir(&format!("plan-bad-{name}"));
    let file = dir.join(format!("{name}.toml"));
    fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let mut args = vec!["plan", file.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = negsim(&args);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{name}: {err}");
    for n in needles {
        assert!(err.contains(n), "{name}: no \"{n}\" in\n{err}");
    }
    assert!(!out.exists(), "{name}: something was written");
}

/// `"NAME.toml:L"`, L the line of `text` holding `needle`.
fn at(name: &str, text: &str, needle: &str) -> String {
    let line = text.lines().position(|l| l.contains(needle)).expect("the needle is in the text") + 1;
    format!("{name}.toml:{line}:")
}

#[test]
fn bad_plans_are_refused_with_the_file_the_line_and_what_is_allowed() {
    let with = |extra: &str| format!("{SMALL}{extra}");
    let text = SMALL.replace("{ from = 2, to = 16, step = 2 }", "{ from = 16, to = 2 }");
    refused(
        "empty-range",
        &text,
        &[],
        &[
            &at("empty-range", &text, "from = 16"),
            "plan.max_instances.to",
            "the range is empty",
            "give from <= to",
        ],
    );
    let text = SMALL.replace("max_instances = 30\n", "max_instances = 30\nmin_instances = 3\n");
    refused(
        "below-min",
        &text,
        &[],
        &[
            &at("below-min", &text, "from = 2"),
            "is below us-central1's min_instances (3)",
            "start the range at 3",
        ],
    );
    let text = with("\n[[plan.case]]\nname = \"both\"\ndown = [\"us-central1\", \"europe-wset1\"]\n");
    refused(
        "unknown-region",
        &text,
        &[],
        &[
            &at("unknown-region", &text, "europe-wset1"),
            "plan.case[0].down[1]",
            "\"europe-wset1\" is not a region or dependency",
            "did you mean \"europe-west1\"",
        ],
    );
    let text = with("\n[[plan.region]]\nname = \"asia-east9\"\nmax_instances = { from = 1, to = 4 }\n");
    refused(
        "unknown-plan-region",
        &text,
        &[],
        &[
            &at("unknown-plan-region", &text, "asia-east9"),
            "plan.region[0].name",
            "not one of this scenario's regions (us-central1, europe-west1)",
        ],
    );
    let text = SMALL.replace("[slo]\navailability = 0.99\nlatency_p99 = \"1s\"\n", "");
    refused("no-slo", &text, &[], &[&at("no-slo", &text, "[plan]"), "a plan needs an [slo] to meet"]);
    refused("one-replication", SMALL, &["--replications", "1"], &["2 to 1000 replications"]);
    // Twelve regions, every pair: 1 + 12 + 66 = 79 cases.
    let many_regions = [
        "us-central1",
        "us-east1",
        "us-east4",
        "us-west1",
        "us-west2",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "asia-east1",
        "asia-northeast1",
        "asia-south1",
    ];
    let mut text = SMALL
        .replace("[[region]]\nname = \"us-central1\"\n\n[[region]]\nname = \"europe-west1\"\n", "")
        .replace("failure_duration", "losses = \"n+2\"\nfailure_duration");
    for r in many_regions {
        text.push_str(&format!("\n[[region]]\nname = \"{r}\"\n"));
    }
    refused(
        "too-many",
        &text,
        &[],
        &[&at("too-many", &text, "n+2"), "plan.losses", "79 cases", "more than the 64", "--force"],
    );
}

#[test]
fn the_example_plan_fails_at_the_busiest_hour_in_four_cases() {
    let p = plan::load(Path::new("scenarios/plan-three-region.toml"), None, false).unwrap();
    let names: Vec<&str> = p.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["no failure", "us-central1 down", "europe-west1 down", "australia-southeast1 down"]);
    // The nine metros' daily cycles peak together at 19:43 UTC (Europe's
    // evening and the Americas' afternoon).
    assert_eq!(p.failure_utc_s, 19 * 3600 + 43 * 60);
    let (rps, varies) = p.busiest_rps.unwrap();
    assert!(varies && (1900.0..2000.0).contains(&rps), "{rps}");
    assert_eq!(p.settings.len(), 3);
    // A case's run: 5 minutes of lead (the warmup), then 20 of failure.
    let sc = p.case_scenario(&p.cases[1], &p.current(), 1);
    assert_eq!(sc.simulation.duration_ns, 25 * 60 * 1_000_000_000);
    assert_eq!(sc.simulation.warmup_ns, 5 * 60 * 1_000_000_000);
    assert_eq!(sc.simulation.start_utc_s, Some(19 * 3600 + 38 * 60));
    assert_eq!(sc.outages.len(), 1);
    assert_eq!(sc.outages[0].start_ns, 5 * 60 * 1_000_000_000);
}

/// The README's answer, from the whole example plan (about three minutes on
/// two cores): `cargo test --release -- --ignored readme_plan`.
#[test]
#[ignore]
fn the_readme_plan_answer() {
    let dir = temp_dir("plan-readme");
    let out = dir.join("out");
    let r = negsim(&["plan", "scenarios/plan-three-region.toml", "-o", out.to_str().unwrap(), "--quiet"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = fs::read_to_string(out.join("plan.csv")).unwrap();
    let rec: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].to_string())
        })
        .collect();
    let want = [("australia-southeast1", "20"), ("us-central1", "50"), ("europe-west1", "50")];
    assert_eq!(rec, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn warm_capacity_is_searched_below_the_cap_it_goes_with() {
    let dir = temp_dir("plan-warm");
    let f = dir.join("plan-warm.toml");
    // Slow cold starts and a tight p99: warm instances can matter.
    let text = SMALL
        .replace("cold_start = { dist = \"constant\", value = \"500ms\" }", "cold_start = { dist = \"constant\", value = \"3s\" }")
        .replace("replications = 3\n", "replications = 3\nvary = [\"max_instances\", \"min_instances\"]\nmin_instances = { from = 0, to = 12, step = 3 }\n");
    fs::write(&f, text).unwrap();
    let p = plan::load(&f, None, false).unwrap();
    assert_eq!(p.settings.len(), 4, "two regions x two settings, caps first");
    assert!(p.settings[..2].iter().all(|s| s.knob == negsim::scenario::plan::Knob::MaxInstances));
    let stop = AtomicBool::new(false);
    let quiet = |_: u64| {};
    let ev = Evaluator::new(&p, &stop, &quiet);
    let o = plan::finish(&ev, plan::search(&ev, |_| true).unwrap(), None).unwrap();
    for (r, &(min, max)) in o.capacity.iter().enumerate() {
        assert!(min <= max, "region {r}: min_instances {min} above max_instances {max}");
        // A value of its range, or its region's cap when the range reaches above it.
        assert!(
            (min % 3 == 0 && min <= 12) || min == max,
            "region {r}: min_instances {min}, max_instances {max}"
        );
    }
    // Warm instances cost money idle: the plan's cost counts each at the
    // list's idle rate (both regions are Tier 1) for a month of 730 hours.
    let cold: plan::Capacity = o.capacity.iter().map(|&(_, max)| (0, max)).collect();
    let warm_cost = p.capacity_cost(&o.capacity) - p.capacity_cost(&cold);
    let (pr, svc) = (&p.scenario.pricing, &p.scenario.service);
    let idle_per_s = svc.cpu * pr.idle_vcpu_s + svc.memory_gib * pr.idle_gib_s;
    let warm: u32 = o.capacity.iter().map(|&(min, _)| min).sum();
    let want = f64::from(warm) * idle_per_s * 730.0 * 3600.0;
    assert!((warm_cost - want).abs() < 1e-6 * want.max(1.0), "{warm_cost} against {want}");
}

#[test]
fn plan_names_and_ranges_are_checked_against_the_scenario() {
    let with = |extra: &str| format!("{SMALL}{extra}");
    let text = with("\n[[plan.case]]\nname = \"us-central1 down\"\ndown = [\"us-central1\"]\n");
    refused(
        "generated-name",
        &text,
        &[],
        &[&at("generated-name", &text, "name = \"us-central1 down\""), "a case the plan makes itself"],
    );
    let text = SMALL.replace("lead = \"1m\"", "lead = \"1500ms\"");
    refused("lead", &text, &[], &[&at("lead", &text, "1500ms"), "a whole number of seconds"]);
    let text = SMALL.replace(
        "replications = 3\n",
        "replications = 3\nvary = [\"min_instances\"]\nmin_instances = { from = 0, to = 40 }\n",
    );
    refused("warm-above-cap", &text, &[], &["above us-central1's max_instances (30)"]);
    refused("replications", SMALL, &["--replications", "5000"], &["2 to 1000 replications"]);
    let text = SMALL.replace("{ from = 2, to = 16, step = 2 }", "{ from = 1, to = 200 }");
    refused("grid", &text, &["--exhaustive"], &["40000 grid points", "--force"]);
}
