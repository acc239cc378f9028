//! Streaming metrics: counters, latency histograms and time-weighted gauges
//! per scope (global, each city, each region), per window and in total.
//!
//! Memory is fixed by the number of scopes, never by the number of requests
//! or the simulated duration: each window is aggregated while it is open,
//! handed to a [`WindowSink`] when it closes, merged into the totals and
//! reset. Latency percentiles are HdrHistogram's, with three significant
//! digits (values in microseconds), from counts that merge exactly
//! ([`latency`]). A percentile is
//! reported as the upper edge of its bucket: never below the true value and
//! at most 0.1 % above it, the conservative side for latency targets.
//!
//! What is counted where (see SCENARIO.md):
//! * request outcomes and latencies are per logical user request, counted if
//!   the request arrived at or after the warmup, in the window where it ends;
//! * `attempts` are client attempts for cities and global, and tries that
//!   reached the region for regions, in the window they were made;
//! * queue waits, cold starts, instances, cost and ejections are counted by
//!   time, from the end of the warmup.

use crate::engine::SimTime;
use crate::engine::time::{NS_PER_MS, NS_PER_S};
use crate::scenario::MONTH_HOURS;
use crate::scenario::Slo;
use latency::Latencies;

mod latency;

/// How a logical request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Ok,
    /// 429.
    Rejected,
    /// Any other 5xx, the load balancer's included.
    Error,
    /// The client's own timeout.
    Timeout,
}

/// What a row describes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeKind {
    /// Every request.
    #[default]
    Global,
    /// The requests of one city.
    City,
    /// The requests answered by one region: with one service, its
    /// deployment there; with several, every request any of its
    /// deployments answered, users' and other services' calls alike.
    Region,
    /// The requests answered by one service in one region (scenarios
    /// with `[[service]]`): users' whose last try it served, and calls
    /// from other services.
    Deployment,
    /// The requests answered by one service, in all its regions.
    Service,
}

impl ScopeKind {
    /// The `scope` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Global => "global",
            ScopeKind::City => "city",
            ScopeKind::Region => "region",
            ScopeKind::Deployment => "deployment",
            ScopeKind::Service => "service",
        }
    }
}

/// One row of `summary.csv` or `timeseries.csv`. Columns that do not apply
/// to a scope, or have no data, are `None` and written empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub scope: ScopeKind,
    pub name: String,
    pub requests: u64,
    pub ok: u64,
    pub rejected: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub availability: Option<f64>,
    pub attempts: u64,
    pub latency_mean_ms: Option<f64>,
    pub latency_p50_ms: Option<f64>,
    pub latency_p90_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_p999_ms: Option<f64>,
    pub queue_wait_mean_ms: Option<f64>,
    pub cold_starts: Option<u64>,
    pub instances_mean: Option<f64>,
    pub instances_max: Option<u64>,
    /// Mean number of instances in their cold start.
    pub instances_starting_mean: Option<f64>,
    pub cross_region_share: Option<f64>,
    pub cost_usd: Option<f64>,
    /// `cost_usd` at this rate for a month of 730 hours.
    pub cost_month_usd: Option<f64>,
    /// With `[slo]`: 1 if the row meets every target it sets (availability
    /// at least `slo.availability`, p99 at most `slo.latency_p99`), else 0;
    /// empty without requests.
    pub slo_met: Option<u64>,
    /// With `[slo] availability`: the failed requests over those the target
    /// allows for the row's requests, `(1 - availability) / (1 - target)`.
    /// 1 is burning the error budget exactly as fast as it accrues; in the
    /// run's totals it is the share of the run's budget used.
    pub error_budget_burned: Option<f64>,
    /// User requests Cloud CDN answered at the edge (cities and global).
    pub cdn_hits: Option<u64>,
    /// User requests Cloud Armor blocked by mistake, answered 403 and
    /// counted in `errors` too (cities and global).
    pub blocked: Option<u64>,
    /// Attack requests: arriving at the edge (cities and global), or
    /// reaching the region (regions). Never in `requests`.
    pub attack_requests: u64,
    /// Attack requests Cloud Armor blocked (cities and global).
    pub attack_blocked: Option<u64>,
    /// Share of the tries that got an instance slot only after waiting.
    pub queued_share: Option<f64>,
    /// Most edges that had this region ejected at once.
    pub ejected_by_edges: Option<u64>,
}

/// Requests from one city answered by one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flow {
    pub city: u32,
    pub region: u32,
    pub requests: u64,
    /// Median latency of the pair's ok requests (run totals only).
    pub latency_p50_ms: Option<f64>,
}

/// One closed window, handed to a [`WindowSink`].
pub struct WindowReport<'a> {
    /// Start of the window, seconds since t = 0.
    pub start_s: f64,
    /// One row per scope: global, then cities, then regions.
    pub rows: &'a [Row],
    /// Requests per (city, region) pair with any, city-major.
    pub flows: &'a [Flow],
    /// Each call edge's calls (scenarios with calls between services).
    pub calls: &'a [CallRow],
}

/// The calls one `[[service.call]]` made that ended in a window or a run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CallRow {
    /// The call's index among every service's calls, in file order.
    pub spec: u32,
    /// Calls that ended, each counted once: `ok + rejected + errors + timeouts`.
    pub calls: u64,
    pub ok: u64,
    /// Ended with a 429 after the caller's retries.
    pub rejected: u64,
    /// Ended with another error after the caller's retries.
    pub errors: u64,
    /// The caller's timeout ended its last attempt.
    pub timeouts: u64,
    /// Attempts made (the first and the caller's retries).
    pub attempts: u64,
    /// Mean time from the call's first attempt to its ok answer.
    pub latency_mean_ms: Option<f64>,
}

/// A run's totals ([`Metrics::finish`]).
pub struct Totals {
    /// One row per scope.
    pub rows: Vec<Row>,
    /// Requests per (city, region) pair.
    pub flows: Vec<Flow>,
    /// Each call spec's calls.
    pub calls: Vec<CallRow>,
    /// Each deployment's times (with `[[service]]`).
    pub times: Vec<ServiceTimes>,
}

/// Where the time of a deployment's requests goes, over the run (scenarios
/// with `[[service]]`): `services.csv`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServiceTimes {
    /// Requests (users' tries and calls) it answered 200.
    pub jobs: u64,
    /// Their time from arriving to the end of their own work (queue, CPU,
    /// I/O, dependencies), summed, ns.
    pub self_ns: u128,
    /// Their time waiting for their calls to other services, summed, ns.
    pub wait_ns: u128,
    /// Users' tries it answered 200, and their time there, summed, ns.
    pub user_jobs: u64,
    pub user_job_ns: u128,
    /// Users' requests that ended ok after their last try here, and their
    /// latency, summed, ns.
    pub users_ok: u64,
    pub user_latency_ns: u128,
}

impl CallRow {
    /// Adds `other`'s counts (not its latency) to this row's.
    fn add_counts(&mut self, other: &CallRow) {
        self.calls += other.calls;
        self.ok += other.ok;
        self.rejected += other.rejected;
        self.errors += other.errors;
        self.timeouts += other.timeouts;
        self.attempts += other.attempts;
    }
}

