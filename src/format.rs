//! Numbers, durations and times as negsim shows them, in one place: the
//! scenario's durations (exact, and for people), counts, percentages,
//! latencies, spans of seconds and times since the start of a run.

use crate::engine::time::{NS_PER_MS, NS_PER_S, NS_PER_US};

const NS_PER_MIN: u64 = 60 * NS_PER_S;
const NS_PER_HOUR: u64 = 60 * NS_PER_MIN;
const NS_PER_DAY: u64 = 24 * NS_PER_HOUR;

/// Formats nanoseconds as the shortest exact duration string, the inverse of
/// [`parse_duration`]: `1_500_000_000` gives `"1500ms"`, `7_200 s` gives `"2h"`.
pub fn format_duration(ns: u64) -> String {
    if ns == 0 {
        return "0s".to_string();
    }
    for (name, unit) in [
        ("d", NS_PER_DAY),
        ("h", NS_PER_HOUR),
        ("m", NS_PER_MIN),
        ("s", NS_PER_S),
        ("ms", NS_PER_MS),
        ("us", NS_PER_US),
    ] {
        if ns.is_multiple_of(unit) {
            return format!("{}{name}", ns / unit);
        }
    }
    format!("{ns}ns")
}

/// Formats nanoseconds for people: `"1.5s"`, `"250ms"`, `"20m"`, `"1h30m"`.
pub fn human_duration(ns: u64) -> String {
    if ns >= NS_PER_HOUR && ns.is_multiple_of(NS_PER_MIN) {
        let (h, m) = (ns / NS_PER_HOUR, (ns % NS_PER_HOUR) / NS_PER_MIN);
        return if m == 0 { format!("{h}h") } else { format!("{h}h{m}m") };
    }
    if ns >= NS_PER_MIN && ns.is_multiple_of(NS_PER_S) {
        let (m, s) = (ns / NS_PER_MIN, (ns % NS_PER_MIN) / NS_PER_S);
        return if s == 0 { format!("{m}m") } else { format!("{m}m{s}s") };
    }
    if ns >= NS_PER_S {
        return trim_decimal(ns as f64 / NS_PER_S as f64, "s");
    }
    if ns >= NS_PER_MS {
        return trim_decimal(ns as f64 / NS_PER_MS as f64, "ms");
    }
    if ns >= NS_PER_US {
        return trim_decimal(ns as f64 / NS_PER_US as f64, "us");
    }
    format!("{ns}ns")
}

fn trim_decimal(value: f64, unit: &str) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

/// A percentage with the decimals it needs: "98.7 %", "99.833 %", "99.9 %".
pub fn pct(x: f64) -> String {
    let p = x * 100.0;
    let text = if p > 99.0 && p < 100.0 { format!("{p:.3}") } else { format!("{p:.1}") };
    // Less than 100 % never reads as 100 %: one timeout in a million
    // requests is "99.9999 %", and less than that "> 99.9999 %".
    let text = if p < 100.0 && text.starts_with("100") {
        let finer = format!("{p:.4}");
        if finer.starts_with("100") {
            return "> 99.9999 %".into();
        }
        finer
    } else {
        text
    };
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
    let text = if text.contains('.') || p >= 100.0 || p == 0.0 { text } else { format!("{text}.0") };
    format!("{text} %")
}

/// A share: "99.4 %".
pub fn share(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// A whole number with thousands separators.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A span of seconds for people: "2m38s", "45s", "1h05m".
pub fn span(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

pub fn ms(x: f64) -> String {
    if x >= 1000.0 { format!("{:.1} s", x / 1000.0) } else { format!("{x:.0} ms") }
}

/// `h:mm` (or `h:mm:ss`) since the start of the run.
pub fn clock(s: f64) -> String {
    let t = s.round() as i64;
    if t % 60 == 0 {
        format!("{}:{:02}", t / 3600, t / 60 % 60)
    } else {
        format!("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
    }
}

/// A span of seconds for a progress line, `?` when not known yet.
pub fn span_or_unknown(secs: f64) -> String {
    if secs.is_finite() { span(secs) } else { "?".into() }
}

/// `h:mm` for a time in minutes since the start (chart axes).
pub fn clock_minutes(m: &f64) -> String {
    let total = m.round() as i64;
    format!("{}:{:02}", total.div_euclid(60), total.rem_euclid(60))
}

/// How a run's times are told: UTC clock time when the scenario says
/// when it starts (`start_utc`), time since the start otherwise, and
/// always labelled as one or the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// UTC time of day at t = 0, in seconds after midnight.
    pub start_utc_s: Option<u32>,
}

impl Clock {
    /// A tick on a time axis, `secs` after the start: "10:30" (UTC, the
    /// axis says so) or "0:30" (since the start).
    pub fn tick(&self, secs: f64) -> String {
        match self.start_utc_s {
            Some(start) => clock((f64::from(start) + secs).rem_euclid(86_400.0)),
            None => clock(secs),
        }
    }

    /// A time in a sentence: "10:30 UTC" or "0:30 after the start".
    pub fn at(&self, secs: f64) -> String {
        match self.start_utc_s {
            Some(_) => format!("{} UTC", self.tick(secs)),
            None => format!("{} after the start", clock(secs)),
        }
    }

    /// A span of time in a sentence: "10:30–10:50 UTC" or "0:30–0:50 after the start".
    pub fn between(&self, a: f64, b: f64) -> String {
        match self.start_utc_s {
            Some(_) => format!("{}–{} UTC", self.tick(a), self.tick(b)),
            None => format!("{}–{} after the start", clock(a), clock(b)),
        }
    }

    /// The time axis's title.
    pub fn axis(&self) -> &'static str {
        if self.start_utc_s.is_some() { "time (UTC)" } else { "time since the start (h:mm)" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_clock_times_when_the_start_is_known() {
        let utc = Clock { start_utc_s: Some(10 * 3600) };
        assert_eq!(utc.at(1800.0), "10:30 UTC");
        assert_eq!(utc.tick(15.0 * 3600.0), "1:00", "past midnight");
        assert_eq!(utc.between(1800.0, 3000.0), "10:30–10:50 UTC");
        assert_eq!(utc.axis(), "time (UTC)");
        let since = Clock { start_utc_s: None };
        assert_eq!(since.at(1800.0), "0:30 after the start");
        assert_eq!(since.axis(), "time since the start (h:mm)");
    }

    #[test]
    fn human_durations_read_naturally() {
        assert_eq!(human_duration(1_500 * NS_PER_MS), "1.5s");
        assert_eq!(human_duration(20 * NS_PER_MIN), "20m");
        assert_eq!(human_duration(90 * NS_PER_MIN), "1h30m");
        assert_eq!(human_duration(250 * NS_PER_MS), "250ms");
    }

    #[test]
    fn figures_read_naturally() {
        assert_eq!(pct(0.987), "98.7 %");
        assert_eq!(pct(0.99833), "99.833 %");
        assert_eq!(pct(1.0), "100 %");
        assert_eq!(pct(1.0 - 1.0 / 1_012_027.0), "99.9999 %", "one timeout is not 100 %");
        assert_eq!(pct(1.0 - 1.0 / 50_000_000.0), "> 99.9999 %");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(span(158.0), "2m38s");
        assert_eq!(span_or_unknown(f64::NAN), "?");
        assert_eq!(ms(1250.0), "1.2 s");
        assert_eq!(clock(5400.0), "1:30");
        assert_eq!(clock_minutes(&95.0), "1:35");
    }
}
