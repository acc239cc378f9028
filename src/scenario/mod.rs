//! Scenarios: the file format (docs/model.md, docs/reference/scenario.md and `negsim
//! schema` describe every key), read in two stages.
//!
//! 1. **Raw**: the file is parsed as TOML into a value tree, and the span of
//!    every key is indexed so a problem can be placed at its line and column
//!    ([`diag`]). Syntax errors stop here, all of them reported.
//! 2. **Validated**: [`validate`] walks the tree section by section, checks
//!    every key's type, unit and range and the rules between keys
//!    (`min_instances <= max_instances`, outages inside the run, ...),
//!    resolves region and city names against the built-in tables, fills in
//!    every default, and turns names into indices. Every problem in the file
//!    is reported at once; unknown keys get a "did you mean".
//!
//! The result, [`Scenario`], is plain data with units in field names
//! (`_ns` for nanoseconds); the engine never sees a string it has to parse.

pub mod curve;
pub mod diag;
pub mod dist;
mod exp;
pub mod measured;
pub mod plan;
pub mod reader;
pub mod replay;
pub mod resolved;
pub mod schema;
pub mod services;
pub mod units;
mod validate;

pub use diag::{InputError, Problem, Warnings};
pub use dist::DistSpec;
pub use validate::{Overrides, from_table};

/// The commented starter scenario `negsim init` writes.
pub const STARTER: &str = include_str!("starter.toml");

use std::path::{Path, PathBuf};

/// A validated scenario with every default filled in.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it was read from (relative files such as the RTT matrix are
    /// resolved against its folder).
    pub file: PathBuf,
    /// `[simulation]`.
    pub simulation: Simulation,
    /// `[network]`.
    pub network: Network,
    /// `[load_balancer]`.
    pub load_balancer: LoadBalancer,
    /// `[client]`.
    pub client: Client,
    /// `[service]` as written, before per-region overrides.
    pub service: ServiceConfig,
    /// `[[region]]`: where the services run (their settings there are the
    /// `deployments`').
    pub regions: Vec<Region>,
    /// The backend services: the one `[service]` (named `service`), or
    /// each `[[service]]`.
    pub services: Vec<services::Service>,
    /// Each service in each of its regions, services in file order and
    /// each one's regions in `[[region]]` order. With one `[service]`,
    /// one per region, in the same order and with the region's name.
    pub deployments: Vec<services::Deployment>,
    /// Whether the scenario names its services (`[[service]]`).
    pub services_declared: bool,
    /// `[url_map]`: which service each user request goes to.
    pub url_map: services::UrlMap,
    /// `[[city]]`.
    pub cities: Vec<City>,
    /// `[[traffic]]`: cities whose rate comes from a file.
    pub traffic: Vec<curve::TrafficFile>,
    /// `[[replay]]`: cities whose requests are replayed from a recording.
    pub replays: Vec<replay::ReplayFile>,
    /// `[[outage]]`, in file order.
    pub outages: Vec<Outage>,
    /// `[[surge]]`, in file order.
    pub surges: Vec<Surge>,
    /// `[slo]`, when given.
    pub slo: Option<Slo>,
    /// `[plan]`, every default filled in: what `negsim plan` varies and
    /// survives (`negsim run` does not read it).
    pub plan: plan::PlanSpec,
    /// `[pricing]`, list prices unless the scenario sets its own.
    pub pricing: Pricing,
    /// `[[dependency]]`: shared state every region calls.
    pub dependencies: Vec<Dependency>,
    /// `[[outage]]` entries that name a `dependency` rather than a region.
    pub dependency_outages: Vec<DependencyOutage>,
    /// `[edge]`: Cloud CDN and Cloud Armor at the load balancer's edge.
    pub edge: EdgeFeatures,
    /// `[[attack]]`: attack traffic entering at a city's edge.
    pub attacks: Vec<Attack>,
    /// The edge locations the cities enter at (only those some city uses,
    /// in the order of the first city using each); `City::edge` indexes it.
    pub edge_locations: Vec<EdgeLocation>,
}

/// Where a city's users enter Google's network.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeLocation {
    /// The metro's name (a city's name with `network.edges = "city"`).
    pub name: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// ISO 3166-1 alpha-2 country code, when known: places it on a landmass
    /// of the backbone model.
    pub country: Option<String>,
    /// Whether it is a `[[edge_location]]` of the scenario (not built in).
    pub custom: bool,
}

