//! negsim: a discrete-event simulator of a Cloud Run service deployed in
//! several regions, each behind a serverless NEG, all behind one global
//! external Application Load Balancer.
//!
//! The crate is laid out as its data flow:
//!
//! * [`scenario`]: scenario files, read in two stages (raw TOML with spans,
//!   then a validated model with units resolved and names turned into indices).
//! * [`geo`]: built-in regions, cities and Google edge metros; the backbone's
//!   round trips (measured, and a route-aware model).
//! * [`engine`]: simulated time, the `(time, sequence)` event queue, named
//!   random streams. Its module documentation states the ordering contract.
//! * [`model`]: users in cities, the load balancer's edges with outlier
//!   detection, regional Cloud Run services, outages, client retries.
//! * [`metrics`]: streaming aggregation whose memory does not grow with the
//!   simulated duration or the number of requests.
//! * [`report`]: CSV, JSON and text written from finished results.
//!
//! A run is a pure function of the scenario and its seed: the same inputs
//! give byte-identical outputs (apart from the wall-clock fields of
//! `run.json`).

pub mod digest;
pub mod engine;
pub mod format;
pub mod geo;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod sweep;

/// A test hook: with `NEGSIM_TEST_HOLD=PHASE` in the environment, the
/// process stops at the start of that phase, says `held at PHASE` on
/// standard error, and waits until the file named by `NEGSIM_TEST_RESUME`
/// exists (or, without it, until a signal ends the process), so that a test
/// can kill, signal or race it exactly there rather than after a sleep.
/// Phases: `write` (a run's files half written), `report` (before a report
/// is drawn). Without the variable it costs one environment look-up.
pub fn hold_for_tests(phase: &str) {
    if std::env::var_os("NEGSIM_TEST_HOLD").is_none_or(|v| v != phase) {
        return;
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "held at {phase} (NEGSIM_TEST_HOLD)");
    let resume = std::env::var_os("NEGSIM_TEST_RESUME").map(std::path::PathBuf::from);
    while !resume.as_ref().is_some_and(|f| f.exists()) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
