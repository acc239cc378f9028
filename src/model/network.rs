//! Round-trip times between users, edges and regions.
//!
//! A user's attempt crosses the access network to its city's edge (GFE):
//! one sampled `access_rtt` per attempt (the last mile) plus the fixed leg
//! from the city to its edge metro, half on the way in and half on the way
//! out. An attempt on a new connection first pays `handshake_rtts` extra
//! access round trips (TCP and TLS terminate at the edge, so the handshakes
//! never cross the backbone). From the edge, each try crosses the backbone
//! to the region and back: the backbone model's round trip
//! ([`crate::geo::backbone`]: measured, or the route model), the `geo`
//! model's great circle, a `matrix` file's figure, or zero with `none`.

use super::ids::{CityId, RegionId};
use crate::engine::rng::Rng;
use crate::engine::time::NS_PER_MS;
use crate::geo;
use crate::geo::backbone::{Backbone, Kind, Site, Source};
use crate::scenario::dist::Sampler;
use crate::scenario::{NetworkModel, Scenario};

fn ms_to_ns(ms: f64) -> u64 {
    (ms * NS_PER_MS as f64).round() as u64
}
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

/// Where a backbone round trip comes from (for `negsim latency` and `validate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A measured region pair.
    Measured,
    /// The route to a nearby measured region (named), then its measurement.
    Anchor(&'static str),
    /// The route-aware backbone model.
    Route,
    /// The great circle times `route_inflation` (`model = "geo"`).
    GreatCircle,
    /// The scenario's matrix file.
    Matrix,
    /// `model = "none"`.
    None,
}

impl Origin {
    /// A short description, e.g. `measured via asia-northeast1`.
    pub fn describe(self) -> String {
        match self {
            Origin::Measured => "measured".into(),
            Origin::Anchor(r) => format!("measured from {r}"),
            Origin::Route => "route model".into(),
            Origin::GreatCircle => "great circle".into(),
            Origin::Matrix => "matrix file".into(),
            Origin::None => "none".into(),
        }
    }
}

/// The backbone model of a scenario's `[network]`, for places the scenario
/// names: round trips and the access leg to an edge.
pub struct Model<'s> {
    net: &'s crate::scenario::Network,
    backbone: Option<Backbone>,
}

impl<'s> Model<'s> {
    /// The model `net` asks for.
    pub fn new(net: &'s crate::scenario::Network) -> Self {
        let backbone = match net.model {
            NetworkModel::Measured => Some(Backbone::new(Kind::Measured)),
            NetworkModel::Route => Some(Backbone::new(Kind::Route)),
            _ => None,
        };
        Model { net, backbone }
    }

    /// A place for [`Model::rtt_ms`]: `country` places it on a landmass,
    /// `region` names a region (a built-in region at its built-in location
    /// has measurements).
    pub fn site(&self, lat: f64, lon: f64, country: Option<&str>, region: Option<&str>) -> Place {
        let builtin = region.and_then(geo::regions::find).filter(|r| r.lat == lat && r.lon == lon);
        let site = self
            .backbone
            .as_ref()
            .map(|b| b.site(lat, lon, country.or(builtin.map(|r| r.country)), builtin.map(|r| r.name)));
        Place { lat, lon, site }
    }

    /// The backbone round trip between two places, ms, and its origin
    /// (`Matrix` is the caller's: this model has no matrix of places).
    pub fn rtt_ms(&self, a: &Place, b: &Place) -> (f64, Origin) {
        match (&self.backbone, &a.site, &b.site) {
            (Some(bb), Some(sa), Some(sb)) => {
                let (ms, source) = bb.rtt(sa, sb);
                let origin = match source {
                    Source::Measured => Origin::Measured,
                    Source::Anchor(i) => Origin::Anchor(bb.measured().name(i)),
                    Source::Route => Origin::Route,
                };
                (ms, origin)
            }
            _ if matches!(self.net.model, NetworkModel::None) => (0.0, Origin::None),
            _ => (great_circle_rtt_ms(self.net, (a.lat, a.lon), (b.lat, b.lon)), Origin::GreatCircle),
        }
    }

    /// The fixed round trip from a city to its edge, ms: the backbone
    /// model's cost per km over the great circle, or the `geo` model's;
    /// zero with a matrix (its figures are the city's) or `none`.
    pub fn access_leg_ms(&self, city: (f64, f64), edge: (f64, f64)) -> f64 {
        let km = geo::great_circle_km(city.0, city.1, edge.0, edge.1);
        match (&self.backbone, &self.net.model) {
            (Some(bb), _) => bb.fit().ms_per_km * km,
            (None, NetworkModel::Geo) => {
                geo::backbone_rtt_ms(km, self.net.route_inflation, self.net.fiber_km_per_ms)
            }
            _ => 0.0,
        }
    }
}

/// A place as the network model sees it.
pub struct Place {
    lat: f64,
    lon: f64,
    site: Option<Site>,
}

