//! A region's deployment of the service: its instances, their load
//! buckets, billing and autoscaling state, and what the region does on
//! its own.
//!
//! [`RegionState`] is the room. Its methods change only the region's own
//! state, given a small context: the region's id (for the events they
//! schedule and the figures they count), the time or the event queue,
//! and the metrics. They return what the caller must do next, if
//! anything (the instance reused, the job whose lone CPU part ended, the
//! instances the autoscaler wants). The flow of a try through the region,
//! which touches jobs, requests and timer lists too, is in
//! [`super::service`], where `Simulation` routes between the rooms; the
//! mechanisms and their sources are described there.

use super::Event;
use super::ahead::Ahead;
use super::billing::{Prices, billed_ns};
use super::ids::{IdVec, InstId, JobId, RegionId};
use super::timers::NONE;
use crate::engine::rng::{Rng, stream};
use crate::engine::time::{NS_PER_S, ceil_ns, round_ns};
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Metrics;
use crate::scenario::dist::Sampler;
use crate::scenario::services::Deployment;
use crate::scenario::{
    Billing, InitialInstances, Outage, OutageKind, Scenario, ServiceConfig, ServiceHealth,
};

/// What a deployment's random streams and prices are named and priced by.
struct DeploymentName<'a> {
    name: &'a str,
    tier: Option<u8>,
}
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Window of the autoscaler's trailing averages.
const AUTOSCALE_WINDOW_S: f64 = 60.0;
/// Cold-start factor with startup CPU boost.
const BOOST_FACTOR: f64 = crate::scenario::STARTUP_BOOST_FACTOR;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InstState {
    /// Cold-starting: takes no requests yet.
    Starting,
    /// Ready and taking requests.
    Active,
    /// Not taking requests; stopped `idle_timeout` after it drains, unless reused.
    Idle,
    /// Not taking requests; stopped as soon as it drains (capacity cut).
    Retiring,
    /// Stopped; the slot is free for reuse.
    Gone,
}

/// A CPU-phase entry: (virtual finish time, job, job generation).
#[derive(Clone, Copy, PartialEq)]
pub(super) struct CpuEntry(pub(super) f64, pub(super) JobId, pub(super) u32);

impl Eq for CpuEntry {}

impl PartialOrd for CpuEntry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CpuEntry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

pub(super) struct Instance {
    pub(super) state: InstState,
    /// Bumped when the instance is stopped or changes role; events carry it.
    pub(super) epoch: u32,
    /// Bumped whenever the next CPU completion is rescheduled.
    pub(super) cpu_gen: u32,
    /// Requests holding a slot.
    pub(super) inflight: u32,
    /// Live requests in their CPU part.
    pub(super) cpu_jobs: u32,
    /// CPU-phase requests by virtual finish time (may hold dead entries).
    pub(super) heap: BinaryHeap<Reverse<CpuEntry>>,
    /// Virtual CPU time: work done by each CPU-phase request, ns.
    pub(super) v: f64,
    pub(super) v_at: SimTime,
    /// The job whose CPU part runs alone, with its end in `lone_end`
    /// instead of `heap`, or `NONE` (see the module docs).
    pub(super) lone: JobId,
    pub(super) lone_end: SimTime,
    /// Start of the part of the current billable period (starting, or with
    /// a request in flight) not yet charged.
    pub(super) billed_since: SimTime,
    /// Position in its load bucket, or `NONE`.
    pub(super) bucket_pos: u32,
    /// Service health: whether its readiness probe passes (after its cold
    /// start, until `failure_threshold` probes in a row fail).
    pub(super) ready: bool,
    /// Service health: readiness probes failed in a row.
    pub(super) probe_fails: u32,
}

impl Instance {
    /// Whether the instance is being billed: starting, or serving a request.
    pub(super) fn billable(&self) -> bool {
        self.state == InstState::Starting || (self.state != InstState::Gone && self.inflight > 0)
    }
}

/// The CPU each of `jobs` CPU-phase requests gets on an instance of `cpu`
/// vCPUs: an equal share, at most one vCPU. The same value as
/// `(cpu / jobs).min(1.0)`, without the division when each gets a whole
/// vCPU (for an integer `jobs`, `cpu / jobs` rounds to 1.0 or more exactly
/// when `jobs <= cpu`).
#[inline]
pub(super) fn cpu_share(cpu: f64, jobs: u32) -> f64 {
    let n = f64::from(jobs);
    if n <= cpu { 1.0 } else { cpu / n }
}

/// Nanoseconds until `work` of CPU is done at a share of `rate` (from
/// [`cpu_share`]), at least 1. `x / 1.0` is `x` exactly: the division is
/// only made when the CPU is shared.
#[inline]
pub(super) fn time_to_finish(work: f64, rate: f64) -> u64 {
    ceil_ns(if rate == 1.0 { work } else { work / rate }).max(1)
}

/// Active ready instances with a free slot, bucketed by requests in flight,
/// so the least-loaded one is found in O(1).
pub(super) struct LoadBuckets {
    pub(super) buckets: Vec<Vec<InstId>>,
    pub(super) min: usize,
    pub(super) count: usize,
}

impl LoadBuckets {
    fn new(concurrency: u32) -> Self {
        LoadBuckets { buckets: (0..concurrency).map(|_| Vec::new()).collect(), min: 0, count: 0 }
    }

