//! Short simulations of fuzzed but valid scenarios: the run must never
//! panic, hang or break its invariants (every request ends in exactly one
//! outcome; no region above its instance cap), and its shortcuts change no
//! figure (`run_event_by_event` gives the same results).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use negsim::metrics::{CollectWindows, ScopeKind};
use negsim::scenario::{self, Overrides};
use std::fmt::Write as _;
use std::path::Path;

const REGIONS: &[&str] =
    &["us-central1", "europe-west1", "asia-southeast1", "australia-southeast1", "southamerica-east1"];
const CITIES: &[&str] = &["Chicago", "London", "Singapore", "Sydney", "Sao Paulo", "Lagos", "Tokyo"];
const DISTS: &[&str] = &[
    "\"0ms\"",
    "\"7ms\"",
    "{ dist = \"exponential\", mean = \"15ms\" }",
    "{ dist = \"lognormal\", median = \"10ms\", p99 = \"300ms\" }",
    "{ dist = \"uniform\", min = \"0ms\", max = \"50ms\" }",
    "{ dist = \"gamma\", mean = \"30ms\", cv = 3.0 }",
];

#[derive(Arbitrary, Debug)]
struct Input {
    regions: Vec<u8>,
    cities: Vec<(u8, u16, bool, bool)>,
    concurrency: u16,
    min: u8,
    extra: u8,
    cpu: u8,
    io: u8,
    cold: u8,
    pending_ms: u16,
    request_s: u8,
    client_ms: u16,
    lb_ms: u16,
    retries: u8,
    lb_retries: u8,
    overflow: bool,
    interval_ms: u16,
    base_ms: u16,
    max_pct: u8,
    enforce: u8,
    outages: Vec<(u8, u16, u16, u8, u8)>,
    surges: Vec<(u8, u16, u16, u8)>,
    seed: u16,
    health: bool,
    instance_billing: bool,
    deps: Vec<(u8, u8, u8, u8)>,
    dep_outages: Vec<(u8, u16, u16, bool)>,
    cdn: u8,
    armor_fp: u8,
    efficacy: u8,
    attacks: Vec<(u8, u16, u16, u16)>,
    /// 0: no network delay; 1: a constant access round trip; else the default.
    network: u8,
    per_try_ms: u16,
}

