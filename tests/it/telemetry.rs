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
    // A rate file loops over its span plus its last interval: 8 + 4 minutes.
    assert_eq!(c.rate((60 + 720 + 250) * 1_000_000_000), 600.0, "looped every 12 minutes");
    assert_eq!(
        c.rate((60 + 720 + 30) * 1_000_000_000),
        0.0,
        "the loop starts over at the file's first value"
    );
    // Clipped step rates stop at the last point too (Poisson and uniform).
    for arrival in ["poisson", "uniform"] {
        let text = format!("{BASE}[[traffic]]\nfile = \"rate.csv\"\ninterpolation = \"step\"\n").replace(
            "name = \"Chicago\"\nrps = 5.0",
            &format!("name = \"Chicago\"\narrival = \"{arrival}\""),
        );
        let (_, windows) = run(&load(&dir, &text));
        for (start_s, rows, _) in &windows.windows {
            let got = rows.iter().find(|r| r.name == "Chicago").unwrap().requests;
            if *start_s >= 481.0 {
                assert!(got <= 2, "{arrival}: {got} requests at {start_s} s, after the file's end");
            }
            if (300.0..420.0).contains(start_s) {
                // Held at 300/s from minute 4 to 8.
                assert!((got as f64 - 18_000.0).abs() < 700.0, "{arrival}: {got} at {start_s} s");
            }
        }
    }
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
        "non-ascii",
        &traffic,
        &[("t.csv", "time,place,rps\n2026-11-27T19:00:0\u{e9}Z,Chicago,1\n")],
        &["t.csv line 2", "is not a time"],
    );
    refused(
        "bad-date",
        &traffic,
        &[("t.csv", "time,place,rps\n2025-02-29T19:00:00Z,Chicago,1\n")],
        &["t.csv line 2", "is not a time"],
    );
    refused(
        "century",
        &traffic,
        &[("t.csv", "time,place,rps\n1e12,Chicago,1\n")],
        &["t.csv line 2", "0 to a century"],
    );
    refused(
        "too-fast",
        &traffic,
        &[("t.csv", "time,place,rps\n0,Chicago,1\n60,Chicago,2e6\n")],
        &["t.csv line 3", "at most 1000000"],
    );
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

/// A recording: Chicago and Denver requests at known milliseconds, kept
/// clear of the last 100 ms of every minute so that each request ends in
/// the window it arrived in.
fn recording() -> (String, Vec<u64>, Vec<u64>) {
    let mut text = String::from("time,place\n");
    let (mut chicago, mut denver) = (Vec::new(), Vec::new());
    let mut ms: u64 = 0;
    for k in 0..6000u64 {
        ms += 7 + (k * 37) % 91; // gaps of 7 to 97 ms, bursty
        if ms % 60_000 > 59_800 {
            continue;
        }
        let place = if k % 3 == 0 { "Denver" } else { "Chicago" };
        text.push_str(&format!("{}.{:03},{place}\n", ms / 1000, ms % 1000));
        if place == "Chicago" { &mut chicago } else { &mut denver }.push(ms * 1_000_000);
    }
    (text, chicago, denver)
}

#[test]
fn a_recording_is_replayed_with_every_request_at_its_time() {
    use negsim::engine::{SimTime, rng::stream};
    use negsim::model::traffic::{ReplayStream, Traffic};
    let dir = temp_dir("telemetry-replay");
    let (text, chicago, denver) = recording();
    write(&dir, "rec.csv", &text);
    let sc = load(&dir, &format!("{BASE}[[replay]]\nfile = \"rec.csv\"\n"));
    assert_eq!(sc.replays[0].cities, vec![(0, chicago.len() as u64), (1, denver.len() as u64)]);
    // A seconds file's 0 is the run's t = 0.
    let origin = 0;
    for (i, want) in [(0, &chicago), (1, &denver)] {
        let stream_ = ReplayStream::open(&sc.replays[0], &sc.cities[i].name);
        let mut t = Traffic::new(&sc.cities[i], i, &[], 0, stream(1, "x")).with_replay(stream_);
        let mut got = Vec::new();
        let mut now = SimTime::ZERO;
        while let Some(next) = t.next_arrival(now, SimTime(u64::MAX / 2)) {
            got.push(next.ns() + origin);
            now = next;
        }
        assert_eq!(got.len(), want.len(), "{}", sc.cities[i].name);
        if let Some(k) = got.iter().zip(want.iter()).position(|(a, b)| a != b) {
            panic!("{}: request {k} at {} ns, recorded at {} ns", sc.cities[i].name, got[k], want[k]);
        }
    }
    // End to end: every window holds exactly the file's requests.
    let sc = load(
        &dir,
        &format!("{BASE}[network]\nmodel = \"none\"\naccess_rtt = \"0ms\"\n[[replay]]\nfile = \"rec.csv\"\n")
            .replace("[service]\n", "[service]\ncpu_time = \"1ms\"\n"),
    );
    let (result, windows) = run(&sc);
    for (start_s, rows, _) in &windows.windows {
        let (a, b) = ((*start_s * 1e9) as u64 + origin, ((*start_s + 60.0) * 1e9) as u64 + origin);
        let want = chicago.iter().filter(|&&t| t >= a && t < b).count() as u64;
        let got = rows.iter().find(|r| r.name == "Chicago").unwrap().requests;
        assert_eq!(got, want, "window at {start_s} s");
    }
    assert_eq!(result.requests, (chicago.len() + denver.len()) as u64);
}

