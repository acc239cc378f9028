//! The engine against queueing theory: the M/M/c queue of
//! `scenarios/mmc-validation.toml` (warm instances, concurrency 1,
//! exponential service, Poisson arrivals, no network) must reproduce
//! Erlang C's probability of waiting and mean wait.
//!
//! Each one-minute window is a batch; the standard error of the mean comes
//! from the spread of the batch means (batch means method), and the
//! tolerance is four standard errors. Batches of a minute are long against
//! the queue's relaxation time (seconds at these loads), so they are close
//! to independent.

use crate::support::{example, mean_and_se, run};
use negsim::metrics::ScopeKind;
use negsim::scenario::DistSpec;

/// Erlang C: probability of waiting and mean wait (seconds) of M/M/c.
fn erlang_c(c: u32, lambda: f64, mu: f64) -> (f64, f64) {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    assert!(rho < 1.0);
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    let p_wait = last / (sum + last);
    (p_wait, p_wait / (f64::from(c) * mu - lambda))
}

#[test]
fn erlang_c_reference_values() {
    // M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    let (p, w) = erlang_c(1, 40.0, 50.0);
    assert!((p - 0.8).abs() < 1e-12 && (w - 0.08).abs() < 1e-12);
    // The textbook value for c = 10, a = 9: C = 0.6687.
    let (p, _) = erlang_c(10, 450.0, 50.0);
    assert!((p - 0.668_7).abs() < 1e-4);
}

/// Simulates M/M/c with `c` servers of mean service 20 ms at utilisation
/// `rho` for `minutes`, and checks P(wait) and the mean wait against
/// Erlang C. Returns (simulated, theoretical) mean waits in ms.
pub fn check_mmc(c: u32, rho: f64, minutes: u64) -> ((f64, f64), (f64, f64)) {
    let mu = 50.0;
    let lambda = rho * f64::from(c) * mu;
    let mut sc = example("mmc-validation.toml");
    sc.cities[0].rps = lambda;
    for s in sc.deployments.iter_mut().map(|d| &mut d.config) {
        s.min_instances = c;
        s.max_instances = c;
        s.cpu_time = DistSpec::Exponential { mean_ns: 20_000_000 };
    }
    sc.simulation.duration_ns = (minutes + 2) * 60_000_000_000;
    let (_, windows) = run(&sc);
    let (waits, shares): (Vec<f64>, Vec<f64>) = windows
        .windows
        .iter()
        .map(|(_, rows, _)| {
            let r = rows.iter().find(|r| r.scope == ScopeKind::Region).unwrap();
            (r.queue_wait_mean_ms.unwrap(), r.queued_share.unwrap())
        })
        .unzip();
    assert!(waits.len() >= 30, "need at least 30 batches, got {}", waits.len());
    let (p_theory, w_theory) = erlang_c(c, lambda, mu);
    let w_theory_ms = w_theory * 1000.0;
    let (w, w_se) = mean_and_se(&waits);
    let (p, p_se) = mean_and_se(&shares);
    assert!(
        (w - w_theory_ms).abs() < 4.0 * w_se,
        "c={c} rho={rho}: mean wait {w:.3} ms, Erlang C {w_theory_ms:.3} ms, se {w_se:.3}"
    );
    assert!(
        (p - p_theory).abs() < 4.0 * p_se,
        "c={c} rho={rho}: P(wait) {p:.4}, Erlang C {p_theory:.4}, se {p_se:.4}"
    );
    // The test must be able to tell a wrong model: errors of a few percent
    // must be outside the tolerance.
    assert!(4.0 * w_se < 0.1 * w_theory_ms, "too few samples: se {w_se:.3} ms");
    ((w, w_se), (w_theory_ms, p_theory))
}

#[test]
fn mmc_heavy_load_matches_erlang_c() {
    check_mmc(10, 0.9, 60);
}

#[test]
fn mmc_moderate_load_matches_erlang_c() {
    check_mmc(3, 0.6, 60);
}

/// Loads the default tests do not use; run with
/// `cargo test --release -- --ignored mmc_other_loads --nocapture`.
#[test]
#[ignore]
fn mmc_other_loads_match_erlang_c() {
    // Heavier loads decorrelate more slowly: they get longer runs.
    for (c, rho, minutes) in [(1, 0.8, 120), (5, 0.95, 600), (10, 0.7, 120), (20, 0.85, 240), (50, 0.97, 600)]
    {
        let ((w, se), (wt, pt)) = check_mmc(c, rho, minutes);
        println!(
            "c={c:>2} rho={rho:.2}: mean wait {w:8.3} ms ± {se:.3} (Erlang C {wt:8.3} ms, P(wait) {pt:.4})"
        );
    }
}
