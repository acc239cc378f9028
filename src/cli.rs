//! Command-line interface: argument parsing, output folder, exit codes.
//!
//! Exit codes: 0 ok, 1 the run failed (for example an output file could not
//! be written), 2 bad input (a scenario that does not validate, a missing
//! file, bad arguments).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use negsim::engine::time::NS_PER_MS;
use negsim::geo;
use negsim::metrics::ScopeKind;
use negsim::model;
use negsim::pipeline;
use negsim::report;
use negsim::report::folder::{FolderError, Kind, Staging};
use negsim::scenario::{self, InputError, Overrides, Scenario};
use negsim::sweep;
use std::io::IsTerminal;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

/// `println!` that hands back a failure to write (a closed pipe, a full
/// disk) instead of panicking: see [`Failure::Output`].
macro_rules! say {
    ($($t:tt)*) => {
        writeln!(std::io::stdout().lock(), $($t)*).map_err(Failure::Output)
    };
}

/// `eprintln!` that gives up quietly when standard error is closed (as in
/// `negsim validate F 2>&1 | head -1`): there is nowhere left to say it.
macro_rules! note {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

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
        /// The scenario file (TOML); a sweep file (with [sweep]) runs as
        /// `negsim sweep` runs it.
        scenario: PathBuf,
        /// Output folder [default: output/<simulation.name>/].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Seed, replacing simulation.seed (0 to 2^63 - 1).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
        seed: Option<u64>,
        /// Simulated duration, replacing simulation.duration (e.g. "10m"), for quick looks.
        #[arg(long, value_parser = parse_duration_arg)]
        duration: Option<u64>,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
        /// Write into the output folder even if it holds files negsim did not write.
        #[arg(long)]
        force: bool,
    },
    /// Run a parameter sweep: every point of a grid, with replications, on every core.
    Sweep {
        /// The sweep file (TOML).
        sweep: PathBuf,
        /// Output folder [default: output/<sweep file stem>/].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Run only shard I of N (points p with p % N == I) [default: from
        /// CLOUD_RUN_TASK_INDEX/COUNT, JOB_COMPLETION_INDEX with NEGSIM_SHARD_COUNT,
        /// or SLURM_ARRAY_TASK_ID/COUNT; else every point].
        #[arg(long, value_parser = sweep::Shard::parse)]
        shard: Option<sweep::Shard>,
        /// Keep every run's files under DIR/runs/point-P/rep-K/.
        #[arg(long)]
        keep_runs: bool,
        /// Simulated duration of every run, replacing the scenario's and a
        /// duration axis of one value (e.g. "10m"), for quick looks; refused
        /// when the grid varies the duration.
        #[arg(long, value_parser = parse_duration_arg)]
        duration: Option<u64>,
        /// Replications per point, replacing the sweep file's.
        #[arg(long)]
        replications: Option<u32>,
        /// Write into the output folder even if it holds files negsim did not write.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Find the cheapest capacity per region that meets the scenario's [slo]
    /// when any one region (or any case of [plan]) is lost.
    Plan {
        /// The scenario file (TOML), with an [slo] and optionally a [plan].
        scenario: PathBuf,
        /// Output folder [default: output/<simulation.name>-plan/].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Run only the searches of shard I of N (cases c with c % N == I);
        /// `negsim merge` joins the shards and confirms the plan [default: as for sweeps].
        #[arg(long, value_parser = sweep::Shard::parse)]
        shard: Option<sweep::Shard>,
        /// Replications of every evaluation, replacing plan.replications (at least 2).
        #[arg(long)]
        replications: Option<u32>,
        /// Evaluate every point of the grid of ranges instead of searching
        /// (a check of the search; costs the whole grid).
        #[arg(long)]
        exhaustive: bool,
        /// Run more cases than the limit, and write into a folder holding files negsim did not write.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Join the shards of a sweep (sweep.csv) or of a plan (search.csv) into the whole.
    Merge {
        /// The shards' sweep.csv or search.csv files, or their folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder for the merged result.
        #[arg(short, long)]
        output: PathBuf,
        /// Worker threads for a plan's confirmation runs [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Draw the charts and report.html again from a run's or a sweep's output folder.
    Report {
        /// The output folder of a run or a sweep.
        dir: PathBuf,
    },
    /// Check a scenario and print it with every default filled in; or
    /// check every point of a sweep file and print its grid.
    Validate {
        /// The scenario file, or a sweep file (TOML with [sweep]).
        scenario: PathBuf,
    },
    /// Write a commented starter scenario to begin from.
    Init {
        /// The file to write.
        #[arg(default_value = "scenario.toml")]
        file: PathBuf,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the scenario format (for editor completion).
    Schema {
        /// Print the scenario reference in Markdown instead
        /// (docs/reference/scenario.md).
        #[arg(long)]
        markdown: bool,
    },
    /// List the built-in Google Cloud regions.
    Regions,
    /// List the built-in cities, with their countries and metro populations.
    Cities,
    /// List Google's edge metros, where users enter Google's network.
    Edges,
    /// Print the backbone round trip from a place to every built-in region,
    /// and where each figure comes from.
    ///
    /// FROM is a region (us-central1), a built-in city (Tokyo) or a point
    /// (35.68,139.69). From a city or point: the edge its users enter at,
    /// the fixed leg to it, and each region's round trip from that edge.
    /// Hold the figures against your own measurements (a gcping run, say).
    Latency {
        /// A region, a built-in city, or LAT,LON.
        from: String,
        /// The backbone model: measured (the default), route (the data
        /// switched off) or geo (the great circle times 1.5).
        #[arg(long, default_value = "measured", value_parser = ["measured", "route", "geo"])]
        model: String,
    },
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
    /// Standard output could not be written: a closed pipe (`| head`)
    /// ends quietly, as other Unix tools do; anything else (a full disk)
    /// is an error.
    Output(std::io::Error),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    install_interrupt_handler();
    let result = match cli.command {
        Command::Run { scenario, output, seed, duration, quiet, force } => {
            run(&scenario, output, Overrides { seed, duration_ns: duration }, quiet, force)
        }
        Command::Validate { scenario } => validate(&scenario),
        Command::Sweep { sweep, output, threads, shard, keep_runs, duration, replications, quiet, force } => {
            let how = SweepArgs { output, threads, shard, keep_runs, duration, replications, quiet, force };
            run_sweep(&sweep, how)
        }
        Command::Plan { scenario, output, threads, shard, replications, exhaustive, force, quiet } => {
            let how = PlanArgs { output, threads, shard, replications, exhaustive, force, quiet };
            run_plan(&scenario, how)
        }
        Command::Merge { shards, output, threads } => {
            if shards.iter().any(|f| is_plan_shard(f)) {
                merge_plan(&shards, &output, threads)
            } else {
                merge(&shards, &output)
            }
        }
        Command::Report { dir } => redraw(&dir),
        Command::Init { file, force } => init(&file, force),
        Command::Schema { markdown: false } => say!("{}", scenario::schema::json_schema()),
        Command::Schema { markdown: true } => say!("{}", scenario::schema::markdown_reference().trim_end()),
        Command::Regions => list_regions().map_err(Failure::Output),
        Command::Cities => list_cities().map_err(Failure::Output),
        Command::Edges => list_edges().map_err(Failure::Output),
        Command::Latency { from, model } => latency(&from, &model),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(e)) => {
            note!("{e:#}");
            ExitCode::from(2)
        }
        Err(Failure::RunFailed(e)) => {
            note!("error: {e:#}");
            ExitCode::from(1)
        }
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            note!("error: cannot write to standard output: {e}");
            ExitCode::from(1)
        }
    }
}

fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, Failure> {
    let loaded = scenario::load(path, overrides).map_err(|e: InputError| Failure::BadInput(e.into()))?;
    if !loaded.warnings.items.is_empty() {
        note!("{}", loaded.warnings);
    }
    Ok(loaded.scenario)
}

fn validate(path: &Path) -> Result<(), Failure> {
    if is_sweep_file(path) {
        return validate_sweep(path);
    }
    let sc = load(path, &Overrides::default())?;
    let mut out = std::io::stdout().lock();
    let text = scenario::resolved::to_string(&sc);
    let routes = routing_summary(&sc);
    write!(out, "{text}\n{routes}").and_then(|()| out.flush()).map_err(Failure::Output)
}

/// Points of a sweep that `validate` lists one by one; a larger grid is
/// summed up after them.
const POINTS_LISTED: usize = 30;

/// `negsim validate` of a sweep file: every point checked as `negsim
/// sweep` checks it, then the grid, its runs and the points printed.
fn validate_sweep(path: &Path) -> Result<(), Failure> {
    let sw = sweep::load(path, &Overrides::default()).map_err(|e| Failure::BadInput(e.into()))?;
    for w in &sw.warnings {
        note!("{w}");
    }
    let seeds = sweep::replications_words(sw.replications, sw.seed);
    let mut s = format!(
        "# {}: a sweep of {}, every point valid.\n# {} points x {seeds} = {} runs.\n",
        path.display(),
        sw.scenario_file.display(),
        sw.points.len(),
        sw.points.len() * sw.replications as usize
    );
    for a in &sw.axes {
        let values: Vec<String> = a.values.iter().map(sweep::grid::shown).collect();
        s.push_str(&format!("# axis {} = [{}]\n", a.key, values.join(", ")));
    }
    for p in sw.points.iter().take(POINTS_LISTED) {
        s.push_str(&format!("# point {}: {}\n", p.index, sweep::describe_point(&sw.axes, &p.coords)));
    }
    if sw.points.len() > POINTS_LISTED {
        s.push_str(&format!("# ... and {} more points\n", sw.points.len() - POINTS_LISTED));
    }
    let mut out = std::io::stdout().lock();
    write!(out, "{s}").and_then(|()| out.flush()).map_err(Failure::Output)
}

/// Each city's nearest region and backbone round trip, as TOML comments.
fn routing_summary(sc: &Scenario) -> String {
    let net = model::network::Network::new(sc);
    let mut s = String::from("# Routing: each city's edge sends to its closest region not ejected.\n");
    s.push_str("# Round trips from the city's edge over the backbone; (via EDGE, +leg) when the edge is elsewhere.\n");
    s.push_str(&format!(
        "# {} cities, {} regions, about {:.3e} requests.\n",
        sc.cities.len(),
        sc.regions.len(),
        sc.expected_requests()
    ));
    for (i, c) in sc.cities.iter().enumerate() {
        let city = negsim::model::ids::CityId(i as u32);
        // The regions of the service its users reach first (the URL map's
        // default): with one service, every region.
        let order = net.order(city, sc.url_map.default_service);
        let parts: Vec<String> = order
            .iter()
            .take(3)
            .map(|&r| {
                let rtt = net.rtt_ns(city, r) as f64 / NS_PER_MS as f64;
                let region = &sc.regions[sc.deployments[r.index()].region].name;
                format!("{region} ({rtt:.1} ms, {})", net.origin(city, r).describe())
            })
            .collect();
        let edge = &sc.edge_locations[c.edge];
        let via = if edge.name == c.name {
            String::new()
        } else {
            format!(" (via {}, +{:.1} ms)", edge.name, net.leg_ns(city) as f64 / NS_PER_MS as f64)
        };
        s.push_str(&format!("#   {:<16} -> {}{via}\n", c.name, parts.join(", then ")));
    }
    s
}

fn run(
    path: &Path,
    output: Option<PathBuf>,
    overrides: Overrides,
    quiet: bool,
    force: bool,
) -> Result<(), Failure> {
    if is_sweep_file(path) {
        // A sweep file given to `run`: run it as the sweep it is.
        if overrides.seed.is_some() {
            return Err(Failure::BadInput(anyhow::anyhow!(
                "{}: a sweep file sets its seeds in [sweep] (seed = ...); --seed applies to a scenario",
                path.display()
            )));
        }
        if !quiet {
            note!("{} is a sweep file: running it as `negsim sweep {0}`", path.display());
        }
        let how = SweepArgs {
            output,
            threads: None,
            shard: None,
            keep_runs: false,
            duration: overrides.duration_ns,
            replications: None,
            quiet,
            force,
        };
        return run_sweep(path, how);
    }
    let sc = load(path, &overrides)?;
    let dir = output.unwrap_or_else(|| Path::new("output").join(&sc.simulation.name));
    check_needs(pipeline::estimate(&sc), 1, &dir)?;
    let staging = stage(&dir, Kind::Run, force)?;
    if !quiet {
        warn_if_enormous(sc.expected_requests(), 1);
    }
    write_outputs(&sc, staging, &dir, quiet).map_err(Failure::RunFailed)
}

/// Starts a result for `dir` (see [`report::folder`]).
fn stage(dir: &Path, kind: Kind, force: bool) -> Result<Staging, Failure> {
    Staging::begin(dir, kind, force).map_err(folder_failure)
}

fn folder_failure(e: FolderError) -> Failure {
    match e {
        FolderError::Refused(_) => Failure::BadInput(e.into()),
        FolderError::Io { .. } => Failure::RunFailed(anyhow::anyhow!("cannot write the results: {e}")),
    }
}

/// `negsim report DIR`: the charts and page of a finished run or sweep
/// drawn again from its files, which are checked against its manifest
/// first.
fn redraw(dir: &Path) -> Result<(), Failure> {
    // A plan's folder (or anything else) is refused by the run's checks, which say what it holds.
    let kind = if report::folder::kind_of(dir) == Some(Kind::Sweep) { Kind::Sweep } else { Kind::Run };
    let (staging, manifest) = Staging::renew(dir, kind).map_err(folder_failure)?;
    negsim::hold_for_tests("report");
    let at = staging.path();
    if kind == Kind::Sweep {
        let read = |name: &str| {
            std::fs::read_to_string(at.join(name))
                .with_context(|| format!("cannot read {}", dir.join(name).display()))
        };
        let text = read("sweep.csv").map_err(Failure::RunFailed)?;
        let meta: sweep::shard::SweepMeta =
            serde_json::from_str(&read("sweep.json").map_err(Failure::RunFailed)?).map_err(|e| {
                Failure::BadInput(anyhow::anyhow!("{}: {e}", dir.join("sweep.json").display()))
            })?;
        sweep_pictures(at, &text, &meta).map_err(Failure::RunFailed)?;
    } else {
        report::files::draw_report(dir, at).map_err(|e| Failure::BadInput(e.into()))?;
    }
    staging.publish(&manifest.fingerprint).map_err(folder_failure)?;
    say!("{}", dir.join("report.html").display())
}

/// Refuses, before anything runs, a run whose estimated memory (per
/// thread, `threads` at once) or output (`disk_runs` folders) exceeds what
/// this machine has: it would otherwise fail, or fill the disk, at the end.
fn check_needs(needs: pipeline::Needs, threads: usize, dir: &Path) -> Result<(), Failure> {
    let gb = |b: u64| b as f64 / 1e9;
    let memory = needs.memory_bytes.saturating_mul(threads as u64);
    if let Some(free) = available_memory()
        && memory > free
    {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "this needs about {:.1} GB of memory ({} at {:.2} GB each) and {:.1} GB is available: use fewer cities, a longer simulation.window or fewer --threads",
            gb(memory),
            if threads == 1 { "one run".to_string() } else { format!("{threads} runs") },
            gb(needs.memory_bytes),
            gb(free)
        )));
    }
    let parent = dir.ancestors().find(|p| p.is_dir()).unwrap_or(Path::new("."));
    if let Some(free) = available_disk(parent)
        && needs.disk_bytes > free
    {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "this writes about {:.2} GB into {} and {:.2} GB is free there: use a longer simulation.window, fewer cities or another folder",
            gb(needs.disk_bytes),
            dir.display(),
            gb(free)
        )));
    }
    Ok(())
}

