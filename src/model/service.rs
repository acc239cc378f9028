//! A regional Cloud Run service: instances, concurrency slots, CPU sharing,
//! the pending queue, the autoscaler, cold starts and outages.
//!
//! The region's own state and what it does alone (its instances' life,
//! billing, the autoscaler's reading, probes, outages) are in
//! [`super::region`]; this module is the flow of a try through it (jobs,
//! the pending queue and request timeouts), where `Simulation` routes
//! between the region, the jobs and the timer lists.
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

use super::ids::{InstId, JobId, RegionId, ReqId};
use super::region::{CpuEntry, InstState, cpu_share, time_to_finish};
use super::timers::NONE;
use super::{Event, JobList, Simulation, status};
use crate::engine::{EventQueue, SimTime};
use rand::RngExt;
use std::cmp::Reverse;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JobState {
    Pending,
    Cpu,
    Io,
    /// Its own work is done; it waits for its calls to other services.
    Calls,
    Free,
}

/// A try being handled by a region.
pub(super) struct Job {
    /// Whom it answers: a user's request, or a call (`from_call`, and
    /// then `req` holds the call's slot).
    pub(super) req: ReqId,
    pub(super) req_gen: u32,
    pub(super) from_call: bool,
    pub(super) region: RegionId,
    inst: InstId,
    arrived: SimTime,
    cpu_ns: f64,
    io_ns: u64,
    /// The status it answers when its work is done: 200, or 500 when a
    /// dependency call or a call to another service failed.
    pub(super) answer: u16,
    pub(super) epoch: u32,
    pub(super) state: JobState,
}

