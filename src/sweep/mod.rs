//! Parameter sweeps: a base scenario, grid axes set by key path, the
//! cartesian product of the axes run with replications on every core, and
//! `sweep.csv` with each global metric's mean and 95 % confidence
//! half-width per grid point.
//!
//! * **Order.** Points are numbered from 0 in grid order: the axes in the
//!   order the file lists them, the last one varying fastest.
//! * **Seeds and common random numbers.** Replication `k` of every point runs
//!   with seed `seed + k` (`seed` from `[sweep]`, else the scenario's). Each
//!   entity draws from its own named stream, so replication `k` of every
//!   point sees the same user arrivals: differences between points are the
//!   design's, not the dice's.
//! * **Determinism.** Runs are independent and their results are collected
//!   by (point, replication) before anything is written, so `sweep.csv` has
//!   the same bytes whatever `--threads` and however the points are sharded.
//! * **Validation.** Every point's scenario is validated before anything
//!   runs; a problem caused by an axis is reported at that axis in the sweep
//!   file, with the value and the point.

pub mod charts;
pub mod grid;
pub mod report;
pub mod shard;
pub mod stats;

use crate::metrics::Row;
use crate::pipeline;
use crate::scenario::diag::{Diag, InputError, Problem, Source, parse_toml};
use crate::scenario::reader::{Section, describe};
use crate::scenario::{self, Overrides, Scenario};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use toml::Value;

pub use shard::Shard;

/// Most grid points one sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// One axis of the grid.
#[derive(Clone, Debug)]
pub struct Axis {
    /// The key path as written (`region.us-central1.max_instances`).
    pub key: String,
    /// Its values, in file order.
    pub values: Vec<Value>,
}

/// One point of the grid: a validated scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Position in grid order.
    pub index: usize,
    /// Index into each axis's values.
    pub coords: Vec<usize>,
    /// The scenario with this point's values (seed of replication 0).
    pub scenario: Scenario,
}

/// A validated sweep.
#[derive(Debug)]
pub struct Sweep {
    /// The sweep file.
    pub file: PathBuf,
    /// The base scenario file.
    pub scenario_file: PathBuf,
    /// Replications per point.
    pub replications: u32,
    /// Seed of replication 0.
    pub seed: u64,
    /// The axes, in file order.
    pub axes: Vec<Axis>,
    /// Every point, in grid order.
    pub points: Vec<Point>,
    /// A digest of the inputs after overrides (the sweep and scenario
    /// files, point 0's resolved scenario); see [`Sweep::fingerprint`].
    inputs: String,
    /// `--duration`, when it shortens every point.
    pub duration_override: Option<u64>,
    /// The scenario's warnings, at every point, each said once.
    pub warnings: Vec<String>,
    /// The metrics to chart (`[sweep] metrics`).
    pub metrics: Vec<String>,
}

