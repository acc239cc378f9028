//! The model: users, the load balancer, regional Cloud Run services, outages
//! and clients, driven by the [engine](crate::engine).
//!
//! The life of a user request, and the events that carry it:
//!
//! 1. **Arrival** at a city: the user sends attempt 1. The attempt crosses
//!    the access network (half a sampled `access_rtt`, plus handshakes on a
//!    new connection) to the city's edge: **EdgeIn**.
//! 2. At the edge the attempt lands on one of its proxies, which picks the
//!    closest region it has not ejected and sends a try over the backbone:
//!    **RegionIn**.
//! 3. The region answers at once if it is down (connection failure) or an
//!    `errors` outage hits; otherwise the request takes a free slot on an
//!    instance or waits in the pending queue, runs its CPU part (shared
//!    with the instance's other requests beyond `cpu` vCPUs) and its I/O
//!    part (**CpuDone**, **IoDone**), and the answer crosses back:
//!    **EdgeBack**. Pending and request timeouts answer 429/500 and 504.
//! 4. At the proxy, outlier detection counts the answer (and ejects the
//!    region at the end of a failure streak); the retry policy
//!    (if any) or `nearest-overflow` may send another try; otherwise the
//!    answer goes back to the user: **ClientBack**.
//! 5. The client retries 429/5xx/timeouts per `[client]` after a backoff
//!    (**Retry**), or the request ends with its outcome.
//!
//! A success that nothing can overtake is handled at the edge and at the
//! user as of its arrival there, without the `EdgeBack` and `ClientBack`
//! events (see `answer_to_edge`); [`run_event_by_event`] turns that off,
//! and the tests check that it changes no figure. An attempt that the
//! edge would only route, by a choice nothing can change before it gets
//! there, is routed when it leaves the user, as of its arrival at the
//! edge, without an `EdgeIn` event (see `edge_routes_ahead`): in both
//! modes, and [`run_event_by_event`] checks each such route at the edge.
//! Likewise a CPU part that runs alone on its instance ends without a
//! `CpuDone` event, its I/O part's end scheduled when it starts (see the
//! `service` module).
//!
//! Timeouts of constant duration live in FIFO lists ([`timers`]) so that
//! they cost nothing when the request finishes first. Stale events (for a
//! try the load balancer abandoned, an instance that was stopped) are
//! recognised by generation counters and ignored.

mod ahead;
pub mod billing;
mod calls;
pub mod deps;
pub mod ids;
use ids::{CallId, CityId, EdgeId, IdVec, InstId, JobId, RegionId, ReqId};
pub mod lb;
pub mod network;
mod region;
mod service;
pub mod slab;
pub mod timers;
pub mod traffic;

use crate::engine::rng::{Rng, stream};
use crate::engine::{EventQueue, Model, SimTime};
use crate::metrics::{Ejection, Flow, Metrics, Outcome, Row, WindowSink};
use crate::scenario::dist::Sampler;
use crate::scenario::{Jitter, OutageKind, RetryConditions, Routing, Scenario};
use ahead::Ahead;
use billing::LbPrices;
use deps::Deps;
use lb::{Edge, Ejected, Returned, Verdict};
use network::Network;
use rand::RngExt;
use region::RegionState;
use service::Job;
use slab::Slab;
use timers::{NONE, TimerLists};
use traffic::Traffic;

/// Answers of a try as the edge sees them: HTTP statuses, plus these
/// sentinels for failures that carry no status from the region.
pub mod status {
    /// The connection to the region could not be made (region down):
    /// the load balancer answers 502 (`failed_to_connect_to_backend`).
    pub const CONNECT_FAILURE: u16 = 1;
    /// The connection was lost mid-request (region went down): 502.
    pub const RESET: u16 = 2;
    /// The load balancer's own timeout: 504.
    pub const LB_TIMEOUT: u16 = 3;
    /// No region can be picked (every one ejected by this edge):
    /// 503 (`failed_to_pick_backend`).
    pub const NO_BACKEND: u16 = 4;

    /// The status the user sees for an answer.
    pub fn visible(s: u16) -> u16 {
        match s {
            CONNECT_FAILURE | RESET => 502,
            LB_TIMEOUT => 504,
            NO_BACKEND => 503,
            other => other,
        }
    }
}

/// The engine's events. Fields are indices and generation counters.
///
/// `repr(u32)` lays an event out as a 4-byte tag and up to three 4-byte
/// fields, 16 bytes in all, so moving one is two aligned copies. (The
/// default layout put the fields right after a 1-byte tag, and moving an
/// event out of the queue became overlapping unaligned copies that stall
/// store-to-load forwarding: a quarter of the run time in profiles.)
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
pub enum Event {
    /// A user of `city` sends a new request.
    Arrival { city: CityId },
    /// Attack `attack` sends a new request.
    AttackArrival { attack: u32 },
    /// Cloud CDN answers a request from the edge's cache.
    CdnHit { req: ReqId, epoch: u32 },
    /// An attempt reaches its edge.
    EdgeIn { req: ReqId, epoch: u32 },
    /// A try reaches `region`.
    RegionIn { req: ReqId, epoch: u32, region: RegionId },
    /// A try routed ahead reaches its edge ([`run_event_by_event`] only;
    /// see `edge_routes_ahead`).
    RouteCheck { req: ReqId, epoch: u32, region: RegionId },
    /// A region's answer to a try reaches the edge.
    EdgeBack { req: ReqId, epoch: u32, status: u16 },
    /// The load balancer's answer reaches the user.
    ClientBack { req: ReqId, epoch: u32, status: u16 },
    /// A client's backoff is over: it sends the next attempt.
    Retry { req: ReqId, epoch: u32 },
    /// The next CPU completion on an instance.
    CpuDone { region: RegionId, inst: InstId, epoch: u32 },
    /// A job's I/O part is over.
    IoDone { job: JobId, epoch: u32 },
    /// An instance finished its cold start.
    InstanceReady { region: RegionId, inst: InstId, epoch: u32 },
    /// An idle instance's retention is over.
    IdleReclaim { region: RegionId, inst: InstId, epoch: u32 },
    /// The front of a request timer list is due (`sub`: the service, for
    /// per-try timeouts; 0 for the others).
    ReqTimer { list: ReqList, sub: u32 },
    /// The front of a region's job timer list is due.
    JobTimer { list: JobList, region: RegionId },
    /// A region's autoscaler evaluates.
    Autoscale { region: RegionId },
    /// A proxy's outlier-detection sweep that returns a region to service.
    Sweep { edge: EdgeId, proxy: u32 },
    /// A round of readiness probes in a region (service health).
    Probe { region: RegionId },
    /// The load balancer learns a region's new health (service health).
    HealthSeen { region: RegionId, healthy: bool },
    /// Outage `idx` begins.
    OutageStart { idx: u32 },
    /// Outage `idx` ends.
    OutageEnd { idx: u32 },
    /// Dependency outage `idx` begins.
    DependencyOutageStart { idx: u32 },
    /// Dependency outage `idx` ends.
    DependencyOutageEnd { idx: u32 },
    /// A call between services reaches the deployment `region`.
    CallIn { call: CallId, epoch: u32, region: RegionId },
    /// The answer to a call's try reaches the caller.
    CallBack { call: CallId, epoch: u32, status: u16 },
    /// The front of call spec `spec`'s timer list is due.
    CallTimer { spec: u32 },
    /// The end of arrivals (so the run can finish even with no traffic).
    End,
}

/// Request timer lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReqList {
    /// The client's per-attempt timeout.
    Client,
    /// The load balancer's route timeout.
    Lb,
    /// The retry policy's per-try timeout.
    Try,
}

/// Job timer lists of a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobList {
    /// Waiting for an instance (`pending_timeout`).
    Pending,
    /// Cloud Run's `request_timeout`.
    Request,
}

