//! The load balancer's edges: routing and outlier detection.
//!
//! Each city's users enter Google's network at an edge (a GFE) in that
//! city. The edge sends each try to the closest region it has not ejected,
//! which is what a global external Application Load Balancer does with
//! serverless NEGs ("the load balancer sends traffic to the NEG in the
//! closest region", serverless-neg-concepts). Serverless NEGs support no
//! health checks and no balancing mode, so nothing but outlier detection
//! moves traffic away from a failing region.
//!
//! Outlier detection runs independently at every edge for every region,
//! with the Compute API's `OutlierDetection` semantics:
//! * each answer of a try updates two counters for (edge, region): a 5xx
//!   increments *consecutive errors*; a 502, 503 or 504, a connection
//!   failure or a timeout also increments *consecutive gateway failures*
//!   (another 5xx resets that one); anything else (2xx, 429) resets both;
//! * a streak that reaches its threshold (`consecutive_gateway_failure`,
//!   `consecutive_errors`) marks the region as an outlier and starts
//!   counting again, so the next detection needs a new streak;
//! * every `interval` the edge runs an analysis sweep ("Time interval
//!   between ejection analysis sweeps. This can result in both new
//!   ejections and backend endpoints being returned to service"): regions
//!   whose ejection time is over return to service; then a region marked
//!   for gateway failures is ejected with probability
//!   `enforcing_consecutive_gateway_failure` percent, else one marked for
//!   5xx with probability `enforcing_consecutive_errors` percent. Marks are
//!   cleared by the sweep whether or not it ejects. (Envoy, which has the
//!   same fields, ejects on a consecutive-failure streak at once rather
//!   than at the sweep; with the default 1 s interval the two differ by
//!   under a second.)
//! * an ejection lasts `base_ejection_time` times the number of times this
//!   edge has ejected that region (no cap: the API has no maxEjectionTime);
//! * an edge never has more than `max_ejection_percent` of the regions
//!   ejected: with two regions and 50 %, one at most; with one region, none.
//!
//! Each edge's sweeps start at a random phase within the first interval, as
//! independent proxies would.

use crate::engine::SimTime;
use crate::engine::rng::Rng;
use crate::scenario::OutlierDetection;
use rand::RngExt;

/// How an answer counts for outlier detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not a 5xx: resets both counters.
    Success,
    /// A 5xx that is not a gateway failure (500, say).
    Error,
    /// 502, 503, 504, a connection failure or a timeout.
    GatewayFailure,
}

#[derive(Clone, Copy, Default)]
struct Outlier {
    consecutive_errors: u32,
    consecutive_gateway: u32,
    /// A 5xx streak reached its threshold since the last sweep.
    errors_detected: bool,
    /// A gateway-failure streak reached its threshold since the last sweep.
    gateway_detected: bool,
    ejected: bool,
    until: SimTime,
    times_ejected: u32,
}

/// One edge (GFE) location: the edge of one city.
pub struct Edge {
    regions: Vec<Outlier>,
    n_ejected: u32,
    errors_threshold: u32,
    gateway_threshold: u32,
    rng: Rng,
    /// When this edge's next sweep is due (`NEVER` without outlier
    /// detection): its routes cannot change before then.
    next_sweep: SimTime,
}

/// A change in ejection state made by a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The edge ejected the region until the given time.
    Ejected(u32, SimTime),
    /// The region returned to service at this edge.
    Returned(u32),
}

impl Edge {
    /// An edge with every one of `n_regions` regions in service.
    pub fn new(n_regions: usize, cfg: &OutlierDetection, rng: Rng) -> Self {
        Edge {
            regions: vec![Outlier::default(); n_regions],
            n_ejected: 0,
            errors_threshold: cfg.consecutive_errors,
            gateway_threshold: cfg.consecutive_gateway_failure,
            rng,
            next_sweep: SimTime::NEVER,
        }
    }

    /// The time of this edge's first sweep, in `[0, interval)`.
    pub fn first_sweep(&mut self, interval_ns: u64) -> SimTime {
        self.next_sweep = SimTime((self.rng.random::<f64>() * interval_ns as f64) as u64);
        self.next_sweep
    }