/// `MemAvailable` of `/proc/meminfo`, where there is one.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Free space for an unprivileged user on the file system of `dir`.
#[cfg(unix)]
fn available_disk(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `st` a valid statvfs to fill.
    let r = unsafe { libc::statvfs(path.as_ptr(), &mut st) };
    (r == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(unix))]
fn available_disk(_: &Path) -> Option<u64> {
    None
}

/// A progress line on standard error, drawn only when `show` (a terminal,
/// not --quiet), four times a second at most, cut to the terminal's width
/// (indicatif), so a narrow terminal does not get a new line per redraw.
fn progress_bar(show: bool, len: u64, template: &str) -> indicatif::ProgressBar {
    let target = if show {
        indicatif::ProgressDrawTarget::stderr_with_hz(4)
    } else {
        indicatif::ProgressDrawTarget::hidden()
    };
    let bar = indicatif::ProgressBar::with_draw_target(Some(len), target);
    let style = indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("#>.");
    bar.set_style(style);
    bar
}

/// Says so before a run of more than a billion requests starts, with an
/// estimate of the time it takes (memory does not grow with it).
fn warn_if_enormous(requests_per_run: f64, runs: usize) {
    let total = requests_per_run * runs as f64;
    if total > 1e9 {
        // About 1.2 M requests per second per core on the development machine.
        let secs = total / 1.2e6;
        note!(
            "note: this asks for about {:.1e} simulated requests: about {} of wall time on one core (memory stays small: it does not grow with the number of requests)",
            total,
            negsim::format::span_or_unknown(secs)
        );
    }
}