    pub(super) fn insert(&mut self, insts: &mut IdVec<InstId, Instance>, i: InstId) {
        let level = insts[i].inflight as usize;
        let b = &mut self.buckets[level];
        insts[i].bucket_pos = b.len() as u32;
        b.push(i);
        self.count += 1;
        if self.count == 1 || level < self.min {
            self.min = level;
        }
    }

    #[inline(always)]
    pub(super) fn remove(&mut self, insts: &mut IdVec<InstId, Instance>, i: InstId) {
        let pos = insts[i].bucket_pos;
        if pos == NONE {
            return;
        }
        let level = insts[i].inflight as usize;
        let b = &mut self.buckets[level];
        b.swap_remove(pos as usize);
        if let Some(&moved) = b.get(pos as usize) {
            insts[moved].bucket_pos = pos;
        }
        insts[i].bucket_pos = NONE;
        self.count -= 1;
    }

    pub(super) fn first(&mut self) -> Option<InstId> {
        if self.count == 0 {
            return None;
        }
        while self.buckets[self.min].is_empty() {
            self.min += 1;
        }
        self.buckets[self.min].last().copied()
    }

    pub(super) fn clear(&mut self) {
        self.buckets.iter_mut().for_each(Vec::clear);
        self.count = 0;
        self.min = 0;
    }
}

/// Whether nothing reads a region's load and busy-vCPU integrals, so that
/// they need not be kept: the service's instance count is fixed
/// (`min_instances` is `max_instances`), and the autoscaler wants the
/// region's cap whatever they say (`desired` clamps to
/// `[min(min_instances, cap), cap]`, and the cap never exceeds
/// `max_instances`). Nothing else reads them.
fn unread(s: &ServiceConfig) -> bool {
    s.min_instances >= s.max_instances
}

/// A value integrated over time, for the autoscaler's trailing averages.
#[derive(Clone, Copy, Default)]
pub(super) struct Integral {
    pub(super) value: f64,
    pub(super) area: f64,
    pub(super) at: SimTime,
    /// Nothing reads it (see [`unread`]): `add` counts nothing.
    pub(super) unread: bool,
}

impl Integral {
    #[inline]
    pub(super) fn set(&mut self, now: SimTime, value: f64) {
        self.area += self.value * now.since(self.at) as f64 / 1e9;
        self.at = now;
        self.value = value;
    }

    #[inline]
    pub(super) fn add(&mut self, now: SimTime, delta: f64) {
        if self.unread {
            return;
        }
        let v = self.value + delta;
        self.set(now, v);
    }
}

pub(super) struct RegionState {
    pub(super) concurrency: u32,
    pub(super) cpu: f64,
    pub(super) min_instances: u32,
    pub(super) max_instances: u32,
    pub(super) cpu_target: f64,
    pub(super) concurrency_target: f64,
    pub(super) idle_timeout_ns: u64,
    pub(super) pending_timeout_ns: u64,
    pub(super) request_timeout_ns: u64,
    pub(super) boost: bool,
    pub(super) cpu_time: Sampler,
    pub(super) io_time: Sampler,
    pub(super) cold_start: Sampler,
    pub(super) prices: Prices,
    pub(super) initial: u32,
    /// CPU and I/O times of requests (a job's CPU time, then its I/O
    /// time). Each purpose has its own stream, so that a sweep changing
    /// one (an error rate, say) leaves the others' draws as they were.
    pub(super) work: Ahead<(f64, u64)>,
    /// Error-outage rolls and latency injections.
    pub(super) faults: Rng,
    /// Readiness probes (service health).
    pub(super) probes: Rng,
    /// Calls to dependencies.
    pub(super) dep_rng: Rng,
    /// Service health: whether the region counted as healthy at its last probe round.
    pub(super) healthy: bool,
    /// Cold-start draws.
    pub(super) rng_instances: Rng,
    pub(super) insts: IdVec<InstId, Instance>,
    pub(super) free_insts: Vec<InstId>,
    pub(super) buckets: LoadBuckets,
    /// Idle instances, most recent last (entries may be stale).
    pub(super) idle: Vec<(InstId, u32)>,
    pub(super) n_starting: u32,
    pub(super) n_active: u32,
    pub(super) n_idle: u32,
    pub(super) n_retiring: u32,
    pub(super) n_alive: u32,
    /// Instances being billed as busy (starting, or serving a request).
    pub(super) n_busy: u32,
    /// Time-based charges (idle minimum instances, or instance lifetimes)
    /// are made up to here.
    pub(super) accrued_at: SimTime,
    /// Active `down` outages.
    pub(super) down: u32,
    /// Indices of active non-down outages.
    pub(super) outages: Vec<u32>,
    pub(super) errors: Vec<(f64, u16)>,
    pub(super) latency: Vec<Sampler>,
    pub(super) cap: u32,
    pub(super) cold_multiplier: f64,
    /// Requests at the region (in flight and pending), for the autoscaler.
    pub(super) requests: Integral,
    /// vCPUs busy, for the autoscaler.
    pub(super) busy_cpu: BusyVcpus,
    /// (seconds, requests area, busy area) at each autoscaler tick.
    pub(super) history: VecDeque<(f64, f64, f64)>,
}

