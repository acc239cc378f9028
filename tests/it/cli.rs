//! The command line: every example scenario runs, outputs are complete and
//! reproducible, and bad input gives exit code 2 with a message that names
//! the file, the line, the key and what is allowed.

use crate::support::{negsim, temp_dir};
use std::fs;
use std::path::Path;

fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

const OUTPUTS: &[&str] = &[
    "summary.csv",
    "timeseries.csv",
    "timeseries_flows.csv",
    "ejections.csv",
    "flows.csv",
    "run.json",
    "scenario.resolved.toml",
    "report.html",
];

#[test]
fn every_example_scenario_runs_at_a_short_duration() {
    let names = examples();
    assert!(names.len() >= 2, "{names:?}");
    for name in names {
        let out = temp_dir(&format!("example-{name}"));
        let scenario = format!("scenarios/{name}");
        let text = fs::read_to_string(&scenario).unwrap();
        if text.contains("[sweep]") {
            // A sweep: one replication of every point, each run short.
            let o = out.to_str().unwrap();
            let args = ["sweep", &scenario, "--duration", "6m", "--replications", "1", "-o", o, "--quiet"];
            let res = negsim(&args);
            assert!(res.status.success(), "{name}: {}", String::from_utf8_lossy(&res.stderr));
            let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
            assert!(csv.lines().count() >= 3, "{name}: {csv}");
            continue;
        }
        let res = negsim(&["run", &scenario, "--duration", "10m", "-o", out.to_str().unwrap(), "--quiet"]);
        assert!(
            res.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&res.stdout),
            String::from_utf8_lossy(&res.stderr)
        );
        for f in OUTPUTS {
            assert!(out.join(f).is_file(), "{name}: {f} missing");
        }
        for chart in crate::report::CHARTS {
            for ext in ["png", "svg"] {
                assert!(
                    out.join("plots").join(format!("{chart}.{ext}")).is_file(),
                    "{name}: {chart}.{ext} missing"
                );
            }
        }
        let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
        assert!(summary.lines().count() >= 3, "{name}: {summary}");
        // No temporary files are left behind.
        for e in fs::read_dir(&out).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!n.starts_with('.'), "{name}: left {n}");
        }
        // The resolved scenario is itself a valid scenario.
        let v = negsim(&["validate", out.join("scenario.resolved.toml").to_str().unwrap()]);
        assert!(v.status.success(), "{name}: {}", String::from_utf8_lossy(&v.stderr));
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let a = temp_dir("same-seed-a");
    let b = temp_dir("same-seed-b");
    for dir in [&a, &b] {
        let res = negsim(&[
            "run",
            "scenarios/global-three-region.toml",
            "--duration",
            "8m",
            "-o",
            dir.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    }
    for f in OUTPUTS.iter().filter(|f| **f != "run.json") {
        assert_eq!(fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap(), "{f} differs");
    }
    // run.json differs only in the wall-clock fields.
    let strip = |p: &Path| -> String {
        fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("wall_s"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&a.join("run.json")), strip(&b.join("run.json")));

    let c = temp_dir("same-seed-c");
    let res = negsim(&[
        "run",
        "scenarios/global-three-region.toml",
        "--duration",
        "8m",
        "--seed",
        "2",
        "-o",
        c.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(res.status.success());
    assert_ne!(fs::read(a.join("summary.csv")).unwrap(), fs::read(c.join("summary.csv")).unwrap());
    assert!(fs::read_to_string(c.join("run.json")).unwrap().contains("\"seed\": 2"));
}

/// Each bad scenario with the exact lines its error must contain.
const BAD: &[(&str, &str, &[&str])] = &[
    (
        "unknown-key",
        "[simulation]\nduration = \"1h\"\n[service]\nmax_instance = 3\n[[region]]\nname = \"us-central1\"\n[[city]]\nname = \"Chicago\"\n",
        &["unknown-key.toml:4:1: service.max_instance: unknown key (did you mean \"max_instances\"?)"],
    ),
    (
        "bare-number",
        "[simulation]\nduration = 7200\n[[region]]\nname = \"us-central1\"\n[[city]]\nname = \"Chicago\"\n",
        &["bare-number.toml:2:12: simulation.duration: found the bare number 7200; durations need a unit"],
    ),
    (
        "unknown-region",
        "[simulation]\nduration = \"1h\"\n[[region]]\nname = \"us-centrl1\"\n[[city]]\nname = \"Chicago\"\n",
        &[
            "unknown-region.toml:4:8: region[0].name: \"us-centrl1\" is not a built-in Google Cloud region (did you mean \"us-central1\"?); give lat and lon",
        ],
    ),
    (
        "min-above-max",
        "[simulation]\nduration = \"1h\"\n[[region]]\nname = \"us-central1\"\nmin_instances = 5\nmax_instances = 3\n[[city]]\nname = \"Chicago\"\n",
        &[
            "min-above-max.toml:6:17: region[0].max_instances: min_instances (5) must be at most max_instances (3)",
        ],
    ),
    (
        "many-problems",
        "[simulation]\nwarmup = \"1m\"\n[network]\nmodel = \"geo2\"\n[[region]]\nname = \"Atlantis\"\n[[city]]\nname = \"Gotham\"\nrps = -1\n",
        &[
            "many-problems.toml:1:2: simulation: `duration` is missing; it is required (a duration such as \"2h\")",
            "many-problems.toml:4:9: network.model: \"geo2\" is not one of \"geo\", \"matrix\", \"none\" (did you mean \"geo\"?)",
            "many-problems.toml:6:8: region[0].name: \"Atlantis\" is not a built-in Google Cloud region",
            "many-problems.toml:8:8: city[0].name: \"Gotham\" is not a built-in city",
            "many-problems.toml:9:7: city[0].rps: must be between 0 and 1000000, found -1",
        ],
    ),
    (
        "bad-distribution",
        "[simulation]\nduration = \"1h\"\n[service]\ncpu_time = { dist = \"lognormal\", median = \"50ms\", p99 = \"20ms\" }\n[[region]]\nname = \"us-central1\"\n[[city]]\nname = \"Chicago\"\n",
        &["bad-distribution.toml:4:57: service.cpu_time.p99: must be greater than median"],
    ),
    ("syntax", "[simulation\nduration = \"1h\"\n", &["syntax.toml:1:"]),
    (
        "outage-outside",
        "[simulation]\nduration = \"1h\"\n[[region]]\nname = \"us-central1\"\n[[city]]\nname = \"Chicago\"\n[[outage]]\nregion = \"us-central1\"\nstart = \"2h\"\nduration = \"5m\"\n",
        &[
            "outage-outside.toml:9:9: outage[0].start: starts at \"2h\", after the run ends (duration = \"1h\")",
        ],
    ),
];

#[test]
fn bad_inputs_exit_2_with_located_messages() {
    let dir = temp_dir("bad-inputs");
    for (name, text, expected) in BAD {
        let path = dir.join(format!("{name}.toml"));
        fs::write(&path, text).unwrap();
        for cmd in ["run", "validate"] {
            let res = negsim(
                &[cmd, path.to_str().unwrap(), "-o", dir.join("out").to_str().unwrap()]
                    [..if cmd == "run" { 4 } else { 2 }],
            );
            let err = String::from_utf8_lossy(&res.stderr).replace(&format!("{}/", dir.display()), "");
            assert_eq!(res.status.code(), Some(2), "{name} ({cmd}): {err}");
            for want in *expected {
                assert!(err.contains(want), "{name} ({cmd}): expected\n  {want}\nin\n{err}");
            }
            assert!(!err.contains("panicked"), "{name}: {err}");
        }
    }
    let res = negsim(&["run", "no/such/file.toml"]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("no/such/file.toml: cannot read the scenario"));
}

#[test]
fn help_shows_an_example_and_validate_prints_the_resolution() {
    let res = negsim(&["--help"]);
    assert!(res.status.success());
    assert!(String::from_utf8_lossy(&res.stdout).contains("negsim run scenarios/global-three-region.toml"));
    let res = negsim(&["validate", "scenarios/global-three-region.toml"]);
    assert!(res.status.success());
    let out = String::from_utf8_lossy(&res.stdout);
    assert!(out.contains("idle_timeout = \"15m\""), "defaults are filled in");
    assert!(out.contains("Sydney           -> australia-southeast1 (0.0 ms)"), "{out}");
    let res = negsim(&["regions"]);
    assert!(String::from_utf8_lossy(&res.stdout).lines().count() > 40);
}
