//! Measured distributions: a histogram (bucket bounds and counts, as
//! Cloud Monitoring exports a distribution metric such as Cloud Run's
//! `run.googleapis.com/request_latencies`) or raw samples, given inline or
//! read from a file beside the scenario.
//!
//! * **Sampling.** A histogram draw picks a bucket with probability its
//!   share of the counts, then a value uniformly inside the bucket
//!   (piecewise uniform: the least assumption about the shape within a
//!   bucket). A samples draw picks one of the samples, each equally likely
//!   (the empirical distribution, exactly).
//! * **Cloud Monitoring's format.** The Monitoring API's `timeSeries.list`
//!   answer (JSON: `timeSeries[].points[].value.distributionValue`), or a
//!   single `distributionValue`. Its `bucketOptions` are
//!   `explicitBuckets.bounds`, `linearBuckets` (`numFiniteBuckets`,
//!   `width`, `offset`) or `exponentialBuckets` (`numFiniteBuckets`,
//!   `growthFactor`, `scale`); `bucketCounts` has the underflow bucket
//!   first (below the first bound: taken from 0, as durations are not
//!   negative) and the overflow bucket last (above the last bound: its
//!   values are unknown, so it must be empty). The counts of every point of
//!   every series are added. Values are in `unit` (Cloud Run's latencies
//!   are in milliseconds, the default).

use super::diag::{Diag, echo};
use std::path::Path;
use std::sync::Arc;

/// A histogram: `counts[i]` values in `[bounds_ns[i], bounds_ns[i + 1])`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Increasing bucket bounds, nanoseconds; one more than `counts`.
    pub bounds_ns: Vec<u64>,
    /// Values per bucket; not all zero.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// The mean, taking each bucket's values at its middle.
    pub fn mean_ns(&self) -> f64 {
        let total: u64 = self.counts.iter().sum();
        let sum: f64 = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| c as f64 * (self.bounds_ns[i] as f64 + self.bounds_ns[i + 1] as f64) / 2.0)
            .sum();
        sum / total.max(1) as f64
    }
}

/// Nanoseconds per `unit`.
pub fn unit_ns(unit: &str) -> Option<f64> {
    match unit {
        "ns" => Some(1.0),
        "us" => Some(1e3),
        "ms" => Some(1e6),
        "s" => Some(1e9),
        _ => None,
    }
}

/// Checks bounds and counts, recording problems at `path` (`what` names
/// where they come from, a file and its line, for messages).
pub fn check_histogram(
    diag: &Diag<'_>,
    path: &str,
    what: &str,
    bounds_ns: Vec<u64>,
    counts: Vec<u64>,
) -> Option<Arc<Histogram>> {
    if bounds_ns.len() < 2 {
        diag.error(path, format!("{what}: a histogram needs at least two bounds (one bucket)"));
        return None;
    }
    if counts.len() + 1 != bounds_ns.len() {
        diag.error(
            path,
            format!(
                "{what}: {} bounds make {} buckets, but there are {} counts; give one count per bucket",
                bounds_ns.len(),
                bounds_ns.len() - 1,
                counts.len()
            ),
        );
        return None;
    }
    if let Some(i) = bounds_ns.windows(2).position(|w| w[1] <= w[0]) {
        diag.error(
            path,
            format!(
                "{what}: the bounds must increase, and bound {} ({} ns) is not above bound {} ({} ns)",
                i + 2,
                bounds_ns[i + 1],
                i + 1,
                bounds_ns[i]
            ),
        );
        return None;
    }
    if counts.iter().all(|&c| c == 0) {
        diag.error(path, format!("{what}: every count is zero: there is nothing to draw from"));
        return None;
    }
    Some(Arc::new(Histogram { bounds_ns, counts }))
}

