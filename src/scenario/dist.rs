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
use super::measured::Histogram;
use super::reader::{Rule, Section, describe};
use super::units::{DURATION_HELP, format_duration};
use crate::engine::rng::Rng;
use crate::engine::time::round_ns;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, StandardNormal};
use std::sync::Arc;
use toml::Value;

/// The standard normal quantile at 0.99.
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// A validated distribution; every duration in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
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
    /// A measured histogram, sampled piecewise uniformly (see
    /// [`super::measured`]).
    Histogram(Arc<Histogram>),
    /// Measured samples, each drawn with equal probability.
    Samples(Arc<Samples>),
}

/// Raw samples of a duration (equal when their values are: the file they
/// came from does not matter).
#[derive(Clone, Debug)]
pub struct Samples {
    /// The values, nanoseconds.
    pub values_ns: Vec<u64>,
    /// The file they were read from, made absolute (so the resolved
    /// scenario can name it from any folder), when there are many.
    pub file: Option<String>,
}

impl PartialEq for Samples {
    fn eq(&self, other: &Self) -> bool {
        self.values_ns == other.values_ns
    }
}

/// Samples written into a resolved scenario inline, at most; more are
/// named by their file.
const INLINE_SAMPLES: usize = 1000;

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
            DistSpec::Histogram(ref h) => h.mean_ns(),
            DistSpec::Samples(ref x) => {
                x.values_ns.iter().map(|&v| v as f64).sum::<f64>() / x.values_ns.len().max(1) as f64
            }
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
            DistSpec::Histogram(ref h) => {
                t.insert("dist".into(), "histogram".into());
                t.insert("bounds".into(), Value::Array(h.bounds_ns.iter().map(|&b| d(b)).collect()));
                t.insert(
                    "counts".into(),
                    Value::Array(
                        h.counts.iter().map(|&c| Value::Integer(c.min(i64::MAX as u64) as i64)).collect(),
                    ),
                );
            }
            DistSpec::Samples(ref x) => {
                t.insert("dist".into(), "samples".into());
                match &x.file {
                    Some(f) if x.values_ns.len() > INLINE_SAMPLES => {
                        t.insert("file".into(), Value::String(f.clone()));
                    }
                    _ => {
                        t.insert("values".into(), Value::Array(x.values_ns.iter().map(|&v| d(v)).collect()));
                    }
                }
            }
        }
        Value::Table(t)
    }

    /// A sampler for this distribution.
    pub fn sampler(&self) -> Sampler {
        match *self {
            DistSpec::Histogram(ref h) => {
                let total = h.counts.iter().sum::<u64>() as f64;
                let mut acc = 0u64;
                let cum: Vec<f64> = h
                    .counts
                    .iter()
                    .map(|&c| {
                        acc += c;
                        acc as f64 / total
                    })
                    .collect();
                Sampler::Histogram(Arc::new(HistogramSampler {
                    cum,
                    lower: h.bounds_ns[..h.counts.len()].iter().map(|&b| b as f64).collect(),
                    width: h.bounds_ns.windows(2).map(|w| (w[1] - w[0]) as f64).collect(),
                }))
            }
            DistSpec::Samples(ref x) => Sampler::Samples(x.values_ns.iter().map(|&v| v as f64).collect()),
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
    /// A measured histogram.
    Histogram(Arc<HistogramSampler>),
    /// Measured samples, nanoseconds.
    Samples(Arc<[f64]>),
}

/// A histogram ready to draw from.
#[derive(Debug)]
pub struct HistogramSampler {
    /// Cumulative share of the counts through each bucket (the last is 1).
    cum: Vec<f64>,
    /// Each bucket's lower bound, nanoseconds.
    lower: Vec<f64>,
    /// Each bucket's width, nanoseconds.
    width: Vec<f64>,
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
            Sampler::Histogram(h) => {
                // The bucket: the first whose cumulative share exceeds u
                // (an empty bucket's share equals its predecessor's, so it
                // is never chosen); then a point uniformly inside it.
                let u: f64 = rng.random();
                let i = h.cum.partition_point(|&c| c <= u).min(h.cum.len() - 1);
                h.lower[i] + h.width[i] * rng.random::<f64>()
            }
            Sampler::Samples(v) => {
                let i = ((rng.random::<f64>() * v.len() as f64) as usize).min(v.len() - 1);
                v[i]
            }
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
    ("histogram", "bounds and counts, or file"),
    ("samples", "values, or file"),
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
        "histogram" => read_histogram(&mut s, diag, path),
        "samples" => read_samples(&mut s, diag, path),
        _ => {
            return None;
        }
    };
    s.with_context(format!("for dist = \"{kind}\"")).finish();
    spec
}