/// Set by Ctrl-C (SIGINT) or SIGTERM: runs stop cleanly and write nothing.
static INTERRUPTED: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));

/// Whether the next SIGINT or SIGTERM ends the process at once (exit code
/// 130): outside a phase that polls [`INTERRUPTED`] (a simulation, a
/// sweep's runs), as nothing would notice the flag there (a report, a
/// merge, charts), and at a second signal. Every result is written into a
/// staging folder and published whole, so nothing is left half-written.
static EXIT_NOW: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(true)));

/// Runs `phase` with signals left to it (see [`EXIT_NOW`]).
fn polling_signals<T>(phase: impl FnOnce() -> T) -> T {
    EXIT_NOW.store(INTERRUPTED.load(Ordering::SeqCst), Ordering::SeqCst);
    let out = phase();
    EXIT_NOW.store(true, Ordering::SeqCst);
    out
}

/// signal-hook's pattern for "the first signal asks, the second ends":
/// the actions run in the order they are registered, so a signal that
/// finds [`EXIT_NOW`] set exits, and otherwise sets it and [`INTERRUPTED`].
#[cfg(unix)]
fn install_interrupt_handler() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for signal in [SIGINT, SIGTERM] {
        let registered = flag::register_conditional_shutdown(signal, 130, Arc::clone(&EXIT_NOW))
            .and_then(|_| flag::register(signal, Arc::clone(&EXIT_NOW)))
            .and_then(|_| flag::register(signal, Arc::clone(&INTERRUPTED)));
        if let Err(e) = registered {
            note!("warning: cannot handle signal {signal} ({e}): Ctrl-C will end negsim at once");
        }
    }
}