impl RegionState {
    /// The state of deployment `d` of `sc` (a region's copy of one service).
    pub(super) fn new(d: &Deployment, sc: &Scenario, rate0: f64) -> Self {
        let (pricing, seed, initial) = (&sc.pricing, sc.simulation.seed, sc.simulation.initial_instances);
        let r = DeploymentName { name: &d.name, tier: sc.regions[d.region].tier };
        let s = &d.config;
        let mut st = RegionState {
            concurrency: s.concurrency,
            cpu: s.cpu,
            min_instances: s.min_instances,
            max_instances: s.max_instances,
            cpu_target: s.cpu_target,
            concurrency_target: s.concurrency_target,
            idle_timeout_ns: s.idle_timeout_ns,
            pending_timeout_ns: s.pending_timeout_ns(),
            request_timeout_ns: s.request_timeout_ns,
            boost: s.startup_cpu_boost,
            cpu_time: s.cpu_time.sampler(),
            io_time: s.io_time.sampler(),
            cold_start: s.cold_start.sampler(),
            prices: Prices::new(pricing, r.tier.unwrap_or(1), s.cpu, s.memory_gib, s.billing),
            initial: s.min_instances,
            work: Ahead::new(stream(seed, &format!("region/{}/work", r.name))),
            faults: stream(seed, &format!("region/{}/faults", r.name)),
            probes: stream(seed, &format!("region/{}/probes", r.name)),
            dep_rng: stream(seed, &format!("region/{}/dependencies", r.name)),
            healthy: true,
            rng_instances: stream(seed, &format!("region/{}/instances", r.name)),
            insts: IdVec::default(),
            free_insts: Vec::new(),
            buckets: LoadBuckets::new(s.concurrency),
            idle: Vec::new(),
            n_starting: 0,
            n_active: 0,
            n_idle: 0,
            n_retiring: 0,
            n_alive: 0,
            n_busy: 0,
            accrued_at: SimTime::ZERO,
            down: 0,
            outages: Vec::new(),
            errors: Vec::new(),
            latency: Vec::new(),
            cap: s.max_instances,
            cold_multiplier: 1.0,
            requests: Integral { unread: unread(s), ..Integral::default() },
            busy_cpu: BusyVcpus { unread: unread(s), ..BusyVcpus::default() },
            history: VecDeque::new(),
        };
        // Seed the trailing averages with the expected load (steady start)
        // or with zero, as a minute of history before t = 0.
        let (load, busy) = match initial {
            InitialInstances::Min => (0.0, 0.0),
            InitialInstances::Steady => {
                let cpu_s = s.cpu_time.mean_ns() / 1e9;
                let io_s = s.io_time.mean_ns() / 1e9;
                (rate0 * (cpu_s + io_s), rate0 * cpu_s)
            }
        };
        let mut t = -AUTOSCALE_WINDOW_S;
        while t <= 0.0 {
            st.history.push_back((t, load * t, busy * t));
            t += super::AUTOSCALE_TICK_NS as f64 / 1e9;
        }
        if initial == InitialInstances::Steady {
            st.initial = st.desired(load, busy);
        }
        st
    }

    /// Instances wanted for `load` requests at the region and `busy` vCPUs.
    pub(super) fn desired(&self, load: f64, busy: f64) -> u32 {
        let by_requests = (load / (f64::from(self.concurrency) * self.concurrency_target)).ceil();
        let by_cpu = (busy / (self.cpu * self.cpu_target)).ceil();
        let want = by_requests.max(by_cpu).min(f64::from(u32::MAX)) as u32;
        want.clamp(self.min_instances.min(self.cap), self.cap)
    }

    /// Whether the region may start one more instance: below its cap (a
    /// `capacity` outage may lower it) not counting the instances draining
    /// out above it, and below `max_instances` counting them, so that a
    /// restored cap does not start new instances beside draining ones
    /// beyond `max_instances` (a finding of the `short_run` fuzzer).
    pub(super) fn can_start(&self) -> bool {
        self.n_alive - self.n_retiring < self.cap && self.n_alive < self.max_instances
    }

    /// Applies the start or end of non-down outage `idx`.
    pub(super) fn set_outage(&mut self, outages: &[Outage], idx: u32, starting: bool) {
        if starting {
            self.outages.push(idx);
        } else {
            self.outages.retain(|&i| i != idx);
        }
        self.errors.clear();
        self.latency.clear();
        self.cap = self.max_instances;
        self.cold_multiplier = 1.0;
        for &i in &self.outages {
            match &outages[i as usize].kind {
                OutageKind::Errors { rate, status } => self.errors.push((*rate, *status)),
                OutageKind::Latency { extra } => self.latency.push(extra.sampler()),
                OutageKind::Capacity { max_instances } => self.cap = self.cap.min(*max_instances),
                OutageKind::ColdStart { multiplier } => self.cold_multiplier *= multiplier,
                OutageKind::Down => {}
            }
        }
    }
}

/// What a region does on its own: its instances' life, its charges, its
/// autoscaler's measurements, its probes and its outages.
impl RegionState {
    /// Counts the region's instances (alive, starting) as of `now`.
    #[inline]
    fn report(&self, now: SimTime, id: RegionId, m: &mut Metrics) {
        m.instances(now, id.0, u64::from(self.n_alive), u64::from(self.n_starting));
    }