impl std::ops::AddAssign<&ServiceTimes> for ServiceTimes {
    fn add_assign(&mut self, t: &ServiceTimes) {
        self.jobs += t.jobs;
        self.self_ns += t.self_ns;
        self.wait_ns += t.wait_ns;
        self.user_jobs += t.user_jobs;
        self.user_job_ns += t.user_job_ns;
        self.users_ok += t.users_ok;
        self.user_latency_ns += t.user_latency_ns;
    }
}

/// How deployments group into services and regions, for a scenario with
/// `[[service]]`: the aggregate rows after the deployments'.
#[derive(Clone, Debug)]
pub struct Groups {
    pub services: Vec<String>,
    pub regions: Vec<String>,
    /// (service, region) of each deployment.
    pub of: Vec<(usize, usize)>,
}

/// A change in whether an edge sends traffic to a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ejection {
    /// When it happened.
    pub time: SimTime,
    /// The edge (an index into `Scenario::edge_locations`).
    pub edge: u32,
    /// The proxy of the edge that decided it (`None`: every proxy, as
    /// service health decides for the whole load balancer).
    pub proxy: Option<u32>,
    /// The region.
    pub region: u32,
    /// `Some(until)` when the edge ejected the region until `until`;
    /// `None` when the region returned to service at this edge.
    pub until: Option<SimTime>,
    /// Whether service health (rather than outlier detection) decided it;
    /// then `until` is [`SimTime::NEVER`]: until the region is healthy again.
    pub health: bool,
}

/// Receives each window as it closes (the time series, streamed), and each
/// ejection as it happens.
pub trait WindowSink {
    /// Called once per window, in time order.
    fn window(&mut self, report: &WindowReport<'_>);

    /// Called when an edge ejects a region or returns it to service.
    fn ejection(&mut self, _ejection: &Ejection) {}

    /// Whether the sink can no longer take windows (its file could not be
    /// written): the run stops at once rather than simulate for nothing.
    fn failed(&self) -> bool {
        false
    }
}

/// A sink that keeps every window and ejection in memory (for tests and small runs).
#[derive(Default)]
pub struct CollectWindows {
    /// `(start_s, rows, flows)` of each window.
    pub windows: Vec<(f64, Vec<Row>, Vec<Flow>)>,
    /// Each window's call rows (with calls between services).
    pub calls: Vec<(f64, Vec<CallRow>)>,
    /// Every ejection and return, in time order.
    pub ejections: Vec<Ejection>,
}

impl WindowSink for CollectWindows {
    fn window(&mut self, r: &WindowReport<'_>) {
        self.windows.push((r.start_s, r.rows.to_vec(), r.flows.to_vec()));
        if !r.calls.is_empty() {
            self.calls.push((r.start_s, r.calls.to_vec()));
        }
    }

    fn ejection(&mut self, e: &Ejection) {
        self.ejections.push(*e);
    }
}

/// A sink that drops every window.
pub struct NoWindows;

impl WindowSink for NoWindows {
    fn window(&mut self, _: &WindowReport<'_>) {}
}

/// The quantiles of latency every row gives (p50, p90, p99, p99.9).
const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// A scope's latencies at [`QUANTILES`], microseconds (`None` if it has none).
type Pct = [Option<u64>; 4];

struct Acc {
    requests: u64,
    ok: u64,
    rejected: u64,
    errors: u64,
    timeouts: u64,
    attempts: u64,
    cross: u64,
    /// An integer, so that the sum is exact and does not depend on the
    /// order requests end in (a float sum is exact only below 2^53 ns).
    latency_sum_ns: u128,
    queue_wait_sum_ns: f64,
    queue_served: u64,
    queued: u64,
    cold_starts: u64,
    /// Integral of the instance count over time, instance-nanoseconds.
    instance_area: f64,
    /// Integral of the starting-instance count, instance-nanoseconds.
    starting_area: f64,
    instances_max: u64,
    cost_usd: f64,
    ejected_max: u64,
    cdn_hits: u64,
    blocked: u64,
    attack: u64,
    attack_blocked: u64,
}

impl Acc {
    fn new() -> Self {
        Acc {
            requests: 0,
            ok: 0,
            rejected: 0,
            errors: 0,
            timeouts: 0,
            attempts: 0,
            cross: 0,
            latency_sum_ns: 0,
            queue_wait_sum_ns: 0.0,
            queue_served: 0,
            queued: 0,
            cold_starts: 0,
            instance_area: 0.0,
            starting_area: 0.0,
            instances_max: 0,
            cost_usd: 0.0,
            ejected_max: 0,
            cdn_hits: 0,
            blocked: 0,
            attack: 0,
            attack_blocked: 0,
        }
    }

    /// Zeroes everything (a window's accumulator is reset at every window
    /// boundary). Every field is named,    /// so that a new one cannot be forgotten.
    fn reset(&mut self) {
        let Acc {
            requests,
            ok,
            rejected,
            errors,
            timeouts,
            attempts,
            cross,
            latency_sum_ns,
            queue_wait_sum_ns,
            queue_served,
            queued,
            cold_starts,
            instance_area,
            starting_area,
            instances_max,
            cost_usd,
            ejected_max,
            cdn_hits,
            blocked,
            attack,
            attack_blocked,
        } = self;
        for n in
            [requests, ok, rejected, errors, timeouts, attempts, cross, queue_served, queued, cold_starts]
        {
            *n = 0;
        }
        for n in [instances_max, ejected_max, cdn_hits, blocked, attack, attack_blocked] {
            *n = 0;
        }
        *latency_sum_ns = 0;
        for x in [queue_wait_sum_ns, instance_area, starting_area, cost_usd] {
            *x = 0.0;
        }
    }

    /// Adds the counts of requests and attempts (what every city counts
    /// of its own) to `total`.
    fn add_request_counts(&self, total: &mut Acc) {
        total.requests += self.requests;
        total.ok += self.ok;
        total.rejected += self.rejected;
        total.errors += self.errors;
        total.timeouts += self.timeouts;
        total.attempts += self.attempts;
        total.cross += self.cross;
        total.latency_sum_ns += self.latency_sum_ns;
    }

    /// Adds what sums across deployments (everything but the maxima and
    /// the instance areas, which aggregates integrate from their own
    /// gauges).
    fn add_deployment(&self, total: &mut Acc) {
        self.add_request_counts(total);
        total.queue_wait_sum_ns += self.queue_wait_sum_ns;
        total.queue_served += self.queue_served;
        total.queued += self.queued;
        total.cold_starts += self.cold_starts;
        total.cost_usd += self.cost_usd;
        total.attack += self.attack;
    }

    /// Adds a closed window to the run's totals (but its latencies, which
    /// reach the totals as they are drained: `close_latencies`).
    fn merge_into(&self, total: &mut Acc) {
        self.add_deployment(total);
        total.instance_area += self.instance_area;
        total.starting_area += self.starting_area;
        total.instances_max = total.instances_max.max(self.instances_max);
        total.ejected_max = total.ejected_max.max(self.ejected_max);
        total.cdn_hits += self.cdn_hits;
        total.blocked += self.blocked;
        total.attack_blocked += self.attack_blocked;
    }