#[cfg(not(unix))]
fn install_interrupt_handler() {}

fn write_outputs(sc: &Scenario, staging: Staging, dir: &Path, quiet: bool) -> Result<()> {
    let show = !quiet && std::io::stderr().is_terminal();
    let total_s = sc.simulation.duration_ns / 1_000_000_000;
    let bar = progress_bar(
        show,
        total_s.max(1),
        &format!(
            "  {{percent:>3}}% [{{wide_bar}}] simulated {{msg}} of {}, {{eta}} left",
            scenario::units::human_duration(sc.simulation.duration_ns)
        ),
    );
    let mut progress = |now: negsim::engine::SimTime| {
        let s = now.ns() / 1_000_000_000;
        bar.set_position(s.min(total_s));
        bar.set_message(scenario::units::human_duration(s * 1_000_000_000));
        !INTERRUPTED.load(Ordering::Relaxed)
    };
    let outcome = polling_signals(|| pipeline::run_into_observed(sc, staging.path(), &mut progress));
    bar.finish_and_clear();
    let Some((result, info)) = outcome? else {
        anyhow::bail!("interrupted: nothing was written; {} keeps what it held", dir.display());
    };
    staging.publish(&info.fingerprint)?;
    if !quiet {
        let width = report::table::terminal_width();
        let mut out = std::io::stdout().lock();
        report::table::print(&mut out, &result.rows, width)?;
        let counted = result.rows.iter().find(|r| r.scope == ScopeKind::Global).map_or(0, |r| r.requests);
        let mut closing = vec![format!(
            "{} requests simulated in {:.2} s of wall time ({:.2} M requests/s, {} events).",
            result.requests,
            info.wall_s,
            info.requests_per_wall_s / 1e6,
            result.events,
        )];
        if counted != result.requests {
            closing.push(format!("The table counts the {counted} that arrived after the warmup."));
        }
        closing.push(format!(
            "Results in {}, report in {}",
            dir.display(),
            dir.join("report.html").display()
        ));
        writeln!(out)?;
        for line in closing.iter().flat_map(|l| report::table::wrap(l, width)) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// The options of `negsim sweep`.
/// Whether `path` is a TOML file with a top-level `[sweep]` table (a
/// readable one: anything else is left to the scenario reader's messages).
fn is_sweep_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.get("sweep").is_some_and(toml::Value::is_table))
}

struct SweepArgs {
    output: Option<PathBuf>,
    threads: Option<usize>,
    shard: Option<sweep::Shard>,
    keep_runs: bool,
    duration: Option<u64>,
    replications: Option<u32>,
    quiet: bool,
    force: bool,
}