    /// Starts the instances the region has at t = 0, warm.
    pub(super) fn start_initial(&mut self, now: SimTime, id: RegionId, m: &mut Metrics) {
        for _ in 0..self.initial {
            let i = self.new_instance(now, id, m, InstState::Active);
            self.n_active += 1;
            self.buckets.insert(&mut self.insts, i);
        }
        self.report(now, id, m);
    }

    /// A new instance in `state`, reusing a stopped one's slot.
    fn new_instance(&mut self, now: SimTime, id: RegionId, m: &mut Metrics, state: InstState) -> InstId {
        self.accrue(now, id, m);
        let fresh = |epoch: u32, cpu_gen: u32| Instance {
            state,
            epoch,
            cpu_gen,
            inflight: 0,
            cpu_jobs: 0,
            heap: BinaryHeap::new(),
            v: 0.0,
            v_at: SimTime::ZERO,
            lone: JobId::NONE,
            lone_end: SimTime::ZERO,
            billed_since: SimTime::ZERO,
            bucket_pos: NONE,
            ready: state != InstState::Starting,
            probe_fails: 0,
        };
        self.n_alive += 1;
        if let Some(i) = self.free_insts.pop() {
            // Generations carry over, so events of the slot's last occupant stay stale.
            let old = &mut self.insts[i];
            let mut heap = std::mem::take(&mut old.heap);
            heap.clear();
            *old = Instance { heap, ..fresh(old.epoch.wrapping_add(1), old.cpu_gen.wrapping_add(1)) };
            i
        } else {
            self.insts.push(fresh(0, 0))
        }
    }

    /// Starts a cold instance; it becomes ready by an `InstanceReady`.
    #[inline]
    pub(super) fn start_instance(&mut self, q: &mut EventQueue<Event>, id: RegionId, m: &mut Metrics) {
        let now = q.now();
        let i = self.new_instance(now, id, m, InstState::Starting);
        self.n_starting += 1;
        self.n_busy += 1;
        let mut d = self.cold_start.sample_f64(&mut self.rng_instances) * self.cold_multiplier;
        if self.boost {
            d *= BOOST_FACTOR;
        }
        let inst = &mut self.insts[i];
        inst.billed_since = now;
        let epoch = inst.epoch;
        q.schedule_in(round_ns(d), Event::InstanceReady { region: id, inst: i, epoch });
        m.cold_start(now, id.0);
        self.report(now, id, m);
    }

    /// Instance `i`'s cold start (generation `epoch`) is over: it becomes
    /// active. Returns when its billable period began, or `None` when the
    /// event is stale. The caller gives it queued requests, then calls
    /// [`Self::end_cold_start`].
    pub(super) fn instance_ready(
        &mut self,
        now: SimTime,
        id: RegionId,
        m: &mut Metrics,
        i: InstId,
        epoch: u32,
    ) -> Option<SimTime> {
        let inst = &mut self.insts[i];
        if inst.epoch != epoch || inst.state != InstState::Starting {
            return None;
        }
        inst.state = InstState::Active;
        inst.ready = true;
        let started = inst.billed_since;
        self.n_starting -= 1;
        self.n_active += 1;
        self.report(now, id, m);
        Some(started)
    }

    /// Closes the billable period of instance `i`'s cold start, which
    /// began at `started`; the period goes on if queued requests were
    /// waiting for it (their assignment counted it busy again, and
    /// restarted its period).
    pub(super) fn end_cold_start(
        &mut self,
        now: SimTime,
        id: RegionId,
        m: &mut Metrics,
        i: InstId,
        started: SimTime,
    ) {
        if self.insts[i].inflight == 0 {
            self.bill(now, id, m, i, true);
        } else {
            self.insts[i].billed_since = started;
            self.n_busy -= 1;
        }
    }

    /// Makes the time-based charges up to `now`: under request-based
    /// billing the idle minimum instances (as many as `min_instances`
    /// minus the busy ones, at most the idle ones), under instance-based
    /// billing every instance. Called before every change of the instance
    /// or busy counts, and at window boundaries.
    #[inline(always)]
    pub(super) fn accrue(&mut self, now: SimTime, id: RegionId, m: &mut Metrics) {
        let dt = now.since(self.accrued_at);
        self.accrued_at = self.accrued_at.max(now);
        if dt == 0 {
            return;
        }
        let per_s = match self.prices.billing {
            Billing::Request => {
                let idle = self.n_alive - self.n_busy;
                f64::from(self.min_instances.saturating_sub(self.n_busy).min(idle)) * self.prices.idle_per_s
            }
            Billing::Instance => f64::from(self.n_alive) * self.prices.life_per_s,
        };
        if per_s > 0.0 {
            m.cost(now, id.0, per_s * dt as f64 / NS_PER_S as f64);
        }
    }