/// `{ dist = "histogram", bounds = [...], counts = [...] }`, or `file` (and `unit`).
fn read_histogram(s: &mut Section<'_>, diag: &Diag<'_>, _path: &str) -> Option<DistSpec> {
    let unit = s.opt_string("unit");
    let scale = match unit {
        None => None,
        Some(u) => match super::measured::unit_ns(u) {
            Some(x) => Some(x),
            None => {
                s.error(
                    "unit",
                    format!("\"{}\" is not one of \"ns\", \"us\", \"ms\", \"s\"", super::diag::echo(u, 40)),
                );
                return None;
            }
        },
    };
    if let Some(file) = s.opt_string("file") {
        if s.has("bounds") || s.has("counts") {
            s.error("file", "give a file or bounds and counts, not both");
            return None;
        }
        return super::measured::read_histogram_file(diag, &s.key_path("file"), file, scale)
            .map(DistSpec::Histogram);
    }
    if unit.is_some() {
        s.error("unit", "applies to a file's numbers; inline bounds are durations such as \"5ms\"");
    }
    let bounds = durations(s, "bounds")?;
    let counts: Vec<u64> = match s.get("counts") {
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                match x {
                    Value::Integer(c) if *c >= 0 => out.push(*c as u64),
                    other => {
                        diag.error(
                            &format!("{}[{i}]", s.key_path("counts")),
                            format!("expected a count, 0 or more, found {}", describe(other)),
                        );
                        return None;
                    }
                }
            }
            out
        }
        Some(other) => {
            s.error("counts", format!("expected an array of counts, found {}", describe(other)));
            return None;
        }
        None => {
            s.missing("counts", "the number of values in each bucket, one fewer than bounds");
            return None;
        }
    };
    super::measured::check_histogram(diag, &s.key_path("bounds"), "the histogram", bounds, counts)
        .map(DistSpec::Histogram)
}

/// `{ dist = "samples", values = [...] }` or `file`.
fn read_samples(s: &mut Section<'_>, diag: &Diag<'_>, path: &str) -> Option<DistSpec> {
    let _ = path;
    if let Some(file) = s.opt_string("file") {
        if s.has("values") {
            s.error("file", "give a file or values, not both");
            return None;
        }
        let values = super::measured::read_samples_file(diag, &s.key_path("file"), file)?;
        let full = super::measured::resolve(diag, file);
        let full = std::fs::canonicalize(&full).unwrap_or(full);
        return Some(DistSpec::Samples(Arc::new(Samples {
            values_ns: Arc::unwrap_or_clone(values),
            file: Some(full.display().to_string()),
        })));
    }
    let values = durations(s, "values")?;
    if values.is_empty() {
        s.error("values", "give at least one sample");
        return None;
    }
    Some(DistSpec::Samples(Arc::new(Samples { values_ns: values, file: None })))
}

/// An array of durations at `key` (required).
fn durations(s: &mut Section<'_>, key: &'static str) -> Option<Vec<u64>> {
    let at = s.key_path(key);
    match s.get(key) {
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                match x {
                    Value::String(t) => match super::units::parse_duration(t) {
                        Ok(ns) => out.push(ns),
                        Err(e) => {
                            s.diag().error(&format!("{at}[{i}]"), e);
                            return None;
                        }
                    },
                    other => {
                        s.diag().error(
                            &format!("{at}[{i}]"),
                            format!("expected a duration such as \"5ms\", found {}", describe(other)),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }
        Some(other) => {
            s.error(
                key,
                format!(
                    "expected an array of durations such as [\"0ms\", \"5ms\"], found {}",
                    describe(other)
                ),
            );
            None
        }
        None => {
            s.missing(key, "an array of durations such as [\"0ms\", \"5ms\", \"10ms\"]");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn mean_of(spec: &DistSpec, n: usize) -> f64 {
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
            let got = mean_of(&spec, n);
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
    fn a_histogram_reproduces_its_bucket_shares_within_sampling_error() {
        let h = super::super::measured::Histogram {
            bounds_ns: vec![1_000_000, 2_000_000, 5_000_000, 20_000_000, 100_000_000],
            counts: vec![10, 60, 0, 30],
        };
        let spec = DistSpec::Histogram(Arc::new(h.clone()));
        let s = spec.sampler();
        let mut rng = stream(5, "histogram");
        let n = 400_000;
        let mut seen = [0u64; 4];
        for _ in 0..n {
            let x = s.sample_f64(&mut rng);
            let i = h.bounds_ns.windows(2).position(|w| x >= w[0] as f64 && x < w[1] as f64);
            seen[i.unwrap_or_else(|| panic!("{x} is outside every bucket"))] += 1;
        }
        for (i, &c) in h.counts.iter().enumerate() {
            let p = c as f64 / 100.0;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            let got = seen[i] as f64 / n as f64;
            // Five standard deviations of a binomial share: a false alarm
            // about once in 3.5 million runs.
            assert!((got - p).abs() <= 5.0 * sd, "bucket {i}: share {got}, expected {p} ± {}", 5.0 * sd);
        }
        // Uniform inside a bucket: the mean of bucket 3's draws is its middle.
        let mean = spec.mean_ns();
        let want = (0.1 * 1.5 + 0.6 * 3.5 + 0.3 * 60.0) * 1e6;
        assert!((mean - want).abs() < 1.0, "{mean} {want}");
    }

    #[test]
    fn samples_are_drawn_with_equal_probability() {
        let spec = DistSpec::Samples(Arc::new(Samples { values_ns: vec![5, 7, 11], file: None }));
        let s = spec.sampler();
        let mut rng = stream(9, "samples");
        let n = 300_000;
        let mut seen = std::collections::HashMap::new();
        for _ in 0..n {
            *seen.entry(s.sample_ns(&mut rng)).or_insert(0u64) += 1;
        }
        assert_eq!(seen.len(), 3);
        let sd = (1.0 / 3.0 * 2.0 / 3.0 / n as f64).sqrt();
        for (v, c) in seen {
            assert!((c as f64 / n as f64 - 1.0 / 3.0).abs() <= 5.0 * sd, "{v}: {c}");
        }
        assert_eq!(spec.mean_ns(), 23.0 / 3.0);
    }

    #[test]
    fn constant_draws_nothing() {
        let s = DistSpec::constant(5).sampler();
        assert!(s.is_constant());
        assert_eq!(s.sample_ns(&mut stream(1, "x")), 5);
    }
}
