//! Round-trip times between users, edges and regions.
//!
//! A user's attempt crosses the access network to the edge (GFE) in its
//! city: one sampled `access_rtt` per attempt, half on the way in and half on
//! the way out. An attempt on a new connection first pays `handshake_rtts`
//! extra access round trips (TCP and TLS terminate at the edge, so the
//! handshakes never cross the backbone). From the edge, each try crosses the
//! backbone to the region and back: the `geo` model's great-circle RTT, a
//! `matrix` file's RTT, or zero with `none`.

use crate::engine::rng::Rng;
use crate::engine::time::NS_PER_MS;
use crate::geo;
use crate::scenario::dist::Sampler;
use crate::scenario::{NetworkModel, Scenario};
use rand::RngExt;

/// The backbone round trip between two points on the great circle, at
/// `net`'s route inflation and fiber speed, in ms (the `geo` model's; also
/// what [`deps`](super::deps) uses between regions and a dependency's copies).
pub fn great_circle_rtt_ms(
    net: &crate::scenario::Network,
    (lat1, lon1): (f64, f64),
    (lat2, lon2): (f64, f64),
) -> f64 {
    geo::backbone_rtt_ms(
        geo::great_circle_km(lat1, lon1, lat2, lon2),
        net.route_inflation,
        net.fiber_km_per_ms,
    )
}

/// Precomputed round trips and the access sampler.
pub struct Network {
    n_regions: usize,
    /// `rtt_ns[city * n_regions + region]`: backbone round trip.
    rtt_ns: Vec<u64>,
    /// `order[city * n_regions + k]`: the k-th closest region of a city.
    order: Vec<u32>,
    access: Sampler,
    new_connection_ratio: f64,
    handshake_rtts: u64,
}

impl Network {
    /// The network of `sc`.
    pub fn new(sc: &Scenario) -> Self {
        let n_regions = sc.regions.len();
        let net = &sc.network;
        let mut rtt_ns = Vec::with_capacity(sc.cities.len() * n_regions);
        for (ci, c) in sc.cities.iter().enumerate() {
            for (ri, r) in sc.regions.iter().enumerate() {
                let ms = match &net.model {
                    NetworkModel::Geo => great_circle_rtt_ms(net, (c.lat, c.lon), (r.lat, r.lon)),
                    NetworkModel::Matrix(m) => m.city_region_ms[ci][ri],
                    NetworkModel::None => 0.0,
                };
                rtt_ns.push((ms * NS_PER_MS as f64).round() as u64);
            }
        }
        let mut order = Vec::with_capacity(rtt_ns.len());
        for ci in 0..sc.cities.len() {
            let row = &rtt_ns[ci * n_regions..(ci + 1) * n_regions];
            let mut idx: Vec<u32> = (0..n_regions as u32).collect();
            // Stable: equal RTTs keep file order.
            idx.sort_by_key(|&r| row[r as usize]);
            order.extend(idx);
        }
        let access = if matches!(net.model, NetworkModel::None) {
            Sampler::Constant(0.0)
        } else {
            net.access_rtt.sampler()
        };
        Network {
            n_regions,
            rtt_ns,
            order,
            access,
            new_connection_ratio: net.new_connection_ratio,
            handshake_rtts: u64::from(net.handshake_rtts),
        }
    }

    /// Backbone round trip between a city's edge and a region, ns.
    #[inline]
    pub fn rtt_ns(&self, city: u32, region: u32) -> u64 {
        self.rtt_ns[city as usize * self.n_regions + region as usize]
    }

    /// One-way edge to region, ns (the way back is `rtt - this`).
    #[inline]
    pub fn out_ns(&self, city: u32, region: u32) -> u64 {
        self.rtt_ns(city, region) / 2
    }

    /// One-way region to edge, ns.
    #[inline]
    pub fn back_ns(&self, city: u32, region: u32) -> u64 {
        let rtt = self.rtt_ns(city, region);
        rtt - rtt / 2
    }

    /// The regions of `city`, closest first.
    #[inline]
    pub fn order(&self, city: u32) -> &[u32] {
        &self.order[city as usize * self.n_regions..(city as usize + 1) * self.n_regions]
    }

    /// The closest region of `city`.
    #[inline]
    pub fn nearest(&self, city: u32) -> u32 {
        self.order[city as usize * self.n_regions]
    }

    /// Draws one attempt's access round trip and its setup time: returns
    /// `(access_rtt_ns, client_to_edge_ns)`, the latter including any handshakes.
    #[inline(always)]
    pub fn sample_access(&self, rng: &mut Rng) -> (u64, u64) {
        let rtt = self.access.sample_ns(rng);
        let handshake = self.new_connection_ratio > 0.0 && rng.random::<f64>() < self.new_connection_ratio;
        let setup = if handshake { self.handshake_rtts.saturating_mul(rtt) } else { 0 };
        (rtt, (rtt / 2).saturating_add(setup))
    }
}
