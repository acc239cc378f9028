//! Helpers shared by the integration tests.

use negsim::metrics::{CollectWindows, Row, ScopeKind};
use negsim::model::{self, RunResult};
use negsim::scenario::{self, Overrides, Scenario};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scenario from TOML text; panics with every problem if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    scenario::from_str(Path::new("test.toml"), text, &Overrides::default())
        .unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"))
        .scenario
}

/// An example scenario of the repository (`scenarios/`).
pub fn example(name: &str) -> Scenario {
    load("scenarios", name)
}

/// A regression input of the repository (`tests/regressions/`).
pub fn regression(name: &str) -> Scenario {
    load("tests/regressions", name)
}

fn load(dir: &str, name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(name);
    scenario::load(&path, &Overrides::default()).unwrap_or_else(|e| panic!("{e}")).scenario
}

/// Runs a scenario, keeping every window.
pub fn run(sc: &Scenario) -> (RunResult, CollectWindows) {
    let mut windows = CollectWindows::default();
    let result = model::run(sc, &mut windows);
    (result, windows)
}

/// Runs a scenario with every answer carried by its own event (none
/// settled ahead of the clock), keeping every window.
pub fn run_event_by_event(sc: &Scenario) -> (RunResult, CollectWindows) {
    let mut windows = CollectWindows::default();
    let result = model::run_event_by_event(sc, &mut windows);
    (result, windows)
}

/// Asserts that two runs of one scenario gave the same figures: totals,
/// flows, every window and every ejection.
pub fn assert_same_figures(a: &(RunResult, CollectWindows), b: &(RunResult, CollectWindows)) {
    assert_eq!(a.0.rows, b.0.rows, "totals differ");
    assert_eq!(a.0.flows, b.0.flows, "flows differ");
    assert_eq!(a.1.windows, b.1.windows, "windows differ");
    assert_eq!(a.1.ejections, b.1.ejections, "ejections differ");
}

/// The row of `scope` named `name`.
pub fn row<'a>(rows: &'a [Row], scope: ScopeKind, name: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.scope == scope && r.name == name)
        .unwrap_or_else(|| panic!("no {scope:?} row {name}"))
}

/// Asserts `requests = ok + rejected + errors + timeouts` for every row.
pub fn assert_conservation(rows: &[Row]) {
    for r in rows {
        assert_eq!(
            r.requests,
            r.ok + r.rejected + r.errors + r.timeouts,
            "conservation fails for {:?} {}: {r:?}",
            r.scope,
            r.name
        );
    }
}

/// A fresh empty folder under the target's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the `negsim` binary with `args` in the repository folder.
pub fn negsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(args)
        // Output fitted to a terminal's width is tested on its own: the
        // shell's COLUMNS must not reshape what the other tests read.
        .env_remove("COLUMNS")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("negsim runs")
}

/// Mean and standard error of the mean of `xs` (batch means).
pub fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Runs the example sweep `name` (a file of `scenarios/`) into `out`: one
/// replication of every point, each run 6 minutes long. A sweep that
/// varies the duration itself refuses --duration, so a copy without that
/// axis is run instead.
pub fn short_sweep(name: &str, out: &Path) -> Output {
    let scenario = format!("scenarios/{name}");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&scenario)).unwrap();
    let mut file = scenario.clone();
    if let Some(line) = text.lines().find(|l| l.starts_with("\"simulation.duration\"")) {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let short =
            text.replace(line, "").replace("scenario = \"", &format!("scenario = \"{}/", base.display()));
        let copy = out.with_file_name(format!("{name}.short.toml"));
        std::fs::write(&copy, short).unwrap();
        file = copy.to_str().unwrap().to_string();
    }
    negsim(&[
        "sweep",
        &file,
        "--duration",
        "6m",
        "--replications",
        "1",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ])
}
