//! The columns of `summary.csv` and `timeseries.csv`, defined once.
//!
//! Each column is a name, how it is written (a count, a count that may be
//! empty, or a figure with a fixed number of decimals), and the field of
//! [`Row`] it reads and fills. The writers ([`super::write_summary`],
//! [`super::TimeseriesWriter`]), the reader ([`super::results`]) and the
//! sweep's metrics ([`crate::sweep::METRICS`], [`crate::sweep::metric`])
//! all go through this table: adding a column is one line here and a field
//! of [`Row`].

use crate::metrics::{Row, ScopeKind};

/// How a column is written and read.
#[derive(Clone, Copy)]
pub enum Cell {
    /// `global`, `city` or `region`.
    Scope,
    /// The scope's name.
    Name,
    /// A count, always written.
    Count(fn(&Row) -> &u64, fn(&mut Row) -> &mut u64),
    /// A count that is empty where it does not apply.
    OptCount(fn(&Row) -> &Option<u64>, fn(&mut Row) -> &mut Option<u64>),
    /// A figure with this many decimals, empty where it does not apply.
    Figure(usize, fn(&Row) -> &Option<f64>, fn(&mut Row) -> &mut Option<f64>),
}

/// One column.
#[derive(Clone, Copy)]
pub struct Column {
    /// The header.
    pub name: &'static str,
    /// How it is written and read.
    pub cell: Cell,
    /// Whether a sweep reports it per point (mean and 95 % half-width).
    pub in_sweep: bool,
}

macro_rules! column {
    ($field:ident, count) => {
        Column {
            name: stringify!($field),
            cell: Cell::Count(|r| &r.$field, |r| &mut r.$field),
            in_sweep: true,
        }
    };
    ($field:ident, opt_count) => {
        Column {
            name: stringify!($field),
            cell: Cell::OptCount(|r| &r.$field, |r| &mut r.$field),
            in_sweep: true,
        }
    };
    ($field:ident, $decimals:literal) => {
        Column {
            name: stringify!($field),
            cell: Cell::Figure($decimals, |r| &r.$field, |r| &mut r.$field),
            in_sweep: true,
        }
    };
    ($field:ident, $kind:tt, not in sweeps) => {
        Column { in_sweep: false, ..column!($field, $kind) }
    };
}

/// Columns of `summary.csv`, in order (`timeseries.csv` adds
/// `window_start_s` in front). The first twenty are the original output
/// contract; `queued_share` and those after it are additions, appended so
/// that readers by position of older files keep working.
pub const COLUMNS: &[Column] = &[
    Column { name: "scope", cell: Cell::Scope, in_sweep: false },
    Column { name: "name", cell: Cell::Name, in_sweep: false },
    column!(requests, count),
    column!(ok, count),
    column!(rejected, count),
    column!(errors, count),
    column!(timeouts, count),
    column!(availability, 6),
    column!(attempts, count),
    column!(latency_mean_ms, 3),
    column!(latency_p50_ms, 3),
    column!(latency_p90_ms, 3),
    column!(latency_p99_ms, 3),
    column!(latency_p999_ms, 3),
    column!(queue_wait_mean_ms, 3),
    column!(cold_starts, opt_count),
    column!(instances_mean, 3),
    column!(instances_max, opt_count),
    column!(cross_region_share, 6),
    column!(cost_usd, 6),
    column!(queued_share, 6),
    column!(ejected_by_edges, opt_count, not in sweeps),
    column!(instances_starting_mean, 3, not in sweeps),
    column!(cost_month_usd, 2),
    column!(slo_met, opt_count),
    column!(error_budget_burned, 4),
    column!(cdn_hits, opt_count),
    column!(blocked, opt_count),
    column!(attack_requests, count),
    column!(attack_blocked, opt_count),
];

/// An optional figure of a CSV negsim wrote: `Some(None)` when empty,
/// `None` (the field is malformed) when it does not parse or is not
/// finite, as negsim writes no such figure.
pub fn opt_num(s: &str) -> Option<Option<f64>> {
    if s.is_empty() {
        return Some(None);
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite()).map(Some)
}

/// A required figure: `None` (malformed) when empty too.
pub fn num(s: &str) -> Option<f64> {
    opt_num(s).flatten()
}

/// A figure with `decimals` decimals, or empty: the text a [`Cell::Figure`]
/// column writes.
pub fn figure(x: Option<f64>, decimals: usize) -> String {
    let mut out = String::new();
    x.iter().for_each(|&v| crate::format::push_fixed(&mut out, v, decimals));
    out
}