/// A logical user request, in flight.
struct Request {
    /// Bumped for every new try and attempt; events carry it.
    epoch: u32,
    city: CityId,
    /// Region of the current or last try, or `NONE`.
    region: RegionId,
    /// The job at the region while the current try is there, or `NONE`.
    job: JobId,
    start: SimTime,
    /// Access round trip of the current attempt.
    access_rtt_ns: u64,
    attempts: u32,
    /// Retry-policy retries used in the current attempt.
    lb_retries: u8,
    /// The proxy of its edge the current attempt landed on.
    proxy: u16,
    /// When a try routed ahead reaches the edge (see `edge_routes_ahead`;
    /// earlier than now for any other try).
    edge_at: SimTime,
    /// Regions tried in the current attempt (for `nearest-overflow`).
    tried: u64,
    /// Whether a try of the current attempt is at a region.
    try_in_flight: bool,
    /// Arrived after the warmup: counts in the statistics.
    counted: bool,
    /// Carries a body (POST, PUT): the built-in retry leaves it alone.
    has_body: bool,
    /// The `[[attack]]` it belongs to, or `NONE` for a user's request.
    attack: u32,
    /// The backend service the URL map sends it to.
    service: u16,
}

impl Request {
    /// When an answer that leaves the edge at `at` reaches the user: the
    /// way back of the access round trip later, its longer half (the way
    /// there, `send_attempt`'s, is the shorter).
    #[inline]
    fn reaches_user(&self, at: SimTime) -> SimTime {
        at.plus(self.access_rtt_ns - self.access_rtt_ns / 2)
    }
}

/// Per-city state: its users, and the edge they enter at.
struct CityState {
    traffic: Traffic,
    /// Access round trips and handshakes: an attempt's round trip and
    /// time to the edge.
    access: Ahead<(u64, u64)>,
    /// Backoff jitter.
    client: Rng,
    /// Which requests carry a body (`client.body_share`).
    body: Rng,
    /// Which of its edge's proxies each attempt lands on.
    proxy: Ahead<u16>,
    /// Its edge: an index into `Simulation::edges` (several cities can share one).
    edge: EdgeId,
    /// Cloud CDN and Cloud Armor decisions on its users' requests.
    features: Rng,
    /// With several services: which service each request goes to (the
    /// URL map's choice for the URL drawn from the city's mix), as
    /// cumulative shares by service.
    paths: Option<(Rng, Vec<(f64, u16)>)>,
}

/// What a backend service does at the load balancer, from its own
/// settings or the scenario's `[edge]` and `[load_balancer]`.
struct BackendService {
    cdn_hit_ratio: f64,
    armor_false_positive: f64,
    retry: Option<crate::scenario::RetryPolicy>,
    /// The retry policy's per-try timeout, when shorter than the route's.
    per_try_ns: Option<u64>,
    /// Whether the edge has anything to do with its requests before
    /// routing them (CDN, Armor, or attacks, which go to the default service).
    at_edge: bool,
    /// Whether an edge does nothing with its requests but route them,
    /// provided it keeps no load-balancer timer for them: no Armor or CDN,
    /// no service health, no per-try timeout (see `edge_routes_ahead`).
    routes_ahead: bool,
}

/// An `[[attack]]`: its arrivals and its own random streams, so that an
/// attack does not change the users' draws.
struct AttackSource {
    city: CityId,
    traffic: Traffic,
    access: Rng,
    /// Cloud Armor's decisions.
    armor: Rng,
    /// Which of the edge's proxies each attempt lands on.
    proxy: Rng,
}

impl AttackSource {
    /// Attack `i` of `sc`: a flat process at the attack's rate, shut off
    /// outside its window (by surges of multiplier 0).
    fn new(sc: &Scenario, i: usize, a: &crate::scenario::Attack) -> Self {
        let seed = sc.simulation.seed;
        let city = crate::scenario::City {
            rps: a.rps,
            profile: crate::scenario::Profile::Flat,
            arrival: a.arrival,
            ..sc.cities[a.city].clone()
        };
        let off = |start_ns: u64, duration_ns: u64| crate::scenario::Surge {
            city: None,
            start_ns,
            duration_ns,
            multiplier: 0.0,
        };
        let window = [off(0, a.start_ns), off(a.start_ns.saturating_add(a.duration_ns), u64::MAX / 4)];
        let window: Vec<_> = window.into_iter().filter(|s| s.duration_ns > 0).collect();
        AttackSource {
            city: CityId(a.city as u32),
            traffic: Traffic::new(
                &city,
                a.city,
                &window,
                sc.simulation.start_utc_s.unwrap_or(0),
                stream(seed, &format!("attack/{i}/arrivals")),
            ),
            access: stream(seed, &format!("attack/{i}/access")),
            armor: stream(seed, &format!("attack/{i}/armor")),
            proxy: stream(seed, &format!("attack/{i}/proxy")),
        }
    }
}

/// The result of a run.
#[derive(Debug)]
pub struct RunResult {
    /// `summary.csv`: global, then each city, then each region.
    pub rows: Vec<Row>,
    /// `flows.csv`: requests per (city, region) pair.
    pub flows: Vec<Flow>,
    /// `calls.csv`: each call between services, over the run.
    pub calls: Vec<crate::metrics::CallRow>,
    /// `services.csv`: where each deployment's time went (with `[[service]]`).
    pub service_times: Vec<crate::metrics::ServiceTimes>,
    /// Events handled.
    pub events: u64,
    /// User requests that arrived (warmup included).
    pub requests: u64,
    /// Simulated time at the end, including the drain after `duration`.
    pub simulated_ns: u64,
    /// Most requests the simulation held at once: like `events`, a figure
    /// of the engine's work (its memory), not of the simulated system, as
    /// a request settled ahead of the clock leaves when it is settled.
    pub peak_in_flight: u64,
    /// Mean number of events waiting in the queue (sampled).
    pub mean_pending_events: f64,
    /// The run was stopped before it finished (its figures are partial).
    pub interrupted: bool,
}

/// The whole simulated system.
pub struct Simulation<'s> {
    sc: &'s Scenario,
    end: SimTime,
    warmup: SimTime,
    net: Network,
    cities: IdVec<CityId, CityState>,
    /// The load balancer's edges, one per edge location some city uses.
    edges: IdVec<EdgeId, Edge>,
    regions: IdVec<RegionId, RegionState>,
    reqs: Slab<ReqId, Request>,
    jobs: Slab<JobId, Job>,
    client_timers: TimerLists,
    lb_timers: TimerLists,
    try_timers: TimerLists,
    pending: TimerLists,
    req_timeouts: TimerLists,
    /// Service health: by service, the bits of its deployments the load
    /// balancer sees as unhealthy (a service's deployments are contiguous
    /// and at most 64, so their bits differ).
    unhealthy: Vec<u64>,
    /// Service health: regions traffic is moving back to, with the start of their ramp.
    failing_back: Vec<(RegionId, SimTime)>,
    /// Service health: draws of the failback ramp.
    failback_rng: Rng,
    /// Shared state behind the regions.
    deps: Deps,
    /// Each backend service's load-balancer settings.
    backends: Vec<BackendService>,
    /// Some backend service has work at the edge (`BackendService::at_edge`).
    any_at_edge: bool,
    /// Every backend service routes ahead (`BackendService::routes_ahead`).
    all_route_ahead: bool,
    /// Calls between services in flight, and what they need.
    calls: calls::Calls,
    /// Whether the time of each answer is tracked (`services.csv`, with
    /// `[[service]]` only).
    track_times: bool,
    /// `[[attack]]` sources.
    attacks: Vec<AttackSource>,
    /// The edge's time to answer a cache hit.
    cdn_hit: Sampler,
    /// The load balancer's charges.
    lb_prices: LbPrices,
    /// Forwarding-rule hours are charged up to here.
    lb_charged_at: SimTime,
    metrics: Metrics,
    sink: &'s mut dyn WindowSink,
    live: u64,
    arrivals: u64,
    peak_live: u64,
    window_ns: u64,
    /// The next window boundary (the end of the warmup first): every event
    /// at or after it belongs to the next window.
    next_boundary: SimTime,
    /// Whether the warmup is over.
    measuring: bool,
    /// Whether outlier detection can ever eject a region (`lb::can_eject`):
    /// if not, answers need not be counted.
    can_eject: bool,
    /// Proxies at each edge (one when `can_eject` is false).
    proxies: u32,
    /// Scratch: regions a sweep returned to service.
    returned: Vec<Returned>,
    /// Edges that have each region ejected by every proxy.
    ejected_by: Vec<u64>,
    /// The latest instant a request ended (answers can be delivered ahead of the clock).
    last_end: SimTime,
    /// Per (edge, region) path: when the last failure sent back over it
    /// arrives at the edge (see `answer_to_edge`).
    failures_on_path: Vec<SimTime>,
    /// Whether answers may be handled ahead of the clock when that is exact.
    shortcuts: bool,
    /// The `(region, instance)` whose CPU completions are being handled, if any.
    cpu_done_at: (RegionId, InstId),
    /// Timeouts due now are being handled one after the other: what one of
    /// them schedules is not its handler's last act (see `in_place`).
    in_timer_loop: bool,
}