    /// When the next sweep is due (the first sweep, or the last one plus
    /// the interval; `NEVER` before [`Edge::first_sweep`]). Only sweeps
    /// eject regions or return them to service, so [`Edge::route`] gives
    /// the same answers until then.
    #[inline]
    pub fn next_sweep(&self) -> SimTime {
        self.next_sweep
    }

    /// Whether this edge has `region` ejected.
    #[inline]
    pub fn is_ejected(&self, region: u32) -> bool {
        self.regions[region as usize].ejected
    }

    /// The closest region in `order` that is neither ejected nor in `skip`
    /// (a bit mask of region indices below 64).
    #[inline]
    pub fn route(&self, order: &[u32], skip: u64) -> Option<u32> {
        order.iter().copied().find(|&r| !self.regions[r as usize].ejected && skip & (1u64 << (r & 63)) == 0)
    }

    /// Counts an answer from `region`. A streak that reaches its threshold
    /// marks the region for the next sweep and starts counting again.
    #[inline]
    pub fn observe(&mut self, region: u32, verdict: Verdict) {
        let o = &mut self.regions[region as usize];
        match verdict {
            Verdict::Success => {
                o.consecutive_errors = 0;
                o.consecutive_gateway = 0;
                return;
            }
            Verdict::Error => {
                o.consecutive_errors += 1;
                o.consecutive_gateway = 0;
            }
            Verdict::GatewayFailure => {
                o.consecutive_errors += 1;
                o.consecutive_gateway += 1;
            }
        }
        if o.consecutive_gateway >= self.gateway_threshold {
            o.gateway_detected = true;
            o.consecutive_gateway = 0;
        }
        if o.consecutive_errors >= self.errors_threshold {
            o.errors_detected = true;
            o.consecutive_errors = 0;
        }
    }

    /// One analysis sweep at `now`; pushes each change onto `changes`.
    /// The next is due an interval later.
    pub fn sweep(&mut self, now: SimTime, cfg: &OutlierDetection, changes: &mut Vec<Change>) {
        self.next_sweep = now.plus(cfg.interval_ns);
        for (r, o) in self.regions.iter_mut().enumerate() {
            if o.ejected && now >= o.until {
                *o = Outlier { times_ejected: o.times_ejected, ..Outlier::default() };
                self.n_ejected -= 1;
                changes.push(Change::Returned(r as u32));
            }
        }
        let n = self.regions.len() as u64;
        for r in 0..self.regions.len() {
            let o = &mut self.regions[r];
            let (gateway, errors) = (o.gateway_detected, o.errors_detected);
            o.gateway_detected = false;
            o.errors_detected = false;
            if o.ejected {
                continue;
            }
            let enforcing = if gateway {
                cfg.enforcing_consecutive_gateway_failure
            } else if errors {
                cfg.enforcing_consecutive_errors
            } else {
                continue;
            };
            let allowed = (u64::from(self.n_ejected) + 1) * 100 <= u64::from(cfg.max_ejection_percent) * n;
            if !allowed || !roll(&mut self.rng, enforcing) {
                continue;
            }
            let o = &mut self.regions[r];
            o.times_ejected += 1;
            o.ejected = true;
            o.until = now.plus(cfg.base_ejection_time_ns.saturating_mul(u64::from(o.times_ejected)));
            o.consecutive_errors = 0;
            o.consecutive_gateway = 0;
            self.n_ejected += 1;
            changes.push(Change::Ejected(r as u32, o.until));
        }
    }
}

