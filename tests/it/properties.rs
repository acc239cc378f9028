//! Properties over random valid scenarios (proptest): every request ends in
//! exactly one outcome, latency is never below the network round trip,
//! instances never exceed `max_instances`, a region serves nothing while it
//! is down, and the same seed gives the same results.

use crate::support::{assert_conservation, assert_same_figures, run, run_event_by_event, scenario};
use negsim::metrics::{Row, ScopeKind};
use proptest::prelude::*;
use std::fmt::Write as _;

const REGIONS: &[&str] = &["us-central1", "europe-west1", "asia-northeast1", "australia-southeast1"];
const CITIES: &[&str] = &["Chicago", "London", "Tokyo", "Sydney", "Sao Paulo", "Mumbai"];

#[derive(Debug, Clone)]
struct Spec {
    regions: Vec<usize>,
    cities: Vec<(usize, f64, bool, bool)>,
    concurrency: u32,
    cpu: f64,
    min: u32,
    max: u32,
    cpu_ms: u32,
    io_ms: u32,
    cold_ms: u32,
    duration_min: u32,
    window_s: u32,
    retries: u32,
    lb_retry: bool,
    /// With `lb_retry`: a per-try timeout short enough to fire.
    per_try: bool,
    overflow: bool,
    /// `network.model = "none"`: every hop takes no time.
    no_network: bool,
    outages: Vec<(usize, u32, u32, u8)>,
    seed: u64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        proptest::sample::subsequence((0..REGIONS.len()).collect::<Vec<_>>(), 1..=3),
        proptest::collection::vec((0..CITIES.len(), 1.0f64..80.0, any::<bool>(), any::<bool>()), 1..4),
        (1u32..60, prop_oneof![Just(0.5), Just(1.0), Just(2.0)], 0u32..3, 1u32..12),
        (1u32..60, 0u32..40, 100u32..4000),
        (2u32..6, 15u32..90, 0u32..3, any::<bool>(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.3)),
        proptest::collection::vec((0usize..3, 0u32..240, 10u32..200, 0u8..5), 0..3),
        0u64..1000,
    )
        .prop_map(
            |(
                regions,
                cities,
                (concurrency, cpu, min, extra),
                (cpu_ms, io_ms, cold_ms),
                (d, w, retries, lb_retry, per_try, overflow, no_network),
                outages,
                seed,
            )| {
                // Concurrency above 1 needs a whole vCPU, as in Cloud Run.
                let concurrency = if cpu < 1.0 { 1 } else { concurrency };
                Spec {
                    regions,
                    cities,
                    concurrency,
                    cpu,
                    min,
                    max: min + extra,
                    cpu_ms,
                    io_ms,
                    cold_ms,
                    duration_min: d,
                    window_s: w,
                    retries,
                    lb_retry,
                    per_try,
                    overflow,
                    no_network,
                    outages,
                    seed,
                }
            },
        )
}