fn run_sweep(path: &Path, args: SweepArgs) -> Result<(), Failure> {
    let SweepArgs { output, threads, shard, keep_runs, duration, replications, quiet, force } = args;
    let bad = |e: anyhow::Error| Failure::BadInput(e);
    let fail = |e: anyhow::Error| Failure::RunFailed(e);
    let overrides = Overrides { seed: None, duration_ns: duration };
    let mut sw = sweep::load(path, &overrides).map_err(|e| bad(e.into()))?;
    for w in &sw.warnings {
        note!("{w}");
    }
    if let Some(n) = replications {
        if n == 0 {
            return Err(bad(anyhow::anyhow!("--replications must be at least 1")));
        }
        sweep::check_seeds(sw.seed, n).map_err(|m| bad(anyhow::anyhow!("--replications {n}: {m}")))?;
        sw.replications = n;
    }
    let shard = shard_or_env(shard)?;
    let threads = threads_or_all(threads)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("sweep");
    let dir = output.unwrap_or_else(|| Path::new("output").join(stem));
    let needs = sw.points.iter().map(|p| pipeline::estimate(&p.scenario)).fold(
        pipeline::Needs { memory_bytes: 0, disk_bytes: 0 },
        |a, b| pipeline::Needs {
            memory_bytes: a.memory_bytes.max(b.memory_bytes),
            disk_bytes: a.disk_bytes.saturating_add(if keep_runs {
                b.disk_bytes * u64::from(sw.replications)
            } else {
                0
            }),
        },
    );
    let runs_at_once = threads.min(sw.points.len() * sw.replications as usize).max(1);
    check_needs(needs, runs_at_once, &dir)?;
    let staging = stage(&dir, Kind::Sweep, force)?;
    let at = staging.path();
    let owned = sw.points.iter().filter(|p| shard.owns(p.index)).count();
    if !quiet {
        let per_run = sw.points.iter().map(|p| p.scenario.expected_requests()).fold(0.0, f64::max);
        warn_if_enormous(per_run, owned * sw.replications as usize);
    }
    let show = !quiet && std::io::stderr().is_terminal();
    if !quiet {
        note!(
            "sweep: {} points x {} replications = {} runs{} on {} thread{}",
            owned,
            sw.replications,
            owned * sw.replications as usize,
            if shard == sweep::Shard::ALL {
                String::new()
            } else {
                format!(" (shard {shard} of a {}-point grid)", sw.points.len())
            },
            threads,
            if threads == 1 { "" } else { "s" }
        );
    }
    let started = Instant::now();
    let reps = sw.replications as usize;
    let bar = progress_bar(show, (owned * reps) as u64, "  runs {pos}/{len} [{wide_bar}] {eta} left");
    let progress = |done: usize, _total: usize| bar.set_position(done as u64);
    let opts = sweep::RunOptions {
        threads,
        shard,
        progress: &progress,
        keep_runs: keep_runs.then_some(at),
        stop: &INTERRUPTED,
    };
    let outcome = polling_signals(|| sweep::run(&sw, &opts));
    if outcome.is_ok() {
        bar.finish_and_clear();
    }
    let results = match outcome {
        Ok(r) => r,
        Err(sweep::SweepError::Interrupted(n)) => {
            bar.abandon();
            return Err(fail(anyhow::anyhow!(
                "interrupted after {n} of {} runs: nothing was written; {} keeps what it held",
                owned * reps,
                dir.display()
            )));
        }
        Err(e) => return Err(fail(e.into())),
    };
    let wall_s = started.elapsed().as_secs_f64();
    let mut text = sweep::header(&sw.axes);
    for r in &results {
        text.push_str(&sweep::line(&sw, r));
    }
    report::atomic::write_file(&at.join("sweep.csv"), |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", dir.join("sweep.csv").display()))
        .map_err(fail)?;
    let meta = sweep::shard::SweepMeta {
        version: negsim::digest::VERSION.to_string(),
        build: negsim::digest::BUILD.to_string(),
        fingerprint: sw.fingerprint(),
        duration: sw.duration_override.map(scenario::units::format_duration),
        sweep: sw.file.display().to_string(),
        points: sw.points.len(),
        replications: sw.replications,
        seed: sw.seed,
        shard: (shard != sweep::Shard::ALL).then(|| shard.to_string()),
        threads,
        wall_s,
        metrics: sw.metrics.clone(),
    };
    write_meta(at, &meta).map_err(fail)?;
    // A shard's points are not the whole grid: its charts would mislead.
    if shard == sweep::Shard::ALL {
        sweep_pictures(at, &text, &meta).map_err(fail)?;
    }
    staging.publish(&meta.fingerprint).map_err(folder_failure)?;
    if !quiet {
        print_sweep(&sw, &results).map_err(Failure::Output)?;
        say!(
            "\n{} runs in {:.1} s ({:.2} points/s); results in {}",
            results.len() * reps,
            wall_s,
            results.len() as f64 / wall_s.max(1e-9),
            dir.join("sweep.csv").display()
        )?;
    }
    Ok(())
}

/// The charts under `plots/` and `report.html` of a whole (or merged) sweep.
fn sweep_pictures(dir: &Path, text: &str, meta: &sweep::shard::SweepMeta) -> Result<()> {
    let runs = sweep::replications_words(meta.replications, meta.seed);
    let shortened = meta.duration.as_ref().map_or(String::new(), |d| format!(" · runs shortened to {d}"));
    let subtitle = format!("{} · {} points × {runs}{shortened}", meta.sweep, meta.points);
    let stems = sweep::charts::draw(&dir.join("plots"), text, &meta.metrics, &subtitle)
        .with_context(|| format!("cannot draw the charts in {}", dir.join("plots").display()))?;
    let about = sweep::report::About {
        sweep: &meta.sweep,
        replications: meta.replications,
        seed: meta.seed,
        duration: meta.duration.as_deref(),
    };
    sweep::report::write(dir, text, &meta.metrics, &about, &stems)
        .with_context(|| format!("cannot write {}", dir.join("report.html").display()))
}

/// `negsim init`: the starter scenario, refusing to overwrite a file.
fn init(file: &Path, force: bool) -> Result<(), Failure> {
    if file.exists() && !force {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "{} exists; choose another name or add --force to overwrite it",
            file.display()
        )));
    }
    report::atomic::write_file(file, |w| w.write_all(scenario::STARTER.as_bytes()))
        .with_context(|| format!("cannot write {}", file.display()))
        .map_err(Failure::RunFailed)?;
    say!("wrote {}; next: negsim validate {0}, then negsim run {0}", file.display())
}

