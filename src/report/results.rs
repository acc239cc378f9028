//! A finished run, read back from its output folder.
//!
//! Plots and `report.html` are drawn from the files a run wrote, never from
//! engine state, so they can be drawn again from an output folder alone
//! (`negsim report DIR`).

use super::RunInfo;
use super::columns::{num, opt_num, parse as parse_row};
use crate::metrics::{Row, ScopeKind};
use crate::scenario::{self, Overrides, Scenario};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// What has a `max_instances` of its own, as rows name it: each region
/// (with one service), or each service in each region.
pub fn capped(sc: &Scenario) -> Vec<(ScopeKind, String, u32)> {
    let kind = if sc.services_declared { ScopeKind::Deployment } else { ScopeKind::Region };
    sc.deployments.iter().map(|d| (kind, d.name.clone(), d.config.max_instances)).collect()
}

/// Flows by (city, deployment) summed by (city, region), in the order each
/// pair first appears; a pair that sums several deployments has no median.
type Flows = Vec<(String, String, u64, f64, Option<f64>)>;
type WindowFlows = Vec<(f64, String, String, u64)>;

fn by_region(sc: &Scenario, flows: Flows, window_flows: WindowFlows) -> (Flows, WindowFlows) {
    let region_of = |d: &str| {
        sc.deployments
            .iter()
            .find(|x| x.name == d)
            .map_or(d.to_string(), |x| sc.regions[x.region].name.clone())
    };
    let mut out: Flows = Vec::new();
    for (city, dep, n, share, p50) in flows {
        let region = region_of(&dep);
        match out.iter_mut().find(|f| f.0 == city && f.1 == region) {
            Some(f) => {
                f.2 += n;
                f.3 += share;
                f.4 = None;
            }
            None => out.push((city, region, n, share, p50)),
        }
    }
    let mut windows: WindowFlows = Vec::new();
    for (t, city, dep, n) in window_flows {
        let region = region_of(&dep);
        // Rows of one window are together: look back within it only.
        match windows.iter_mut().rev().take_while(|f| f.0 == t).find(|f| f.1 == city && f.2 == region) {
            Some(f) => f.3 += n,
            None => windows.push((t, city, region, n)),
        }
    }
    (out, windows)
}

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
    /// `ejections.csv`: (time s, edge, region, ejected until s, infinity
    /// for "unhealthy", or None for a return).
    pub ejections: Vec<(f64, String, String, Option<f64>)>,
    /// `calls.csv` (with calls between services).
    pub calls: Vec<CallTotal>,
    /// `services.csv` (with `[[service]]`): each service's times, by name.
    pub service_times: BTreeMap<String, ServiceTimeRow>,
    /// `run.json`.
    pub run: Option<RunInfo>,
}

/// One row of `calls.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct CallTotal {
    pub caller: String,
    pub callee: String,
    pub via: String,
    pub calls: u64,
    pub ok: u64,
    pub latency_mean_ms: Option<f64>,
}

/// One `service` row of `services.csv` (means in ms).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceTimeRow {
    pub jobs: u64,
    pub self_mean_ms: Option<f64>,
    pub waiting_mean_ms: Option<f64>,
    pub user_tries: u64,
    pub user_at_service_mean_ms: Option<f64>,
    pub users_ok: u64,
    pub user_latency_mean_ms: Option<f64>,
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

/// Reads the CSV file `name` of `dir` record by record, handing each
/// record's fields to `each`, which returns `None` for a malformed one.
/// Records are not kept: a long run's time series is parsed straight into
/// rows, without holding every field as a string first.
fn each_record(
    dir: &Path,
    name: &str,
    malformed: &str,
    mut each: impl FnMut(&[&str]) -> Option<()>,
) -> Result<(), ResultsError> {
    let file = dir.join(name);
    let fail = |message: String| ResultsError { file: file.clone(), message };
    let mut reader = csv::Reader::from_path(&file).map_err(|e| fail(e.to_string()))?;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(fail(e.to_string())),
        }
        let fields: Vec<&str> = record.iter().collect();
        each(&fields).ok_or_else(|| fail(malformed.to_string()))?;
    }
}