/// Reads a sweep file and validates every point of its grid. `overrides`
/// (a shorter duration, for quick looks) apply to every point after its
/// axis values.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Sweep, InputError> {
    let text = scenario::read_input(path, "sweep")?;
    let table = parse_toml(path, &text)?;
    let source = Source::new(path, &text);
    let diag = Diag::new(&source);
    let mut root = Section::root(&diag, &table);
    let mut s = root.section("sweep");
    if !s.is_present() {
        diag.error_at_key("sweep", "[sweep] is missing: it names the scenario and the grid");
    }
    let scenario_name = s.opt_string("scenario");
    if s.is_present() && scenario_name.is_none() && !s.has("scenario") {
        s.missing("scenario", "the base scenario file, relative to this file");
    }
    let replications = s.integer("replications", 1, 1, 10_000) as u32;
    let seed = s.opt_integer("seed", 0, i64::MAX).map(|x| x as u64);
    let s_has_seed = s.has("seed");
    let names: Vec<(&str, &str)> = METRICS.iter().map(|&(n, _)| (n, n)).collect();
    let defaults: Vec<&str> = charts::DEFAULT_METRICS.to_vec();
    let metrics: Vec<String> =
        s.choice_list("metrics", &defaults, &names).into_iter().map(str::to_string).collect();
    let mut axes: Vec<(Axis, Vec<grid::Step>)> = Vec::new();
    let grid_path = s.key_path("grid");
    match s.get("grid") {
        None if s.is_present() => diag.error_at_key(
            s.path(),
            "[sweep.grid] is missing: give at least one axis, e.g. \"service.max_instances\" = [10, 20]",
        ),
        None => {}
        Some(Value::Table(g)) => {
            for (key, values) in g {
                let at = scenario::diag::join_key(&grid_path, key);
                let steps = match grid::parse(key) {
                    Ok(steps) => steps,
                    Err(e) => {
                        diag.error_at_key(&at, format!("not a key path: {e}"));
                        continue;
                    }
                };
                match values {
                    Value::Array(v) if !v.is_empty() && v.len() <= 10_000 => {
                        axes.push((Axis { key: key.clone(), values: v.clone() }, steps))
                    }
                    Value::Array(v) if v.is_empty() => diag.error(&at, "an axis needs at least one value"),
                    Value::Array(_) => diag.error(&at, "an axis takes at most 10000 values"),
                    other => diag.error(
                        &at,
                        format!("expected an array of values, e.g. [10, 20, 40], found {}", describe(other)),
                    ),
                }
            }
            if g.is_empty() {
                diag.error(&grid_path, "give at least one axis, e.g. \"service.max_instances\" = [10, 20]");
            }
        }
        Some(other) => diag.error(&grid_path, format!("expected a table of axes, found {}", describe(other))),
    }
    s.finish();
    root.finish();
    if diag.has_errors() {
        return Err(diag.finish().expect_err("has errors"));
    }
    let scenario_file =
        path.parent().unwrap_or(Path::new(".")).join(scenario_name.expect("present when no error"));
    let scenario_text = std::fs::read_to_string(&scenario_file).map_err(|e| {
        let msg = format!("cannot read the scenario \"{}\": {e}", scenario_file.display());
        let mut err = diag_error(&source, "sweep.scenario", msg);
        err.file = path.to_path_buf();
        err
    })?;
    let base = parse_toml(&scenario_file, &scenario_text)?;

    let n_points = axes.iter().try_fold(1usize, |n, (a, _)| n.checked_mul(a.values.len()));
    if n_points.is_none_or(|n| n > MAX_POINTS) {
        return Err(diag_error(&source, &grid_path, format!("the grid has more than {MAX_POINTS} points")));
    }

    // The base scenario must be valid on its own: its problems are its own.
    scenario::from_table(&scenario_file, &scenario_text, &base, overrides)?;
    // `--duration` replaces a duration axis of one value (a setting of the
    // sweep's own, not a dimension), and says so in the axis so that
    // `sweep.csv` records the duration the runs had; an axis of several
    // would collapse onto one duration.
    if let Some(ns) = overrides.duration_ns
        && let Some((axis, _)) = axes.iter_mut().find(|(a, _)| a.key == "simulation.duration")
    {
        if let [only] = axis.values.as_mut_slice() {
            *only = Value::String(scenario::units::format_duration(ns));
        } else {
            let at = scenario::diag::join_key(&grid_path, &axis.key);
            return Err(diag_error(
                &source,
                &at,
                format!(
                    "the sweep varies simulation.duration, and --duration {} would replace every value of it: drop one of the two",
                    scenario::units::format_duration(ns)
                ),
            ));
        }
    }

    // Each axis value on its own, on the base scenario: whatever it breaks is
    // reported at the axis, with the value.
    let mut problems: Vec<Problem> = Vec::new();
    for (axis, steps) in &axes {
        let at = scenario::diag::join_key(&grid_path, &axis.key);
        for (i, value) in axis.values.iter().enumerate() {
            let mut t = base.clone();
            let concrete = match grid::set(&mut t, steps, value.clone()) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(locate(&source, &at, e.to_string()));
                    break;
                }
            };
            if let Err(e) = scenario::from_table(&scenario_file, &scenario_text, &t, overrides) {
                // A key that does not exist is wrong for every value: say it once.
                let unknown_key = e
                    .problems
                    .iter()
                    .any(|p| related(&p.path, &concrete) && p.message.starts_with("unknown key"));
                for p in e.problems {
                    problems.push(locate(
                        &source,
                        &format!("{at}[{i}]"),
                        format!("value {}: {}: {}", grid::shown(value), p.path, p.message),
                    ));
                }
                if unknown_key {
                    break;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(InputError { file: path.to_path_buf(), problems });
    }

    // Every point: combinations can break rules no single value breaks.
    let dims: Vec<usize> = axes.iter().map(|(a, _)| a.values.len()).collect();
    let mut points = Vec::with_capacity(n_points.unwrap_or(0));
    let mut warnings: Vec<String> = Vec::new();
    for index in 0..n_points.unwrap_or(0) {
        let coords = coords_of(index, &dims);
        let mut t = base.clone();
        for ((axis, steps), &c) in axes.iter().zip(&coords) {
            grid::set(&mut t, steps, axis.values[c].clone())
                .map_err(|e| diag_error(&source, &grid_path, e))?;
        }
        match scenario::from_table(&scenario_file, &scenario_text, &t, overrides) {
            Ok(loaded) => {
                for w in loaded.warnings.to_string().lines() {
                    if !warnings.iter().any(|x| x == w) && warnings.len() < 20 {
                        warnings.push(w.to_string());
                    }
                }
                points.push(Point { index, coords, scenario: loaded.scenario })
            }
            Err(e) => {
                let values =
                    describe_point(&axes.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(), &coords);
                for p in e.problems.into_iter().take(3) {
                    problems.push(locate(
                        &source,
                        &grid_path,
                        format!("point {index} ({values}): {}: {}", p.path, p.message),
                    ));
                }
                if problems.len() >= 30 {
                    break;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(InputError { file: path.to_path_buf(), problems });
    }
    let seed = seed.unwrap_or_else(|| points.first().map_or(1, |p| p.scenario.simulation.seed));
    if let Err(message) = check_seeds(seed, replications) {
        let at = if s_has_seed { "sweep.seed" } else { "sweep.replications" };
        return Err(diag_error(&source, at, message));
    }
    let (resolved, matrix) =
        points.first().map(|p| scenario::resolved::for_folder(&p.scenario)).unwrap_or_default();
    let inputs = crate::digest::Digest::new()
        .part(text.as_bytes())
        .part(scenario_text.as_bytes())
        .part(resolved.as_bytes())
        .part(matrix.unwrap_or_default().as_bytes())
        .hex();
    Ok(Sweep {
        file: path.to_path_buf(),
        scenario_file,
        replications,
        seed,
        axes: axes.into_iter().map(|(a, _)| a).collect(),
        points,
        inputs,
        duration_override: overrides.duration_ns,
        warnings,
        metrics,
    })
}

/// `replications` from `seed` in words: "1 replication (seed 1)", "3
/// replications (seeds 1 to 3)".
pub fn replications_words(replications: u32, seed: u64) -> String {
    match replications {
        1 => format!("1 replication (seed {seed})"),
        n => format!("{n} replications (seeds {seed} to {})", seed + u64::from(n.max(1)) - 1),
    }
}

/// Replication `k` runs with seed `seed + k`; every seed must be one a
/// scenario accepts (0 to 2^63 - 1).
pub fn check_seeds(seed: u64, replications: u32) -> Result<(), String> {
    let last = seed.checked_add(u64::from(replications.max(1)) - 1);
    match last {
        Some(l) if l <= i64::MAX as u64 => Ok(()),
        _ => Err(format!(
            "replication k runs with seed {seed} + k: with {replications} replications the last seed would exceed {}, the largest a scenario takes; give a smaller seed",
            i64::MAX
        )),
    }
}

impl Sweep {
    /// The digest of everything that shaped the sweep's results: the
    /// inputs after overrides, the replications and seed, negsim's version
    /// and build. Shards merge only when theirs agree.
    pub fn fingerprint(&self) -> String {
        crate::digest::fingerprint(&[
            self.inputs.as_bytes(),
            &self.replications.to_le_bytes(),
            &self.seed.to_le_bytes(),
        ])
    }
}

/// Whether a problem at scenario path `p` concerns the value set at `concrete`.
fn related(p: &str, concrete: &str) -> bool {
    let under =
        |a: &str, b: &str| a == b || a.starts_with(&format!("{b}.")) || a.starts_with(&format!("{b}["));
    under(p, concrete) || under(concrete, p)
}

fn locate(source: &Source, path: &str, message: String) -> Problem {
    let diag = Diag::new(source);
    diag.error(path, message);
    diag.finish().expect_err("one problem").problems.remove(0)
}

fn diag_error(source: &Source, path: &str, message: String) -> InputError {
    let diag = Diag::new(source);
    diag.error(path, message);
    diag.finish().expect_err("one problem")
}

/// Coordinates of point `index` (last axis fastest).
fn coords_of(mut index: usize, dims: &[usize]) -> Vec<usize> {
    let mut coords = vec![0; dims.len()];
    for (c, &d) in coords.iter_mut().zip(dims).rev() {
        *c = index % d;
        index /= d;
    }
    coords
}

/// `"a = 1, b = 2"` for a point.
pub fn describe_point(axes: &[Axis], coords: &[usize]) -> String {
    axes.iter()
        .zip(coords)
        .map(|(a, &c)| format!("{} = {}", a.key, grid::shown(&a.values[c])))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The global metrics reported per point, with their decimals in
/// `sweep.csv`: the columns of [`crate::report::columns`] a sweep reports,
/// in their order.
pub static METRICS: std::sync::LazyLock<Vec<(&'static str, usize)>> = std::sync::LazyLock::new(|| {
    crate::report::columns::COLUMNS
        .iter()
        .filter(|c| c.in_sweep)
        .map(|c| (c.name, c.sweep_decimals()))
        .collect()
});

/// The value of metric `name` in a summary row.
pub fn metric(row: &Row, name: &str) -> Option<f64> {
    crate::report::columns::find(name).and_then(|c| c.value(row))
}

/// The aggregated results of one point.
#[derive(Clone, Debug)]
pub struct PointResult {
    /// The point's index in grid order.
    pub index: usize,
    /// Per metric of [`METRICS`]: mean and 95 % half-width over replications.
    pub metrics: Vec<Option<(f64, Option<f64>)>>,
}

/// What a sweep run does besides computing the results.
pub struct RunOptions<'a> {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Which points to run.
    pub shard: Shard,
    /// Called after each finished run with (runs done, runs in total).
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
    /// Runs each replication with its own output folder
    /// (`DIR/runs/point-P/rep-K/`) when set, keeping its files.
    pub keep_runs: Option<&'a Path>,
    /// When set (by Ctrl-C, say), runs stop and no new run starts.
    pub stop: &'a AtomicBool,
}

/// An error while running a sweep.
#[derive(Debug)]
pub enum SweepError {
    /// The thread pool could not be built.
    Threads(String),
    /// A kept run's files could not be written.
    Output(crate::report::files::OutputError),
    /// The sweep was stopped (see [`RunOptions::stop`]) after this many runs.
    Interrupted(usize),
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SweepError::Threads(e) => write!(f, "cannot start the worker threads: {e}"),
            SweepError::Output(e) => write!(f, "{e}: {}", e.source),
            SweepError::Interrupted(n) => write!(f, "interrupted after {n} finished runs"),
        }
    }
}

