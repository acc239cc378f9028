//! Reporters: the result files of SCENARIO.md, written from finished results.
//!
//! Writers take `impl Write` so they can be tested against a `Vec<u8>`;
//! [`atomic`] puts them on disk so that a file appears complete or not at all.
//! Numbers are written with a fixed number of decimals, so the same results
//! always give the same bytes.

pub mod atomic;
pub mod columns;
pub mod files;
pub mod folder;
pub mod html;
pub mod plots;
pub mod png;
pub mod results;
pub mod services;
pub mod table;

use crate::metrics::{Ejection, Flow, Row, WindowReport, WindowSink};
use serde::Serialize;
use std::io::{self, Write};

pub use columns::COLUMNS;
use columns::figure as opt;

/// Writes `summary.csv`.
pub fn write_summary(w: impl Write, rows: &[Row]) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(columns::names())?;
    let mut buf = String::new();
    for r in rows {
        columns::write_row(&mut out, None, r, &mut buf)?;
    }
    out.flush()
}

/// Writes `flows.csv`: `city,region,requests,share,latency_p50_ms`, where
/// `share` is the share of the city's requests (those answered by some
/// region) that this region answered, and `latency_p50_ms` the median latency
/// of those that were ok (within 1/16, 6.25 %: a compact histogram per pair).
pub fn write_flows(w: impl Write, flows: &[Flow], cities: &[String], regions: &[String]) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["city", "region", "requests", "share", "latency_p50_ms"])?;
    write_flow_rows(&mut out, None, flows, cities, regions)?;
    out.flush()
}

fn write_flow_rows<W: Write>(
    out: &mut csv::Writer<W>,
    window_start_s: Option<f64>,
    flows: &[Flow],
    cities: &[String],
    regions: &[String],
) -> io::Result<()> {
    let mut per_city = vec![0u64; cities.len()];
    for f in flows {
        per_city[f.city as usize] += f.requests;
    }
    for f in flows {
        let share = f.requests as f64 / per_city[f.city as usize] as f64;
        let mut rec = Vec::with_capacity(5);
        if let Some(t) = window_start_s {
            rec.push(format!("{t:.3}"));
        }
        rec.push(cities[f.city as usize].clone());
        rec.push(regions[f.region as usize].clone());
        rec.push(f.requests.to_string());
        rec.push(format!("{share:.6}"));
        if window_start_s.is_none() {
            rec.push(opt(f.latency_p50_ms, 3));
        }
        out.write_record(&rec)?;
    }
    Ok(())
}

/// The columns of `calls.csv` (and of `calls_timeseries.csv` after its
/// `window_start_s`).
pub const CALL_COLUMNS: [&str; 12] = [
    "caller",
    "call",
    "callee",
    "via",
    "calls",
    "ok",
    "rejected",
    "errors",
    "timeouts",
    "attempts",
    "availability",
    "latency_mean_ms",
];

/// Each call's (caller, its number among the caller's calls, callee,
/// via), in the order of the call rows.
pub fn call_names(sc: &crate::scenario::Scenario) -> Vec<[String; 4]> {
    sc.calls()
        .map(|(s, k, c)| {
            [
                sc.services[s].name.clone(),
                k.to_string(),
                sc.services[c.service].name.clone(),
                c.via.name().to_string(),
            ]
        })
        .collect()
}

/// Writes call rows, each after `window_start_s` when given.
fn write_call_rows<W: Write>(
    out: &mut csv::Writer<W>,
    window_start_s: Option<f64>,
    rows: &[crate::metrics::CallRow],
    names: &[[String; 4]],
) -> io::Result<()> {
    for r in rows {
        let mut rec = Vec::with_capacity(13);
        if let Some(t) = window_start_s {
            rec.push(format!("{t:.3}"));
        }
        rec.extend(names[r.spec as usize].iter().cloned());
        for n in [r.calls, r.ok, r.rejected, r.errors, r.timeouts, r.attempts] {
            rec.push(n.to_string());
        }
        rec.push(opt((r.calls > 0).then(|| r.ok as f64 / r.calls as f64), 6));
        rec.push(opt(r.latency_mean_ms, 3));
        out.write_record(&rec)?;
    }
    Ok(())
}

/// The columns of `services.csv`.
pub const SERVICE_TIME_COLUMNS: [&str; 9] = [
    "scope",
    "name",
    "jobs",
    "self_mean_ms",
    "waiting_mean_ms",
    "user_tries",
    "user_at_service_mean_ms",
    "users_ok",
    "user_latency_mean_ms",
];

