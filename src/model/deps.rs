//! Shared state behind the regions: `[[dependency]]`.
//!
//! Each request calls every dependency `reads` times at its closest copy
//! (the leader or a replica) and `writes` times at the leader, one call
//! after another, during its I/O part: each call costs the round trip from
//! the serving region to that copy (for a strong read, Spanner's default,
//! at a replica outside the leader region, plus that replica's round trip
//! to the leader region: spanner/docs/replication and read-lease, read
//! 2026-12-05; `read_mode = "stale"` leaves it out) plus a draw of the dependency's own
//! `latency` (and of any `latency` outage's `extra`). Round trips between
//! regions are the `[network]` model's: measured or the route model
//! ([`crate::geo::backbone`]), the great circle at `route_inflation` and
//! `fiber_km_per_ms` with `model = "geo"` and with `model = "matrix"`
//! (whose file holds city-region pairs only), zero with `model = "none"`. While a dependency
//! is `down`, a call to it fails after its round trip and the request
//! answers 500: a shared database is a failure domain every region shares.

use super::ids::RegionId;
use super::network::Model;
use crate::engine::rng::Rng;
use crate::engine::time::{NS_PER_MS, round_ns};
use crate::scenario::dist::Sampler;
use crate::scenario::{DependencyOutageKind, Place, ReadMode, Scenario};

/// One dependency as the regions see it.
struct Dep {
    /// Round trip from each deployment's region to the closest copy (by
    /// the model's region: a deployment, a service in a region).
    read_rtt_ns: Vec<u64>,
    /// Round trip from each deployment's region to the leader.
    write_rtt_ns: Vec<u64>,
    reads: u32,
    writes: u32,
    latency: Sampler,
    /// Active `down` outages.
    down: u32,
    /// Indices (into the scenario's dependency outages) of active `latency` outages.
    slow: Vec<usize>,
    /// Their added time per call.
    extra: Vec<Sampler>,
}

/// Every dependency of a scenario.
pub struct Deps {
    deps: Vec<Dep>,
}

/// What a request's calls to the dependencies cost.
pub struct Calls {
    /// Time spent in the calls, ns.
    pub ns: u64,
    /// Whether a call failed (a dependency is down).
    pub failed: bool,
}

impl Deps {
    /// The dependencies of `sc`, with their round trips from each
    /// deployment's region.
    pub fn new(sc: &Scenario) -> Self {
        let model = Model::new(&sc.network);
        let rtt = |lat: f64, lon: f64, name: &str, p: &Place| -> u64 {
            let (a, b) =
                (model.site(lat, lon, None, Some(name)), model.site(p.lat, p.lon, None, Some(&p.name)));
            round_ns(model.rtt_ms(&a, &b).0 * NS_PER_MS as f64)
        };
        let deps = sc
            .dependencies
            .iter()
            .map(|d| Dep {
                read_rtt_ns: sc
                    .deployments
                    .iter()
                    .map(|dep| {
                        let r = &sc.regions[dep.region];
                        // The nearest copy serves the read; a strong read
                        // there asks the leader region for a timestamp first.
                        let (copy, to_copy) = std::iter::once(&d.leader)
                            .chain(&d.replicas)
                            .map(|p| (p, rtt(r.lat, r.lon, &r.name, p)))
                            .min_by_key(|&(_, ns)| ns)
                            .expect("a dependency has a leader");
                        let strong = d.read_mode == ReadMode::Strong && copy.name != d.leader.name;
                        to_copy + if strong { rtt(copy.lat, copy.lon, &copy.name, &d.leader) } else { 0 }
                    })
                    .collect(),
                write_rtt_ns: sc
                    .deployments
                    .iter()
                    .map(|dep| {
                        let r = &sc.regions[dep.region];
                        rtt(r.lat, r.lon, &r.name, &d.leader)
                    })
                    .collect(),
                reads: d.reads,
                writes: d.writes,
                latency: d.latency.sampler(),
                down: 0,
                slow: Vec::new(),
                extra: Vec::new(),
            })
            .collect();
        Deps { deps }
    }

    /// Whether there is any dependency.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.deps.is_empty()
    }

    /// The calls of one request served by `region`, drawing from `rng`.
    pub fn calls(&self, region: RegionId, rng: &mut Rng) -> Calls {
        let r = region.index();
        let mut ns = 0u64;
        for d in &self.deps {
            let rtts = std::iter::repeat_n(d.read_rtt_ns[r], d.reads as usize)
                .chain(std::iter::repeat_n(d.write_rtt_ns[r], d.writes as usize));
            for rtt in rtts {
                ns = ns.saturating_add(rtt);
                if d.down > 0 {
                    return Calls { ns, failed: true };
                }
                ns = ns.saturating_add(d.latency.sample_ns(rng));
                for e in &d.extra {
                    ns = ns.saturating_add(e.sample_ns(rng));
                }
            }
        }
        Calls { ns, failed: false }
    }

    /// Dependency outage `idx` of `sc` begins or ends.
    pub fn set_outage(&mut self, sc: &Scenario, idx: usize, starting: bool) {
        let o = &sc.dependency_outages[idx];
        let d = &mut self.deps[o.dependency];
        match &o.kind {
            DependencyOutageKind::Down => {
                d.down = if starting { d.down + 1 } else { d.down.saturating_sub(1) };
            }
            DependencyOutageKind::Latency { .. } => {
                if starting {
                    d.slow.push(idx);
                } else {
                    d.slow.retain(|&i| i != idx);
                }
                d.extra = d
                    .slow
                    .iter()
                    .filter_map(|&i| match &sc.dependency_outages[i].kind {
                        DependencyOutageKind::Latency { extra } => Some(extra.sampler()),
                        DependencyOutageKind::Down => None,
                    })
                    .collect();
            }
        }
    }
}
