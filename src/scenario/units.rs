//! Durations as written in scenario files: a decimal number and a unit.
//!
//! Accepted units: `ns`, `us` (or `µs`), `ms`, `s`, `m` (or `min`), `h`, `d`.
//! The number is non-negative decimal (`"1.5s"`, `"250ms"`, `"0s"`) and is
//! converted exactly, without floating point, to integer nanoseconds. A bare
//! number is not a duration: the unit is always required.

use crate::engine::time::{NS_PER_MS, NS_PER_S, NS_PER_US};
pub use crate::format::{format_duration, human_duration};

const NS_PER_MIN: u64 = 60 * NS_PER_S;
const NS_PER_HOUR: u64 = 60 * NS_PER_MIN;
const NS_PER_DAY: u64 = 24 * NS_PER_HOUR;

/// Units accepted in duration strings, longest spelling first within a prefix.
const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", NS_PER_US),
    ("µs", NS_PER_US),
    ("ms", NS_PER_MS),
    ("s", NS_PER_S),
    ("min", NS_PER_MIN),
    ("m", NS_PER_MIN),
    ("h", NS_PER_HOUR),
    ("d", NS_PER_DAY),
];

/// What a duration string must look like, for error messages.
pub const DURATION_HELP: &str =
    "a string with a unit, such as \"250ms\", \"1.5s\", \"30m\" or \"2h\" (units: ns, us, ms, s, m, h, d)";

/// Parses a duration string into nanoseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("\"{text}\" has no unit; expected {DURATION_HELP}"))?;
    let (number, unit) = (&s[..split], s[split..].trim());
    if number.is_empty() {
        return Err(if s.starts_with('-') {
            format!("\"{text}\" is negative; durations are zero or more")
        } else {
            format!("\"{text}\" is not a duration; expected {DURATION_HELP}")
        });
    }
    let unit_ns = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|&(_, ns)| ns)
        .ok_or_else(|| format!("\"{text}\" has an unknown unit \"{unit}\"; expected {DURATION_HELP}"))?;
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(format!("\"{text}\" is not a number with a unit; expected {DURATION_HELP}"));
    }
    if frac_part.len() > 18 {
        return Err(format!("\"{text}\" has too many decimal places"));
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| format!("\"{text}\" is too large"))?
    };
    let frac: u128 = if frac_part.is_empty() { 0 } else { frac_part.parse().unwrap_or(0) };
    let scale = 10u128.pow(frac_part.len() as u32);
    let total = int
        .checked_mul(u128::from(unit_ns))
        .and_then(|v| v.checked_add(frac * u128::from(unit_ns) / scale))
        .filter(|v| *v <= u128::from(MAX_DURATION_NS))
        .ok_or_else(|| format!("\"{text}\" is too large; the longest duration is 100 years"))?;
    if !(frac * u128::from(unit_ns)).is_multiple_of(scale) {
        return Err(format!("\"{text}\" is not a whole number of nanoseconds"));
    }
    Ok(total as u64)
}

/// Longest duration accepted anywhere (100 years), far below `u64` overflow.
pub const MAX_DURATION_NS: u64 = 100 * 365 * NS_PER_DAY;

/// `"HH:MM"` or `"HH:MM:SS"` to seconds after midnight.
pub fn parse_time_of_day(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts.iter().any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(99)).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {

    #[test]
    fn clock_times() {
        assert_eq!(parse_time_of_day("00:00"), Some(0));
        assert_eq!(parse_time_of_day("13:30"), Some(13 * 3600 + 30 * 60));
        assert_eq!(parse_time_of_day("23:59:59"), Some(86_399));
        for bad in ["24:00", "1:00", "12:60", "noon", "12"] {
            assert_eq!(parse_time_of_day(bad), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn format_is_the_exact_inverse_of_parse() {
        for ns in
            [0, 1, 999, 1_000, 1_500_000_000, 20 * NS_PER_MS, 2 * NS_PER_HOUR, 90 * NS_PER_S, NS_PER_DAY]
        {
            assert_eq!(parse_duration(&format_duration(ns)), Ok(ns), "{ns}");
        }
        assert_eq!(format_duration(2 * NS_PER_HOUR), "2h");
        assert_eq!(format_duration(1_500 * NS_PER_MS), "1500ms");
    }

    #[test]
    fn parses_the_documented_examples() {
        assert_eq!(parse_duration("250ms"), Ok(250 * NS_PER_MS));
        assert_eq!(parse_duration("1.5s"), Ok(1_500 * NS_PER_MS));
        assert_eq!(parse_duration("30m"), Ok(30 * NS_PER_MIN));
        assert_eq!(parse_duration("2h"), Ok(2 * NS_PER_HOUR));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("15min"), Ok(15 * NS_PER_MIN));
        assert_eq!(parse_duration("0.5us"), Ok(500));
        assert_eq!(parse_duration(".25s"), Ok(250 * NS_PER_MS));
        assert_eq!(parse_duration("100 ms"), Ok(100 * NS_PER_MS));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["250", "", "ms", "-1s", "1.2.3s", "5 parsecs", "0.5ns", "1e3ms", "999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_duration("250").unwrap_err().contains("no unit"));
    }
}
