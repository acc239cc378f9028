//! The short summary table `negsim run` prints.

use crate::metrics::Row;
use std::io::{self, Write};

fn cell(x: Option<f64>, decimals: usize) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.decimals$}"))
}

fn percent(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| {
        let p = v * 100.0;
        if p >= 99.995 && v < 1.0 { format!("{p:.3}%") } else { format!("{p:.2}%") }
    })
}

/// Prints one line per scope: requests, availability, latency percentiles,
/// and for regions the instances and cold starts.
pub fn print(mut w: impl Write, rows: &[Row]) -> io::Result<()> {
    let name_w = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(6);
    let scope_w = rows.iter().map(|r| r.scope.as_str().len()).max().unwrap_or(0).max(7);
    writeln!(
        w,
        "{:<scope_w$} {:<name_w$} {:>10} {:>9} {:>8} {:>8} {:>8} {:>9} {:>7} {:>7} {:>7}",
        "scope",
        "name",
        "requests",
        "avail",
        "p50 ms",
        "p99 ms",
        "p999 ms",
        "429/5xx/to",
        "inst",
        "max",
        "cold"
    )?;
    for r in rows {
        let failures = format!("{}/{}/{}", r.rejected, r.errors, r.timeouts);
        writeln!(
            w,
            "{:<scope_w$} {:<name_w$} {:>10} {:>9} {:>8} {:>8} {:>8} {:>9} {:>7} {:>7} {:>7}",
            r.scope.as_str(),
            r.name,
            r.requests,
            percent(r.availability),
            cell(r.latency_p50_ms, 1),
            cell(r.latency_p99_ms, 1),
            cell(r.latency_p999_ms, 1),
            failures,
            cell(r.instances_mean, 1),
            r.instances_max.map_or("-".to_string(), |v| v.to_string()),
            r.cold_starts.map_or("-".to_string(), |v| v.to_string()),
        )?;
    }
    Ok(())
}
