//! Calls between services (`[[service.call]]`).
//!
//! When a request's own work at a service is over (its CPU part, then its
//! I/O part), it makes the service's calls in their order: a sequential
//! call, `count` times one after another; a run of parallel calls, all at
//! once, waiting for the last. Each call is made with its `probability`.
//! The caller's instance slot stays taken while it waits, and the wait
//! needs no CPU: it is I/O, as Cloud Run bills and scales it (a request
//! in flight). A call that fails (after the caller's `retries`; an error,
//! a 429, or the caller's `timeout` per attempt) fails the caller's
//! request, which answers 500 at once; calls still in flight then run on,
//! and their answers are dropped.
//!
//! A call travels `direct`ly to the callee in the caller's region (Cloud
//! Run services calling each other's `run.app` URLs; the closest region
//! that has the callee when the caller's region does not), taking half
//! the round trip each way: `network.intra_region_rtt` within a region,
//! the backbone's between regions. Or it goes `via = "load-balancer"`:
//! from the load balancer's edge in the caller's region, which routes it
//! like a user's try (the callee's closest deployment its proxy has not
//! ejected; outlier detection, the callee's retry policy and
//! `nearest-overflow`), with the same round trips. Calls carry no body for
//! the built-in retry (they are retried like GETs).
//!
//! Every call ends exactly once, as ok, rejected, error or timeout, and is
//! counted then (if it began after the warmup) in its call's row and in
//! the callee deployment's row.

use super::ids::{CallId, EdgeId, JobId, RegionId};
use super::lb::Edge;
use super::network::Network;
use super::service::JobState;
use super::slab::Slab;
use super::timers::TimerLists;
use super::{Event, Simulation, status};
use crate::engine::rng::{Rng, stream};
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Outcome;
use crate::scenario::services::Via;
use crate::scenario::{Routing, Scenario};
use rand::RngExt;

/// One `[[service.call]]`, as the model uses it.
struct Spec {
    callee: usize,
    count: u32,
    probability: f64,
    parallel: bool,
    via: Via,
    timeout_ns: u64,
    retries: u32,
}

/// A call in flight.
struct Call {
    /// Bumped for every try and attempt; events carry it.
    epoch: u32,
    /// The caller's job, and its generation when the call was made.
    caller: JobId,
    caller_gen: u32,
    spec: u32,
    /// The caller's deployment.
    from: RegionId,
    /// The deployment of the current or last try, or `NONE`.
    region: RegionId,
    /// The job at the callee while the current try is there, or `NONE`.
    job: JobId,
    start: SimTime,
    attempts: u32,
    lb_retries: u32,
    proxy: u32,
    /// Deployments tried in this attempt (for `nearest-overflow`).
    tried: u64,
    /// Began after the warmup: counts in the statistics.
    counted: bool,
}

/// Where a job of a service that makes calls is in them.
#[derive(Clone, Copy, Default)]
pub(super) struct JobCalls {
    /// The next of its service's calls.
    step: u16,
    /// How many more of a sequential call's `count` remain.
    reps: u16,
    /// Calls in flight.
    outstanding: u16,
    /// When its own work ended and its calls began.
    began: SimTime,
}

/// Every call spec and the calls in flight.
pub(super) struct Calls {
    specs: Vec<Spec>,
    /// Each service's specs: `(first, count)`.
    of_service: Vec<(u32, u32)>,
    slab: Slab<CallId, Call>,
    /// One list per spec (each has one timeout).
    timers: TimerLists,
    /// `direct[deployment * specs + spec]`: where a direct call goes.
    direct: Vec<RegionId>,
    /// Each deployment's draws (whether a call is made, the proxy).
    rng: Vec<Rng>,
    /// The geographic region of each deployment.
    geo: Vec<usize>,
    /// The service of each deployment.
    service: Vec<usize>,
    /// The first call edge (one per geographic region, after the cities' edges).
    edge0: u32,
    /// Proxies at each call edge.
    proxies: u32,
    /// By job slot: the calls of jobs of services that make calls (kept
    /// apart so that a job stays small when there are none).
    jobs: Vec<JobCalls>,
}

