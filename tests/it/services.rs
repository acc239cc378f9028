//! Several services behind one URL map, and the calls between them: a
//! chain with a known answer, conservation of every call, and the
//! storefront drill.

use crate::support::{assert_same_figures, example, row, run, run_event_by_event, scenario};
use negsim::metrics::{CallRow, ScopeKind};
use negsim::model::ids::CityId;
use negsim::model::network::Network;
use negsim::scenario::Scenario;

/// frontend (1 ms CPU, 5 ms I/O) calls a, then b (or both at once); a
/// (2 ms + 7 ms) calls c (1 ms + 3 ms); b takes 1 ms + 20 ms. One request
/// a second from each city, evenly spaced, on warm instances: nothing
/// queues and no CPU is shared, so every request takes the same time.
fn chain(parallel: bool) -> Scenario {
    scenario(&format!(
        r#"
[simulation]
duration = "3m"
warmup = "1m"
window = "1m"
seed = 3
[network]
model = "geo"
edges = "city"
access_rtt = "10ms"
intra_region_rtt = "2ms"
[[region]]
name = "us-central1"
[[region]]
name = "europe-west1"
[[service]]
name = "frontend"
min_instances = 1
cpu_time = "1ms"
io_time = "5ms"
  [[service.call]]
  service = "a"
  parallel = {parallel}
  [[service.call]]
  service = "b"
  parallel = {parallel}
[[service]]
name = "a"
min_instances = 1
cpu_time = "2ms"
io_time = "7ms"
  [[service.call]]
  service = "c"
[[service]]
name = "b"
min_instances = 1
cpu_time = "1ms"
io_time = "20ms"
[[service]]
name = "c"
min_instances = 1
cpu_time = "1ms"
io_time = "3ms"
[[city]]
name = "Chicago"
rps = 1.0
arrival = "uniform"
[[city]]
name = "London"
rps = 1.0
arrival = "uniform"
"#
    ))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn a_chain_takes_its_legs_plus_the_sum_or_max_of_its_services() {
    // A call costs the 2 ms round trip plus the callee's own time:
    // c = 1 + 3 = 4; a = 2 + 7 + (2 + 4) = 15; b = 1 + 20 = 21.
    let (a, b) = (15.0, 21.0);
    for (parallel, frontend) in
        [(false, 1.0 + 5.0 + (2.0 + a) + (2.0 + b)), (true, 6.0 + f64::max(2.0 + a, 2.0 + b))]
    {
        let sc = chain(parallel);
        let net = Network::new(&sc);
        let (res, _) = run(&sc);
        for (ci, city) in sc.cities.iter().enumerate() {
            // The frontend in the city's nearest region.
            let dep = net.nearest(CityId(ci as u32), 0);
            let backbone = net.rtt_ns(CityId(ci as u32), dep) as f64 / 1e6;
            let want = 10.0 + backbone + frontend;
            let r = row(&res.rows, ScopeKind::City, &city.name);
            assert_eq!(r.requests, 120, "{}", city.name);
            assert_eq!(r.ok, 120);
            let got = r.latency_mean_ms.unwrap();
            assert!(close(got, want), "{} (parallel {parallel}): {got} ms, want {want} ms", city.name);
            assert_eq!(
                sc.deployments[dep.index()].name,
                format!("frontend@{}", sc.regions[dep.index() % 2].name)
            );
        }
        // Each callee's deployment: its calls' time, as the caller waits.
        for (name, want) in [("a@us-central1", 2.0 + a), ("b@europe-west1", 2.0 + b), ("c@us-central1", 6.0)]
        {
            let r = row(&res.rows, ScopeKind::Deployment, name);
            assert!(close(r.latency_mean_ms.unwrap(), want), "{name}: {:?}, want {want}", r.latency_mean_ms);
            // A call counts when it begins after the warmup: those of the
            // request that arrived just before its end count too.
            assert!((120..=121).contains(&r.requests), "{name}: one call per request of its region's city");
        }
        let calls: u64 = res.calls.iter().map(|c| c.calls).sum();
        assert!((720..=726).contains(&calls), "frontend calls a and b, a calls c, for 240 requests: {calls}");
        assert!(res.calls.iter().all(|c| c.ok == c.calls));
    }
}

#[test]
fn a_scenario_with_one_service_keeps_its_rows_and_names() {
    let sc = example("global-three-region.toml");
    assert!(!sc.services_declared);
    assert_eq!(sc.services.len(), 1);
    assert_eq!(sc.deployment_names(), sc.regions.iter().map(|r| r.name.clone()).collect::<Vec<_>>());
    let short =
        negsim::scenario::Overrides { duration_ns: Some(8 * 60 * 1_000_000_000), ..Default::default() };
    let sc = negsim::scenario::load(&sc.file, &short).unwrap().scenario;
    let (res, _) = run(&sc);
    assert!(
        res.rows.iter().all(|r| matches!(r.scope, ScopeKind::Global | ScopeKind::City | ScopeKind::Region))
    );
    assert!(res.calls.is_empty());
}

/// The storefront example, `minutes` long, with checkout's call to
/// payments made `via`.
fn storefront(minutes: u32, via: &str) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/storefront.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("duration = \"30m\"") && text.contains("via = \"direct\""));
    let text = text
        .replace("duration = \"30m\"", &format!("duration = \"{minutes}m\""))
        .replace("via = \"direct\"", &format!("via = \"{via}\""));
    negsim::scenario::from_str(&path, &text, &Default::default()).unwrap_or_else(|e| panic!("{e}")).scenario
}

