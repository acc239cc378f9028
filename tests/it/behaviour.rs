//! Behaviour of the model on small scenarios: routing and the physics of
//! latency, scaling under load, conservation, determinism.

use crate::support::{assert_conservation, row, run, scenario};
use negsim::geo;
use negsim::metrics::ScopeKind;

/// Three regions, users in Sydney, Perth and Los Angeles; every draw is
/// constant and arrivals are evenly spaced, so each request's latency is
/// exactly access RTT + backbone RTT + CPU time. The `geo` model keeps an
/// edge in every city.
const PHYSICS: &str = r#"
[simulation]
duration = "10m"
initial_instances = "min"
[network]
model = "geo"
access_rtt = "8ms"
[service]
concurrency = 1
min_instances = 4
max_instances = 4
cpu_time = "5ms"
[[region]]
name = "us-central1"
[[region]]
name = "europe-west1"
[[region]]
name = "australia-southeast1"
[[city]]
name = "Sydney"
rps = 10
arrival = "uniform"
[[city]]
name = "Perth"
rps = 10
arrival = "uniform"
[[city]]
name = "Los Angeles"
rps = 10
arrival = "uniform"
"#;

fn expected_ms(city: (f64, f64), region: (f64, f64)) -> f64 {
    let km = geo::great_circle_km(city.0, city.1, region.0, region.1);
    8.0 + geo::backbone_rtt_ms(km, 1.5, 200.0) + 5.0
}

#[test]
fn users_go_to_the_closest_region_with_latency_set_by_the_physics() {
    let sc = scenario(PHYSICS);
    let (res, _) = run(&sc);
    let region_of = |city: u32| {
        let f: Vec<_> = res.flows.iter().filter(|f| f.city == city).collect();
        assert_eq!(f.len(), 1, "one region serves each city");
        sc.regions[f[0].region as usize].name.as_str()
    };
    assert_eq!(region_of(0), "australia-southeast1");
    assert_eq!(region_of(1), "australia-southeast1");
    assert_eq!(region_of(2), "us-central1");

    let aus = (-33.87, 151.21);
    for (name, pos, region) in [
        ("Sydney", (-33.87, 151.21), aus),
        ("Perth", (-31.95, 115.86), aus),
        ("Los Angeles", (34.05, -118.24), (41.26, -95.86)),
    ] {
        let r = row(&res.rows, ScopeKind::City, name);
        let want = expected_ms(pos, region);
        let mean = r.latency_mean_ms.unwrap();
        assert!((mean - want).abs() < 0.001, "{name}: mean {mean:.4} ms, physics says {want:.4} ms");
        // The p99 is the upper edge of its 0.1 % histogram bucket.
        let p99 = r.latency_p99_ms.unwrap();
        assert!(p99 >= want - 0.001 && p99 <= want * 1.001 + 0.001, "{name}: p99 {p99}");
        assert_eq!(r.availability, Some(1.0));
    }
    // Sydney sits on its region: 8 ms access + 5 ms CPU, no backbone.
    assert!((row(&res.rows, ScopeKind::City, "Sydney").latency_mean_ms.unwrap() - 13.0).abs() < 0.001);
    // Perth is 3,290 km from Sydney: about 49 ms of backbone round trip.
    let perth = row(&res.rows, ScopeKind::City, "Perth").latency_mean_ms.unwrap();
    assert!((60.0..65.0).contains(&perth), "{perth}");
}

/// One region whose capacity is `max` instances of 10 requests/s each
/// (100 ms of CPU at one vCPU, concurrency 10), at 10 rps with a tenfold
/// surge from minute 10 to minute 15.
fn surge_scenario(max: u32) -> String {
    format!(
        r#"
[simulation]
duration = "25m"
initial_instances = "steady"
[network]
model = "none"
[service]
concurrency = 10
max_instances = {max}
cpu_time = "100ms"
cold_start = "2s"
[[region]]
name = "us-central1"
[[city]]
name = "Chicago"
rps = 10
[[surge]]
city = "Chicago"
start = "10m"
duration = "5m"
multiplier = 10
"#
    )
}