/// `[edge]`: what the load balancer's edge does before routing.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeFeatures {
    /// Share of user requests Cloud CDN answers from the edge's cache.
    pub cdn_hit_ratio: f64,
    /// The edge's own time to answer a cache hit.
    pub cdn_hit_latency: DistSpec,
    /// Share of user requests Cloud Armor blocks by mistake (403).
    pub armor_false_positive: f64,
    /// Share of attack requests Cloud Armor blocks (403).
    pub armor_efficacy: f64,
    /// Proxies (GFEs) at each edge location, each running outlier
    /// detection on its own; each attempt lands on one at random.
    pub proxies: u32,
}

impl Default for EdgeFeatures {
    fn default() -> Self {
        EdgeFeatures {
            cdn_hit_ratio: 0.0,
            cdn_hit_latency: DistSpec::constant(crate::engine::time::NS_PER_MS),
            armor_false_positive: 0.0,
            armor_efficacy: 0.0,
            proxies: 16,
        }
    }
}

/// `[[attack]]`: requests from attackers entering at `city`'s edge at a flat
/// `rps` from `start` for `duration`. Cloud Armor blocks `armor_efficacy`
/// of them; the rest reach the regions like user requests, without CDN
/// hits or retries. They are not users: they count in the `attack_*`
/// columns only, never in `requests` or its outcomes.
#[derive(Clone, Debug, PartialEq)]
pub struct Attack {
    /// Index into [`Scenario::cities`].
    pub city: usize,
    /// When it begins.
    pub start_ns: u64,
    /// How long it lasts.
    pub duration_ns: u64,
    /// Its rate, requests per second.
    pub rps: f64,
    /// How its requests are spaced.
    pub arrival: Arrival,
}

/// A place a dependency has a copy of its data in: a region of the
/// scenario or a built-in Google Cloud region.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// The region's name.
    pub name: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

/// `[[dependency]]`: a database or other shared state (a Spanner instance
/// with its leader region, a Cloud SQL primary with read replicas) that each
/// request calls `reads` times at the closest copy and `writes` times at
/// the leader, one call after another, in its I/O part.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    /// Its name, for outages and messages.
    pub name: String,
    /// Where writes go (and reads, when it is the closest copy).
    pub leader: Place,
    /// Read-only copies.
    pub replicas: Vec<Place>,
    /// Reads per request.
    pub reads: u32,
    /// Writes per request.
    pub writes: u32,
    /// The dependency's own time per call, on top of the round trip.
    pub latency: DistSpec,
    /// How reads are served.
    pub read_mode: ReadMode,
}

/// `dependency.read_mode`: what a read at a replica costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// Spanner's default: a strong read at a replica outside the leader
    /// region first makes a round trip to the leader region to agree on a
    /// timestamp ("the replica serving the read contacts the instance's
    /// leader read-write region", read-lease page).
    Strong,
    /// A stale read (15 s or more) or a read lease: the nearest replica
    /// answers alone.
    Stale,
}

/// An outage of a dependency: every region's calls to it are affected.
#[derive(Clone, Debug, PartialEq)]
pub struct DependencyOutage {
    /// Index into [`Scenario::dependencies`].
    pub dependency: usize,
    /// When it begins.
    pub start_ns: u64,
    /// How long it lasts.
    pub duration_ns: u64,
    /// `Down`: calls fail after their round trip and the request answers
    /// 500; `Latency`: each call takes `extra` longer.
    pub kind: DependencyOutageKind,
}

/// `outage.kind` for a dependency.
#[derive(Clone, Debug, PartialEq)]
pub enum DependencyOutageKind {
    /// Calls fail.
    Down,
    /// Calls are slower by a draw of this.
    Latency {
        /// The added time per call.
        extra: DistSpec,
    },
}

impl DependencyOutage {
    /// When it ends.
    pub fn end_ns(&self) -> u64 {
        self.start_ns.saturating_add(self.duration_ns)
    }
}

