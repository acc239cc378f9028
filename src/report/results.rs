//! A finished run, read back from its output folder.
//!
//! Plots and `report.html` are drawn from the files a run wrote, never from
//! engine state, so they can be drawn again from an output folder alone
//! (`negsim report DIR`).

use super::{COLUMNS, RunInfo};
use crate::metrics::{Row, ScopeKind};
use crate::scenario::{self, Overrides, Scenario};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Everything a run wrote, parsed.
pub struct Results {
    /// The output folder.
    pub dir: PathBuf,
    /// The scenario, from `scenario.resolved.toml`.
    pub scenario: Scenario,
    /// `summary.csv`.
    pub summary: Vec<Row>,
    /// `timeseries.csv`: the start of each window (seconds) ...
    pub window_starts: Vec<f64>,
    /// ... and each scope's rows, one per window, by (scope, name).
    pub series: BTreeMap<(String, String), Vec<Row>>,
    /// `flows.csv`: (city, region, requests, share, median latency ms).
    pub flows: Vec<(String, String, u64, f64, Option<f64>)>,
    /// `timeseries_flows.csv`: (window start, city, region, requests).
    pub window_flows: Vec<(f64, String, String, u64)>,
    /// `ejections.csv`: (time s, edge, region, ejected until s or None).
    pub ejections: Vec<(f64, String, String, Option<f64>)>,
    /// `run.json`.
    pub run: Option<RunInfo>,
}

/// An output folder that cannot be read.
#[derive(Debug)]
pub struct ResultsError {
    /// The file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ResultsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

impl std::error::Error for ResultsError {}

fn num(s: &str) -> Option<f64> {
    if s.is_empty() { None } else { s.parse().ok() }
}

/// A summary or time-series row from CSV fields in [`COLUMNS`] order.
fn parse_row(f: &[&str]) -> Option<Row> {
    if f.len() < COLUMNS.len() {
        return None;
    }
    let int = |i: usize| f[i].parse::<u64>().ok();
    let scope = match f[0] {
        "global" => ScopeKind::Global,
        "city" => ScopeKind::City,
        "region" => ScopeKind::Region,
        _ => return None,
    };
    Some(Row {
        scope,
        name: f[1].to_string(),
        requests: int(2)?,
        ok: int(3)?,
        rejected: int(4)?,
        errors: int(5)?,
        timeouts: int(6)?,
        availability: num(f[7]),
        attempts: int(8)?,
        latency_mean_ms: num(f[9]),
        latency_p50_ms: num(f[10]),
        latency_p90_ms: num(f[11]),
        latency_p99_ms: num(f[12]),
        latency_p999_ms: num(f[13]),
        queue_wait_mean_ms: num(f[14]),
        cold_starts: int(15),
        instances_mean: num(f[16]),
        instances_max: int(17),
        cross_region_share: num(f[18]),
        cost_usd: num(f[19]),
        queued_share: num(f[20]),
        ejected_by_edges: int(21),
        instances_starting_mean: num(f[22]),
    })
}

fn read_csv(dir: &Path, name: &str) -> Result<(PathBuf, Vec<Vec<String>>), ResultsError> {
    let file = dir.join(name);
    let mut reader = csv::Reader::from_path(&file)
        .map_err(|e| ResultsError { file: file.clone(), message: e.to_string() })?;
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| ResultsError { file: file.clone(), message: e.to_string() })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok((file, rows))
}

impl Results {
    /// Reads the output folder `dir` of a finished run.
    pub fn load(dir: &Path) -> Result<Results, ResultsError> {
        let bad = |file: &Path, message: String| ResultsError { file: file.to_path_buf(), message };
        let resolved = dir.join("scenario.resolved.toml");
        if !resolved.is_file() {
            return Err(bad(
                dir,
                "not the output folder of a negsim run (it has no scenario.resolved.toml)".into(),
            ));
        }
        let scenario = scenario::load(&resolved, &Overrides::default())
            .map_err(|e| bad(&resolved, format!("not a valid scenario: {}", e.problems[0].message)))?
            .scenario;

        let (file, rows) = read_csv(dir, "summary.csv")?;
        let summary = rows
            .iter()
            .map(|r| parse_row(&r.iter().map(String::as_str).collect::<Vec<_>>()))
            .collect::<Option<Vec<Row>>>()
            .ok_or_else(|| bad(&file, "a row does not have the summary columns".into()))?;

        let (file, rows) = read_csv(dir, "timeseries.csv")?;
        let mut window_starts: Vec<f64> = Vec::new();
        let mut series: BTreeMap<(String, String), Vec<Row>> = BTreeMap::new();
        for r in &rows {
            let fields: Vec<&str> = r.iter().map(String::as_str).collect();
            let start =
                fields.first().and_then(|s| num(s)).ok_or_else(|| bad(&file, "no window_start_s".into()))?;
            let row = parse_row(&fields[1..])
                .ok_or_else(|| bad(&file, "a row does not have the columns".into()))?;
            if window_starts.last() != Some(&start) {
                window_starts.push(start);
            }
            series.entry((row.scope.as_str().to_string(), row.name.clone())).or_default().push(row);
        }

        let (file, rows) = read_csv(dir, "flows.csv")?;
        let flows = rows
            .iter()
            .map(|r| {
                Some((
                    r.first()?.clone(),
                    r.get(1)?.clone(),
                    r.get(2)?.parse().ok()?,
                    num(r.get(3)?)?,
                    r.get(4).and_then(|s| num(s)),
                ))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad(&file, "a row is not city,region,requests,share,latency_p50_ms".into()))?;

        let (file, rows) = read_csv(dir, "timeseries_flows.csv")?;
        let window_flows = rows
            .iter()
            .map(|r| Some((num(r.first()?)?, r.get(1)?.clone(), r.get(2)?.clone(), r.get(3)?.parse().ok()?)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad(&file, "a row is not window_start_s,city,region,requests,share".into()))?;

        let (file, rows) = read_csv(dir, "ejections.csv")?;
        let ejections = rows
            .iter()
            .map(|r| {
                Some((num(r.first()?)?, r.get(1)?.clone(), r.get(2)?.clone(), r.get(4).and_then(|s| num(s))))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad(&file, "a row is not time_s,edge,region,event,ejected_until_s".into()))?;

        let run =
            std::fs::read_to_string(dir.join("run.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
        Ok(Results {
            dir: dir.to_path_buf(),
            scenario,
            summary,
            window_starts,
            series,
            flows,
            window_flows,
            ejections,
            run,
        })
    }

    /// The time series of one scope (empty if unknown).
    pub fn series_of(&self, scope: ScopeKind, name: &str) -> &[Row] {
        self.series.get(&(scope.as_str().to_string(), name.to_string())).map_or(&[], Vec::as_slice)
    }

    /// The summary row of one scope.
    pub fn summary_of(&self, scope: ScopeKind, name: &str) -> Option<&Row> {
        self.summary.iter().find(|r| r.scope == scope && r.name == name)
    }

    /// Width of a window, seconds.
    pub fn window_s(&self) -> f64 {
        self.scenario.simulation.window_ns as f64 / 1e9
    }

    /// Cities by requests, busiest first.
    pub fn busiest_cities(&self) -> Vec<&Row> {
        let mut c: Vec<&Row> = self.summary.iter().filter(|r| r.scope == ScopeKind::City).collect();
        c.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.name.cmp(&b.name)));
        c
    }
}
