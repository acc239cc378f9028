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
    /// ISO 3166-1 alpha-2 code of the country it is in.
    pub country: &'static str,
}

const fn r(
    name: &'static str,
    location: &'static str,
    lat: f64,
    lon: f64,
    tier: u8,
    country: &'static str,
) -> BuiltinRegion {
    BuiltinRegion { name, location, lat, lon, tier, country }
}

/// Every Google Cloud region, by continent then name.
pub const REGIONS: &[BuiltinRegion] = &[
    // Americas
    r("northamerica-northeast1", "Montréal, Québec", 45.50, -73.57, 2, "CA"),
    r("northamerica-northeast2", "Toronto, Ontario", 43.65, -79.38, 2, "CA"),
    r("northamerica-south1", "Querétaro, Mexico", 20.59, -100.39, 2, "MX"),
    r("southamerica-east1", "Osasco, São Paulo, Brazil", -23.53, -46.79, 2, "BR"),
    r("southamerica-west1", "Santiago, Chile", -33.45, -70.67, 2, "CL"),
    r("us-central1", "Council Bluffs, Iowa", 41.26, -95.86, 1, "US"),
    r("us-east1", "Moncks Corner, South Carolina", 33.20, -80.01, 1, "US"),
    r("us-east4", "Ashburn, Virginia", 39.04, -77.49, 1, "US"),
    r("us-east5", "Columbus, Ohio", 39.96, -83.00, 1, "US"),
    r("us-south1", "Dallas, Texas", 32.78, -96.80, 1, "US"),
    r("us-west1", "The Dalles, Oregon", 45.59, -121.18, 1, "US"),
    r("us-west2", "Los Angeles, California", 34.05, -118.24, 2, "US"),
    r("us-west3", "Salt Lake City, Utah", 40.76, -111.89, 2, "US"),
    r("us-west4", "Las Vegas, Nevada", 36.17, -115.14, 2, "US"),
    // Europe
    r("europe-central2", "Warsaw, Poland", 52.23, 21.01, 2, "PL"),
    r("europe-north1", "Hamina, Finland", 60.57, 27.20, 1, "FI"),
    r("europe-north2", "Stockholm, Sweden", 59.33, 18.07, 2, "SE"),
    r("europe-southwest1", "Madrid, Spain", 40.42, -3.70, 1, "ES"),
    r("europe-west1", "St. Ghislain, Belgium", 50.45, 3.82, 1, "BE"),
    r("europe-west2", "London, England", 51.51, -0.13, 2, "GB"),
    r("europe-west3", "Frankfurt, Germany", 50.11, 8.68, 2, "DE"),
    r("europe-west4", "Eemshaven, Netherlands", 53.44, 6.83, 1, "NL"),
    r("europe-west6", "Zurich, Switzerland", 47.38, 8.54, 2, "CH"),
    r("europe-west8", "Milan, Italy", 45.46, 9.19, 1, "IT"),
    r("europe-west9", "Paris, France", 48.86, 2.35, 1, "FR"),
    r("europe-west10", "Berlin, Germany", 52.52, 13.40, 2, "DE"),
    r("europe-west12", "Turin, Italy", 45.07, 7.69, 2, "IT"),
    // Middle East and Africa
    r("africa-south1", "Johannesburg, South Africa", -26.20, 28.05, 2, "ZA"),
    r("me-central1", "Doha, Qatar", 25.29, 51.53, 2, "QA"),
    r("me-central2", "Dammam, Saudi Arabia", 26.43, 50.10, 2, "SA"),
    r("me-west1", "Tel Aviv, Israel", 32.09, 34.78, 1, "IL"),
    // Asia Pacific
    r("asia-east1", "Changhua County, Taiwan", 24.07, 120.54, 1, "TW"),
    r("asia-east2", "Hong Kong", 22.32, 114.17, 2, "HK"),
    r("asia-northeast1", "Tokyo, Japan", 35.68, 139.69, 1, "JP"),
    r("asia-northeast2", "Osaka, Japan", 34.69, 135.50, 1, "JP"),
    r("asia-northeast3", "Seoul, South Korea", 37.57, 126.98, 2, "KR"),
    r("asia-south1", "Mumbai, India", 19.08, 72.88, 2, "IN"),
    r("asia-south2", "Delhi, India", 28.61, 77.21, 2, "IN"),
    r("asia-southeast1", "Jurong West, Singapore", 1.34, 103.71, 2, "SG"),
    r("asia-southeast2", "Jakarta, Indonesia", -6.21, 106.85, 2, "ID"),
    r("australia-southeast1", "Sydney, Australia", -33.87, 151.21, 2, "AU"),
    r("australia-southeast2", "Melbourne, Australia", -37.81, 144.96, 2, "AU"),
];

/// The built-in region called `name` (exact, case-insensitive).
pub fn find(name: &str) -> Option<&'static BuiltinRegion> {
    REGIONS.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}