fn assert_calls_conserved(calls: &[CallRow], what: &str) {
    for c in calls {
        assert_eq!(c.calls, c.ok + c.rejected + c.errors + c.timeouts, "{what}: call {}", c.spec);
        assert!(c.attempts >= c.calls, "{what}: call {}", c.spec);
    }
}

#[test]
fn every_call_is_counted_once_in_every_window() {
    for via in ["direct", "load-balancer"] {
        let sc = storefront(13, via);
        let (res, windows) = run(&sc);
        assert_calls_conserved(&res.calls, via);
        assert!(!windows.calls.is_empty());
        let mut summed = vec![0u64; res.calls.len()];
        for (t, rows) in &windows.calls {
            assert_calls_conserved(rows, &format!("{via} at {t} s"));
            for c in rows {
                summed[c.spec as usize] += c.calls;
            }
        }
        assert_eq!(
            summed,
            res.calls.iter().map(|c| c.calls).collect::<Vec<_>>(),
            "{via}: windows sum to the run"
        );
        // Payments has no users: its deployments' requests are the calls to it.
        let payments: u64 = res.calls.iter().filter(|c| c.spec == 2).map(|c| c.calls).sum();
        assert_eq!(row(&res.rows, ScopeKind::Service, "payments").requests, payments, "{via}");
        // Each deployment's requests end once each, as do the users'.
        for r in &res.rows {
            assert_eq!(
                r.requests,
                r.ok + r.rejected + r.errors + r.timeouts,
                "{via}: {:?} {}",
                r.scope,
                r.name
            );
        }
        // Services and regions sum their deployments.
        for (scope, name, of) in [
            (
                ScopeKind::Service,
                "checkout",
                vec!["checkout@us-central1", "checkout@europe-west1", "checkout@asia-northeast1"],
            ),
            (
                ScopeKind::Region,
                "europe-west1",
                sc.deployments.iter().filter(|d| d.region == 1).map(|d| d.name.as_str()).collect(),
            ),
        ] {
            let total = row(&res.rows, scope, name);
            let parts: u64 = of.iter().map(|d| row(&res.rows, ScopeKind::Deployment, d).requests).sum();
            let cost: f64 =
                of.iter().map(|d| row(&res.rows, ScopeKind::Deployment, d).cost_usd.unwrap()).sum();
            assert_eq!(total.requests, parts, "{via}: {name}");
            assert!((total.cost_usd.unwrap() - cost).abs() < 1e-9 * cost.max(1.0), "{via}: {name}");
        }
    }
}

