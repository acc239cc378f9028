//! The files of one run in an output folder: their names, the errors of
//! writing them, and the report drawn from them ([`crate::pipeline`] runs
//! a scenario into such a folder).

use super::atomic;
use super::results::{Results, ResultsError};
use crate::scenario::resolved;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The files of a run, in the order they are written (plots go under `plots/`).
pub const RUN_FILES: &[&str] = &[
    "timeseries.csv",
    "timeseries_flows.csv",
    "ejections.csv",
    "summary.csv",
    "flows.csv",
    "scenario.resolved.toml",
    resolved::MATRIX_COPY,
    "run.json",
    "report.html",
    "calls.csv",
    "calls_timeseries.csv",
    "services.csv",
];

/// An output file that could not be written.
#[derive(Debug)]
pub struct OutputError {
    /// The file.
    pub file: PathBuf,
    /// Why.
    pub source: io::Error,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cause follows as the error's source.
        write!(f, "cannot write {}", self.file.display())
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A report that could not be made.
#[derive(Debug)]
pub enum ReportError {
    /// The run's files could not be read.
    Results(ResultsError),
    /// A chart or the page could not be written.
    Output(OutputError),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Results(e) => write!(f, "cannot read the run's results: {e}"),
            ReportError::Output(e) => write!(f, "{e}: {}", e.source),
        }
    }
}

impl std::error::Error for ReportError {}

impl From<ReportError> for OutputError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Output(o) => o,
            ReportError::Results(r) => {
                OutputError { file: r.file.clone(), source: io::Error::other(r.message) }
            }
        }
    }
}

/// Draws the charts under `dir/plots/` and writes `dir/report.html` from
/// the files of a finished run in `dir`.
pub fn write_report(dir: &Path) -> Result<(), ReportError> {
    draw_report(dir, dir)
}

/// Draws the charts and `report.html` of the run in `from` into `into`
/// (`negsim report` reads the published folder and draws into a staging one).
pub fn draw_report(from: &Path, into: &Path) -> Result<(), ReportError> {
    let results = Results::load(from).map_err(ReportError::Results)?;
    let plots = into.join("plots");
    let charts = super::plots::draw_all(&plots, &results)
        .map_err(|source| ReportError::Output(OutputError { file: plots, source }))?;
    let page = super::html::render(&results, &charts);
    let file = into.join("report.html");
    atomic::write_file(&file, |w| w.write_all(page.as_bytes()))
        .map_err(|source| ReportError::Output(OutputError { file, source }))
}
