//! Built-in metropolitan areas with the coordinates of their centres.
//!
//! Coordinates are the commonly published city-centre positions (rounded to
//! two decimals); a metro's users are placed at its centre. They enter
//! Google's network at the nearest of Google's edge metros
//! ([`super::edges`]), which may be in another city, and the access RTT
//! distribution covers the last mile.

/// A built-in metro.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinCity {
    /// Name as written in scenarios (ASCII; lookups also accept accents).
    pub name: &'static str,
    /// ISO 3166-1 alpha-2 country code.
    pub country: &'static str,
    /// Latitude in degrees north.
    pub lat: f64,
    /// Longitude in degrees east.
    pub lon: f64,
    /// Population of the metro (urban agglomeration), thousands: Natural
    /// Earth's `POP_MAX` of the populated place at this metro
    /// (ne_10m_populated_places, public domain, naturalearthdata.com,
    /// read 2026-12-06 from the CC0 GeoJSON conversion
    /// github.com/martynafford/natural-earth-geojson). Used to spread a
    /// country's traffic over its metros (`[[traffic]]` from a Cloud
    /// Monitoring export).
    pub population_k: u32,
}

const fn c(name: &'static str, country: &'static str, lat: f64, lon: f64, population_k: u32) -> BuiltinCity {
    BuiltinCity { name, country, lat, lon, population_k }
}