#[test]
fn a_surge_past_max_instances_brings_cold_starts_and_429s_which_go_when_it_fits() {
    let sc = scenario(&surge_scenario(5));
    let (res, windows) = run(&sc);
    assert_conservation(&res.rows);
    let region = |w: &(f64, Vec<negsim::metrics::Row>, _)| {
        w.1.iter().find(|r| r.scope == ScopeKind::Region).unwrap().clone()
    };
    let minute = |m: usize| region(&windows.windows[m]);
    for m in 0..10 {
        assert_eq!(minute(m).rejected, 0, "minute {m}: no 429 before the surge");
    }
    let surge_429: u64 = (10..15).map(|m| minute(m).rejected).sum();
    let surge_cold: u64 = (10..15).map(|m| minute(m).cold_starts.unwrap()).sum();
    assert!(surge_429 > 1000, "the surge asks 100 rps of a 50 rps region: {surge_429} 429s");
    assert!(surge_cold >= 3, "the region scales out to its cap: {surge_cold} cold starts");
    assert_eq!(minute(12).instances_max, Some(5), "never above max_instances");
    for m in 17..25 {
        assert_eq!(minute(m).rejected, 0, "minute {m}: no 429 once the load fits again");
    }

    // With room for the surge: cold starts, but no request turned away.
    let sc = scenario(&surge_scenario(30));
    let (res, windows) = run(&sc);
    let g = row(&res.rows, ScopeKind::Global, "all");
    assert_eq!((g.rejected, g.errors, g.timeouts), (0, 0, 0), "{g:?}");
    let cold: u64 = (10..15).map(|m| region(&windows.windows[m]).cold_starts.unwrap()).sum();
    assert!(cold >= 5, "{cold} cold starts");
}

#[test]
fn the_global_example_conserves_requests_in_every_row_and_window() {
    let mut sc = crate::support::example("global-three-region.toml");
    sc.simulation.duration_ns = 15 * 60_000_000_000;
    let (res, windows) = run(&sc);
    assert_conservation(&res.rows);
    for (_, rows, _) in &windows.windows {
        assert_conservation(rows);
    }
    // Cities add up to the global row, and so do regions.
    let g = row(&res.rows, ScopeKind::Global, "all");
    let sum = |k: ScopeKind| res.rows.iter().filter(|r| r.scope == k).map(|r| r.requests).sum::<u64>();
    assert_eq!(sum(ScopeKind::City), g.requests);
    assert_eq!(sum(ScopeKind::Region), g.requests);
    assert!(g.requests > 500_000, "{}", g.requests);
}

#[test]
fn the_same_seed_gives_the_same_results_and_another_seed_does_not() {
    let mut sc = scenario(&surge_scenario(5));
    let (a, wa) = run(&sc);
    let (b, wb) = run(&sc);
    assert_eq!(a.rows, b.rows);
    assert_eq!(wa.windows.len(), wb.windows.len());
    for (x, y) in wa.windows.iter().zip(&wb.windows) {
        assert_eq!(x.1, y.1);
    }
    sc.simulation.seed = 2;
    let (c, _) = run(&sc);
    assert_ne!(a.rows, c.rows);
}

const BILLING: &str = r#"
[simulation]
duration = "5m"
warmup = "1m"
initial_instances = "min"
[network]
model = "none"
[service]
cpu = 1.0
memory_gib = 0.5
min_instances = 1
max_instances = 1
concurrency = 1000
cpu_time = "0ms"
io_time = "1s"
[[region]]
name = "us-central1"
[[city]]
name = "Chicago"
rps = 1
arrival = "uniform"
"#;

/// The load balancer's charges for `secs` seconds and `requests` answers at
/// list prices: one forwarding rule at $0.025 an hour, and 2 KiB in plus
/// 16 KiB out per request at $0.008 per GiB.
fn lb_by_hand(secs: f64, requests: u64) -> f64 {
    secs / 3600.0 * 0.025 + requests as f64 * 18.0 / 1_048_576.0 * 0.008
}

