//! Geography: built-in regions, cities and Google's edge metros,
//! great-circle distance, and the backbone's round trips.
//!
//! The default network model is [`backbone`]: Google's measured round trips
//! between regions, and a route-aware model of its backbone everywhere else.
//! The older `geo` model, kept for comparison, computes the round trip from
//! an edge to a region as
//!
//! `rtt_ms = 2 * great_circle_km * route_inflation / fiber_km_per_ms`
//!
//! Light in fiber covers about 200 km per millisecond one way (refractive
//! index ~1.47), so 100 km of fiber cost ~1 ms of round trip; the default
//! inflation of 1.5 stands for cables not following great circles. Against
//! Google's measurements it errs by 15 % at the median and misranks 14 % of
//! "which region is nearer" comparisons (see [`backbone`]). The last mile
//! is modelled separately by the sampled `access_rtt`.

pub mod backbone;
pub mod cities;
pub mod countries;
pub mod edges;
pub mod regions;

/// Mean Earth radius in kilometres (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance in kilometres between two points given in degrees
/// (haversine formula).
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Backbone round-trip time in milliseconds over `km` of great circle.
pub fn backbone_rtt_ms(km: f64, route_inflation: f64, fiber_km_per_ms: f64) -> f64 {
    2.0 * km * route_inflation / fiber_km_per_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // London to New York is about 5,570 km; Sydney to Council Bluffs about 14,200 km.
        let lon_ny = great_circle_km(51.51, -0.13, 40.71, -74.01);
        assert!((lon_ny - 5570.0).abs() < 30.0, "{lon_ny}");
        let syd_iowa = great_circle_km(-33.87, 151.21, 41.26, -95.86);
        assert!((syd_iowa - 14_200.0).abs() < 100.0, "{syd_iowa}");
        assert_eq!(great_circle_km(10.0, 20.0, 10.0, 20.0), 0.0);
    }

    #[test]
    fn rtt_follows_the_fiber_rule_of_thumb() {
        // 100 km of straight fiber: 1 ms of round trip.
        assert!((backbone_rtt_ms(100.0, 1.0, 200.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tables_are_large_unique_and_plausible() {
        assert!(regions::REGIONS.len() >= 40);
        assert!(cities::CITIES.len() >= 100);
        let mut names: Vec<String> = regions::REGIONS.iter().map(|r| r.name.to_string()).collect();
        names.extend(cities::CITIES.iter().map(|c| format!("city:{}", cities::fold(c.name))));
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate names in the built-in tables");
        for (lat, lon) in regions::REGIONS
            .iter()
            .map(|r| (r.lat, r.lon))
            .chain(cities::CITIES.iter().map(|c| (c.lat, c.lon)))
        {
            assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
        }
        assert!(cities::find("São Paulo").is_some());
        assert!(regions::find("US-CENTRAL1").is_some());
    }

    #[test]
    fn every_region_town_is_near_a_builtin_city_or_is_a_datacenter_town() {
        // Guards against a swapped latitude/longitude: every region lies
        // within 1,500 km of at least one built-in metro.
        for r in regions::REGIONS {
            let nearest = cities::CITIES
                .iter()
                .map(|c| great_circle_km(r.lat, r.lon, c.lat, c.lon))
                .fold(f64::INFINITY, f64::min);
            assert!(nearest < 1500.0, "{} is {nearest:.0} km from any metro", r.name);
        }
    }
}
