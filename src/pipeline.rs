//! Running a scenario: scenario -> model -> streaming sinks -> files.
//!
//! The layers, from the bottom: `engine`, `geo`, `format` and `digest`;
//! `scenario`; `metrics`; `model`; `report` (writes result files and reads
//! them back); `pipeline` (this module: runs a scenario into a folder);
//! `sweep` and `plan` (many runs: grids, capacity plans); the command line. No module
//! imports from a layer above its own (`tests/it/layers.rs` checks it).
//!
//! The folder given to [`run_into_observed`] is a fresh one (a
//! [`crate::report::folder::Staging`] folder, or a kept run's own folder
//! inside one), published whole by the caller. The time series
//! (`timeseries.csv`, `timeseries_flows.csv`, `ejections.csv`) are streamed
//! while the run goes on, so their size never sits in memory, and are
//! renamed into place only after the run finished.

use crate::engine::SimTime;
use crate::metrics::WindowSink;
use crate::model::{self, RunResult};
use crate::report::atomic::{self, AtomicFile};
use crate::report::files::{OutputError, RUN_FILES, write_report};
use crate::report::{RunInfo, TimeseriesWriter, write_flows, write_run_json, write_summary};
use crate::scenario::{Scenario, resolved};
use std::io;
use std::path::Path;
use std::time::Instant;

/// Runs `sc` for its totals only (a sweep's runs): no window is kept or
/// written. `observe` as in [`run_into_observed`].
pub fn run_totals(sc: &Scenario, observe: &mut dyn FnMut(SimTime) -> bool) -> RunResult {
    model::run_observed(sc, &mut crate::metrics::NoWindows, observe)
}

/// Runs `sc` and writes every file of the run into `dir` (which must exist
/// and be empty: a staging folder).
pub fn run_into(sc: &Scenario, dir: &Path) -> Result<(RunResult, RunInfo), OutputError> {
    Ok(run_into_observed(sc, dir, &mut |_| true)?.expect("a run that is never stopped finishes"))
}