/// Precomputed round trips and the access sampler.
///
/// "Regions" here are the model's: deployments, a service in a region
/// (with one service, the regions themselves). Each user request goes to
/// one service, so the closest regions are listed per service.
pub struct Network {
    n_regions: usize,
    /// `rtt_ns[city * n_regions + region]`: backbone round trip from the
    /// city's edge.
    rtt_ns: Vec<u64>,
    /// `order[city * n_regions + k]`: each service's deployments in turn
    /// (`groups`), each group closest first.
    order: Vec<RegionId>,
    /// Each service's `(start, len)` in a row of `order`.
    groups: Vec<(usize, usize)>,
    /// Where each of `rtt_ns` comes from.
    origin: Vec<Origin>,
    /// Each city's fixed round trip to its edge, ns.
    leg_ns: Vec<u64>,
    access: Sampler,
    new_connection_ratio: f64,
    handshake_rtts: u64,
    /// `call_rtt_ns[from * n_regions + to]`: round trip of a call from the
    /// region of deployment `from` to deployment `to` (between services;
    /// empty without calls).
    call_rtt_ns: Vec<u64>,
    /// `call_order[(from_region * services + service)]`: the deployments
    /// of `service` closest to geographic region `from_region` first.
    call_order: Vec<Vec<RegionId>>,
    n_services: usize,
}

impl Network {
    /// The network of `sc`.
    pub fn new(sc: &Scenario) -> Self {
        let n_regions = sc.deployments.len();
        let net = &sc.network;
        let model = Model::new(net);
        let geo_sites: Vec<Place> =
            sc.regions.iter().map(|r| model.site(r.lat, r.lon, None, Some(&r.name))).collect();
        let edge_rtt: Vec<Vec<(f64, Origin)>> = sc
            .edge_locations
            .iter()
            .map(|e| {
                let site = model.site(e.lat, e.lon, e.country.as_deref(), None);
                let to_regions: Vec<(f64, Origin)> =
                    geo_sites.iter().map(|r| model.rtt_ms(&site, r)).collect();
                sc.deployments.iter().map(|d| to_regions[d.region]).collect()
            })
            .collect();
        let mut rtt_ns = Vec::with_capacity(sc.cities.len() * n_regions);
        let mut origin = Vec::with_capacity(sc.cities.len() * n_regions);
        let mut leg_ns = Vec::with_capacity(sc.cities.len());
        for (ci, c) in sc.cities.iter().enumerate() {
            let edge = &sc.edge_locations[c.edge];
            leg_ns.push(ms_to_ns(model.access_leg_ms((c.lat, c.lon), (edge.lat, edge.lon))));
            for (di, &(ms, from)) in edge_rtt[c.edge].iter().enumerate() {
                let (ms, from) = match &net.model {
                    NetworkModel::Matrix(m) => {
                        (m.city_region_ms[ci][sc.deployments[di].region], Origin::Matrix)
                    }
                    _ => (ms, from),
                };
                rtt_ns.push(ms_to_ns(ms));
                origin.push(from);
            }
        }
        // Each service's deployments, in file order.
        let n_services = sc.services.len();
        let members: Vec<Vec<RegionId>> = (0..n_services)
            .map(|s| {
                (0..n_regions as u32)
                    .map(RegionId)
                    .filter(|d| sc.deployments[d.index()].service == s)
                    .collect()
            })
            .collect();
        let mut groups = Vec::with_capacity(n_services);
        let mut start = 0;
        for m in &members {
            groups.push((start, m.len()));
            start += m.len();
        }
        let mut order = Vec::with_capacity(rtt_ns.len());
        for ci in 0..sc.cities.len() {
            let row = &rtt_ns[ci * n_regions..(ci + 1) * n_regions];
            for m in &members {
                let mut idx = m.clone();
                // Stable: equal RTTs keep file order.
                idx.sort_by_key(|&r| row[r.index()]);
                order.extend(idx);
            }
        }
        let access = if matches!(net.model, NetworkModel::None) {
            Sampler::Constant(0.0)
        } else {
            net.access_rtt.sampler()
        };
        let calls = sc.services.iter().any(|s| !s.calls.is_empty());
        let between = |a: usize, b: usize| -> u64 {
            if a == b {
                net.intra_region_rtt_ns
            } else {
                ms_to_ns(model.rtt_ms(&geo_sites[a], &geo_sites[b]).0)
            }
        };
        let mut call_rtt_ns = Vec::new();
        let mut call_order = Vec::new();
        if calls {
            for from in &sc.deployments {
                for to in &sc.deployments {
                    call_rtt_ns.push(between(from.region, to.region));
                }
            }
            for g in 0..sc.regions.len() {
                for m in &members {
                    let mut idx = m.clone();
                    idx.sort_by_key(|&d| between(g, sc.deployments[d.index()].region));
                    call_order.push(idx);
                }
            }
        }
        Network {
            n_regions,
            rtt_ns,
            order,
            groups,
            origin,
            leg_ns,
            access,
            new_connection_ratio: net.new_connection_ratio,
            handshake_rtts: u64::from(net.handshake_rtts),
            call_rtt_ns,
            call_order,
            n_services,
        }
    }