/// Major metros worldwide, by continent.
pub const CITIES: &[BuiltinCity] = &[
    // North America
    c("New York", "US", 40.71, -74.01, 19040),
    c("Los Angeles", "US", 34.05, -118.24, 12500),
    c("Chicago", "US", 41.88, -87.63, 8990),
    c("Houston", "US", 29.76, -95.37, 4459),
    c("Dallas", "US", 32.78, -96.80, 4798),
    c("Phoenix", "US", 33.45, -112.07, 3551),
    c("Philadelphia", "US", 39.95, -75.17, 5492),
    c("San Francisco", "US", 37.77, -122.42, 3450),
    c("San Jose", "US", 37.34, -121.89, 1668),
    c("Seattle", "US", 47.61, -122.33, 3074),
    c("Washington", "US", 38.91, -77.04, 4338),
    c("Boston", "US", 42.36, -71.06, 4467),
    c("Atlanta", "US", 33.75, -84.39, 4506),
    c("Miami", "US", 25.76, -80.19, 5585),
    c("Denver", "US", 39.74, -104.99, 2313),
    c("Minneapolis", "US", 44.98, -93.27, 2616),
    c("Detroit", "US", 42.33, -83.05, 4101),
    c("Las Vegas", "US", 36.17, -115.14, 1823),
    c("Salt Lake City", "US", 40.76, -111.89, 966),
    c("Portland", "US", 45.52, -122.68, 1875),
    c("San Diego", "US", 32.72, -117.16, 2916),
    c("Austin", "US", 30.27, -97.74, 1161),
    c("Charlotte", "US", 35.23, -80.84, 995),
    c("Nashville", "US", 36.16, -86.78, 877),
    c("St. Louis", "US", 38.63, -90.20, 2199),
    c("Kansas City", "US", 39.10, -94.58, 1469),
    c("Columbus", "US", 39.96, -83.00, 1270),
    c("Honolulu", "US", 21.31, -157.86, 786),
    c("Anchorage", "US", 61.22, -149.90, 260),
    c("Toronto", "CA", 43.65, -79.38, 5213),
    c("Montreal", "CA", 45.50, -73.57, 3678),
    c("Vancouver", "CA", 49.28, -123.12, 2313),
    c("Calgary", "CA", 51.05, -114.07, 1110),
    c("Mexico City", "MX", 19.43, -99.13, 19028),
    c("Guadalajara", "MX", 20.67, -103.35, 4198),
    c("Monterrey", "MX", 25.69, -100.32, 3712),
    // Central and South America, Caribbean
    c("Bogota", "CO", 4.71, -74.07, 7772),
    c("Medellin", "CO", 6.24, -75.58, 3297),
    c("Lima", "PE", -12.05, -77.04, 8012),
    c("Santiago", "CL", -33.45, -70.67, 5720),
    c("Buenos Aires", "AR", -34.60, -58.38, 12795),
    c("Sao Paulo", "BR", -23.55, -46.63, 18845),
    c("Rio de Janeiro", "BR", -22.91, -43.17, 11748),
    c("Brasilia", "BR", -15.79, -47.88, 3716),
    c("Caracas", "VE", 10.48, -66.90, 2985),
    c("Quito", "EC", -0.18, -78.47, 1701),
    c("Panama City", "PA", 8.98, -79.52, 1281),
    c("Montevideo", "UY", -34.90, -56.16, 1513),
    c("Guatemala City", "GT", 14.63, -90.51, 1024),
    c("San Juan", "PR", 18.47, -66.11, 2478),
    c("Santo Domingo", "DO", 18.49, -69.93, 2154),
    // Europe
    c("London", "GB", 51.51, -0.13, 8567),
    c("Manchester", "GB", 53.48, -2.24, 2230),
    c("Edinburgh", "GB", 55.95, -3.19, 504),
    c("Dublin", "IE", 53.35, -6.26, 1059),
    c("Paris", "FR", 48.86, 2.35, 9904),
    c("Lyon", "FR", 45.76, 4.84, 1423),
    c("Marseille", "FR", 43.30, 5.37, 1400),
    c("Frankfurt", "DE", 50.11, 8.68, 2895),
    c("Berlin", "DE", 52.52, 13.40, 3406),
    c("Munich", "DE", 48.14, 11.58, 1275),
    c("Hamburg", "DE", 53.55, 9.99, 1757),
    c("Amsterdam", "NL", 52.37, 4.90, 1031),
    c("Brussels", "BE", 50.85, 4.35, 1743),
    c("Zurich", "CH", 47.38, 8.54, 1108),
    c("Vienna", "AT", 48.21, 16.37, 2400),
    c("Madrid", "ES", 40.42, -3.70, 5567),
    c("Barcelona", "ES", 41.39, 2.17, 4920),
    c("Lisbon", "PT", 38.72, -9.14, 2812),
    c("Rome", "IT", 41.90, 12.50, 3339),
    c("Milan", "IT", 45.46, 9.19, 2945),
    c("Warsaw", "PL", 52.23, 21.01, 1707),
    c("Prague", "CZ", 50.08, 14.44, 1162),
    c("Budapest", "HU", 47.50, 19.04, 1679),
    c("Bucharest", "RO", 44.43, 26.10, 1942),
    c("Athens", "GR", 37.98, 23.73, 3242),
    c("Stockholm", "SE", 59.33, 18.07, 1264),
    c("Oslo", "NO", 59.91, 10.75, 835),
    c("Copenhagen", "DK", 55.68, 12.57, 1085),
    c("Helsinki", "FI", 60.17, 24.94, 1115),
    c("Kyiv", "UA", 50.45, 30.52, 2709),
    c("Istanbul", "TR", 41.01, 28.98, 10061),
    c("Moscow", "RU", 55.76, 37.62, 10452),
    // Middle East and Africa
    c("Tel Aviv", "IL", 32.09, 34.78, 3112),
    c("Dubai", "AE", 25.20, 55.27, 1379),
    c("Abu Dhabi", "AE", 24.45, 54.38, 603),
    c("Riyadh", "SA", 24.71, 46.68, 4465),
    c("Jeddah", "SA", 21.49, 39.19, 3012),
    c("Doha", "QA", 25.29, 51.53, 1450),
    c("Tehran", "IR", 35.69, 51.39, 7873),
    c("Cairo", "EG", 30.04, 31.24, 11893),
    c("Casablanca", "MA", 33.57, -7.59, 3181),
    c("Lagos", "NG", 6.52, 3.38, 9466),
    c("Accra", "GH", 5.60, -0.19, 2121),
    c("Nairobi", "KE", -1.29, 36.82, 3010),
    c("Addis Ababa", "ET", 9.03, 38.74, 3100),
    c("Kinshasa", "CD", -4.44, 15.27, 7843),
    c("Johannesburg", "ZA", -26.20, 28.05, 3435),
    c("Cape Town", "ZA", -33.92, 18.42, 3215),
    // Asia
    c("Mumbai", "IN", 19.08, 72.88, 18978),
    c("Delhi", "IN", 28.61, 77.21, 15926),
    c("Bangalore", "IN", 12.97, 77.59, 6787),
    c("Chennai", "IN", 13.08, 80.27, 7163),
    c("Hyderabad", "IN", 17.39, 78.49, 6376),
    c("Kolkata", "IN", 22.57, 88.36, 14787),
    c("Pune", "IN", 18.52, 73.86, 4672),
    c("Karachi", "PK", 24.86, 67.01, 12130),
    c("Lahore", "PK", 31.55, 74.34, 6577),
    c("Dhaka", "BD", 23.81, 90.41, 12797),
    c("Colombo", "LK", 6.93, 79.86, 217),
    c("Almaty", "KZ", 43.24, 76.95, 1209),
    c("Singapore", "SG", 1.35, 103.82, 5183),
    c("Kuala Lumpur", "MY", 3.15, 101.69, 1448),
    c("Jakarta", "ID", -6.21, 106.85, 9125),
    c("Bangkok", "TH", 13.76, 100.50, 6704),
    c("Manila", "PH", 14.60, 120.98, 11100),
    c("Ho Chi Minh City", "VN", 10.82, 106.63, 5314),
    c("Hanoi", "VN", 21.03, 105.85, 4378),
    c("Hong Kong", "HK", 22.32, 114.17, 7206),
    c("Taipei", "TW", 25.03, 121.57, 6900),
    c("Shanghai", "CN", 31.23, 121.47, 14987),
    c("Beijing", "CN", 39.90, 116.41, 11106),
    c("Shenzhen", "CN", 22.54, 114.06, 7581),
    c("Guangzhou", "CN", 23.13, 113.26, 8829),
    c("Seoul", "KR", 37.57, 126.98, 9796),
    c("Busan", "KR", 35.18, 129.08, 3480),
    c("Tokyo", "JP", 35.68, 139.69, 35676),
    c("Osaka", "JP", 34.69, 135.50, 11294),
    c("Nagoya", "JP", 35.18, 136.91, 3230),
    // Oceania
    c("Sydney", "AU", -33.87, 151.21, 4630),
    c("Melbourne", "AU", -37.81, 144.96, 4170),
    c("Brisbane", "AU", -27.47, 153.03, 1860),
    c("Perth", "AU", -31.95, 115.86, 1532),
    c("Adelaide", "AU", -34.93, 138.60, 1145),
    c("Auckland", "NZ", -36.85, 174.76, 1377),
    c("Wellington", "NZ", -41.29, 174.78, 393),
];

/// The built-in city called `name`: case-insensitive, accents folded, so
/// "São Paulo" and "sao paulo" both find "Sao Paulo".
pub fn find(name: &str) -> Option<&'static BuiltinCity> {
    let key = fold(name);
    CITIES.iter().find(|c| fold(c.name) == key)
}

/// Lower-case ASCII folding of common Latin accented letters.
pub fn fold(name: &str) -> String {
    name.trim()
        .chars()
        .map(|ch| match ch {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' | 'Á' | 'À' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}