/// The load balancer's edges in each region that calls `via =
/// "load-balancer"` enter by (none without such calls), named
/// `calls@<region>`.
pub(super) fn call_edges(sc: &Scenario, proxies: u32, groups: &[u16]) -> Vec<Edge> {
    if !through_lb(sc) {
        return Vec::new();
    }
    sc.regions
        .iter()
        .map(|r| {
            Edge::new(
                sc.deployments.len(),
                proxies,
                &sc.load_balancer.outlier,
                stream(sc.simulation.seed, &format!("calls@{}/outlier", r.name)),
            )
            .with_groups(groups.to_vec())
        })
        .collect()
}

/// Whether any call goes through the load balancer.
fn through_lb(sc: &Scenario) -> bool {
    sc.services.iter().flat_map(|s| &s.calls).any(|c| c.via == Via::LoadBalancer)
}

/// The services in an order where every caller comes before its callees.
fn callers_first(sc: &Scenario) -> Vec<usize> {
    fn visit(s: usize, sc: &Scenario, done: &mut [bool], out: &mut Vec<usize>) {
        if done[s] {
            return;
        }
        done[s] = true;
        for c in &sc.services[s].calls {
            visit(c.service, sc, done, out);
        }
        out.push(s);
    }
    let mut done = vec![false; sc.services.len()];
    let mut out = Vec::new();
    for s in 0..sc.services.len() {
        visit(s, sc, &mut done, &mut out);
    }
    out.reverse();
    out
}

/// Adds to `rate0` (each deployment's expected rate at t = 0, from the
/// users) the calls it gets from the other services, for
/// `initial_instances = "steady"`: callers first, each call to its direct
/// target or, through the load balancer, to the callee's closest deployment.
pub(super) fn add_steady_calls(sc: &Scenario, net: &Network, rate0: &mut [f64]) {
    for s in callers_first(sc) {
        for (d, dep) in sc.deployments.iter().enumerate() {
            if dep.service != s || rate0[d] == 0.0 {
                continue;
            }
            for c in &sc.services[s].calls {
                let to = match c.via {
                    Via::Direct => direct_target(sc, net, d, c.service),
                    Via::LoadBalancer => net.call_order(dep.region, c.service)[0],
                };
                rate0[to.index()] += rate0[d] * c.probability * f64::from(c.count);
            }
        }
    }
}

/// Where a direct call from deployment `from` to `callee` goes: the
/// callee in the same region, else its closest deployment.
fn direct_target(sc: &Scenario, net: &Network, from: usize, callee: usize) -> RegionId {
    let region = sc.deployments[from].region;
    net.call_order(region, callee)[0]
}

impl Calls {
    pub(super) fn new(sc: &Scenario, net: &Network, first_edge: usize, proxies: u32) -> Self {
        let mut specs = Vec::new();
        let mut of_service = Vec::new();
        for s in &sc.services {
            of_service.push((specs.len() as u32, s.calls.len() as u32));
            specs.extend(s.calls.iter().map(|c| Spec {
                callee: c.service,
                count: c.count,
                probability: c.probability,
                parallel: c.parallel,
                via: c.via,
                timeout_ns: c.timeout_ns,
                retries: c.retries,
            }));
        }
        let n = specs.len();
        let mut direct = Vec::new();
        if n > 0 {
            for d in 0..sc.deployments.len() {
                direct.extend(specs.iter().map(|sp| direct_target(sc, net, d, sp.callee)));
            }
        }
        let seed = sc.simulation.seed;
        Calls {
            specs,
            of_service,
            slab: Slab::default(),
            timers: TimerLists::new(n),
            direct,
            rng: if n > 0 {
                sc.deployments.iter().map(|d| stream(seed, &format!("calls/{}", d.name))).collect()
            } else {
                Vec::new()
            },
            geo: sc.deployments.iter().map(|d| d.region).collect(),
            service: sc.deployments.iter().map(|d| d.service).collect(),
            edge0: first_edge as u32,
            proxies,
            jobs: Vec::new(),
        }
    }