    /// Charges instance `i`'s billable time up to `now` ([`billed_ns`]:
    /// rounded up when the period is `closing`, whole granules at a window
    /// boundary), so each window carries the cost of the time it saw.
    #[inline(always)]
    pub(super) fn bill(&mut self, now: SimTime, id: RegionId, m: &mut Metrics, i: InstId, closing: bool) {
        if closing {
            self.accrue(now, id, m);
            self.n_busy -= 1;
        }
        let inst = &mut self.insts[i];
        let billed = billed_ns(now.since(inst.billed_since), closing);
        if billed == 0 {
            return;
        }
        inst.billed_since = inst.billed_since.plus(billed);
        if self.prices.billing == Billing::Request {
            m.cost(now, id.0, self.prices.busy(billed));
        }
    }

    /// Makes every charge up to `now`: the time-based ones, then each
    /// billable instance's (closing its period when `closing`).
    pub(super) fn bill_all(&mut self, now: SimTime, id: RegionId, m: &mut Metrics, closing: bool) {
        self.accrue(now, id, m);
        for i in self.insts.ids() {
            if self.insts[i].billable() {
                self.bill(now, id, m, i, closing);
            }
        }
    }

    /// Makes the most recently idled instance active again, if any.
    #[inline(always)]
    pub(super) fn reuse_idle(&mut self) -> Option<InstId> {
        while let Some((i, epoch)) = self.idle.pop() {
            let inst = &mut self.insts[i];
            if inst.epoch != epoch || inst.state != InstState::Idle {
                continue;
            }
            inst.state = InstState::Active;
            inst.epoch = inst.epoch.wrapping_add(1);
            self.n_idle -= 1;
            self.n_active += 1;
            if inst.inflight < self.concurrency {
                self.buckets.insert(&mut self.insts, i);
            }
            return Some(i);
        }
        None
    }

    /// Brings instance `i`'s virtual CPU clock up to `now`.
    #[inline]
    pub(super) fn advance(&mut self, now: SimTime, i: InstId) {
        let cpu = self.cpu;
        let inst = &mut self.insts[i];
        if inst.cpu_jobs > 0 {
            let rate = cpu_share(cpu, inst.cpu_jobs);
            inst.v += rate * now.since(inst.v_at) as f64;
        }
        inst.v_at = now;
    }

    /// Ends instance `i`'s lone CPU part if it is due by `now`, as of its
    /// end (what a `CpuDone` then does for an instance's only CPU part).
    /// Returns its job, whose I/O part's end is scheduled already.
    #[inline(always)]
    pub(super) fn settle_lone(&mut self, now: SimTime, i: InstId) -> Option<JobId> {
        let inst = &mut self.insts[i];
        if inst.lone == JobId::NONE || inst.lone_end > now {
            return None;
        }
        let (job, end) = (std::mem::replace(&mut inst.lone, JobId::NONE), inst.lone_end);
        inst.cpu_jobs = 0;
        inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
        inst.v = 0.0;
        inst.v_at = end;
        self.busy_cpu.change(end, self.cpu, 1, 0);
        Some(job)
    }

    /// Stops instance `i` and frees its slot.
    pub(super) fn stop_instance(&mut self, now: SimTime, id: RegionId, m: &mut Metrics, i: InstId) {
        self.accrue(now, id, m);
        if self.insts[i].state == InstState::Starting {
            // A cold start cut short is still billed.
            self.bill(now, id, m, i, true);
        }
        self.buckets.remove(&mut self.insts, i);
        let inst = &mut self.insts[i];
        match inst.state {
            InstState::Starting => self.n_starting -= 1,
            InstState::Active => self.n_active -= 1,
            InstState::Idle => self.n_idle -= 1,
            InstState::Retiring => self.n_retiring -= 1,
            InstState::Gone => return,
        }
        inst.state = InstState::Gone;
        inst.epoch = inst.epoch.wrapping_add(1);
        inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
        self.n_alive -= 1;
        self.free_insts.push(i);
        self.report(now, id, m);
    }

    /// Stops instance `i` if it is still the idle, drained instance of
    /// generation `epoch` (its idle timeout is over).
    pub(super) fn reclaim_idle(
        &mut self,
        now: SimTime,
        id: RegionId,
        m: &mut Metrics,
        i: InstId,
        epoch: u32,
    ) {
        let inst = &self.insts[i];
        if inst.epoch == epoch && inst.state == InstState::Idle && inst.inflight == 0 {
            self.stop_instance(now, id, m, i);
        }
    }

    /// Takes an active instance out of service: it becomes idle (reusable)
    /// or retiring (stopped when drained).
    pub(super) fn deactivate(
        &mut self,
        q: &mut EventQueue<Event>,
        id: RegionId,
        m: &mut Metrics,
        i: InstId,
        retire: bool,
    ) {
        let now = q.now();
        self.buckets.remove(&mut self.insts, i);
        self.n_active -= 1;
        let inst = &mut self.insts[i];
        inst.epoch = inst.epoch.wrapping_add(1);
        let epoch = inst.epoch;
        if retire {
            inst.state = InstState::Retiring;
            self.n_retiring += 1;
            if inst.inflight == 0 {
                self.stop_instance(now, id, m, i);
            }
        } else {
            inst.state = InstState::Idle;
            self.n_idle += 1;
            self.idle.push((i, epoch));
            if inst.inflight == 0 {
                q.schedule_in(self.idle_timeout_ns, Event::IdleReclaim { region: id, inst: i, epoch });
            }
        }
    }