    /// The row of this scope, with the percentiles `pct` of its latencies
    /// (microseconds, at [`QUANTILES`]); `ejections` for a deployment's (a
    /// region's, with one service), whose edges can eject it.
    fn row(&self, scope: ScopeKind, name: &str, span_ns: u64, ejections: bool, pct: Pct) -> Row {
        let share = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        let ms = |us: Option<u64>| us.filter(|_| self.ok > 0).map(|us| us as f64 / 1000.0);
        let not_city = scope != ScopeKind::City;
        // What the edges did: cities and global.
        let at_edges = matches!(scope, ScopeKind::Global | ScopeKind::City);
        Row {
            scope,
            name: name.to_string(),
            requests: self.requests,
            ok: self.ok,
            rejected: self.rejected,
            errors: self.errors,
            timeouts: self.timeouts,
            availability: share(self.ok, self.requests),
            attempts: self.attempts,
            latency_mean_ms: (self.ok > 0)
                .then(|| self.latency_sum_ns as f64 / self.ok as f64 / NS_PER_MS as f64),
            latency_p50_ms: ms(pct[0]),
            latency_p90_ms: ms(pct[1]),
            latency_p99_ms: ms(pct[2]),
            latency_p999_ms: ms(pct[3]),
            queue_wait_mean_ms: if not_city && self.queue_served > 0 {
                Some(self.queue_wait_sum_ns / self.queue_served as f64 / NS_PER_MS as f64)
            } else {
                None
            },
            cold_starts: not_city.then_some(self.cold_starts),
            instances_mean: (not_city && span_ns > 0).then(|| self.instance_area / span_ns as f64),
            instances_starting_mean: (not_city && span_ns > 0).then(|| self.starting_area / span_ns as f64),
            instances_max: not_city.then_some(self.instances_max),
            cross_region_share: share(self.cross, self.requests),
            cost_usd: not_city.then_some(self.cost_usd),
            cost_month_usd: (not_city && span_ns > 0)
                .then(|| self.cost_usd * MONTH_HOURS * 3600.0 * NS_PER_S as f64 / span_ns as f64),
            slo_met: None,
            error_budget_burned: None,
            cdn_hits: at_edges.then_some(self.cdn_hits),
            blocked: at_edges.then_some(self.blocked),
            attack_requests: self.attack,
            attack_blocked: at_edges.then_some(self.attack_blocked),
            queued_share: if not_city { share(self.queued, self.queue_served) } else { None },
            ejected_by_edges: ejections.then_some(self.ejected_max),
        }
    }
}

/// Instance counts of a region (or of all), piecewise constant, integrated over time.
#[derive(Clone, Copy)]
struct Gauge {
    /// Instances that exist (starting, serving or idle).
    alive: u64,
    /// Of those, instances still in their cold start.
    starting: u64,
    since: SimTime,
}

impl Gauge {
    const ZERO: Gauge = Gauge { alive: 0, starting: 0, since: SimTime::ZERO };

    /// Adds the areas since the later of `since` and `window_start` to `acc`.
    fn accrue(&mut self, now: SimTime, window_start: SimTime, acc: &mut Acc) {
        let dt = now.since(self.since.max(window_start)) as f64;
        acc.instance_area += self.alive as f64 * dt;
        acc.starting_area += self.starting as f64 * dt;
        self.since = now;
    }
}

/// Latencies of the requests of one (city, region) pair, in a compact log
/// histogram: eight buckets per power of two of microseconds (values under
/// 8 us exact), reported as the bucket's middle, so a median is within 1/16
/// (6.25 %) of the true one; summary.csv's percentiles are finer (0.1 %).
/// Kept for the run's totals only.
#[derive(Clone)]
struct PairLatency {
    counts: Vec<u32>,
    n: u64,
}

impl PairLatency {
    const BUCKETS: usize = 8 * 41;

    fn bucket(us: u64) -> usize {
        if us < 8 {
            return us as usize;
        }
        let e = 63 - us.leading_zeros() as usize;
        let sub = ((us >> (e - 3)) & 7) as usize;
        (8 * (e - 2) + sub).min(Self::BUCKETS - 1)
    }

    /// The middle of bucket `b`, in microseconds.
    fn value(b: usize) -> f64 {
        if b < 8 {
            return b as f64;
        }
        let (e, sub) = (b / 8 + 2, (b % 8) as u64);
        let lower = (8 + sub) << (e - 3);
        lower as f64 + (1u64 << (e - 3)) as f64 / 2.0
    }

    /// Counts `n` latencies of `us` microseconds, or of any value of the
    /// HdrHistogram bucket whose lowest value `us` is: at three
    /// significant digits, such a bucket lies within one of these.
    /// Inlined: with many pairs it counts every ok request's latency.
    #[inline(always)]
    fn add(&mut self, us: u64, n: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; Self::BUCKETS];
        }
        let c = &mut self.counts[Self::bucket(us)];
        *c = (u64::from(*c) + n).min(u64::from(u32::MAX)) as u32;
        self.n += n;
    }

    /// The pair's latencies from the run's series `s` of `run`.
    fn of(run: &Latencies, s: usize) -> Self {
        let mut p = PairLatency { counts: Vec::new(), n: 0 };
        run.each(s, |us, n| p.add(us, n));
        p
    }

    fn median_ms(&self) -> Option<f64> {
        let mut seen = 0u64;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen * 2 >= self.n && self.n > 0 {
                return Some(Self::value(b) / 1000.0);
            }
        }
        None
    }
}

/// Which latency series make up each scope's latencies, and their
/// percentiles taken from them.
///
/// An ok request's latency is counted once, in the series of its (city,
/// deployment) pair (a call's, or an answer no deployment gave, in its
/// scope's own series), when there are at most [`PAIRS_PER_SCOPE`] pairs
/// per scope; with more, in its city's and its deployment's own series,
/// so that memory stays that of the scopes'. A scope's latencies are the
/// counts of its member series: a city's are its own and its pairs', a
/// deployment's its own and its pairs', the global scope's its cities', a
/// service's or region's aggregate its deployments'. When a window
/// closes, a scope with one member holding counts (a city served by one
/// deployment, say) takes its percentiles from that series, scopes with
/// the same one share them, and a scope with several adds them up in a
/// scratch series first. Adding them up costs a visit of each bucket
/// holding a count, once per window, where counting each latency in every
/// scope cost a counter increment per scope per request (issue 26).
struct Members {
    /// Per scope, its member series.
    of: Vec<Vec<usize>>,
    /// A series to add up a scope's members in.
    scratch: Latencies,
    /// Per series, its percentiles once taken in this pass.
    memo: Vec<Option<Pct>>,
}

impl Members {
    /// Members for the scopes of `m` (see [`Metrics::pair_series`]).
    fn new(m: &Metrics) -> Self {
        let (cities, regions) = (m.n_cities, m.n_regions);
        // Without series by pair, a scope's own series holds its latencies.
        let pairs = if m.by_pair { (cities, regions) } else { (0, 0) };
        let pair = |c: usize, d: usize| m.pair_series(c * regions + d);
        let city = |c: usize| std::iter::once(1 + c).chain((0..pairs.1).map(move |d| pair(c, d)));
        let deployment =
            |d: usize| std::iter::once(1 + cities + d).chain((0..pairs.0).map(move |c| pair(c, d)));
        let mut of: Vec<Vec<usize>> = vec![(0..cities).flat_map(city).collect()];
        of.extend((0..cities).map(|c| city(c).collect()));
        of.extend((0..regions).map(|d| deployment(d).collect()));
        if let Some(g) = &m.groups {
            let groups = g.services.len() + g.regions.len();
            of.extend((0..groups).map(|k| {
                (0..regions)
                    .filter(|&d| m.groups_of(d).is_some_and(|(s, r)| s == k || r == k))
                    .flat_map(deployment)
                    .collect()
            }));
        }
        debug_assert_eq!(of.len(), m.names.len());
        Members { of, scratch: Latencies::new(1), memo: vec![None; m.latency_series()] }
    }