#[test]
fn calls_give_the_same_figures_event_by_event() {
    for via in ["direct", "load-balancer"] {
        let sc = storefront(12, via);
        let a = run(&sc);
        let b = run_event_by_event(&sc);
        assert_same_figures(&a, &b);
        assert_eq!(a.0.calls, b.0.calls);
        assert_eq!(a.1.calls, b.1.calls);
    }
}

#[test]
fn payments_down_in_one_region_fails_that_regions_checkouts_unless_calls_go_through_the_lb() {
    let direct_sc = storefront(22, "direct");
    let (direct, direct_w) = run(&direct_sc);
    let (via_lb, via_lb_w) = run(&storefront(22, "load-balancer"));
    let errors = |res: &negsim::model::RunResult, city: &str| row(&res.rows, ScopeKind::City, city).errors;
    // Direct: European users' checkouts fail for the ten minutes; nobody
    // else sees an error, and the load balancer never moves anyone, as
    // checkout@europe-west1 answers (500s are not gateway failures).
    let europe = errors(&direct, "London") + errors(&direct, "Frankfurt");
    assert!(europe > 5_000, "{europe} European errors");
    for city in ["New York", "Chicago", "Tokyo", "Singapore"] {
        assert_eq!(errors(&direct, city), 0, "{city}");
    }
    assert!(direct_w.ejections.is_empty(), "{:?}", &direct_w.ejections[..direct_w.ejections.len().min(3)]);
    let checkout_eu = row(&direct.rows, ScopeKind::Deployment, "checkout@europe-west1");
    assert_eq!(checkout_eu.errors, europe, "every European error is a checkout's");
    // Through the load balancer: the edge in europe-west1 ejects the dead
    // payments and sends the calls to another region, so that nearly every
    // checkout succeeds.
    let europe_lb = errors(&via_lb, "London") + errors(&via_lb, "Frankfurt");
    assert!(europe_lb * 20 < europe, "{europe_lb} errors through the load balancer, {europe} direct");
    let names = direct_sc.edge_names();
    assert!(!names.iter().any(|n| n.starts_with("calls@")), "no call edges without calls through the LB");
    let eu_edge =
        storefront(22, "load-balancer").edge_names().iter().position(|n| n == "calls@europe-west1").unwrap();
    let payments_eu = direct_sc.deployments.iter().position(|d| d.name == "payments@europe-west1").unwrap();
    assert!(
        via_lb_w.ejections.iter().any(|e| e.edge as usize == eu_edge && e.region as usize == payments_eu)
    );
    let us = |res: &negsim::model::RunResult| {
        row(&res.rows, ScopeKind::Deployment, "payments@us-central1").requests
    };
    assert!(
        us(&via_lb) > us(&direct) + 5_000,
        "the calls move to us-central1: {} vs {}",
        us(&via_lb),
        us(&direct)
    );
    // Nothing changes for the services that call directly.
    assert_eq!(row(&direct.rows, ScopeKind::Service, "cart").errors, 0);
}