/// Checks that the CSV file `name` in `dir` has exactly `columns` (comma
/// separated): a file whose columns moved (one from an older negsim, say)
/// must not be read by position.
fn expect_columns(dir: &Path, name: &str, columns: &str) -> Result<(), ResultsError> {
    let file = dir.join(name);
    let fail = |message: String| ResultsError { file: file.clone(), message };
    let mut reader = csv::Reader::from_path(&file).map_err(|e| fail(e.to_string()))?;
    let found = reader.headers().map_err(|e| fail(e.to_string()))?.iter().collect::<Vec<_>>().join(",");
    if found != columns {
        return Err(fail(format!(
            "its columns are {found}, not {columns}: written by another version of negsim? Run the scenario again"
        )));
    }
    Ok(())
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

        let mut summary = Vec::new();
        each_record(
            dir,
            "summary.csv",
            "a row does not have the summary columns, each figure a finite number or empty",
            |f| {
                summary.push(parse_row(f)?);
                Some(())
            },
        )?;

        let mut window_starts: Vec<f64> = Vec::new();
        let mut series: BTreeMap<(String, String), Vec<Row>> = BTreeMap::new();
        let mut key = (String::new(), String::new());
        each_record(
            dir,
            "timeseries.csv",
            "a row does not have window_start_s and the columns, each figure a finite number or empty",
            |f| {
                let start = num(f.first()?)?;
                let row = parse_row(&f[1..])?;
                if window_starts.last() != Some(&start) {
                    window_starts.push(start);
                }
                if (key.0.as_str(), key.1.as_str()) != (row.scope.as_str(), row.name.as_str()) {
                    key = (row.scope.as_str().to_string(), row.name.clone());
                }
                match series.get_mut(&key) {
                    Some(rows) => rows.push(row),
                    None => {
                        series.insert(key.clone(), vec![row]);
                    }
                }
                Some(())
            },
        )?;

        let mut flows = Vec::new();
        each_record(dir, "flows.csv", "a row is not city,region,requests,share,latency_p50_ms", |r| {
            flows.push((
                r.first()?.to_string(),
                r.get(1)?.to_string(),
                r.get(2)?.parse().ok()?,
                num(r.get(3)?)?,
                r.get(4).map_or(Some(None), |s| opt_num(s))?,
            ));
            Some(())
        })?;

        let mut window_flows = Vec::new();
        each_record(
            dir,
            "timeseries_flows.csv",
            "a row is not window_start_s,city,region,requests,share",
            |r| {
                window_flows.push((
                    num(r.first()?)?,
                    r.get(1)?.to_string(),
                    r.get(2)?.to_string(),
                    r.get(3)?.parse().ok()?,
                ));
                Some(())
            },
        )?;

        let mut ejections = Vec::new();
        let columns = "time_s,edge,proxy,region,event,ejected_until_s";
        expect_columns(dir, "ejections.csv", columns)?;
        each_record(dir, "ejections.csv", &format!("a row is not {columns}"), |r| {
            ejections.push((
                num(r.first()?)?,
                r.get(1)?.to_string(),
                r.get(3)?.to_string(),
                // Service health's "unhealthy" lasts until further notice.
                if *r.get(4)? == "unhealthy" { Some(f64::INFINITY) } else { r.get(5).and_then(|s| num(s)) },
            ));
            Some(())
        })?;

        if scenario.services_declared {
            // The charts draw flows by region: a city's requests to each
            // service in a region count for the region (the files keep
            // them by deployment).
            (flows, window_flows) = by_region(&scenario, flows, window_flows);
        }
        let mut calls = Vec::new();
        if scenario.calls().next().is_some() {
            let columns = super::CALL_COLUMNS.join(",");
            expect_columns(dir, "calls.csv", &columns)?;
            each_record(dir, "calls.csv", &format!("a row is not {columns}"), |r| {
                calls.push(CallTotal {
                    caller: r.first()?.to_string(),
                    callee: r.get(2)?.to_string(),
                    via: r.get(3)?.to_string(),
                    calls: r.get(4)?.parse().ok()?,
                    ok: r.get(5)?.parse().ok()?,
                    latency_mean_ms: opt_num(r.get(11)?)?,
                });
                Some(())
            })?;
        }
        let mut service_times = BTreeMap::new();
        if scenario.services_declared {
            let columns = super::SERVICE_TIME_COLUMNS.join(",");
            expect_columns(dir, "services.csv", &columns)?;
            each_record(dir, "services.csv", &format!("a row is not {columns}"), |r| {
                if *r.first()? == "service" {
                    let row = ServiceTimeRow {
                        jobs: r.get(2)?.parse().ok()?,
                        self_mean_ms: opt_num(r.get(3)?)?,
                        waiting_mean_ms: opt_num(r.get(4)?)?,
                        user_tries: r.get(5)?.parse().ok()?,
                        user_at_service_mean_ms: opt_num(r.get(6)?)?,
                        users_ok: r.get(7)?.parse().ok()?,
                        user_latency_mean_ms: opt_num(r.get(8)?)?,
                    };
                    service_times.insert(r.get(1)?.to_string(), row);
                }
                Some(())
            })?;
        }

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
            calls,
            service_times,
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

    /// How this run's times are told (UTC with `start_utc`).
    pub fn clock(&self) -> crate::format::Clock {
        crate::format::Clock { start_utc_s: self.scenario.simulation.start_utc_s }
    }

    /// What every chart says under its title: "outage-drill · seed 1 ·
    /// 1h30m from 10:00 UTC".
    pub fn subtitle(&self) -> String {
        let sim = &self.scenario.simulation;
        format!(
            "{} · seed {} · {} from {}",
            sim.name,
            sim.seed,
            crate::format::human_duration(sim.duration_ns),
            match sim.start_utc_s {
                Some(_) => self.clock().at(0.0),
                None => "the start".into(),
            }
        )
    }

    /// Cities by requests, busiest first.
    pub fn busiest_cities(&self) -> Vec<&Row> {
        let mut c: Vec<&Row> = self.summary.iter().filter(|r| r.scope == ScopeKind::City).collect();
        c.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.name.cmp(&b.name)));
        c
    }
}
