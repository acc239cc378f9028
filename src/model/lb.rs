//! The load balancer's edges: routing and outlier detection.
//!
//! Each city's users enter Google's network at an edge (a GFE metro). The
//! edge sends each try to the closest region it has not ejected, which is
//! what a global external Application Load Balancer does with serverless
//! NEGs ("the load balancer sends traffic to the NEG in the closest
//! region", serverless-neg-concepts). Serverless NEGs support no health
//! checks and no balancing mode, so nothing but outlier detection moves
//! traffic away from a failing region.
//!
//! An edge is a fleet of `edge.proxies` proxies, and each attempt lands on
//! one of them at random. Google's API reference: outlier detection
//! results "are executed independently by each proxy instance of the load
//! balancer ... it is possible that an unhealthy endpoint is detected and
//! ejected by only some of the proxies, and while this happens, other
//! proxies may continue to send requests to the same unhealthy endpoint"
//! (`BackendService.outlierDetection`). Each proxy keeps its own counters,
//! ejections and sweep clock for every region, with the Compute API's
//! `OutlierDetection` fields and Envoy's semantics for them (Envoy
//! implements the same fields; Google documents no timing of its own):
//! * each answer of a try updates two counters for (proxy, region): a 5xx
//!   increments *consecutive errors*; a 502, 503 or 504, a connection
//!   failure or a timeout also increments *consecutive gateway failures*
//!   (another 5xx resets that one); anything else (2xx, 429) resets both;
//! * a streak that reaches its threshold (`consecutive_gateway_failure`,
//!   then `consecutive_errors`) is acted on at once, inline, as Envoy does
//!   ("ejection either runs inline (for example in the case of consecutive
//!   5xx) or at a specified interval", Envoy's outlier detection
//!   overview): the region is ejected if fewer than `max_ejection_percent`
//!   of the regions would then be ejected by this proxy and a roll of
//!   `enforcing_consecutive_gateway_failure` (or `..._errors`) percent
//!   succeeds; either way that counter starts again, so another try needs
//!   a new streak;
//! * an ejection lasts `base_ejection_time` times the number of times this
//!   proxy has ejected that region (no cap: the API has no
//!   maxEjectionTime), and ends at the proxy's first analysis sweep at or
//!   after that ("Time interval between ejection analysis sweeps. This can
//!   result in both new ejections and backend endpoints being returned to
//!   service"), which resets both counters. Sweeps fall every `interval`
//!   from a phase drawn for each proxy; success-rate ejection, the sweep's
//!   other task, is "not supported when the backend service uses
//!   Serverless NEG", so a sweep does nothing else and only sweeps that
//!   return a region are simulated;
//! * a proxy never has more than `max_ejection_percent` of the regions
//!   ejected: with two regions and 50 %, one at most; with one region, none.
//!
//! With several services, each backend service has its own serverless
//! NEGs: the "regions" an edge tracks are deployments (a service in a
//! region), each with its own counters and ejections at each proxy, and
//! `max_ejection_percent` counts each backend service's own.

use super::ids::RegionId;
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

/// One proxy's view of one region.
#[derive(Clone, Copy, Default)]
struct Outlier {
    consecutive_errors: u32,
    consecutive_gateway: u32,
    times_ejected: u32,
    ejected: bool,
    /// While ejected: the sweep that returns it to service.
    returns_at: SimTime,
}

/// Whether outlier detection as configured can ever eject a region of
/// `n_regions`: if not, an edge's proxies cannot differ, and one stands
/// for them all.
pub fn can_eject(cfg: &OutlierDetection, n_regions: usize) -> bool {
    cfg.enabled
        && (cfg.enforcing_consecutive_gateway_failure > 0 || cfg.enforcing_consecutive_errors > 0)
        && u64::from(cfg.max_ejection_percent) * n_regions as u64 >= 100
}

/// One proxy of an edge.
struct Proxy {
    /// Regions (bit `r & 63`) with a streak under way or ejected: a success
    /// from any other region changes nothing, and is not looked up.
    busy: u64,
    /// Its sweeps fall at `phase + k * interval`.
    phase: SimTime,
    /// Its next sweep that returns a region (`NEVER` with none ejected):
    /// its routes cannot change before then but by a new ejection.
    next_return: SimTime,
    /// The latest instant a try routed ahead reaches it (see
    /// [`Edge::routed_ahead`]).
    ahead_until: SimTime,
}