    /// Each scope's percentiles from the series of `lat` (an open
    /// window's, or a run's), into `out`.
    fn pcts(&mut self, lat: &Latencies, out: &mut [Pct]) {
        self.memo.fill(None);
        for (of, pct) in self.of.iter().zip(out) {
            let mut held = of.iter().copied().filter(|&s| !lat.is_empty(s));
            *pct = match (held.next(), held.next()) {
                (None, _) => [None; 4],
                (Some(s), None) => *self.memo[s].get_or_insert_with(|| lat.quantiles(s, &QUANTILES)),
                (Some(a), Some(b)) => {
                    for s in [a, b].into_iter().chain(held) {
                        self.scratch.add_from(0, lat, s);
                    }
                    let pct = self.scratch.quantiles(0, &QUANTILES);
                    self.scratch.clear();
                    pct
                }
            };
        }
    }
}

/// Up to this many (city, deployment) pairs per scope, latencies are
/// counted by pair (see [`Members`]). A series takes up to about 130 KB (a
/// counter per bucket up to a 30 s latency), for the open window and for
/// the run, once it holds a count; the limit keeps the pairs' at most four
/// times what the scopes' series would take (nine cities and three
/// regions: 27 pairs for 13 scopes), where one pair per city and
/// deployment of a scenario with 100 cities and 40 regions could take a
/// gigabyte.
const PAIRS_PER_SCOPE: usize = 4;

/// All metrics of a run.
pub struct Metrics {
    n_cities: usize,
    n_regions: usize,
    names: Vec<String>,
    window: Vec<Acc>,
    total: Vec<Acc>,
    flows_window: Vec<u64>,
    flows_total: Vec<u64>,
    /// Whether latencies are counted by pair (see [`PAIRS_PER_SCOPE`]).
    by_pair: bool,
    /// Without series by pair, each pair's latencies over the run, for
    /// its median.
    pair_latency: Vec<PairLatency>,
    /// The open window's latencies of ok requests (microseconds): one
    /// series per scope (those counted at the scope itself), then, if
    /// `by_pair`, one per (city, deployment) pair (see [`Members`]).
    window_latency: Latencies,
    /// Each scope's percentiles in the window being closed.
    window_pct: Vec<Pct>,
    /// The run's latencies, series for series, the closed windows' added
    /// as they close.
    total_latency: Latencies,
    /// The series making up each scope's latencies.
    members: Members,
    instances: Vec<Gauge>,
    instances_all: Gauge,
    ejected_now: Vec<u64>,
    window_start: SimTime,
    measure_start: SimTime,
    /// The targets rows are judged against.
    slo: Option<Slo>,
    rows: Vec<Row>,
    flows: Vec<Flow>,
    /// With `[[service]]`: the aggregate scopes (services, then regions).
    groups: Option<Groups>,
    /// Their instance counts.
    group_gauges: Vec<Gauge>,
    /// Per call spec: the open window's and the run's.
    calls_window: Vec<CallRow>,
    calls_total: Vec<CallRow>,
    /// Per call spec, ok latencies summed (ns), window and run.
    call_latency: Vec<(u128, u128)>,
    call_rows: Vec<CallRow>,
    /// With `[[service]]`: each deployment's [`ServiceTimes`].
    times: Vec<ServiceTimes>,
}

impl Metrics {
    /// Metrics for the given cities and regions; windows start at `warmup`.
    /// Judges every row against `slo` (see [`Row::slo_met`]).
    pub fn with_slo(mut self, slo: Option<Slo>) -> Self {
        self.slo = slo;
        self
    }

    pub fn new(cities: &[String], regions: &[String], warmup: SimTime) -> Self {
        let mut names = vec!["all".to_string()];
        names.extend(cities.iter().cloned());
        names.extend(regions.iter().cloned());
        let scopes = names.len();
        let pairs = cities.len() * regions.len();
        let mut m = Metrics {
            n_cities: cities.len(),
            n_regions: regions.len(),
            names,
            window: (0..scopes).map(|_| Acc::new()).collect(),
            total: (0..scopes).map(|_| Acc::new()).collect(),
            flows_window: vec![0; pairs],
            flows_total: vec![0; pairs],
            by_pair: false,
            pair_latency: Vec::new(),
            window_latency: Latencies::new(0),
            window_pct: vec![[None; 4]; scopes],
            total_latency: Latencies::new(0),
            members: Members { of: Vec::new(), scratch: Latencies::new(0), memo: Vec::new() },
            instances: vec![Gauge::ZERO; regions.len()],
            instances_all: Gauge::ZERO,
            ejected_now: vec![0; regions.len()],
            window_start: warmup,
            measure_start: warmup,
            slo: None,
            rows: Vec::with_capacity(scopes),
            flows: Vec::new(),
            groups: None,
            group_gauges: Vec::new(),
            calls_window: Vec::new(),
            calls_total: Vec::new(),
            call_latency: Vec::new(),
            call_rows: Vec::new(),
            times: Vec::new(),
        };
        m.lay_out_latencies();
        m
    }

    /// Sizes the latency series for the scopes and pairs (see
    /// [`PAIRS_PER_SCOPE`]).
    fn lay_out_latencies(&mut self) {
        self.count_latencies(self.flows_total.len() <= PAIRS_PER_SCOPE * self.names.len());
    }

    /// Sizes the latency series, by pair or by scope.
    fn count_latencies(&mut self, by_pair: bool) {
        let pairs = self.flows_total.len();
        self.by_pair = by_pair;
        self.pair_latency =
            if self.by_pair { Vec::new() } else { vec![PairLatency { counts: Vec::new(), n: 0 }; pairs] };
        self.window_latency = Latencies::new(self.latency_series());
        self.total_latency = Latencies::new(self.latency_series());
        self.members = Members::new(self);
    }

    /// The number of latency series: the scopes', then the pairs' if
    /// `by_pair`.
    fn latency_series(&self) -> usize {
        self.names.len() + if self.by_pair { self.flows_total.len() } else { 0 }
    }

    /// Groups the regions (deployments) into services and regions: rows of
    /// scope `deployment` for them, then `service` and `region` rows.
    pub fn with_groups(mut self, groups: Groups) -> Self {
        for name in groups.services.iter().chain(&groups.regions) {
            self.names.push(name.clone());
            self.window.push(Acc::new());
            self.total.push(Acc::new());
            self.window_pct.push([None; 4]);
        }
        self.group_gauges = vec![Gauge::ZERO; groups.services.len() + groups.regions.len()];
        self.times = vec![ServiceTimes::default(); self.n_regions];
        self.groups = Some(groups);
        self.lay_out_latencies();
        self
    }

