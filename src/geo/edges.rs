//! Google's edge locations: the metros where users enter Google's network.
//!
//! A request to a global external Application Load Balancer enters Google's
//! network at a Google Front End in one of Google's edge points of presence,
//! not in the user's own city. The built-in list is the one on Google's
//! "Network edge locations" page (cloud.google.com/vpc/docs/edge-locations),
//! shipped as `assets/network/google-edges.csv`; `assets/network/SOURCE.md`
//! says which version of the page it is and how it was checked.
//!
//! A city's users reach the edge closest to them on the great circle (an
//! approximation of anycast: BGP picks by routing policy, not distance), so
//! several cities can share one edge, and the load balancer's per-edge
//! state (outlier detection) is then shared too.

use std::sync::OnceLock;

/// One built-in edge metro.
#[derive(Clone, Debug)]
pub struct BuiltinEdge {
    /// The metro as Google names it (ASCII), e.g. `Frankfurt`.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

const EDGES_CSV: &str = include_str!("../../assets/network/google-edges.csv");

/// Every built-in edge metro, in the file's order (by continent, then name).
pub fn edges() -> &'static [BuiltinEdge] {
    static EDGES: OnceLock<Vec<BuiltinEdge>> = OnceLock::new();
    EDGES.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(EDGES_CSV.as_bytes());
        reader
            .records()
            .map(|r| {
                // The file is part of the binary and checked by the tests.
                let r = r.expect("assets/network/google-edges.csv is valid CSV");
                let num = |i: usize| r[i].parse::<f64>().expect("google-edges.csv: numeric lat and lon");
                BuiltinEdge { name: r[0].to_string(), country: r[1].to_string(), lat: num(2), lon: num(3) }
            })
            .collect()
    })
}

/// The built-in edge nearest to `(lat, lon)` on the great circle.
pub fn nearest(lat: f64, lon: f64) -> &'static BuiltinEdge {
    let d = |e: &BuiltinEdge| super::great_circle_km(lat, lon, e.lat, e.lon);
    edges().iter().min_by(|a, b| d(a).total_cmp(&d(b))).expect("the built-in edge list is not empty")
}

/// The built-in edge called `name` (case-insensitive, accents folded).
pub fn find(name: &str) -> Option<&'static BuiltinEdge> {
    let key = super::cities::fold(name);
    edges().iter().find(|e| super::cities::fold(&e.name) == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{cities, great_circle_km};

    #[test]
    fn the_list_is_complete_unique_and_placed() {
        let e = edges();
        assert_eq!(e.len(), 102, "Google's page lists 102 metros (see SOURCE.md)");
        let mut names: Vec<String> = e.iter().map(|e| cities::fold(&e.name)).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), e.len(), "duplicate edge names");
        for x in e {
            assert!((-90.0..=90.0).contains(&x.lat) && (-180.0..=180.0).contains(&x.lon), "{}", x.name);
            assert_eq!(x.country.len(), 2, "{}", x.name);
            // A built-in city of the same name is the same place (guards
            // against swapped or mistyped coordinates).
            if let Some(c) = cities::find(&x.name) {
                let km = great_circle_km(x.lat, x.lon, c.lat, c.lon);
                assert!(km < 40.0, "edge {} is {km:.0} km from the city of that name", x.name);
            }
        }
        assert!(find("zürich").is_some() && find("FRANKFURT").is_some());
    }
}