fn write_meta(dir: &Path, meta: &sweep::shard::SweepMeta) -> Result<()> {
    report::atomic::write_file(&dir.join("sweep.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, meta)?;
        writeln!(w)
    })
    .with_context(|| format!("cannot write {}", dir.join("sweep.json").display()))
}

/// A short table of the sweep: each point's values and its charted
/// metrics (the sweep file's `metrics`), mean ± 95 % half-width.
fn print_sweep(sw: &sweep::Sweep, results: &[sweep::PointResult]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let columns: Vec<(usize, &str)> = sw
        .metrics
        .iter()
        .filter_map(|name| sweep::METRICS.iter().position(|(n, _)| n == name).map(|i| (i, name.as_str())))
        .collect();
    let fmt = |m: &Option<(f64, Option<f64>)>, name: &str| {
        let (scale, d) = (sweep::charts::scale(name), sweep::charts::decimals(name));
        match m {
            Some((v, Some(h))) => format!("{:.d$} ± {:.d$}", v * scale, h * scale),
            Some((v, None)) => format!("{:.d$}", v * scale),
            None => "-".into(),
        }
    };
    let width = 44.max(
        results
            .iter()
            .map(|r| sweep::describe_point(&sw.axes, &sw.points[r.index].coords).len())
            .max()
            .unwrap_or(0),
    );
    let mut head = format!("{:>5}  {:<width$}", "point", "values");
    for (_, name) in &columns {
        let label = if *name == "availability" { "availability %" } else { name };
        head.push_str(&format!(" {label:>22}"));
    }
    writeln!(out, "{head}")?;
    for r in results {
        let mut line = format!(
            "{:>5}  {:<width$}",
            r.index,
            sweep::describe_point(&sw.axes, &sw.points[r.index].coords)
        );
        for (i, name) in &columns {
            line.push_str(&format!(" {:>22}", fmt(&r.metrics[*i], name)));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The options of `negsim plan`.
struct PlanArgs {
    output: Option<PathBuf>,
    threads: Option<usize>,
    shard: Option<sweep::Shard>,
    replications: Option<u32>,
    exhaustive: bool,
    force: bool,
    quiet: bool,
}

/// `--shard`, else the shard a batch system's environment gives, else all.
fn shard_or_env(shard: Option<sweep::Shard>) -> Result<sweep::Shard, Failure> {
    match shard {
        Some(s) => Ok(s),
        None => Ok(sweep::Shard::from_env(|k| std::env::var(k).ok())
            .map_err(|e| Failure::BadInput(anyhow::anyhow!("shard from the environment: {e}")))?
            .unwrap_or(sweep::Shard::ALL)),
    }
}

/// `--threads`, or every core; refuses 0. Builds rayon's global pool with
/// that many threads (the charts drawn at the end use it too: as many
/// threads as the runs had, no more).
fn threads_or_all(threads: Option<usize>) -> Result<usize, Failure> {
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(Failure::BadInput(anyhow::anyhow!("--threads must be at least 1")));
    }
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    Ok(threads)
}

fn run_plan(path: &Path, args: PlanArgs) -> Result<(), Failure> {
    let PlanArgs { output, threads, shard, replications, exhaustive, force, quiet } = args;
    let bad = |e: anyhow::Error| Failure::BadInput(e);
    let fail = |e: anyhow::Error| Failure::RunFailed(e);
    let plan = negsim::plan::load(path, replications, force).map_err(|e| bad(e.into()))?;
    for w in &plan.warnings {
        note!("{w}");
    }
    let shard = shard_or_env(shard)?;
    let grid = negsim::plan::grid_size(&plan);
    if exhaustive && grid > 10_000 && !force {
        return Err(bad(anyhow::anyhow!(
            "{}: --exhaustive would evaluate {grid} grid points x {} cases x {} replications; more than 10000 points needs --force (take larger steps in [plan]'s ranges)",
            path.display(),
            plan.cases.len(),
            plan.spec().replications
        )));
    }
    if exhaustive && shard != sweep::Shard::ALL {
        return Err(bad(anyhow::anyhow!("--exhaustive runs the whole grid in one process: drop --shard")));
    }
    let threads = threads_or_all(threads)?;
    let dir =
        output.unwrap_or_else(|| Path::new("output").join(format!("{}-plan", plan.scenario.simulation.name)));
    let per_run = plan.case_scenario(&plan.cases[0], &plan.top(), plan.seed);
    check_needs(pipeline::estimate(&per_run), threads, &dir)?;
    let staging = stage(&dir, Kind::Plan, force)?;
    let at = staging.path();
    if !quiet {
        note!(
            "plan: {} cases x {} settings, {} replications per evaluation{} on {} thread{}",
            plan.cases.len(),
            plan.settings.len(),
            plan.spec().replications,
            if shard == sweep::Shard::ALL { String::new() } else { format!(" (shard {shard})") },
            threads,
            if threads == 1 { "" } else { "s" }
        );
    }
    let show = !quiet && std::io::stderr().is_terminal();
    let bar = progress_bar(show, 0, "  {pos} runs {spinner} {elapsed}");
    let progress = |n: u64| bar.set_position(n);
    let started = Instant::now();
    let ev = negsim::plan::Evaluator::new(&plan, &INTERRUPTED, &progress);
    // A whole plan ends with its outcome; a shard with its cases' searches.
    let done =
        polling_signals(|| -> Result<Result<negsim::plan::Outcome, Vec<negsim::plan::CaseSearch>>, _> {
            if exhaustive {
                let grid = negsim::plan::exhaustive(&ev)?;
                return negsim::plan::finish(&ev, Vec::new(), Some(grid)).map(Ok);
            }
            let searches = negsim::plan::search(&ev, |c| shard.owns(c))?;
            if shard == sweep::Shard::ALL {
                negsim::plan::finish(&ev, searches, None).map(Ok)
            } else {
                Ok(Err(searches))
            }
        });
    bar.finish_and_clear();
    let done = done.map_err(|negsim::plan::Interrupted(n)| {
        fail(anyhow::anyhow!(
            "interrupted after {n} runs: nothing was written; {} keeps what it held",
            dir.display()
        ))
    })?;
    let wall_s = started.elapsed().as_secs_f64();
    let shard_label = (shard != sweep::Shard::ALL).then(|| shard.to_string());
    let mut meta = negsim::plan::output::meta(&plan, exhaustive, shard_label, threads, wall_s);
    match &done {
        Ok(o) => {
            meta.result = Some(negsim::plan::output::summary(&plan, o));
            negsim::plan::output::write_all(at, &plan, o, &meta)
                .with_context(|| format!("cannot write the plan into {}", dir.display()))
                .map_err(fail)?;
        }
        Err(searches) => {
            let text = negsim::plan::output::search_csv(&plan, searches);
            report::atomic::write_file(&at.join("search.csv"), |w| w.write_all(text.as_bytes()))
                .and_then(|()| negsim::plan::output::write_meta(at, &meta))
                .with_context(|| format!("cannot write the shard into {}", dir.display()))
                .map_err(fail)?;
        }
    }
    staging.publish(&meta.fingerprint).map_err(folder_failure)?;
    if quiet {
        return Ok(());
    }
    match &done {
        Ok(o) => print_plan(&plan, o, &dir, wall_s),
        Err(_) => say!(
            "shard {shard}: searched its cases in {wall_s:.1} s; join the shards with negsim merge -o DIR {}/search.csv ...",
            dir.display()
        ),
    }
}

/// The findings and the plan's table, for a terminal.
fn print_plan(
    plan: &negsim::plan::Plan,
    o: &negsim::plan::Outcome,
    dir: &Path,
    wall_s: f64,
) -> Result<(), Failure> {
    let (headline, details) = negsim::plan::report::findings(plan, o);
    for h in &headline {
        say!("{h}")?;
    }
    if !o.settings.is_empty() {
        say!(
            "\n{:<24} {:<14} {:>6} {:>6}  {}",
            "region",
            "setting",
            "now",
            "plan",
            "the case that needs it"
        )?;
        for s in &o.settings {
            say!(
                "{:<24} {:<14} {:>6} {:>6}  {}",
                plan.scenario.regions[s.setting.region].name,
                s.setting.knob.name(),
                s.current,
                s.recommended,
                s.binding.map_or("none (the range's floor)", |c| plan.cases[c].name.as_str())
            )?;
        }
    }
    for d in &details {
        say!("- {d}")?;
    }
    say!(
        "\n{} runs in {:.1} s; results in {}",
        o.runs_search + o.runs_confirm,
        wall_s,
        dir.join("report.html").display()
    )
}

/// Whether `f` (a file or a folder) is a plan's shard: a plan.json beside it.
fn is_plan_shard(f: &Path) -> bool {
    let folder =
        if f.is_dir() { f.to_path_buf() } else { f.parent().unwrap_or(Path::new(".")).to_path_buf() };
    folder.join("plan.json").is_file()
}

fn refuse_shard_folder(shards: &[PathBuf], dir: &Path) -> Result<(), Failure> {
    if let Ok(out) = std::fs::canonicalize(dir) {
        for f in shards {
            let folder =
                if f.is_dir() { f.clone() } else { f.parent().unwrap_or(Path::new(".")).to_path_buf() };
            if std::fs::canonicalize(&folder).is_ok_and(|s| s == out) {
                return Err(Failure::BadInput(anyhow::anyhow!(
                    "-o {} is the folder of the shard {}: the merge goes into a folder of its own",
                    dir.display(),
                    f.display()
                )));
            }
        }
    }
    Ok(())
}

/// `negsim merge` of a plan's shards: the searches joined, then the plan
/// confirmed (these runs happen here), written as an unsharded plan is.
fn merge_plan(shards: &[PathBuf], dir: &Path, threads: Option<usize>) -> Result<(), Failure> {
    let load = |m: &negsim::plan::output::PlanMeta| -> Result<negsim::plan::Plan, String> {
        negsim::plan::load(Path::new(&m.scenario), Some(m.replications), true).map_err(|e| {
            format!("the shards were run on {}, which no longer reads as a plan: {e}", m.scenario)
        })
    };
    let (plan, mut meta, searches) =
        negsim::plan::output::read_shards(shards, load).map_err(|e| Failure::BadInput(anyhow::anyhow!(e)))?;
    refuse_shard_folder(shards, dir)?;
    let threads = threads_or_all(threads)?;
    let staging = stage(dir, Kind::Plan, false)?;
    let fail = |e: anyhow::Error| Failure::RunFailed(e);
    let started = Instant::now();
    let nothing = |_: u64| {};
    let ev = negsim::plan::Evaluator::new(&plan, &INTERRUPTED, &nothing);
    let o = polling_signals(|| negsim::plan::finish(&ev, searches, None)).map_err(
        |negsim::plan::Interrupted(n)| {
            fail(anyhow::anyhow!("interrupted after {n} runs: nothing was written"))
        },
    )?;
    meta.result = Some(negsim::plan::output::summary(&plan, &o));
    meta.threads = threads;
    meta.wall_s += started.elapsed().as_secs_f64();
    negsim::plan::output::write_all(staging.path(), &plan, &o, &meta)
        .with_context(|| format!("cannot write the plan into {}", dir.display()))
        .map_err(fail)?;
    staging.publish(&meta.fingerprint).map_err(folder_failure)?;
    say!("{} shards, {} cases: {}", shards.len(), plan.cases.len(), dir.join("report.html").display())
}

fn merge(shards: &[PathBuf], dir: &Path) -> Result<(), Failure> {
    let (text, meta) = sweep::shard::merge(shards).map_err(|e| Failure::BadInput(e.into()))?;
    refuse_shard_folder(shards, dir)?;
    let staging = stage(dir, Kind::Sweep, false)?;
    let fail = |e: anyhow::Error| Failure::RunFailed(e);
    let at = staging.path();
    report::atomic::write_file(&at.join("sweep.csv"), |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", dir.join("sweep.csv").display()))
        .map_err(fail)?;
    write_meta(at, &meta).map_err(fail)?;
    sweep_pictures(at, &text, &meta).map_err(fail)?;
    staging.publish(&meta.fingerprint).map_err(folder_failure)?;
    say!("{} shards, {} points: {}", shards.len(), meta.points, dir.join("sweep.csv").display())
}

fn list_regions() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<26} {:>8} {:>9}  {:<4} location", "region", "lat", "lon", "tier")?;
    for r in geo::regions::REGIONS {
        writeln!(out, "{:<26} {:>8.2} {:>9.2}  {:<4} {}", r.name, r.lat, r.lon, r.tier, r.location)?;
    }
    Ok(())
}

fn list_edges() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<18} {:<7} {:>8} {:>9}", "edge", "country", "lat", "lon")?;
    for e in geo::edges::edges() {
        writeln!(out, "{:<18} {:<7} {:>8.2} {:>9.2}", e.name, e.country, e.lat, e.lon)?;
    }
    Ok(())
}