    /// Counts the calls of `n` call specs.
    pub fn with_calls(mut self, n: usize) -> Self {
        self.calls_window = (0..n as u32).map(|spec| CallRow { spec, ..CallRow::default() }).collect();
        self.calls_total = self.calls_window.clone();
        self.call_latency = vec![(0, 0); n];
        self
    }

    /// A try or call at `region` answered 200 at `now` after `self_ns` of
    /// its own work and `wait_ns` waiting for its calls; `user` for a user's try.
    pub fn job_done(&mut self, now: SimTime, region: u32, self_ns: u64, wait_ns: u64, user: bool) {
        if now < self.measure_start || self.times.is_empty() {
            return;
        }
        let t = &mut self.times[region as usize];
        t.jobs += 1;
        t.self_ns += u128::from(self_ns);
        t.wait_ns += u128::from(wait_ns);
        if user {
            t.user_jobs += 1;
            t.user_job_ns += u128::from(self_ns + wait_ns);
        }
    }

    /// Each deployment's times over the run (empty without `[[service]]`).
    pub fn service_times(&self) -> &[ServiceTimes] {
        &self.times
    }

    /// The first aggregate scope.
    fn first_group(&self) -> usize {
        1 + self.n_cities + self.n_regions
    }

    /// The aggregate scopes (service, region) of deployment `d`, as
    /// indices into `group_gauges`.
    fn groups_of(&self, d: usize) -> Option<(usize, usize)> {
        let g = self.groups.as_ref()?;
        let (s, r) = g.of[d];
        Some((s, g.services.len() + r))
    }

    /// A call of spec `spec` made after the warmup ended with `outcome`
    /// after `attempts` attempts, `latency_ns` after its first; `region`
    /// served its last try, if any.
    pub fn call_outcome(
        &mut self,
        spec: u32,
        region: Option<u32>,
        outcome: Outcome,
        attempts: u32,
        latency_ns: u64,
    ) {
        let c = &mut self.calls_window[spec as usize];
        c.calls += 1;
        c.attempts += u64::from(attempts);
        match outcome {
            Outcome::Ok => {
                c.ok += 1;
                self.call_latency[spec as usize].0 += u128::from(latency_ns);
            }
            Outcome::Rejected => c.rejected += 1,
            Outcome::Error => c.errors += 1,
            Outcome::Timeout => c.timeouts += 1,
        }
        let Some(r) = region else { return };
        let s = self.region_scope(r);
        let a = &mut self.window[s];
        a.requests += 1;
        match outcome {
            Outcome::Ok => {
                a.ok += 1;
                a.latency_sum_ns += u128::from(latency_ns);
                let us = latency_ns.div_ceil(1000);
                self.window_latency.record(us, s, None);
            }
            Outcome::Rejected => a.rejected += 1,
            Outcome::Error => a.errors += 1,
            Outcome::Timeout => a.timeouts += 1,
        }
    }

    /// The median latency of pair `pair` over the run, in milliseconds.
    fn pair_median_ms(&self, pair: usize) -> Option<f64> {
        if self.by_pair {
            PairLatency::of(&self.total_latency, self.pair_series(pair)).median_ms()
        } else {
            self.pair_latency[pair].median_ms()
        }
    }

    /// The latency series of (city, deployment) pair `pair`, if
    /// `by_pair`: after the scopes' own.
    #[inline]
    fn pair_series(&self, pair: usize) -> usize {
        self.names.len() + pair
    }

    #[inline]
    fn city_scope(&self, city: u32) -> usize {
        1 + city as usize
    }

    #[inline]
    fn region_scope(&self, region: u32) -> usize {
        1 + self.n_cities + region as usize
    }

    /// A client attempt of a counted request from `city`.
    #[inline]
    pub fn attempt(&mut self, city: u32) {
        let c = self.city_scope(city);
        self.window[c].attempts += 1;
    }

    /// A try of a counted request reached `region`.
    #[inline]
    pub fn region_try(&mut self, region: u32) {
        let r = self.region_scope(region);
        self.window[r].attempts += 1;
    }

    /// A counted request from `city` ended. `region` is the region of its
    /// last try, if one was sent; `cross` whether that is not the city's nearest.
    #[inline]
    pub fn outcome(
        &mut self,
        city: u32,
        region: Option<u32>,
        outcome: Outcome,
        latency_ns: u64,
        cross: bool,
    ) {
        // The global scope gets the cities' counts when the window closes
        // (`integrate`).
        let c = self.city_scope(city);
        let r = region.map(|r| self.region_scope(r));
        for s in [Some(c), r].into_iter().flatten() {
            let a = &mut self.window[s];
            a.requests += 1;
            a.cross += u64::from(cross);
            match outcome {
                Outcome::Ok => {
                    a.ok += 1;
                    a.latency_sum_ns += u128::from(latency_ns);
                }
                Outcome::Rejected => a.rejected += 1,
                Outcome::Error => a.errors += 1,
                Outcome::Timeout => a.timeouts += 1,
            }
        }
        if outcome == Outcome::Ok
            && !self.times.is_empty()
            && let Some(r) = region
        {
            let t = &mut self.times[r as usize];
            t.users_ok += 1;
            t.user_latency_ns += u128::from(latency_ns);
        }
        let pair = region.map(|r| city as usize * self.n_regions + r as usize);
        if let Some(p) = pair {
            self.flows_window[p] += 1;
        }
        if outcome == Outcome::Ok {
            let us = latency_ns.div_ceil(1000);
            match pair {
                Some(p) if self.by_pair => self.window_latency.record_exact(us, self.pair_series(p)),
                _ => {
                    self.window_latency.record(us, c, r);
                    if let Some(p) = pair {
                        self.pair_latency[p].add(us, 1);
                    }
                }
            }
        }
    }

    /// Takes every scope's percentiles in the open window, and adds its
    /// latencies to the run's.
    fn close_latencies(&mut self) {
        self.members.pcts(&self.window_latency, &mut self.window_pct);
        for s in 0..self.latency_series() {
            if !self.window_latency.is_empty(s) {
                self.window_latency.move_into(s, &mut self.total_latency, s);
            }
        }
    }

    /// A try got an instance slot at `region` after waiting `wait_ns`.
    #[inline]
    pub fn queue_wait(&mut self, now: SimTime, region: u32, wait_ns: u64) {
        if now < self.measure_start {
            return;
        }
        let r = self.region_scope(region);
        for s in [0, r] {
            let a = &mut self.window[s];
            a.queue_served += 1;
            a.queue_wait_sum_ns += wait_ns as f64;
            a.queued += u64::from(wait_ns > 0);
        }
    }

    /// An instance of `region` began a cold start.
    pub fn cold_start(&mut self, now: SimTime, region: u32) {
        if now < self.measure_start {
            return;
        }
        let r = self.region_scope(region);
        self.window[0].cold_starts += 1;
        self.window[r].cold_starts += 1;
    }

    /// Money spent by `region`.
    #[inline]
    pub fn cost(&mut self, now: SimTime, region: u32, usd: f64) {
        if now < self.measure_start {
            return;
        }
        // The global row gets the regions' sums when the window closes
        // (`integrate`): a sum that does not depend on how the regions'
        // charges interleave with the load balancer's.
        let r = self.region_scope(region);
        self.window[r].cost_usd += usd;
    }