impl Simulation<'_> {
    pub(super) fn start_initial_instances(&mut self, region: RegionId, q: &mut EventQueue<Event>) {
        self.regions[region].start_initial(q.now(), region, &mut self.metrics);
    }

    /// Starts a cold instance in `region`.
    fn start_instance(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        self.regions[region].start_instance(q, region, &mut self.metrics);
    }

    pub(super) fn on_instance_ready(
        &mut self,
        q: &mut EventQueue<Event>,
        region: RegionId,
        i: InstId,
        epoch: u32,
    ) {
        let now = q.now();
        let Some(started) = self.regions[region].instance_ready(now, region, &mut self.metrics, i, epoch)
        else {
            return;
        };
        self.fill_from_pending(q, region, i);
        self.regions[region].end_cold_start(now, region, &mut self.metrics, i, started);
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
            self.regions[region].bill_all(now, region, &mut self.metrics, closing);
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
        match self.admit(q, region, req.0, epoch, false) {
            Err(answer) => self.answer_to_edge(q, req, epoch, region, answer),
            Ok(job) => {
                self.reqs[req].job = job;
                self.dispatch(q, job, region);
            }
        }
    }

    /// A try (of generation `epoch` of request or call slot `owner`)
    /// arrives at `region`: the region answers at once when it is down or
    /// an `errors` outage hits (`Err` with the status), else it draws the
    /// work and takes it in as a job with its request timeout, to be
    /// dispatched by the caller.
    pub(super) fn admit(
        &mut self,
        q: &mut EventQueue<Event>,
        region: RegionId,
        owner: u32,
        epoch: u32,
        from_call: bool,
    ) -> Result<JobId, u16> {
        let now = q.now();
        let reg = &mut self.regions[region];
        if reg.down > 0 {
            return Err(status::CONNECT_FAILURE);
        }
        let fee = reg.prices.per_request;
        if fee > 0.0 {
            self.metrics.cost(now, region.0, fee);
        }
        let reg = &mut self.regions[region];
        for k in 0..reg.errors.len() {
            let (rate, code) = reg.errors[k];
            if reg.faults.random::<f64>() < rate {
                return Err(code);
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
            req: ReqId(owner),
            req_gen: epoch,
            from_call,
            region,
            inst: InstId::NONE,
            arrived: now,
            cpu_ns,
            io_ns,
            answer,
            epoch: old.map_or(0, |o| o.epoch.wrapping_add(1)),
            state: JobState::Pending,
        });
        let due = now.plus(self.regions[region].request_timeout_ns);
        if self.req_timeouts.push(region.0, job.0, due) {
            q.schedule(due, Event::JobTimer { list: JobList::Request, region });
        }
        Ok(job)
    }

    /// Puts `job` on the least-loaded instance with a free slot, on a reused
    /// idle instance, or in the pending queue (starting an instance on demand).
    pub(super) fn dispatch(&mut self, q: &mut EventQueue<Event>, job: JobId, region: RegionId) {
        let now = q.now();
        let reg = &mut self.regions[region];
        if let Some(i) = reg.buckets.first() {
            return self.assign(q, job, i);
        }
        if let Some(i) = self.regions[region].reuse_idle() {
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

    /// Starts `job` on instance `i`, which has a free slot.
    fn assign(&mut self, q: &mut EventQueue<Event>, job: JobId, i: InstId) {
        let now = q.now();
        let region = self.jobs[job].region;
        if self.regions[region].insts[i].inflight == 0 {
            // A busy period begins.
            self.regions[region].accrue(now, region, &mut self.metrics);
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
            self.regions[region].advance(now, i);
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

    /// Settles instance `i`'s lone CPU part if it is due by `now`
    /// ([`RegionState::settle_lone`]); its job goes on to its I/O part.
    #[inline(always)]
    fn settle_lone(&mut self, now: SimTime, region: RegionId, i: InstId) {
        if let Some(job) = self.regions[region].settle_lone(now, i) {
            // Its I/O part's end is scheduled already.
            self.jobs[job].state = JobState::Io;
        }
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
        self.regions[region].advance(now, i);
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

    /// `job` finished its work: it makes its calls to other services, if
    /// its service has any, else answers (200, or 500 after a failed
    /// dependency call) and frees its slot.
    fn complete(&mut self, q: &mut EventQueue<Event>, job: JobId) {
        let j = &self.jobs[job];
        if self.calls.makes_calls(j.region) {
            let answer = j.answer;
            self.calls.start(job, q.now());
            if answer == 200 && self.run_calls(q, job) {
                return;
            }
        }
        self.finish_job(q, job);
    }

    /// `job` answers and frees its slot.
    pub(super) fn finish_job(&mut self, q: &mut EventQueue<Event>, job: JobId) {
        let j = &self.jobs[job];
        let (region, i, answer) = (j.region, j.inst, j.answer);
        if answer == 200 && self.track_times {
            // Its own work ended when its calls began (now, if it made none).
            let calls_at = if self.calls.makes_calls(region) { self.calls.began(job) } else { q.now() };
            let (own, wait) = (calls_at.since(j.arrived), q.now().since(calls_at));
            self.metrics.job_done(q.now(), region.0, own, wait, !j.from_call);
        }
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
        let (req, req_gen, region, from_call) = (j.req, j.req_gen, j.region, j.from_call);
        j.state = JobState::Free;
        j.epoch = j.epoch.wrapping_add(1);
        self.jobs.release(job);
        self.regions[region].requests.add(now, -1.0);
        if from_call {
            return self.call_answer(q, super::ids::CallId(req.0), req_gen, region, answer);
        }
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
            reg.bill(now, region, &mut self.metrics, i, true);
        }
        if self.regions[region].after_release(q, region, &mut self.metrics, i) {
            self.fill_from_pending(q, region, i);
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
                self.regions[region].advance(now, i);
                let reg = &mut self.regions[region];
                let inst = &mut reg.insts[i];
                inst.cpu_jobs -= 1;
                reg.busy_cpu.change(now, reg.cpu, inst.cpu_jobs + 1, inst.cpu_jobs);
                self.respond(q, job, 504);
                self.reschedule_cpu(q, region, i);
                self.release_slot(q, region, i);
            }
            JobState::Io | JobState::Calls => {
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
        self.regions[region].reclaim_idle(q.now(), region, &mut self.metrics, i, epoch);
    }

    pub(super) fn on_autoscale(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        let now = q.now();
        q.schedule_in(super::AUTOSCALE_TICK_NS, Event::Autoscale { region });
        self.settle_all_lone(now, region);
        let Some(desired) = self.regions[region].measure(now) else {
            return;
        };
        let reg = &self.regions[region];
        let mut current = reg.n_starting + reg.n_active;
        while current < desired {
            if let Some(i) = self.regions[region].reuse_idle() {
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
        self.regions[region].scale_in(q, region, &mut self.metrics, desired);
    }

    /// Stops instances above the region's (lowered) cap
    /// ([`RegionState::enforce_cap`]).
    pub(super) fn enforce_cap(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        self.regions[region].enforce_cap(q, region, &mut self.metrics);
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
        let reg = &mut self.regions[region];
        reg.bill_all(now, region, &mut self.metrics, true);
        reg.lose_instances(now, region, &mut self.metrics);
    }

    /// Service health: one round of readiness probes in `region`.
    pub(super) fn on_probe(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        self.regions[region].probe(q, region, &self.sc.load_balancer.health);
    }

    /// A `down` outage ends: the region cold-starts its minimum instances.
    pub(super) fn region_up(&mut self, q: &mut EventQueue<Event>, region: RegionId) {
        self.regions[region].come_up(q, region, &mut self.metrics);
    }
}
