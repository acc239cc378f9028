//! Distributions of durations (`cpu_time`, `io_time`, `cold_start`,
//! `access_rtt`, latency injections).
//!
//! As written: `{ dist = "constant", value }`, `{ dist = "exponential", mean }`,
//! `{ dist = "lognormal", median, p99 }`, `{ dist = "uniform", min, max }`,
//! `{ dist = "gamma", mean, cv }`, or a bare duration string meaning constant.
//! A lognormal is fixed by its median and 99th percentile:
//! `mu = ln(median)`, `sigma = ln(p99 / median) / z(0.99)` with
//! `z(0.99) = 2.3263478740408408`. A gamma by its mean and coefficient of
//! variation: shape `1 / cv^2`, scale `mean * cv^2`.

use super::diag::Diag;
use super::reader::{Rule, Section, describe};
use super::units::{DURATION_HELP, format_duration};
use crate::engine::rng::Rng;
use crate::engine::time::round_ns;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, StandardNormal};
use toml::Value;

/// The standard normal quantile at 0.99.
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// A validated distribution; every duration in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DistSpec {
    /// Always `value_ns`.
    Constant { value_ns: u64 },
    /// Exponential with mean `mean_ns`.
    Exponential { mean_ns: u64 },
    /// Lognormal with the given median and 99th percentile (`p99_ns > median_ns`).
    Lognormal { median_ns: u64, p99_ns: u64 },
    /// Uniform between `min_ns` and `max_ns`.
    Uniform { min_ns: u64, max_ns: u64 },
    /// Gamma with mean `mean_ns` and coefficient of variation `cv`.
    Gamma { mean_ns: u64, cv: f64 },
}

impl DistSpec {
    /// A constant distribution.
    pub const fn constant(value_ns: u64) -> Self {
        DistSpec::Constant { value_ns }
    }

    /// The mean in nanoseconds.
    pub fn mean_ns(&self) -> f64 {
        match *self {
            DistSpec::Constant { value_ns } => value_ns as f64,
            DistSpec::Exponential { mean_ns } | DistSpec::Gamma { mean_ns, .. } => mean_ns as f64,
            DistSpec::Lognormal { median_ns, p99_ns } => {
                let sigma = (p99_ns as f64 / median_ns as f64).ln() / Z99;
                median_ns as f64 * (sigma * sigma / 2.0).exp()
            }
            DistSpec::Uniform { min_ns, max_ns } => (min_ns as f64 + max_ns as f64) / 2.0,
        }
    }

    /// Whether every draw is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, DistSpec::Constant { value_ns: 0 })
    }

    /// The distribution as an inline TOML table, as a user would write it.
    pub fn to_toml(&self) -> Value {
        let mut t = toml::Table::new();
        let d = |ns: u64| Value::String(format_duration(ns));
        match *self {
            DistSpec::Constant { value_ns } => {
                t.insert("dist".into(), "constant".into());
                t.insert("value".into(), d(value_ns));
            }
            DistSpec::Exponential { mean_ns } => {
                t.insert("dist".into(), "exponential".into());
                t.insert("mean".into(), d(mean_ns));
            }
            DistSpec::Lognormal { median_ns, p99_ns } => {
                t.insert("dist".into(), "lognormal".into());
                t.insert("median".into(), d(median_ns));
                t.insert("p99".into(), d(p99_ns));
            }
            DistSpec::Uniform { min_ns, max_ns } => {
                t.insert("dist".into(), "uniform".into());
                t.insert("min".into(), d(min_ns));
                t.insert("max".into(), d(max_ns));
            }
            DistSpec::Gamma { mean_ns, cv } => {
                t.insert("dist".into(), "gamma".into());
                t.insert("mean".into(), d(mean_ns));
                t.insert("cv".into(), Value::Float(cv));
            }
        }
        Value::Table(t)
    }

    /// A sampler for this distribution.
    pub fn sampler(&self) -> Sampler {
        match *self {
            DistSpec::Constant { value_ns } => Sampler::Constant(value_ns as f64),
            DistSpec::Exponential { mean_ns } => Sampler::Exponential(mean_ns as f64),
            DistSpec::Lognormal { median_ns, p99_ns } => Sampler::Lognormal {
                mu: (median_ns as f64).ln(),
                sigma: (p99_ns as f64 / median_ns as f64).ln() / Z99,
            },
            DistSpec::Uniform { min_ns, max_ns } => {
                Sampler::Uniform { min: min_ns as f64, width: (max_ns - min_ns) as f64 }
            }
            DistSpec::Gamma { mean_ns, cv } => {
                let shape = 1.0 / (cv * cv);
                let scale = mean_ns as f64 / shape;
                // Validation guarantees shape > 0 and scale > 0, for which
                // Gamma::new cannot fail; fall back to the mean regardless.
                match Gamma::new(shape, scale) {
                    Ok(g) => Sampler::Gamma(g),
                    Err(_) => Sampler::Constant(mean_ns as f64),
                }
            }
        }
    }
}

