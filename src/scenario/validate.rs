//! Stage two of reading a scenario: from a TOML tree to a [`Scenario`].
//!
//! Each `read_*` function reads one section, records every problem it finds
//! and returns usable defaults so the rest of the file is still checked.
//! Defaults and their sources are listed in docs/model.md;
//! the ones that come from Google's documentation are cited here too.

use super::diag::{Diag, Source, hint};
use super::dist::DistSpec;
use super::reader::{Rule, Section, describe};
use super::units::human_duration;
use super::*;
use crate::engine::time::{NS_PER_MS, NS_PER_S};
use crate::geo::{cities, regions};
use std::collections::HashMap;

/// Values given on the command line that replace the file's.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--seed`: replaces `simulation.seed`.
    pub seed: Option<u64>,
    /// `--duration`: replaces `simulation.duration`. Outages and surges that
    /// start after the shortened run are then dropped with a warning
    /// instead of being errors.
    pub duration_ns: Option<u64>,
}

const MIN: u64 = 60 * NS_PER_S;

/// The `[service]` defaults, from DESIGN.md's table of facts:
/// concurrency 80 (cloud.google.com/run/docs/about-concurrency), 1 vCPU
/// (configuring/cpu), max 100 instances (configuring/max-instances), 60 %
/// autoscaler targets (about-instance-autoscaling), 300 s request timeout
/// (configuring/request-timeout), 10 s pending wait and 15 min idle
/// retention (neither officially documented; see docs/model.md).
pub fn default_service() -> ServiceConfig {
    ServiceConfig {
        concurrency: 80,
        cpu: 1.0,
        memory_gib: 0.5,
        min_instances: 0,
        max_instances: 100,
        cpu_target: 0.6,
        concurrency_target: 0.6,
        cpu_time: DistSpec::Lognormal { median_ns: 20 * NS_PER_MS, p99_ns: 150 * NS_PER_MS },
        io_time: DistSpec::constant(0),
        cold_start: DistSpec::Lognormal { median_ns: 1_500 * NS_PER_MS, p99_ns: 6 * NS_PER_S },
        startup_cpu_boost: false,
        idle_timeout_ns: 15 * MIN,
        pending_timeout: None,
        request_timeout_ns: 300 * NS_PER_S,
        billing: Billing::Request,
    }
}

/// Validates a parsed scenario. `text` is the file's text, used to place
/// problems; `table` may differ from it (sweeps set values by key path).
pub fn from_table(
    path: &Path,
    text: &str,
    table: &toml::Table,
    ov: &Overrides,
) -> Result<Loaded, InputError> {
    let source = Source::new(path, text);
    let diag = Diag::new(&source);
    let scenario = read_scenario(&diag, path, table, ov);
    let warnings = diag.finish()?;
    let scenario = scenario.expect("a scenario is only missing after a recorded problem");
    Ok(Loaded { scenario, warnings })
}

/// Every key the reader asks for when it reads `text` (a scenario with
/// every section and one array entry of each kind), with what it accepts:
/// the source of the JSON Schema, so the schema cannot drift from the reader.
pub fn record_keys(text: &str) -> Vec<super::diag::Noted> {
    let path = Path::new("schema.toml");
    let table: toml::Table = text.parse().unwrap_or_default();
    let source = Source::new(path, text);
    let diag = Diag::new(&source);
    diag.record();
    let _ = read_scenario(&diag, path, &table, &Overrides::default());
    diag.notes()
}

/// Reads and checks a whole scenario, recording problems in `diag`; `None`
/// only when a problem was recorded.
fn read_scenario(diag: &Diag<'_>, path: &Path, table: &toml::Table, ov: &Overrides) -> Option<Scenario> {
    let mut root = Section::root(diag, table);

    let simulation = read_simulation(root.section("simulation"), path, ov);
    let mut net_section = root.section("network");
    let (network, matrix_file) = read_network(&mut net_section);
    let load_balancer = read_load_balancer(root.section("load_balancer"));
    let client = read_client(root.section("client"));
    // `[[service]]` (several named services) or `[service]` (one).
    let declared = matches!(table.get("service"), Some(toml::Value::Array(_)));
    let service = if declared {
        default_service()
    } else {
        let mut service_section = root.section("service");
        for key in ["call", "name", "regions", "region"] {
            if service_section.table_has(key) {
                service_section.error(
                    key,
                    "names, regions and calls are for several services: write each as a [[service]] entry (with name = ...) instead of one [service] table",
                );
                let _ = service_section.get(match key {
                    "call" => "call",
                    "name" => "name",
                    "regions" => "regions",
                    _ => "region",
                });
            }
        }
        let service = read_service(&mut service_section, &default_service(), false);
        service_section.finish();
        service
    };
    let (regions, region_configs) = read_regions(&mut root, &service, declared);
    let services = if declared {
        super::services::read_services(&mut root, &regions, load_balancer.timeout_ns)
    } else {
        super::services::single(&regions, &region_configs)
    };
    if load_balancer.health.enabled {
        // Cloud Run computes a region's health from its minimum instances.
        let cold: Vec<&str> = services
            .deployments
            .iter()
            .filter(|d| d.config.min_instances == 0)
            .map(|d| d.name.as_str())
            .collect();
        if !cold.is_empty() {
            root.diag().error_at_key(
                "load_balancer.service_health.enabled",
                format!(
                    "service health needs min_instances >= 1 in every region, and {} {} none; set service.min_instances",
                    cold.join(", "),
                    if cold.len() == 1 { "has" } else { "have" }
                ),
            );
        }
    }
    let (mut cities, pins, city_mix) = read_cities(&mut root);
    let url_map = super::services::read_url_map(&mut root, &services.services, declared, &city_mix);
    let city_names: Vec<String> = cities.iter().map(|c| c.name.clone()).collect();
    let names: Vec<&str> = city_names.iter().map(String::as_str).collect();
    let traffic = super::curve::read_traffic(&mut root, &names);
    let curved: Vec<bool> =
        (0..names.len()).map(|i| traffic.iter().any(|t| t.curves.iter().any(|&(c, _)| c == i))).collect();
    let replays = super::replay::read_replays(&mut root, &names, &curved);
    let aggregates = if declared { services.services.len() + regions.len() } else { 0 };
    check_series_rows(root.diag(), &simulation, cities.len() + services.deployments.len() + aggregates + 1);
    let edge_locations = read_edges(&mut root, network.as_ref().map(|n| n.edges), &mut cities, &pins);
    let horizon = Horizon { duration_ns: simulation.duration_ns, shortened: ov.duration_ns.is_some() };
    let (dependencies, declared_deps) = read_dependencies(&mut root, &regions);
    let (outages, dependency_outages) =
        read_outages(&mut root, &regions, &services, &dependencies, &declared_deps, horizon);
    let surges = read_surges(&mut root, &cities, horizon);
    let slo = read_slo(&mut root);
    if declared && root.table_has("plan") {
        root.diag().error_at_key(
            "plan",
            "negsim plan searches the capacity of one service per region; it does not yet plan a scenario with [[service]] entries",
        );
    }
    let plan = super::plan::read_plan(
        &mut root,
        &regions,
        &region_configs,
        &dependencies,
        load_balancer.health.enabled,
    );
    let pricing = read_pricing(root.section("pricing"));
    let edge = read_edge(root.section("edge"));
    let attacks = read_attacks(&mut root, &cities, horizon);

    let network = match (network, matrix_file) {
        (Some(mut network), Some(file)) => {
            if let Some(m) = read_matrix(&net_section, path, &file, &cities, &regions) {
                network.model = NetworkModel::Matrix(m);
            }
            Some(network)
        }
        (n, _) => n,
    };
    net_section.finish();
    root.finish();

    Some(Scenario {
        file: path.to_path_buf(),
        simulation,
        network: network?,
        load_balancer,
        client,
        service,
        regions,
        services: services.services,
        deployments: services.deployments,
        services_declared: declared,
        url_map,
        cities,
        traffic,
        replays,
        outages,
        surges,
        slo,
        plan,
        pricing,
        dependencies,
        dependency_outages,
        edge,
        attacks,
        edge_locations,
    })
}

