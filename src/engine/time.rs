//! Simulated time: integer nanoseconds since the start of the run.

use std::fmt;

/// Nanoseconds in one microsecond.
pub const NS_PER_US: u64 = 1_000;
/// Nanoseconds in one millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds in one second.
pub const NS_PER_S: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the start of the run.
///
/// Durations are plain `u64` nanoseconds (fields are suffixed `_ns`); an
/// instant plus a duration is an instant. `u64` nanoseconds cover 584 years.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any instant a run can reach; used for "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start of the run.
    #[inline]
    pub fn ns(self) -> u64 {
        self.0
    }

    /// Seconds since the start of the run, for reporting.
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }

    /// This instant plus `ns` nanoseconds, saturating at [`SimTime::NEVER`].
    #[inline]
    pub fn plus(self, ns: u64) -> SimTime {
        SimTime(self.0.saturating_add(ns))
    }

    /// Nanoseconds from `earlier` to `self` (zero if `earlier` is later).
    #[inline]
    pub fn since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// `x.round() as u64`, without a call into libm.
///
/// Baseline x86-64 has no rounding instruction, so `f64::round` and
/// `f64::ceil` are function calls; on the per-request path they cost 3% of
/// a run. This gives the same result for every input: halves away from
/// zero, negative values and NaN to 0, values past `u64::MAX` to it
/// (`x - trunc(x)` is exact for every finite `x`).
#[inline]
pub fn round_ns(x: f64) -> u64 {
    if (0.0..SIGNED_EXACT).contains(&x) {
        // Every draw of a duration: signed conversions, one instruction each.
        let t = x as i64;
        return (t + i64::from(x - t as f64 >= 0.5)) as u64;
    }
    let t = x as u64;
    if x - t as f64 >= 0.5 && t < u64::MAX { t + 1 } else { t }
}

/// `x.ceil() as u64`, without a call into libm; see [`round_ns`].
#[inline]
pub fn ceil_ns(x: f64) -> u64 {
    if (0.0..SIGNED_EXACT).contains(&x) {
        let t = x as i64;
        return (t + i64::from((t as f64) < x)) as u64;
    }
    let t = x as u64;
    if (t as f64) < x && t < u64::MAX { t + 1 } else { t }
}

/// 2^52: below it, a non-negative `f64`'s integer part converts to `i64`
/// and back exactly, by the signed conversions baseline x86-64 has as
/// single instructions (its unsigned ones take a dozen), and adding one
/// cannot overflow.
const SIGNED_EXACT: f64 = 4_503_599_627_370_496.0;

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_the_standard_library() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            -0.5,
            -0.7,
            1e-300,
            4_503_599_627_370_495.5,
            4_503_599_627_370_495.0,
            4_503_599_627_370_496.0,
            4_503_599_627_370_497.0,
            2_251_799_813_685_247.5,
            9.3e18,
            1.8446744073709552e19,
            1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
        ];
        let mut rand = crate::engine::rng::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..100_000 {
            let s = rand();
            let scale = 10f64.powi((s % 25) as i32 - 5);
            xs.push((s >> 11) as f64 / (1u64 << 53) as f64 * scale);
            xs.push((s % 1_000_000) as f64 / 2.0);
        }
        for x in xs {
            assert_eq!(round_ns(x), x.round() as u64, "round {x:e}");
            assert_eq!(ceil_ns(x), x.ceil() as u64, "ceil {x:e}");
        }
    }
}