#[test]
fn request_based_billing_by_hand() {
    // One always-busy instance in a Tier 1 region: one request per second,
    // each holding it for exactly 1 s. Billed: 1 vCPU x $0.000024 + 0.5 GiB x
    // $0.0000025 per second, plus $0.40 per million requests; the warmup
    // minute is not billed. The global row adds the load balancer.
    let text = BILLING;
    let (res, windows) = run(&scenario(text));
    let per_second = 0.000_024 + 0.5 * 0.000_002_5 + 0.40 / 1e6;
    let region = row(&res.rows, ScopeKind::Region, "us-central1");
    let cloud_run = region.cost_usd.unwrap();
    let want = 240.0 * per_second;
    assert!((cloud_run / want - 1.0).abs() < 0.01, "Cloud Run {cloud_run} vs {want}");
    let global = row(&res.rows, ScopeKind::Global, "all");
    let lb = global.cost_usd.unwrap() - cloud_run;
    let lb_want = lb_by_hand(240.0, global.attempts);
    assert!((lb / lb_want - 1.0).abs() < 0.01, "load balancer {lb} vs {lb_want}");
    // A month of 730 hours at this rate: 730 x 15 times the 4 measured
    // minutes, which end when the last request does (at most 1 s, 0.42 %,
    // after the 5 minutes).
    let month = region.cost_month_usd.unwrap();
    let ratio = month / (cloud_run * 730.0 * 15.0);
    assert!(ratio <= 1.0 + 1e-12 && ratio > 240.0 / 241.0 - 1e-12, "per month {month}");
    for (start, rows, _) in &windows.windows[..3] {
        let r = rows.iter().find(|r| r.scope == ScopeKind::Region).unwrap();
        let c = r.cost_usd.unwrap();
        assert!((c / (60.0 * per_second) - 1.0).abs() < 0.01, "window at {start}: {c}");
    }
    // Busy periods of 150 ms are billed as 200 ms; the minimum instance is
    // idle the other 850 ms of each second, at the idle rate.
    let short = text.replace("io_time = \"1s\"", "io_time = \"150ms\"");
    let (res3, _) = run(&scenario(&short));
    let billed = row(&res3.rows, ScopeKind::Region, "us-central1").cost_usd.unwrap();
    let idle = 0.85 * (0.000_002_5 + 0.5 * 0.000_002_5);
    let want3 = 240.0 * (0.2 * (0.000_024 + 0.5 * 0.000_002_5) + idle + 0.40 / 1e6);
    assert!((billed / want3 - 1.0).abs() < 0.01, "rounded up to 100 ms: {billed} vs {want3}");
    // Tier 2 (australia-southeast1) costs more for the same work.
    let (res2, _) = run(&scenario(&text.replace("us-central1", "australia-southeast1")));
    let tier2 = row(&res2.rows, ScopeKind::Region, "australia-southeast1").cost_usd.unwrap();
    let want2 = 240.0 * (0.000_033_6 + 0.5 * 0.000_003_5 + 0.40 / 1e6);
    assert!((tier2 / want2 - 1.0).abs() < 0.01, "tier 2 {tier2} vs {want2}");
}

#[test]
fn idle_minimum_instances_and_instance_based_billing_by_hand() {
    // Two instances kept, one busy at a time: request-based billing charges
    // the busy one at the full rate and the other at the idle rate.
    let two = BILLING.replace("min_instances = 1\nmax_instances = 1", "min_instances = 2\nmax_instances = 2");
    let (res, _) = run(&scenario(&two));
    let cost = row(&res.rows, ScopeKind::Region, "us-central1").cost_usd.unwrap();
    let busy = 0.000_024 + 0.5 * 0.000_002_5 + 0.40 / 1e6;
    let idle = 0.000_002_5 + 0.5 * 0.000_002_5;
    let want = 240.0 * (busy + idle);
    assert!(
        (cost / want - 1.0).abs() < 0.01,
        "request-based with an idle minimum instance: {cost} vs {want}"
    );
    // Instance-based billing: both instances for their whole life at the
    // instance rate, no fee per request: 240 s, and the last request's
    // second at most (the run ends when it does).
    let (res, _) =
        run(&scenario(&two.replace("io_time = \"1s\"", "io_time = \"1s\"\nbilling = \"instance\"")));
    let cost = row(&res.rows, ScopeKind::Region, "us-central1").cost_usd.unwrap();
    let per_s = 2.0 * (0.000_018 + 0.5 * 0.000_002);
    assert!(cost >= 240.0 * per_s * (1.0 - 1e-12) && cost <= 241.0 * per_s, "instance-based: {cost}");
    // Prices of the user's own.
    let own = format!("{two}\n[pricing]\nidle_vcpu_s = 0\nidle_gib_s = 0\nper_million_requests = 0\n");
    let (res, _) = run(&scenario(&own));
    let cost = row(&res.rows, ScopeKind::Region, "us-central1").cost_usd.unwrap();
    let rate = 0.000_024 + 0.5 * 0.000_002_5;
    // 240 s of busy time, plus at most the last request's second after the
    // run's 5 minutes and one 100 ms granule carried over the warmup: the
    // fee left out (1.6 % of this) or the idle rate kept (15 %) falls outside.
    assert!((239.9 * rate..=241.1 * rate).contains(&cost), "own prices: {cost} vs {}", 240.0 * rate);
}