/// Draws durations from a [`DistSpec`], with its parameters precomputed.
#[derive(Clone, Debug)]
pub enum Sampler {
    /// A fixed value in nanoseconds.
    Constant(f64),
    /// Mean in nanoseconds.
    Exponential(f64),
    /// Parameters of the underlying normal, for nanoseconds.
    Lognormal { mu: f64, sigma: f64 },
    /// Lower bound and width in nanoseconds.
    Uniform { min: f64, width: f64 },
    /// Gamma over nanoseconds.
    Gamma(Gamma<f64>),
}

impl Sampler {
    /// One draw, in (fractional) nanoseconds.
    #[inline(always)]
    pub fn sample_f64(&self, rng: &mut Rng) -> f64 {
        match self {
            Sampler::Constant(v) => *v,
            Sampler::Exponential(mean) => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Sampler::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                super::exp::exp(mu + sigma * z)
            }
            Sampler::Uniform { min, width } => min + width * rng.random::<f64>(),
            Sampler::Gamma(g) => g.sample(rng),
        }
    }

    /// One draw, rounded to whole nanoseconds.
    #[inline(always)]
    pub fn sample_ns(&self, rng: &mut Rng) -> u64 {
        let x = self.sample_f64(rng);
        // Saturating conversion: `as` clamps huge values and maps NaN to 0.
        round_ns(x)
    }

    /// Whether every draw is the same value (no randomness consumed).
    pub fn is_constant(&self) -> bool {
        matches!(self, Sampler::Constant(_))
    }
}

const KINDS: &[(&str, &str)] = &[
    ("constant", "value"),
    ("exponential", "mean"),
    ("lognormal", "median, p99"),
    ("uniform", "min, max"),
    ("gamma", "mean, cv"),
];

