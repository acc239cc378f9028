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

/// Appends `x` with `decimals` decimals to `out`, the text
/// `write!(out, "{x:.decimals$}")` gives, in a fraction of its time.
///
/// The standard library rounds the exact binary value of `x` (ties to
/// even) and takes several hundred instructions to find it; the figures
/// of a window's rows were a quarter of closing a window (issue 26). Here
/// `|x| × 10^decimals` is one multiplication, whose rounding cannot carry
/// it across a half-integer (each is a double, and rounding is
/// monotone), so it rounds to the integer the
/// exact product rounds to, which is written with its decimal point put
/// in. A product that lands on a tie (2.5 to no decimals, 0.125 to two,
/// or a double next to one), one too large for an exact integer, a value
/// not finite, or more than nine decimals, go to the standard
/// library. A test compares the two over 220,000 values, each to eight
/// numbers of decimals.
pub fn push_fixed(out: &mut String, x: f64, decimals: usize) {
    use std::fmt::Write as _;
    const POW10: [u64; 10] =
        [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
    let Some(&scale) = POW10.get(decimals) else {
        let _ = write!(out, "{x:.decimals$}");
        return;
    };
    let y = x.abs() * scale as f64;
    // Below 2^52, `y - floor(y)` is exact, and every half-integer is a
    // double: rounding the exact product to `y` is monotone, so it leaves
    // `y` on the same side of each half-integer as the exact product, or
    // on it, and only a `y` at a tie can round otherwise.
    let frac = y - y.floor();
    if y.is_nan() || y >= (1u64 << 52) as f64 || frac == 0.5 {
        let _ = write!(out, "{x:.decimals$}");
        return;
    }
    let n = y.floor() as u64 + u64::from(frac > 0.5);
    if x.is_sign_negative() {
        out.push('-');
    }
    push_uint(out, n / scale);
    if decimals > 0 {
        out.push('.');
        let mut digits = [b'0'; 9];
        let mut rest = n % scale;
        for d in digits[..decimals].iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        push_ascii(out, &digits[..decimals]);
    }
}

/// Appends the decimal digits of `n` to `out`, as `write!(out, "{n}")`
/// does, without the formatting machinery.
pub fn push_uint(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    push_ascii(out, &digits[at..]);
}

fn push_ascii(out: &mut String, digits: &[u8]) {
    out.push_str(std::str::from_utf8(digits).expect("ASCII digits"));
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

    /// `push_fixed` writes what `format!` writes, for values of every
    /// magnitude, ties and near-ties, signs and zeros, and every number
    /// of decimals negsim writes (and a few more, which fall back).
    #[test]
    fn push_fixed_writes_what_format_writes() {
        let mut next = crate::engine::rng::xorshift(42);
        let mut values = vec![0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.0005, 0.0015, 1e-300, 4.5e15, 1e300];
        values.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN_POSITIVE]);
        for _ in 0..20_000 {
            let r = next();
            // Any bit pattern, a value in the ranges negsim writes, a
            // binary fraction (a tie at some number of decimals), and a
            // decimal that lies near one.
            values.push(f64::from_bits(r));
            values.push((r >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((r % 13) as i32 - 4));
            values.push((r % 1_000_000) as f64 / f64::from(1u32 << (r >> 60)));
            values.push(
                (r % 100_000) as f64 / 10f64.powi((r >> 61) as i32 + 1) * if r & 1 == 0 { 1.0 } else { -1.0 },
            );
            // The doubles around a decimal tie: the product with 10^d
            // lands on either side of the half, or on it.
            let tie = ((r % 1_000_000) as f64 + 0.5) / 10f64.powi((r >> 61) as i32);
            values.extend((0..7).map(|k| f64::from_bits(tie.to_bits() + k - 3)));
        }
        let mut got = String::new();
        for x in values {
            for d in [0, 1, 2, 3, 4, 6, 9, 12] {
                got.clear();
                push_fixed(&mut got, x, d);
                assert_eq!(got, format!("{x:.d$}"), "{x:e} to {d} decimals");
            }
        }
        for n in
            [0, 1, 9, 10, 99, 100, 12_345, u64::MAX / 10, u64::MAX].into_iter().chain((0..64).map(|k| 1 << k))
        {
            got.clear();
            push_uint(&mut got, n);
            assert_eq!(got, n.to_string());
        }
    }

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