    /// The edge answered a counted user request of `city` itself: from the
    /// CDN's cache (`hit`), or with Cloud Armor's 403.
    pub fn edge_answer(&mut self, city: u32, hit: bool) {
        let c = self.city_scope(city);
        for s in [0, c] {
            if hit {
                self.window[s].cdn_hits += 1;
            } else {
                self.window[s].blocked += 1;
            }
        }
    }

    /// An attack request reached `city`'s edge; Armor `blocked` it or not.
    pub fn attack_at_edge(&mut self, now: SimTime, city: u32, blocked: bool) {
        if now < self.measure_start {
            return;
        }
        let c = self.city_scope(city);
        for s in [0, c] {
            self.window[s].attack += 1;
            self.window[s].attack_blocked += u64::from(blocked);
        }
    }

    /// An attack request reached `region`.
    pub fn attack_at_region(&mut self, now: SimTime, region: u32) {
        if now >= self.measure_start {
            let r = self.region_scope(region);
            self.window[r].attack += 1;
        }
    }

    /// A charge of no region (the load balancer's), in USD.
    #[inline]
    pub fn cost_global(&mut self, now: SimTime, usd: f64) {
        if now >= self.measure_start {
            self.window[0].cost_usd += usd;
        }
    }

    fn integrate(&mut self, now: SimTime) {
        let start = self.window_start;
        for r in 0..self.n_regions {
            let s = self.region_scope(r as u32);
            self.instances[r].accrue(now, start, &mut self.window[s]);
        }
        self.instances_all.accrue(now, start, &mut self.window[0]);
        let first = self.first_group();
        for (g, gauge) in self.group_gauges.iter_mut().enumerate() {
            gauge.accrue(now, start, &mut self.window[first + g]);
        }
        let regions: f64 =
            (0..self.n_regions as u32).map(|r| self.window[self.region_scope(r)].cost_usd).sum();
        self.window[0].cost_usd += regions;
        // Every counted request and attempt is its city's: the global
        // scope's counts are theirs, summed once here rather than counted
        // per request (`attempt`, `outcome`).
        let (global, rest) = self.window.split_first_mut().expect("the global scope");
        for a in &rest[..self.n_cities] {
            a.add_request_counts(global);
        }
    }

    /// The instances of `region` changed: `alive` exist, `starting` of them cold-starting.
    pub fn instances(&mut self, now: SimTime, region: u32, alive: u64, starting: u64) {
        let r = region as usize;
        let start = self.window_start;
        let s = self.region_scope(region);
        let old = self.instances[r];
        self.instances[r].accrue(now, start, &mut self.window[s]);
        self.instances[r] = Gauge { alive, starting, since: now };
        self.window[s].instances_max = self.window[s].instances_max.max(alive);
        self.instances_all.accrue(now, start, &mut self.window[0]);
        let all = &mut self.instances_all;
        all.alive = all.alive + alive - old.alive;
        all.starting = all.starting + starting - old.starting;
        self.window[0].instances_max = self.window[0].instances_max.max(all.alive);
        if let Some((gs, gr)) = self.groups_of(r) {
            let first = self.first_group();
            for g in [gs, gr] {
                let gauge = &mut self.group_gauges[g];
                gauge.accrue(now, start, &mut self.window[first + g]);
                gauge.alive = gauge.alive + alive - old.alive;
                gauge.starting = gauge.starting + starting - old.starting;
                gauge.since = now;
                let a = &mut self.window[first + g];
                a.instances_max = a.instances_max.max(gauge.alive);
            }
        }
    }

    /// The number of edges that have `region` ejected changed to `count`.
    pub fn ejected(&mut self, region: u32, count: u64) {
        self.ejected_now[region as usize] = count;
        let s = self.region_scope(region);
        self.window[s].ejected_max = self.window[s].ejected_max.max(count);
    }

    /// Discards everything recorded before the warmup ends; call at `warmup`.
    pub fn start_measuring(&mut self, now: SimTime) {
        for a in &mut self.window {
            a.reset();
        }
        self.window_latency.clear();
        self.flows_window.iter_mut().for_each(|f| *f = 0);
        self.window_start = now;
        self.measure_start = now;
        for g in &mut self.instances {
            g.since = now;
        }
        for g in &mut self.group_gauges {
            g.since = now;
        }
        for c in &mut self.calls_window {
            *c = CallRow { spec: c.spec, ..CallRow::default() };
        }
        for l in &mut self.call_latency {
            l.0 = 0;
        }
        self.instances_all.since = now;
        self.reset_window_maxima();
    }

    fn reset_window_maxima(&mut self) {
        for r in 0..self.n_regions {
            let s = self.region_scope(r as u32);
            self.window[s].instances_max = self.instances[r].alive;
            self.window[s].ejected_max = self.ejected_now[r];
        }
        self.window[0].instances_max = self.instances_all.alive;
        let first = self.first_group();
        for (g, gauge) in self.group_gauges.iter().enumerate() {
            self.window[first + g].instances_max = gauge.alive;
        }
    }

    /// Adds each deployment's window to its service's and region's.
    fn aggregate(&mut self) {
        let Some(groups) = &self.groups else { return };
        let first = self.first_group();
        let (head, aggs) = self.window.split_at_mut(first);
        let n_services = groups.services.len();
        for (d, &(s, r)) in groups.of.iter().enumerate() {
            let a = &head[1 + self.n_cities + d];
            a.add_deployment(&mut aggs[s]);
            a.add_deployment(&mut aggs[n_services + r]);
        }
    }

    /// The open window's call rows.
    fn close_calls(&mut self) {
        self.call_rows.clear();
        for (c, (l, total)) in self.calls_window.iter_mut().zip(&mut self.call_latency) {
            let mut row = *c;
            row.latency_mean_ms = (row.ok > 0).then(|| *l as f64 / row.ok as f64 / NS_PER_MS as f64);
            self.call_rows.push(row);
            *total += *l;
            *l = 0;
            self.calls_total[c.spec as usize].add_counts(c);
            *c = CallRow { spec: c.spec, ..CallRow::default() };
        }
    }

    /// The run's call rows (after the last window closed).
    fn total_calls(&self) -> Vec<CallRow> {
        self.calls_total
            .iter()
            .zip(&self.call_latency)
            .map(|(c, l)| CallRow {
                latency_mean_ms: (c.ok > 0).then(|| l.1 as f64 / c.ok as f64 / NS_PER_MS as f64),
                ..*c
            })
            .collect()
    }