/// One edge location: the fleet of proxies its cities' users enter by.
pub struct Edge {
    n_regions: usize,
    /// The backend service (group) of each region, and each group's size.
    group: Vec<u16>,
    group_size: Vec<u32>,
    /// `n_ejected[proxy * groups + group]`: regions of the group ejected.
    n_ejected: Vec<u32>,
    /// `outliers[proxy * n_regions + region]`.
    outliers: Vec<Outlier>,
    proxies: Vec<Proxy>,
    /// For each region, how many proxies have it ejected.
    ejecting: Vec<u32>,
    cfg: OutlierDetection,
    rng: Rng,
}

/// What an answer did at a proxy, when it ejected its region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ejected {
    /// When the ejection time is over.
    pub until: SimTime,
    /// The sweep that returns the region to service (at or after `until`).
    pub returns_at: SimTime,
    /// Whether every proxy of the edge now has the region ejected.
    pub edge_wide: bool,
}

/// A region a sweep returned to service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Returned {
    pub region: RegionId,
    /// Whether every proxy of the edge had the region ejected until now.
    pub was_edge_wide: bool,
}

impl Edge {
    /// An edge of `proxies` proxies (at least one) with every one of
    /// `n_regions` regions in service, each proxy's sweeps at a phase
    /// drawn in `[0, interval)`.
    pub fn new(n_regions: usize, proxies: u32, cfg: &OutlierDetection, mut rng: Rng) -> Self {
        let proxies = (0..proxies.max(1))
            .map(|_| Proxy {
                // Above 64 regions the bits would alias: every answer is looked up.
                busy: if n_regions > 64 { u64::MAX } else { 0 },
                phase: SimTime((rng.random::<f64>() * cfg.interval_ns as f64) as u64),
                next_return: SimTime::NEVER,
                ahead_until: SimTime::ZERO,
            })
            .collect::<Vec<_>>();
        Edge {
            n_regions,
            group: vec![0; n_regions],
            group_size: vec![n_regions as u32],
            n_ejected: vec![0; proxies.len()],
            outliers: vec![Outlier::default(); n_regions * proxies.len()],
            proxies,
            ejecting: vec![0; n_regions],
            cfg: cfg.clone(),
            rng,
        }
    }

    /// Groups the regions by backend service: `group[r]` is region `r`'s
    /// service, and `max_ejection_percent` counts within a service.
    pub fn with_groups(mut self, group: Vec<u16>) -> Self {
        let n = group.iter().map(|&g| usize::from(g) + 1).max().unwrap_or(1);
        let mut size = vec![0u32; n];
        for &g in &group {
            size[usize::from(g)] += 1;
        }
        self.n_ejected = vec![0; self.proxies.len() * n];
        self.group = group;
        self.group_size = size;
        self
    }

    /// When `proxy`'s next return to service is due (`NEVER` with nothing
    /// ejected). Until then its routes change only by an ejection, which
    /// an answer reaching it makes.
    #[inline]
    pub fn next_return(&self, proxy: u32) -> SimTime {
        self.proxies[proxy as usize].next_return
    }

    /// The closest region in `order` that `proxy` has not ejected and that
    /// is not in `skip` (a bit mask of region indices below 64).
    #[inline]
    pub fn route(&self, proxy: u32, order: &[RegionId], skip: u64) -> Option<RegionId> {
        let row = &self.outliers[proxy as usize * self.n_regions..][..self.n_regions];
        order.iter().copied().find(|&r| !row[r.index()].ejected && skip & r.bit() == 0)
    }

