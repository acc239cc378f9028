//! Golden outputs: every example scenario, run at its full duration, writes
//! `summary.csv`, `timeseries.csv`, `flows.csv` and `ejections.csv` (and the
//! calls' files, with calls between services) byte for
//! byte as committed in `tests/golden/NAME/`; every example sweep writes its
//! `sweep.csv` as committed (one replication of 6-minute runs, see
//! `tests/it/cli.rs`). A restructuring must leave them alone; a change that
//! alters figures on purpose rewrites them with
//! `NEGSIM_BLESS=1 cargo test --release golden` and shows the diff.

use crate::support::example;
use negsim::report::{TimeseriesWriter, write_flows, write_summary};
use std::fs;
use std::path::{Path, PathBuf};

fn golden_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

/// Compares `bytes` with the golden file `name/file`, or writes it under
/// `NEGSIM_BLESS`.
pub fn check(name: &str, file: &str, bytes: &[u8]) {
    let path = golden_dir(name).join(file);
    if std::env::var_os("NEGSIM_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        return;
    }
    let want = fs::read(&path).unwrap_or_else(|e| {
        panic!("{}: {e}; write it with NEGSIM_BLESS=1 cargo test --release golden", path.display())
    });
    if want != bytes {
        let (a, b) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(bytes));
        let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).map_or(0, |i| i + 1);
        panic!(
            "{name}/{file} differs from tests/golden (first at line {line}):\n  golden: {}\n  now:    {}\nIf the change is meant, rewrite with NEGSIM_BLESS=1 cargo test --release golden",
            a.lines().nth(line.saturating_sub(1)).unwrap_or(""),
            b.lines().nth(line.saturating_sub(1)).unwrap_or("")
        );
    }
}

/// Runs the example `file` whole and checks its four files.
fn golden_run(file: &str) {
    let sc = example(file);
    let name = file.trim_end_matches(".toml");
    let cities: Vec<String> = sc.cities.iter().map(|c| c.name.clone()).collect();
    let regions = sc.deployment_names();
    let mut sink = TimeseriesWriter::new(
        Vec::new(),
        Vec::new(),
        Vec::new(),
        cities.clone(),
        regions.clone(),
        sc.edge_names(),
    )
    .unwrap();
    let call_names = negsim::report::call_names(&sc);
    if !call_names.is_empty() {
        sink = sink.with_calls(Vec::new(), call_names.clone()).unwrap();
    }
    let result = negsim::model::run(&sc, &mut sink);
    let ((series, _window_flows, ejections), calls) = sink.finish_all().unwrap();
    if let Some(calls) = calls {
        let mut total = Vec::new();
        negsim::report::write_calls(&mut total, &result.calls, &call_names).unwrap();
        check(name, "calls.csv", &total);
        check(name, "calls_timeseries.csv", &calls);
    }
    let mut summary = Vec::new();
    write_summary(&mut summary, &result.rows).unwrap();
    let mut flows = Vec::new();
    write_flows(&mut flows, &result.flows, &cities, &regions).unwrap();
    check(name, "summary.csv", &summary);
    check(name, "timeseries.csv", &series);
    check(name, "flows.csv", &flows);
    check(name, "ejections.csv", &ejections);
}

macro_rules! golden {
    ($($test:ident: $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                golden_run($file);
            }
        )*

        #[test]
        fn every_example_scenario_has_golden_outputs() {
            let covered = [$($file),*];
            for e in fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).unwrap() {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                if !n.ends_with(".toml") {
                    continue; // scenarios/data/: the examples' data files
                }
                let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(&n)).unwrap();
                if !text.contains("[sweep]") {
                    assert!(covered.contains(&n.as_str()), "scenarios/{n} has no golden test in tests/it/golden.rs");
                }
            }
        }
    };
}

golden! {
    global_three_region: "global-three-region.toml",
    mmc_validation: "mmc-validation.toml",
    outage_drill: "outage-drill.toml",
    plan_three_region: "plan-three-region.toml",
    service_health_drill: "service-health-drill.toml",
    shared_database: "shared-database.toml",
    storefront: "storefront.toml",
    telemetry: "telemetry.toml",
    warm_standby_drill: "warm-standby-drill.toml",
}
