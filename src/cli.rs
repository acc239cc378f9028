//! Command-line interface: argument parsing, output folder, exit codes.
//!
//! Exit codes: 0 ok, 1 the run failed (for example an output file could not
//! be written), 2 bad input (a scenario that does not validate, a missing
//! file, bad arguments).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use negsim::engine::time::NS_PER_MS;
use negsim::geo;
use negsim::model;
use negsim::report::{self, RunInfo, TimeseriesWriter, atomic::AtomicFile};
use negsim::scenario::{self, InputError, Overrides, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  negsim run scenarios/global-three-region.toml
  negsim run scenarios/outage-drill.toml -o /tmp/drill --seed 7
  negsim run scenarios/global-three-region.toml --duration 10m
  negsim validate scenarios/mmc-validation.toml
  negsim regions";

#[derive(Parser)]
#[command(
    name = "negsim",
    version,
    about = "Simulates a Cloud Run service in several regions behind serverless NEGs and one global external HTTPS load balancer.",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write summary.csv, timeseries.csv, flows.csv, run.json.
    #[command(after_help = EXAMPLES)]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder [default: output/<simulation.name>/].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Seed, replacing simulation.seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Simulated duration, replacing simulation.duration (e.g. "10m"), for quick looks.
        #[arg(long, value_parser = parse_duration_arg)]
        duration: Option<u64>,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Check a scenario and print it with every default filled in.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// List the built-in Google Cloud regions.
    Regions,
    /// List the built-in cities.
    Cities,
}

fn parse_duration_arg(text: &str) -> Result<u64, String> {
    match scenario::units::parse_duration(text) {
        Ok(0) => Err("must be longer than 0s".into()),
        other => other,
    }
}

/// An error with its exit code.
enum Failure {
    BadInput(anyhow::Error),
    RunFailed(anyhow::Error),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { scenario, output, seed, duration, quiet } => {
            run(&scenario, output, Overrides { seed, duration_ns: duration }, quiet)
        }
        Command::Validate { scenario } => validate(&scenario),
        Command::Regions => list_regions().map_err(|e| Failure::RunFailed(e.into())),
        Command::Cities => list_cities().map_err(|e| Failure::RunFailed(e.into())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(e)) => {
            eprintln!("{e:#}");
            ExitCode::from(2)
        }
        Err(Failure::RunFailed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, Failure> {
    let loaded = scenario::load(path, overrides).map_err(|e: InputError| Failure::BadInput(e.into()))?;
    if !loaded.warnings.items.is_empty() {
        eprintln!("{}", loaded.warnings);
    }
    Ok(loaded.scenario)
}

fn validate(path: &Path) -> Result<(), Failure> {
    let sc = load(path, &Overrides::default())?;
    let mut out = std::io::stdout().lock();
    let text = scenario::resolved::to_string(&sc);
    let routes = routing_summary(&sc);
    write!(out, "{text}\n{routes}").map_err(|e| Failure::RunFailed(e.into()))?;
    Ok(())
}

/// Each city's nearest region and backbone round trip, as TOML comments.
fn routing_summary(sc: &Scenario) -> String {
    let net = model::network::Network::new(sc);
    let mut s = String::from("# Routing: each city's edge sends to its closest region not ejected.\n");
    s.push_str(&format!(
        "# {} cities, {} regions, about {:.3e} requests.\n",
        sc.cities.len(),
        sc.regions.len(),
        sc.expected_requests()
    ));
    for (i, c) in sc.cities.iter().enumerate() {
        let order = net.order(i as u32);
        let parts: Vec<String> = order
            .iter()
            .take(3)
            .map(|&r| {
                let rtt = net.rtt_ns(i as u32, r) as f64 / NS_PER_MS as f64;
                format!("{} ({rtt:.1} ms)", sc.regions[r as usize].name)
            })
            .collect();
        s.push_str(&format!("#   {:<16} -> {}\n", c.name, parts.join(", then ")));
    }
    s
}

fn run(path: &Path, output: Option<PathBuf>, overrides: Overrides, quiet: bool) -> Result<(), Failure> {
    let sc = load(path, &overrides)?;
    let dir = output.unwrap_or_else(|| Path::new("output").join(&sc.simulation.name));
    let fail = |e: anyhow::Error| Failure::RunFailed(e);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))
        .map_err(fail)?;
    write_outputs(&sc, &dir, quiet).map_err(fail)
}