#[derive(Clone, Copy)]
struct Horizon {
    duration_ns: u64,
    shortened: bool,
}

fn read_simulation(mut s: Section<'_>, path: &Path, ov: &Overrides) -> Simulation {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario").to_string();
    let name = match s.opt_string("name") {
        Some(n) if valid_folder_name(n) => n.to_string(),
        Some(n) => {
            s.error(
                "name",
                format!("\"{n}\" cannot name an output folder; use letters, digits, '.', '_' and '-' (not starting with '.')"),
            );
            stem
        }
        None => stem,
    };
    let file_duration = if s.is_present() || s.has("duration") {
        s.required_duration("duration", Rule::Above(0.0))
    } else {
        s.diag().error_at_key(
            "simulation",
            "[simulation] is missing; it needs at least `duration`, e.g. duration = \"2h\"",
        );
        None
    };
    let duration_ns = ov.duration_ns.or(file_duration).unwrap_or(3600 * NS_PER_S);
    let mut warmup_ns = s.duration("warmup", 0, Rule::AtLeast(0.0));
    if warmup_ns >= duration_ns && ov.duration_ns.is_some() {
        s.diag().warn(
            &s.key_path("warmup"),
            format!(
                "\"{}\" is not shorter than the shortened run (\"{}\"): the run has no warmup",
                human_duration(warmup_ns),
                human_duration(duration_ns)
            ),
        );
        warmup_ns = 0;
    } else if warmup_ns >= duration_ns {
        s.error(
            "warmup",
            format!(
                "must be shorter than the run (duration = \"{}\"), found \"{}\"",
                human_duration(duration_ns),
                human_duration(warmup_ns)
            ),
        );
    }
    let window_ns = s.duration("window", MIN, Rule::AtLeast(NS_PER_S as f64));
    let seed = s.integer("seed", 1, 0, i64::MAX) as u64;
    let seed = ov.seed.unwrap_or(seed);
    let start_utc_s = match s.get("start_utc") {
        None => None,
        Some(toml::Value::String(t)) => Some(super::units::parse_time_of_day(t).unwrap_or_else(|| {
            s.error(
                "start_utc",
                format!("expected a time of day \"HH:MM\" from \"00:00\" to \"23:59\", found \"{t}\""),
            );
            0
        })),
        Some(toml::Value::Datetime(d)) if d.date.is_none() && d.time.is_some() => {
            let t = d.time.expect("checked");
            Some(u32::from(t.hour) * 3600 + u32::from(t.minute) * 60 + u32::from(t.second.unwrap_or(0)))
        }
        Some(other) => {
            s.error(
                "start_utc",
                format!("expected a time of day \"HH:MM\", found {}", super::reader::describe(other)),
            );
            None
        }
    };
    let initial_instances = s.choice(
        "initial_instances",
        InitialInstances::Min,
        &[("min", InitialInstances::Min), ("steady", InitialInstances::Steady)],
    );
    s.finish();
    Simulation {
        name,
        duration_ns,
        warmup_ns: warmup_ns.min(duration_ns.saturating_sub(1)),
        window_ns,
        seed,
        start_utc_s,
        initial_instances,
    }
}

/// Longest name of a region, city, edge location or dependency, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Checks a name the user gives to a region, city, edge location or
/// dependency. Names go into CSV files, onto the terminal and into charts,
/// so a name has 1 to [`MAX_NAME_CHARS`] characters, no control characters
/// (an escape sequence would act on the terminal), and does not start with
/// `=`, `+`, `-` or `@` (a spreadsheet opening the CSV would run it as a
/// formula: CSV injection). The name itself is not echoed.
fn check_name(s: &Section<'_>, name: &str) -> bool {
    let n = name.chars().count();
    let problem = if name.trim().is_empty() {
        "is empty".to_string()
    } else if n > MAX_NAME_CHARS {
        format!("is {n} characters long")
    } else if name.chars().any(char::is_control) {
        "holds a control character (an escape, a tab or a newline), which a terminal would act on".to_string()
    } else if name.starts_with(['=', '+', '-', '@']) {
        format!(
            "starts with '{}', which a spreadsheet opening the CSV files would run as a formula",
            &name[..1]
        )
    } else {
        return true;
    };
    s.error(
        "name",
        format!(
            "this name {problem}; a name has 1 to {MAX_NAME_CHARS} characters, no control characters, and does not start with =, +, - or @"
        ),
    );
    false
}

fn valid_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Speed of light in vacuum, km per ms: no signal is faster.
const LIGHT_KM_PER_MS: f64 = 299.792_458;

fn read_network(s: &mut Section<'_>) -> (Option<Network>, Option<String>) {
    #[derive(Clone, Copy, PartialEq)]
    enum M {
        Measured,
        Route,
        Geo,
        Matrix,
        None,
    }
    let model = s.choice(
        "model",
        M::Measured,
        &[
            ("measured", M::Measured),
            ("route", M::Route),
            ("geo", M::Geo),
            ("matrix", M::Matrix),
            ("none", M::None),
        ],
    );
    // The backbone models place users at Google's edges; the others keep
    // an edge in every city, as negsim did before edge locations (so that
    // "geo" reproduces its old figures, and a matrix's rows are per city).
    let google = matches!(model, M::Measured | M::Route);
    let edges = s.choice(
        "edges",
        if google { EdgePlacement::Google } else { EdgePlacement::City },
        &[("google", EdgePlacement::Google), ("city", EdgePlacement::City)],
    );
    let fiber_km_per_ms = s.number("fiber_km_per_ms", 200.0, Rule::AboveUpTo(0.0, LIGHT_KM_PER_MS));
    let route_inflation = s.number("route_inflation", 1.5, Rule::Between(1.0, 10.0));
    let access_rtt =
        s.dist("access_rtt", DistSpec::Lognormal { median_ns: 8 * NS_PER_MS, p99_ns: 40 * NS_PER_MS });
    let new_connection_ratio = s.number("new_connection_ratio", 0.0, Rule::Between(0.0, 1.0));
    let handshake_rtts = s.integer("handshake_rtts", 2, 0, 10) as u32;
    let intra_region_rtt_ns =
        s.duration("intra_region_rtt", super::services::INTRA_REGION_RTT_NS, Rule::AtLeast(0.0));
    let intra_region_rtt_ns = if matches!(model, M::None) {
        if s.table_has("intra_region_rtt") {
            s.diag().warn(
                &s.key_path("intra_region_rtt"),
                "is ignored with model = \"none\" (nothing takes time on the network)",
            );
        }
        0
    } else {
        intra_region_rtt_ns
    };
    let matrix = s.opt_string("matrix").map(str::to_string);
    let matrix_file = match (model, matrix) {
        (M::Matrix, None) => {
            s.missing(
                "matrix",
                "model = \"matrix\" needs the CSV file of round trips, e.g. matrix = \"rtt.csv\"",
            );
            None
        }
        (M::Matrix, Some(f)) => Some(f),
        (_, Some(_)) => {
            s.diag().warn(&s.key_path("matrix"), "is ignored unless model = \"matrix\"");
            None
        }
        (_, None) => None,
    };
    if google {
        for key in ["route_inflation", "fiber_km_per_ms"] {
            if s.table_has(key) {
                s.diag().warn(
                    &s.key_path(key),
                    "is used only by model = \"geo\" and \"matrix\" (the backbone models fit their own)",
                );
            }
        }
    }
    let network = Network {
        model: match model {
            M::None => NetworkModel::None,
            M::Measured => NetworkModel::Measured,
            M::Route => NetworkModel::Route,
            // A matrix replaces this once the cities and regions are known.
            M::Geo | M::Matrix => NetworkModel::Geo,
        },
        fiber_km_per_ms,
        route_inflation,
        edges,
        access_rtt,
        new_connection_ratio,
        handshake_rtts,
        intra_region_rtt_ns,
    };
    let usable = model != M::Matrix || matrix_file.is_some();
    (usable.then_some(network), matrix_file)
}

