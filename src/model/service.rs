//! A regional Cloud Run service: instances, concurrency slots, CPU sharing,
//! the pending queue, the autoscaler, cold starts and outages.
//!
//! Mechanisms, with their defaults and sources (DESIGN.md's table of facts):
//!
//! * **Slots.** An instance serves at most `concurrency` requests at once
//!   (default 80, max 1000: about-concurrency). A request goes to the
//!   least-loaded ready instance with a free slot (Cloud Run does not
//!   document its instance selection; least-loaded keeps CPU sharing even).
//! * **CPU sharing.** A request's `cpu_time` is CPU work at one full vCPU.
//!   The requests in their CPU part on one instance share its `cpu` vCPUs
//!   equally (processor sharing): each progresses at `min(1, cpu / n)`. The
//!   `io_time` part follows the CPU part and needs no CPU.
//!
//!   A request whose CPU part starts on an instance with no other one
//!   (nearly all of them below saturation: 97.5 % in the global example
//!   at 10,000 requests/s) ends that part at an instant known then, unless
//!   another CPU part joins it first. It is *lone*: its I/O part's end is
//!   scheduled at once, and its CPU part ends without an event of its own.
//!   The instance keeps the end, and settles it, as of that instant
//!   (`settle_lone`), before anything reads or changes its CPU state: a
//!   new CPU part, the request's own I/O end or timeout, the autoscaler
//!   (which reads the region's busy vCPUs), an outage. So a CPU part due
//!   at an instant ends before anything else happens to its instance
//!   then. Another CPU part joining a lone one before its end turns it
//!   back into an ordinary one (`materialize`). The busy vCPUs are
//!   integrated in whole nanoseconds (`BusyVcpus`), exactly, so an end
//!   counted late, as of its own time, gives the same integral to the
//!   bit. [`super::run_event_by_event`] also schedules a `CpuDone` at each
//!   lone end, which settles it on time; the tests check that the figures
//!   are the same.
//! * **Pending queue.** A request that finds no free slot waits, first in
//!   first out. After `pending_timeout` (default: 3.5 times the mean cold
//!   start or 10 s, whichever is greater, as Cloud Run documents) it is turned away: 429 when the region
//!   is at its instance cap, else 500, the two "no available instance"
//!   errors of Cloud Run's troubleshooting page.
//! * **Request timeout.** `request_timeout` after it reached the region
//!   (default 300 s) a request ends with 504 and frees its slot.
//! * **Autoscaler.** Every 2 s, from one-minute trailing averages of the
//!   requests at the region (in flight and pending) and of the vCPUs busy:
//!   `desired = max(ceil(requests / (concurrency * concurrency_target)),
//!   ceil(busy vCPUs / (cpu * cpu_target)))`, clamped to
//!   `[min_instances, cap]` (about-instance-autoscaling: 60 % targets over a
//!   one-minute window). Above `desired`, instances stop taking requests
//!   and become idle once drained; below it, idle instances are reused first,
//!   then new ones cold-start.
//! * **On-demand scale-out.** When a request has to queue and the queue is
//!   longer than the slots of the instances already starting can absorb, an
//!   instance starts at once (the "on-demand scaling for bursts").
//! * **Cold start.** A new instance takes a `cold_start` draw before it
//!   takes requests; 0.6 times that with `startup_cpu_boost` (Google cites
//!   startup up to 30 to 50 % faster).
//! * **Idle retention.** An idle instance is kept `idle_timeout` (default
//!   15 min, not officially documented) for reuse without a cold start, then
//!   stopped. `min_instances` are never stopped.
//! * **Billing.** Request-based: see [`super::billing`].
//!
//! Outages: `down` fails every request with a connection failure and loses
//! every instance (in-flight requests are reset); afterwards the region
//! cold-starts again from `min_instances`. `errors` answers a share of
//! requests with a status at once, before an instance. `latency` adds its
//! draw to the request's I/O part. `capacity` lowers the cap: idle
//! instances stop, then starting ones, then the least-loaded active ones
//! drain and stop. `cold-start` multiplies cold starts begun during it.

use super::ahead::Ahead;
use super::billing::{Prices, billed_ns};
use super::ids::{IdVec, InstId, JobId, RegionId, ReqId};
use super::timers::NONE;
use super::{Event, JobList, Simulation, status};
use crate::engine::rng::{Rng, stream};
use crate::engine::time::{NS_PER_S, ceil_ns, round_ns};
use crate::engine::{EventQueue, SimTime};
use crate::scenario::dist::Sampler;
use crate::scenario::{Billing, InitialInstances, Outage, OutageKind, Pricing, Region, ServiceConfig};
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Window of the autoscaler's trailing averages.
const AUTOSCALE_WINDOW_S: f64 = 60.0;
/// Cold-start factor with startup CPU boost.
const BOOST_FACTOR: f64 = crate::scenario::STARTUP_BOOST_FACTOR;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InstState {
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
struct CpuEntry(f64, JobId, u32);

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
    state: InstState,
    /// Bumped when the instance is stopped or changes role; events carry it.
    epoch: u32,
    /// Bumped whenever the next CPU completion is rescheduled.
    cpu_gen: u32,
    /// Requests holding a slot.
    inflight: u32,
    /// Live requests in their CPU part.
    cpu_jobs: u32,
    /// CPU-phase requests by virtual finish time (may hold dead entries).
    heap: BinaryHeap<Reverse<CpuEntry>>,
    /// Virtual CPU time: work done by each CPU-phase request, ns.
    v: f64,
    v_at: SimTime,
    /// The job whose CPU part runs alone, with its end in `lone_end`
    /// instead of `heap`, or `NONE` (see the module docs).
    lone: JobId,
    lone_end: SimTime,
    /// Start of the part of the current billable period (starting, or with
    /// a request in flight) not yet charged.
    billed_since: SimTime,
    /// Position in its load bucket, or `NONE`.
    bucket_pos: u32,
    /// Service health: whether its readiness probe passes (after its cold
    /// start, until `failure_threshold` probes in a row fail).
    ready: bool,
    /// Service health: readiness probes failed in a row.
    probe_fails: u32,
}