/// Cloud Run's two billing settings (cloud.google.com/run/docs/configuring/billing-settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Billing {
    /// Request-based (the default): an instance is billed while it starts
    /// and while it has a request in flight, each such period rounded up to
    /// 100 ms, plus a fee per request; idle instances kept by
    /// `min_instances` are billed at the lower idle rate.
    Request,
    /// Instance-based: an instance is billed for its whole life at the
    /// lower instance rate, with no fee per request.
    Instance,
}

/// Hours in a month, the convention of Google Cloud's price lists.
pub const MONTH_HOURS: f64 = 730.0;

/// `[pricing]`: list prices in USD, Tier 1 (Tier 2 regions pay
/// `tier2_factor` times the Cloud Run rates), and what a request carries
/// through the load balancer. Defaults and sources are in docs/model.md.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    /// Request-based billing, per vCPU-second while starting or serving.
    pub request_vcpu_s: f64,
    /// Request-based billing, per GiB-second while starting or serving.
    pub request_gib_s: f64,
    /// Request-based billing, per vCPU-second of an idle instance kept by `min_instances`.
    pub idle_vcpu_s: f64,
    /// Request-based billing, per GiB-second of an idle instance kept by `min_instances`.
    pub idle_gib_s: f64,
    /// Request-based billing, per million requests.
    pub per_million_requests: f64,
    /// Instance-based billing, per vCPU-second of an instance's life.
    pub instance_vcpu_s: f64,
    /// Instance-based billing, per GiB-second of an instance's life.
    pub instance_gib_s: f64,
    /// Factor on every Cloud Run rate in a Tier 2 region.
    pub tier2_factor: f64,
    /// The load balancer's forwarding rules (one for HTTPS; two with an
    /// HTTP-to-HTTPS redirect).
    pub forwarding_rules: u32,
    /// Per forwarding rule and hour (the first five; more cost less).
    pub forwarding_rule_hour: f64,
    /// Per GiB the load balancer processes, inbound and outbound.
    pub lb_data_gib: f64,
    /// Size of a request as the load balancer receives it, KiB.
    pub request_kib: f64,
    /// Size of a response as the load balancer sends it, KiB.
    pub response_kib: f64,
}

impl Default for Pricing {
    /// List prices read on 2026-11-29 (Cloud Run) and 2026-09-20 (Cloud
    /// Load Balancing, us-central1); see docs/model.md.
    fn default() -> Self {
        Pricing {
            request_vcpu_s: 0.000_024,
            request_gib_s: 0.000_002_5,
            idle_vcpu_s: 0.000_002_5,
            idle_gib_s: 0.000_002_5,
            per_million_requests: 0.40,
            instance_vcpu_s: 0.000_018,
            instance_gib_s: 0.000_002,
            tier2_factor: 1.4,
            forwarding_rules: 1,
            forwarding_rule_hour: 0.025,
            lb_data_gib: 0.008,
            request_kib: 2.0,
            response_kib: 16.0,
        }
    }
}

/// `[simulation]`.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// Names the output folder; default: the file's stem.
    pub name: String,
    /// Simulated time after which no new user request arrives.
    pub duration_ns: u64,
    /// Initial period excluded from every statistic.
    pub warmup_ns: u64,
    /// Width of one time-series row.
    pub window_ns: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Wall-clock UTC time of day at t = 0, in seconds after midnight,
    /// when the scenario says (`start_utc`); midnight for the daily cycle
    /// otherwise, and reports then tell time since the start.
    pub start_utc_s: Option<u32>,
    /// How many instances each region starts with.
    pub initial_instances: InitialInstances,
}

/// `simulation.initial_instances`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitialInstances {
    /// Each region starts with `min_instances` warm instances.
    Min,
    /// Each region starts warm with as many instances as the autoscaler
    /// would want for its expected load at t = 0.
    Steady,
}

/// `[network]`.
#[derive(Clone, Debug)]
pub struct Network {
    /// How round-trip times are obtained.
    pub model: NetworkModel,
    /// One-way propagation speed in fiber, km per ms.
    pub fiber_km_per_ms: f64,
    /// Backbone path length over great-circle length.
    pub route_inflation: f64,
    /// Where cities enter Google's network.
    pub edges: EdgePlacement,
    /// Client to edge (GFE) round trip, sampled per attempt.
    pub access_rtt: DistSpec,
    /// Share of attempts that pay TCP and TLS setup at the edge.
    pub new_connection_ratio: f64,
    /// Extra client-edge round trips for such an attempt.
    pub handshake_rtts: u32,
    /// Round trip of a call between two services in one region.
    pub intra_region_rtt_ns: u64,
}