fn read_load_balancer(mut s: Section<'_>) -> LoadBalancer {
    let routing = s.choice(
        "routing",
        Routing::Nearest,
        &[("nearest", Routing::Nearest), ("nearest-overflow", Routing::NearestOverflow)],
    );
    // A backend service with serverless NEGs has a fixed 60-minute timeout
    // ("not configurable", serverless-neg-concepts); Cloud Run's
    // request_timeout is what ends a slow request. A shorter value is a
    // what-if (a URL map route timeout).
    let timeout_ns = s.duration("timeout", 3600 * NS_PER_S, Rule::Above(0.0));
    let mut o = s.section("outlier_detection");
    // Compute API OutlierDetection defaults (see docs/model.md).
    let outlier = OutlierDetection {
        enabled: o.boolean("enabled", true),
        consecutive_errors: o.integer("consecutive_errors", 5, 1, 1000) as u32,
        enforcing_consecutive_errors: o.integer("enforcing_consecutive_errors", 0, 0, 100) as u32,
        consecutive_gateway_failure: o.integer("consecutive_gateway_failure", 3, 1, 1000) as u32,
        enforcing_consecutive_gateway_failure: o.integer("enforcing_consecutive_gateway_failure", 100, 0, 100)
            as u32,
        interval_ns: o.duration("interval", NS_PER_S, Rule::AtLeast(NS_PER_MS as f64)),
        base_ejection_time_ns: o.duration("base_ejection_time", 30 * NS_PER_S, Rule::Above(0.0)),
        max_ejection_percent: o.integer("max_ejection_percent", 50, 0, 100) as u32,
    };
    o.finish();
    let mut h = s.section("service_health");
    let health = ServiceHealth {
        enabled: h.boolean("enabled", false),
        probe_period_ns: h.duration("probe_period", 10 * NS_PER_S, Rule::AtLeast(NS_PER_S as f64)),
        probe_timeout_ns: h.duration("probe_timeout", NS_PER_S, Rule::AtLeast(NS_PER_S as f64)),
        failure_threshold: h.integer("failure_threshold", 3, 1, 100) as u32,
        healthy_share: h.number("healthy_share", 0.6, Rule::AboveUpTo(0.0, 1.0)),
        propagation_ns: h.duration("propagation", 10 * NS_PER_S, Rule::AtLeast(0.0)),
        failback_ns: h.duration("failback", 60 * NS_PER_S, Rule::AtLeast(0.0)),
    };
    h.finish();
    let mut r = s.section("retry_policy");
    let retry = r.is_present().then(|| read_retry_policy(&mut r, timeout_ns));
    r.finish();
    // Without a retry policy, "unsuccessful requests that have no HTTP body
    // (for example, GET requests) that result in HTTP 502, 503, or 504
    // responses are retried once. HTTP POST requests aren't retried"
    // (load-balancing docs, Retries; read 2026-12-05).
    let builtin = s.boolean("builtin_retry", true);
    let retry = retry.or_else(|| {
        builtin.then_some(RetryPolicy {
            num_retries: 1,
            conditions: RetryConditions { gateway_error: true, ..RetryConditions::default() },
            per_try_timeout_ns: timeout_ns,
            bodiless_only: true,
        })
    });
    s.finish();
    LoadBalancer { routing, timeout_ns, outlier, health, retry }
}

/// A `retry_policy` table (of `[load_balancer]` or of a `[[service]]`),
/// with `timeout_ns` the load balancer's timeout.
pub(super) fn read_retry_policy(r: &mut Section<'_>, timeout_ns: u64) -> RetryPolicy {
    let num_retries = r.integer("num_retries", 1, 1, 25) as u32;
    #[derive(Clone, Copy, PartialEq)]
    enum C {
        Any5xx,
        Gateway,
        Connect,
        Retriable4xx,
        Refused,
    }
    let list = r.choice_list(
        "retry_conditions",
        &[C::Any5xx, C::Gateway, C::Connect],
        &[
            ("5xx", C::Any5xx),
            ("gateway-error", C::Gateway),
            ("connect-failure", C::Connect),
            ("retriable-4xx", C::Retriable4xx),
            ("refused-stream", C::Refused),
        ],
    );
    for (cond, what) in [(C::Retriable4xx, "409 responses"), (C::Refused, "REFUSED_STREAM resets")] {
        if list.contains(&cond) {
            r.diag().warn(
                &r.key_path("retry_conditions"),
                format!("this model never produces {what}, so that condition never retries"),
            );
        }
    }
    let per_try_timeout_ns = r.duration("per_try_timeout", timeout_ns, Rule::Above(0.0));
    if per_try_timeout_ns > timeout_ns {
        r.diag().warn(
            &r.key_path("per_try_timeout"),
            format!(
                "is longer than load_balancer.timeout ({}), which ends every try first",
                human_duration(timeout_ns)
            ),
        );
    }
    RetryPolicy {
        num_retries,
        conditions: RetryConditions {
            any_5xx: list.contains(&C::Any5xx),
            gateway_error: list.contains(&C::Gateway),
            connect_failure: list.contains(&C::Connect),
            retriable_4xx: list.contains(&C::Retriable4xx),
            refused_stream: list.contains(&C::Refused),
        },
        per_try_timeout_ns: per_try_timeout_ns.min(timeout_ns),
        bodiless_only: false,
    }
}

fn read_client(mut s: Section<'_>) -> Client {
    let timeout_ns = s.duration("timeout", 30 * NS_PER_S, Rule::Above(0.0));
    let retries = s.integer("retries", 0, 0, 10) as u32;
    let backoff_ns = s.duration("backoff", 100 * NS_PER_MS, Rule::AtLeast(0.0));
    let backoff_max_ns = s.duration("backoff_max", 5 * NS_PER_S, Rule::AtLeast(0.0));
    if backoff_max_ns < backoff_ns {
        s.error("backoff_max", format!("must be at least backoff ({})", human_duration(backoff_ns)));
    }
    let jitter = s.choice("jitter", Jitter::Full, &[("full", Jitter::Full), ("none", Jitter::None)]);
    let body_share = s.number("body_share", 0.0, Rule::Between(0.0, 1.0));
    #[derive(Clone, Copy, PartialEq)]
    enum O {
        S429,
        S5xx,
        Timeout,
    }
    let list = s.choice_list(
        "retry_on",
        &[O::S429, O::S5xx, O::Timeout],
        &[("429", O::S429), ("5xx", O::S5xx), ("timeout", O::Timeout)],
    );
    s.finish();
    Client {
        body_share,
        timeout_ns,
        retries,
        backoff_ns,
        backoff_max_ns: backoff_max_ns.max(backoff_ns),
        jitter,
        retry_on: RetryOn {
            status_429: list.contains(&O::S429),
            status_5xx: list.contains(&O::S5xx),
            timeout: list.contains(&O::Timeout),
        },
    }
}