/// The default network: Tokyo's and Nagoya's users enter Google's network
/// at their nearest edge metros (Tokyo and Osaka); Tokyo's edge is at
/// asia-northeast1, so its round trip to Iowa is Google's measured 144 ms.
/// Every draw is constant, so each latency is exact.
#[test]
fn users_enter_at_their_edge_metro_and_cross_the_measured_backbone() {
    let text = r#"
[simulation]
duration = "5m"
initial_instances = "min"
[network]
access_rtt = "8ms"
[service]
concurrency = 1
min_instances = 4
max_instances = 4
cpu_time = "5ms"
[[region]]
name = "us-central1"
[[city]]
name = "Tokyo"
rps = 10
arrival = "uniform"
[[city]]
name = "Nagoya"
rps = 10
arrival = "uniform"
[[city]]
name = "Kyoto"
lat = 35.01
lon = 135.77
rps = 10
arrival = "uniform"
"#;
    let sc = scenario(text);
    let edges: Vec<&str> = sc.edge_locations.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(edges, ["Tokyo", "Osaka"], "Nagoya and Kyoto share the Osaka edge");
    assert_eq!((sc.cities[1].edge, sc.cities[2].edge), (1, 1));
    let (res, _) = run(&sc);
    let tokyo = row(&res.rows, ScopeKind::City, "Tokyo").latency_mean_ms.unwrap();
    assert!((tokyo - (8.0 + 144.0 + 5.0)).abs() < 0.001, "Tokyo: {tokyo:.4} ms");
    // Nagoya: its leg to Osaka at the fitted cost per km of backbone, then
    // Osaka's round trip to Iowa: more than Tokyo's, though Nagoya is nearer.
    let fit = geo::backbone::Fit::builtin();
    let osaka = geo::edges::find("Osaka").unwrap();
    let leg = fit.ms_per_km * geo::great_circle_km(35.18, 136.91, osaka.lat, osaka.lon);
    let nagoya = row(&res.rows, ScopeKind::City, "Nagoya").latency_mean_ms.unwrap();
    let kyoto = row(&res.rows, ScopeKind::City, "Kyoto").latency_mean_ms.unwrap();
    assert!(leg > 1.0 && nagoya > tokyo, "leg {leg:.2} ms, Nagoya {nagoya:.4} ms");
    let kyoto_leg = fit.ms_per_km * geo::great_circle_km(35.01, 135.77, osaka.lat, osaka.lon);
    // Both go through Osaka: they differ by their legs alone.
    assert!((nagoya - kyoto - (leg - kyoto_leg)).abs() < 0.001, "Nagoya {nagoya:.4}, Kyoto {kyoto:.4}");

    // The same with the old assumption of an edge in every city: three edges.
    let sc = scenario(&text.replace("[network]\n", "[network]\nedges = \"city\"\n"));
    assert_eq!(sc.edge_locations.len(), 3);
}

