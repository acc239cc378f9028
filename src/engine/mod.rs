//! The discrete-event engine: simulated time, the event queue and the run loop.
//!
//! This module knows nothing about Cloud Run or load balancers; it owns only
//! the three things every discrete-event simulation needs and the contract
//! that makes runs reproducible:
//!
//! * **Time** is an integer count of nanoseconds since the start of the run
//!   ([`SimTime`]). Integer time makes equal times compare equal and keeps
//!   results independent of floating-point summation order.
//! * **Ordering contract.** Events pop in order of `(time, sequence)`, where
//!   the sequence number is assigned when the event is scheduled. Two events
//!   scheduled for the same instant are therefore handled first-in
//!   first-out, in the order they were scheduled. An event may not be
//!   scheduled in the past; scheduling at the current instant is allowed and
//!   runs after everything already queued for that instant.
//! * **Randomness** comes from named streams ([`rng::stream`]): one portable
//!   generator per entity, derived from the run's seed and the entity's name,
//!   so adding a city does not change another city's arrivals.
//!
//! No wall clock, no I/O and no thread-dependent order is used anywhere here.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use time::SimTime;

/// A model driven by the engine: it receives each event at its time and may
/// schedule further events.
pub trait Model {
    /// The events this model schedules. Kept small: the queue stores them by value.
    type Event: Copy;

    /// Handles one event popped from the queue at `queue.now()`.
    fn handle(&mut self, event: Self::Event, queue: &mut EventQueue<Self::Event>);

    /// Whether the run is over: `None` while it goes on, or `Some(t)` once
    /// it ends with the events due at or before `t` (the model may have
    /// settled things ahead of the clock up to `t`: those instants still
    /// see their events). Checked after every event, so periodic events
    /// (autoscaler ticks, sweeps) cannot keep a finished run alive.
    fn finish_line(&self, now: SimTime) -> Option<SimTime>;

    /// Whether the run must stop early for a reason of the model's own (its
    /// output failed: a full disk). Checked with the observer, so it costs
    /// nothing per event.
    fn stopped(&self) -> bool {
        false
    }
}

/// Runs `model` until [`Model::finish_line`] says the run is over or no event is left.
/// Returns the number of events handled.
pub fn run<M: Model>(model: &mut M, queue: &mut EventQueue<M::Event>) -> u64 {
    run_observed(model, queue, &mut |_| true).events
}

/// What [`run_observed`] reports about a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunCounts {
    /// Events handled.
    pub events: u64,
    /// The observer stopped the run before it finished.
    pub interrupted: bool,
    /// Mean number of pending events in the queue, sampled every
    /// [`SAMPLE_EVERY`] events: the queue size a benchmark of the bare
    /// queue should use to stand for this run.
    pub mean_pending: f64,
}

/// Events between two samples of the queue's size.
pub const SAMPLE_EVERY: u64 = 1 << 12;
const _: () = assert!(OBSERVE_EVERY.is_multiple_of(SAMPLE_EVERY), "the observer runs at sample points");

/// Events between two calls of the observer of [`run_observed`].
pub const OBSERVE_EVERY: u64 = 1 << 20;

/// [`run`], calling `observe` with the simulated time every
/// [`OBSERVE_EVERY`] events, for a progress display or to stop early: the
/// run stops when `observe` returns `false`.
///
/// Never inlined (it is called once per run), so that profilers and
/// `benches/instructions.sh` can find the event loop by its name.
#[inline(never)]
pub fn run_observed<M: Model>(
    model: &mut M,
    queue: &mut EventQueue<M::Event>,
    observe: &mut dyn FnMut(SimTime) -> bool,
) -> RunCounts {
    let mut handled = 0u64;
    let (mut pending_sum, mut samples) = (0u64, 0u64);
    let mut interrupted = false;
    while let Some(event) = queue.pop() {
        model.handle(event, queue);
        handled += 1;
        if handled.is_multiple_of(SAMPLE_EVERY) {
            pending_sum += queue.len() as u64;
            samples += 1;
            if handled.is_multiple_of(OBSERVE_EVERY) && (model.stopped() || !observe(queue.now())) {
                interrupted = true;
                break;
            }
        }
        if let Some(last) = model.finish_line(queue.now())
            && queue.peek_time().is_none_or(|next| next > last)
        {
            break;
        }
    }
    let mean_pending = if samples == 0 { queue.len() as f64 } else { pending_sum as f64 / samples as f64 };
    RunCounts { events: handled, interrupted, mean_pending }
}