/// Reads every `[service]` key from `s`, each defaulting to `d`'s value.
/// Used for `[service]` (defaults: built-in) and for each `[[region]]`
/// (defaults: the scenario's `[service]`).
/// The keys of a service's Cloud Run settings (`read_service`).
pub(super) const SERVICE_KEYS: [&str; 15] = [
    "concurrency",
    "cpu",
    "memory_gib",
    "min_instances",
    "max_instances",
    "cpu_target",
    "concurrency_target",
    "cpu_time",
    "io_time",
    "cold_start",
    "startup_cpu_boost",
    "idle_timeout",
    "pending_timeout",
    "request_timeout",
    "billing",
];

pub(super) fn read_service(s: &mut Section<'_>, d: &ServiceConfig, in_region: bool) -> ServiceConfig {
    let c = ServiceConfig {
        concurrency: s.integer("concurrency", i64::from(d.concurrency), 1, 1000) as u32,
        cpu: s.number("cpu", d.cpu, Rule::Between(0.08, 8.0)),
        memory_gib: s.number("memory_gib", d.memory_gib, Rule::Between(0.125, 32.0)),
        min_instances: s.integer("min_instances", i64::from(d.min_instances), 0, 1000) as u32,
        max_instances: s.integer("max_instances", i64::from(d.max_instances), 1, 10_000) as u32,
        cpu_target: s.number("cpu_target", d.cpu_target, Rule::AboveUpTo(0.0, 1.0)),
        concurrency_target: s.number("concurrency_target", d.concurrency_target, Rule::AboveUpTo(0.0, 1.0)),
        cpu_time: s.dist("cpu_time", d.cpu_time.clone()),
        io_time: s.dist("io_time", d.io_time.clone()),
        cold_start: s.dist("cold_start", d.cold_start.clone()),
        startup_cpu_boost: s.boolean("startup_cpu_boost", d.startup_cpu_boost),
        idle_timeout_ns: s.duration("idle_timeout", d.idle_timeout_ns, Rule::AtLeast(0.0)),
        pending_timeout: s.opt_duration_rule("pending_timeout", Rule::Above(0.0)).or(d.pending_timeout),
        request_timeout_ns: s.duration(
            "request_timeout",
            d.request_timeout_ns,
            Rule::Between(NS_PER_S as f64, 3600.0 * NS_PER_S as f64),
        ),
        billing: s.choice(
            "billing",
            d.billing,
            &[("request", Billing::Request), ("instance", Billing::Instance)],
        ),
    };
    if c.cpu > 1.0 && ![2.0, 4.0, 6.0, 8.0].contains(&c.cpu) && (!in_region || s.has("cpu")) {
        s.error("cpu", format!("Cloud Run offers 1, 2, 4, 6 or 8 vCPUs above one, found {}", c.cpu));
    }
    // A region that sets neither bound inherits the problem from [service],
    // where it is reported.
    let sets_bounds = s.has("max_instances") || s.has("min_instances");
    if c.min_instances > c.max_instances && (!in_region || sets_bounds) {
        // Blame the key this section sets; a region may set only one of them.
        let key = if s.has("max_instances") { "max_instances" } else { "min_instances" };
        s.error(
            key,
            format!(
                "min_instances ({}) must be at most max_instances ({})",
                c.min_instances, c.max_instances
            ),
        );
    }
    c
}

fn read_place(s: &mut Section<'_>) -> Option<(f64, f64)> {
    let lat = s.opt_number("lat", Rule::Between(-90.0, 90.0));
    let lon = s.opt_number("lon", Rule::Between(-180.0, 180.0));
    match (s.has("lat"), s.has("lon")) {
        (true, false) => s.missing("lon", "give both lat and lon"),
        (false, true) => s.missing("lat", "give both lat and lon"),
        _ => {}
    }
    Some((lat?, lon?))
}

/// Most regions one backend service may have here: an edge tracks the
/// regions it tried in a 64-bit mask. (Google allows one serverless NEG per
/// region, and there are fewer than 64 regions.)
const MAX_REGIONS: usize = 64;

/// Reads `[[region]]`: the regions, and the settings of the one service
/// in each (`[service]` with the region's overrides; none with `[[service]]`).
fn read_regions(
    root: &mut Section<'_>,
    service: &ServiceConfig,
    declared: bool,
) -> (Vec<Region>, Vec<ServiceConfig>) {
    let sections = root.sections("region");
    if sections.is_empty() && !root.diag().has_errors() {
        root.diag().error_at_key(
            "region",
            "at least one [[region]] is required, e.g. [[region]] name = \"us-central1\"",
        );
    }
    if sections.len() > MAX_REGIONS {
        root.diag().error_at_key(
            "region",
            format!("{} regions given; at most {MAX_REGIONS} are supported", sections.len()),
        );
    }
    let mut out: Vec<Region> = Vec::new();
    let mut configs = Vec::new();
    for mut s in sections {
        let name = s.opt_string("name").filter(|n| check_name(&s, n));
        let place = read_place(&mut s);
        if declared {
            super::services::refuse_region_settings(&s);
        }
        let cfg = read_service(&mut s, service, true);
        let Some(name) = name else {
            if !s.has("name") {
                s.missing(
                    "name",
                    "a built-in Google Cloud region such as \"us-central1\", or any name with lat and lon",
                );
            }
            s.finish();
            continue;
        };
        let builtin = regions::find(name);
        let (lat, lon) = match (builtin, place) {
            (_, Some(p)) => p,
            (Some(b), None) => (b.lat, b.lon),
            (None, None) => {
                if !s.has("lat") && !s.has("lon") {
                    let names: Vec<&str> = regions::REGIONS.iter().map(|r| r.name).collect();
                    s.error(
                        "name",
                        format!(
                            "\"{name}\" is not a built-in Google Cloud region{}; give lat and lon to place a region of your own (`negsim regions` lists the built-in ones)",
                            hint(name, &names)
                        ),
                    );
                }
                (0.0, 0.0)
            }
        };
        if out.iter().any(|r| r.name == name) {
            s.error("name", format!("region \"{name}\" is listed twice; each region is one serverless NEG"));
        }
        out.push(Region {
            name: builtin.map_or(name, |b| b.name).to_string(),
            lat,
            lon,
            location: builtin.map(|b| b.location),
            tier: builtin.map(|b| b.tier),
        });
        configs.push(cfg);
        s.finish();
    }
    (out, configs)
}

/// Most cities a scenario may have: each city's latency histograms take
/// about 0.45 MB (measured: 1,000 cities, 457 MB resident), so 5,000 take
/// about 2.3 GB; its rows fill the report.
pub const MAX_CITIES: usize = 5_000;

/// Most rows `timeseries.csv` may have (windows x scopes): `negsim report`
/// reads them all (about 300 bytes each in memory, 110 on disk).
pub const MAX_SERIES_ROWS: u64 = 2_000_000;

/// Refuses a window so short, for so many scopes, that the time series
/// would exceed [`MAX_SERIES_ROWS`] (a 1 ms window once wrote 658 MB in a
/// 10-minute run and ran out of memory).
fn check_series_rows(diag: &Diag<'_>, sim: &Simulation, scopes: usize) {
    let windows = sim.duration_ns.div_ceil(sim.window_ns.max(1));
    let rows = windows.saturating_mul(scopes as u64);
    if rows > MAX_SERIES_ROWS {
        let shortest = sim.duration_ns.saturating_mul(scopes as u64) / MAX_SERIES_ROWS + 1;
        diag.error(
            "simulation.window",
            format!(
                "{windows} windows x {scopes} scopes (global, cities, regions) = {rows} time-series rows, more than the {MAX_SERIES_ROWS} allowed; use a window of at least \"{}\"",
                human_duration(shortest.div_ceil(NS_PER_S) * NS_PER_S)
            ),
        );
    }
}