/// Reads a histogram file: Cloud Monitoring's JSON (see the module
/// documentation), values in `unit` (nanoseconds per unit) when given, else
/// in the unit the export states (`timeSeries[].unit`), else milliseconds.
pub fn read_histogram_file(
    diag: &Diag<'_>,
    path: &str,
    file: &str,
    unit: Option<f64>,
) -> Option<Arc<Histogram>> {
    let full = resolve(diag, file);
    let text = read(diag, path, file, &full)?;
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            diag.error(path, format!("{file} line {}: not JSON: {e}", e.line()));
            return None;
        }
    };
    let stated = json
        .pointer("/timeSeries/0/unit")
        .or_else(|| json.get("unit"))
        .and_then(|u| u.as_str())
        .filter(|u| !u.is_empty() && *u != "1");
    let unit_scale = match (unit, stated) {
        (Some(x), _) => x,
        (None, Some(u)) => match unit_ns(u) {
            Some(x) => x,
            None => {
                diag.error(
                    path,
                    format!("{file}: its unit \"{}\" is not a time; say which with unit = \"ms\" (or \"s\", \"us\", \"ns\")", echo(u, 20)),
                );
                return None;
            }
        },
        (None, None) => 1e6,
    };
    let mut values: Vec<&serde_json::Value> = Vec::new();
    if json.get("bucketCounts").is_some() || json.get("bucketOptions").is_some() {
        values.push(&json);
    } else if let Some(series) = json.get("timeSeries").and_then(|v| v.as_array()) {
        for s in series {
            for p in s.get("points").and_then(|v| v.as_array()).into_iter().flatten() {
                if let Some(d) = p.pointer("/value/distributionValue") {
                    values.push(d);
                }
            }
        }
    }
    if values.is_empty() {
        diag.error(
            path,
            format!(
                "{file}: no distribution in it: expected the Monitoring API's timeSeries.list answer (timeSeries[].points[].value.distributionValue) or one distributionValue"
            ),
        );
        return None;
    }
    let mut bounds: Option<Vec<f64>> = None;
    let mut counts: Vec<u64> = Vec::new();
    for (k, d) in values.iter().enumerate() {
        let b = match bucket_bounds(d) {
            Ok(b) => b,
            Err(e) => {
                diag.error(path, format!("{file}: distribution {}: {e}", k + 1));
                return None;
            }
        };
        match &bounds {
            None => {
                counts = vec![0; b.len() + 1];
                bounds = Some(b);
            }
            Some(first) if *first != b => {
                diag.error(
                    path,
                    format!("{file}: distribution {} has other buckets than the first; export one metric with one bucket layout", k + 1),
                );
                return None;
            }
            Some(_) => {}
        }
        // Counts are int64 as JSON strings in the API; numbers are accepted too.
        let c: Vec<Option<u64>> = d
            .get("bucketCounts")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter().map(|x| x.as_str().and_then(|s| s.parse().ok()).or_else(|| x.as_u64())).collect()
            })
            .unwrap_or_default();
        if c.len() > counts.len() || c.iter().any(Option::is_none) {
            diag.error(
                path,
                format!(
                    "{file}: distribution {}: bucketCounts must be at most {} whole numbers (underflow, {} buckets, overflow)",
                    k + 1,
                    counts.len(),
                    counts.len() - 2
                ),
            );
            return None;
        }
        for (i, x) in c.into_iter().enumerate() {
            counts[i] += x.unwrap_or(0);
        }
    }
    let bounds = bounds.unwrap_or_default();
    let overflow = counts.pop().unwrap_or(0);
    if overflow > 0 {
        diag.error(
            path,
            format!(
                "{file}: {overflow} values are above the last bound ({} {}), where their values are unknown; export with buckets that reach higher",
                bounds.last().copied().unwrap_or(0.0),
                unit_name(unit_scale)
            ),
        );
        return None;
    }
    // The underflow bucket starts at 0: durations are not negative.
    let mut bounds_ns: Vec<u64> = vec![0];
    bounds_ns.extend(bounds.iter().map(|b| (b * unit_scale).round().max(0.0) as u64));
    if bounds_ns.len() >= 2 && bounds_ns[1] == 0 {
        // A first bound at 0: the underflow bucket is empty by definition.
        bounds_ns.remove(0);
        let under = counts.remove(0);
        if under > 0 {
            diag.error(path, format!("{file}: {under} values are below 0"));
            return None;
        }
    }
    check_histogram(diag, path, file, bounds_ns, counts)
}

fn unit_name(scale: f64) -> &'static str {
    match scale {
        1.0 => "ns",
        1e3 => "us",
        1e6 => "ms",
        _ => "s",
    }
}

