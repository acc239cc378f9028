//! Durations as written in scenario files: a decimal number and a unit, or
//! several such parts from the largest unit down (`"1h30m"`).
//!
//! Accepted units: `ns`, `us` (or `µs`), `ms`, `s`, `m` (or `min`), `h`, `d`.
//! The number is non-negative decimal (`"1.5s"`, `"250ms"`, `"0s"`) and is
//! converted exactly, without floating point, to integer nanoseconds. A bare
//! number is not a duration: the unit is always required. Several parts are
//! what [`human_duration`] writes in messages (`"1h40m"`, `"2m30s"`), so a
//! duration quoted in an error can be copied back into the file.

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
pub const DURATION_HELP: &str = "a string with a unit, such as \"250ms\", \"1.5s\", \"30m\", \"2h\" or \"1h30m\" \
     (units: ns, us, ms, s, m, h, d; several from the largest down)";

/// Parses a duration string into nanoseconds: one part (a number and a
/// unit) or several, from the largest unit down, each unit once
/// (`"1h30m"`, `"2m30.5s"`), as [`human_duration`] writes them in messages.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let s = text.trim();
    if s.starts_with('-') {
        return Err(format!("\"{text}\" is negative; durations are zero or more"));
    }
    let mut rest = s;
    let (mut total, mut last_unit) = (0u128, None::<u64>);
    loop {
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("\"{text}\" has no unit; expected {DURATION_HELP}"))?;
        let number = &rest[..split];
        let after = rest[split..].trim_start();
        let unit_len =
            after.find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace()).unwrap_or(after.len());
        let unit = &after[..unit_len];
        if number.is_empty() {
            return Err(format!("\"{text}\" is not a duration; expected {DURATION_HELP}"));
        }
        let unit_ns =
            UNITS.iter().find(|(name, _)| *name == unit).map(|&(_, ns)| ns).ok_or_else(|| {
                format!("\"{text}\" has an unknown unit \"{unit}\"; expected {DURATION_HELP}")
            })?;
        if last_unit.is_some_and(|last| unit_ns >= last) {
            return Err(format!(
                "\"{text}\" repeats a unit or puts a smaller one first; \
                 a duration of several parts goes from the largest unit down, each once, such as \"1h30m\""
            ));
        }
        last_unit = Some(unit_ns);
        total += part_ns(text, number, unit_ns)?;
        if total > u128::from(MAX_DURATION_NS) {
            return Err(format!("\"{text}\" is too large; the longest duration is 100 years"));
        }
        rest = after[unit_len..].trim_start();
        if rest.is_empty() {
            return Ok(total as u64);
        }
    }
}

/// The nanoseconds of one part of a duration: `number` (digits and at most
/// one point) of the unit of `unit_ns`, exactly.
fn part_ns(text: &str, number: &str, unit_ns: u64) -> Result<u128, String> {
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
    Ok(total)
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
    fn parts_from_the_largest_unit_down_add_up() {
        assert_eq!(parse_duration("1h30m"), Ok(90 * NS_PER_MIN));
        assert_eq!(parse_duration("1h 30m"), Ok(90 * NS_PER_MIN));
        assert_eq!(parse_duration("2m30.5s"), Ok(150_500 * NS_PER_MS));
        assert_eq!(
            parse_duration("1d2h3m4s5ms6us7ns"),
            Ok(NS_PER_DAY + 2 * NS_PER_HOUR + 3 * NS_PER_MIN + 4_005_006_007)
        );
        assert_eq!(parse_duration("1min30s"), Ok(90 * NS_PER_S));
        for bad in ["30m1h", "1m1m", "1m1min", "1h30", "1h-30m", "1h30x"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_duration("30m1h").unwrap_err().contains("largest unit down"));
        assert!(parse_duration("1h30").unwrap_err().contains("no unit"));
        assert!(parse_duration("99999d99999d").is_err());
        assert!(parse_duration("36499d23h60m").is_ok_and(|ns| ns <= MAX_DURATION_NS));
        assert!(parse_duration("36500d1ns").unwrap_err().contains("too large"));
    }

    /// Whatever a message prints of a duration reads back: exactly when it
    /// is whole minutes or seconds, as a rounding otherwise.
    #[test]
    fn what_messages_print_parses_back() {
        for ns in [
            90 * NS_PER_MIN,
            100 * NS_PER_MIN,
            150 * NS_PER_S,
            2 * NS_PER_HOUR,
            25 * NS_PER_HOUR,
            61 * NS_PER_S,
        ] {
            assert_eq!(parse_duration(&human_duration(ns)), Ok(ns), "{}", human_duration(ns));
        }
        for ns in [1_500 * NS_PER_MS, 1_234_567, 999, 12_345] {
            assert!(parse_duration(&human_duration(ns)).is_ok(), "{}", human_duration(ns));
        }
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["250", "", "ms", "-1s", "1.2.3s", "5 parsecs", "0.5ns", "1e3ms", "999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_duration("250").unwrap_err().contains("no unit"));
    }
}