/// A city's `mix` as written: its key path and value.
type RawMix<'a> = Option<(String, &'a toml::Value)>;

fn read_cities<'a>(root: &mut Section<'a>) -> (Vec<City>, Vec<Option<String>>, Vec<RawMix<'a>>) {
    let sections = root.sections("city");
    if sections.len() > MAX_CITIES {
        root.diag().error_at_key(
            "city",
            format!(
                "{} cities given; at most {MAX_CITIES} are supported (each takes about 0.45 MB of memory for its latency histograms)",
                sections.len()
            ),
        );
        return (Vec::new(), Vec::new(), Vec::new());
    }
    if sections.is_empty() && !root.diag().has_errors() {
        root.diag()
            .error_at_key("city", "at least one [[city]] is required, e.g. [[city]] name = \"Chicago\"");
    }
    let mut out: Vec<City> = Vec::new();
    let mut pins = Vec::new();
    let mut mixes = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for mut s in sections {
        let name = s.opt_string("name").filter(|n| check_name(&s, n));
        let mix = s.get("mix").map(|v| (s.key_path("mix"), v));
        let place = read_place(&mut s);
        let pin = s.opt_string("edge").map(str::to_string);
        let rps = s.number("rps", 100.0, Rule::Between(0.0, MAX_CITY_RPS));
        let profile_kind = s.choice("profile", false, &[("flat", false), ("diurnal", true)]);
        let min_ratio = s.number("min_ratio", 0.3, Rule::Between(0.0, 1.0));
        let peak_local_hour = s.number("peak_local_hour", 20.0, Rule::Between(0.0, 24.0));
        if !profile_kind {
            for key in ["min_ratio", "peak_local_hour"] {
                if s.table_has(key) {
                    s.diag().warn(
                        &s.key_path(key),
                        "has no effect with profile = \"flat\" (set profile = \"diurnal\")",
                    );
                }
            }
        }
        let offset = s.opt_number("utc_offset", Rule::Between(-12.0, 14.0));
        let arrival = s.choice(
            "arrival",
            Arrival::Poisson,
            &[("poisson", Arrival::Poisson), ("uniform", Arrival::Uniform)],
        );
        let Some(name) = name else {
            if !s.has("name") {
                s.missing("name", "a built-in metro such as \"Chicago\", or any name with lat and lon");
            }
            s.finish();
            continue;
        };
        let builtin = cities::find(name);
        let (lat, lon) = match (builtin, place) {
            (_, Some(p)) => p,
            (Some(b), None) => (b.lat, b.lon),
            (None, None) => {
                if !s.has("lat") && !s.has("lon") {
                    let names: Vec<&str> = cities::CITIES.iter().map(|c| c.name).collect();
                    s.error(
                        "name",
                        format!(
                            "\"{name}\" is not a built-in city{}; give lat and lon to place a city of your own (`negsim cities` lists the built-in ones)",
                            hint(name, &names)
                        ),
                    );
                }
                (0.0, 0.0)
            }
        };
        let display = builtin.map_or(name, |b| b.name).to_string();
        // A set, not a scan of the cities so far: 100,000 cities once took
        // minutes to validate.
        if !seen.insert(cities::fold(&display)) {
            s.error("name", format!("city \"{name}\" is listed twice; give its total rate once"));
        }
        out.push(City {
            name: display,
            lat,
            lon,
            rps,
            profile: if profile_kind {
                Profile::Diurnal { min_ratio, peak_local_hour }
            } else {
                Profile::Flat
            },
            utc_offset_h: offset.unwrap_or((lon / 15.0).round()),
            arrival,
            edge: 0,
        });
        pins.push(pin);
        mixes.push(mix);
        s.finish();
    }
    (out, pins, mixes)
}

/// Reads `[[edge_location]]` and places each city at its edge: the one its
/// `edge` names, else the nearest (great circle) of the built-in edges and
/// the scenario's own; with `network.edges = "city"`, an edge in every city.
/// Returns the edges some city uses, in the order of the first such city.
fn read_edges(
    root: &mut Section<'_>,
    placement: Option<EdgePlacement>,
    cities: &mut [City],
    pins: &[Option<String>],
) -> Vec<EdgeLocation> {
    let mut listed: Vec<EdgeLocation> = crate::geo::edges::edges()
        .iter()
        .map(|e| EdgeLocation {
            name: e.name.clone(),
            lat: e.lat,
            lon: e.lon,
            country: Some(e.country.clone()),
            custom: false,
        })
        .collect();
    let mut own: Vec<(usize, String)> = Vec::new();
    for mut s in root.sections("edge_location") {
        let name = s.opt_string("name").filter(|n| check_name(&s, n));
        let place = read_place(&mut s);
        let country = s.opt_string("country").map(str::to_ascii_uppercase);
        if let Some(c) = &country
            && crate::geo::backbone::landmass(c).is_none()
        {
            s.diag().warn(
                &s.key_path("country"),
                format!("\"{c}\" is not a country the backbone model places; the edge joins the nearest nodes of any landmass"),
            );
        }
        let Some(name) = name else {
            if !s.has("name") {
                s.missing("name", "the metro's name, e.g. \"Nagoya\"");
            }
            s.finish();
            continue;
        };
        if place.is_none() && !s.has("lat") && !s.has("lon") {
            s.missing("lat", "give lat and lon of the edge");
        }
        let key = cities::fold(name);
        if own.iter().any(|(_, n)| cities::fold(n) == key) {
            s.error("name", format!("edge location \"{name}\" is listed twice"));
        }
        if let Some((lat, lon)) = place {
            let e = EdgeLocation { name: name.to_string(), lat, lon, country, custom: true };
            match listed.iter().position(|b| cities::fold(&b.name) == key) {
                Some(i) => listed[i] = e,
                None => listed.push(e),
            }
        }
        own.push((0, name.to_string()));
        s.finish();
    }
    let Some(placement) = placement else { return Vec::new() };
    if placement == EdgePlacement::City {
        if !own.is_empty() {
            root.diag()
                .warn("edge_location", "is ignored with network.edges = \"city\" (an edge in every city)");
        }
        for (i, pin) in pins.iter().enumerate() {
            if pin.is_some() {
                root.diag().warn(&format!("city[{i}].edge"), "is ignored with network.edges = \"city\"");
            }
        }
        return cities
            .iter_mut()
            .enumerate()
            .map(|(i, c)| {
                c.edge = i;
                let country = cities::find(&c.name).map(|b| b.country.to_string());
                EdgeLocation { name: c.name.clone(), lat: c.lat, lon: c.lon, country, custom: false }
            })
            .collect();
    }
    let mut used: Vec<EdgeLocation> = Vec::new();
    for (i, c) in cities.iter_mut().enumerate() {
        let chosen = match &pins[i] {
            Some(pin) => match listed.iter().find(|e| cities::fold(&e.name) == cities::fold(pin)) {
                Some(e) => e,
                None => {
                    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
                    root.diag().error(
                        &format!("city[{i}].edge"),
                        format!(
                            "\"{pin}\" is not an edge location{}; name one of Google's edge metros (`negsim edges` lists them) or add it as [[edge_location]] with lat and lon",
                            hint(pin, &names)
                        ),
                    );
                    continue;
                }
            },
            None => listed
                .iter()
                .min_by(|a, b| {
                    let d = |e: &EdgeLocation| crate::geo::great_circle_km(c.lat, c.lon, e.lat, e.lon);
                    d(a).total_cmp(&d(b))
                })
                .expect("the built-in edge list is not empty"),
        };
        c.edge = match used.iter().position(|e| e.name == chosen.name) {
            Some(k) => k,
            None => {
                used.push(chosen.clone());
                used.len() - 1
            }
        };
    }
    for (_, name) in &own {
        if !used.iter().any(|e| cities::fold(&e.name) == cities::fold(name)) {
            root.diag().warn("edge_location", format!("\"{name}\" is the edge of no city"));
        }
    }
    used
}