#[test]
fn the_resolved_storefront_reads_back_to_the_same_scenario_and_run() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/storefront.toml");
    // A city with its own mix, a rule with hosts, and a service's own
    // retry policy, on top of the example.
    let text = std::fs::read_to_string(&path).unwrap().replace("duration = \"30m\"", "duration = \"11m\"")
        + "\n[[city]]\nname = \"Sydney\"\nrps = 20.0\nmix = { \"/\" = 0.5, \"shop.example.com/checkout\" = 0.5 }\n";
    let text = text.replace(
        "  [[url_map.rule]]\n  path_prefix = \"/checkout\"",
        "  [[url_map.rule]]\n  hosts = [\"shop.example.com\"]\n  path_prefix = \"/checkout\"",
    );
    let text =
        text.replace("name = \"payments\"\n", "name = \"payments\"\nretry_policy = { num_retries = 2 }\n");
    let first = negsim::scenario::from_str(&path, &text, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let written = negsim::scenario::resolved::to_string(&first);
    let second = negsim::scenario::from_str(&path, &written, &Default::default())
        .unwrap_or_else(|e| panic!("{e}\n{written}"))
        .scenario;
    assert_eq!(negsim::scenario::resolved::to_string(&second), written);
    assert_eq!(second.deployment_names(), first.deployment_names());
    assert_eq!(
        second.url_map.service_shares(6, 5),
        vec![0.5, 0.0, 0.0, 0.5, 0.0],
        "Sydney: half frontend, half checkout"
    );
    assert!(second.services[4].retry.as_ref().is_some_and(|r| r.num_retries == 2));
    let (a, b) = (run(&first), run(&second));
    assert_same_figures(&a, &b);
    assert_eq!(a.0.calls, b.0.calls);
}

/// The storefront's service `s` alone: one `[service]` with its settings
/// in every region, no calls and no CDN, and each city sending `factor`
/// times its users' rate.
fn alone(sc: &Scenario, s: usize, factor: f64) -> Scenario {
    let mut one = sc.clone();
    // Every request reaches the service: no CDN (calls never hit it).
    one.services = vec![negsim::scenario::services::Service {
        calls: Vec::new(),
        cdn_hit_ratio: Some(0.0),
        ..sc.services[s].clone()
    }];
    one.deployments = sc
        .deployments
        .iter()
        .filter(|d| d.service == s)
        .map(|d| negsim::scenario::services::Deployment {
            name: sc.regions[d.region].name.clone(),
            service: 0,
            ..d.clone()
        })
        .collect();
    assert_eq!(one.deployments.len(), sc.regions.len());
    one.services_declared = false;
    one.url_map = negsim::scenario::services::UrlMap::single(sc.cities.len());
    for c in &mut one.cities {
        c.rps *= factor;
    }
    one
}

/// A call costs the events a user's request to its callee would: its
/// arrival at the callee and its answer (`CallIn`, `CallBack`) in place of
/// the user's `Arrival` and `RegionIn`, the callee's work the same.
#[test]
fn five_services_cost_no_more_events_than_their_requests_run_alone() {
    // No CDN: every request reaches a service, together and alone. No CPU
    // part: with one, the least-loaded instance choice (by slots held) puts
    // more CPU parts together when callers hold slots while they wait, a
    // behaviour of the model that costs CPU completion events (+2.4 % of
    // the events in this run), not a cost of the calls' mechanics.
    let mut sc = storefront(12, "direct");
    sc.outages.clear();
    sc.simulation.warmup_ns = 0;
    sc.services[1].cdn_hit_ratio = Some(0.0);
    for d in &mut sc.deployments {
        d.config.cpu_time = negsim::scenario::dist::DistSpec::constant(0);
    }
    let (multi, _) = run(&sc);
    let users = row(&multi.rows, ScopeKind::Global, "all").requests as f64;
    let mut sum = 0;
    for (s, svc) in sc.services.iter().enumerate() {
        let requests = row(&multi.rows, ScopeKind::Service, &svc.name).requests as f64;
        let (one, _) = run(&alone(&sc, s, requests / users));
        eprintln!("{}: {requests} requests, {} events alone", svc.name, one.events);
        sum += one.events;
    }
    eprintln!("five services: {} events; alone: {sum}", multi.events);
    assert!(multi.events <= sum, "{} events together, {sum} alone", multi.events);
}