/// `network.edges`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgePlacement {
    /// Google's edge metros: each city enters at the nearest (or its `edge`).
    Google,
    /// An edge in every city (negsim's model before edge locations).
    City,
}

/// `network.model`.
#[derive(Clone, Debug)]
pub enum NetworkModel {
    /// Measured region pairs where Google measured them, the route-aware
    /// backbone model elsewhere (`geo::backbone`).
    Measured,
    /// The route-aware backbone model alone, the measured data off.
    Route,
    /// Great-circle distance times inflation, at fiber speed.
    Geo,
    /// Round trips from a CSV file (`from,to,rtt_ms`).
    Matrix(RttMatrix),
    /// Every round trip is zero.
    None,
}

/// Round trips read from a matrix file, covering every city-region pair.
#[derive(Clone, Debug)]
pub struct RttMatrix {
    /// The file as written in the scenario.
    pub file: String,
    /// The file as read: relative to the scenario's folder, made absolute
    /// when possible (so `scenario.resolved.toml` works from any folder).
    pub path: PathBuf,
    /// `city_region_ms[city][region]`: edge-to-region round trip in ms.
    pub city_region_ms: Vec<Vec<f64>>,
}

/// `[load_balancer]`.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    /// How an edge picks a region.
    pub routing: Routing,
    /// Route timeout: the load balancer answers 504 after this long.
    pub timeout_ns: u64,
    /// `[load_balancer.outlier_detection]`.
    pub outlier: OutlierDetection,
    /// `[load_balancer.service_health]`.
    pub health: ServiceHealth,
    /// `[load_balancer.retry_policy]`, or without one the built-in retry
    /// (`builtin_retry`); `None` means the load balancer does not retry.
    pub retry: Option<RetryPolicy>,
}

/// `load_balancer.routing`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// The closest region not ejected by this edge: what serverless NEGs do.
    Nearest,
    /// What-if: like `Nearest`, but a 429 spills the request to the next
    /// closest region. Serverless NEGs have no capacity setting, so the real
    /// load balancer does not do this.
    NearestOverflow,
}

/// `[load_balancer.service_health]`: Cloud Run service health
/// (cloud.google.com/run/docs/configuring/configure-service-health). Each
/// instance runs a readiness probe; a region whose share of ready
/// instances falls below `healthy_share` is unhealthy, and the load
/// balancer sends its traffic to the next-closest healthy region until it
/// recovers, then moves traffic back gradually.
#[derive(Clone, Debug)]
pub struct ServiceHealth {
    /// Whether the regions' health steers traffic (default false).
    pub enabled: bool,
    /// How often each instance is probed (Cloud Run default 10 s).
    pub probe_period_ns: u64,
    /// A probe slower than this fails (Cloud Run default 1 s).
    pub probe_timeout_ns: u64,
    /// Consecutive failed probes that make an instance not ready (default 3).
    pub failure_threshold: u32,
    /// Share of ready instances a healthy region needs (documented: 60 %).
    pub healthy_share: f64,
    /// From a change of a region's health to the load balancer acting on it
    /// (not documented; default 10 s).
    pub propagation_ns: u64,
    /// Over how long traffic moves back to a recovered region, in a linear
    /// ramp (documented as "gradually", not quantified; default 60 s).
    pub failback_ns: u64,
}

/// `[load_balancer.outlier_detection]`, with the Compute API defaults.
#[derive(Clone, Debug)]
pub struct OutlierDetection {
    /// Whether outlier detection is configured at all (default true).
    pub enabled: bool,
    /// Consecutive 5xx responses that mark a region as an outlier.
    pub consecutive_errors: u32,
    /// Percent chance that a 5xx outlier is actually ejected.
    pub enforcing_consecutive_errors: u32,
    /// Consecutive 502/503/504 or connection failures that mark an outlier.
    pub consecutive_gateway_failure: u32,
    /// Percent chance that a gateway-failure outlier is actually ejected.
    pub enforcing_consecutive_gateway_failure: u32,
    /// Time between ejection analysis sweeps at each edge.
    pub interval_ns: u64,
    /// Ejection time per time ejected.
    pub base_ejection_time_ns: u64,
    /// Most regions (as a percentage) one edge may have ejected at once.
    pub max_ejection_percent: u32,
}