/// Checks a start and duration against the run; `false` drops the entry.
fn within_run(s: &Section<'_>, what: &str, start_ns: u64, h: Horizon) -> bool {
    if start_ns < h.duration_ns {
        return true;
    }
    let msg = format!(
        "starts at \"{}\", after the run ends (duration = \"{}\")",
        human_duration(start_ns),
        human_duration(h.duration_ns)
    );
    if h.shortened {
        s.diag().warn(&s.key_path("start"), format!("{msg}; this {what} is left out of the shortened run"));
    } else {
        s.error("start", format!("{msg}; every {what} must start inside the run"));
    }
    false
}

/// A place named by `key`: a region of the scenario, else a built-in region.
fn read_place_name(s: &Section<'_>, key: &str, name: &str, regions: &[Region]) -> Option<Place> {
    if let Some(r) = regions.iter().find(|r| r.name.eq_ignore_ascii_case(name)) {
        return Some(Place { name: r.name.clone(), lat: r.lat, lon: r.lon });
    }
    if let Some(b) = crate::geo::regions::find(name) {
        return Some(Place { name: b.name.to_string(), lat: b.lat, lon: b.lon });
    }
    let mut names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    names.extend(crate::geo::regions::REGIONS.iter().map(|r| r.name));
    s.error(
        key,
        format!(
            "\"{name}\" is neither a region of this scenario nor a built-in region{}",
            hint(name, &names)
        ),
    );
    None
}

/// The valid dependencies, and the names of all declared (valid or not).
fn read_dependencies(root: &mut Section<'_>, regions: &[Region]) -> (Vec<Dependency>, Vec<String>) {
    let mut out: Vec<Dependency> = Vec::new();
    let mut declared = Vec::new();
    for mut s in root.sections("dependency") {
        let name = s.opt_string("name").filter(|n| check_name(&s, n)).map(str::to_string);
        declared.extend(name.clone());
        if name.is_none() && !s.has("name") {
            s.missing("name", "a name for outages and messages, e.g. \"orders-db\"");
        }
        if let Some(n) = &name
            && out.iter().any(|d| d.name == *n)
        {
            s.error("name", format!("a second dependency called \"{n}\""));
        }
        let leader = match s.opt_string("leader") {
            Some(n) => read_place_name(&s, "leader", n, regions),
            None => {
                if !s.has("leader") {
                    s.missing("leader", "the region writes go to, e.g. \"us-central1\"");
                }
                None
            }
        };
        let mut replicas = Vec::new();
        match s.get("replicas") {
            None => {}
            Some(toml::Value::Array(items)) => {
                for item in items {
                    match item {
                        toml::Value::String(n) => {
                            replicas.extend(read_place_name(&s, "replicas", n, regions))
                        }
                        other => {
                            s.error("replicas", format!("expected region names, found {}", describe(other)))
                        }
                    }
                }
            }
            Some(other) => {
                s.error("replicas", format!("expected an array of region names, found {}", describe(other)))
            }
        }
        let reads = s.integer("reads", 1, 0, 1000) as u32;
        let writes = s.integer("writes", 0, 0, 1000) as u32;
        let latency = s.dist("latency", DistSpec::constant(NS_PER_MS));
        let read_mode = s.choice(
            "read_mode",
            ReadMode::Strong,
            &[("strong", ReadMode::Strong), ("stale", ReadMode::Stale)],
        );
        s.finish();
        if let (Some(name), Some(leader)) = (name, leader) {
            out.push(Dependency { name, leader, replicas, reads, writes, latency, read_mode });
        }
    }
    (out, declared)
}

/// The index of the region `key` names (any case), recording a problem
/// with a "did you mean" when it names none, or `missing` when it is absent.
pub(super) fn region_named(
    s: &mut Section<'_>,
    key: &'static str,
    names: &[&str],
    missing: &str,
) -> Option<usize> {
    match s.opt_string(key) {
        Some(n) => {
            let i = names.iter().position(|r| r.eq_ignore_ascii_case(n));
            if i.is_none() {
                s.error(
                    key,
                    format!(
                        "\"{n}\" is not one of this scenario's regions ({}){}",
                        names.join(", "),
                        hint(n, names)
                    ),
                );
            }
            i
        }
        None => {
            if !s.has(key) {
                s.missing(key, missing);
            }
            None
        }
    }
}

fn read_outages(
    root: &mut Section<'_>,
    regions: &[Region],
    services: &super::services::Services,
    dependencies: &[Dependency],
    declared: &[String],
    h: Horizon,
) -> (Vec<Outage>, Vec<DependencyOutage>) {
    let mut out = Vec::new();
    let mut dep_out = Vec::new();
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let dep_names: Vec<&str> = dependencies.iter().map(|d| d.name.as_str()).collect();
    for mut s in root.sections("outage") {
        if s.has("dependency") {
            if s.has("region") {
                let _ = s.opt_string("region");
                s.error("region", "an outage names a region or a dependency, not both");
            }
            let dependency = s.opt_string("dependency").and_then(|n| {
                let i = dep_names.iter().position(|d| *d == n);
                // A declared but invalid dependency has its own message.
                if i.is_none() && !declared.iter().any(|d| d == n) {
                    s.error(
                        "dependency",
                        format!(
                            "\"{n}\" is not one of this scenario's dependencies ({}){}",
                            declared.join(", "),
                            hint(n, &declared.iter().map(String::as_str).collect::<Vec<_>>())
                        ),
                    );
                }
                i
            });
            let start = s.required_duration("start", Rule::AtLeast(0.0));
            let duration = s.required_duration("duration", Rule::Above(0.0));
            #[derive(Clone, Copy, PartialEq)]
            enum D {
                Down,
                Latency,
            }
            let kind = match s.choice("kind", D::Down, &[("down", D::Down), ("latency", D::Latency)]) {
                D::Down => Some(DependencyOutageKind::Down),
                D::Latency => {
                    if s.has("extra") {
                        Some(DependencyOutageKind::Latency { extra: s.dist("extra", DistSpec::constant(0)) })
                    } else {
                        s.missing(
                            "extra",
                            "the added time per call, a distribution or a duration such as \"500ms\"",
                        );
                        None
                    }
                }
            };
            if let (Some(dependency), Some(start_ns), Some(duration_ns), Some(kind)) =
                (dependency, start, duration, kind)
                && within_run(&s, "outage", start_ns, h)
            {
                dep_out.push(DependencyOutage { dependency, start_ns, duration_ns, kind });
            }
            s.finish();
            continue;
        }
        let region =
            region_named(&mut s, "region", &names, "the name of one of this scenario's [[region]] entries");
        let service = outage_service(&mut s, regions, services, region);
        let start = s.required_duration("start", Rule::AtLeast(0.0));
        let duration = s.required_duration("duration", Rule::Above(0.0));
        #[derive(Clone, Copy, PartialEq)]
        enum K {
            Down,
            Errors,
            Latency,
            Capacity,
            ColdStart,
        }
        let kind = s.choice(
            "kind",
            K::Down,
            &[
                ("down", K::Down),
                ("errors", K::Errors),
                ("latency", K::Latency),
                ("capacity", K::Capacity),
                ("cold-start", K::ColdStart),
            ],
        );
        let kind = match kind {
            K::Down => Some(OutageKind::Down),
            K::Errors => {
                let rate = if s.has("rate") {
                    s.opt_number("rate", Rule::AboveUpTo(0.0, 1.0))
                } else {
                    s.missing("rate", "the share of requests that fail, above 0 and at most 1");
                    None
                };
                let status = s.integer("status", 500, 500, 599) as u16;
                rate.map(|rate| OutageKind::Errors { rate, status })
            }
            K::Latency => {
                if s.has("extra") {
                    let d = s.dist("extra", DistSpec::constant(0));
                    Some(OutageKind::Latency { extra: d })
                } else {
                    s.missing("extra", "the added latency, a distribution or a duration such as \"500ms\"");
                    None
                }
            }
            K::Capacity => {
                if s.has("max_instances") {
                    s.opt_integer("max_instances", 0, 10_000)
                        .map(|m| OutageKind::Capacity { max_instances: m as u32 })
                } else {
                    s.missing("max_instances", "the lowered instance cap, 0 or more");
                    None
                }
            }
            K::ColdStart => {
                if s.has("multiplier") {
                    s.opt_number("multiplier", Rule::AboveUpTo(0.0, 1000.0))
                        .map(|multiplier| OutageKind::ColdStart { multiplier })
                } else {
                    s.missing("multiplier", "how many times longer cold starts take, e.g. 3.0");
                    None
                }
            }
        };
        let kind_name = kind.as_ref().map_or("", |k| k.name()).to_string();
        if let (Some(region), Some(start_ns), Some(duration_ns), Some(kind)) = (region, start, duration, kind)
            && within_run(&s, "outage", start_ns, h)
        {
            out.push(Outage { region, service: service.flatten(), start_ns, duration_ns, kind });
        }
        let s = if kind_name.is_empty() { s } else { s.with_context(format!("for kind = \"{kind_name}\"")) };
        s.finish();
    }
    (out, dep_out)
}