fn text(s: &Spec) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "[simulation]\nduration = \"{}m\"\nwindow = \"{}s\"\nseed = {}\ninitial_instances = \"steady\"",
        s.duration_min, s.window_s, s.seed
    );
    let _ = writeln!(
        t,
        "[load_balancer]\nrouting = \"{}\"",
        if s.overflow { "nearest-overflow" } else { "nearest" }
    );
    if s.lb_retry {
        let _ = writeln!(t, "[load_balancer.retry_policy]\nnum_retries = 1");
        if s.per_try {
            let _ = writeln!(t, "per_try_timeout = \"150ms\"");
        }
    }
    if s.no_network {
        let _ = writeln!(t, "[network]\nmodel = \"none\"");
    }
    let _ = writeln!(t, "[client]\ntimeout = \"10s\"\nretries = {}\nbackoff = \"50ms\"", s.retries);
    let _ = writeln!(
        t,
        "[service]\nconcurrency = {}\ncpu = {}\nmin_instances = {}\nmax_instances = {}\ncpu_time = {{ dist = \"exponential\", mean = \"{}ms\" }}\nio_time = {{ dist = \"uniform\", min = \"0ms\", max = \"{}ms\" }}\ncold_start = {{ dist = \"lognormal\", median = \"{}ms\", p99 = \"{}ms\" }}\npending_timeout = \"5s\"",
        s.concurrency,
        s.cpu,
        s.min,
        s.max,
        s.cpu_ms,
        s.io_ms,
        s.cold_ms,
        s.cold_ms * 3
    );
    for &r in &s.regions {
        let _ = writeln!(t, "[[region]]\nname = \"{}\"", REGIONS[r]);
    }
    let mut seen = Vec::new();
    for &(c, rps, diurnal, uniform) in &s.cities {
        if seen.contains(&c) {
            continue;
        }
        seen.push(c);
        let _ = writeln!(
            t,
            "[[city]]\nname = \"{}\"\nrps = {rps:.2}\nprofile = \"{}\"\narrival = \"{}\"",
            CITIES[c],
            if diurnal { "diurnal" } else { "flat" },
            if uniform { "uniform" } else { "poisson" }
        );
    }
    for &(r, start, dur, kind) in &s.outages {
        let region = REGIONS[s.regions[r % s.regions.len()]];
        let start = start % (s.duration_min * 60);
        let kind = match kind {
            0 => "kind = \"down\"".to_string(),
            1 => "kind = \"errors\"\nrate = 0.5".to_string(),
            2 => "kind = \"latency\"\nextra = \"300ms\"".to_string(),
            3 => "kind = \"capacity\"\nmax_instances = 1".to_string(),
            _ => "kind = \"cold-start\"\nmultiplier = 3".to_string(),
        };
        let _ = writeln!(
            t,
            "[[outage]]\nregion = \"{region}\"\nstart = \"{start}s\"\nduration = \"{dur}s\"\n{kind}"
        );
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_scenarios(s in spec()) {
        let sc = scenario(&text(&s));
        let (res, windows) = run(&sc);

        // Every request ends in exactly one outcome, in the totals and per window.
        assert_conservation(&res.rows);
        for (_, rows, _) in &windows.windows {
            assert_conservation(rows);
        }
        // The global row counts what its cities count, in every window
        // and in the totals (its counts are summed from theirs when a
        // window closes: nothing may count in it alone).
        for rows in windows.windows.iter().map(|(_, rows, _)| rows).chain([&res.rows]) {
            let counts = |r: &Row| [r.requests, r.ok, r.rejected, r.errors, r.timeouts, r.attempts];
            let mut by_cities = [0; 6];
            for r in rows.iter().filter(|r| r.scope == ScopeKind::City) {
                by_cities.iter_mut().zip(counts(r)).for_each(|(sum, n)| *sum += n);
            }
            prop_assert_eq!(by_cities, counts(&rows[0]));
        }

        // Latency is never below the leg to the city's edge plus the
        // backbone round trip to the closest region.
        let net = negsim::model::network::Network::new(&sc);
        for (ci, c) in sc.cities.iter().enumerate().filter(|_| !s.no_network) {
            let row = &res.rows[1 + ci];
            let city = negsim::model::ids::CityId(ci as u32);
            let closest = (0..sc.regions.len() as u32).map(|r| net.rtt_ns(city, negsim::model::ids::RegionId(r))).min().unwrap_or(0);
            let floor = (closest + net.leg_ns(city)) as f64 / 1e6;
            if let (Some(mean), Some(p50)) = (row.latency_mean_ms, row.latency_p50_ms) {
                prop_assert!(mean >= floor - 1e-6, "{}: mean {} below the round trip {}", c.name, mean, floor);
                prop_assert!(p50 >= floor - 1e-6, "{}: p50 {} below the round trip {}", c.name, p50, floor);
            }
        }

        // Instances never exceed max_instances, in any window.
        for (ri, r) in sc.regions.iter().enumerate() {
            let cap = u64::from(sc.deployments[ri].config.max_instances);
            let scope = 1 + sc.cities.len() + ri;
            prop_assert!(res.rows[scope].instances_max.unwrap() <= cap);
            for (_, rows, _) in &windows.windows {
                prop_assert!(rows[scope].instances_max.unwrap() <= cap, "{} above its cap {}", r.name, cap);
            }
        }

        // A region that is down answers nothing ok (allowing 15 s for
        // answers already on their way when it failed).
        let w = sc.simulation.window_ns as f64 / 1e9;
        for o in sc.outages.iter().filter(|o| o.kind.name() == "down") {
            let (a, b) = (o.start_ns as f64 / 1e9 + 15.0, o.end_ns() as f64 / 1e9);
            let scope = 1 + sc.cities.len() + o.region;
            for (start, rows, _) in &windows.windows {
                if *start >= a && start + w <= b {
                    prop_assert_eq!(rows[scope].ok, 0, "{} served while down, window at {}", &rows[scope].name, start);
                }
            }
        }

        // The same seed gives the same results.
        let first = (res, windows);
        assert_same_figures(&first, &run(&sc));

        // Answers handled ahead of the clock are exact: with every answer
        // carried by its own event, every figure is the same.
        let by_events = run_event_by_event(&sc);
        prop_assert!(by_events.0.events >= first.0.events);
        assert_same_figures(&first, &by_events);
    }
}
