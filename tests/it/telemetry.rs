//! Starting from telemetry: rate curves from files, measured
//! distributions (histograms, samples), and their bad input.

use crate::support::{negsim, run, temp_dir};
use negsim::scenario::{self, Overrides};
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let f = dir.join(name);
    fs::write(&f, text).unwrap();
    f.to_str().unwrap().to_string()
}

fn load(dir: &Path, text: &str) -> scenario::Scenario {
    let f = dir.join("s.toml");
    fs::write(&f, text).unwrap();
    scenario::load(&f, &Overrides::default()).unwrap_or_else(|e| panic!("{e}")).scenario
}

const BASE: &str = r#"
[simulation]
duration = "10m"
window = "1m"
seed = 4
[service]
max_instances = 200
[[region]]
name = "us-central1"
[[city]]
name = "Chicago"
rps = 5.0
[[city]]
name = "Denver"
rps = 30.0
"#;

#[test]
fn a_rate_file_gives_each_window_the_requests_its_curve_integrates_to() {
    let dir = temp_dir("telemetry-curve");
    // Chicago ramps from 0 to 300 requests/s over 4 minutes, falls to 60 by
    // minute 8 and stops after it (clipped); Denver keeps its own 30.
    write(&dir, "rate.csv", "time,place,rps\n0,Chicago,0\n240,Chicago,300\n480,Chicago,60\n");
    let sc = load(&dir, &format!("{BASE}[[traffic]]\nfile = \"rate.csv\"\n"));
    let curve = sc.curve_of(0).expect("Chicago has a curve");
    assert!(sc.curve_of(1).is_none());
    let (_, windows) = run(&sc);
    let mut checked = 0;
    for (start_s, rows, _) in &windows.windows {
        let (a, b) = ((*start_s * 1e9) as u64, ((*start_s + 60.0) * 1e9) as u64);
        let want = curve.integral(b) - curve.integral(a);
        let chicago = rows.iter().find(|r| r.name == "Chicago").unwrap();
        // Requests are counted in the window they end in: a request that
        // arrives in the last milliseconds of a window can end in the next.
        // Poisson counts: five standard deviations, plus that spill-over.
        let got = chicago.requests as f64;
        let tol = 5.0 * want.sqrt().max(1.0) + 0.002 * want + 2.0;
        assert!(
            (got - want).abs() <= tol,
            "window at {start_s} s: {got} requests, the curve gives {want:.1} ± {tol:.1}"
        );
        checked += 1;
        if *start_s >= 480.0 {
            assert!(got <= 2.0, "after the file's end (clipped) Chicago sends nothing: {got}");
        }
    }
    assert_eq!(checked, 10);
    // Loop, scale and shift.
    let sc = load(
        &dir,
        &format!(
            "{BASE}[[traffic]]\nfile = \"rate.csv\"\nat_end = \"loop\"\nscale = 2.0\nshift = \"1m\"\ninterpolation = \"step\"\n"
        ),
    );
    let c = sc.curve_of(0).unwrap();
    assert_eq!(c.rate(30 * 1_000_000_000), 0.0, "nothing before the shifted start");
    assert_eq!(c.rate(310 * 1_000_000_000), 600.0, "step: 300 x 2 from minute 5");
    assert_eq!(c.rate((60 + 480 + 250) * 1_000_000_000), 600.0, "looped with the file's span, 8 minutes");
}

#[test]
fn counts_per_interval_become_rates_and_rfc3339_times_align_on_from() {
    let dir = temp_dir("telemetry-counts");
    write(
        &dir,
        "counts.csv",
        "time,place,requests\n2026-11-27T19:00:00Z,Chicago,600\n2026-11-27T19:01:00Z,Chicago,1200\n2026-11-27T19:02:00Z,Chicago,300\n",
    );
    let sc =
        load(&dir, &format!("{BASE}[[traffic]]\nfile = \"counts.csv\"\nfrom = \"2026-11-27T19:01:00Z\"\n"));
    let c = sc.curve_of(0).unwrap();
    let s = 1_000_000_000u64;
    assert_eq!(c.rate(0), 20.0, "1200 requests over the minute from 19:01");
    assert_eq!(c.rate(90 * s), 5.0, "300 over the last minute");
    assert_eq!(c.rate(121 * s), 0.0, "clipped after the last interval");
    assert!((c.integral(120 * s) - 1500.0).abs() < 1e-6);
}