/// Writes `services.csv`: where each deployment's and each service's time
/// went over the run (`times` by deployment, in `sc.deployments` order).
pub fn write_service_times<W: Write>(
    w: W,
    sc: &crate::scenario::Scenario,
    times: &[crate::metrics::ServiceTimes],
) -> io::Result<()> {
    use crate::metrics::ServiceTimes;
    let mut out = csv::Writer::from_writer(w);
    out.write_record(SERVICE_TIME_COLUMNS)?;
    let mean = |sum: u128, n: u64| opt((n > 0).then(|| sum as f64 / n as f64 / 1e6), 3);
    let mut write = |scope: &str, name: &str, t: &ServiceTimes| {
        out.write_record([
            scope.to_string(),
            name.to_string(),
            t.jobs.to_string(),
            mean(t.self_ns, t.jobs),
            mean(t.wait_ns, t.jobs),
            t.user_jobs.to_string(),
            mean(t.user_job_ns, t.user_jobs),
            t.users_ok.to_string(),
            mean(t.user_latency_ns, t.users_ok),
        ])
    };
    for (d, t) in sc.deployments.iter().zip(times) {
        write("deployment", &d.name, t)?;
    }
    for (s, svc) in sc.services.iter().enumerate() {
        let mut sum = ServiceTimes::default();
        for (_, t) in sc.deployments.iter().zip(times).filter(|(d, _)| d.service == s) {
            sum += t;
        }
        write("service", &svc.name, &sum)?;
    }
    out.flush()
}

/// Writes `calls.csv`: each call between services over the run.
pub fn write_calls<W: Write>(
    w: W,
    rows: &[crate::metrics::CallRow],
    names: &[[String; 4]],
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CALL_COLUMNS)?;
    write_call_rows(&mut out, None, rows, names)?;
    out.flush()
}

/// Streams `timeseries.csv` and `timeseries_flows.csv` as windows close, and
/// `ejections.csv` as edges eject regions and return them to service.
/// I/O errors are kept and returned by [`TimeseriesWriter::finish`].
pub struct TimeseriesWriter<W: Write> {
    rows: csv::Writer<W>,
    flows: csv::Writer<W>,
    ejections: csv::Writer<W>,
    /// `calls_timeseries.csv` and each call's (caller, call, callee, via).
    calls: Option<(csv::Writer<W>, Vec<[String; 4]>)>,
    cities: Vec<String>,
    regions: Vec<String>,
    edges: Vec<String>,
    /// Each field's text, as it is written.
    buf: String,
    error: Option<io::Error>,
}

impl<W: Write> TimeseriesWriter<W> {
    /// Writes the headers of the three files.
    pub fn new(
        rows: W,
        flows: W,
        ejections: W,
        cities: Vec<String>,
        regions: Vec<String>,
        edges: Vec<String>,
    ) -> io::Result<Self> {
        let mut rows = csv::Writer::from_writer(rows);
        let mut header = vec!["window_start_s"];
        header.extend(columns::names());
        rows.write_record(&header)?;
        let mut flows = csv::Writer::from_writer(flows);
        flows.write_record(["window_start_s", "city", "region", "requests", "share"])?;
        let mut ejections = csv::Writer::from_writer(ejections);
        ejections.write_record(["time_s", "edge", "proxy", "region", "event", "ejected_until_s"])?;
        Ok(TimeseriesWriter {
            rows,
            flows,
            ejections,
            calls: None,
            cities,
            regions,
            edges,
            buf: String::new(),
            error: None,
        })
    }

    /// Also streams `calls_timeseries.csv` to `w`, for the calls `names`
    /// ([`call_names`]).
    pub fn with_calls(mut self, w: W, names: Vec<[String; 4]>) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(w);
        let mut header = vec!["window_start_s"];
        header.extend(CALL_COLUMNS);
        out.write_record(&header)?;
        self.calls = Some((out, names));
        Ok(self)
    }

    fn write(&mut self, r: &WindowReport<'_>) -> io::Result<()> {
        let mut start = String::new();
        crate::format::push_fixed(&mut start, r.start_s, 3);
        for row in r.rows {
            columns::write_row(&mut self.rows, Some(&start), row, &mut self.buf)?;
        }
        write_flow_rows(&mut self.flows, Some(r.start_s), r.flows, &self.cities, &self.regions)?;
        if let Some((out, names)) = &mut self.calls {
            write_call_rows(out, Some(r.start_s), r.calls, names)?;
        }
        Ok(())
    }

    fn write_ejection(&mut self, e: &Ejection) -> io::Result<()> {
        let (event, until) = match (e.until, e.health) {
            (Some(_), true) => ("unhealthy", String::new()),
            (None, true) => ("healthy", String::new()),
            (Some(t), false) => ("ejected", format!("{:.3}", t.as_secs_f64())),
            (None, false) => ("returned", String::new()),
        };
        self.ejections.write_record([
            format!("{:.3}", e.time.as_secs_f64()),
            self.edges[e.edge as usize].clone(),
            e.proxy.map_or(String::new(), |p| p.to_string()),
            self.regions[e.region as usize].clone(),
            event.to_string(),
            until,
        ])?;
        Ok(())
    }

    /// Flushes the three files and returns their writers, or the first error.
    pub fn finish(self) -> io::Result<(W, W, W)> {
        self.finish_all().map(|(three, _)| three)
    }

    /// [`TimeseriesWriter::finish`], with the calls' writer if any.
    pub fn finish_all(self) -> io::Result<((W, W, W), Option<W>)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let calls = match self.calls {
            Some((w, _)) => Some(w.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        let rows = self.rows.into_inner().map_err(|e| e.into_error())?;
        let flows = self.flows.into_inner().map_err(|e| e.into_error())?;
        let ejections = self.ejections.into_inner().map_err(|e| e.into_error())?;
        Ok(((rows, flows, ejections), calls))
    }
}

