//! The command line: every example scenario runs, outputs are complete and
//! reproducible, and bad input gives exit code 2 with a message that names
//! the file, the line, the key and what is allowed.

use crate::support::{negsim, temp_dir};
use std::fs;
use std::path::Path;
use std::process::Command;

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
            let res = crate::support::short_sweep(&name, &out);
            assert!(res.status.success(), "{name}: {}", String::from_utf8_lossy(&res.stderr));
            let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
            assert!(csv.lines().count() >= 3, "{name}: {csv}");
            crate::golden::check(name.trim_end_matches(".toml"), "sweep.csv", csv.as_bytes());
            let page = fs::read_to_string(out.join("report.html")).unwrap();
            assert!(page.contains("<h2>Findings</h2>") && page.contains("<svg"), "{name}: report.html");
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
        // The resolved scenario is itself a valid scenario, and one that
        // draws no warning: negsim's own file must pass a CI that treats
        // warnings as failures.
        let v = negsim(&["validate", out.join("scenario.resolved.toml").to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&v.stderr);
        assert!(v.status.success(), "{name}: {stderr}");
        assert!(!stderr.contains("warning"), "{name}: the resolved scenario draws warnings:\n{stderr}");
    }
}

/// The second run also tells glibc (where it is the C library) to pick its
/// plain builds of the math functions over the FMA and AVX2 ones, whose
/// `exp` gives other last bits on some arguments: what the CPU offers must
/// not change the output (on other systems the variable does nothing).
#[test]
fn the_same_seed_writes_the_same_bytes() {
    let a = temp_dir("same-seed-a");
    let b = temp_dir("same-seed-b");
    for (dir, tunables) in [(&a, ""), (&b, "glibc.cpu.hwcaps=-AVX2_Usable,-FMA_Usable,-AVX2,-FMA")] {
        let res = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
            .args(["run", "scenarios/global-three-region.toml", "--duration", "8m", "-o"])
            .arg(dir)
            .arg("--quiet")
            .env("GLIBC_TUNABLES", tunables)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("negsim runs");
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

/// The corpus of bad inputs: every `tests/bad/NAME.toml` must be refused
/// with exit code 2 and exactly the message in `NAME.err`, by `validate`
/// and by `run`, and never with a panic. After changing a message on
/// purpose, rewrite the expected files with `NEGSIM_BLESS=1 cargo test
/// --release bad_inputs` and read the diff.
#[test]
fn bad_inputs_exit_2_with_exactly_their_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let bless = std::env::var_os("NEGSIM_BLESS").is_some();
    let out = temp_dir("bad-inputs-out");
    for name in files {
        let path = format!("tests/bad/{name}");
        let expected_file = dir.join(name.replace(".toml", ".err"));
        let v = negsim(&["validate", &path]);
        let err = String::from_utf8_lossy(&v.stderr).into_owned();
        assert_eq!(v.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        if bless {
            fs::write(&expected_file, &err).unwrap();
        }
        let expected = fs::read_to_string(&expected_file).unwrap_or_else(|_| panic!("{name}: no .err file"));
        assert_eq!(err, expected, "{name}: the message changed");
        let r = negsim(&["run", &path, "-o", out.to_str().unwrap(), "--quiet"]);
        assert_eq!(r.status.code(), Some(2), "{name} (run)");
        assert_eq!(String::from_utf8_lossy(&r.stderr), expected, "{name} (run)");
    }
    let res = negsim(&["run", "no/such/file.toml"]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("no/such/file.toml: cannot read the scenario"));
}

/// Every command's help fits a 60-column terminal (`COLUMNS`, which clap
/// reads where it cannot ask the terminal): unwrapped, lines ran to 267
/// characters.
#[test]
fn help_fits_a_narrow_terminal() {
    let commands = [
        "", "run", "sweep", "plan", "merge", "report", "validate", "init", "schema", "regions", "cities",
        "edges", "latency",
    ];
    for command in commands {
        let res = Command::new(env!("CARGO_BIN_EXE_negsim"))
            .args([command, "--help"].iter().filter(|a| !a.is_empty()))
            .env("COLUMNS", "60")
            .output()
            .unwrap();
        assert!(res.status.success(), "{command}");
        let text = String::from_utf8_lossy(&res.stdout);
        assert!(text.lines().count() > 3, "{command}: {text}");
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "negsim {command} --help: {line:?}");
        }
    }
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
    assert!(out.contains("Sydney           -> australia-southeast1 (0.0 ms, route model)"), "{out}");
    // Tokyo's second choice is Iowa, at Google's measured 144 ms (issue 18).
    assert!(
        out.contains("Tokyo            -> australia-southeast1 (106.0 ms, measured from asia-northeast1), then us-central1 (144.0 ms"),
        "{out}"
    );
    let res = negsim(&["regions"]);
    assert!(String::from_utf8_lossy(&res.stdout).lines().count() > 40);
}