/// Reads a distribution written at `path`; records problems and returns
/// `None` if it is not usable.
pub fn read(diag: &Diag<'_>, path: &str, value: &Value) -> Option<DistSpec> {
    let table = match value {
        Value::String(text) => {
            return match super::units::parse_duration(text) {
                Ok(ns) => Some(DistSpec::constant(ns)),
                Err(e) => {
                    diag.error(path, e);
                    None
                }
            };
        }
        Value::Table(t) => t,
        other => {
            diag.error(
                path,
                format!(
                    "expected a distribution such as {{ dist = \"lognormal\", median = \"20ms\", p99 = \"150ms\" }} or {}, found {}",
                    DURATION_HELP,
                    describe(other)
                ),
            );
            return None;
        }
    };
    let mut s = Section::new(diag, path.to_string(), Some(table));
    let names: Vec<(&str, &str)> = KINDS.iter().map(|&(k, _)| (k, k)).collect();
    let kind = match s.get("dist") {
        None => {
            diag.error_at_key(
                path,
                format!(
                    "`dist` is missing; one of {}",
                    KINDS.iter().map(|(k, p)| format!("\"{k}\" ({p})")).collect::<Vec<_>>().join(", ")
                ),
            );
            return None;
        }
        Some(_) => s.choice("dist", "", &names),
    };
    let positive = Rule::Above(0.0);
    let spec = match kind {
        "constant" => s.required_duration("value", Rule::AtLeast(0.0)).map(DistSpec::constant),
        "exponential" => {
            s.required_duration("mean", positive).map(|mean_ns| DistSpec::Exponential { mean_ns })
        }
        "lognormal" => {
            let median = s.required_duration("median", positive);
            let p99 = s.required_duration("p99", positive);
            match (median, p99) {
                (Some(median_ns), Some(p99_ns)) if p99_ns > median_ns => {
                    Some(DistSpec::Lognormal { median_ns, p99_ns })
                }
                (Some(_), Some(_)) => {
                    s.error(
                        "p99",
                        "must be greater than median (a lognormal's 99th percentile lies above its median); for a fixed value use dist = \"constant\"",
                    );
                    None
                }
                _ => None,
            }
        }
        "uniform" => {
            let min = s.required_duration("min", Rule::AtLeast(0.0));
            let max = s.required_duration("max", Rule::AtLeast(0.0));
            match (min, max) {
                (Some(min_ns), Some(max_ns)) if min_ns <= max_ns => {
                    Some(DistSpec::Uniform { min_ns, max_ns })
                }
                (Some(min_ns), Some(max_ns)) => {
                    s.error(
                        "max",
                        format!(
                            "must be at least min ({}), found \"{}\"",
                            super::units::human_duration(min_ns),
                            super::units::human_duration(max_ns)
                        ),
                    );
                    None
                }
                _ => None,
            }
        }
        "gamma" => {
            let mean = s.required_duration("mean", positive);
            let cv = if s.has("cv") {
                s.opt_number("cv", Rule::AboveUpTo(0.0, 10.0))
            } else {
                s.missing("cv", "the coefficient of variation, a number greater than 0 and at most 10");
                None
            };
            match (mean, cv) {
                (Some(mean_ns), Some(cv)) => Some(DistSpec::Gamma { mean_ns, cv }),
                _ => None,
            }
        }
        _ => {
            return None;
        }
    };
    s.with_context(format!("for dist = \"{kind}\"")).finish();
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn mean_of(spec: DistSpec, n: usize) -> f64 {
        let s = spec.sampler();
        let mut rng = stream(7, "dist-test");
        (0..n).map(|_| s.sample_f64(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_the_spec() {
        // Each sample mean must fall within 5 standard errors of the mean.
        let n = 200_000;
        let cases = [
            (DistSpec::Exponential { mean_ns: 1_000_000 }, 1.0),
            (
                DistSpec::Lognormal { median_ns: 20_000_000, p99_ns: 150_000_000 },
                (7.5f64.ln() / Z99).powi(2).exp_m1().sqrt(),
            ),
            (DistSpec::Uniform { min_ns: 0, max_ns: 10 }, 1.0 / 3f64.sqrt()),
            (DistSpec::Gamma { mean_ns: 5_000_000, cv: 0.5 }, 0.5),
        ];
        for (spec, cv) in cases {
            let mean = spec.mean_ns();
            let se = mean * cv / (n as f64).sqrt();
            let got = mean_of(spec, n);
            assert!(
                (got - mean).abs() < 5.0 * se,
                "{spec:?}: sample mean {got}, expected {mean} ± {}",
                5.0 * se
            );
        }
    }

    #[test]
    fn lognormal_percentiles_match_median_and_p99() {
        let spec = DistSpec::Lognormal { median_ns: 20_000_000, p99_ns: 150_000_000 };
        let s = spec.sampler();
        let mut rng = stream(3, "lognormal");
        let mut xs: Vec<f64> = (0..100_000).map(|_| s.sample_f64(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[50_000];
        let p99 = xs[99_000];
        assert!((median / 20e6 - 1.0).abs() < 0.02, "median {median}");
        assert!((p99 / 150e6 - 1.0).abs() < 0.05, "p99 {p99}");
    }

    #[test]
    fn constant_draws_nothing() {
        let s = DistSpec::constant(5).sampler();
        assert!(s.is_constant());
        assert_eq!(s.sample_ns(&mut stream(1, "x")), 5);
    }
}