impl std::error::Error for SweepError {}

/// Runs the points of `shard`, every replication, on `threads` threads.
pub fn run(sweep: &Sweep, opts: &RunOptions<'_>) -> Result<Vec<PointResult>, SweepError> {
    let points: Vec<&Point> = sweep.points.iter().filter(|p| opts.shard.owns(p.index)).collect();
    let reps = sweep.replications as usize;
    let tasks: Vec<(usize, usize)> = (0..points.len()).flat_map(|p| (0..reps).map(move |k| (p, k))).collect();
    let done = AtomicUsize::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| SweepError::Threads(e.to_string()))?;
    let rows: Vec<Result<Row, SweepError>> = pool.install(|| {
        tasks
            .par_iter()
            // One run per job: a thread that runs out steals a single run, so the
            // last runs spread over the threads instead of queueing behind a
            // long range on one of them.
            .with_max_len(1)
            .map(|&(p, k)| {
                let interrupted = || SweepError::Interrupted(done.load(Ordering::Relaxed));
                if opts.stop.load(Ordering::Relaxed) {
                    return Err(interrupted());
                }
                let point = points[p];
                let mut sc = point.scenario.clone();
                sc.simulation.seed = sweep.seed.wrapping_add(k as u64);
                let mut go_on = |_| !opts.stop.load(Ordering::Relaxed);
                let rows = match opts.keep_runs {
                    None => {
                        let r = pipeline::run_totals(&sc, &mut go_on);
                        if r.interrupted {
                            return Err(interrupted());
                        }
                        r.rows
                    }
                    Some(dir) => {
                        let dir = dir.join(format!("runs/point-{}/rep-{k}", point.index));
                        std::fs::create_dir_all(&dir).map_err(|source| {
                            SweepError::Output(crate::report::files::OutputError {
                                file: dir.clone(),
                                source,
                            })
                        })?;
                        match crate::pipeline::run_into_observed(&sc, &dir, &mut go_on) {
                            Ok(Some((r, info))) => {
                                let kind = crate::report::folder::Kind::Run;
                                crate::report::folder::seal(&dir, kind, &info.fingerprint).map_err(
                                    |source| {
                                        SweepError::Output(crate::report::files::OutputError {
                                            file: dir.join(crate::report::folder::MANIFEST),
                                            source,
                                        })
                                    },
                                )?;
                                r.rows
                            }
                            Ok(None) => return Err(interrupted()),
                            Err(e) => return Err(SweepError::Output(e)),
                        }
                    }
                };
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                (opts.progress)(n, tasks.len());
                Ok(rows.into_iter().next().expect("the global row comes first"))
            })
            .collect()
    });
    let rows: Vec<Row> = rows.into_iter().collect::<Result<_, _>>()?;
    Ok(points
        .iter()
        .enumerate()
        .map(|(p, point)| {
            let reps_rows = &rows[p * reps..(p + 1) * reps];
            let metrics = METRICS
                .iter()
                .map(|(name, _)| {
                    let xs: Vec<f64> = reps_rows.iter().filter_map(|r| metric(r, name)).collect();
                    stats::mean_ci95(&xs)
                })
                .collect();
            PointResult { index: point.index, metrics }
        })
        .collect())
}