/// True with probability `percent` / 100; draws nothing at 0 and 100.
fn roll(rng: &mut Rng, percent: u32) -> bool {
    match percent {
        0 => false,
        100.. => true,
        p => rng.random::<f64>() * 100.0 < f64::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn cfg() -> OutlierDetection {
        OutlierDetection {
            enabled: true,
            consecutive_errors: 5,
            enforcing_consecutive_errors: 0,
            consecutive_gateway_failure: 3,
            enforcing_consecutive_gateway_failure: 100,
            interval_ns: 1_000_000_000,
            base_ejection_time_ns: 30_000_000_000,
            max_ejection_percent: 50,
        }
    }

    #[test]
    fn three_gateway_failures_eject_at_the_next_sweep_and_the_time_grows() {
        let mut e = Edge::new(3, &cfg(), stream(1, "e"));
        let mut ch = vec![];
        e.observe(0, Verdict::GatewayFailure);
        e.observe(0, Verdict::GatewayFailure);
        e.sweep(SimTime(1), &cfg(), &mut ch);
        assert!(ch.is_empty(), "two failures are not enough");
        e.observe(0, Verdict::GatewayFailure);
        e.sweep(SimTime(2), &cfg(), &mut ch);
        assert_eq!(ch, vec![Change::Ejected(0, e.regions[0].until)]);
        assert_eq!(e.route(&[0, 1, 2], 0), Some(1));
        ch.clear();
        e.sweep(SimTime(30_000_000_001), &cfg(), &mut ch);
        assert!(ch.is_empty(), "ejected for 30 s");
        e.sweep(SimTime(30_000_000_002), &cfg(), &mut ch);
        assert_eq!(ch, vec![Change::Returned(0)]);
        for _ in 0..3 {
            e.observe(0, Verdict::GatewayFailure);
        }
        ch.clear();
        let t = SimTime(40_000_000_000);
        e.sweep(t, &cfg(), &mut ch);
        assert_eq!(ch, vec![Change::Ejected(0, e.regions[0].until)]);
        assert_eq!(e.regions[0].until, t.plus(60_000_000_000), "second ejection lasts 2 x 30 s");
    }

    #[test]
    fn app_errors_do_not_eject_by_default_but_do_when_enforced() {
        let mut e = Edge::new(3, &cfg(), stream(1, "e"));
        let mut ch = vec![];
        for _ in 0..50 {
            e.observe(1, Verdict::Error);
        }
        e.sweep(SimTime(1), &cfg(), &mut ch);
        assert!(ch.is_empty());
        let enforced = OutlierDetection { enforcing_consecutive_errors: 100, ..cfg() };
        for _ in 0..5 {
            e.observe(1, Verdict::Error);
        }
        e.sweep(SimTime(2), &enforced, &mut ch);
        assert_eq!(ch, vec![Change::Ejected(1, e.regions[1].until)]);
    }

    #[test]
    fn a_streak_that_reached_the_threshold_is_acted_on_at_the_next_sweep() {
        let mut e = Edge::new(2, &cfg(), stream(1, "e"));
        let mut ch = vec![];
        for _ in 0..3 {
            e.observe(0, Verdict::GatewayFailure);
        }
        e.observe(0, Verdict::Success);
        e.sweep(SimTime(1), &cfg(), &mut ch);
        assert_eq!(ch, vec![Change::Ejected(0, e.regions[0].until)], "the mark survives a later success");
    }

    #[test]
    fn a_success_resets_the_streak() {
        let mut e = Edge::new(2, &cfg(), stream(1, "e"));
        let mut ch = vec![];
        e.observe(0, Verdict::GatewayFailure);
        e.observe(0, Verdict::GatewayFailure);
        e.observe(0, Verdict::Success);
        e.observe(0, Verdict::GatewayFailure);
        e.sweep(SimTime(1), &cfg(), &mut ch);
        assert!(ch.is_empty());
    }

    #[test]
    fn max_ejection_percent_caps_ejections() {
        let mut ch = vec![];
        // Two regions at 50 %: one of them at most.
        let mut e = Edge::new(2, &cfg(), stream(1, "e"));
        for r in 0..2 {
            for _ in 0..3 {
                e.observe(r, Verdict::GatewayFailure);
            }
        }
        e.sweep(SimTime(1), &cfg(), &mut ch);
        assert_eq!(ch, vec![Change::Ejected(0, e.regions[0].until)]);
        // One region: never, at the default 50 %.
        let mut e = Edge::new(1, &cfg(), stream(1, "e"));
        ch.clear();
        for _ in 0..3 {
            e.observe(0, Verdict::GatewayFailure);
        }
        e.sweep(SimTime(1), &cfg(), &mut ch);
        assert!(ch.is_empty());
        assert_eq!(e.route(&[0], 0), Some(0));
    }
}