/// A shared database behind several services: each deployment calls it
/// from its own region (not another deployment's index as a region).
#[test]
fn a_dependency_is_called_from_each_deployments_own_region() {
    let sc = scenario(
        r#"
[simulation]
duration = "3m"
warmup = "1m"
seed = 4
[network]
model = "geo"
edges = "city"
access_rtt = "10ms"
[[region]]
name = "us-central1"
[[region]]
name = "europe-west1"
[[service]]
name = "a"
min_instances = 1
cpu_time = "1ms"
  [[service.call]]
  service = "b"
[[service]]
name = "b"
regions = ["europe-west1"]
min_instances = 1
cpu_time = "1ms"
[[dependency]]
name = "db"
leader = "us-central1"
latency = "1ms"
[[city]]
name = "Chicago"
rps = 2.0
arrival = "uniform"
"#,
    );
    let (res, _) = run(&sc);
    let model = negsim::model::network::Model::new(&sc.network);
    let site = |r: &negsim::scenario::Region| model.site(r.lat, r.lon, None, Some(&r.name));
    let rtt_ms = |a: usize, b: usize| {
        (model.rtt_ms(&site(&sc.regions[a]), &site(&sc.regions[b])).0 * 1e6).round() / 1e6
    };
    // b@europe-west1 (deployment 2) reads at the leader across the Atlantic;
    // a@us-central1 (deployment 0) reads next to it.
    let times = &res.service_times;
    let own = |d: usize| times[d].self_ns as f64 / times[d].jobs as f64 / 1e6;
    assert_eq!(sc.deployments[2].name, "b@europe-west1");
    assert!((own(0) - (1.0 + 0.0 + 1.0)).abs() < 1e-6, "a@us-central1: {} ms", own(0));
    let want = 1.0 + rtt_ms(1, 0) + 1.0;
    assert!((own(2) - want).abs() < 1e-3, "b@europe-west1: {} ms, want {want} ms", own(2));
}

/// Service health with more than 64 deployments: a deployment down makes
/// the load balancer skip it, not the deployment of another service whose
/// index is 64 away (their bits would alias in one 64-bit mask).
#[test]
fn service_health_skips_only_the_unhealthy_deployment_of_the_service() {
    let regions: Vec<&str> = negsim::geo::regions::REGIONS.iter().take(33).map(|r| r.name).collect();
    let mut text = String::from(
        "[simulation]\nduration = \"4m\"\nwarmup = \"0s\"\nseed = 2\n[load_balancer.service_health]\nenabled = true\n",
    );
    for r in &regions {
        text += &format!("[[region]]\nname = \"{r}\"\n");
    }
    text += "[[service]]\nname = \"a\"\nmin_instances = 1\n[[service]]\nname = \"b\"\nmin_instances = 1\n";
    text += "[url_map]\nmix = { \"/\" = 0.5, \"/b\" = 0.5 }\n[[url_map.rule]]\npath_prefix = \"/b\"\nservice = \"b\"\n";
    // Deployment 64 is b in the 32nd region; deployment 0 is a in the first.
    let city = negsim::geo::cities::CITIES
        .iter()
        .min_by(|x, y| {
            let r = negsim::geo::regions::find(regions[31]).unwrap();
            let d = |c: &&negsim::geo::cities::BuiltinCity| (c.lat - r.lat).powi(2) + (c.lon - r.lon).powi(2);
            d(x).total_cmp(&d(y))
        })
        .unwrap();
    text += &format!("[[city]]\nname = \"{}\"\nrps = 20.0\n", city.name);
    text += &format!(
        "[[outage]]\nregion = \"{}\"\nservice = \"a\"\nstart = \"30s\"\nduration = \"3m\"\n",
        regions[0]
    );
    let sc = scenario(&text);
    assert_eq!(sc.deployments[64].name, format!("b@{}", regions[31]));
    let (res, _) = run(&sc);
    let b_there = res.flows.iter().filter(|f| f.region == 64).map(|f| f.requests).sum::<u64>();
    let b_all = row(&res.rows, ScopeKind::Service, "b").requests;
    assert!(b_all > 1_000);
    assert_eq!(b_there, b_all, "b's users left b@{} while a@{} was down", regions[31], regions[0]);
}
