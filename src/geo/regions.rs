//! Built-in Google Cloud regions and the coordinates of their locations.
//!
//! Locations are the towns Google names for each region ("Council Bluffs,
//! Iowa" for us-central1) as listed on cloud.google.com/about/locations and
//! in the Compute Engine regions table; coordinates are those of the town,
//! to two decimals (about 1 km), which is far finer than the RTT model needs.
//! Pricing tiers are Cloud Run's, from cloud.google.com/run/docs/locations.

/// A built-in region.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinRegion {
    /// Region name, e.g. `us-central1`.
    pub name: &'static str,
    /// The location Google gives for it.
    pub location: &'static str,
    /// Latitude in degrees north.
    pub lat: f64,
    /// Longitude in degrees east.
    pub lon: f64,
    /// Cloud Run pricing tier (1 or 2).
    pub tier: u8,
}

const fn r(name: &'static str, location: &'static str, lat: f64, lon: f64, tier: u8) -> BuiltinRegion {
    BuiltinRegion { name, location, lat, lon, tier }
}

/// Every Google Cloud region, by continent then name.
pub const REGIONS: &[BuiltinRegion] = &[
    // Americas
    r("northamerica-northeast1", "Montréal, Québec", 45.50, -73.57, 2),
    r("northamerica-northeast2", "Toronto, Ontario", 43.65, -79.38, 2),
    r("northamerica-south1", "Querétaro, Mexico", 20.59, -100.39, 2),
    r("southamerica-east1", "Osasco, São Paulo, Brazil", -23.53, -46.79, 2),
    r("southamerica-west1", "Santiago, Chile", -33.45, -70.67, 2),
    r("us-central1", "Council Bluffs, Iowa", 41.26, -95.86, 1),
    r("us-east1", "Moncks Corner, South Carolina", 33.20, -80.01, 1),
    r("us-east4", "Ashburn, Virginia", 39.04, -77.49, 1),
    r("us-east5", "Columbus, Ohio", 39.96, -83.00, 1),
    r("us-south1", "Dallas, Texas", 32.78, -96.80, 1),
    r("us-west1", "The Dalles, Oregon", 45.59, -121.18, 1),
    r("us-west2", "Los Angeles, California", 34.05, -118.24, 2),
    r("us-west3", "Salt Lake City, Utah", 40.76, -111.89, 2),
    r("us-west4", "Las Vegas, Nevada", 36.17, -115.14, 2),
    // Europe
    r("europe-central2", "Warsaw, Poland", 52.23, 21.01, 2),
    r("europe-north1", "Hamina, Finland", 60.57, 27.20, 1),
    r("europe-north2", "Stockholm, Sweden", 59.33, 18.07, 2),
    r("europe-southwest1", "Madrid, Spain", 40.42, -3.70, 1),
    r("europe-west1", "St. Ghislain, Belgium", 50.45, 3.82, 1),
    r("europe-west2", "London, England", 51.51, -0.13, 2),
    r("europe-west3", "Frankfurt, Germany", 50.11, 8.68, 2),
    r("europe-west4", "Eemshaven, Netherlands", 53.44, 6.83, 1),
    r("europe-west6", "Zurich, Switzerland", 47.38, 8.54, 2),
    r("europe-west8", "Milan, Italy", 45.46, 9.19, 1),
    r("europe-west9", "Paris, France", 48.86, 2.35, 1),
    r("europe-west10", "Berlin, Germany", 52.52, 13.40, 2),
    r("europe-west12", "Turin, Italy", 45.07, 7.69, 2),
    // Middle East and Africa
    r("africa-south1", "Johannesburg, South Africa", -26.20, 28.05, 2),
    r("me-central1", "Doha, Qatar", 25.29, 51.53, 2),
    r("me-central2", "Dammam, Saudi Arabia", 26.43, 50.10, 2),
    r("me-west1", "Tel Aviv, Israel", 32.09, 34.78, 1),
    // Asia Pacific
    r("asia-east1", "Changhua County, Taiwan", 24.07, 120.54, 1),
    r("asia-east2", "Hong Kong", 22.32, 114.17, 2),
    r("asia-northeast1", "Tokyo, Japan", 35.68, 139.69, 1),
    r("asia-northeast2", "Osaka, Japan", 34.69, 135.50, 1),
    r("asia-northeast3", "Seoul, South Korea", 37.57, 126.98, 2),
    r("asia-south1", "Mumbai, India", 19.08, 72.88, 2),
    r("asia-south2", "Delhi, India", 28.61, 77.21, 2),
    r("asia-southeast1", "Jurong West, Singapore", 1.34, 103.71, 2),
    r("asia-southeast2", "Jakarta, Indonesia", -6.21, 106.85, 2),
    r("australia-southeast1", "Sydney, Australia", -33.87, 151.21, 2),
    r("australia-southeast2", "Melbourne, Australia", -37.81, 144.96, 2),
];

/// The built-in region called `name` (exact, case-insensitive).
pub fn find(name: &str) -> Option<&'static BuiltinRegion> {
    REGIONS.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}