/// [`run_into`], calling `observe` with the simulated time now and then.
/// When `observe` returns `false` the run stops, the files written so far
/// are removed and `None` is returned.
pub fn run_into_observed(
    sc: &Scenario,
    dir: &Path,
    observe: &mut dyn FnMut(SimTime) -> bool,
) -> Result<Option<(RunResult, RunInfo)>, OutputError> {
    let at = |name: &str| dir.join(name);
    let fail = |name: &str| {
        let file = at(name);
        move |source: io::Error| OutputError { file, source }
    };
    let city_names: Vec<String> = sc.cities.iter().map(|c| c.name.clone()).collect();
    let region_names = sc.deployment_names();
    let call_names = crate::report::call_names(sc);

    let streamed = &RUN_FILES[..3];
    let mut files = Vec::with_capacity(streamed.len());
    for name in streamed {
        files.push(AtomicFile::create(&at(name)).map_err(fail(name))?);
    }
    let mut sink = TimeseriesWriter::new(
        files[0].take_writer(),
        files[1].take_writer(),
        files[2].take_writer(),
        city_names.clone(),
        region_names.clone(),
        sc.edge_names(),
    )
    .map_err(fail(streamed[0]))?;
    let mut calls_file = None;
    if !call_names.is_empty() {
        let name = "calls_timeseries.csv";
        let mut file = AtomicFile::create(&at(name)).map_err(fail(name))?;
        sink = sink.with_calls(file.take_writer(), call_names.clone()).map_err(fail(name))?;
        calls_file = Some(file);
    }

    let started = Instant::now();
    let result = model::run_observed(sc, &mut sink, observe);
    let wall_s = started.elapsed().as_secs_f64();
    if result.interrupted && !sink.failed() {
        // The streamed files were never committed: dropping them removes them.
        return Ok(None);
    }
    // A write that failed (a full disk) stopped the run at once: said here.
    let ((rows, flows, ejections), calls) = sink.finish_all().map_err(fail(streamed[0]))?;
    for ((file, writer), name) in files.into_iter().zip([rows, flows, ejections]).zip(streamed) {
        file.commit_writer(writer).map_err(fail(name))?;
    }
    if sc.services_declared {
        atomic::write_file(&at("services.csv"), |w| {
            crate::report::write_service_times(w, sc, &result.service_times)
        })
        .map_err(fail("services.csv"))?;
    }
    if let (Some(file), Some(writer)) = (calls_file, calls) {
        file.commit_writer(writer).map_err(fail("calls_timeseries.csv"))?;
        atomic::write_file(&at("calls.csv"), |w| crate::report::write_calls(w, &result.calls, &call_names))
            .map_err(fail("calls.csv"))?;
    }
    atomic::write_file(&at("summary.csv"), |w| write_summary(w, &result.rows))
        .map_err(fail("summary.csv"))?;
    crate::hold_for_tests("write");
    atomic::write_file(&at("flows.csv"), |w| write_flows(w, &result.flows, &city_names, &region_names))
        .map_err(fail("flows.csv"))?;
    let (text, matrix) = resolved::for_folder(sc);
    atomic::write_file(&at("scenario.resolved.toml"), |w| w.write_all(text.as_bytes()))
        .map_err(fail("scenario.resolved.toml"))?;
    if let Some(m) = &matrix {
        atomic::write_file(&at(resolved::MATRIX_COPY), |w| w.write_all(m.as_bytes()))
            .map_err(fail(resolved::MATRIX_COPY))?;
    }
    let info = RunInfo {
        version: crate::digest::VERSION.to_string(),
        build: crate::digest::BUILD.to_string(),
        fingerprint: crate::digest::fingerprint(&[
            text.as_bytes(),
            matrix.as_deref().unwrap_or_default().as_bytes(),
        ]),
        name: sc.simulation.name.clone(),
        scenario: sc.file.display().to_string(),
        seed: sc.simulation.seed,
        simulated_s: result.simulated_ns as f64 / 1e9,
        wall_s,
        events: result.events,
        requests: result.requests,
        peak_in_flight: result.peak_in_flight,
        mean_pending_events: result.mean_pending_events,
        requests_per_wall_s: result.requests as f64 / wall_s.max(1e-9),
        events_per_wall_s: result.events as f64 / wall_s.max(1e-9),
    };
    atomic::write_file(&at("run.json"), |w| write_run_json(w, &info)).map_err(fail("run.json"))?;
    write_report(dir)?;
    Ok(Some((result, info)))
}

/// What a run will need, estimated before it starts from the sizes
/// measured on the development machine (1,000 cities, two 1-minute
/// windows: 457 MB resident; 110 bytes per time-series row and 36 per
/// flow row on disk; 1.3 kB of `report.html` per city).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Needs {
    /// Peak memory, in bytes: the simulation's histograms (about 0.45 MB
    /// per scope) or, when larger, the report reading every time-series
    /// row back (about 300 bytes each).
    pub memory_bytes: u64,
    /// Disk space of the output folder, in bytes.
    pub disk_bytes: u64,
}

/// Estimates what running `sc` into a folder needs.
pub fn estimate(sc: &Scenario) -> Needs {
    let (cities, regions) = (sc.cities.len() as u64, sc.deployments.len() as u64);
    let aggregates = if sc.services_declared { (sc.services.len() + sc.regions.len()) as u64 } else { 0 };
    let scopes = 1 + cities + regions + aggregates;
    let windows = sc.simulation.duration_ns.div_ceil(sc.simulation.window_ns.max(1));
    let series = windows.saturating_mul(scopes);
    let flows = windows.saturating_mul(cities);
    let simulation = (16 << 20) + scopes * 460_000;
    let report = (16 << 20) + series.saturating_mul(300);
    let disk = series.saturating_mul(110)
        + flows.saturating_mul(36)
        + cities * regions * 40
        + cities * 1_300
        + (2 << 20);
    Needs { memory_bytes: simulation.max(report), disk_bytes: disk }
}