    /// `job` finished its own work at `now` and begins its calls.
    pub(super) fn start(&mut self, job: JobId, now: SimTime) {
        let i = job.index();
        if self.jobs.len() <= i {
            self.jobs.resize((i + 1).max(self.jobs.len() * 2), JobCalls::default());
        }
        self.jobs[i] = JobCalls { began: now, ..JobCalls::default() };
    }

    /// When `job`'s calls began (after [`Calls::start`]).
    pub(super) fn began(&self, job: JobId) -> SimTime {
        self.jobs[job.index()].began
    }

    /// How many call specs there are.
    pub(super) fn n_specs(&self) -> usize {
        self.specs.len()
    }

    /// Whether the service of deployment `region` makes calls.
    #[inline]
    pub(super) fn makes_calls(&self, region: RegionId) -> bool {
        !self.specs.is_empty() && self.of_service[self.service[region.index()]].1 > 0
    }

    /// Whether a call slot `call` holds a try of generation `epoch`.
    #[inline]
    pub(super) fn awaits(&self, call: CallId, epoch: u32) -> bool {
        self.slab[call].epoch == epoch
    }
}

impl Simulation<'_> {
    /// The caller `job` finished its own work: makes its next calls, if
    /// any. Returns whether it now waits for calls (else it answers).
    pub(super) fn run_calls(&mut self, q: &mut EventQueue<Event>, job: JobId) -> bool {
        let region = self.jobs[job].region;
        let (first, n) = self.calls.of_service[self.calls.service[region.index()]];
        loop {
            let j = &mut self.calls.jobs[job.index()];
            if j.reps > 0 {
                // The next of a sequential call's `count`.
                j.reps -= 1;
                let spec = first + u32::from(j.step) - 1;
                self.send_call(q, job, spec);
                return true;
            }
            let step = u32::from(j.step);
            if step >= n {
                return false;
            }
            let k = (first + step) as usize;
            if self.calls.specs[k].parallel {
                let mut end = step;
                while end < n && self.calls.specs[(first + end) as usize].parallel {
                    end += 1;
                }
                self.calls.jobs[job.index()].step = end as u16;
                let mut sent = 0;
                for spec in first + step..first + end {
                    if self.call_happens(region, spec) {
                        for _ in 0..self.calls.specs[spec as usize].count {
                            self.send_call(q, job, spec);
                            sent += 1;
                        }
                    }
                }
                if sent > 0 {
                    return true;
                }
            } else {
                self.calls.jobs[job.index()].step += 1;
                let spec = first + step;
                if self.call_happens(region, spec) {
                    self.calls.jobs[job.index()].reps = (self.calls.specs[k].count - 1) as u16;
                    self.send_call(q, job, spec);
                    return true;
                }
            }
        }
    }

    /// Whether a request at `region` makes the calls of `spec` (a draw
    /// only when the probability is below 1).
    fn call_happens(&mut self, region: RegionId, spec: u32) -> bool {
        let p = self.calls.specs[spec as usize].probability;
        p >= 1.0 || self.calls.rng[region.index()].random::<f64>() < p
    }

    /// `job` calls the service of `spec`: the call's first attempt.
    fn send_call(&mut self, q: &mut EventQueue<Event>, job: JobId, spec: u32) {
        let now = q.now();
        let j = &mut self.jobs[job];
        j.state = JobState::Calls;
        let (caller_gen, from) = (j.epoch, j.region);
        self.calls.jobs[job.index()].outstanding += 1;
        let counted = self.measuring;
        let call = self.calls.slab.insert_with(|old| Call {
            epoch: old.map_or(0, |o| o.epoch.wrapping_add(1)),
            caller: job,
            caller_gen,
            spec,
            from,
            region: RegionId::NONE,
            job: JobId::NONE,
            start: now,
            attempts: 0,
            lb_retries: 0,
            proxy: 0,
            tried: 0,
            counted,
        });
        self.live += 1;
        self.call_attempt(q, call);
    }

    /// The caller sends an attempt of `call`, with its timeout.
    fn call_attempt(&mut self, q: &mut EventQueue<Event>, call: CallId) {
        let now = q.now();
        let proxies = self.calls.proxies;
        let c = &mut self.calls.slab[call];
        c.epoch = c.epoch.wrapping_add(1);
        c.attempts += 1;
        c.lb_retries = 0;
        c.tried = 0;
        let spec = &self.calls.specs[c.spec as usize];
        if spec.via == Via::LoadBalancer && proxies > 1 {
            c.proxy = self.calls.rng[c.from.index()].random_range(0..proxies);
        }
        let due = now.plus(spec.timeout_ns);
        if self.calls.timers.push(c.spec, call.0, due) {
            q.schedule(due, Event::CallTimer { spec: c.spec });
        }
        self.call_try(q, call, false);
    }

    /// Sends a try of `call` to its callee: straight to its direct target,
    /// or to where the load balancer's edge routes it (skipping the
    /// deployments tried in this attempt when `spill`).
    fn call_try(&mut self, q: &mut EventQueue<Event>, call: CallId, spill: bool) {
        let now = q.now();
        let c = &self.calls.slab[call];
        let (from, spec_i, tried, proxy) = (c.from, c.spec as usize, c.tried, c.proxy);
        let (via, callee) = (self.calls.specs[spec_i].via, self.calls.specs[spec_i].callee);
        let target = match via {
            Via::Direct => Some(self.calls.direct[from.index() * self.calls.specs.len() + spec_i]),
            Via::LoadBalancer => {
                let mut skip = if spill { tried } else { 0 };
                if self.sc.load_balancer.health.enabled {
                    skip |= self.health_skip(now, callee);
                }
                let geo = self.calls.geo[from.index()];
                let edge = EdgeId(self.calls.edge0 + geo as u32);
                self.edges[edge].route(proxy, self.net.call_order(geo, callee), skip)
            }
        };
        let c = &mut self.calls.slab[call];
        c.epoch = c.epoch.wrapping_add(1);
        let epoch = c.epoch;
        let Some(region) = target else {
            // The load balancer has no deployment to send it to: 503.
            return q.schedule(now, Event::CallBack { call, epoch, status: status::NO_BACKEND });
        };
        c.region = region;
        c.tried |= region.bit();
        let out = self.net.call_rtt_ns(from, region) / 2;
        q.schedule(now.plus(out), Event::CallIn { call, epoch, region });
    }

    /// A try of `call` reaches the callee's deployment `region`.
    pub(super) fn on_call_in(
        &mut self,
        q: &mut EventQueue<Event>,
        call: CallId,
        epoch: u32,
        region: RegionId,
    ) {
        if !self.calls.awaits(call, epoch) {
            return;
        }
        if self.calls.slab[call].counted {
            self.metrics.region_try(region.0);
        }
        match self.admit(q, region, call.0, epoch, true) {
            Err(code) => self.call_answer(q, call, epoch, region, code),
            Ok(job) => {
                self.calls.slab[call].job = job;
                self.dispatch(q, job, region);
            }
        }
    }

    /// The callee `region` answers `status` to a try of `call` (of
    /// generation `epoch`): the answer travels back to the caller.
    pub(super) fn call_answer(
        &mut self,
        q: &mut EventQueue<Event>,
        call: CallId,
        epoch: u32,
        region: RegionId,
        answer: u16,
    ) {
        let c = &mut self.calls.slab[call];
        if c.epoch != epoch {
            return;
        }
        c.job = JobId::NONE;
        let rtt = self.net.call_rtt_ns(c.from, region);
        q.schedule(q.now().plus(rtt - rtt / 2), Event::CallBack { call, epoch, status: answer });
    }

    /// The answer to a try of `call` reaches the caller (or the load
    /// balancer's edge, for a call through it, which counts it for outlier
    /// detection and may retry or spill over first).
    pub(super) fn on_call_back(&mut self, q: &mut EventQueue<Event>, call: CallId, epoch: u32, answer: u16) {
        if !self.calls.awaits(call, epoch) {
            return;
        }
        let c = &mut self.calls.slab[call];
        c.job = JobId::NONE;
        c.epoch = c.epoch.wrapping_add(1);
        let (spec_i, region, proxy, from) = (c.spec as usize, c.region, c.proxy, c.from);
        let spec = &self.calls.specs[spec_i];
        if spec.via == Via::LoadBalancer && answer != status::NO_BACKEND {
            let callee = spec.callee;
            let geo = self.calls.geo[from.index()];
            let edge = EdgeId(self.calls.edge0 + geo as u32);
            if self.can_eject {
                self.observe_at(q, edge, proxy, region, Self::verdict(answer));
            }
            if answer == 429 && self.sc.load_balancer.routing == Routing::NearestOverflow {
                let tried = self.calls.slab[call].tried;
                if self.edges[edge].route(proxy, self.net.call_order(geo, callee), tried).is_some() {
                    return self.call_try(q, call, true);
                }
            }
            if let Some(p) = &self.backends[callee].retry
                && self.calls.slab[call].lb_retries < p.num_retries
                && Self::retry_matches(p.conditions, answer)
            {
                self.calls.slab[call].lb_retries += 1;
                return self.call_try(q, call, false);
            }
        }
        self.calls.timers.remove(call.0);
        let visible = status::visible(answer);
        if (200..300).contains(&visible) {
            return self.end_call(q, call, Outcome::Ok);
        }
        if self.calls.slab[call].attempts <= self.calls.specs[spec_i].retries {
            return self.call_attempt(q, call);
        }
        let outcome = if visible == 429 { Outcome::Rejected } else { Outcome::Error };
        self.end_call(q, call, outcome);
    }

    /// The caller's timeout of spec `spec` fired for the calls due now:
    /// each attempt is abandoned, then retried or the call times out.
    pub(super) fn on_call_timer(&mut self, q: &mut EventQueue<Event>, spec: u32) {
        let now = q.now();
        while let Some(call) = self.calls.timers.pop_due(spec, now).map(CallId) {
            let c = &mut self.calls.slab[call];
            c.epoch = c.epoch.wrapping_add(1);
            let job = std::mem::replace(&mut c.job, JobId::NONE);
            if job != JobId::NONE {
                self.drop_if_pending(now, job);
            }
            if self.calls.slab[call].attempts <= self.calls.specs[spec as usize].retries {
                self.call_attempt(q, call);
            } else {
                self.end_call(q, call, Outcome::Timeout);
            }
        }
        if let Some(due) = self.calls.timers.rearm(spec) {
            q.schedule(due, Event::CallTimer { spec });
        }
    }

    /// `call` is over with `outcome`: it is counted, freed, and its caller
    /// goes on (a failure fails the caller's request at once).
    fn end_call(&mut self, q: &mut EventQueue<Event>, call: CallId, outcome: Outcome) {
        let now = q.now();
        let c = &self.calls.slab[call];
        debug_assert!(!self.calls.timers.contains(call.0) && c.job == JobId::NONE);
        if c.counted {
            let region = (c.region != RegionId::NONE).then_some(c.region.0);
            self.metrics.call_outcome(c.spec, region, outcome, c.attempts, now.since(c.start));
        }
        let (job, caller_gen) = (c.caller, c.caller_gen);
        let c = &mut self.calls.slab[call];
        c.epoch = c.epoch.wrapping_add(1);
        self.calls.slab.release(call);
        self.live -= 1;
        self.last_end = self.last_end.max(now);
        let j = &mut self.jobs[job];
        if j.epoch != caller_gen || j.state != JobState::Calls {
            // The caller's request is over (answered, timed out, reset).
            return;
        }
        if outcome != Outcome::Ok {
            j.answer = 500;
            return self.finish_job(q, job);
        }
        let waiting = &mut self.calls.jobs[job.index()].outstanding;
        *waiting -= 1;
        if *waiting == 0 && !self.run_calls(q, job) {
            self.finish_job(q, job);
        }
    }
}