/// `[load_balancer.retry_policy]`.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first try.
    pub num_retries: u32,
    /// Which outcomes of a try are retried.
    pub conditions: RetryConditions,
    /// Timeout of each try.
    pub per_try_timeout_ns: u64,
    /// Whether only requests without a body are retried: the load
    /// balancer's built-in retry, when no policy is set.
    pub bodiless_only: bool,
}

/// `retry_policy.retry_conditions` as flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetryConditions {
    /// `5xx`: any 5xx, or no response (reset, timeout, connection failure).
    pub any_5xx: bool,
    /// `gateway-error`: 502, 503, 504.
    pub gateway_error: bool,
    /// `connect-failure`: the connection to the region could not be made.
    pub connect_failure: bool,
    /// `retriable-4xx`: 409 only (this model never produces a 409).
    pub retriable_4xx: bool,
    /// `refused-stream`: REFUSED_STREAM resets (never produced by this model).
    pub refused_stream: bool,
}

/// `[client]`.
#[derive(Clone, Debug)]
pub struct Client {
    /// Per-attempt timeout after which the user gives up on that attempt.
    pub timeout_ns: u64,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Base of the exponential backoff.
    pub backoff_ns: u64,
    /// Cap of the backoff.
    pub backoff_max_ns: u64,
    /// Jitter applied to the backoff.
    pub jitter: Jitter,
    /// Which outcomes are retried.
    pub retry_on: RetryOn,
    /// Share of user requests that carry a body (POST, PUT): the load
    /// balancer's built-in retry leaves them alone.
    pub body_share: f64,
}

/// `client.jitter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Sleep a uniform random time between zero and the backoff.
    Full,
    /// Sleep exactly the backoff.
    None,
}

/// `client.retry_on` as flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetryOn {
    /// Retry a 429.
    pub status_429: bool,
    /// Retry any 5xx.
    pub status_5xx: bool,
    /// Retry an attempt that hit the client's own timeout.
    pub timeout: bool,
}

/// Cloud Run settings of one regional service (`[service]`, overridable per region).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// Most requests in flight on one instance (1..=1000).
    pub concurrency: u32,
    /// vCPUs per instance.
    pub cpu: f64,
    /// Memory per instance, GiB.
    pub memory_gib: f64,
    /// Instances kept even when idle.
    pub min_instances: u32,
    /// Most instances the region may run.
    pub max_instances: u32,
    /// Autoscaler target CPU utilisation.
    pub cpu_target: f64,
    /// Autoscaler target concurrency utilisation.
    pub concurrency_target: f64,
    /// CPU work per request, at one full vCPU.
    pub cpu_time: DistSpec,
    /// Waiting per request that needs no CPU (I/O, downstream calls).
    pub io_time: DistSpec,
    /// Time from the start of an instance until it can take requests.
    pub cold_start: DistSpec,
    /// Whether startup CPU boost shortens cold starts.
    pub startup_cpu_boost: bool,
    /// How long an idle instance above `min_instances` is kept.
    pub idle_timeout_ns: u64,
    /// How long a request waits for an instance before it is turned away,
    /// when the scenario sets it; see [`ServiceConfig::pending_timeout_ns`].
    pub pending_timeout: Option<u64>,
    /// How the service is billed.
    pub billing: Billing,
    /// Cloud Run request timeout (504).
    pub request_timeout_ns: u64,
}

/// How much startup CPU boost shortens a cold start (a factor on its time).
pub const STARTUP_BOOST_FACTOR: f64 = 0.6;

/// The least a request waits for an instance (about-instance-autoscaling).
pub const MIN_PENDING_NS: u64 = 10 * crate::engine::time::NS_PER_S;