#[test]
fn dependency_calls_add_the_round_trip_to_their_copy_and_a_down_database_fails_every_region() {
    // Reads twice at the closest copy, writes once at the leader in
    // us-central1, 3 ms of the database's own time per call.
    let deps = r#"
[[dependency]]
name = "db"
leader = "us-central1"
replicas = ["australia-southeast1"]
reads = 2
writes = 1
latency = "3ms"
"#;
    let text = format!("{}{deps}", PHYSICS.replace("concurrency = 1", "concurrency = 50"));
    let iowa = (41.26, -95.86);
    let aus = (-33.87, 151.21);
    let region_rtt = geo::backbone_rtt_ms(geo::great_circle_km(aus.0, aus.1, iowa.0, iowa.1), 1.5, 200.0);
    // Sydney's region holds a replica. Strong reads (Spanner's default):
    // each asks the leader region for a timestamp first, a round trip to
    // Iowa and 3 ms; the write too.
    let (res, _) = run(&scenario(&text));
    let sydney = row(&res.rows, ScopeKind::City, "Sydney").latency_mean_ms.unwrap();
    let want = expected_ms((-33.87, 151.21), aus) + 3.0 * (region_rtt + 3.0);
    assert!(
        (sydney - want).abs() < 0.001,
        "Sydney, strong reads: {sydney:.4} ms, the model says {want:.4} ms"
    );
    // Stale reads: the replica answers alone, 3 ms each.
    let text = text.replace("latency = \"3ms\"", "latency = \"3ms\"\nread_mode = \"stale\"");
    let (res, _) = run(&scenario(&text));
    let sydney = row(&res.rows, ScopeKind::City, "Sydney").latency_mean_ms.unwrap();
    let want = expected_ms((-33.87, 151.21), aus) + 2.0 * 3.0 + region_rtt + 3.0;
    assert!(
        (sydney - want).abs() < 0.001,
        "Sydney, stale reads: {sydney:.4} ms, the model says {want:.4} ms"
    );
    // Los Angeles is served in Iowa, beside the leader: 9 ms in all.
    let la = row(&res.rows, ScopeKind::City, "Los Angeles").latency_mean_ms.unwrap();
    let want = expected_ms((34.05, -118.24), iowa) + 9.0;
    assert!((la - want).abs() < 0.001, "Los Angeles: {la:.4} ms, the model says {want:.4} ms");

    // The database down from minute 4 to 6: every region answers 500, and
    // with the default enforcing percentage no edge ejects anything.
    let outage = "[[outage]]\ndependency = \"db\"\nstart = \"4m\"\nduration = \"2m\"\n";
    let (res, w) = run(&scenario(&format!("{text}{outage}")));
    assert_conservation(&res.rows);
    // (Minute 4's requests sent before 4:00 had made their calls: they
    // are ok. Minute 5 is all errors.)
    for (_, rows, _) in &w.windows[5..6] {
        let serving: Vec<_> =
            rows.iter().filter(|r| r.scope == ScopeKind::Region && r.requests > 0).collect();
        assert_eq!(serving.len(), 2, "Iowa and Sydney serve");
        for r in serving {
            assert_eq!(r.errors, r.requests, "{}: {r:?}", r.name);
        }
    }
    for (_, rows, _) in &w.windows[7..] {
        assert!(rows.iter().all(|r| r.errors == 0));
    }
    assert!(w.ejections.is_empty());
}

/// `k` successes of `n` trials against probability `p`, within four
/// binomial standard deviations.
fn binomial_ok(k: u64, n: u64, p: f64) -> bool {
    let (n, k) = (n as f64, k as f64);
    (k - n * p).abs() <= 4.0 * (n * p * (1.0 - p)).sqrt()
}

#[test]
fn the_cdn_answers_hits_at_the_edge_and_armor_blocks_attacks_without_touching_users() {
    // A 30 % cache hit ratio answered in 2 ms at the edge, and Armor's 1 %
    // false positives.
    let edge = "[edge]\ncdn_hit_ratio = 0.3\ncdn_hit_latency = \"2ms\"\narmor_false_positive = 0.01\n";
    let text = format!("{}{edge}", PHYSICS.replace("concurrency = 1", "concurrency = 50"));
    let (res, _) = run(&scenario(&text));
    assert_conservation(&res.rows);
    let g = row(&res.rows, ScopeKind::Global, "all");
    let (hits, blocked) = (g.cdn_hits.unwrap(), g.blocked.unwrap());
    assert!(binomial_ok(blocked, g.requests, 0.01), "blocked {blocked} of {}", g.requests);
    assert!(binomial_ok(hits, g.requests - blocked, 0.3), "hits {hits} of {}", g.requests - blocked);
    assert_eq!(g.errors, blocked, "Armor's 403s are the only errors");
    // A hit costs the access round trip and the edge's 2 ms: Sydney's users
    // (8 ms access, 5 ms of CPU next door) see 10 ms for a hit, 13 ms
    // otherwise.
    let sydney = row(&res.rows, ScopeKind::City, "Sydney");
    let hit_share = sydney.cdn_hits.unwrap() as f64 / sydney.ok as f64;
    let mean = sydney.latency_mean_ms.unwrap();
    let want = hit_share * 10.0 + (1.0 - hit_share) * 13.0;
    assert!((mean - want).abs() < 0.001, "Sydney: mean {mean}, want {want}");
    // Regions see only the misses.
    let regions: u64 = res.rows.iter().filter(|r| r.scope == ScopeKind::Region).map(|r| r.requests).sum();
    assert_eq!(regions, g.requests - hits - blocked);

    // An attack of 200 requests per second (Poisson) at Los Angeles' edge
    // from minute 2 to minute 4, 90 % blocked: the rest reaches
    // us-central1, and users' requests are the same as without it.
    let attack = "[[attack]]\ncity = \"Los Angeles\"\nstart = \"2m\"\nduration = \"2m\"\nrps = 200\n";
    let (with, _) =
        run(&scenario(&format!("{text}[edge]\narmor_efficacy = 0.9\n{attack}").replace(edge, "")));
    let (without, _) = run(&scenario(&text.replace(edge, "")));
    let g = row(&with.rows, ScopeKind::Global, "all");
    let la = row(&with.rows, ScopeKind::City, "Los Angeles");
    assert!(
        (la.attack_requests as f64 - 24_000.0).abs() < 4.0 * 24_000f64.sqrt(),
        "Poisson count of 2 minutes at 200/s: {}",
        la.attack_requests
    );
    assert!(binomial_ok(la.attack_blocked.unwrap(), la.attack_requests, 0.9), "{la:?}");
    let iowa = row(&with.rows, ScopeKind::Region, "us-central1");
    assert_eq!(iowa.attack_requests, la.attack_requests - la.attack_blocked.unwrap());
    assert_eq!(g.attack_requests, la.attack_requests);
    for (a, b) in with.rows.iter().zip(&without.rows).filter(|(a, _)| a.scope == ScopeKind::City) {
        assert_eq!((a.requests, a.ok), (b.requests, b.ok), "{}: users are not attackers", a.name);
    }
}