/// Period of the autoscaler's evaluation. Cloud Run's docs say only that
/// the autoscaler evaluates "periodically" (an older page: every 5 s);
/// Knative, whose API Cloud Run implements, ticks every 2 s.
pub const AUTOSCALE_TICK_NS: u64 = 2_000_000_000;

/// Runs `sc` to completion, streaming each window to `sink`.
pub fn run(sc: &Scenario, sink: &mut dyn WindowSink) -> RunResult {
    run_observed(sc, sink, &mut |_| true)
}

/// [`run`] with every answer carried by its own event: none is handled
/// ahead of the clock (see `answer_to_edge` and `lb_answer`). Slower,
/// and meant to give the same results as [`run`] to the bit: the tests
/// compare the two to check that those shortcuts are exact.
pub fn run_event_by_event(sc: &Scenario, sink: &mut dyn WindowSink) -> RunResult {
    run_with(sc, sink, &mut |_| true, false)
}

/// [`run`], calling `observe` with the simulated time now and then; the
/// run stops early (and says so in [`RunResult::interrupted`]) when
/// `observe` returns `false`.
pub fn run_observed(
    sc: &Scenario,
    sink: &mut dyn WindowSink,
    observe: &mut dyn FnMut(SimTime) -> bool,
) -> RunResult {
    run_with(sc, sink, observe, true)
}

fn run_with(
    sc: &Scenario,
    sink: &mut dyn WindowSink,
    observe: &mut dyn FnMut(SimTime) -> bool,
    shortcuts: bool,
) -> RunResult {
    let mut queue = EventQueue::new();
    let mut sim = Simulation::new(sc, sink, &mut queue);
    sim.shortcuts = shortcuts;
    let counts = crate::engine::run_observed(&mut sim, &mut queue, observe);
    let end = queue.now().max(sim.end).max(sim.last_end);
    let mut result = sim.finish(end, counts.events);
    result.interrupted = counts.interrupted;
    result.mean_pending_events = counts.mean_pending;
    result
}