impl<W: Write> WindowSink for TimeseriesWriter<W> {
    fn window(&mut self, r: &WindowReport<'_>) {
        if self.error.is_none()
            && let Err(e) = self.write(r)
        {
            self.error = Some(e);
        }
    }

    fn ejection(&mut self, e: &Ejection) {
        if self.error.is_none()
            && let Err(err) = self.write_ejection(e)
        {
            self.error = Some(err);
        }
    }

    fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// `run.json`: what was run and how fast.
#[derive(Serialize, serde::Deserialize, Debug, Clone)]
pub struct RunInfo {
    /// negsim's version.
    pub version: String,
    /// The build id: a digest of the sources negsim was built from.
    #[serde(default)]
    pub build: String,
    /// Digest of the resolved scenario (every input after overrides, the
    /// round trips of a matrix), the version and the build.
    #[serde(default)]
    pub fingerprint: String,
    /// The scenario's name.
    pub name: String,
    /// The scenario file.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
    /// Simulated seconds, including the drain after `duration`.
    pub simulated_s: f64,
    /// Wall-clock seconds of the simulation itself.
    pub wall_s: f64,
    /// Events handled.
    pub events: u64,
    /// User requests simulated (warmup included).
    pub requests: u64,
    /// Most requests the simulation held at once: like `events`, a figure
    /// of the engine's work (its memory), not of the simulated system, as
    /// a request settled ahead of the clock leaves when it is settled.
    pub peak_in_flight: u64,
    /// Mean number of events waiting in the event queue (sampled every
    /// 4,096 events): the size of the queue the engine works with.
    pub mean_pending_events: f64,
    /// Simulated requests per wall-clock second.
    pub requests_per_wall_s: f64,
    /// Events per wall-clock second.
    pub events_per_wall_s: f64,
}

/// Writes `run.json`.
pub fn write_run_json(mut w: impl Write, info: &RunInfo) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut w, info)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ScopeKind;

    fn row() -> Row {
        Row {
            scope: ScopeKind::City,
            name: "Washington, D.C.".into(),
            requests: 10,
            ok: 9,
            rejected: 1,
            errors: 0,
            timeouts: 0,
            availability: Some(0.9),
            attempts: 11,
            latency_mean_ms: Some(12.3456),
            latency_p50_ms: Some(10.0),
            latency_p90_ms: Some(20.0),
            latency_p99_ms: Some(30.0),
            latency_p999_ms: Some(40.0),
            queue_wait_mean_ms: None,
            cold_starts: None,
            instances_mean: None,
            instances_max: None,
            cross_region_share: Some(0.0),
            cost_usd: None,
            cost_month_usd: None,
            slo_met: None,
            error_budget_burned: None,
            cdn_hits: Some(0),
            blocked: Some(0),
            attack_requests: 0,
            attack_blocked: Some(0),
            queued_share: None,
            ejected_by_edges: None,
            instances_starting_mean: None,
        }
    }

    #[test]
    fn summary_has_the_contract_columns_and_quotes_names() {
        let mut buf = Vec::new();
        write_summary(&mut buf, &[row()]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with(
            "scope,name,requests,ok,rejected,errors,timeouts,availability,attempts,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_p999_ms,queue_wait_mean_ms,cold_starts,instances_mean,instances_max,cross_region_share,cost_usd"
        ));
        assert_eq!(
            lines.next().unwrap(),
            "city,\"Washington, D.C.\",10,9,1,0,0,0.900000,11,12.346,10.000,20.000,30.000,40.000,,,,,0.000000,,,,,,,,0,0,0,0"
        );
    }

    #[test]
    fn flows_share_is_per_city() {
        let flows = [
            Flow { city: 0, region: 0, requests: 3, latency_p50_ms: Some(12.5) },
            Flow { city: 0, region: 1, requests: 1, latency_p50_ms: None },
        ];
        let mut buf = Vec::new();
        write_flows(&mut buf, &flows, &["A".into()], &["r0".into(), "r1".into()]).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "city,region,requests,share,latency_p50_ms\nA,r0,3,0.750000,12.500\nA,r1,1,0.250000,\n"
        );
    }
}