    /// Counts an answer from `region` at `proxy`, at `now`. A streak that
    /// reaches its threshold is acted on at once (see the module's notes);
    /// returns the ejection it made, if any.
    #[inline]
    pub fn observe(
        &mut self,
        proxy: u32,
        region: RegionId,
        verdict: Verdict,
        now: SimTime,
    ) -> Option<Ejected> {
        let bit = region.bit();
        let p = &mut self.proxies[proxy as usize];
        if verdict == Verdict::Success && p.busy & bit == 0 {
            return None;
        }
        let o = &mut self.outliers[proxy as usize * self.n_regions + region.index()];
        if o.ejected {
            // Answers to tries sent before the ejection: counting them
            // changes nothing, as the return to service resets the counters.
            return None;
        }
        match verdict {
            Verdict::Success => {
                o.consecutive_errors = 0;
                o.consecutive_gateway = 0;
                if self.n_regions <= 64 {
                    p.busy &= !bit;
                }
                return None;
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
        p.busy |= bit;
        let enforcing = if o.consecutive_gateway >= self.cfg.consecutive_gateway_failure {
            o.consecutive_gateway = 0;
            self.cfg.enforcing_consecutive_gateway_failure
        } else if o.consecutive_errors >= self.cfg.consecutive_errors {
            o.consecutive_errors = 0;
            self.cfg.enforcing_consecutive_errors
        } else {
            return None;
        };
        self.eject(proxy, region, enforcing, now)
    }

    /// A streak at `proxy` calls for ejecting `region`: ejects it if the
    /// percentage allows and the roll of `enforcing` percent succeeds.
    fn eject(&mut self, proxy: u32, region: RegionId, enforcing: u32, now: SimTime) -> Option<Ejected> {
        let g = usize::from(self.group[region.index()]);
        let n = u64::from(self.group_size[g]);
        let count = proxy as usize * self.group_size.len() + g;
        let allowed =
            (u64::from(self.n_ejected[count]) + 1) * 100 <= u64::from(self.cfg.max_ejection_percent) * n;
        if !allowed || !roll(&mut self.rng, enforcing) {
            return None;
        }
        let p = &mut self.proxies[proxy as usize];
        let o = &mut self.outliers[proxy as usize * self.n_regions + region.index()];
        o.times_ejected += 1;
        o.ejected = true;
        o.consecutive_errors = 0;
        o.consecutive_gateway = 0;
        let until = now.plus(self.cfg.base_ejection_time_ns.saturating_mul(u64::from(o.times_ejected)));
        o.returns_at = sweep_at_or_after(p.phase, self.cfg.interval_ns, until);
        self.n_ejected[count] += 1;
        p.next_return = p.next_return.min(o.returns_at);
        self.ejecting[region.index()] += 1;
        let edge_wide = self.ejecting[region.index()] == self.proxies.len() as u32;
        Some(Ejected { until, returns_at: o.returns_at, edge_wide })
    }

    /// `proxy`'s analysis sweep at `now`: returns to service the regions
    /// whose ejection is over, each pushed onto `returned`.
    pub fn sweep(&mut self, proxy: u32, now: SimTime, returned: &mut Vec<Returned>) {
        let all = self.proxies.len() as u32;
        let groups = self.group_size.len();
        let p = &mut self.proxies[proxy as usize];
        let row = &mut self.outliers[proxy as usize * self.n_regions..][..self.n_regions];
        let mut next = SimTime::NEVER;
        for (r, o) in row.iter_mut().enumerate() {
            if !o.ejected {
                continue;
            }
            if o.returns_at > now {
                next = next.min(o.returns_at);
                continue;
            }
            *o = Outlier { times_ejected: o.times_ejected, ..Outlier::default() };
            self.n_ejected[proxy as usize * groups + usize::from(self.group[r])] -= 1;
            if self.n_regions <= 64 {
                p.busy &= !(1u64 << r);
            }
            returned.push(Returned { region: RegionId(r as u32), was_edge_wide: self.ejecting[r] == all });
            self.ejecting[r] -= 1;
        }
        p.next_return = next;
    }

    /// Notes that a try was routed before it reaches `proxy` at `at`.
    #[inline]
    pub fn routed_ahead(&mut self, proxy: u32, at: SimTime) {
        let p = &mut self.proxies[proxy as usize];
        p.ahead_until = p.ahead_until.max(at);
    }

    /// Whether a try routed ahead may still be on its way to `proxy` at
    /// `now`: if not, a route change at `now` concerns no such try.
    #[inline]
    pub fn any_ahead(&self, proxy: u32, now: SimTime) -> bool {
        self.proxies[proxy as usize].ahead_until > now
    }
}

/// The first sweep at or after `t` of a proxy whose sweeps fall at
/// `phase + k * interval`.
fn sweep_at_or_after(phase: SimTime, interval_ns: u64, t: SimTime) -> SimTime {
    if t <= phase {
        return phase;
    }
    let k = t.since(phase).div_ceil(interval_ns);
    phase.plus(k.saturating_mul(interval_ns))
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

    fn regions(ids: &[u32]) -> Vec<RegionId> {
        ids.iter().map(|&r| RegionId(r)).collect()
    }
    use crate::engine::rng::stream;

    const S: u64 = 1_000_000_000;

    fn cfg() -> OutlierDetection {
        OutlierDetection {
            enabled: true,
            consecutive_errors: 5,
            enforcing_consecutive_errors: 0,
            consecutive_gateway_failure: 3,
            enforcing_consecutive_gateway_failure: 100,
            interval_ns: S,
            base_ejection_time_ns: 30 * S,
            max_ejection_percent: 50,
        }
    }

    fn fail(e: &mut Edge, proxy: u32, region: RegionId, times: u32, at: SimTime) -> Option<Ejected> {
        (0..times).filter_map(|_| e.observe(proxy, region, Verdict::GatewayFailure, at)).last()
    }

    #[test]
    fn the_third_gateway_failure_ejects_at_once_until_a_sweep_and_the_time_grows() {
        let mut e = Edge::new(3, 1, &cfg(), stream(1, "e"));
        let phase = e.proxies[0].phase;
        let t = SimTime(5 * S + 123);
        assert_eq!(fail(&mut e, 0, RegionId(0), 2, t), None, "two failures are not enough");
        let ej = e.observe(0, RegionId(0), Verdict::GatewayFailure, t).expect("the third ejects, at once");
        assert_eq!(ej.until, t.plus(30 * S));
        // Returned at the proxy's first sweep at or after the 30 s.
        assert!(ej.returns_at >= ej.until && ej.returns_at < ej.until.plus(S));
        assert_eq!((ej.returns_at.ns() - phase.ns()) % S, 0, "on the proxy's sweep clock");
        assert!(ej.edge_wide, "its only proxy");
        assert_eq!(e.route(0, &regions(&[0, 1, 2]), 0), Some(RegionId(1)));
        assert_eq!(e.next_return(0), ej.returns_at);
        let mut back = vec![];
        e.sweep(0, SimTime(ej.returns_at.ns() - 1), &mut back);
        assert!(back.is_empty(), "not before its sweep");
        e.sweep(0, ej.returns_at, &mut back);
        assert_eq!(back, vec![Returned { region: RegionId(0), was_edge_wide: true }]);
        assert_eq!(
            (e.route(0, &regions(&[0, 1, 2]), 0), e.next_return(0)),
            (Some(RegionId(0)), SimTime::NEVER)
        );
        let t2 = ej.returns_at.plus(S / 2);
        let again = fail(&mut e, 0, RegionId(0), 3, t2).expect("ejected again");
        assert_eq!(again.until, t2.plus(60 * S), "second ejection lasts 2 x 30 s");
    }

    #[test]
    fn app_errors_do_not_eject_by_default_but_do_when_enforced() {
        let mut e = Edge::new(3, 1, &cfg(), stream(1, "e"));
        for _ in 0..50 {
            assert_eq!(e.observe(0, RegionId(1), Verdict::Error, SimTime(1)), None);
        }
        let enforced = OutlierDetection { enforcing_consecutive_errors: 100, ..cfg() };
        let mut e = Edge::new(3, 1, &enforced, stream(1, "e"));
        let got: Vec<_> =
            (0..5).map(|_| e.observe(0, RegionId(1), Verdict::Error, SimTime(1)).is_some()).collect();
        assert_eq!(got, [false, false, false, false, true]);
    }

    #[test]
    fn a_success_resets_the_streak_and_an_unenforced_streak_starts_again() {
        let mut e = Edge::new(2, 1, &cfg(), stream(1, "e"));
        fail(&mut e, 0, RegionId(0), 2, SimTime(1));
        e.observe(0, RegionId(0), Verdict::Success, SimTime(2));
        assert_eq!(fail(&mut e, 0, RegionId(0), 2, SimTime(3)), None, "the success reset the streak");
        assert!(e.observe(0, RegionId(0), Verdict::GatewayFailure, SimTime(4)).is_some());
        // Never enforced: each streak of three is counted, then starts again.
        let never = OutlierDetection { enforcing_consecutive_gateway_failure: 0, ..cfg() };
        let mut e = Edge::new(2, 1, &never, stream(1, "e"));
        assert_eq!(fail(&mut e, 0, RegionId(0), 30, SimTime(1)), None);
        assert_eq!(e.outliers[0].consecutive_gateway, 0, "30 = ten streaks of three");
    }

    #[test]
    fn max_ejection_percent_caps_each_proxy() {
        // Two regions at 50 %: one of them at most.
        let mut e = Edge::new(2, 1, &cfg(), stream(1, "e"));
        assert!(fail(&mut e, 0, RegionId(0), 3, SimTime(1)).is_some());
        assert_eq!(fail(&mut e, 0, RegionId(1), 3, SimTime(1)), None);
        // One region: never, at the default 50 %.
        let mut e = Edge::new(1, 1, &cfg(), stream(1, "e"));
        assert_eq!(fail(&mut e, 0, RegionId(0), 9, SimTime(1)), None);
        assert_eq!(e.route(0, &regions(&[0]), 0), Some(RegionId(0)));
    }

    #[test]
    fn proxies_detect_eject_and_return_on_their_own() {
        let mut e = Edge::new(2, 4, &cfg(), stream(7, "e"));
        let mut ejected = vec![];
        for p in 0..4 {
            // Proxy p sees its third failure p seconds in.
            let t = SimTime(p as u64 * S + 10);
            assert_eq!(fail(&mut e, p, RegionId(0), 2, t), None);
            assert!(
                p == 0 || e.route(p, &regions(&[0, 1]), 0) == Some(RegionId(0)),
                "proxy {p} still sends to region 0"
            );
            let ej = e.observe(p, RegionId(0), Verdict::GatewayFailure, t).unwrap();
            assert_eq!(ej.edge_wide, p == 3, "edge-wide once all four have it ejected");
            assert_eq!(e.route(p, &regions(&[0, 1]), 0), Some(RegionId(1)));
            ejected.push(ej);
        }
        // Each returns on its own sweep clock: four distinct phases.
        let returns: std::collections::BTreeSet<u64> =
            ejected.iter().map(|j| j.returns_at.ns() % S).collect();
        assert_eq!(returns.len(), 4, "{ejected:?}");
        let mut back = vec![];
        for (p, j) in ejected.iter().enumerate() {
            e.sweep(p as u32, j.returns_at, &mut back);
        }
        let wide: Vec<bool> = back.iter().map(|r| r.was_edge_wide).collect();
        assert_eq!(wide, [true, false, false, false]);
    }

    #[test]
    fn a_success_from_a_quiet_region_is_not_looked_up_but_one_after_a_failure_is() {
        let mut e = Edge::new(2, 1, &cfg(), stream(1, "e"));
        e.observe(0, RegionId(1), Verdict::GatewayFailure, SimTime(1));
        assert_eq!(e.proxies[0].busy, 0b10);
        e.observe(0, RegionId(1), Verdict::Success, SimTime(2));
        assert_eq!((e.proxies[0].busy, e.outliers[1].consecutive_gateway), (0, 0));
    }

    #[test]
    fn a_proxy_knows_when_tries_routed_ahead_may_still_be_on_their_way() {
        let mut e = Edge::new(2, 2, &cfg(), stream(1, "e"));
        assert!(!e.any_ahead(1, SimTime(0)));
        e.routed_ahead(1, SimTime(60));
        e.routed_ahead(1, SimTime(50));
        assert!(e.any_ahead(1, SimTime(59)) && !e.any_ahead(1, SimTime(60)));
        assert!(!e.any_ahead(0, SimTime(0)), "another proxy's");
    }

    #[test]
    fn sweeps_fall_on_the_phase_grid() {
        assert_eq!(sweep_at_or_after(SimTime(300), 1000, SimTime(100)), SimTime(300));
        assert_eq!(sweep_at_or_after(SimTime(300), 1000, SimTime(300)), SimTime(300));
        assert_eq!(sweep_at_or_after(SimTime(300), 1000, SimTime(301)), SimTime(1300));
        assert_eq!(sweep_at_or_after(SimTime(300), 1000, SimTime(2300)), SimTime(2300));
    }
}