fuzz_target!(|input: Input| {
    let regions: Vec<&str> = {
        let mut v: Vec<&str> =
            input.regions.iter().take(4).map(|r| REGIONS[*r as usize % REGIONS.len()]).collect();
        v.sort();
        v.dedup();
        if v.is_empty() {
            v.push(REGIONS[0]);
        }
        v
    };
    let mut t = String::new();
    let _ = writeln!(t, "[simulation]\nduration = \"90s\"\nwindow = \"10s\"\nseed = {}", input.seed);
    let _ = writeln!(
        t,
        "[load_balancer]\nrouting = \"{}\"\ntimeout = \"{}ms\"",
        if input.overflow { "nearest-overflow" } else { "nearest" },
        1 + input.lb_ms % 20_000
    );
    let _ = writeln!(
        t,
        "[load_balancer.outlier_detection]\ninterval = \"{}ms\"\nbase_ejection_time = \"{}ms\"\nmax_ejection_percent = {}\nenforcing_consecutive_errors = {}",
        1 + input.interval_ms % 3000,
        1 + input.base_ms % 60_000,
        input.max_pct % 101,
        input.enforce % 101
    );
    if input.health {
        let _ = writeln!(
            t,
            "[load_balancer.service_health]\nenabled = true\npropagation = \"{}ms\"",
            input.base_ms % 20_000
        );
    }
    if input.lb_retries % 3 > 0 {
        let _ = writeln!(t, "[load_balancer.retry_policy]\nnum_retries = {}", input.lb_retries % 3);
        if input.per_try_ms > 0 {
            let _ = writeln!(t, "per_try_timeout = \"{}ms\"", input.per_try_ms % 2000 + 1);
        }
    }
    match input.network % 4 {
        0 => {
            let _ = writeln!(t, "[network]\nmodel = \"none\"");
        }
        1 => {
            let _ = writeln!(t, "[network]\naccess_rtt = \"6ms\"\nnew_connection_ratio = 0.0");
        }
        _ => {}
    }
    // One input in eight gives up within 40 ms, often before its attempt
    // reaches the edge.
    let client_ms = match input.client_ms % 8 {
        0 => 1 + input.client_ms / 8 % 40,
        _ => 1 + input.client_ms % 20_000,
    };
    let _ = writeln!(
        t,
        "[client]\ntimeout = \"{client_ms}ms\"\nretries = {}\nbackoff = \"10ms\"",
        input.retries % 4
    );
    let min = if input.health { 1 + input.min % 3 } else { input.min % 4 };
    let _ = writeln!(
        t,
        "[service]\nconcurrency = {}\ncpu = 1.0\nmin_instances = {min}\nmax_instances = {}\ncpu_time = {}\nio_time = {}\ncold_start = {}\npending_timeout = \"{}ms\"\nrequest_timeout = \"{}s\"\nbilling = \"{}\"",
        1 + input.concurrency % 200,
        min as u16 + 1 + u16::from(input.extra % 20),
        DISTS[input.cpu as usize % DISTS.len()],
        DISTS[input.io as usize % DISTS.len()],
        DISTS[input.cold as usize % DISTS.len()],
        1 + input.pending_ms % 15_000,
        1 + input.request_s % 30,
        if input.instance_billing { "instance" } else { "request" }
    );
    for r in &regions {
        let _ = writeln!(t, "[[region]]\nname = \"{r}\"");
    }
    let mut seen = Vec::new();
    for (c, rps, diurnal, uniform) in input.cities.iter().take(5) {
        let name = CITIES[*c as usize % CITIES.len()];
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let _ = writeln!(
            t,
            "[[city]]\nname = \"{name}\"\nrps = {}\nprofile = \"{}\"\narrival = \"{}\"",
            rps % 400,
            if *diurnal { "diurnal" } else { "flat" },
            if *uniform { "uniform" } else { "poisson" }
        );
    }
    if seen.is_empty() {
        let _ = writeln!(t, "[[city]]\nname = \"Chicago\"\nrps = 10");
    }
    for (r, start, dur, kind, x) in input.outages.iter().take(4) {
        let kind = match kind % 5 {
            0 => "kind = \"down\"".to_string(),
            1 => format!(
                "kind = \"errors\"\nrate = {}\nstatus = {}",
                f64::from(x % 100 + 1) / 100.0,
                500 + u16::from(*x % 5)
            ),
            2 => format!("kind = \"latency\"\nextra = {}", DISTS[*x as usize % DISTS.len()]),
            3 => format!("kind = \"capacity\"\nmax_instances = {}", x % 5),
            _ => format!("kind = \"cold-start\"\nmultiplier = {}", 1 + x % 10),
        };
        let _ = writeln!(
            t,
            "[[outage]]\nregion = \"{}\"\nstart = \"{}ms\"\nduration = \"{}ms\"\n{kind}",
            regions[*r as usize % regions.len()],
            start,
            1 + dur % 60_000
        );
    }
    for (c, start, dur, m) in input.surges.iter().take(2) {
        let city = if seen.is_empty() { "Chicago" } else { seen[*c as usize % seen.len()] };
        let _ = writeln!(
            t,
            "[[surge]]\ncity = \"{city}\"\nstart = \"{}ms\"\nduration = \"{}ms\"\nmultiplier = {}",
            start,
            1 + dur % 30_000,
            m % 20
        );
    }
    let mut deps = Vec::new();
    for (i, (leader, replica, reads, writes)) in input.deps.iter().take(2).enumerate() {
        let _ = writeln!(
            t,
            "[[dependency]]\nname = \"db{i}\"\nleader = \"{}\"\nreplicas = [\"{}\"]\nreads = {}\nwrites = {}\nlatency = {}",
            REGIONS[*leader as usize % REGIONS.len()],
            REGIONS[*replica as usize % REGIONS.len()],
            reads % 4,
            writes % 3,
            DISTS[(*reads as usize + *writes as usize) % DISTS.len()]
        );
        deps.push(i);
    }
    for (d, start, dur, down) in input.dep_outages.iter().take(2) {
        if deps.is_empty() {
            break;
        }
        let kind = if *down {
            "kind = \"down\"".to_string()
        } else {
            format!("kind = \"latency\"\nextra = {}", DISTS[*start as usize % DISTS.len()])
        };
        let _ = writeln!(
            t,
            "[[outage]]\ndependency = \"db{}\"\nstart = \"{}ms\"\nduration = \"{}ms\"\n{kind}",
            deps[*d as usize % deps.len()],
            start,
            1 + dur % 60_000
        );
    }
    let _ = writeln!(
        t,
        "[edge]\ncdn_hit_ratio = {}\narmor_false_positive = {}\narmor_efficacy = {}",
        f64::from(input.cdn % 101) / 100.0,
        f64::from(input.armor_fp % 11) / 100.0,
        f64::from(input.efficacy % 101) / 100.0
    );
    for (c, start, dur, rps) in input.attacks.iter().take(2) {
        let city = if seen.is_empty() { "Chicago" } else { seen[*c as usize % seen.len()] };
        let _ = writeln!(
            t,
            "[[attack]]\ncity = \"{city}\"\nstart = \"{}ms\"\nduration = \"{}ms\"\nrps = {}",
            start,
            1 + dur % 30_000,
            rps % 3000
        );
    }
    let sc = match scenario::from_str(Path::new("fuzz.toml"), &t, &Overrides::default()) {
        Ok(l) => l.scenario,
        Err(e) => panic!("the fuzz target built an invalid scenario: {e}\n{t}"),
    };
    if std::env::var_os("NEGSIM_FUZZ_PRINT").is_some() {
        eprintln!("{t}");
    }
    let mut w = CollectWindows::default();
    let res = negsim::model::run(&sc, &mut w);
    for rows in std::iter::once(&res.rows).chain(w.windows.iter().map(|x| &x.1)) {
        for r in rows {
            assert_eq!(r.requests, r.ok + r.rejected + r.errors + r.timeouts, "conservation: {r:?}\n{t}");
        }
        for (ri, reg) in sc.regions.iter().enumerate() {
            let row = &rows[1 + sc.cities.len() + ri];
            assert_eq!(row.scope, ScopeKind::Region);
            assert!(row.instances_max.unwrap_or(0) <= u64::from(reg.service.max_instances), "{t}");
        }
    }
    // The shortcuts (answers settled ahead of the clock, zero-delay hops
    // handled in place) change no figure.
    let mut slow = CollectWindows::default();
    let by_events = negsim::model::run_event_by_event(&sc, &mut slow);
    assert_eq!(res.rows, by_events.rows, "the shortcuts changed the totals\n{t}");
    assert_eq!(res.flows, by_events.flows, "the shortcuts changed the flows\n{t}");
    assert_eq!(w.windows, slow.windows, "the shortcuts changed a window\n{t}");
    assert_eq!(w.ejections, slow.ejections, "the shortcuts changed the ejections\n{t}");
});