    /// Closes the window ending at `now`, hands it to `sink`, and opens the next.
    pub fn close_window(&mut self, now: SimTime, sink: &mut dyn WindowSink) {
        self.integrate(now);
        self.close_latencies();
        self.aggregate();
        self.close_calls();
        let span = now.since(self.window_start);
        self.rows.clear();
        for (i, a) in self.window.iter().enumerate() {
            let kind = self.kind_of(i);
            let mut row = a.row(kind, &self.names[i], span, self.ejections(i), self.window_pct[i]);
            judge(self.slo.as_ref(), &mut row);
            self.rows.push(row);
        }
        self.flows.clear();
        for (i, &n) in self.flows_window.iter().enumerate() {
            if n > 0 {
                self.flows.push(Flow {
                    city: (i / self.n_regions) as u32,
                    region: (i % self.n_regions) as u32,
                    requests: n,
                    latency_p50_ms: None,
                });
            }
        }
        sink.window(&WindowReport {
            start_s: self.window_start.as_secs_f64(),
            rows: &self.rows,
            flows: &self.flows,
            calls: &self.call_rows,
        });
        for (w, t) in self.window.iter_mut().zip(self.total.iter_mut()) {
            w.merge_into(t);
            w.reset();
        }
        for (w, t) in self.flows_window.iter_mut().zip(self.flows_total.iter_mut()) {
            *t += *w;
            *w = 0;
        }
        self.window_start = now;
        self.reset_window_maxima();
    }

    fn kind_of(&self, scope: usize) -> ScopeKind {
        let first = self.first_group();
        if scope == 0 {
            ScopeKind::Global
        } else if scope <= self.n_cities {
            ScopeKind::City
        } else if scope < first {
            if self.groups.is_some() { ScopeKind::Deployment } else { ScopeKind::Region }
        } else if scope - first < self.groups.as_ref().map_or(0, |g| g.services.len()) {
            ScopeKind::Service
        } else {
            ScopeKind::Region
        }
    }

    /// Whether scope `scope`'s row counts ejections (a deployment's).
    fn ejections(&self, scope: usize) -> bool {
        scope > self.n_cities && scope < self.first_group()
    }

    /// Closes the last window at `now` and returns the totals: one row per
    /// scope and the flows of the whole run.
    pub fn finish(mut self, now: SimTime, sink: &mut dyn WindowSink) -> Totals {
        self.close_window(now, sink);
        let span = now.since(self.measure_start);
        let mut pcts: Vec<Pct> = vec![[None; 4]; self.total.len()];
        self.members.pcts(&self.total_latency, &mut pcts);
        let rows = self
            .total
            .iter()
            .zip(pcts)
            .enumerate()
            .map(|(i, (a, pct))| {
                let mut row = a.row(self.kind_of(i), &self.names[i], span, self.ejections(i), pct);
                judge(self.slo.as_ref(), &mut row);
                row
            })
            .collect();
        let flows = self
            .flows_total
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(i, &n)| Flow {
                city: (i / self.n_regions) as u32,
                region: (i % self.n_regions) as u32,
                requests: n,
                latency_p50_ms: self.pair_median_ms(i),
            })
            .collect();
        Totals { rows, flows, calls: self.total_calls(), times: std::mem::take(&mut self.times) }
    }
}