    /// What instance `i` does when a slot was freed and it holds no
    /// queued request: an idle instance now drained waits out its idle
    /// timeout, a retiring one stops. Returns whether it is active (and
    /// so may take queued requests).
    #[inline]
    pub(super) fn after_release(
        &mut self,
        q: &mut EventQueue<Event>,
        id: RegionId,
        m: &mut Metrics,
        i: InstId,
    ) -> bool {
        let inst = &self.insts[i];
        match inst.state {
            InstState::Active => return true,
            InstState::Idle if inst.inflight == 0 => {
                let epoch = inst.epoch;
                q.schedule_in(self.idle_timeout_ns, Event::IdleReclaim { region: id, inst: i, epoch });
            }
            InstState::Retiring if inst.inflight == 0 => self.stop_instance(q.now(), id, m, i),
            _ => {}
        }
        false
    }

    /// The autoscaler's reading at `now`: the trailing averages of the
    /// requests at the region and of its busy vCPUs, moved on to `now`,
    /// and the instances they call for. `None` while the region is down.
    /// Lone CPU parts due by `now` must be settled first.
    pub(super) fn measure(&mut self, now: SimTime) -> Option<u32> {
        let load_now = self.requests.value;
        self.requests.set(now, load_now);
        let busy_area = self.busy_cpu.area_s(now, self.cpu);
        let t = now.as_secs_f64();
        self.history.push_back((t, self.requests.area, busy_area));
        while self.history.len() > 2 && self.history[1].0 <= t - AUTOSCALE_WINDOW_S {
            self.history.pop_front();
        }
        if self.down > 0 {
            return None;
        }
        let (t0, a0, b0) = self.history[0];
        let span = (t - t0).max(1e-9);
        let load = (self.requests.area - a0) / span;
        let busy = (busy_area - b0) / span;
        let desired = self.desired(load, busy);
        debug_assert!(!self.requests.unread || desired == self.cap, "a fixed-size service wants its cap");
        Some(desired)
    }

    /// Scales in towards `desired`: the least-loaded active instances
    /// above it (never below `min_instances`) become idle.
    pub(super) fn scale_in(
        &mut self,
        q: &mut EventQueue<Event>,
        id: RegionId,
        m: &mut Metrics,
        desired: u32,
    ) {
        while self.n_starting + self.n_active > desired && self.n_active > self.min_instances {
            let Some(i) = self.buckets.first() else { break };
            self.deactivate(q, id, m, i, false);
        }
    }

    /// Stops instances above the region's (lowered) cap: idle ones first,
    /// then starting ones, then the least-loaded active ones, which drain.
    pub(super) fn enforce_cap(&mut self, q: &mut EventQueue<Event>, id: RegionId, m: &mut Metrics) {
        let now = q.now();
        while self.n_alive - self.n_retiring > self.cap {
            if let Some((i, epoch)) = self.idle.pop() {
                let inst = &mut self.insts[i];
                if inst.epoch == epoch && inst.state == InstState::Idle {
                    if inst.inflight == 0 {
                        self.stop_instance(now, id, m, i);
                    } else {
                        inst.state = InstState::Retiring;
                        self.n_idle -= 1;
                        self.n_retiring += 1;
                    }
                }
                continue;
            }
            if self.n_starting > 0 {
                let i =
                    self.insts.iter().position(|x| x.state == InstState::Starting).map(|p| InstId(p as u32));
                if let Some(i) = i {
                    self.stop_instance(now, id, m, i);
                    continue;
                }
            }
            let choice = self.buckets.first().or_else(|| {
                self.insts.iter().position(|x| x.state == InstState::Active).map(|p| InstId(p as u32))
            });
            match choice {
                Some(i) => self.deactivate(q, id, m, i, true),
                None => return,
            }
        }
    }

    /// A `down` outage begins, once the region's requests were answered
    /// and its instances billed: every instance is lost.
    pub(super) fn lose_instances(&mut self, now: SimTime, id: RegionId, m: &mut Metrics) {
        debug_assert_eq!(self.n_busy, 0, "every busy instance's period was closed");
        self.n_busy = 0;
        for (i, inst) in self.insts.iter_mut().enumerate() {
            if inst.state != InstState::Gone {
                inst.state = InstState::Gone;
                inst.epoch = inst.epoch.wrapping_add(1);
                inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
                inst.heap.clear();
                inst.lone = JobId::NONE;
                inst.bucket_pos = NONE;
                self.free_insts.push(InstId(i as u32));
            }
        }
        self.buckets.clear();
        self.idle.clear();
        (self.n_starting, self.n_active, self.n_idle, self.n_retiring, self.n_alive) = (0, 0, 0, 0, 0);
        self.busy_cpu.clear(now);
        self.requests.set(now, 0.0);
        self.report(now, id, m);
    }

    /// A `down` outage ends: the region cold-starts its minimum instances.
    pub(super) fn come_up(&mut self, q: &mut EventQueue<Event>, id: RegionId, m: &mut Metrics) {
        self.down = self.down.saturating_sub(1);
        if self.down > 0 {
            return;
        }
        for _ in 0..self.min_instances.min(self.cap) {
            self.start_instance(q, id, m);
        }
    }