impl<'s> Simulation<'s> {
    fn new(sc: &'s Scenario, sink: &'s mut dyn WindowSink, q: &mut EventQueue<Event>) -> Self {
        let seed = sc.simulation.seed;
        let end = SimTime(sc.simulation.duration_ns);
        let warmup = SimTime(sc.simulation.warmup_ns);
        // The model's regions are deployments: a service in a region (with
        // one service, the regions themselves).
        let n_regions = sc.deployments.len();
        let n_services = sc.services.len();
        let net = Network::new(sc);
        let mut cities: Vec<CityState> = sc
            .cities
            .iter()
            .enumerate()
            .map(|(i, c)| CityState {
                traffic: Traffic::new(
                    c,
                    i,
                    &sc.surges,
                    sc.simulation.start_utc_s.unwrap_or(0),
                    stream(seed, &format!("city/{}/arrivals", c.name)),
                )
                .with_curve(sc.curve_of(i))
                .with_replay(sc.replay_of(i).and_then(|r| traffic::ReplayStream::open(r, &c.name))),
                access: Ahead::new(stream(seed, &format!("city/{}/access", c.name))),
                client: stream(seed, &format!("city/{}/client", c.name)),
                body: stream(seed, &format!("city/{}/body", c.name)),
                proxy: Ahead::new(stream(seed, &format!("city/{}/proxy", c.name))),
                features: stream(seed, &format!("city/{}/edge-features", c.name)),
                edge: EdgeId(c.edge as u32),
                paths: (n_services > 1).then(|| {
                    let shares = sc.url_map.service_shares(i, n_services);
                    let mut cum = 0.0;
                    let table = shares
                        .iter()
                        .enumerate()
                        .filter(|&(_, &x)| x > 0.0)
                        .map(|(s, &x)| {
                            cum += x;
                            (cum, s as u16)
                        })
                        .collect();
                    (stream(seed, &format!("city/{}/paths", c.name)), table)
                }),
            })
            .collect();
        let largest = (0..n_services).map(|s| sc.deployments.iter().filter(|d| d.service == s).count());
        let can_eject = lb::can_eject(&sc.load_balancer.outlier, largest.max().unwrap_or(0));
        let groups: Vec<u16> = sc.deployments.iter().map(|d| d.service as u16).collect();
        let proxies = if can_eject { sc.edge.proxies } else { 1 };
        // With an edge in every city, each edge is named after its city, so
        // its random stream is the one negsim used before edge locations.
        let edges: Vec<Edge> = sc
            .edge_locations
            .iter()
            .map(|e| {
                Edge::new(
                    n_regions,
                    proxies,
                    &sc.load_balancer.outlier,
                    stream(seed, &format!("edge/{}/outlier", e.name)),
                )
                .with_groups(groups.clone())
            })
            .chain(calls::call_edges(sc, proxies, &groups))
            .collect();
        let city_names: Vec<String> = sc.cities.iter().map(|c| c.name.clone()).collect();
        let region_names: Vec<String> = sc.deployments.iter().map(|d| d.name.clone()).collect();
        let mut metrics = Metrics::new(&city_names, &region_names, warmup).with_slo(sc.slo.clone());
        if sc.services_declared {
            metrics = metrics.with_groups(crate::metrics::Groups {
                services: sc.services.iter().map(|s| s.name.clone()).collect(),
                regions: sc.regions.iter().map(|r| r.name.clone()).collect(),
                of: sc.deployments.iter().map(|d| (d.service, d.region)).collect(),
            });
        }
        let calls = calls::Calls::new(sc, &net, sc.edge_locations.len(), proxies);
        metrics = metrics.with_calls(calls.n_specs());
        let backends: Vec<BackendService> = sc
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let retry = s.retry.clone().or_else(|| sc.load_balancer.retry.clone());
                let per_try_ns =
                    retry.as_ref().map(|r| r.per_try_timeout_ns).filter(|&t| t < sc.load_balancer.timeout_ns);
                let cdn_hit_ratio = s.cdn_hit_ratio.unwrap_or(sc.edge.cdn_hit_ratio);
                let armor_false_positive = s.armor_false_positive.unwrap_or(sc.edge.armor_false_positive);
                let attacked = !sc.attacks.is_empty() && i == sc.url_map.default_service;
                let at_edge = cdn_hit_ratio > 0.0 || armor_false_positive > 0.0 || attacked;
                BackendService {
                    cdn_hit_ratio,
                    armor_false_positive,
                    retry,
                    per_try_ns,
                    at_edge,
                    routes_ahead: !at_edge && per_try_ns.is_none() && !sc.load_balancer.health.enabled,
                }
            })
            .collect();

        // Expected load of each region at t = 0, for `initial_instances = "steady"`.
        let mut rate0 = vec![0.0; n_regions];
        for (i, c) in cities.iter().enumerate() {
            let rate = c.traffic.rate_at(SimTime::ZERO);
            for (s, share) in sc.url_map.service_shares(i, n_services).into_iter().enumerate() {
                if share > 0.0 {
                    rate0[net.nearest(CityId(i as u32), s).index()] += rate * share;
                }
            }
        }
        calls::add_steady_calls(sc, &net, &mut rate0);
        let regions =
            sc.deployments.iter().enumerate().map(|(i, d)| RegionState::new(d, sc, rate0[i])).collect();

        for (i, c) in cities.iter_mut().enumerate() {
            if let Some(t) = c.traffic.next_arrival(SimTime::ZERO, end) {
                q.schedule(t, Event::Arrival { city: CityId(i as u32) });
            }
        }
        let mut attacks: Vec<AttackSource> =
            sc.attacks.iter().enumerate().map(|(i, a)| AttackSource::new(sc, i, a)).collect();
        for (i, a) in attacks.iter_mut().enumerate() {
            if let Some(t) = a.traffic.next_arrival(SimTime::ZERO, end) {
                q.schedule(t, Event::AttackArrival { attack: i as u32 });
            }
        }
        for r in 0..n_regions {
            q.schedule(SimTime(AUTOSCALE_TICK_NS), Event::Autoscale { region: RegionId(r as u32) });
        }
        if sc.load_balancer.health.enabled {
            for r in 0..n_regions {
                q.schedule(
                    SimTime(sc.load_balancer.health.probe_period_ns),
                    Event::Probe { region: RegionId(r as u32) },
                );
            }
        }
        for (i, o) in sc.outages.iter().enumerate() {
            q.schedule(SimTime(o.start_ns), Event::OutageStart { idx: i as u32 });
            q.schedule(SimTime(o.end_ns()), Event::OutageEnd { idx: i as u32 });
        }
        for (i, o) in sc.dependency_outages.iter().enumerate() {
            q.schedule(SimTime(o.start_ns), Event::DependencyOutageStart { idx: i as u32 });
            q.schedule(SimTime(o.end_ns()), Event::DependencyOutageEnd { idx: i as u32 });
        }
        let window_ns = sc.simulation.window_ns;
        let measuring = warmup == SimTime::ZERO;
        let next_boundary = if measuring { Self::window_after(warmup, window_ns, end) } else { warmup };
        q.schedule(end, Event::End);

        let mut sim = Simulation {
            sc,
            end,
            warmup,
            net,
            cities: cities.into(),
            edges: edges.into(),
            regions,
            reqs: Slab::default(),
            jobs: Slab::default(),
            client_timers: TimerLists::new(1),
            lb_timers: TimerLists::new(1),
            try_timers: TimerLists::new(n_services),
            pending: TimerLists::new(n_regions),
            req_timeouts: TimerLists::new(n_regions),
            unhealthy: vec![0; n_services],
            failing_back: Vec::new(),
            failback_rng: stream(seed, "load-balancer/failback"),
            deps: Deps::new(sc),
            any_at_edge: backends.iter().any(|b| b.at_edge),
            all_route_ahead: backends.iter().all(|b| b.routes_ahead),
            backends,
            calls,
            track_times: sc.services_declared,
            attacks,
            cdn_hit: sc.edge.cdn_hit_latency.sampler(),
            lb_prices: LbPrices::new(&sc.pricing),
            lb_charged_at: SimTime::ZERO,
            metrics,
            sink,
            live: 0,
            arrivals: 0,
            peak_live: 0,
            window_ns,
            next_boundary,
            measuring,
            can_eject,
            proxies,
            returned: Vec::new(),
            ejected_by: vec![0; n_regions],
            last_end: SimTime::ZERO,
            failures_on_path: vec![SimTime::ZERO; sc.edge_locations.len() * n_regions],
            shortcuts: true,
            cpu_done_at: (RegionId::NONE, InstId::NONE),
            in_timer_loop: false,
        };
        for r in 0..n_regions {
            sim.start_initial_instances(RegionId(r as u32), q);
        }
        sim
    }

    fn finish(mut self, end: SimTime, events: u64) -> RunResult {
        self.bill_all(end, true);
        let Simulation { metrics, sink, arrivals, peak_live, .. } = self;
        let t = metrics.finish(end, sink);
        RunResult {
            rows: t.rows,
            flows: t.flows,
            calls: t.calls,
            service_times: t.times,
            events,
            requests: arrivals,
            simulated_ns: end.ns(),
            peak_in_flight: peak_live,
            mean_pending_events: 0.0,
            interrupted: false,
        }
    }

    // ----- users and clients -------------------------------------------

    fn on_arrival(&mut self, q: &mut EventQueue<Event>, city: CityId) {
        let now = q.now();
        if let Some(t) = self.cities[city].traffic.next_arrival(now, self.end) {
            q.schedule(t, Event::Arrival { city });
        }
        self.arrivals += 1;
        self.start_request(q, city, now >= self.warmup, NONE);
    }

    /// A new request at `city`, a user's (`attack` is `NONE`) or an
    /// attack's, sends its first attempt; only a `counted` one (a user's,
    /// after the warmup) counts in the statistics.
    fn start_request(&mut self, q: &mut EventQueue<Event>, city: CityId, counted: bool, attack: u32) {
        let now = q.now();
        let share = self.sc.client.body_share;
        let has_body = attack == NONE
            && (share >= 1.0 || (share > 0.0 && self.cities[city].body.random::<f64>() < share));
        let service = match &mut self.cities[city].paths {
            Some((rng, table)) if attack == NONE => {
                let u: f64 = rng.random();
                table.iter().find(|&&(cum, _)| u < cum).or(table.last()).map_or(0, |&(_, s)| s)
            }
            _ => self.sc.url_map.default_service as u16,
        };
        let req = self.reqs.insert_with(|old| Request {
            epoch: old.map_or(0, |o| o.epoch.wrapping_add(1)),
            city,
            region: RegionId::NONE,
            job: JobId::NONE,
            start: now,
            access_rtt_ns: 0,
            attempts: 0,
            lb_retries: 0,
            proxy: 0,
            edge_at: SimTime::ZERO,
            tried: 0,
            try_in_flight: false,
            counted,
            has_body,
            attack,
            service,
        });
        self.live += 1;
        self.peak_live = self.peak_live.max(self.live);
        self.send_attempt(q, req);
    }

    fn on_attack_arrival(&mut self, q: &mut EventQueue<Event>, attack: u32) {
        let now = q.now();
        let a = &mut self.attacks[attack as usize];
        if let Some(t) = a.traffic.next_arrival(now, self.end) {
            q.schedule(t, Event::AttackArrival { attack });
        }
        let city = a.city;
        self.start_request(q, city, false, attack);
    }

    /// The client sends its next attempt of `req`.
    fn send_attempt(&mut self, q: &mut EventQueue<Event>, req: ReqId) {
        let now = q.now();
        let (city, attack) = (self.reqs[req].city, self.reqs[req].attack);
        let (rtt, to_edge) = match attack {
            NONE => {
                let net = &self.net;
                let leg = net.leg_ns(city);
                match net.fixed_access(leg) {
                    Some(fixed) => fixed,
                    None => self.cities[city].access.take(|rng| net.sample_access(rng, leg)),
                }
            }
            a => self.net.sample_access(&mut self.attacks[a as usize].access, self.net.leg_ns(city)),
        };
        let proxy = match (self.proxies, attack) {
            (1, _) => 0,
            (n, NONE) => u32::from(self.cities[city].proxy.take(|rng| rng.random_range(0..n) as u16)),
            (n, a) => self.attacks[a as usize].proxy.random_range(0..n),
        };
        let r = &mut self.reqs[req];
        r.proxy = proxy as u16;
        r.epoch = r.epoch.wrapping_add(1);
        r.attempts += 1;
        r.lb_retries = 0;
        r.tried = 0;
        r.try_in_flight = false;
        r.access_rtt_ns = rtt;
        let epoch = r.epoch;
        if r.counted {
            self.metrics.attempt(city.0);
        }
        let due = now.plus(self.sc.client.timeout_ns);
        if self.client_timers.push(0, req.0, due) {
            q.schedule(due, Event::ReqTimer { list: ReqList::Client, sub: 0 });
        }
        // With no access delay, `in_place` lets the edge be handled now anyway.
        let at = now.plus(to_edge);
        if to_edge > 0 && self.edge_routes_ahead(req, city, proxy, due, at) && self.try_ahead(q, req, at) {
            return;
        }
        if self.in_place(q, to_edge) {
            return self.on_edge_in(q, req, epoch);
        }
        q.schedule_in(to_edge, Event::EdgeIn { req, epoch });
    }

    /// The edge of `city`'s users.
    #[inline(always)]
    fn edge_of(&self, city: CityId) -> &Edge {
        &self.edges[self.cities[city].edge]
    }

    /// The edge of `city`'s users, to update.
    #[inline(always)]
    fn edge_of_mut(&mut self, city: CityId) -> &mut Edge {
        let e = self.cities[city].edge;
        &mut self.edges[e]
    }

    /// Whether an attempt that reaches the edge of `city` at `at`, with
    /// the client's timer due at `due`, can be routed now, as of `at`,
    /// without an `EdgeIn` event.
    ///
    /// At the edge such an attempt is routed, and nothing else happens:
    /// no Cloud Armor, CDN, service health or per-try timeout
    /// (its backend service's `routes_ahead`), and no load-balancer timer, since the client gives
    /// up first (see [`Self::client_gives_up_first`]; with the default
    /// timeouts, every attempt whose access delay is not zero). The route
    /// depends only on which regions the attempt's proxy has ejected. A
    /// return to service happens at the proxy's sweeps, so none may be due
    /// up to `at`; an ejection happens when an answer reaches the proxy,
    /// which cannot be foreseen, so each try routed ahead is noted at its
    /// proxy, and an ejection before `at` of the region it goes to sends it
    /// back to be routed at the edge (`ejected`). Between now and `at`
    /// nothing else touches the attempt: only its client timer could, and
    /// that is due later (required: an attempt whose client gives up before
    /// it reaches the edge never reaches a region, and goes by an `EdgeIn`
    /// that finds it abandoned).
    ///
    /// Not a shortcut: [`run_event_by_event`] routes the same attempts
    /// ahead, and checks each route with an event at the edge. What
    /// changes against routing at the edge is only when the try's
    /// `RegionIn` is scheduled, and so which of two events due at the same
    /// nanosecond comes first.
    fn edge_routes_ahead(&self, req: ReqId, city: CityId, proxy: u32, due: SimTime, at: SimTime) -> bool {
        (self.all_route_ahead || self.backends[usize::from(self.reqs[req].service)].routes_ahead)
            && at < due
            && due < at.plus(self.sc.load_balancer.timeout_ns)
            && at < self.edge_of(city).next_return(proxy)
    }

    /// Routes the try of `req` that reaches its edge at `at` (see
    /// [`Self::edge_routes_ahead`]): what `lb_try` does then, now. False,
    /// with nothing done, if the edge has every region ejected (the
    /// `EdgeIn` event then answers 503 at `at`).
    fn try_ahead(&mut self, q: &mut EventQueue<Event>, req: ReqId, at: SimTime) -> bool {
        let (city, proxy) = (self.reqs[req].city, u32::from(self.reqs[req].proxy));
        let order = self.net.order(city, usize::from(self.reqs[req].service));
        let Some(region) = self.edge_of(city).route(proxy, order, 0) else {
            return false;
        };
        let epoch = self.start_try(req, region);
        self.reqs[req].edge_at = at;
        if self.can_eject {
            self.edge_of_mut(city).routed_ahead(proxy, at);
        }
        if !self.shortcuts {
            q.schedule(at, Event::RouteCheck { req, epoch, region });
        }
        q.schedule(at.plus(self.net.out_ns(city, region)), Event::RegionIn { req, epoch, region });
        true
    }

    /// The check [`run_event_by_event`] makes of a try routed ahead, at the
    /// instant `now` it reaches the edge: nothing has touched the attempt
    /// since, `on_edge_in` would keep no load-balancer timer for it, and
    /// the edge routes it to the same region now. (That the edge does
    /// nothing else is its backend service's `routes_ahead`, fixed for the run.) Or an ejection
    /// sent it back to be routed here, by the `EdgeIn` that comes next.
    fn on_route_check(&self, now: SimTime, req: ReqId, epoch: u32, region: RegionId) {
        let r = &self.reqs[req];
        if r.epoch == epoch.wrapping_add(1) && !r.try_in_flight && r.tried == 0 {
            return;
        }
        assert_eq!(r.epoch, epoch, "request {req:?} changed between its departure and the edge");
        assert!(
            self.client_gives_up_first(req, now.plus(self.sc.load_balancer.timeout_ns)),
            "request {req:?} routed ahead needs a load-balancer timer"
        );
        let order = self.net.order(r.city, usize::from(r.service));
        let then = self.edge_of(r.city).route(u32::from(r.proxy), order, 0);
        assert_eq!(
            then,
            Some(region),
            "request {req:?} routed ahead to region {region:?}, the edge routes it to {then:?}"
        );
    }

    /// Whether an event due `delay_ns` from now can be handled at once, in
    /// place, rather than scheduled: it is due now and nothing else is (as
    /// with `network.model = "none"`), so it would be the next event
    /// anyway. Only for a handler's last act, so that nothing the handler
    /// does afterwards moves before it. The caller then calls the event's
    /// handler itself, not [`Model::handle`]: the window boundaries of this
    /// instant are crossed already.
    #[inline(always)]
    fn in_place(&self, q: &EventQueue<Event>, delay_ns: u64) -> bool {
        delay_ns == 0 && self.shortcuts && !self.in_timer_loop && q.nothing_else_due_now()
    }

    fn on_client_back(&mut self, q: &mut EventQueue<Event>, req: ReqId, epoch: u32, status: u16) {
        if self.reqs[req].epoch == epoch {
            self.client_receive(q, q.now(), req, status);
        }
    }

    /// The user receives the load balancer's answer `status` at `at` (now,
    /// or a later instant when the answer is delivered without an event).
    fn client_receive(&mut self, q: &mut EventQueue<Event>, at: SimTime, req: ReqId, status: u16) {
        self.client_timers.remove(req.0);
        if (200..300).contains(&status) {
            return self.end_request(at, req, Outcome::Ok);
        }
        let on = self.sc.client.retry_on;
        let retryable = if status == 429 { on.status_429 } else { status >= 500 && on.status_5xx };
        let r = &self.reqs[req];
        if retryable && r.attempts <= self.sc.client.retries && r.attack == NONE {
            return self.back_off(q, at, req);
        }
        let outcome = if status == 429 { Outcome::Rejected } else { Outcome::Error };
        self.end_request(at, req, outcome);
    }

    /// The client's per-attempt timeout fired for `req`.
    fn on_client_timeout(&mut self, q: &mut EventQueue<Event>, req: ReqId) {
        self.abandon_attempt(q.now(), req);
        let r = &self.reqs[req];
        if self.sc.client.retry_on.timeout && r.attempts <= self.sc.client.retries && r.attack == NONE {
            self.back_off(q, q.now(), req);
        } else {
            self.end_request(q.now(), req, Outcome::Timeout);
        }
    }

    /// Waits before the next attempt: exponential backoff from `backoff`,
    /// doubling per attempt, capped at `backoff_max`, with full or no jitter.
    fn back_off(&mut self, q: &mut EventQueue<Event>, at: SimTime, req: ReqId) {
        let c = &self.sc.client;
        let r = &mut self.reqs[req];
        r.epoch = r.epoch.wrapping_add(1);
        let doublings = (r.attempts - 1).min(62);
        let base = c.backoff_ns.saturating_mul(1u64 << doublings).min(c.backoff_max_ns);
        let delay = match c.jitter {
            Jitter::None => base,
            Jitter::Full => {
                let u: f64 = self.cities[r.city].client.random();
                (u * base as f64) as u64
            }
        };
        q.schedule(at.plus(delay), Event::Retry { req, epoch: r.epoch });
    }

    /// Stops waiting for the current attempt: its try (if any) is abandoned
    /// and a request still queued at a region leaves the queue.
    fn abandon_attempt(&mut self, now: SimTime, req: ReqId) {
        self.lb_timers.remove(req.0);
        self.try_timers.remove(req.0);
        self.client_timers.remove(req.0);
        self.detach_job(now, req);
        let r = &mut self.reqs[req];
        r.epoch = r.epoch.wrapping_add(1);
        r.try_in_flight = false;
    }

    /// Counts `req`'s `outcome` as of `at` and frees it. Its last attempt
    /// is over by then: the client's timeout abandoned it, or the answer
    /// reached the user after the load balancer's answer had taken it out
    /// of the load balancer's lists and off its region; `client_receive`
    /// took it out of the client's list.
    fn end_request(&mut self, at: SimTime, req: ReqId, outcome: Outcome) {
        debug_assert!(
            !self.client_timers.contains(req.0)
                && !self.lb_timers.contains(req.0)
                && !self.try_timers.contains(req.0)
                && self.reqs[req].job == JobId::NONE,
            "request {req:?} ends with its attempt still open"
        );
        let r = &self.reqs[req];
        if r.counted {
            let region = (r.region != RegionId::NONE).then_some(r.region.0);
            let cross = region.is_some_and(|g| g != self.net.nearest(r.city, usize::from(r.service)).0);
            let latency = at.since(r.start);
            self.metrics.outcome(r.city.0, region, outcome, latency, cross);
        }
        self.reqs.release(req);
        self.live -= 1;
        self.last_end = self.last_end.max(at);
    }

    // ----- the load balancer --------------------------------------------

    fn on_edge_in(&mut self, q: &mut EventQueue<Event>, req: ReqId, epoch: u32) {
        if self.reqs[req].epoch != epoch {
            return;
        }
        let due = q.now().plus(self.sc.load_balancer.timeout_ns);
        if !self.client_gives_up_first(req, due) && self.lb_timers.push(0, req.0, due) {
            q.schedule(due, Event::ReqTimer { list: ReqList::Lb, sub: 0 });
        }
        if self.any_at_edge
            && self.backends[usize::from(self.reqs[req].service)].at_edge
            && self.at_the_edge(q, req, epoch)
        {
            return;
        }
        self.lb_try(q, req, false);
    }

    /// Whether the client's timer for the current attempt of `req` fires
    /// before `due`, so that a load-balancer timer due then can never fire
    /// and is not kept. The client's timer leaves its list only when the
    /// attempt ends, either by firing, which abandons the attempt, or
    /// because the answer reached the user; either way the request has
    /// left the load balancer's list by then. With the default timeouts
    /// (30 s both) this holds for every attempt whose access delay is not
    /// zero, as the client's timer starts that much earlier, and each
    /// saves a push and a removal.
    ///
    /// Not a shortcut: [`run_event_by_event`] skips the same timers. The
    /// timers kept decide when the list's events are scheduled, and so
    /// which of a timeout and an answer due at the same nanosecond comes
    /// first (a test checks it).
    fn client_gives_up_first(&self, req: ReqId, due: SimTime) -> bool {
        self.client_timers.due(req.0).is_some_and(|gives_up| gives_up < due)
    }

    /// Cloud Armor and Cloud CDN at the edge, before routing: whether they
    /// answered `req` (Armor's 403 at once, or a cache hit after the edge's
    /// own time). Attack requests meet Armor's efficacy and never hit the
    /// cache (attackers bust it); users meet Armor's false positives.
    fn at_the_edge(&mut self, q: &mut EventQueue<Event>, req: ReqId, epoch: u32) -> bool {
        let now = q.now();
        let (city, attack, counted) = (self.reqs[req].city, self.reqs[req].attack, self.reqs[req].counted);
        let e = &self.sc.edge;
        let b = &self.backends[usize::from(self.reqs[req].service)];
        if attack != NONE {
            let blocked = e.armor_efficacy > 0.0
                && self.attacks[attack as usize].armor.random::<f64>() < e.armor_efficacy;
            self.metrics.attack_at_edge(now, city.0, blocked);
            if blocked {
                self.lb_answer(q, req, 403);
            }
            return blocked;
        }
        let rng = &mut self.cities[city].features;
        if b.armor_false_positive > 0.0 && rng.random::<f64>() < b.armor_false_positive {
            if counted {
                self.metrics.edge_answer(city.0, false);
            }
            self.lb_answer(q, req, 403);
            return true;
        }
        if b.cdn_hit_ratio > 0.0 && rng.random::<f64>() < b.cdn_hit_ratio {
            if counted {
                self.metrics.edge_answer(city.0, true);
            }
            let d = self.cdn_hit.sample_ns(&mut self.cities[city].features);
            q.schedule_in(d, Event::CdnHit { req, epoch });
            return true;
        }
        false
    }

    /// Sends a try of `req` to the closest region its edge has not ejected;
    /// a `spill` (of `nearest-overflow`) also skips the regions already
    /// tried in this attempt. Retry-policy retries do not: the real load
    /// balancer's retry goes to the closest region again.
    fn lb_try(&mut self, q: &mut EventQueue<Event>, req: ReqId, spill: bool) {
        let now = q.now();
        let (city, proxy) = (self.reqs[req].city, u32::from(self.reqs[req].proxy));
        let mut skip = if spill { self.reqs[req].tried } else { 0 };
        if self.sc.load_balancer.health.enabled {
            skip |= self.health_skip(now, usize::from(self.reqs[req].service));
        }
        let service = usize::from(self.reqs[req].service);
        let Some(region) = self.edge_of(city).route(proxy, self.net.order(city, service), skip) else {
            return self.lb_answer(q, req, status::NO_BACKEND);
        };
        let epoch = self.start_try(req, region);
        if let Some(per_try) = self.backends[service].per_try_ns {
            self.try_timers.remove(req.0);
            let due = now.plus(per_try);
            if self.try_timers.push(service as u32, req.0, due) {
                q.schedule(due, Event::ReqTimer { list: ReqList::Try, sub: service as u32 });
            }
        }
        let delay = self.net.out_ns(city, region);
        if self.in_place(q, delay) {
            return self.on_region_in(q, req, epoch, region);
        }
        q.schedule_in(delay, Event::RegionIn { req, epoch, region });
    }

    /// `req`'s next try goes to `region`; returns the try's generation.
    fn start_try(&mut self, req: ReqId, region: RegionId) -> u32 {
        let r = &mut self.reqs[req];
        r.epoch = r.epoch.wrapping_add(1);
        r.region = region;
        r.tried |= region.bit();
        r.try_in_flight = true;
        r.epoch
    }

    /// `region` sends `answer` to a try of `req` (of generation `epoch`)
    /// back over the backbone to its edge.
    ///
    /// A success is handled at the edge at once, as of its arrival there,
    /// without an `EdgeBack` event, when nothing can tell the difference.
    /// At the edge a success only resets the consecutive-failure counters
    /// of outlier detection for `region` at its proxy (it never ejects,
    /// and a proxy that has the region ejected ignores it, as the return
    /// to service resets the counters anyway), so handling it early is
    /// exact when no failure of that path can be counted before it
    /// arrives: no failure is on its way from `region` to this edge, for
    /// any city entering there (the backbone's
    /// delay is constant, so answers arrive in the order they were sent:
    /// none sent later can overtake it; successes in flight reset the same
    /// counters, in either order), no load-balancer or per-try timer event
    /// fires before it arrives (a timeout counts as a gateway failure, and
    /// a timer event, even one that finds nothing due, re-arms its list
    /// from what the list then holds, which must not depend on when this
    /// request left it), no client timer event fires before the user has
    /// it, and the user gets it in this window. The whole answer is then
    /// settled here, and no event is scheduled out of the order the
    /// event-by-event run would schedule it in.
    fn answer_to_edge(
        &mut self,
        q: &mut EventQueue<Event>,
        req: ReqId,
        epoch: u32,
        region: RegionId,
        answer: u16,
    ) {
        let now = q.now();
        let city = self.reqs[req].city;
        let at = now.plus(self.net.back_ns(city, region));
        let path = self.cities[city].edge.index() * self.regions.len() + region.index();
        let at_user = self.reqs[req].reaches_user(at);
        let early = self.settles_at_user(req, answer, at_user)
            && self.failures_on_path[path] < now
            && at < self.lb_timers.armed_at(0)
            && at < self.try_timers.armed_at_min();
        if !early {
            if !matches!(Self::verdict(answer), Verdict::Success) {
                self.failures_on_path[path] = at;
            }
            return q.schedule(at, Event::EdgeBack { req, epoch, status: answer });
        }
        // What `on_edge_back` and `end_try` do for a success, and
        // `lb_answer` after them, as of `at`: the answer reaches the user
        // at `at_user`, where it settles (checked above).
        if self.can_eject {
            let proxy = u32::from(self.reqs[req].proxy);
            let ejected = self.edge_of_mut(city).observe(proxy, region, Verdict::Success, at);
            debug_assert!(ejected.is_none());
        }
        let reaches = self.close_attempt(at, req);
        debug_assert_eq!(reaches, at_user);
        self.client_receive(q, at_user, req, status::visible(answer));
    }

    /// Whether `status`, reaching the user of `req` at `at`, can be handled
    /// at once, as of `at`, without a `ClientBack` event: shortcuts are on,
    /// it is a success (anything else may be retried, and a retry's backoff
    /// draw must keep its place in the city's stream), it lands in this
    /// window, and no client timer event fires before it.
    fn settles_at_user(&self, req: ReqId, status: u16, at: SimTime) -> bool {
        self.shortcuts
            && (200..300).contains(&status)
            && at < self.next_boundary
            && at < self.client_timers.armed_at(0)
            && self.client_timers.due(req.0).is_some_and(|due| at < due)
    }

    /// The load balancer answers the user for the current attempt, now.
    ///
    /// The answer reaches the user half an access round trip later: at
    /// once, as of that instant, when [`Self::settles_at_user`] allows (a
    /// success only ends the request), else by a `ClientBack` event. (A
    /// success that reaches the edge ahead of the clock goes the same way
    /// in `answer_to_edge`.)
    fn lb_answer(&mut self, q: &mut EventQueue<Event>, req: ReqId, answer: u16) {
        let at = self.close_attempt(q.now(), req);
        let status = status::visible(answer);
        if self.settles_at_user(req, status, at) {
            return self.client_receive(q, at, req, status);
        }
        let epoch = self.reqs[req].epoch;
        q.schedule(at, Event::ClientBack { req, epoch, status });
    }

    /// The load balancer's side of answering the current attempt of `req`
    /// at `now`: the attempt leaves its lists and its region, and is
    /// charged for. Returns when the answer reaches the user.
    #[inline(always)]
    fn close_attempt(&mut self, now: SimTime, req: ReqId) -> SimTime {
        self.lb_timers.remove(req.0);
        self.try_timers.remove(req.0);
        self.detach_job(now, req);
        // The load balancer processed the request and its answer.
        self.metrics.cost_global(now, self.lb_prices.per_request);
        let r = &mut self.reqs[req];
        r.epoch = r.epoch.wrapping_add(1);
        r.try_in_flight = false;
        r.reaches_user(now)
    }

    fn verdict(answer: u16) -> Verdict {
        match answer {
            status::CONNECT_FAILURE | status::RESET | status::LB_TIMEOUT | 502..=504 => {
                Verdict::GatewayFailure
            }
            500..=599 => Verdict::Error,
            _ => Verdict::Success,
        }
    }

    /// Whether the retry policy retries a try that ended with `answer`.
    fn retry_matches(c: RetryConditions, answer: u16) -> bool {
        let gateway = matches!(Self::verdict(answer), Verdict::GatewayFailure);
        (c.any_5xx && (gateway || (500..=599).contains(&answer)))
            || (c.gateway_error && gateway)
            || (c.connect_failure && answer == status::CONNECT_FAILURE)
            || (c.retriable_4xx && answer == 409)
    }

    /// Ends the current try with `answer`: counts it for outlier detection,
    /// then retries, spills over or answers the user.
    fn end_try(&mut self, q: &mut EventQueue<Event>, req: ReqId, answer: u16) {
        let (city, region) = (self.reqs[req].city, self.reqs[req].region);
        let proxy = u32::from(self.reqs[req].proxy);
        self.try_timers.remove(req.0);
        self.reqs[req].try_in_flight = false;
        if self.can_eject {
            self.observe(q, city, proxy, region, Self::verdict(answer));
        }
        let lb = &self.sc.load_balancer;
        let service = usize::from(self.reqs[req].service);
        if answer == 429 && lb.routing == Routing::NearestOverflow {
            let tried = self.reqs[req].tried;
            if self.edge_of(city).route(proxy, self.net.order(city, service), tried).is_some() {
                return self.lb_try(q, req, true);
            }
        }
        if let Some(p) = &self.backends[service].retry
            && !(p.bodiless_only && self.reqs[req].has_body)
            && u32::from(self.reqs[req].lb_retries) < p.num_retries
            && Self::retry_matches(p.conditions, answer)
        {
            self.reqs[req].lb_retries += 1;
            return self.lb_try(q, req, false);
        }
        self.lb_answer(q, req, answer);
    }

    fn on_edge_back(&mut self, q: &mut EventQueue<Event>, req: ReqId, epoch: u32, answer: u16) {
        if self.reqs[req].epoch != epoch {
            return;
        }
        self.reqs[req].job = JobId::NONE;
        self.end_try(q, req, answer);
    }

    /// The route timeout fired: the load balancer answers 504.
    fn on_lb_timeout(&mut self, q: &mut EventQueue<Event>, req: ReqId) {
        let r = &self.reqs[req];
        if r.try_in_flight && self.can_eject {
            let (city, proxy, region) = (r.city, u32::from(r.proxy), r.region);
            self.observe(q, city, proxy, region, Verdict::GatewayFailure);
        }
        self.lb_answer(q, req, status::LB_TIMEOUT);
    }

    /// The per-try timeout fired: the try counts as a 504 and may be retried.
    fn on_try_timeout(&mut self, q: &mut EventQueue<Event>, req: ReqId) {
        self.detach_job(q.now(), req);
        let r = &mut self.reqs[req];
        r.epoch = r.epoch.wrapping_add(1);
        self.end_try(q, req, status::LB_TIMEOUT);
    }

    /// If the current try's job is still queued at its region, it leaves the
    /// queue: the region's front end sees the stream closed. A job already on
    /// an instance runs on (the container is not told) and its answer is dropped.
    #[inline(always)]
    fn detach_job(&mut self, now: SimTime, req: ReqId) {
        let job = std::mem::replace(&mut self.reqs[req].job, JobId::NONE);
        if job != JobId::NONE {
            self.drop_if_pending(now, job);
        }
    }

    // ----- outlier detection, outages, windows ---------------------------

    /// Counts an answer from `region` at `proxy` of `city`'s edge, now,
    /// and acts on the ejection it makes, if any: the ejection is recorded,
    /// the sweep that ends it scheduled, and each try routed ahead to the
    /// region that has not reached the proxy yet goes back to be routed
    /// when it does (see `edge_routes_ahead`).
    fn observe(
        &mut self,
        q: &mut EventQueue<Event>,
        city: CityId,
        proxy: u32,
        region: RegionId,
        verdict: Verdict,
    ) {
        let now = q.now();
        let edge = self.cities[city].edge;
        if !self.observe_at(q, edge, proxy, region, verdict) || !self.edges[edge].any_ahead(proxy, now) {
            return;
        }
        // Tries routed ahead through this proxy to the region that have
        // not reached it yet. A request slot that is free held a request
        // whose attempts are over, so its try is not in flight.
        for req in self.reqs.slots() {
            let r = &mut self.reqs[req];
            if !(r.try_in_flight && r.edge_at > now && r.region == region && u32::from(r.proxy) == proxy)
                || self.cities[r.city].edge != edge
            {
                continue;
            }
            r.epoch = r.epoch.wrapping_add(1);
            r.try_in_flight = false;
            r.tried = 0;
            q.schedule(r.edge_at, Event::EdgeIn { req, epoch: r.epoch });
        }
    }

    /// Counts an answer from `region` at `proxy` of `edge`, now; an
    /// ejection it makes is recorded and the sweep that ends it scheduled.
    /// Returns whether it ejected the region.
    fn observe_at(
        &mut self,
        q: &mut EventQueue<Event>,
        edge: EdgeId,
        proxy: u32,
        region: RegionId,
        verdict: Verdict,
    ) -> bool {
        let now = q.now();
        let Some(Ejected { until, returns_at, edge_wide }) =
            self.edges[edge].observe(proxy, region, verdict, now)
        else {
            return false;
        };
        self.proxy_decision(now, edge, proxy, region, Some(until), edge_wide);
        q.schedule(returns_at, Event::Sweep { edge, proxy });
        true
    }

    /// Records an ejection (`until` given) or a return to service of
    /// `region` by `proxy` of `edge`; `edge_wide` when it changes whether
    /// every proxy of the edge ejects the region (`ejected_by_edges`).
    fn proxy_decision(
        &mut self,
        now: SimTime,
        edge: EdgeId,
        proxy: u32,
        region: RegionId,
        until: Option<SimTime>,
        edge_wide: bool,
    ) {
        if edge_wide {
            let n = &mut self.ejected_by[region.index()];
            *n = if until.is_some() { *n + 1 } else { n.saturating_sub(1) };
            self.metrics.ejected(region.0, *n);
        }
        self.sink.ejection(&Ejection {
            time: now,
            edge: edge.0,
            proxy: Some(proxy),
            region: region.0,
            until,
            health: false,
        });
    }

    /// A sweep of `proxy` at `edge` that returns regions to service.
    fn on_sweep(&mut self, now: SimTime, edge: EdgeId, proxy: u32) {
        self.returned.clear();
        self.edges[edge].sweep(proxy, now, &mut self.returned);
        for i in 0..self.returned.len() {
            let Returned { region, was_edge_wide } = self.returned[i];
            self.proxy_decision(now, edge, proxy, region, None, was_edge_wide);
        }
    }

    /// Service health: the regions (deployments of `service`) a try to it
    /// must skip now, as bits: the unhealthy ones, and a recovered one with
    /// the probability that its failback ramp has not reached yet.
    fn health_skip(&mut self, now: SimTime, service: usize) -> u64 {
        let deployments = &self.sc.deployments;
        let mut skip = self.unhealthy[service];
        let ramp = self.sc.load_balancer.health.failback_ns;
        self.failing_back.retain(|&(_, since)| now.since(since) < ramp);
        for &(region, since) in &self.failing_back {
            if deployments[region.index()].service != service {
                continue;
            }
            let share = now.since(since) as f64 / ramp as f64;
            if self.failback_rng.random::<f64>() >= share {
                skip |= region.bit();
            }
        }
        skip
    }

    /// Service health: the load balancer learns that `region` is now
    /// `healthy` or not. Every edge acts at once (the health is the
    /// region's, not an edge's view): `ejections.csv` and
    /// `ejected_by_edges` show it as an ejection by every edge, until
    /// further notice.
    fn on_health_seen(&mut self, now: SimTime, region: RegionId, healthy: bool) {
        let edges = self.edges.len() as u32;
        let mask = &mut self.unhealthy[self.sc.deployments[region.index()].service];
        if healthy {
            *mask &= !region.bit();
        } else {
            *mask |= region.bit();
        }
        if healthy {
            if self.sc.load_balancer.health.failback_ns > 0 {
                self.failing_back.push((region, now));
            }
        } else {
            self.failing_back.retain(|&(r, _)| r != region);
        }
        let n = if healthy { 0 } else { u64::from(edges) };
        self.ejected_by[region.index()] = n;
        self.metrics.ejected(region.0, n);
        for edge in 0..edges {
            let until = (!healthy).then_some(SimTime::NEVER);
            self.sink.ejection(&Ejection {
                time: now,
                edge,
                proxy: None,
                region: region.0,
                until,
                health: true,
            });
        }
    }

    fn on_outage(&mut self, q: &mut EventQueue<Event>, idx: u32, starting: bool) {
        let sc = self.sc;
        let o = &sc.outages[idx as usize];
        // Its service in its region, or every service deployed there.
        for d in sc.outage_deployments(o) {
            let region = RegionId(d as u32);
            match (&o.kind, starting) {
                (OutageKind::Down, true) => self.region_down(q, region),
                (OutageKind::Down, false) => self.region_up(q, region),
                _ => {
                    self.regions[region].set_outage(&sc.outages, idx, starting);
                    if matches!(o.kind, OutageKind::Capacity { .. }) {
                        self.enforce_cap(q, region);
                    }
                }
            }
        }
    }

    /// The window boundary after `start`, or never if the run ends first
    /// (the last window is closed when the run finishes).
    fn window_after(start: SimTime, window_ns: u64, end: SimTime) -> SimTime {
        let next = start.plus(window_ns);
        if next < end { next } else { SimTime::NEVER }
    }

    /// Closes every window boundary at or before `now`, at the boundary's
    /// exact time, before the event at `now` is handled: an event at a
    /// boundary belongs to the window that starts there.
    fn cross_boundaries(&mut self, now: SimTime) {
        while now >= self.next_boundary {
            let at = self.next_boundary;
            // Instance time up to the boundary is charged to the window it
            // falls in (and dropped with the warmup).
            self.bill_all(at, false);
            if self.measuring {
                self.metrics.close_window(at, self.sink);
            } else {
                self.metrics.start_measuring(at);
                self.measuring = true;
            }
            self.next_boundary = Self::window_after(at, self.window_ns, self.end);
        }
    }
}