/// Fills a row's SLO columns (see [`Row::slo_met`]).
fn judge(slo: Option<&Slo>, row: &mut Row) {
    let Some(slo) = slo else { return };
    if row.requests == 0 {
        return;
    }
    let availability_ok = match (slo.availability, row.availability) {
        (Some(target), Some(a)) => a >= target,
        _ => true,
    };
    let latency_ok = match (slo.latency_p99_ns, row.latency_p99_ms) {
        (Some(target), Some(p99)) => p99 <= target as f64 / NS_PER_MS as f64,
        // No ok request: no latency to judge, and availability says the rest.
        _ => true,
    };
    row.slo_met = Some(u64::from(availability_ok && latency_ok));
    row.error_budget_burned = match (slo.availability, row.availability) {
        (Some(target), Some(a)) if target < 1.0 => Some((1.0 - a) / (1.0 - target)),
        _ => None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_judged_against_the_slo() {
        let slo = Slo { availability: Some(0.99), latency_p99_ns: Some(300 * NS_PER_MS) };
        let mut a = Acc::new();
        // The percentiles of 995 latencies of 200 ms, then 21 more of 400 ms.
        let pct = |slow: usize| {
            let mut h = Latencies::new(1);
            for us in std::iter::repeat_n(200_000, 995).chain(std::iter::repeat_n(400_000, slow)) {
                h.record(us, 0, None);
            }
            h.close(0, &QUANTILES)
        };
        a.requests = 1000;
        a.ok = 995;
        let mut row = a.row(ScopeKind::City, "x", 60 * NS_PER_S, false, pct(0));
        judge(Some(&slo), &mut row);
        assert_eq!(row.slo_met, Some(1));
        // 5 failures where 10 are allowed: half the budget.
        assert!((row.error_budget_burned.unwrap() - 0.5).abs() < 1e-9);
        // Too slow.
        a.ok += 21;
        a.requests += 21;
        let mut row = a.row(ScopeKind::City, "x", 60 * NS_PER_S, false, pct(21));
        judge(Some(&slo), &mut row);
        assert_eq!(row.slo_met, Some(0));
        // Too many failures: burning three times as fast as allowed.
        a = Acc::new();
        a.requests = 100;
        a.ok = 97;
        let mut row = a.row(ScopeKind::Global, "all", 60 * NS_PER_S, false, [None; 4]);
        judge(Some(&slo), &mut row);
        assert_eq!(row.slo_met, Some(0));
        assert!((row.error_budget_burned.unwrap() - 3.0).abs() < 1e-9);
        // No [slo], or no requests: nothing to judge.
        let mut row = a.row(ScopeKind::Global, "all", 60 * NS_PER_S, false, [None; 4]);
        judge(None, &mut row);
        assert_eq!((row.slo_met, row.error_budget_burned), (None, None));
        let mut row = Acc::new().row(ScopeKind::Global, "all", 60 * NS_PER_S, false, [None; 4]);
        judge(Some(&slo), &mut row);
        assert_eq!((row.slo_met, row.error_budget_burned), (None, None));
    }

    #[test]
    fn pair_latency_medians_are_within_their_bucket() {
        // Every value up to 4 s, each octave's edges included, and a few beyond:
        // the bound outputs.md gives, 1/16, is reached at an octave's lowest value.
        let edges = (3..32).flat_map(|e| [(1u64 << e) - 1, 1 << e, (1 << e) + 1]);
        let worst = (1..4_000_000u64)
            .step_by(7)
            .chain([3_600_000_000, 9_999_999, 123_456])
            .chain(edges)
            .map(|us| (PairLatency::value(PairLatency::bucket(us)) / us as f64 - 1.0).abs())
            .fold(0.0f64, f64::max);
        assert!(worst <= 1.0 / 16.0, "{worst}");
        assert!(worst > 0.062, "the bound is reached: {worst}");
        let mut p = PairLatency { counts: Vec::new(), n: 0 };
        for us in [10_000, 20_000, 30_000] {
            p.add(us, 1);
        }
        let m = p.median_ms().unwrap();
        assert!((m / 20.0 - 1.0).abs() < 0.045, "{m}");
    }

    /// A latency is counted once, in its (city, deployment) pair's series
    /// (or its scope's own); every scope's percentiles, in each window and
    /// over the run, and the pairs' medians are those of each scope
    /// counting every latency itself: the aggregates', the calls', a
    /// latency of 0 and answers without a deployment included.
    #[test]
    fn latencies_counted_once_give_every_scopes_percentiles() {
        latencies_give_every_scopes_percentiles(true);
    }

    /// The same with more pairs than [`PAIRS_PER_SCOPE`] allows, counted
    /// in the scopes' own series.
    #[test]
    fn latencies_counted_by_scope_give_every_scopes_percentiles() {
        latencies_give_every_scopes_percentiles(false);
    }

    /// Latencies are counted by pair up to [`PAIRS_PER_SCOPE`] pairs per
    /// scope, then by scope.
    #[test]
    fn many_pairs_are_counted_by_scope() {
        let names = |n: usize, what: &str| (0..n).map(|i| format!("{what}{i}")).collect::<Vec<_>>();
        let by_pair =
            |cities, regions| Metrics::new(&names(cities, "c"), &names(regions, "r"), SimTime::ZERO).by_pair;
        assert!(by_pair(9, 3), "27 pairs, 13 scopes");
        assert!(by_pair(20, 5), "100 pairs, 26 scopes");
        assert!(!by_pair(30, 5), "150 pairs, 36 scopes");
        assert!(!by_pair(100, 40));
    }

    fn latencies_give_every_scopes_percentiles(by_pair: bool) {
        let groups = Groups {
            services: vec!["s".into()],
            regions: vec!["x".into(), "y".into()],
            of: vec![(0, 0), (0, 1)],
        };
        let mut m = Metrics::new(&["A".into(), "B".into()], &["s@x".into(), "s@y".into()], SimTime::ZERO)
            .with_groups(groups)
            .with_calls(1);
        assert!(m.by_pair);
        m.count_latencies(by_pair);
        // Scopes: 0 global, 1 and 2 the cities, 3 and 4 the deployments,
        // 5 the service, 6 and 7 the regions.
        let (mut window, mut run) = (Latencies::new(8), Latencies::new(8));
        let mut medians = vec![PairLatency { counts: Vec::new(), n: 0 }; 4];
        let mut want_windows = Vec::new();
        let mut sink = CollectWindows::default();
        let mut next = crate::engine::rng::xorshift(3);
        for k in 0..30_000u64 {
            let x = next();
            let city = (x % 2) as usize;
            let region = [None, Some(0), Some(1), Some(1)][(x >> 1) as usize % 4];
            // City B's latencies are mostly 0; some exact, the rest spread wide.
            let ns = match (city, x >> 8) {
                (1, y) if y % 10 < 9 => 0,
                (_, y) if y % 7 == 0 => y % 3_000,
                (_, y) => y >> ((x >> 3) % 40),
            };
            let us = ns.div_ceil(1000);
            let mut scopes = vec![0, 1 + city];
            if k % 10 == 9 {
                // A call served at the deployment: its scopes alone.
                let d = city;
                m.call_outcome(0, Some(d as u32), Outcome::Ok, 1, ns);
                scopes = vec![3 + d, 5, 6 + d];
            } else {
                m.outcome(city as u32, region.map(|d| d as u32), Outcome::Ok, ns, false);
                if let Some(d) = region {
                    scopes.extend([3 + d, 5, 6 + d]);
                    medians[city * 2 + d].add(us, 1);
                }
            }
            for s in scopes {
                window.record(us, s, None);
                run.record(us, s, None);
            }
            if k % 7_000 == 6_999 {
                m.close_window(SimTime(k), &mut sink);
                want_windows.push((0..8).map(|s| window.close(s, &QUANTILES)).collect::<Vec<_>>());
            }
        }
        let totals = m.finish(SimTime(30_000), &mut sink);
        want_windows.push((0..8).map(|s| window.close(s, &QUANTILES)).collect());
        let ms = |us: Option<u64>| us.map(|us| us as f64 / 1000.0);
        let pct = |r: &Row| [r.latency_p50_ms, r.latency_p90_ms, r.latency_p99_ms, r.latency_p999_ms];
        assert_eq!(sink.windows.len(), want_windows.len());
        for (k, ((_, rows, _), want)) in sink.windows.iter().zip(&want_windows).enumerate() {
            for (s, row) in rows.iter().enumerate() {
                assert_eq!(pct(row), want[s].map(ms), "window {k}, scope {s}");
            }
        }
        assert_eq!(totals.rows[2].latency_p50_ms, Some(0.001), "mostly 0: counted as 1 us");
        for (s, row) in totals.rows.iter().enumerate() {
            assert_eq!(pct(row), run.close(s, &QUANTILES).map(ms), "run, scope {s}");
        }
        assert_eq!(totals.flows.len(), 4);
        for f in &totals.flows {
            let p = (f.city * 2 + f.region) as usize;
            assert_eq!(f.latency_p50_ms, medians[p].median_ms(), "pair {p}");
        }
        assert_eq!(totals.flows[2].latency_p50_ms, Some(0.0), "a pair's median tells 0 from 1 us");
    }

    fn metrics() -> Metrics {
        Metrics::new(&["A".into(), "B".into()], &["r1".into()], SimTime::ZERO)
    }

    #[test]
    fn outcomes_land_in_global_city_and_region() {
        let mut m = metrics();
        m.outcome(0, Some(0), Outcome::Ok, 20 * NS_PER_MS, false);
        m.outcome(1, Some(0), Outcome::Rejected, 0, true);
        m.outcome(1, None, Outcome::Error, 0, false);
        let Totals { rows, flows, .. } = m.finish(SimTime(1_000), &mut NoWindows);
        let (g, a, b, r) = (&rows[0], &rows[1], &rows[2], &rows[3]);
        assert_eq!((g.requests, g.ok, g.rejected, g.errors), (3, 1, 1, 1));
        assert_eq!((a.requests, b.requests, r.requests), (1, 2, 2));
        assert_eq!(r.cross_region_share, Some(0.5));
        // Percentiles are the upper edge of their 0.1 % bucket (HdrHistogram's convention).
        let p50 = a.latency_p50_ms.unwrap();
        assert!((20.0..=20.02).contains(&p50), "{p50}");
        assert_eq!(a.cold_starts, None, "instance columns are empty for cities");
        assert_eq!(
            flows,
            vec![
                // 20 ms lies in the bucket [18.432, 20.480) ms, reported by its middle.
                Flow { city: 0, region: 0, requests: 1, latency_p50_ms: Some(19.456) },
                Flow { city: 1, region: 0, requests: 1, latency_p50_ms: None }
            ]
        );
    }

    #[test]
    fn instance_gauge_is_time_weighted_per_window() {
        let mut m = metrics();
        let mut sink = CollectWindows::default();
        m.instances(SimTime(0), 0, 2, 2);
        m.instances(SimTime(500), 0, 4, 0);
        m.close_window(SimTime(1_000), &mut sink);
        m.instances(SimTime(1_500), 0, 0, 0);
        let rows = m.finish(SimTime(2_000), &mut sink).rows;
        let w0 = &sink.windows[0].1[3];
        assert_eq!(w0.instances_mean, Some(3.0));
        assert_eq!(w0.instances_starting_mean, Some(1.0));
        assert_eq!(w0.instances_max, Some(4));
        let w1 = &sink.windows[1].1[3];
        assert_eq!(w1.instances_mean, Some(2.0));
        assert_eq!(w1.instances_max, Some(4));
        assert_eq!(rows[3].instances_mean, Some(2.5));
        assert_eq!(rows[0].instances_mean, Some(2.5));
    }
}