/// Cloud Run keeps a request pending for 3.5 times the service's average
/// startup time or 10 s, whichever is greater: with 12 s cold starts a
/// request waits up to 42 s, and the first ones, which wait 12 s for the
/// first instance, are served (a flat 10 s turned them away with 500).
#[test]
fn requests_wait_three_and_a_half_average_startups_for_an_instance() {
    let text = r#"
[simulation]
duration = "2m"
warmup = "0s"
initial_instances = "min"
[network]
model = "none"
[service]
concurrency = 10
max_instances = 1
cpu_time = "5ms"
cold_start = "12s"
[[region]]
name = "us-central1"
[[city]]
name = "Chicago"
rps = 2
arrival = "uniform"
"#;
    let sc = scenario(text);
    assert_eq!(sc.deployments[0].config.pending_timeout_ns(), 42 * 1_000_000_000);
    let (res, _) = run(&sc);
    let r = row(&res.rows, ScopeKind::City, "Chicago");
    assert_eq!((r.errors, r.rejected, r.availability), (0, 0, Some(1.0)), "{r:?}");
    assert!(r.latency_p999_ms.unwrap() > 11_000.0, "the first requests waited for the cold start");
    // Set explicitly, the old 10 s still means what it says.
    let (res, _) = run(&scenario(
        &text.replace("cold_start = \"12s\"", "cold_start = \"12s\"\npending_timeout = \"10s\""),
    ));
    let r = row(&res.rows, ScopeKind::City, "Chicago");
    assert!(r.errors + r.rejected > 0, "{r:?}");
}

#[test]
fn a_time_series_that_cannot_be_written_stops_the_run_at_once() {
    // A full disk was reported only after the whole simulation had run.
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::other("no space left on device"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sc = crate::support::example("global-three-region.toml");
    let names = |v: Vec<String>| v;
    let mut sink = negsim::report::TimeseriesWriter::new(
        std::io::BufWriter::with_capacity(64, Full(4_000)),
        std::io::BufWriter::with_capacity(64, Full(1 << 30)),
        std::io::BufWriter::with_capacity(64, Full(1 << 30)),
        names(sc.cities.iter().map(|c| c.name.clone()).collect()),
        names(sc.regions.iter().map(|r| r.name.clone()).collect()),
        names(sc.edge_locations.iter().map(|e| e.name.clone()).collect()),
    )
    .unwrap();
    let result = negsim::model::run_observed(&sc, &mut sink, &mut |_| true);
    assert!(result.interrupted, "the run stopped");
    let whole = negsim::model::run(&sc, &mut negsim::metrics::NoWindows);
    // The failure comes at the first window's end (1 of 120 minutes); the
    // run stops at the next check, every 4.2 million events.
    assert!(
        result.events * 5 < whole.events,
        "stopped at once: {} of {} events",
        result.events,
        whole.events
    );
    assert!(sink.finish().is_err());
}