impl Model for Simulation<'_> {
    type Event = Event;

    fn stopped(&self) -> bool {
        self.sink.failed()
    }

    fn handle(&mut self, event: Event, q: &mut EventQueue<Event>) {
        if q.now() >= self.next_boundary {
            self.cross_boundaries(q.now());
        }
        match event {
            Event::Arrival { city } => self.on_arrival(q, city),
            Event::AttackArrival { attack } => self.on_attack_arrival(q, attack),
            Event::CdnHit { req, epoch } => {
                if self.reqs[req].epoch == epoch {
                    self.lb_answer(q, req, 200);
                }
            }
            Event::EdgeIn { req, epoch } => self.on_edge_in(q, req, epoch),
            Event::RegionIn { req, epoch, region } => self.on_region_in(q, req, epoch, region),
            Event::RouteCheck { req, epoch, region } => self.on_route_check(q.now(), req, epoch, region),
            Event::EdgeBack { req, epoch, status } => self.on_edge_back(q, req, epoch, status),
            Event::ClientBack { req, epoch, status } => self.on_client_back(q, req, epoch, status),
            Event::Retry { req, epoch } => {
                if self.reqs[req].epoch == epoch {
                    self.send_attempt(q, req);
                }
            }
            Event::CpuDone { region, inst, epoch } => self.on_cpu_done(q, region, inst, epoch),
            Event::IoDone { job, epoch } => self.on_io_done(q, job, epoch),
            Event::InstanceReady { region, inst, epoch } => self.on_instance_ready(q, region, inst, epoch),
            Event::IdleReclaim { region, inst, epoch } => self.on_idle_reclaim(q, region, inst, epoch),
            Event::ReqTimer { list, sub } => self.on_req_timer(q, list, sub),
            Event::JobTimer { list, region } => self.on_job_timer(q, list, region),
            Event::Autoscale { region } => self.on_autoscale(q, region),
            Event::Sweep { edge, proxy } => self.on_sweep(q.now(), edge, proxy),
            Event::Probe { region } => self.on_probe(q, region),
            Event::HealthSeen { region, healthy } => self.on_health_seen(q.now(), region, healthy),
            Event::OutageStart { idx } => self.on_outage(q, idx, true),
            Event::OutageEnd { idx } => self.on_outage(q, idx, false),
            Event::DependencyOutageStart { idx } => self.deps.set_outage(self.sc, idx as usize, true),
            Event::DependencyOutageEnd { idx } => self.deps.set_outage(self.sc, idx as usize, false),
            Event::CallIn { call, epoch, region } => self.on_call_in(q, call, epoch, region),
            Event::CallBack { call, epoch, status } => self.on_call_back(q, call, epoch, status),
            Event::CallTimer { spec } => self.on_call_timer(q, spec),
            Event::End => {}
        }
    }

    /// After `duration`, once the last request has ended: the run then
    /// handles what is due up to that request's end, which may be later
    /// than now when its answer was delivered ahead of the clock (so that
    /// the run sees the same events whether answers are carried by events
    /// or not).
    fn finish_line(&self, now: SimTime) -> Option<SimTime> {
        (now >= self.end && self.live == 0).then_some(self.end.max(self.last_end))
    }
}

impl Simulation<'_> {
    fn on_req_timer(&mut self, q: &mut EventQueue<Event>, list: ReqList, sub: u32) {
        let now = q.now();
        self.in_timer_loop = true;
        loop {
            let timers = match list {
                ReqList::Client => &mut self.client_timers,
                ReqList::Lb => &mut self.lb_timers,
                ReqList::Try => &mut self.try_timers,
            };
            let Some(req) = timers.pop_due(sub, now).map(ReqId) else {
                if let Some(due) = timers.rearm(sub) {
                    q.schedule(due, Event::ReqTimer { list, sub });
                }
                self.in_timer_loop = false;
                return;
            };
            match list {
                ReqList::Client => self.on_client_timeout(q, req),
                ReqList::Lb => self.on_lb_timeout(q, req),
                ReqList::Try => self.on_try_timeout(q, req),
            }
        }
    }
}
