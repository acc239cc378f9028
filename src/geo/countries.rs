//! Country names for the countries of the built-in metros, to read Cloud
//! Monitoring's `client_country` label: Google's documentation gives
//! English names as its values ("for example, United States or Germany",
//! cloud.google.com/cdn/docs/cdn-logging-monitoring, read 2026-12-06).
//! Each country is known by its ISO 3166-1 alpha-2 code, its common
//! English name, and the other spellings listed (matched ignoring case).

/// `(code, name, other spellings)`.
pub const COUNTRIES: &[(&str, &str, &[&str])] = &[
    ("AE", "United Arab Emirates", &["UAE"]),
    ("AR", "Argentina", &[]),
    ("AT", "Austria", &[]),
    ("AU", "Australia", &[]),
    ("BD", "Bangladesh", &[]),
    ("BE", "Belgium", &[]),
    ("BR", "Brazil", &[]),
    ("CA", "Canada", &[]),
    (
        "CD",
        "Democratic Republic of the Congo",
        &["DR Congo", "Congo (Kinshasa)", "Congo, The Democratic Republic of the"],
    ),
    ("CH", "Switzerland", &[]),
    ("CL", "Chile", &[]),
    ("CN", "China", &[]),
    ("CO", "Colombia", &[]),
    ("CZ", "Czechia", &["Czech Republic"]),
    ("DE", "Germany", &[]),
    ("DK", "Denmark", &[]),
    ("DO", "Dominican Republic", &[]),
    ("EC", "Ecuador", &[]),
    ("EG", "Egypt", &[]),
    ("ES", "Spain", &[]),
    ("ET", "Ethiopia", &[]),
    ("FI", "Finland", &[]),
    ("FR", "France", &[]),
    ("GB", "United Kingdom", &["UK", "Great Britain"]),
    ("GH", "Ghana", &[]),
    ("GR", "Greece", &[]),
    ("GT", "Guatemala", &[]),
    ("HK", "Hong Kong", &[]),
    ("HU", "Hungary", &[]),
    ("ID", "Indonesia", &[]),
    ("IE", "Ireland", &[]),
    ("IL", "Israel", &[]),
    ("IN", "India", &[]),
    ("IR", "Iran", &["Iran, Islamic Republic of"]),
    ("IT", "Italy", &[]),
    ("JP", "Japan", &[]),
    ("KE", "Kenya", &[]),
    ("KR", "South Korea", &["Korea, Republic of", "Republic of Korea", "Korea"]),
    ("KZ", "Kazakhstan", &[]),
    ("LK", "Sri Lanka", &[]),
    ("MA", "Morocco", &[]),
    ("MX", "Mexico", &[]),
    ("MY", "Malaysia", &[]),
    ("NG", "Nigeria", &[]),
    ("NL", "Netherlands", &["The Netherlands"]),
    ("NO", "Norway", &[]),
    ("NZ", "New Zealand", &[]),
    ("PA", "Panama", &[]),
    ("PE", "Peru", &[]),
    ("PH", "Philippines", &[]),
    ("PK", "Pakistan", &[]),
    ("PL", "Poland", &[]),
    ("PR", "Puerto Rico", &[]),
    ("PT", "Portugal", &[]),
    ("QA", "Qatar", &[]),
    ("RO", "Romania", &[]),
    ("RU", "Russia", &["Russian Federation"]),
    ("SA", "Saudi Arabia", &[]),
    ("SE", "Sweden", &[]),
    ("SG", "Singapore", &[]),
    ("TH", "Thailand", &[]),
    ("TR", "Turkey", &["Türkiye", "Turkiye"]),
    ("TW", "Taiwan", &[]),
    ("UA", "Ukraine", &[]),
    ("US", "United States", &["United States of America", "USA"]),
    ("UY", "Uruguay", &[]),
    ("VE", "Venezuela", &[]),
    ("VN", "Vietnam", &["Viet Nam"]),
    ("ZA", "South Africa", &[]),
];

/// The ISO code of a country written as its code, name or another spelling.
pub fn code_of(text: &str) -> Option<&'static str> {
    let t = text.trim();
    COUNTRIES
        .iter()
        .find(|(code, name, other)| {
            code.eq_ignore_ascii_case(t)
                || name.eq_ignore_ascii_case(t)
                || other.iter().any(|o| o.eq_ignore_ascii_case(t))
        })
        .map(|(code, _, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_of_a_builtin_metro_has_a_name() {
        for c in super::super::cities::CITIES {
            assert!(COUNTRIES.iter().any(|(code, _, _)| *code == c.country), "{} ({})", c.name, c.country);
        }
        assert_eq!(code_of("United States"), Some("US"));
        assert_eq!(code_of("germany"), Some("DE"));
        assert_eq!(code_of("JP"), Some("JP"));
        assert_eq!(code_of("Atlantis"), None);
    }
}