#[test]
fn a_recording_scales_by_thinning_and_by_copies() {
    let dir = temp_dir("telemetry-replay-scale");
    let (text, chicago, _) = recording();
    write(&dir, "rec.csv", &text);
    let n = chicago.len() as f64;
    for (scale, exact) in [(2.0, true), (0.5, false), (1.5, false)] {
        let sc = load(&dir, &format!("{BASE}[[replay]]\nfile = \"rec.csv\"\nscale = {scale:?}\n"));
        let (result, _) = run(&sc);
        let got = result.rows.iter().find(|r| r.name == "Chicago").unwrap().requests as f64;
        let want = n * scale;
        // Thinning and the extra copy are Bernoulli per request.
        let frac = scale - scale.floor();
        let sd = (n * if scale < 1.0 { scale * (1.0 - scale) } else { frac * (1.0 - frac) }).sqrt();
        if exact {
            assert_eq!(got, want);
        } else {
            assert!(
                (got - want).abs() <= 5.0 * sd,
                "scale {scale}: {got} requests, expected {want} ± {}",
                5.0 * sd
            );
        }
    }
}

#[test]
fn bad_recordings_are_refused_with_their_line() {
    let replay = format!("{BASE}[[replay]]\nfile = \"r.csv\"\n");
    refused(
        "replay-order",
        &replay,
        &[("r.csv", "time,place\n1.5,Chicago\n2,Denver\n1.9,Chicago\n")],
        &["r.csv line 4", "must be in time order", "line 3"],
    );
    refused(
        "replay-place",
        &replay,
        &[("r.csv", "time,place\n1,Chicago\n2,Tokio\n")],
        &["r.csv line 3", "\"Tokio\" is not a [[city]]"],
    );
    refused("replay-empty", &replay, &[("r.csv", "time,place\n")], &["r.csv has no rows"]);
    refused(
        "replay-header",
        &replay,
        &[("r.csv", "t,city\n1,Chicago\n")],
        &["r.csv line 1", "expected time,place"],
    );
    refused(
        "replay-time",
        &replay,
        &[("r.csv", "time,place\n1,Chicago\nsoon,Chicago\n")],
        &["r.csv line 3", "\"soon\" is not a time"],
    );
    refused("replay-missing", &replay, &[], &["r.csv cannot be read", "replay[0].file"]);
    let both = format!("{BASE}[[traffic]]\nfile = \"t.csv\"\n[[replay]]\nfile = \"r.csv\"\n");
    refused(
        "replay-twice",
        &both,
        &[("t.csv", "time,place,rps\n0,Chicago,1\n"), ("r.csv", "time,place\n1,Chicago\n")],
        &["r.csv: Chicago already takes its traffic from another file"],
    );
}

/// Streaming keeps memory flat: a recording of 20 million requests (about
/// 370 MB on disk, 2,000 simulated seconds at 10,000 requests/s) runs in
/// the memory of one of a million (100 seconds at the same rate). Measured
/// with /usr/bin/time; run with
/// `cargo test --release -- --ignored replay_memory --nocapture`.
#[test]
#[ignore]
fn replay_memory_does_not_grow_with_the_recording() {
    use std::io::Write;
    let dir = temp_dir("telemetry-replay-memory");
    let rss = |rows: u64| -> u64 {
        let f = dir.join(format!("rec-{rows}.csv"));
        let mut w = std::io::BufWriter::new(fs::File::create(&f).unwrap());
        writeln!(w, "time,place").unwrap();
        for k in 0..rows {
            writeln!(w, "{:.4},{}", k as f64 / 10_000.0, if k % 2 == 0 { "Chicago" } else { "Denver" })
                .unwrap();
        }
        drop(w);
        let seconds = rows / 10_000 + 10;
        let text = format!("{BASE}[[replay]]\nfile = \"rec-{rows}.csv\"\n")
            .replace("duration = \"10m\"", &format!("duration = \"{seconds}s\""))
            .replace("max_instances = 200", "max_instances = 1000");
        let sc = write(&dir, &format!("s-{rows}.toml"), &text);
        let out = dir.join(format!("out-{rows}"));
        let r = std::process::Command::new("/usr/bin/time")
            .args(["-v", env!("CARGO_BIN_EXE_negsim"), "run", &sc, "-o", out.to_str().unwrap(), "--quiet"])
            .output()
            .expect("/usr/bin/time runs");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(r.status.success(), "{err}");
        let kb: u64 = err
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
            .and_then(|v| v.trim().parse().ok())
            .expect("time -v reports the peak");
        eprintln!("{rows} rows: peak {kb} kB");
        kb
    };
    let small = rss(1_000_000);
    let large = rss(20_000_000);
    // The report reads the time series back (one row per window and
    // scope): 20 times the windows may add a few MB, not the file's 370.
    assert!(large < small + 20_000, "peak {large} kB for 20 M rows against {small} kB for 1 M");
}