impl ServiceConfig {
    /// How long a request waits for an instance before it is turned away:
    /// `pending_timeout` when set, else Cloud Run's rule, "requests will
    /// pend for up to 3.5 times average startup time of container instances
    /// of this service, or 10 seconds, whichever is greater" (container
    /// runtime contract and about-instance-autoscaling, read 2026-12-05),
    /// with the mean of `cold_start` (shortened by startup CPU boost).
    pub fn pending_timeout_ns(&self) -> u64 {
        self.pending_timeout.unwrap_or_else(|| {
            let boost = if self.startup_cpu_boost { STARTUP_BOOST_FACTOR } else { 1.0 };
            let derived = (3.5 * self.cold_start.mean_ns() * boost).round() as u64;
            derived.max(MIN_PENDING_NS)
        })
    }
}

/// `[[region]]`.
#[derive(Clone, Debug)]
pub struct Region {
    /// Region name.
    pub name: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Google's location for a built-in region.
    pub location: Option<&'static str>,
    /// Cloud Run pricing tier of a built-in region.
    pub tier: Option<u8>,
}

/// `[[city]]`.
#[derive(Clone, Debug)]
pub struct City {
    /// City name.
    pub name: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Peak request rate, requests per second.
    pub rps: f64,
    /// Shape of the rate over the day.
    pub profile: Profile,
    /// Local time minus UTC, hours.
    pub utc_offset_h: f64,
    /// How arrivals are spaced.
    pub arrival: Arrival,
    /// Where its users enter Google's network: an index into
    /// `Scenario::edge_locations`.
    pub edge: usize,
}

/// `city.profile`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Profile {
    /// Always `rps`.
    Flat,
    /// A daily cosine between `rps * min_ratio` and `rps`, peaking at
    /// `peak_local_hour` local time.
    Diurnal { min_ratio: f64, peak_local_hour: f64 },
}

/// `city.arrival`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// A (non-homogeneous) Poisson process.
    Poisson,
    /// Evenly spaced at the current rate.
    Uniform,
}

/// `[[outage]]`.
#[derive(Clone, Debug)]
pub struct Outage {
    /// Index into [`Scenario::regions`].
    pub region: usize,
    /// The one service it hits there (index into [`Scenario::services`]),
    /// or `None` for every service deployed in the region.
    pub service: Option<usize>,
    /// When it begins.
    pub start_ns: u64,
    /// How long it lasts.
    pub duration_ns: u64,
    /// What fails.
    pub kind: OutageKind,
}

impl Outage {
    /// When it ends.
    pub fn end_ns(&self) -> u64 {
        self.start_ns.saturating_add(self.duration_ns)
    }
}

/// `outage.kind` and its keys.
#[derive(Clone, Debug, PartialEq)]
pub enum OutageKind {
    /// Every request fails to connect; instances are lost.
    Down,
    /// A share of requests return `status`.
    Errors { rate: f64, status: u16 },
    /// Extra latency added to every request served.
    Latency { extra: DistSpec },
    /// The region's instance cap drops to `max_instances`.
    Capacity { max_instances: u32 },
    /// Cold starts take `multiplier` times longer.
    ColdStart { multiplier: f64 },
}

impl OutageKind {
    /// The name used in files.
    pub fn name(&self) -> &'static str {
        match self {
            OutageKind::Down => "down",
            OutageKind::Errors { .. } => "errors",
            OutageKind::Latency { .. } => "latency",
            OutageKind::Capacity { .. } => "capacity",
            OutageKind::ColdStart { .. } => "cold-start",
        }
    }
}

/// `[[surge]]`.
#[derive(Clone, Debug)]
pub struct Surge {
    /// Index into [`Scenario::cities`], or `None` for every city (`"*"`).
    pub city: Option<usize>,
    /// When it begins.
    pub start_ns: u64,
    /// How long it lasts.
    pub duration_ns: u64,
    /// Factor on the city's rate while it lasts.
    pub multiplier: f64,
}

/// `[slo]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Share of requests that must be ok.
    pub availability: Option<f64>,
    /// Target p99 latency of ok requests.
    pub latency_p99_ns: Option<u64>,
}

/// A scenario with the warnings found while reading it.
#[derive(Debug)]
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Things that are allowed but probably not meant.
    pub warnings: Warnings,
}