/// The headers, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|c| c.name)
}

impl Column {
    /// Appends the column's text for `row` to `out`.
    pub fn write_to(&self, row: &Row, out: &mut String) {
        use crate::format::{push_fixed, push_uint};
        match self.cell {
            Cell::Scope => out.push_str(row.scope.as_str()),
            Cell::Name => out.push_str(&row.name),
            Cell::Count(get, _) => push_uint(out, *get(row)),
            Cell::OptCount(get, _) => get(row).iter().for_each(|&v| push_uint(out, v)),
            Cell::Figure(d, get, _) => get(row).iter().for_each(|&v| push_fixed(out, v, d)),
        }
    }

    /// Fills the column's field of `row` from `text`; `None` when the text
    /// is not what negsim writes there (a figure that does not parse or is
    /// not finite, an empty required count).
    pub fn read(&self, row: &mut Row, text: &str) -> Option<()> {
        match self.cell {
            Cell::Scope => {
                row.scope = match text {
                    "global" => ScopeKind::Global,
                    "city" => ScopeKind::City,
                    "region" => ScopeKind::Region,
                    "deployment" => ScopeKind::Deployment,
                    "service" => ScopeKind::Service,
                    _ => return None,
                }
            }
            Cell::Name => row.name = text.to_string(),
            Cell::Count(_, set) => *set(row) = text.parse().ok()?,
            // An optional count reads as empty when it does not parse, as before.
            Cell::OptCount(_, set) => *set(row) = text.parse().ok(),
            Cell::Figure(_, _, set) => *set(row) = opt_num(text)?,
        }
        Some(())
    }

    /// The column's value in `row` as a number, if it has one.
    pub fn value(&self, row: &Row) -> Option<f64> {
        match self.cell {
            Cell::Scope | Cell::Name => None,
            Cell::Count(get, _) => Some(*get(row) as f64),
            Cell::OptCount(get, _) => get(row).map(|v| v as f64),
            Cell::Figure(_, get, _) => *get(row),
        }
    }

    /// Decimals of the column's mean over replications in `sweep.csv`:
    /// the column's own for a figure, 3 for a count (a mean of counts).
    pub fn sweep_decimals(&self) -> usize {
        match self.cell {
            Cell::Figure(d, ..) => d,
            _ => 3,
        }
    }
}

/// The fields of a row, in [`COLUMNS`] order.
#[cfg(test)]
fn fields(row: &Row) -> Vec<String> {
    let text = |c: &Column| {
        let mut text = String::new();
        c.write_to(row, &mut text);
        text
    };
    COLUMNS.iter().map(text).collect()
}

/// Writes `row` as one record of `out`, after `prefix` (a window's start)
/// if any, each field's text made in `buf`: no allocation per field (a
/// window of the timeseries writes one such row per scope).
pub fn write_row<W: std::io::Write>(
    out: &mut csv::Writer<W>,
    prefix: Option<&str>,
    row: &Row,
    buf: &mut String,
) -> csv::Result<()> {
    if let Some(prefix) = prefix {
        out.write_field(prefix)?;
    }
    for c in COLUMNS {
        buf.clear();
        c.write_to(row, buf);
        out.write_field(&*buf)?;
    }
    out.write_record(None::<&[u8]>)
}

/// A row from fields in [`COLUMNS`] order (more fields are ignored);
/// `None` when one is not what negsim writes.
pub fn parse(fields: &[&str]) -> Option<Row> {
    if fields.len() < COLUMNS.len() {
        return None;
    }
    let mut row = Row::default();
    for (c, f) in COLUMNS.iter().zip(fields) {
        c.read(&mut row, f)?;
    }
    Some(row)
}

/// The column named `name`.
pub fn find(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_from_what_is_written() {
        let mut row = Row {
            scope: ScopeKind::Region,
            name: "us-central1".into(),
            requests: 7,
            availability: Some(0.5),
            cold_starts: Some(3),
            cost_month_usd: Some(12.5),
            attack_requests: 2,
            ..Row::default()
        };
        let text = fields(&row);
        let back = parse(&text.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
        row.availability = Some(0.5);
        assert_eq!(back, row);
        assert_eq!(text[7], "0.500000");
        assert!(parse(&["global"]).is_none(), "too few fields");
        let mut bad = text.clone();
        bad[7] = "inf".into();
        assert!(parse(&bad.iter().map(String::as_str).collect::<Vec<_>>()).is_none(), "not finite");
    }
}