/// The finite bucket bounds of a Cloud Monitoring distribution value.
fn bucket_bounds(d: &serde_json::Value) -> Result<Vec<f64>, String> {
    let opts = d.get("bucketOptions").ok_or("no bucketOptions")?;
    let num = |v: &serde_json::Value, k: &str| -> Result<f64, String> {
        v.get(k).and_then(|x| x.as_f64()).ok_or_else(|| format!("{k} is missing or not a number"))
    };
    if let Some(e) = opts.get("explicitBuckets") {
        let b: Vec<f64> = e
            .get("bounds")
            .and_then(|v| v.as_array())
            .ok_or("explicitBuckets.bounds is missing")?
            .iter()
            .map(|x| x.as_f64().ok_or("a bound is not a number".to_string()))
            .collect::<Result<_, _>>()?;
        return Ok(b);
    }
    if let Some(l) = opts.get("linearBuckets") {
        let n = num(l, "numFiniteBuckets")? as usize;
        let (w, o) = (num(l, "width")?, num(l, "offset")?);
        if n == 0 || n > 100_000 || w <= 0.0 {
            return Err("linearBuckets needs 1 to 100000 buckets of a positive width".into());
        }
        return Ok((0..=n).map(|i| o + w * i as f64).collect());
    }
    if let Some(x) = opts.get("exponentialBuckets") {
        let n = num(x, "numFiniteBuckets")? as usize;
        let (g, s) = (num(x, "growthFactor")?, num(x, "scale")?);
        if n == 0 || n > 100_000 || g <= 1.0 || s <= 0.0 {
            return Err(
                "exponentialBuckets needs 1 to 100000 buckets, growthFactor above 1 and a positive scale"
                    .into(),
            );
        }
        return Ok((0..=n).map(|i| s * g.powi(i as i32)).collect());
    }
    Err("bucketOptions has none of explicitBuckets, linearBuckets, exponentialBuckets".into())
}

/// Reads a samples file: CSV with one column whose header names the unit
/// (`latency_ms`, `value_s`, ...: the text after the last `_`), one value
/// per line.
pub fn read_samples_file(diag: &Diag<'_>, path: &str, file: &str) -> Option<Arc<Vec<u64>>> {
    let full = resolve(diag, file);
    let text = read(diag, path, file, &full)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) if h.len() == 1 => h.get(0).unwrap_or("").trim().to_string(),
        Ok(h) => {
            diag.error(
                path,
                format!("{file} line 1: expected one column (such as latency_ms), found {}", h.len()),
            );
            return None;
        }
        Err(e) => {
            diag.error(path, format!("{file}: not a CSV file: {e}"));
            return None;
        }
    };
    let Some(scale) = header.rsplit_once('_').and_then(|(_, u)| unit_ns(u)) else {
        diag.error(
            path,
            format!("{file} line 1: the header \"{}\" does not end in a unit: _ns, _us, _ms or _s (e.g. latency_ms)", echo(&header, 100)),
        );
        return None;
    };
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let field = match rec {
            Ok(r) => r.get(0).unwrap_or("").trim().to_string(),
            Err(e) => {
                diag.error(path, format!("{file} line {line}: {e}"));
                return None;
            }
        };
        match field.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => out.push((x * scale).round() as u64),
            _ => {
                diag.error(
                    path,
                    format!(
                        "{file} line {line}: \"{}\" is not a duration in {}: give a number, 0 or more",
                        echo(&field, 40),
                        &header
                    ),
                );
                return None;
            }
        }
    }
    if out.is_empty() {
        diag.error(path, format!("{file}: no samples in it"));
        return None;
    }
    Some(Arc::new(out))
}

/// A data file named in the scenario, relative to the scenario's folder.
pub fn resolve(diag: &Diag<'_>, file: &str) -> std::path::PathBuf {
    let base = diag.file().parent().unwrap_or(Path::new("."));
    base.join(file)
}

fn read(diag: &Diag<'_>, path: &str, file: &str, full: &Path) -> Option<String> {
    match std::fs::read_to_string(full) {
        Ok(t) if t.trim().is_empty() => {
            diag.error(path, format!("{file} is empty"));
            None
        }
        Ok(t) => Some(t),
        Err(e) => {
            diag.error(
                path,
                format!("cannot read \"{}\" (relative to the scenario's folder): {e}", full.display()),
            );
            None
        }
    }
}