impl Instance {
    /// Whether the instance is being billed: starting, or serving a request.
    fn billable(&self) -> bool {
        self.state == InstState::Starting || (self.state != InstState::Gone && self.inflight > 0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JobState {
    Pending,
    Cpu,
    Io,
    Free,
}

/// A try being handled by a region.
pub(super) struct Job {
    pub(super) req: ReqId,
    pub(super) req_gen: u32,
    region: RegionId,
    inst: InstId,
    arrived: SimTime,
    cpu_ns: f64,
    io_ns: u64,
    /// The status it answers when its work is done: 200, or 500 when a
    /// dependency call failed.
    answer: u16,
    epoch: u32,
    state: JobState,
}

/// The CPU each of `jobs` CPU-phase requests gets on an instance of `cpu`
/// vCPUs: an equal share, at most one vCPU. The same value as
/// `(cpu / jobs).min(1.0)`, without the division when each gets a whole
/// vCPU (for an integer `jobs`, `cpu / jobs` rounds to 1.0 or more exactly
/// when `jobs <= cpu`).
#[inline]
fn cpu_share(cpu: f64, jobs: u32) -> f64 {
    let n = f64::from(jobs);
    if n <= cpu { 1.0 } else { cpu / n }
}

/// Nanoseconds until `work` of CPU is done at a share of `rate` (from
/// [`cpu_share`]), at least 1. `x / 1.0` is `x` exactly: the division is
/// only made when the CPU is shared.
#[inline]
fn time_to_finish(work: f64, rate: f64) -> u64 {
    ceil_ns(if rate == 1.0 { work } else { work / rate }).max(1)
}

/// Active ready instances with a free slot, bucketed by requests in flight,
/// so the least-loaded one is found in O(1).
struct LoadBuckets {
    buckets: Vec<Vec<InstId>>,
    min: usize,
    count: usize,
}

impl LoadBuckets {
    fn new(concurrency: u32) -> Self {
        LoadBuckets { buckets: (0..concurrency).map(|_| Vec::new()).collect(), min: 0, count: 0 }
    }

    fn insert(&mut self, insts: &mut IdVec<InstId, Instance>, i: InstId) {
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
    fn remove(&mut self, insts: &mut IdVec<InstId, Instance>, i: InstId) {
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

    fn first(&mut self) -> Option<InstId> {
        if self.count == 0 {
            return None;
        }
        while self.buckets[self.min].is_empty() {
            self.min += 1;
        }
        self.buckets[self.min].last().copied()
    }

    fn clear(&mut self) {
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
struct Integral {
    value: f64,
    area: f64,
    at: SimTime,
    /// Nothing reads it (see [`unread`]): `add` counts nothing.
    unread: bool,
}

impl Integral {
    #[inline]
    fn set(&mut self, now: SimTime, value: f64) {
        self.area += self.value * now.since(self.at) as f64 / 1e9;
        self.at = now;
        self.value = value;
    }

    #[inline]
    fn add(&mut self, now: SimTime, delta: f64) {
        if self.unread {
            return;
        }
        let v = self.value + delta;
        self.set(now, v);
    }
}

pub(super) struct RegionState {
    concurrency: u32,
    cpu: f64,
    min_instances: u32,
    max_instances: u32,
    cpu_target: f64,
    concurrency_target: f64,
    idle_timeout_ns: u64,
    pending_timeout_ns: u64,
    request_timeout_ns: u64,
    boost: bool,
    cpu_time: Sampler,
    io_time: Sampler,
    cold_start: Sampler,
    prices: Prices,
    initial: u32,
    /// CPU and I/O times of requests (a job's CPU time, then its I/O
    /// time). Each purpose has its own stream, so that a sweep changing
    /// one (an error rate, say) leaves the others' draws as they were.
    work: Ahead<(f64, u64)>,
    /// Error-outage rolls and latency injections.
    faults: Rng,
    /// Readiness probes (service health).
    probes: Rng,
    /// Calls to dependencies.
    dep_rng: Rng,
    /// Service health: whether the region counted as healthy at its last probe round.
    healthy: bool,
    /// Cold-start draws.
    rng_instances: Rng,
    insts: IdVec<InstId, Instance>,
    free_insts: Vec<InstId>,
    buckets: LoadBuckets,
    /// Idle instances, most recent last (entries may be stale).
    idle: Vec<(InstId, u32)>,
    n_starting: u32,
    n_active: u32,
    n_idle: u32,
    n_retiring: u32,
    n_alive: u32,
    /// Instances being billed as busy (starting, or serving a request).
    n_busy: u32,
    /// Time-based charges (idle minimum instances, or instance lifetimes)
    /// are made up to here.
    accrued_at: SimTime,
    /// Active `down` outages.
    down: u32,
    /// Indices of active non-down outages.
    outages: Vec<u32>,
    errors: Vec<(f64, u16)>,
    latency: Vec<Sampler>,
    cap: u32,
    cold_multiplier: f64,
    /// Requests at the region (in flight and pending), for the autoscaler.
    requests: Integral,
    /// vCPUs busy, for the autoscaler.
    busy_cpu: BusyVcpus,
    /// (seconds, requests area, busy area) at each autoscaler tick.
    history: VecDeque<(f64, f64, f64)>,
}

impl RegionState {
    pub(super) fn new(
        r: &Region,
        pricing: &Pricing,
        seed: u64,
        initial: InitialInstances,
        rate0: f64,
    ) -> Self {
        let s = &r.service;
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
    fn desired(&self, load: f64, busy: f64) -> u32 {
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
    fn can_start(&self) -> bool {
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
struct BusyVcpus {
    whole: i64,
    saturated: i64,
    /// Integrals of `whole` and `saturated` up to `at`, in nanoseconds.
    whole_ns: i128,
    saturated_ns: i128,
    at: SimTime,
    /// Nothing reads it (see [`unread`]): `change` counts nothing.
    unread: bool,
}

impl BusyVcpus {
    /// An instance with `cpu` vCPUs went from `before` to `after` CPU
    /// parts at `t`, which may be earlier than changes already counted.
    #[inline]
    fn change(&mut self, t: SimTime, cpu: f64, before: u32, after: u32) {
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
    fn integrate(&mut self, now: SimTime) {
        let dt = i128::from(now.since(self.at));
        self.whole_ns += i128::from(self.whole) * dt;
        self.saturated_ns += i128::from(self.saturated) * dt;
        self.at = self.at.max(now);
    }

    /// The integral up to `now`, in vCPU-seconds.
    fn area_s(&mut self, now: SimTime, cpu: f64) -> f64 {
        self.integrate(now);
        (self.whole_ns as f64 + cpu * self.saturated_ns as f64) / 1e9
    }

    /// Every instance is lost at `now`.
    fn clear(&mut self, now: SimTime) {
        self.integrate(now);
        self.whole = 0;
        self.saturated = 0;
    }
}

impl Simulation<'_> {
    pub(super) fn start_initial_instances(&mut self, region: RegionId, q: &mut EventQueue<Event>) {
        let n = self.regions[region].initial;
        for _ in 0..n {
            let i = self.new_instance(q.now(), region, InstState::Active);
            let reg = &mut self.regions[region];
            reg.n_active += 1;
            reg.buckets.insert(&mut reg.insts, i);
        }
        self.instances_changed(q.now(), region);
    }

    fn instances_changed(&mut self, now: SimTime, region: RegionId) {
        let reg = &self.regions[region];
        self.metrics.instances(now, region.0, u64::from(reg.n_alive), u64::from(reg.n_starting));
    }

    /// A new instance in `state`, reusing a stopped one's slot.
    fn new_instance(&mut self, now: SimTime, region: RegionId, state: InstState) -> InstId {
        self.accrue(now, region);
        let reg = &mut self.regions[region];
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
        reg.n_alive += 1;
        if let Some(i) = reg.free_insts.pop() {
            // Generations carry over, so events of the slot's last occupant stay stale.
            let old = &mut reg.insts[i];
            let mut heap = std::mem::take(&mut old.heap);
            heap.clear();
            *old = Instance { heap, ..fresh(old.epoch.wrapping_add(1), old.cpu_gen.wrapping_add(1)) };
            i
        } else {
            reg.insts.push(fresh(0, 0))
        }
    }

    /// Starts a cold instance.
    fn start_instance(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let now = q.now();
        let i = self.new_instance(now, region, InstState::Starting);
        let reg = &mut self.regions[region];
        reg.n_starting += 1;
        reg.n_busy += 1;
        let mut d = reg.cold_start.sample_f64(&mut reg.rng_instances) * reg.cold_multiplier;
        if reg.boost {
            d *= BOOST_FACTOR;
        }
        let inst = &mut reg.insts[i];
        inst.billed_since = now;
        let epoch = inst.epoch;
        q.schedule_in(round_ns(d), Event::InstanceReady { region, inst: i, epoch });
        self.metrics.cold_start(now, region.0);
        self.instances_changed(now, region);
    }

    pub(super) fn on_instance_ready(
        &mut self,
        q: &mut EventQueue<Event>,
        region: RegionId,
        i: InstId,
        epoch: u32,
    ) {
        let now = q.now();
        let reg = &mut self.regions[region];
        let inst = &mut reg.insts[i];
        if inst.epoch != epoch || inst.state != InstState::Starting {
            return;
        }
        inst.state = InstState::Active;
        inst.ready = true;
        let started = inst.billed_since;
        reg.n_starting -= 1;
        reg.n_active += 1;
        self.instances_changed(now, region);
        self.fill_from_pending(q, region, i);
        // Billed from the start of the cold start; the period goes on if
        // queued requests were waiting for this instance (their assignment
        // counted it busy again, and restarted its period).
        if self.regions[region].insts[i].inflight == 0 {
            self.bill(now, region, i, true);
        } else {
            let reg = &mut self.regions[region];
            reg.insts[i].billed_since = started;
            reg.n_busy -= 1;
        }
    }

    /// Makes the time-based charges of `region` up to `now`: under
    /// request-based billing its idle minimum instances (as many as
    /// `min_instances` minus the busy ones, at most the idle ones), under
    /// instance-based billing every instance it has. Called before every
    /// change of its instance or busy counts, and at window boundaries.
    #[inline(always)]
    fn accrue(&mut self, now: SimTime, region: RegionId) {
        let reg = &mut self.regions[region];
        let dt = now.since(reg.accrued_at);
        reg.accrued_at = reg.accrued_at.max(now);
        if dt == 0 {
            return;
        }
        let per_s = match reg.prices.billing {
            Billing::Request => {
                let idle = reg.n_alive - reg.n_busy;
                f64::from(reg.min_instances.saturating_sub(reg.n_busy).min(idle)) * reg.prices.idle_per_s
            }
            Billing::Instance => f64::from(reg.n_alive) * reg.prices.life_per_s,
        };
        if per_s > 0.0 {
            self.metrics.cost(now, region.0, per_s * dt as f64 / NS_PER_S as f64);
        }
    }

    /// Charges instance `i`'s billable time up to `now` ([`billed_ns`]:
    /// rounded up when the period is `closing`, whole granules at a window
    /// boundary), so each window carries the cost of the time it saw.
    #[inline(always)]
    fn bill(&mut self, now: SimTime, region: RegionId, i: InstId, closing: bool) {
        if closing {
            self.accrue(now, region);
            self.regions[region].n_busy -= 1;
        }
        let reg = &mut self.regions[region];
        let inst = &mut reg.insts[i];
        let billed = billed_ns(now.since(inst.billed_since), closing);
        if billed == 0 {
            return;
        }
        inst.billed_since = inst.billed_since.plus(billed);
        if reg.prices.billing == Billing::Request {
            let cost = reg.prices.busy(billed);
            self.metrics.cost(now, region.0, cost);
        }
    }

    /// Charges every billable instance of `region` up to `now`.
    fn bill_region(&mut self, now: SimTime, region: RegionId, closing: bool) {
        for i in self.regions[region].insts.ids() {
            if self.regions[region].insts[i].billable() {
                self.bill(now, region, i, closing);
            }
        }
    }

    /// Charges every billable instance up to `now` (a window boundary, or
    /// the end of the run when `closing`).
    pub(super) fn bill_all(&mut self, now: SimTime, closing: bool) {
        let rules = self.lb_prices.per_ns * now.since(self.lb_charged_at) as f64;
        self.lb_charged_at = self.lb_charged_at.max(now);
        if rules > 0.0 {
            self.metrics.cost_global(now, rules);
        }
        for region in self.regions.ids() {
            self.accrue(now, region);
            self.bill_region(now, region, closing);
        }
    }

    /// Gives queued requests to instance `i` while it has free slots; puts
    /// it in its load bucket if it still has one.
    fn fill_from_pending(&mut self, q: &mut EventQueue<Event>, region: RegionId, i: InstId) {
        loop {
            let reg = &self.regions[region];
            if reg.insts[i].inflight >= reg.concurrency {
                return;
            }
            let Some(job) = self.pending.pop_front(region.0).map(JobId) else {
                break;
            };
            self.assign(q, job, i);
        }
        let reg = &mut self.regions[region];
        let inst = &reg.insts[i];
        if inst.state == InstState::Active && inst.bucket_pos == NONE && inst.inflight < reg.concurrency {
            reg.buckets.insert(&mut reg.insts, i);
        }
    }

    pub(super) fn on_region_in(
        &mut self,
        q: &mut EventQueue<Event>,
        req: ReqId,
        epoch: u32,
        region: RegionId,
    ) {
        if self.reqs[req].epoch != epoch {
            return;
        }
        let now = q.now();
        if self.reqs[req].counted {
            self.metrics.region_try(region.0);
        } else if self.reqs[req].attack != NONE {
            self.metrics.attack_at_region(now, region.0);
        }
        let reg = &mut self.regions[region];
        if reg.down > 0 {
            return self.answer_to_edge(q, req, epoch, region, status::CONNECT_FAILURE);
        }
        let fee = reg.prices.per_request;
        if fee > 0.0 {
            self.metrics.cost(now, region.0, fee);
        }
        let reg = &mut self.regions[region];
        for k in 0..reg.errors.len() {
            let (rate, code) = reg.errors[k];
            if reg.faults.random::<f64>() < rate {
                return self.answer_to_edge(q, req, epoch, region, code);
            }
        }
        let (cpu_time, io_time) = (&reg.cpu_time, &reg.io_time);
        let (cpu_ns, mut io_ns) =
            reg.work.take(|rng| (cpu_time.sample_f64(rng).max(0.0), io_time.sample_ns(rng)));
        for k in 0..reg.latency.len() {
            io_ns = io_ns.saturating_add(reg.latency[k].sample_ns(&mut reg.faults));
        }
        let mut answer = 200;
        if !self.deps.is_empty() {
            let calls = self.deps.calls(region, &mut reg.dep_rng);
            io_ns = io_ns.saturating_add(calls.ns);
            if calls.failed {
                answer = 500;
            }
        }
        reg.requests.add(now, 1.0);
        let job = self.jobs.insert_with(|old| Job {
            req,
            req_gen: epoch,
            region,
            inst: InstId::NONE,
            arrived: now,
            cpu_ns,
            io_ns,
            answer,
            epoch: old.map_or(0, |o| o.epoch.wrapping_add(1)),
            state: JobState::Pending,
        });
        self.reqs[req].job = job;
        let due = now.plus(self.regions[region].request_timeout_ns);
        if self.req_timeouts.push(region.0, job.0, due) {
            q.schedule(due, Event::JobTimer { list: JobList::Request, region });
        }
        self.dispatch(q, job, region);
    }

    /// Puts `job` on the least-loaded instance with a free slot, on a reused
    /// idle instance, or in the pending queue (starting an instance on demand).
    fn dispatch(&mut self, q: &mut EventQueue<Event>, job: JobId, region: RegionId) {
        let now = q.now();
        let reg = &mut self.regions[region];
        if let Some(i) = reg.buckets.first() {
            return self.assign(q, job, i);
        }
        if let Some(i) = self.reuse_idle(region) {
            return self.assign(q, job, i);
        }
        let reg = &mut self.regions[region];
        let due = now.plus(reg.pending_timeout_ns);
        if self.pending.push(region.0, job.0, due) {
            q.schedule(due, Event::JobTimer { list: JobList::Pending, region });
        }
        let starting_slots = u64::from(reg.n_starting) * u64::from(reg.concurrency);
        if u64::from(self.pending.len(region.0)) > starting_slots && reg.can_start() {
            self.start_instance(q, region);
        }
    }

    /// Makes the most recently idled instance active again, if any.
    #[inline(always)]
    fn reuse_idle(&mut self, region: RegionId) -> Option<InstId> {
        let reg = &mut self.regions[region];
        while let Some((i, epoch)) = reg.idle.pop() {
            let inst = &mut reg.insts[i];
            if inst.epoch != epoch || inst.state != InstState::Idle {
                continue;
            }
            inst.state = InstState::Active;
            inst.epoch = inst.epoch.wrapping_add(1);
            reg.n_idle -= 1;
            reg.n_active += 1;
            if inst.inflight < reg.concurrency {
                reg.buckets.insert(&mut reg.insts, i);
            }
            return Some(i);
        }
        None
    }

    /// Starts `job` on instance `i`, which has a free slot.
    fn assign(&mut self, q: &mut EventQueue<Event>, job: JobId, i: InstId) {
        let now = q.now();
        let region = self.jobs[job].region;
        if self.regions[region].insts[i].inflight == 0 {
            // A busy period begins.
            self.accrue(now, region);
            let reg = &mut self.regions[region];
            reg.n_busy += 1;
            reg.insts[i].billed_since = now;
        }
        let reg = &mut self.regions[region];
        reg.buckets.remove(&mut reg.insts, i);
        let inst = &mut reg.insts[i];
        inst.inflight += 1;
        if inst.state == InstState::Active && inst.inflight < reg.concurrency {
            reg.buckets.insert(&mut reg.insts, i);
        }
        let j = &mut self.jobs[job];
        j.inst = i;
        let wait = now.since(j.arrived);
        self.metrics.queue_wait(now, region.0, wait);
        if j.cpu_ns > 0.0 {
            // Only a lone CPU part needs settling or making ordinary.
            if self.regions[region].insts[i].lone != JobId::NONE {
                self.settle_lone(now, region, i);
                self.materialize(region, i);
            }
            if self.regions[region].insts[i].cpu_jobs == 0 && self.cpu_done_at != (region, i) {
                return self.start_lone(q, job, i);
            }
            let j = &mut self.jobs[job];
            j.state = JobState::Cpu;
            let (work, epoch) = (j.cpu_ns, j.epoch);
            self.advance(now, region, i);
            let reg = &mut self.regions[region];
            let inst = &mut reg.insts[i];
            inst.heap.push(Reverse(CpuEntry(inst.v + work, job, epoch)));
            inst.cpu_jobs += 1;
            reg.busy_cpu.change(now, reg.cpu, inst.cpu_jobs - 1, inst.cpu_jobs);
            if self.cpu_done_at != (region, i) {
                self.reschedule_cpu(q, region, i);
            }
        } else {
            // No CPU part: the I/O part (perhaps zero) ends by an event, never
            // inline, so that freeing this slot cannot recurse into
            // `fill_from_pending` once per queued request.
            let j = &mut self.jobs[job];
            j.state = JobState::Io;
            let (delay, epoch) = (j.io_ns, j.epoch);
            q.schedule_in(delay, Event::IoDone { job, epoch });
        }
    }

    /// Starts the CPU part of `job` on instance `i`, which runs no other:
    /// what the ordinary path does (`advance`, the push, the busy vCPU,
    /// `reschedule_cpu`), with the part's end kept on the instance
    /// instead of a `CpuDone`, and the I/O part's end scheduled at once.
    fn start_lone(&mut self, q: &mut EventQueue<Event>, job: JobId, i: InstId) {
        let now = q.now();
        let j = &mut self.jobs[job];
        j.state = JobState::Cpu;
        let (region, work, io_ns, epoch) = (j.region, j.cpu_ns, j.io_ns, j.epoch);
        let reg = &mut self.regions[region];
        let inst = &mut reg.insts[i];
        // With no CPU part left, `reschedule_cpu` emptied the heap and
        // zeroed the virtual clock, so the job's finish is `0.0 + work`.
        debug_assert!(inst.heap.is_empty() && inst.v == 0.0 && inst.lone == JobId::NONE);
        inst.v_at = now;
        inst.cpu_jobs = 1;
        inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
        let end = now.plus(time_to_finish(work, cpu_share(reg.cpu, 1)));
        (inst.lone, inst.lone_end) = (job, end);
        reg.busy_cpu.change(now, reg.cpu, 0, 1);
        if !self.shortcuts {
            let epoch = inst.cpu_gen;
            q.schedule(end, Event::CpuDone { region, inst: i, epoch });
        }
        q.schedule(end.plus(io_ns), Event::IoDone { job, epoch });
    }

    /// Ends instance `i`'s lone CPU part if it is due by `now`, as of its
    /// end: what `on_cpu_done` does then for an instance's only CPU part.
    #[inline(always)]
    fn settle_lone(&mut self, now: SimTime, region: RegionId, i: InstId) {
        let reg = &mut self.regions[region];
        let inst = &mut reg.insts[i];
        if inst.lone == JobId::NONE || inst.lone_end > now {
            return;
        }
        let (job, end) = (std::mem::replace(&mut inst.lone, JobId::NONE), inst.lone_end);
        inst.cpu_jobs = 0;
        inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
        inst.v = 0.0;
        inst.v_at = end;
        reg.busy_cpu.change(end, reg.cpu, 1, 0);
        // Its I/O part's end is scheduled already.
        self.jobs[job].state = JobState::Io;
    }

    /// [`Self::settle_lone`] for every instance of `region`, before its
    /// busy vCPUs are read or reset.
    fn settle_all_lone(&mut self, now: SimTime, region: RegionId) {
        for i in self.regions[region].insts.ids() {
            self.settle_lone(now, region, i);
        }
    }

    /// Turns instance `i`'s lone CPU part, if any (not due yet: settle
    /// first), into an ordinary one: in the heap, as `assign` would have
    /// put it (finishing at its work, the virtual clock being 0.0 when it
    /// started), and with a new generation, so that its early `IoDone` is
    /// stale (the `CpuDone` that `reschedule_cpu` schedules next takes
    /// over).
    fn materialize(&mut self, region: RegionId, i: InstId) {
        let inst = &mut self.regions[region].insts[i];
        let job = std::mem::replace(&mut inst.lone, JobId::NONE);
        if job != JobId::NONE {
            let j = &mut self.jobs[job];
            j.epoch = j.epoch.wrapping_add(1);
            inst.heap.push(Reverse(CpuEntry(j.cpu_ns, job, j.epoch)));
        }
    }

    /// Brings instance `i`'s virtual CPU clock up to `now`.
    #[inline]
    fn advance(&mut self, now: SimTime, region: RegionId, i: InstId) {
        let reg = &mut self.regions[region];
        let cpu = reg.cpu;
        let inst = &mut reg.insts[i];
        if inst.cpu_jobs > 0 {
            let rate = cpu_share(cpu, inst.cpu_jobs);
            inst.v += rate * now.since(inst.v_at) as f64;
        }
        inst.v_at = now;
    }

    /// Schedules instance `i`'s next CPU completion after a change.
    fn reschedule_cpu(&mut self, q: &mut EventQueue<Event>, region: RegionId, i: InstId) {
        let reg = &mut self.regions[region];
        let cpu = reg.cpu;
        let inst = &mut reg.insts[i];
        inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
        while let Some(&Reverse(CpuEntry(_, job, epoch))) = inst.heap.peek() {
            let j = &self.jobs[job];
            if j.epoch == epoch && j.state == JobState::Cpu {
                break;
            }
            inst.heap.pop();
        }
        let Some(&Reverse(CpuEntry(finish, ..))) = inst.heap.peek() else {
            inst.v = 0.0;
            return;
        };
        let delay = time_to_finish(finish - inst.v, cpu_share(cpu, inst.cpu_jobs));
        let epoch = inst.cpu_gen;
        q.schedule_in(delay, Event::CpuDone { region, inst: i, epoch });
    }

    pub(super) fn on_cpu_done(&mut self, q: &mut EventQueue<Event>, region: RegionId, i: InstId, epoch: u32) {
        let now = q.now();
        self.settle_lone(now, region, i);
        if self.regions[region].insts[i].cpu_gen != epoch {
            return;
        }
        self.advance(now, region, i);
        // Jobs that start on this instance while its finished ones leave
        // (a queued request taking a freed slot) leave the rescheduling to
        // the end, so that one `CpuDone` is scheduled, not one per change.
        self.cpu_done_at = (region, i);
        loop {
            let reg = &mut self.regions[region];
            let inst = &mut reg.insts[i];
            let Some(&Reverse(CpuEntry(finish, job, jgen))) = inst.heap.peek() else {
                break;
            };
            let j = &self.jobs[job];
            let live = j.epoch == jgen && j.state == JobState::Cpu;
            if live && finish > inst.v + 1e-3 {
                break;
            }
            inst.heap.pop();
            if live {
                inst.cpu_jobs -= 1;
                reg.busy_cpu.change(now, reg.cpu, inst.cpu_jobs + 1, inst.cpu_jobs);
                self.start_io(q, job);
            }
        }
        self.cpu_done_at = (RegionId::NONE, InstId::NONE);
        self.reschedule_cpu(q, region, i);
    }

    fn start_io(&mut self, q: &mut EventQueue<Event>, job: JobId) {
        let j = &mut self.jobs[job];
        j.state = JobState::Io;
        if j.io_ns == 0 {
            self.complete(q, job);
        } else {
            let epoch = j.epoch;
            q.schedule_in(j.io_ns, Event::IoDone { job, epoch });
        }
    }

    pub(super) fn on_io_done(&mut self, q: &mut EventQueue<Event>, job: JobId, epoch: u32) {
        let j = &self.jobs[job];
        if j.epoch != epoch {
            return;
        }
        if j.state == JobState::Cpu {
            // A lone CPU part, over by now.
            self.settle_lone(q.now(), j.region, j.inst);
            debug_assert!(self.jobs[job].state == JobState::Io);
        }
        if self.jobs[job].state == JobState::Io {
            self.complete(q, job);
        }
    }

    /// `job` finished its work: answer (200, or 500 after a failed
    /// dependency call) and free its slot.
    fn complete(&mut self, q: &mut EventQueue<Event>, job: JobId) {
        let (region, i, answer) = (self.jobs[job].region, self.jobs[job].inst, self.jobs[job].answer);
        self.respond(q, job, answer);
        self.release_slot(q, region, i);
    }

    /// Sends `status` for `job` back to its edge (if its try is still
    /// awaited) and frees the job.
    fn respond(&mut self, q: &mut EventQueue<Event>, job: JobId, answer: u16) {
        let now = q.now();
        self.pending.remove(job.0);
        self.req_timeouts.remove(job.0);
        let j = &mut self.jobs[job];
        let (req, req_gen, region) = (j.req, j.req_gen, j.region);
        j.state = JobState::Free;
        j.epoch = j.epoch.wrapping_add(1);
        self.jobs.release(job);
        self.regions[region].requests.add(now, -1.0);
        let r = &mut self.reqs[req];
        if r.epoch == req_gen {
            r.job = JobId::NONE;
            self.answer_to_edge(q, req, req_gen, region, answer);
        }
    }

    /// Instance `i` has one slot fewer in use.
    fn release_slot(&mut self, q: &mut EventQueue<Event>, region: RegionId, i: InstId) {
        let now = q.now();
        let reg = &mut self.regions[region];
        reg.buckets.remove(&mut reg.insts, i);
        let inst = &mut reg.insts[i];
        inst.inflight -= 1;
        if inst.inflight == 0 {
            self.bill(now, region, i, true);
        }
        let reg = &mut self.regions[region];
        let inst = &reg.insts[i];
        match inst.state {
            InstState::Active => self.fill_from_pending(q, region, i),
            InstState::Idle if inst.inflight == 0 => {
                let epoch = inst.epoch;
                q.schedule_in(reg.idle_timeout_ns, Event::IdleReclaim { region, inst: i, epoch });
            }
            InstState::Retiring if inst.inflight == 0 => self.stop_instance(now, region, i),
            _ => {}
        }
    }

    /// Drops `job` if it is still waiting for an instance (its caller gave up).
    pub(super) fn drop_if_pending(&mut self, now: SimTime, job: JobId) {
        if self.jobs[job].state != JobState::Pending {
            return;
        }
        let region = self.jobs[job].region;
        self.pending.remove(job.0);
        self.req_timeouts.remove(job.0);
        let j = &mut self.jobs[job];
        j.state = JobState::Free;
        j.epoch = j.epoch.wrapping_add(1);
        self.jobs.release(job);
        self.regions[region].requests.add(now, -1.0);
    }

    pub(super) fn on_job_timer(&mut self, q: &mut EventQueue<Event>, list: JobList, region: RegionId) {
        let now = q.now();
        loop {
            let timers = match list {
                JobList::Pending => &mut self.pending,
                JobList::Request => &mut self.req_timeouts,
            };
            let Some(job) = timers.pop_due(region.0, now).map(JobId) else {
                if let Some(due) = timers.rearm(region.0) {
                    q.schedule(due, Event::JobTimer { list, region });
                }
                return;
            };
            match list {
                JobList::Pending => {
                    // Cloud Run: 429 when the service is at its instance cap,
                    // 500 when it could not scale fast enough below it.
                    let reg = &self.regions[region];
                    let answer = if reg.can_start() { 500 } else { 429 };
                    self.respond(q, job, answer);
                }
                JobList::Request => self.request_timeout(q, job),
            }
        }
    }

    /// Cloud Run's request timeout: the request ends with 504 and frees its slot.
    fn request_timeout(&mut self, q: &mut EventQueue<Event>, job: JobId) {
        let now = q.now();
        let region = self.jobs[job].region;
        if self.jobs[job].state == JobState::Cpu {
            self.settle_lone(now, region, self.jobs[job].inst);
        }
        let (i, state) = (self.jobs[job].inst, self.jobs[job].state);
        match state {
            JobState::Pending => self.respond(q, job, 504),
            JobState::Cpu => {
                self.materialize(region, i);
                self.advance(now, region, i);
                let reg = &mut self.regions[region];
                let inst = &mut reg.insts[i];
                inst.cpu_jobs -= 1;
                reg.busy_cpu.change(now, reg.cpu, inst.cpu_jobs + 1, inst.cpu_jobs);
                self.respond(q, job, 504);
                self.reschedule_cpu(q, region, i);
                self.release_slot(q, region, i);
            }
            JobState::Io => {
                self.respond(q, job, 504);
                self.release_slot(q, region, i);
            }
            JobState::Free => {}
        }
    }

    pub(super) fn on_idle_reclaim(
        &mut self,
        q: &mut EventQueue<Event>,
        region: RegionId,
        i: InstId,
        epoch: u32,
    ) {
        let inst = &self.regions[region].insts[i];
        if inst.epoch == epoch && inst.state == InstState::Idle && inst.inflight == 0 {
            self.stop_instance(q.now(), region, i);
        }
    }

    fn stop_instance(&mut self, now: SimTime, region: RegionId, i: InstId) {
        self.accrue(now, region);
        if self.regions[region].insts[i].state == InstState::Starting {
            // A cold start cut short is still billed.
            self.bill(now, region, i, true);
        }
        let reg = &mut self.regions[region];
        reg.buckets.remove(&mut reg.insts, i);
        let inst = &mut reg.insts[i];
        match inst.state {
            InstState::Starting => reg.n_starting -= 1,
            InstState::Active => reg.n_active -= 1,
            InstState::Idle => reg.n_idle -= 1,
            InstState::Retiring => reg.n_retiring -= 1,
            InstState::Gone => return,
        }
        inst.state = InstState::Gone;
        inst.epoch = inst.epoch.wrapping_add(1);
        inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
        reg.n_alive -= 1;
        reg.free_insts.push(i);
        self.instances_changed(now, region);
    }

    /// Takes an active instance out of service: it becomes idle (reusable)
    /// or retiring (stopped when drained).
    fn deactivate(&mut self, q: &mut EventQueue<Event>, region: RegionId, i: InstId, retire: bool) {
        let now = q.now();
        let reg = &mut self.regions[region];
        reg.buckets.remove(&mut reg.insts, i);
        reg.n_active -= 1;
        let inst = &mut reg.insts[i];
        inst.epoch = inst.epoch.wrapping_add(1);
        let epoch = inst.epoch;
        if retire {
            inst.state = InstState::Retiring;
            reg.n_retiring += 1;
            if inst.inflight == 0 {
                self.stop_instance(now, region, i);
            }
        } else {
            inst.state = InstState::Idle;
            reg.n_idle += 1;
            reg.idle.push((i, epoch));
            if inst.inflight == 0 {
                q.schedule_in(reg.idle_timeout_ns, Event::IdleReclaim { region, inst: i, epoch });
            }
        }
    }

    pub(super) fn on_autoscale(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let now = q.now();
        q.schedule_in(super::AUTOSCALE_TICK_NS, Event::Autoscale { region });
        self.settle_all_lone(now, region);
        let reg = &mut self.regions[region];
        let load_now = reg.requests.value;
        reg.requests.set(now, load_now);
        let busy_area = reg.busy_cpu.area_s(now, reg.cpu);
        let t = now.as_secs_f64();
        reg.history.push_back((t, reg.requests.area, busy_area));
        while reg.history.len() > 2 && reg.history[1].0 <= t - AUTOSCALE_WINDOW_S {
            reg.history.pop_front();
        }
        if reg.down > 0 {
            return;
        }
        let (t0, a0, b0) = reg.history[0];
        let span = (t - t0).max(1e-9);
        let load = (reg.requests.area - a0) / span;
        let busy = (busy_area - b0) / span;
        let desired = reg.desired(load, busy);
        debug_assert!(!reg.requests.unread || desired == reg.cap, "a fixed-size service wants its cap");
        let mut current = reg.n_starting + reg.n_active;
        while current < desired {
            if let Some(i) = self.reuse_idle(region) {
                self.fill_from_pending(q, region, i);
                current += 1;
                continue;
            }
            if !self.regions[region].can_start() {
                break;
            }
            self.start_instance(q, region);
            current += 1;
        }
        loop {
            let reg = &mut self.regions[region];
            if reg.n_starting + reg.n_active <= desired || reg.n_active <= reg.min_instances {
                break;
            }
            let Some(i) = reg.buckets.first() else { break };
            self.deactivate(q, region, i, false);
        }
    }

    /// Stops instances above the region's (lowered) cap: idle ones first,
    /// then starting ones, then the least-loaded active ones, which drain.
    pub(super) fn enforce_cap(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let now = q.now();
        loop {
            let reg = &mut self.regions[region];
            if reg.n_alive - reg.n_retiring <= reg.cap {
                return;
            }
            if let Some((i, epoch)) = reg.idle.pop() {
                let inst = &mut reg.insts[i];
                if inst.epoch == epoch && inst.state == InstState::Idle {
                    if inst.inflight == 0 {
                        self.stop_instance(now, region, i);
                    } else {
                        inst.state = InstState::Retiring;
                        reg.n_idle -= 1;
                        reg.n_retiring += 1;
                    }
                }
                continue;
            }
            if reg.n_starting > 0 {
                let i =
                    reg.insts.iter().position(|x| x.state == InstState::Starting).map(|p| InstId(p as u32));
                if let Some(i) = i {
                    self.stop_instance(now, region, i);
                    continue;
                }
            }
            let choice = reg.buckets.first().or_else(|| {
                reg.insts.iter().position(|x| x.state == InstState::Active).map(|p| InstId(p as u32))
            });
            match choice {
                Some(i) => self.deactivate(q, region, i, true),
                None => return,
            }
        }
    }

    /// A `down` outage begins: every request at the region is reset and
    /// every instance is lost.
    pub(super) fn region_down(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let now = q.now();
        let reg = &mut self.regions[region];
        reg.down += 1;
        if reg.down > 1 {
            return;
        }
        self.settle_all_lone(now, region);
        while let Some(job) = self.req_timeouts.pop_front(region.0).map(JobId) {
            self.respond(q, job, status::RESET);
        }
        // What the lost instances ran until now is billed.
        self.accrue(now, region);
        self.bill_region(now, region, true);
        let reg = &mut self.regions[region];
        debug_assert_eq!(reg.n_busy, 0, "every busy instance's period was closed");
        reg.n_busy = 0;
        for (i, inst) in reg.insts.iter_mut().enumerate() {
            if inst.state != InstState::Gone {
                inst.state = InstState::Gone;
                inst.epoch = inst.epoch.wrapping_add(1);
                inst.cpu_gen = inst.cpu_gen.wrapping_add(1);
                inst.heap.clear();
                inst.lone = JobId::NONE;
                inst.bucket_pos = NONE;
                reg.free_insts.push(InstId(i as u32));
            }
        }
        reg.buckets.clear();
        reg.idle.clear();
        (reg.n_starting, reg.n_active, reg.n_idle, reg.n_retiring, reg.n_alive) = (0, 0, 0, 0, 0);
        reg.busy_cpu.clear(now);
        reg.requests.set(now, 0.0);
        self.instances_changed(now, region);
    }

    /// Service health: one round of readiness probes on every started
    /// instance of `region`. A probe fails with the region's injected error
    /// rate, or when its injected latency exceeds `probe_timeout`; an
    /// instance is not ready after `failure_threshold` failures in a row and
    /// ready again after one success (Cloud Run's probe defaults). The
    /// region is healthy while at least `healthy_share` of its started
    /// instances are ready; a change reaches the load balancer after
    /// `propagation`.
    pub(super) fn on_probe(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let cfg = &self.sc.load_balancer.health;
        let reg = &mut self.regions[region];
        let fail_rate: f64 = reg.errors.iter().map(|&(rate, _)| rate).sum::<f64>().min(1.0);
        let (mut started, mut ready) = (0u32, 0u32);
        for k in reg.insts.ids() {
            let state = reg.insts[k].state;
            if state == InstState::Gone || state == InstState::Starting {
                continue;
            }
            let mut failed = fail_rate > 0.0 && reg.probes.random::<f64>() < fail_rate;
            if !reg.latency.is_empty() {
                let extra: f64 = reg.latency.iter().map(|s| s.sample_f64(&mut reg.probes)).sum();
                failed |= extra > cfg.probe_timeout_ns as f64;
            }
            let inst = &mut reg.insts[k];
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
        if healthy != reg.healthy {
            reg.healthy = healthy;
            q.schedule_in(cfg.propagation_ns, Event::HealthSeen { region, healthy });
        }
        q.schedule_in(cfg.probe_period_ns, Event::Probe { region });
    }

    /// A `down` outage ends: the region cold-starts its minimum instances.
    pub(super) fn region_up(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let reg = &mut self.regions[region];
        reg.down = reg.down.saturating_sub(1);
        if reg.down > 0 {
            return;
        }
        let n = reg.min_instances.min(reg.cap);
        for _ in 0..n {
            self.start_instance(q, region);
        }
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
        let region = |sc: &crate::scenario::Scenario| {
            RegionState::new(&sc.regions[0], &sc.pricing, 1, sc.simulation.initial_instances, 10.0)
        };
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