#[test]
fn measured_distributions_from_cloud_monitoring_and_samples_files_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data");
    let dir = temp_dir("telemetry-dists");
    fs::copy(root.join("spanner_latencies.json"), dir.join("spanner_latencies.json")).unwrap();
    fs::copy(root.join("cpu_times.csv"), dir.join("cpu_times.csv")).unwrap();
    let sc = load(
        &dir,
        &format!(
            "{BASE}[service.io_time]\ndist = \"histogram\"\nfile = \"spanner_latencies.json\"\n[service.cpu_time]\ndist = \"samples\"\nfile = \"cpu_times.csv\"\n"
        )
        .replace("[service]\nmax_instances = 200\n", "")
        .replace("[[region]]", "[service]\nmax_instances = 200\n[[region]]"),
    );
    let io = &sc.service.io_time;
    let negsim::scenario::DistSpec::Histogram(h) = io else { panic!("{io:?}") };
    assert_eq!(h.counts.iter().sum::<u64>(), 2000, "both points of the sample export, added");
    assert!(io.mean_ns() > 5e6 && io.mean_ns() < 60e6, "{}", io.mean_ns());
    // The resolved scenario reads back to the same distributions.
    let text = negsim::scenario::resolved::to_string(&sc);
    let again = load(&dir, &text);
    assert_eq!(again.service.io_time, sc.service.io_time);
    let values = |d: &negsim::scenario::DistSpec| match d {
        negsim::scenario::DistSpec::Samples(x) => x.values_ns.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(values(&again.service.cpu_time), values(&sc.service.cpu_time));
    assert_eq!(values(&sc.service.cpu_time).len(), 400);
    let (result, _) = run(&sc);
    assert!(result.rows[0].requests > 10_000);
}

fn refused(name: &str, scenario: &str, files: &[(&str, &str)], needles: &[&str]) {
    let dir = temp_dir(&format!("telemetry-bad-{name}"));
    for (f, t) in files {
        write(&dir, f, t);
    }
    let file = write(&dir, "s.toml", scenario);
    let out = dir.join("out");
    let r = negsim(&["run", &file, "-o", out.to_str().unwrap(), "--quiet"]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{name}: {err}");
    for n in needles {
        assert!(err.contains(n), "{name}: no \"{n}\" in\n{err}");
    }
    assert!(!out.exists(), "{name}: something was written");
}

#[test]
fn bad_telemetry_is_refused_with_the_data_file_its_line_and_what_is_allowed() {
    let traffic = format!("{BASE}[[traffic]]\nfile = \"t.csv\"\n");
    refused(
        "unsorted",
        &traffic,
        &[("t.csv", "time,place,rps\n0,Chicago,1\n60,Chicago,2\n30,Chicago,3\n")],
        &["t.csv line 4", "times must increase", "line 3"],
    );
    refused(
        "duplicate",
        &traffic,
        &[("t.csv", "time,place,rps\n0,Chicago,1\n0,Chicago,2\n")],
        &["t.csv line 3", "times must increase"],
    );
    refused(
        "unknown-place",
        &traffic,
        &[("t.csv", "time,place,rps\n0,Chicagoo,1\n")],
        &["t.csv line 2", "\"Chicagoo\" is not a [[city]]", "did you mean \"Chicago\""],
    );
    refused(
        "negative",
        &traffic,
        &[("t.csv", "time,place,rps\n0,Chicago,-4\n")],
        &["t.csv line 2", "\"-4\" is not requests per second"],
    );
    refused("nan", &traffic, &[("t.csv", "time,place,rps\n0,Chicago,NaN\n")], &["t.csv line 2", "\"NaN\""]);
    refused("empty", &traffic, &[("t.csv", "time,place,rps\n")], &["t.csv has no rows"]);
    refused(
        "header",
        &traffic,
        &[("t.csv", "when,where,rate\n0,Chicago,1\n")],
        &["t.csv line 1", "expected time,place,rps or time,place,requests"],
    );
    refused("missing", &traffic, &[], &["t.csv cannot be read", "traffic[0].file"]);
    let hist = |bounds: &str, counts: &str| {
        format!("{BASE}[service.io_time]\ndist = \"histogram\"\nbounds = {bounds}\ncounts = {counts}\n")
            .replace("[service]\nmax_instances = 200\n", "")
    };
    refused(
        "not-increasing",
        &hist("[\"1ms\", \"5ms\", \"5ms\"]", "[1, 2]"),
        &[],
        &["service.io_time.bounds", "the bounds must increase", "bound 3"],
    );
    refused(
        "counts",
        &hist("[\"1ms\", \"5ms\"]", "[1, 2]"),
        &[],
        &["2 bounds make 1 buckets, but there are 2 counts"],
    );
    refused("zero", &hist("[\"1ms\", \"5ms\"]", "[0]"), &[], &["every count is zero"]);
    let from_file = format!("{BASE}[service.io_time]\ndist = \"histogram\"\nfile = \"h.json\"\n")
        .replace("[service]\nmax_instances = 200\n", "");
    refused(
        "overflow",
        &from_file,
        &[(
            "h.json",
            r#"{"bucketOptions": {"explicitBuckets": {"bounds": [1, 10]}}, "bucketCounts": ["0", "5", "2"]}"#,
        )],
        &["h.json: 2 values are above the last bound (10 ms)"],
    );
    refused("json", &from_file, &[("h.json", "{\"bucketOptions\": \n")], &["h.json line 2: not JSON"]);
    let samples = format!("{BASE}[service.io_time]\ndist = \"samples\"\nfile = \"x.csv\"\n")
        .replace("[service]\nmax_instances = 200\n", "");
    refused(
        "sample-unit",
        &samples,
        &[("x.csv", "latency\n5\n")],
        &["x.csv line 1", "does not end in a unit"],
    );
    refused(
        "sample-bad",
        &samples,
        &[("x.csv", "latency_ms\n5\n-1\n")],
        &["x.csv line 3", "\"-1\" is not a duration in latency_ms"],
    );
}