/// An outage's `service`: `Some(None)` when absent (every service in the
/// region), `Some(Some(i))` for a service deployed in `region`, `None`
/// after a problem.
fn outage_service(
    s: &mut Section<'_>,
    regions: &[Region],
    services: &super::services::Services,
    region: Option<usize>,
) -> Option<Option<usize>> {
    let Some(name) = s.opt_string("service") else {
        return (!s.table_has("service")).then_some(None);
    };
    let names: Vec<&str> = services.services.iter().map(|x| x.name.as_str()).collect();
    if !services.declared {
        s.error("service", "an outage names a service only in a scenario with [[service]] entries; with one [service], it hits the region's service");
        return None;
    }
    let Some(i) = names.iter().position(|n| *n == name) else {
        s.error(
            "service",
            format!(
                "\"{}\" is not one of this scenario's services ({}){}",
                super::diag::echo(name, 80),
                names.join(", "),
                hint(name, &names)
            ),
        );
        return None;
    };
    let region = region?;
    if !services.deployments.iter().any(|d| d.service == i && d.region == region) {
        let there: Vec<&str> = services
            .deployments
            .iter()
            .filter(|d| d.service == i)
            .map(|d| regions[d.region].name.as_str())
            .collect();
        s.error(
            "service",
            format!(
                "service \"{name}\" is not deployed in {}; it runs in {}",
                regions[region].name,
                there.join(", ")
            ),
        );
        return None;
    }
    Some(Some(i))
}

/// Highest peak rate of one city (requests per second). Far beyond any
/// metro's traffic to one service; it keeps arrival gaps above a nanosecond.
const MAX_CITY_RPS: f64 = 1e6;
/// Highest rate of one city with its overlapping surges.
const MAX_SURGED_RPS: f64 = 1e7;