/// Inputs that once crashed or hung negsim (`tests/regressions/README.md`):
/// each must finish within a minute, with exit code 0 or 2, never a panic.
#[test]
fn regression_inputs_finish_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let out = temp_dir("regressions");
    let mut n = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        n += 1;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
            .args(["run", path.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet", "--force"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed().as_secs() > 60 {
                child.kill().unwrap();
                panic!("{} still runs after a minute", path.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(matches!(status.code(), Some(0 | 2)), "{}: {status:?}\n{err}", path.display());
        assert!(!err.contains("panicked"), "{}: {err}", path.display());
    }
    assert!(n >= 4, "{n} regression inputs");
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites_and_schema_prints_json() {
    let dir = temp_dir("init");
    let file = dir.join("scenario.toml");
    let f = file.to_str().unwrap();
    let res = negsim(&["init", f]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let v = negsim(&["validate", f]);
    assert!(v.status.success(), "the starter is valid: {}", String::from_utf8_lossy(&v.stderr));
    let again = negsim(&["init", f]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists; choose another name or add --force"));
    assert!(negsim(&["init", f, "--force"]).status.success());
    let out = negsim(&["run", f, "--duration", "2m", "-o", dir.join("out").to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "the starter runs: {}", String::from_utf8_lossy(&out.stderr));

    let schema = negsim(&["schema"]);
    assert!(schema.status.success());
    let json: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(json["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn run_given_a_sweep_file_runs_the_sweep() {
    let out = temp_dir("run-a-sweep");
    let o = out.to_str().unwrap();
    let res = negsim(&["run", "scenarios/warm-standby.toml", "--duration", "2m", "-o", o]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert!(String::from_utf8_lossy(&res.stderr).contains("is a sweep file: running it as `negsim sweep"));
    assert!(out.join("sweep.csv").is_file() && out.join("report.html").is_file());
    let seeded = negsim(&["run", "scenarios/warm-standby.toml", "--seed", "2", "-o", o, "--force"]);
    assert_eq!(seeded.status.code(), Some(2));
}

/// `negsim validate` of a sweep file checks every point as `negsim sweep`
/// does and prints the grid (it took the file for a scenario: "[simulation]
/// is missing", "sweep: unknown key").
#[test]
fn validate_checks_a_sweep_file_as_a_sweep() {
    let res = negsim(&["validate", "scenarios/capacity-sweep.toml"]);
    let (out, err) = (String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
    assert!(res.status.success(), "{err}");
    assert!(out.contains("24 points x 3 replications (seeds 1 to 3) = 72 runs"), "{out}");
    assert!(out.contains("# axis client.retries = [0, 1, 2]"), "{out}");
    assert!(out.contains("# point 23: simulation.duration = 60m, region.europe-west1.max_instances = 28, client.retries = 2"), "{out}");
    // A value that breaks a point is reported at its axis, as `sweep` reports it.
    let dir = temp_dir("validate-sweep");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let text = fs::read_to_string(base.join("capacity-sweep.toml"))
        .unwrap()
        .replace("[0, 1, 2]", "[0, 1, -2]")
        .replace("scenario = \"", &format!("scenario = \"{}/", base.display()));
    let bad = dir.join("bad-sweep.toml");
    fs::write(&bad, text).unwrap();
    let res = negsim(&["validate", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("sweep.grid.\"client.retries\"[2]: value -2"), "{err}");
}

/// `negsim latency FROM`: every region's round trip and its source, from a
/// city (through its edge), a region or a point; a bad FROM is bad input.
#[test]
fn latency_prints_each_regions_round_trip_and_its_source() {
    let out = negsim(&["latency", "Tokyo"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("at the Tokyo edge"), "{text}");
    let line = |name: &str| text.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_string();
    assert!(line("us-central1 ").contains("144.0  measured from asia-northeast1"), "{text}");
    assert!(line("europe-west1 ").contains("223.5  measured from asia-northeast1"), "{text}");
    assert_eq!(text.lines().count(), 2 + 42, "a header, the column names, one line per region");

    let out = negsim(&["latency", "us-central1", "--model", "route"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().skip(2).all(|l| l.ends_with("route model")), "{text}");

    // In a narrow terminal the sentence above the table wraps (it ran to 131 characters).
    let narrow = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(["latency", "Tokyo"])
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let narrow = String::from_utf8_lossy(&narrow.stdout);
    let sentence: Vec<&str> = narrow.lines().take_while(|l| !l.starts_with("region ")).collect();
    assert!(sentence.len() > 1 && sentence.iter().all(|l| l.chars().count() <= 60), "{narrow}");
    assert_eq!(narrow.lines().count(), sentence.len() + 1 + 42, "{narrow}");

    // Nagoya's users enter at Osaka, 140 km away.
    let out = negsim(&["latency", "35.18,136.91"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("at the Osaka edge (140 km"));

    for bad in ["Tokio", "91,0", "x,y"] {
        let out = negsim(&["latency", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("is not a built-in region, a built-in city or LAT,LON")
        );
    }
}

/// Runs negsim with `args`, its standard output going to `out` and its
/// standard error to `err` (piped when `None`); returns the exit code and
/// what it said on standard error.
#[cfg(unix)]
fn negsim_into(
    args: &[&str],
    out: std::process::Stdio,
    err: Option<std::process::Stdio>,
) -> (Option<i32>, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR")).stdout(out);
    cmd.stderr(err.unwrap_or(std::process::Stdio::piped()));
    let res = cmd.output().expect("negsim runs");
    (res.status.code(), String::from_utf8_lossy(&res.stderr).into_owned())
}

#[cfg(unix)]
#[test]
fn a_closed_or_full_standard_output_is_an_exit_code_not_a_panic() {
    // Closed: a reader that has gone (`negsim schema | head -c1`) ends it quietly.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let (code, err) = negsim_into(&["schema"], writer.into(), None);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    // Full: the error is named, exit 1 (it used to panic, exit 101).
    for args in [&["schema"][..], &["validate", "scenarios/outage-drill.toml"], &["edges"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let (code, err) = negsim_into(args, full.into(), None);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains("cannot write to standard output"), "{args:?}: {err}");
    }
    // Standard error closed too (`negsim validate F 2>&1 | head -c1`): an
    // input error keeps its exit code 2.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let both = writer.try_clone().unwrap();
    let (code, _) =
        negsim_into(&["validate", "tests/bad/matrix-bad-values.toml"], writer.into(), Some(both.into()));
    assert_eq!(code, Some(2));
}