fn write_outputs(sc: &Scenario, dir: &Path, quiet: bool) -> Result<()> {
    let at = |name: &str| dir.join(name);
    let ctx = |name: &str| format!("cannot write {}", dir.join(name).display());
    let city_names: Vec<String> = sc.cities.iter().map(|c| c.name.clone()).collect();
    let region_names: Vec<String> = sc.regions.iter().map(|r| r.name.clone()).collect();

    // The streamed files, each committed only once the run has finished.
    const STREAMED: [&str; 3] = ["timeseries.csv", "timeseries_flows.csv", "ejections.csv"];
    let mut files = Vec::with_capacity(STREAMED.len());
    for name in STREAMED {
        files.push(AtomicFile::create(&at(name)).with_context(|| ctx(name))?);
    }
    let mut sink = TimeseriesWriter::new(
        files[0].take_writer(),
        files[1].take_writer(),
        files[2].take_writer(),
        city_names.clone(),
        region_names.clone(),
    )
    .with_context(|| ctx(STREAMED[0]))?;

    let started = Instant::now();
    let result = model::run(sc, &mut sink);
    let wall_s = started.elapsed().as_secs_f64();

    let (rows, flows, ejections) = sink.finish().with_context(|| ctx(STREAMED[0]))?;
    for ((file, writer), name) in files.into_iter().zip([rows, flows, ejections]).zip(STREAMED) {
        file.commit_writer(writer).with_context(|| ctx(name))?;
    }
    report::atomic::write_file(&at("summary.csv"), |w| report::write_summary(w, &result.rows))
        .with_context(|| ctx("summary.csv"))?;
    report::atomic::write_file(&at("flows.csv"), |w| {
        report::write_flows(w, &result.flows, &city_names, &region_names)
    })
    .with_context(|| ctx("flows.csv"))?;
    let resolved = scenario::resolved::to_string(sc);
    report::atomic::write_file(&at("scenario.resolved.toml"), |w| w.write_all(resolved.as_bytes()))
        .with_context(|| ctx("scenario.resolved.toml"))?;
    let info = RunInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        name: sc.simulation.name.clone(),
        scenario: sc.file.display().to_string(),
        seed: sc.simulation.seed,
        simulated_s: result.simulated_ns as f64 / 1e9,
        wall_s,
        events: result.events,
        requests: result.requests,
        peak_in_flight: result.peak_in_flight,
        requests_per_wall_s: result.requests as f64 / wall_s.max(1e-9),
        events_per_wall_s: result.events as f64 / wall_s.max(1e-9),
    };
    report::atomic::write_file(&at("run.json"), |w| report::write_run_json(w, &info))
        .with_context(|| ctx("run.json"))?;

    if !quiet {
        let mut out = std::io::stdout().lock();
        report::table::print(&mut out, &result.rows)?;
        writeln!(
            out,
            "\n{} requests in {:.2} s of wall time ({:.2} M requests/s, {} events); results in {}",
            result.requests,
            wall_s,
            info.requests_per_wall_s / 1e6,
            result.events,
            dir.display()
        )?;
    }
    Ok(())
}

fn list_regions() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<26} {:>8} {:>9}  {:<4} location", "region", "lat", "lon", "tier")?;
    for r in geo::regions::REGIONS {
        writeln!(out, "{:<26} {:>8.2} {:>9.2}  {:<4} {}", r.name, r.lat, r.lon, r.tier, r.location)?;
    }
    Ok(())
}

fn list_cities() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<18} {:<7} {:>8} {:>9}", "city", "country", "lat", "lon")?;
    for c in geo::cities::CITIES {
        writeln!(out, "{:<18} {:<7} {:>8.2} {:>9.2}", c.name, c.country, c.lat, c.lon)?;
    }
    Ok(())
}