/// A Monitoring API answer for `https/request_count` grouped by
/// `client_country`: two one-minute points per country.
fn export(countries: &[(&str, [u64; 2])]) -> String {
    let series: Vec<String> = countries
        .iter()
        .map(|(c, n)| {
            format!(
                r#"{{"metric": {{"type": "loadbalancing.googleapis.com/https/request_count", "labels": {{"client_country": "{c}", "response_code": "200"}}}},
  "resource": {{"type": "https_lb_rule", "labels": {{"project_id": "example-project"}}}},
  "metricKind": "DELTA", "valueType": "INT64",
  "points": [
    {{"interval": {{"startTime": "2026-11-27T19:01:00Z", "endTime": "2026-11-27T19:02:00Z"}}, "value": {{"int64Value": "{}"}}}},
    {{"interval": {{"startTime": "2026-11-27T19:00:00Z", "endTime": "2026-11-27T19:01:00Z"}}, "value": {{"int64Value": "{}"}}}}
  ]}}"#,
                n[1], n[0]
            )
        })
        .collect();
    format!("{{\"timeSeries\": [{}]}}\n", series.join(",\n"))
}

#[test]
fn a_cloud_monitoring_export_by_country_is_spread_over_cities_by_population() {
    let dir = temp_dir("telemetry-export");
    write(&dir, "lb.json", &export(&[("United States", [6000, 12000]), ("Germany", [600, 600])]));
    let base = BASE.replace(
        "name = \"Denver\"\nrps = 30.0",
        "name = \"New York\"\n[[city]]\nname = \"Frankfurt\"\n[[city]]\nname = \"Tokyo\"\nrps = 7.0",
    );
    let sc = load(&dir, &format!("{base}[[traffic]]\nfile = \"lb.json\"\n"));
    let s = 1_000_000_000u64;
    let (chicago, ny, frankfurt) =
        (sc.curve_of(0).unwrap(), sc.curve_of(1).unwrap(), sc.curve_of(2).unwrap());
    assert!(sc.curve_of(3).is_none(), "Tokyo keeps its own rate");
    // The United States: Chicago 8,990 thousand, New York 19,040 thousand (Natural Earth).
    let share = 8990.0 / (8990.0 + 19040.0);
    assert!((chicago.rate(30 * s) - 100.0 * share).abs() < 1e-9, "{}", chicago.rate(30 * s));
    assert!((ny.rate(90 * s) - 200.0 * (1.0 - share)).abs() < 1e-9);
    assert_eq!(frankfurt.rate(30 * s), 10.0, "Germany's only city takes it all");
    assert_eq!(chicago.rate(121 * s), 0.0, "clipped after the export's end");
    // Shares of the user's own.
    let sc = load(
        &dir,
        &format!(
            "{base}[[traffic]]\nfile = \"lb.json\"\n[traffic.countries]\n\"United States\" = {{ Chicago = 1, \"New York\" = 3 }}\n"
        ),
    );
    assert_eq!(sc.curve_of(0).unwrap().rate(30 * s), 25.0);
    // A country with no city: refused unless dropped.
    write(&dir, "lb2.json", &export(&[("United States", [6000, 6000]), ("Iceland", [60, 60])]));
    let text = format!("{base}[[traffic]]\nfile = \"lb2.json\"\n");
    refused(
        "export-unmatched",
        &text,
        &[("lb2.json", &export(&[("United States", [6000, 6000]), ("Iceland", [60, 60])]))],
        &["lb2.json: 1 country with no [[city]]", "\"Iceland\" (120 requests)", "unmatched = \"drop\""],
    );
    let sc = load(&dir, &format!("{text}unmatched = \"drop\"\n"));
    assert!(sc.curve_of(0).is_some());
}