/// `negsim latency FROM`: round trips from a place to every built-in region.
fn latency(from: &str, model: &str) -> Result<(), Failure> {
    use model::network::Model;
    use scenario::{EdgePlacement, Network, NetworkModel};
    let net = Network {
        model: match model {
            "route" => NetworkModel::Route,
            "geo" => NetworkModel::Geo,
            _ => NetworkModel::Measured,
        },
        fiber_km_per_ms: 200.0,
        route_inflation: 1.5,
        edges: EdgePlacement::Google,
        access_rtt: scenario::dist::DistSpec::Constant { value_ns: 0 },
        new_connection_ratio: 0.0,
        handshake_rtts: 0,
        intra_region_rtt_ns: 0,
    };
    let m = Model::new(&net);
    let point = from
        .split_once(',')
        .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)));
    let (site, header) = if let Some(r) = geo::regions::find(from) {
        (
            m.site(r.lat, r.lon, Some(r.country), Some(r.name)),
            format!("From region {} ({})", r.name, r.location),
        )
    } else {
        let (lat, lon, name) = match (geo::cities::find(from), point) {
            (Some(c), _) => (c.lat, c.lon, c.name.to_string()),
            (None, Some((lat, lon))) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {
                (lat, lon, format!("{lat},{lon}"))
            }
            _ => {
                let mut names: Vec<&str> = geo::regions::REGIONS.iter().map(|r| r.name).collect();
                names.extend(geo::cities::CITIES.iter().map(|c| c.name));
                return Err(Failure::BadInput(anyhow::anyhow!(
                    "\"{}\" is not a built-in region, a built-in city or LAT,LON (degrees, e.g. 35.68,139.69){}",
                    from.escape_debug(),
                    scenario::diag::hint(from, &names)
                )));
            }
        };
        let edge = geo::edges::nearest(lat, lon);
        let leg = m.access_leg_ms((lat, lon), (edge.lat, edge.lon));
        let km = geo::great_circle_km(lat, lon, edge.lat, edge.lon);
        (
            m.site(edge.lat, edge.lon, Some(&edge.country), None),
            format!(
                "From {name}: users enter Google's network at the {} edge ({km:.0} km, {leg:.1} ms of round trip to it, not counted below)",
                edge.name
            ),
        )
    };
    let mut rows: Vec<(f64, &str, String)> = geo::regions::REGIONS
        .iter()
        .map(|r| {
            let (ms, origin) = m.rtt_ms(&site, &m.site(r.lat, r.lon, Some(r.country), Some(r.name)));
            (ms, r.name, origin.describe())
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let width = report::table::terminal_width();
    let mut out = std::io::stdout().lock();
    let write = |out: &mut std::io::StdoutLock<'_>| -> std::io::Result<()> {
        for line in report::table::wrap(&format!("{header}; model \"{model}\"."), width) {
            writeln!(out, "{line}")?;
        }
        writeln!(out, "{:<24} {:>9}  source", "region", "rtt_ms")?;
        for (ms, name, origin) in &rows {
            writeln!(out, "{name:<24} {ms:>9.1}  {origin}")?;
        }
        Ok(())
    };
    write(&mut out).map_err(Failure::Output)
}

fn list_cities() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<18} {:<7} {:>8} {:>9} {:>12}", "city", "country", "lat", "lon", "population")?;
    for c in geo::cities::CITIES {
        let pop = format!("{:.1} M", f64::from(c.population_k) / 1000.0);
        writeln!(out, "{:<18} {:<7} {:>8.2} {:>9.2} {:>12}", c.name, c.country, c.lat, c.lon, pop)?;
    }
    writeln!(out, "\npopulation: the metro's (Natural Earth); splits a country's traffic over cities")?;
    Ok(())
}