    /// Service health: one round of readiness probes on every started
    /// instance. A probe fails with the region's injected error rate, or
    /// when its injected latency exceeds `probe_timeout`; an instance is
    /// not ready after `failure_threshold` failures in a row and ready
    /// again after one success (Cloud Run's probe defaults). The region is
    /// healthy while at least `healthy_share` of its started instances are
    /// ready; a change reaches the load balancer after `propagation`.
    pub(super) fn probe(&mut self, q: &mut EventQueue<Event>, id: RegionId, cfg: &ServiceHealth) {
        let fail_rate: f64 = self.errors.iter().map(|&(rate, _)| rate).sum::<f64>().min(1.0);
        let (mut started, mut ready) = (0u32, 0u32);
        for k in self.insts.ids() {
            let state = self.insts[k].state;
            if state == InstState::Gone || state == InstState::Starting {
                continue;
            }
            let mut failed = fail_rate > 0.0 && self.probes.random::<f64>() < fail_rate;
            if !self.latency.is_empty() {
                let extra: f64 = self.latency.iter().map(|s| s.sample_f64(&mut self.probes)).sum();
                failed |= extra > cfg.probe_timeout_ns as f64;
            }
            let inst = &mut self.insts[k];
            if failed {
                inst.probe_fails += 1;
                if inst.probe_fails >= cfg.failure_threshold {
                    inst.ready = false;
                }
            } else {
                inst.probe_fails = 0;
                inst.ready = true;
            }
            started += 1;
            ready += u32::from(inst.ready);
        }
        let healthy = started > 0 && f64::from(ready) >= cfg.healthy_share * f64::from(started);
        if healthy != self.healthy {
            self.healthy = healthy;
            q.schedule_in(cfg.propagation_ns, Event::HealthSeen { region: id, healthy });
        }
        q.schedule_in(cfg.probe_period_ns, Event::Probe { region: id });
    }
}

/// The busy vCPUs of a region's instances, integrated over time exactly.
///
/// An instance with `n` requests in their CPU part keeps `min(n, cpu)`
/// vCPUs busy: `n` while `n <= cpu`, else `cpu`. So the region's busy
/// vCPUs are `whole + cpu * saturated`, with `whole` the CPU parts on
/// instances with no more than `cpu` of them and `saturated` the
/// instances with more, two whole numbers, and their integrals over time
/// are whole numbers of nanoseconds. Whole numbers make the integral
/// exact, so it does not depend on the order changes are counted in: a
/// change may be counted after later ones, as of its own time (a lone CPU
/// part's end, settled late), and gives the same integral to the bit.
#[derive(Clone, Copy, Default)]
pub(super) struct BusyVcpus {
    pub(super) whole: i64,
    pub(super) saturated: i64,
    /// Integrals of `whole` and `saturated` up to `at`, in nanoseconds.
    pub(super) whole_ns: i128,
    pub(super) saturated_ns: i128,
    pub(super) at: SimTime,
    /// Nothing reads it (see [`unread`]): `change` counts nothing.
    pub(super) unread: bool,
}

impl BusyVcpus {
    /// An instance with `cpu` vCPUs went from `before` to `after` CPU
    /// parts at `t`, which may be earlier than changes already counted.
    #[inline]
    pub(super) fn change(&mut self, t: SimTime, cpu: f64, before: u32, after: u32) {
        if self.unread {
            return;
        }
        let parts = |n: u32| if f64::from(n) <= cpu { (i64::from(n), 0) } else { (0, 1) };
        let ((w0, s0), (w1, s1)) = (parts(before), parts(after));
        let (dw, ds) = (w1 - w0, s1 - s0);
        if t >= self.at {
            self.integrate(t);
        } else {
            // Counted since `t` at the old values: correct by the change.
            let since = i128::from(self.at.since(t));
            self.whole_ns += i128::from(dw) * since;
            self.saturated_ns += i128::from(ds) * since;
        }
        self.whole += dw;
        self.saturated += ds;
    }

    #[inline]
    pub(super) fn integrate(&mut self, now: SimTime) {
        let dt = i128::from(now.since(self.at));
        self.whole_ns += i128::from(self.whole) * dt;
        self.saturated_ns += i128::from(self.saturated) * dt;
        self.at = self.at.max(now);
    }

    /// The integral up to `now`, in vCPU-seconds.
    pub(super) fn area_s(&mut self, now: SimTime, cpu: f64) -> f64 {
        self.integrate(now);
        (self.whole_ns as f64 + cpu * self.saturated_ns as f64) / 1e9
    }