/// Reads an input file (`what`: "scenario", "sweep") whole, with a
/// message that says what to do when it cannot: `-` (standard input) is
/// not read, as relative files such as a matrix are found beside the file.
pub fn read_input(path: &Path, what: &str) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| {
        let message = if path == Path::new("-") && !path.exists() {
            format!(
                "negsim reads a {what} from a file, not from standard input (`-`): save it to a file and give its path (files it names, such as a matrix, are found beside it)"
            )
        } else {
            format!("cannot read the {what}: {e}")
        };
        InputError::whole_file(path, message)
    })
}

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Loaded, InputError> {
    let text = read_input(path, "scenario")?;
    from_str(path, &text, overrides)
}

/// Validates scenario `text`, as if read from `path`.
pub fn from_str(path: &Path, text: &str, overrides: &Overrides) -> Result<Loaded, InputError> {
    let table = diag::parse_toml(path, text)?;
    from_table(path, text, &table, overrides)
}

impl Scenario {
    /// The deployments an outage hits: its service in its region, or every
    /// service deployed there.
    pub fn outage_deployments(&self, o: &Outage) -> impl Iterator<Item = usize> + '_ {
        let (region, service) = (o.region, o.service);
        self.deployments
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.region == region && service.is_none_or(|s| s == d.service))
            .map(|(i, _)| i)
    }

    /// Where an outage strikes, in words: its region, or its service in
    /// its region ("payments in europe-west1").
    pub fn outage_place(&self, o: &Outage) -> String {
        match o.service {
            Some(s) => format!("{} in {}", self.services[s].name, self.regions[o.region].name),
            None => self.regions[o.region].name.clone(),
        }
    }

    /// The deployments of region `r`.
    pub fn deployments_in(&self, r: usize) -> impl Iterator<Item = &services::Deployment> + '_ {
        self.deployments.iter().filter(move |d| d.region == r)
    }

    /// The most instances region `r` may run: the sum of its deployments' caps.
    pub fn region_max_instances(&self, r: usize) -> u32 {
        self.deployments_in(r).map(|d| d.config.max_instances).sum()
    }

    /// The names of the model's regions: the deployments (with one
    /// service, the regions' names).
    pub fn deployment_names(&self) -> Vec<String> {
        self.deployments.iter().map(|d| d.name.clone()).collect()
    }

    /// The load balancer's edges as outputs name them: the cities' edge
    /// locations, then, when calls go through the load balancer, the edge
    /// in each region they enter by (`calls@<region>`).
    pub fn edge_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.edge_locations.iter().map(|e| e.name.clone()).collect();
        if self.calls().any(|(_, _, c)| c.via == services::Via::LoadBalancer) {
            out.extend(self.regions.iter().map(|r| format!("calls@{}", r.name)));
        }
        out
    }

    /// Every call between services, in the order of the outputs' call
    /// rows: (caller, its k-th call from 1, the call).
    pub fn calls(&self) -> impl Iterator<Item = (usize, usize, &services::CallSpec)> + '_ {
        self.services
            .iter()
            .enumerate()
            .flat_map(|(s, svc)| svc.calls.iter().enumerate().map(move |(k, c)| (s, k + 1, c)))
    }

    /// The recording city `i` replays, if any.
    pub fn replay_of(&self, i: usize) -> Option<&replay::ReplayFile> {
        self.replays.iter().find(|r| r.cities.iter().any(|&(c, _)| c == i))
    }

    /// The rate curve of city `i`, when a `[[traffic]]` file gives one.
    pub fn curve_of(&self, i: usize) -> Option<std::sync::Arc<curve::Curve>> {
        self.traffic.iter().flat_map(|t| &t.curves).find(|(c, _)| *c == i).map(|(_, c)| c.clone())
    }

    /// The number of requests the scenario is expected to generate, from the
    /// mean rates (for estimates before a run).
    pub fn expected_requests(&self) -> f64 {
        let secs = self.simulation.duration_ns as f64 / 1e9;
        self.cities
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if let Some(curve) = self.curve_of(i) {
                    return curve.integral(self.simulation.duration_ns);
                }
                if let Some(r) = self.replay_of(i) {
                    // At most what the file holds for it, scaled.
                    return r.cities.iter().find(|&&(x, _)| x == i).map_or(0.0, |&(_, n)| n as f64 * r.scale);
                }
                let mean_factor = match c.profile {
                    Profile::Flat => 1.0,
                    Profile::Diurnal { min_ratio, .. } => (1.0 + min_ratio) / 2.0,
                };
                c.rps * mean_factor * secs
            })
            .sum()
    }
}
