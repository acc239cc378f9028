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
}

const fn c(name: &'static str, country: &'static str, lat: f64, lon: f64) -> BuiltinCity {
    BuiltinCity { name, country, lat, lon }
}

/// Major metros worldwide, by continent.
pub const CITIES: &[BuiltinCity] = &[
    // North America
    c("New York", "US", 40.71, -74.01),
    c("Los Angeles", "US", 34.05, -118.24),
    c("Chicago", "US", 41.88, -87.63),
    c("Houston", "US", 29.76, -95.37),
    c("Dallas", "US", 32.78, -96.80),
    c("Phoenix", "US", 33.45, -112.07),
    c("Philadelphia", "US", 39.95, -75.17),
    c("San Francisco", "US", 37.77, -122.42),
    c("San Jose", "US", 37.34, -121.89),
    c("Seattle", "US", 47.61, -122.33),
    c("Washington", "US", 38.91, -77.04),
    c("Boston", "US", 42.36, -71.06),
    c("Atlanta", "US", 33.75, -84.39),
    c("Miami", "US", 25.76, -80.19),
    c("Denver", "US", 39.74, -104.99),
    c("Minneapolis", "US", 44.98, -93.27),
    c("Detroit", "US", 42.33, -83.05),
    c("Las Vegas", "US", 36.17, -115.14),
    c("Salt Lake City", "US", 40.76, -111.89),
    c("Portland", "US", 45.52, -122.68),
    c("San Diego", "US", 32.72, -117.16),
    c("Austin", "US", 30.27, -97.74),
    c("Charlotte", "US", 35.23, -80.84),
    c("Nashville", "US", 36.16, -86.78),
    c("St. Louis", "US", 38.63, -90.20),
    c("Kansas City", "US", 39.10, -94.58),
    c("Columbus", "US", 39.96, -83.00),
    c("Honolulu", "US", 21.31, -157.86),
    c("Anchorage", "US", 61.22, -149.90),
    c("Toronto", "CA", 43.65, -79.38),
    c("Montreal", "CA", 45.50, -73.57),
    c("Vancouver", "CA", 49.28, -123.12),
    c("Calgary", "CA", 51.05, -114.07),
    c("Mexico City", "MX", 19.43, -99.13),
    c("Guadalajara", "MX", 20.67, -103.35),
    c("Monterrey", "MX", 25.69, -100.32),
    // Central and South America, Caribbean
    c("Bogota", "CO", 4.71, -74.07),
    c("Medellin", "CO", 6.24, -75.58),
    c("Lima", "PE", -12.05, -77.04),
    c("Santiago", "CL", -33.45, -70.67),
    c("Buenos Aires", "AR", -34.60, -58.38),
    c("Sao Paulo", "BR", -23.55, -46.63),
    c("Rio de Janeiro", "BR", -22.91, -43.17),
    c("Brasilia", "BR", -15.79, -47.88),
    c("Caracas", "VE", 10.48, -66.90),
    c("Quito", "EC", -0.18, -78.47),
    c("Panama City", "PA", 8.98, -79.52),
    c("Montevideo", "UY", -34.90, -56.16),
    c("Guatemala City", "GT", 14.63, -90.51),
    c("San Juan", "PR", 18.47, -66.11),
    c("Santo Domingo", "DO", 18.49, -69.93),
    // Europe
    c("London", "GB", 51.51, -0.13),
    c("Manchester", "GB", 53.48, -2.24),
    c("Edinburgh", "GB", 55.95, -3.19),
    c("Dublin", "IE", 53.35, -6.26),
    c("Paris", "FR", 48.86, 2.35),
    c("Lyon", "FR", 45.76, 4.84),
    c("Marseille", "FR", 43.30, 5.37),
    c("Frankfurt", "DE", 50.11, 8.68),
    c("Berlin", "DE", 52.52, 13.40),
    c("Munich", "DE", 48.14, 11.58),
    c("Hamburg", "DE", 53.55, 9.99),
    c("Amsterdam", "NL", 52.37, 4.90),
    c("Brussels", "BE", 50.85, 4.35),
    c("Zurich", "CH", 47.38, 8.54),
    c("Vienna", "AT", 48.21, 16.37),
    c("Madrid", "ES", 40.42, -3.70),
    c("Barcelona", "ES", 41.39, 2.17),
    c("Lisbon", "PT", 38.72, -9.14),
    c("Rome", "IT", 41.90, 12.50),
    c("Milan", "IT", 45.46, 9.19),
    c("Warsaw", "PL", 52.23, 21.01),
    c("Prague", "CZ", 50.08, 14.44),
    c("Budapest", "HU", 47.50, 19.04),
    c("Bucharest", "RO", 44.43, 26.10),
    c("Athens", "GR", 37.98, 23.73),
    c("Stockholm", "SE", 59.33, 18.07),
    c("Oslo", "NO", 59.91, 10.75),
    c("Copenhagen", "DK", 55.68, 12.57),
    c("Helsinki", "FI", 60.17, 24.94),
    c("Kyiv", "UA", 50.45, 30.52),
    c("Istanbul", "TR", 41.01, 28.98),
    c("Moscow", "RU", 55.76, 37.62),
    // Middle East and Africa
    c("Tel Aviv", "IL", 32.09, 34.78),
    c("Dubai", "AE", 25.20, 55.27),
    c("Abu Dhabi", "AE", 24.45, 54.38),
    c("Riyadh", "SA", 24.71, 46.68),
    c("Jeddah", "SA", 21.49, 39.19),
    c("Doha", "QA", 25.29, 51.53),
    c("Tehran", "IR", 35.69, 51.39),
    c("Cairo", "EG", 30.04, 31.24),
    c("Casablanca", "MA", 33.57, -7.59),
    c("Lagos", "NG", 6.52, 3.38),
    c("Accra", "GH", 5.60, -0.19),
    c("Nairobi", "KE", -1.29, 36.82),
    c("Addis Ababa", "ET", 9.03, 38.74),
    c("Kinshasa", "CD", -4.44, 15.27),
    c("Johannesburg", "ZA", -26.20, 28.05),
    c("Cape Town", "ZA", -33.92, 18.42),
    // Asia
    c("Mumbai", "IN", 19.08, 72.88),
    c("Delhi", "IN", 28.61, 77.21),
    c("Bangalore", "IN", 12.97, 77.59),
    c("Chennai", "IN", 13.08, 80.27),
    c("Hyderabad", "IN", 17.39, 78.49),
    c("Kolkata", "IN", 22.57, 88.36),
    c("Pune", "IN", 18.52, 73.86),
    c("Karachi", "PK", 24.86, 67.01),
    c("Lahore", "PK", 31.55, 74.34),
    c("Dhaka", "BD", 23.81, 90.41),
    c("Colombo", "LK", 6.93, 79.86),
    c("Almaty", "KZ", 43.24, 76.95),
    c("Singapore", "SG", 1.35, 103.82),
    c("Kuala Lumpur", "MY", 3.15, 101.69),
    c("Jakarta", "ID", -6.21, 106.85),
    c("Bangkok", "TH", 13.76, 100.50),
    c("Manila", "PH", 14.60, 120.98),
    c("Ho Chi Minh City", "VN", 10.82, 106.63),
    c("Hanoi", "VN", 21.03, 105.85),
    c("Hong Kong", "HK", 22.32, 114.17),
    c("Taipei", "TW", 25.03, 121.57),
    c("Shanghai", "CN", 31.23, 121.47),
    c("Beijing", "CN", 39.90, 116.41),
    c("Shenzhen", "CN", 22.54, 114.06),
    c("Guangzhou", "CN", 23.13, 113.26),
    c("Seoul", "KR", 37.57, 126.98),
    c("Busan", "KR", 35.18, 129.08),
    c("Tokyo", "JP", 35.68, 139.69),
    c("Osaka", "JP", 34.69, 135.50),
    c("Nagoya", "JP", 35.18, 136.91),
    // Oceania
    c("Sydney", "AU", -33.87, 151.21),
    c("Melbourne", "AU", -37.81, 144.96),
    c("Brisbane", "AU", -27.47, 153.03),
    c("Perth", "AU", -31.95, 115.86),
    c("Adelaide", "AU", -34.93, 138.60),
    c("Auckland", "NZ", -36.85, 174.76),
    c("Wellington", "NZ", -41.29, 174.78),
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