    /// Every instance is lost at `now`.
    pub(super) fn clear(&mut self, now: SimTime) {
        self.integrate(now);
        self.whole = 0;
        self.saturated = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::{BusyVcpus, RegionState, cpu_share};
    use crate::engine::SimTime;
    use crate::engine::rng::stream;
    use rand::RngExt;

    #[test]
    fn busy_vcpus_integrate_exactly_whatever_the_order_of_the_changes() {
        // Instances of 0.5, 1 and 2.5 vCPUs, with CPU parts coming and
        // going at random instants: the integral counted in time order
        // equals the one counted with every end late (as a lone part's
        // end is settled), and both equal min(n, cpu) integrated by hand.
        for cpu in [0.5, 1.0, 2.5] {
            let mut rng = stream(7, "busy");
            let mut jobs = [0u32; 4];
            let mut changes = Vec::new();
            let mut t = 0u64;
            for _ in 0..2000 {
                t += rng.random_range(0..1_000_000u64);
                let i = rng.random_range(0..jobs.len());
                let before = jobs[i];
                jobs[i] = if before == 0 || rng.random::<bool>() { before + 1 } else { before - 1 };
                changes.push((SimTime(t), before, jobs[i]));
            }
            let end = SimTime(t + 1_000_000);
            let mut in_order = BusyVcpus::default();
            let mut expected = 0.0;
            let mut busy = 0.0;
            let mut last = 0u64;
            for &(at, before, after) in &changes {
                in_order.change(at, cpu, before, after);
                expected += busy * (at.0 - last) as f64;
                busy += f64::from(after).min(cpu) - f64::from(before).min(cpu);
                last = at.0;
            }
            expected += busy * (end.0 - last) as f64;
            // Every decrease counted only after all the increases.
            let mut late = BusyVcpus::default();
            let (up, down): (Vec<_>, Vec<_>) = changes.iter().partition(|c| c.2 > c.1);
            for &(at, before, after) in up.iter().chain(down.iter().rev()) {
                late.change(at, cpu, before, after);
            }
            let (a, b) = (in_order.area_s(end, cpu), late.area_s(end, cpu));
            assert_eq!(a.to_bits(), b.to_bits(), "cpu {cpu}");
            assert!((a - expected / 1e9).abs() <= 1e-9 * a, "cpu {cpu}: {a} against {}", expected / 1e9);
            assert_eq!((in_order.whole, in_order.saturated), (late.whole, late.saturated));
        }
    }

    /// Why a fixed-size service keeps no load or busy-vCPU integrals: its
    /// autoscaler wants the region's cap whatever they would say, for
    /// every cap `capacity` outages can set, alone or overlapping, above
    /// `max_instances` too (the cap never exceeds it). A service that can
    /// scale does follow them.
    #[test]
    fn a_fixed_size_service_wants_its_cap_whatever_the_load() {
        let toml = |min: u32, max: u32| {
            let mut text = format!(
                "[simulation]\nduration = \"1m\"\n[service]\nmin_instances = {min}\nmax_instances = {max}\n\
                 [[region]]\nname = \"us-central1\"\n[[city]]\nname = \"Chicago\"\nrps = 10.0\n"
            );
            for cap in [0, 2, 4, 9] {
                text += &format!(
                    "[[outage]]\nregion = \"us-central1\"\nstart = \"10s\"\nduration = \"10s\"\n\
                     kind = \"capacity\"\nmax_instances = {cap}\n"
                );
            }
            text
        };
        let load = |min: u32, max: u32| {
            let text = toml(min, max);
            crate::scenario::from_str(std::path::Path::new("t.toml"), &text, &Default::default())
                .unwrap()
                .scenario
        };
        let region = |sc: &crate::scenario::Scenario| RegionState::new(&sc.deployments[0], sc, 10.0);
        let mut rng = stream(3, "loads");
        let sc = load(6, 6);
        let mut fixed = region(&sc);
        assert!(fixed.requests.unread && fixed.busy_cpu.unread);
        // Outages 3 (a cap of 9), 2 (4), 1 (2) and 0 (0) start in turn and
        // end in another order: caps 6, 6, 4, 2, 0, 0, 2, 4, 6.
        let steps =
            [(3, true), (2, true), (1, true), (0, true), (3, false), (0, false), (1, false), (2, false)];
        let mut caps = vec![fixed.cap];
        for (idx, starting) in steps {
            fixed.set_outage(&sc.outages, idx, starting);
            caps.push(fixed.cap);
        }
        assert_eq!(caps, [6, 6, 4, 2, 0, 0, 2, 4, 6]);
        for (idx, starting) in steps {
            fixed.set_outage(&sc.outages, idx, starting);
            for _ in 0..1000 {
                let (load, busy) = (rng.random_range(0.0..1e4), rng.random_range(0.0..1e3));
                assert_eq!(
                    fixed.desired(load, busy),
                    fixed.cap,
                    "cap {}, load {load}, busy {busy}",
                    fixed.cap
                );
            }
        }
        let scaling = region(&load(1, 6));
        assert!(!scaling.requests.unread && !scaling.busy_cpu.unread);
        assert_eq!(scaling.desired(0.0, 0.0), 1);
        assert_eq!(scaling.desired(1e4, 0.0), 6);
    }

    #[test]
    fn a_cpu_share_is_the_divided_and_capped_one_to_the_bit() {
        let mut cpus = vec![0.08, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 6.0, 8.0, 1e-300, 1e300];
        // The doubles on either side of every whole number of vCPUs and of
        // the powers of two, where `cpu / jobs` is closest to 1.
        for k in 1..=1100u32 {
            let c = f64::from(k);
            cpus.extend([c, f64::from_bits(c.to_bits() - 1), f64::from_bits(c.to_bits() + 1)]);
        }
        for &cpu in &cpus {
            for jobs in 1..=1000u32 {
                let want = (cpu / f64::from(jobs)).min(1.0);
                assert_eq!(cpu_share(cpu, jobs).to_bits(), want.to_bits(), "cpu {cpu:e}, {jobs} jobs");
            }
        }
    }
}