    /// Where the backbone round trip from a city's edge to a region comes from.
    pub fn origin(&self, city: CityId, region: RegionId) -> Origin {
        self.origin[city.index() * self.n_regions + region.index()]
    }

    /// A city's fixed round trip to its edge, ns.
    #[inline]
    pub fn leg_ns(&self, city: CityId) -> u64 {
        self.leg_ns[city.index()]
    }

    /// Backbone round trip between a city's edge and a region, ns.
    #[inline]
    pub fn rtt_ns(&self, city: CityId, region: RegionId) -> u64 {
        self.rtt_ns[city.index() * self.n_regions + region.index()]
    }

    /// One-way edge to region, ns (the way back is `rtt - this`).
    #[inline]
    pub fn out_ns(&self, city: CityId, region: RegionId) -> u64 {
        self.rtt_ns(city, region) / 2
    }

    /// One-way region to edge, ns.
    #[inline]
    pub fn back_ns(&self, city: CityId, region: RegionId) -> u64 {
        let rtt = self.rtt_ns(city, region);
        rtt - rtt / 2
    }

    /// The regions (deployments) of `service` for `city`, closest first.
    #[inline]
    pub fn order(&self, city: CityId, service: usize) -> &[RegionId] {
        let row = city.index() * self.n_regions;
        if self.n_services == 1 {
            return &self.order[row..row + self.n_regions];
        }
        let (start, len) = self.groups[service];
        &self.order[row + start..row + start + len]
    }

    /// The closest region (deployment) of `service` for `city`.
    #[inline]
    pub fn nearest(&self, city: CityId, service: usize) -> RegionId {
        self.order[city.index() * self.n_regions + self.groups[service].0]
    }

    /// Round trip of a call from deployment `from`'s region to deployment `to`, ns.
    #[inline]
    pub fn call_rtt_ns(&self, from: RegionId, to: RegionId) -> u64 {
        self.call_rtt_ns[from.index() * self.n_regions + to.index()]
    }

    /// The deployments of `service`, closest to geographic region `region` first.
    #[inline]
    pub fn call_order(&self, region: usize, service: usize) -> &[RegionId] {
        &self.call_order[region * self.n_services + service]
    }

    /// [`Self::sample_access`] when it draws nothing, a constant access
    /// round trip and no new connection (as with `network.model = "none"`):
    /// its result, without the city's batch of draws ahead.
    #[inline(always)]
    pub fn fixed_access(&self, leg_ns: u64) -> Option<(u64, u64)> {
        let Sampler::Constant(rtt) = self.access else { return None };
        if self.new_connection_ratio > 0.0 {
            return None;
        }
        let rtt = crate::engine::time::round_ns(rtt).saturating_add(leg_ns);
        Some((rtt, rtt / 2))
    }

    /// Draws one attempt's access round trip from a city whose edge is
    /// `leg_ns` of round trip away, and its setup time: returns
    /// `(access_rtt_ns, client_to_edge_ns)`, the latter including any
    /// handshakes (they end at the edge, so they cross the leg too).
    #[inline(always)]
    pub fn sample_access(&self, rng: &mut Rng, leg_ns: u64) -> (u64, u64) {
        let rtt = self.access.sample_ns(rng).saturating_add(leg_ns);
        let handshake = self.new_connection_ratio > 0.0 && rng.random::<f64>() < self.new_connection_ratio;
        let setup = if handshake { self.handshake_rtts.saturating_mul(rtt) } else { 0 };
        (rtt, (rtt / 2).saturating_add(setup))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn network(net: &str) -> Network {
        let text = format!(
            "[simulation]\nduration = \"1m\"\n[network]\n{net}\n[[region]]\nname = \"us-central1\"\n\
             [[city]]\nname = \"Chicago\"\nrps = 10.0\n"
        );
        let sc = crate::scenario::from_str(std::path::Path::new("t.toml"), &text, &Default::default())
            .unwrap()
            .scenario;
        Network::new(&sc)
    }

    /// The access round trip is taken without a draw exactly when a draw
    /// would consume nothing, and it is then the draw's value.
    #[test]
    fn a_fixed_access_is_what_a_draw_gives() {
        let mut rng = stream(1, "access");
        for net in [
            "model = \"none\"",
            "access_rtt = \"7ms\"",
            "access_rtt = { dist = \"constant\", value = \"7500us\" }",
        ] {
            let n = network(net);
            let leg = n.leg_ns(CityId(0));
            let before = rng.clone();
            assert_eq!(n.fixed_access(leg), Some(n.sample_access(&mut rng, leg)), "{net}");
            assert_eq!(rng, before, "{net}: no randomness consumed");
        }
        for net in [
            "access_rtt = \"7ms\"\nnew_connection_ratio = 0.1",
            "access_rtt = { dist = \"exponential\", mean = \"8ms\" }",
        ] {
            assert_eq!(network(net).fixed_access(0), None, "{net}");
        }
    }
}