/// The header line of `sweep.csv` (with its newline).
pub fn header(axes: &[Axis]) -> String {
    let mut cols: Vec<String> = vec!["point".into()];
    cols.extend(axes.iter().map(|a| a.key.clone()));
    for (name, _) in METRICS.iter() {
        cols.push((*name).to_string());
        cols.push(format!("{name}_ci95"));
    }
    csv_line(&cols)
}

/// The line of one point in `sweep.csv` (with its newline).
pub fn line(sweep: &Sweep, r: &PointResult) -> String {
    let point = &sweep.points[r.index];
    let mut cols: Vec<String> = vec![r.index.to_string()];
    cols.extend(sweep.axes.iter().zip(&point.coords).map(|(a, &c)| grid::cell(&a.values[c])));
    for ((_, decimals), m) in METRICS.iter().zip(&r.metrics) {
        let d = *decimals;
        match m {
            Some((mean, ci)) => {
                cols.push(format!("{mean:.d$}"));
                cols.push(ci.map_or(String::new(), |h| format!("{h:.d$}")));
            }
            None => cols.extend([String::new(), String::new()]),
        }
    }
    csv_line(&cols)
}

fn csv_line(cols: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cols).expect("writing to memory does not fail");
    String::from_utf8(w.into_inner().expect("writing to memory does not fail")).expect("the fields are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_order_has_the_last_axis_fastest() {
        let dims = [3, 2];
        let all: Vec<Vec<usize>> = (0..6).map(|i| coords_of(i, &dims)).collect();
        assert_eq!(all, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1], vec![2, 0], vec![2, 1]]);
    }

    #[test]
    fn problems_are_attributed_to_the_axis_that_caused_them() {
        assert!(related("region[0].max_instances", "region[0].max_instances"));
        assert!(related("service.cpu_time.p99", "service.cpu_time"));
        assert!(related("foo", "foo.bar"));
        assert!(!related("service.max_instances_x", "service.max_instances"));
        assert!(!related("client.retries", "service.max_instances"));
    }
}