/// The highest rate a city reaches with the surges that overlap, and the
/// index (into `surges`) of a surge that starts at that moment.
fn peak_surged_rate(city: usize, rps: f64, surges: &[Surge]) -> Option<(f64, usize)> {
    let applies = |s: &Surge| s.city.is_none_or(|c| c == city);
    surges
        .iter()
        .enumerate()
        .filter(|(_, s)| applies(s))
        .map(|(i, s)| {
            // The rate is highest at the start of some surge: every surge
            // covering that instant applies.
            let t = s.start_ns;
            let factor: f64 = surges
                .iter()
                .filter(|o| applies(o) && o.start_ns <= t && t < o.start_ns.saturating_add(o.duration_ns))
                .map(|o| o.multiplier)
                .product();
            (rps * factor, i)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

fn read_surges(root: &mut Section<'_>, cities_in: &[City], h: Horizon) -> Vec<Surge> {
    let mut out = Vec::new();
    let mut paths = Vec::new();
    let names: Vec<&str> = cities_in.iter().map(|c| c.name.as_str()).collect();
    for mut s in root.sections("surge") {
        let city = match s.opt_string("city") {
            Some("*") => Some(None),
            Some(n) => scenario_city(&mut s, n, &names, "; use \"*\" for all of them").map(Some),
            None => {
                if !s.has("city") {
                    s.missing(
                        "city",
                        "the name of one of this scenario's [[city]] entries, or \"*\" for all",
                    );
                }
                None
            }
        };
        let start = s.required_duration("start", Rule::AtLeast(0.0));
        let duration = s.required_duration("duration", Rule::Above(0.0));
        let multiplier = if s.has("multiplier") {
            s.opt_number("multiplier", Rule::Between(0.0, 1000.0))
        } else {
            s.missing("multiplier", "the factor on the city's rate, e.g. 5.0");
            None
        };
        if let (Some(city), Some(start_ns), Some(duration_ns), Some(multiplier)) =
            (city, start, duration, multiplier)
            && within_run(&s, "surge", start_ns, h)
        {
            out.push(Surge { city, start_ns, duration_ns, multiplier });
            paths.push(s.key_path("multiplier"));
        }
        s.finish();
    }
    // Overlapping surges multiply: check the peak rate each city reaches.
    for (ci, c) in cities_in.iter().enumerate() {
        if let Some((rate, i)) = peak_surged_rate(ci, c.rps, &out)
            && rate > MAX_SURGED_RPS
        {
            root.diag().error(
                &paths[i],
                format!(
                    "{}'s rate reaches {rate:.3e} requests per second with the surges overlapping here; at most {MAX_SURGED_RPS:.0e} per city",
                    c.name
                ),
            );
        }
    }
    out
}

/// Reads `[edge]`.
fn read_edge(mut s: Section<'_>) -> EdgeFeatures {
    let d = EdgeFeatures::default();
    let e = EdgeFeatures {
        cdn_hit_ratio: s.number("cdn_hit_ratio", d.cdn_hit_ratio, Rule::Between(0.0, 1.0)),
        cdn_hit_latency: s.dist("cdn_hit_latency", d.cdn_hit_latency),
        armor_false_positive: s.number(
            "armor_false_positive",
            d.armor_false_positive,
            Rule::Between(0.0, 1.0),
        ),
        armor_efficacy: s.number("armor_efficacy", d.armor_efficacy, Rule::Between(0.0, 1.0)),
        // Google publishes no count of proxies per edge: an assumption (docs/model.md).
        proxies: s.integer("proxies", i64::from(d.proxies), 1, 1024) as u32,
    };
    s.finish();
    e
}

/// The index of the scenario's city `n` names (compared as city names are:
/// case and accents folded), or an error on `city` that suggests the
/// closest, with `more` after it.
fn scenario_city(s: &mut Section<'_>, n: &str, names: &[&str], more: &str) -> Option<usize> {
    let i = names.iter().position(|c| cities::fold(c) == cities::fold(n));
    if i.is_none() {
        s.error("city", format!("\"{n}\" is not one of this scenario's cities{}{more}", hint(n, names)));
    }
    i
}

fn read_attacks(root: &mut Section<'_>, cities_in: &[City], h: Horizon) -> Vec<Attack> {
    let mut out = Vec::new();
    let names: Vec<&str> = cities_in.iter().map(|c| c.name.as_str()).collect();
    for mut s in root.sections("attack") {
        let city = match s.opt_string("city") {
            Some(n) => scenario_city(&mut s, n, &names, ""),
            None => {
                if !s.has("city") {
                    s.missing("city", "the city whose edge the attack enters at");
                }
                None
            }
        };
        let start = s.required_duration("start", Rule::AtLeast(0.0));
        let duration = s.required_duration("duration", Rule::Above(0.0));
        let rps = if s.has("rps") {
            s.opt_number("rps", Rule::Between(0.0, MAX_CITY_RPS))
        } else {
            s.missing("rps", "the attack's requests per second");
            None
        };
        let arrival = s.choice(
            "arrival",
            Arrival::Poisson,
            &[("poisson", Arrival::Poisson), ("uniform", Arrival::Uniform)],
        );
        if let (Some(city), Some(start_ns), Some(duration_ns), Some(rps)) = (city, start, duration, rps)
            && within_run(&s, "attack", start_ns, h)
        {
            out.push(Attack { city, start_ns, duration_ns, rps, arrival });
        }
        s.finish();
    }
    out
}

/// Reads `[pricing]`; every key defaults to the list price.
/// The highest price negsim accepts for any unit, in dollars.
const MAX_PRICE_USD: f64 = 1e6;

fn read_pricing(mut s: Section<'_>) -> Pricing {
    let d = Pricing::default();
    // A million dollars per unit is far above any real price and keeps
    // every cost finite (1e308 made `cost_usd` infinite, and charts of it hang).
    let price = |s: &mut Section<'_>, key: &'static str, default: f64| {
        s.number(key, default, Rule::Between(0.0, MAX_PRICE_USD))
    };
    let p = Pricing {
        request_vcpu_s: price(&mut s, "request_vcpu_s", d.request_vcpu_s),
        request_gib_s: price(&mut s, "request_gib_s", d.request_gib_s),
        idle_vcpu_s: price(&mut s, "idle_vcpu_s", d.idle_vcpu_s),
        idle_gib_s: price(&mut s, "idle_gib_s", d.idle_gib_s),
        per_million_requests: price(&mut s, "per_million_requests", d.per_million_requests),
        instance_vcpu_s: price(&mut s, "instance_vcpu_s", d.instance_vcpu_s),
        instance_gib_s: price(&mut s, "instance_gib_s", d.instance_gib_s),
        tier2_factor: s.number("tier2_factor", d.tier2_factor, Rule::Between(0.1, 10.0)),
        forwarding_rules: s.integer("forwarding_rules", i64::from(d.forwarding_rules), 0, 1000) as u32,
        forwarding_rule_hour: price(&mut s, "forwarding_rule_hour", d.forwarding_rule_hour),
        lb_data_gib: price(&mut s, "lb_data_gib", d.lb_data_gib),
        request_kib: s.number("request_kib", d.request_kib, Rule::Between(0.0, 1_048_576.0)),
        response_kib: s.number("response_kib", d.response_kib, Rule::Between(0.0, 33_554_432.0)),
    };
    s.finish();
    p
}

fn read_slo(root: &mut Section<'_>) -> Option<Slo> {
    let mut s = root.section("slo");
    if !s.is_present() {
        return None;
    }
    let slo = Slo {
        availability: s.opt_number("availability", Rule::AboveUpTo(0.0, 1.0)),
        latency_p99_ns: s.opt_duration("latency_p99").filter(|ns| {
            let ok = *ns > 0;
            if !ok {
                s.error("latency_p99", "must be longer than \"0s\"");
            }
            ok
        }),
    };
    s.finish();
    Some(slo)
}

/// Reads the RTT matrix CSV (`from,to,rtt_ms`) named by `network.matrix`,
/// relative to the scenario's folder; every city-region pair must be in it.
fn read_matrix(
    s: &Section<'_>,
    scenario: &Path,
    file: &str,
    cities_in: &[City],
    regions_in: &[Region],
) -> Option<RttMatrix> {
    let key = s.key_path("matrix");
    let diag = s.diag();
    let path = scenario.parent().unwrap_or(Path::new(".")).join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            diag.error(&key, format!("cannot read \"{}\": {e}", path.display()));
            return None;
        }
    };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            diag.error(&key, format!("{file}: not a CSV file: {e}"));
            return None;
        }
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(from_i), Some(to_i), Some(rtt_i)) = (col("from"), col("to"), col("rtt_ms")) else {
        diag.error(
            &key,
            format!(
                "{file}: the header must name the columns from,to,rtt_ms; found {}",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        );
        return None;
    };
    // (from, to) folded -> (rtt_ms, line)
    let mut rtt: HashMap<(String, String), (f64, usize)> = HashMap::new();
    let mut bad = 0;
    let known_city = |name: &str| {
        cities_in.iter().any(|c| cities::fold(&c.name) == cities::fold(name)) || cities::find(name).is_some()
    };
    let known_region = |name: &str| {
        regions_in.iter().any(|r| r.name.eq_ignore_ascii_case(name)) || regions::find(name).is_some()
    };
    let city_names: Vec<&str> = cities_in.iter().map(|c| c.name.as_str()).collect();
    let region_names: Vec<&str> = regions_in.iter().map(|r| r.name.as_str()).collect();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        if bad >= 20 {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                diag.error(&key, format!("{file} line {line}: {e}"));
                bad += 1;
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("");
        let (from, to, value) = (field(from_i), field(to_i), field(rtt_i));
        let unknown = [
            (!known_city(from)).then_some(("from", from, "city", &city_names)),
            (!known_region(to)).then_some(("to", to, "region", &region_names)),
        ];
        if let Some((column, name, what, names)) = unknown.into_iter().flatten().next() {
            diag.error(
                &key,
                format!(
                    "{file} line {line}: {column} = \"{}\" is neither a {what} of this scenario nor a built-in {what}{}",
                    name.escape_debug(),
                    hint(name, names)
                ),
            );
            bad += 1;
            continue;
        }
        match value.parse::<f64>() {
            Ok(ms) if ms.is_finite() && ms >= 0.0 => {
                let k = (cities::fold(from), cities::fold(to));
                match rtt.get(&k) {
                    Some(&(earlier, at)) if earlier != ms => {
                        diag.error(
                            &key,
                            format!(
                                "{file} line {line}: {from},{to} is given twice, {earlier} ms on line {at} and {ms} ms here; give each pair once"
                            ),
                        );
                        bad += 1;
                    }
                    Some(_) => {}
                    None => {
                        rtt.insert(k, (ms, line));
                    }
                }
            }
            _ => {
                diag.error(&key, format!("{file} line {line}: rtt_ms must be a number of milliseconds, 0 or more; found \"{}\"", value.escape_debug()));
                bad += 1;
            }
        }
    }
    let mut missing = Vec::new();
    let table: Vec<Vec<f64>> = cities_in
        .iter()
        .map(|c| {
            regions_in
                .iter()
                .map(|r| {
                    let k = (cities::fold(&c.name), cities::fold(&r.name));
                    rtt.get(&k).map(|&(ms, _)| ms).unwrap_or_else(|| {
                        missing.push(format!("{},{}", c.name, r.name));
                        0.0
                    })
                })
                .collect()
        })
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        diag.error(
            &key,
            format!(
                "{file} lacks {} city-region pair{} (every city needs a row to every region): {}{}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                shown.join("; "),
                if missing.len() > 5 { "; ..." } else { "" }
            ),
        );
        return None;
    }
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    (bad == 0).then(|| RttMatrix { file: file.to_string(), path, city_region_ms: table })
}
