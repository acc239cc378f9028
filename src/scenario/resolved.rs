//! `scenario.resolved.toml`: a scenario written back with every default filled in.
//!
//! The output is itself a valid scenario: reading it gives the same
//! [`Scenario`] (the test below checks this round trip), so a run can be
//! reproduced from its output folder alone. Regions are written with every
//! service key resolved (the `[service]` values with their overrides).

use super::units::format_duration;
use super::*;
use toml::{Table, Value};

fn d(ns: u64) -> Value {
    Value::String(format_duration(ns))
}

fn f(x: f64) -> Value {
    Value::Float(x)
}

fn i(x: impl Into<i64>) -> Value {
    Value::Integer(x.into())
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(items.into_iter().map(s).collect())
}

/// A retry policy as `[load_balancer.retry_policy]` reads it.
fn retry_table(r: &RetryPolicy) -> Value {
    let mut rt = Table::new();
    rt.insert("num_retries".into(), i(r.num_retries));
    let c = r.conditions;
    let names = [
        (c.any_5xx, "5xx"),
        (c.gateway_error, "gateway-error"),
        (c.connect_failure, "connect-failure"),
        (c.retriable_4xx, "retriable-4xx"),
        (c.refused_stream, "refused-stream"),
    ];
    rt.insert("retry_conditions".into(), strings(names.iter().filter(|(on, _)| *on).map(|(_, n)| *n)));
    rt.insert("per_try_timeout".into(), d(r.per_try_timeout_ns));
    Value::Table(rt)
}

/// Every `[[service]]`: its regions, each with every setting resolved
/// (as `[[service.region]]`), its calls and its load-balancer settings.
fn services_tables(sc: &Scenario) -> Value {
    let services = sc.services.iter().enumerate().map(|(si, svc)| {
        let mut t = Table::new();
        t.insert("name".into(), s(&svc.name));
        let deps: Vec<&services::Deployment> = sc.deployments.iter().filter(|d| d.service == si).collect();
        t.insert("regions".into(), strings(deps.iter().map(|d| sc.regions[d.region].name.as_str())));
        if let Some(x) = svc.cdn_hit_ratio {
            t.insert("cdn_hit_ratio".into(), f(x));
        }
        if let Some(x) = svc.armor_false_positive {
            t.insert("armor_false_positive".into(), f(x));
        }
        if let Some(r) = &svc.retry {
            t.insert("retry_policy".into(), retry_table(r));
        }
        let regions = deps
            .iter()
            .map(|d| {
                let mut rt = Table::new();
                rt.insert("name".into(), s(&sc.regions[d.region].name));
                service_table(&d.config, &mut rt);
                Value::Table(rt)
            })
            .collect();
        t.insert("region".into(), Value::Array(regions));
        let calls: Vec<Value> = svc
            .calls
            .iter()
            .map(|c| {
                let mut ct = Table::new();
                ct.insert("service".into(), s(&sc.services[c.service].name));
                ct.insert("count".into(), i(c.count));
                ct.insert("probability".into(), f(c.probability));
                ct.insert("parallel".into(), Value::Boolean(c.parallel));
                ct.insert("via".into(), s(c.via.name()));
                ct.insert("timeout".into(), d(c.timeout_ns));
                ct.insert("retries".into(), i(c.retries));
                Value::Table(ct)
            })
            .collect();
        if !calls.is_empty() {
            t.insert("call".into(), Value::Array(calls));
        }
        Value::Table(t)
    });
    Value::Array(services.collect())
}

/// A mix of URLs: each URL with a share.
fn mix_table(map: &services::UrlMap, shares: &[f64]) -> Value {
    let mut t = Table::new();
    for ((url, _), &x) in map.urls.iter().zip(shares) {
        if x > 0.0 {
            t.insert(url.clone(), f(x));
        }
    }
    Value::Table(t)
}

/// `[url_map]`: the default service, the rules and the default mix.
fn url_map_table(sc: &Scenario) -> Value {
    let map = &sc.url_map;
    let mut t = Table::new();
    t.insert("default_service".into(), s(&sc.services[map.default_service].name));
    if !map.mix.is_empty() {
        t.insert("mix".into(), mix_table(map, &map.mix));
    }
    let rules: Vec<Value> = map
        .rules
        .iter()
        .map(|r| {
            let mut rt = Table::new();
            if !r.hosts.is_empty() {
                rt.insert("hosts".into(), strings(r.hosts.iter().map(String::as_str)));
            }
            rt.insert("path_prefix".into(), s(&r.path_prefix));
            rt.insert("service".into(), s(&sc.services[r.service].name));
            Value::Table(rt)
        })
        .collect();
    if !rules.is_empty() {
        t.insert("rule".into(), Value::Array(rules));
    }
    Value::Table(t)
}

fn service_table(c: &ServiceConfig, t: &mut Table) {
    t.insert("concurrency".into(), i(c.concurrency));
    t.insert("cpu".into(), f(c.cpu));
    t.insert("memory_gib".into(), f(c.memory_gib));
    t.insert("min_instances".into(), i(c.min_instances));
    t.insert("max_instances".into(), i(c.max_instances));
    t.insert("cpu_target".into(), f(c.cpu_target));
    t.insert("concurrency_target".into(), f(c.concurrency_target));
    t.insert("cpu_time".into(), c.cpu_time.to_toml());
    t.insert("io_time".into(), c.io_time.to_toml());
    t.insert("cold_start".into(), c.cold_start.to_toml());
    t.insert("startup_cpu_boost".into(), Value::Boolean(c.startup_cpu_boost));
    t.insert("idle_timeout".into(), d(c.idle_timeout_ns));
    t.insert("pending_timeout".into(), d(c.pending_timeout_ns()));
    t.insert("request_timeout".into(), d(c.request_timeout_ns));
    let billing = match c.billing {
        Billing::Request => "request",
        Billing::Instance => "instance",
    };
    t.insert("billing".into(), s(billing));
}

/// The scenario as a TOML table with every key present.
pub fn to_table(sc: &Scenario) -> Table {
    let mut root = Table::new();

    let sim = &sc.simulation;
    let mut t = Table::new();
    t.insert("name".into(), s(&sim.name));
    t.insert("duration".into(), d(sim.duration_ns));
    t.insert("warmup".into(), d(sim.warmup_ns));
    t.insert("window".into(), d(sim.window_ns));
    t.insert("seed".into(), Value::Integer(sim.seed as i64));
    if let Some(start) = sim.start_utc_s {
        let (h, m, sec) = (start / 3600, start / 60 % 60, start % 60);
        let clock = if sec == 0 { format!("{h:02}:{m:02}") } else { format!("{h:02}:{m:02}:{sec:02}") };
        t.insert("start_utc".into(), Value::String(clock));
    }
    let init = match sim.initial_instances {
        InitialInstances::Min => "min",
        InitialInstances::Steady => "steady",
    };
    t.insert("initial_instances".into(), s(init));
    root.insert("simulation".into(), Value::Table(t));

    let net = &sc.network;
    let mut t = Table::new();
    let model = match &net.model {
        NetworkModel::Measured => "measured",
        NetworkModel::Route => "route",
        NetworkModel::Geo => "geo",
        NetworkModel::Matrix(m) => {
            t.insert("matrix".into(), s(&m.path.display().to_string()));
            "matrix"
        }
        NetworkModel::None => "none",
    };
    t.insert("model".into(), s(model));
    // The great circle's settings, where they are used (between regions
    // with a matrix): the backbone models fit their own, and the reader
    // warns of them there.
    if matches!(net.model, NetworkModel::Geo | NetworkModel::Matrix(_)) {
        t.insert("fiber_km_per_ms".into(), f(net.fiber_km_per_ms));
        t.insert("route_inflation".into(), f(net.route_inflation));
    }
    let edges = match net.edges {
        EdgePlacement::Google => "google",
        EdgePlacement::City => "city",
    };
    t.insert("edges".into(), s(edges));
    t.insert("access_rtt".into(), net.access_rtt.to_toml());
    t.insert("new_connection_ratio".into(), f(net.new_connection_ratio));
    t.insert("handshake_rtts".into(), i(net.handshake_rtts));
    // Only calls between services use it: without them the file keeps
    // the keys it had before services had names.
    if !matches!(net.model, NetworkModel::None) && sc.calls().next().is_some() {
        t.insert("intra_region_rtt".into(), d(net.intra_region_rtt_ns));
    }
    root.insert("network".into(), Value::Table(t));

    let lb = &sc.load_balancer;
    let mut t = Table::new();
    let routing = match lb.routing {
        Routing::Nearest => "nearest",
        Routing::NearestOverflow => "nearest-overflow",
    };
    t.insert("routing".into(), s(routing));
    t.insert("timeout".into(), d(lb.timeout_ns));
    let explicit = lb.retry.as_ref().filter(|r| !r.bodiless_only);
    t.insert("builtin_retry".into(), Value::Boolean(lb.retry.is_some()));
    let o = &lb.outlier;
    let mut ot = Table::new();
    ot.insert("enabled".into(), Value::Boolean(o.enabled));
    ot.insert("consecutive_errors".into(), i(o.consecutive_errors));
    ot.insert("enforcing_consecutive_errors".into(), i(o.enforcing_consecutive_errors));
    ot.insert("consecutive_gateway_failure".into(), i(o.consecutive_gateway_failure));
    ot.insert("enforcing_consecutive_gateway_failure".into(), i(o.enforcing_consecutive_gateway_failure));
    ot.insert("interval".into(), d(o.interval_ns));
    ot.insert("base_ejection_time".into(), d(o.base_ejection_time_ns));
    ot.insert("max_ejection_percent".into(), i(o.max_ejection_percent));
    t.insert("outlier_detection".into(), Value::Table(ot));
    let h = &lb.health;
    let mut ht = Table::new();
    ht.insert("enabled".into(), Value::Boolean(h.enabled));
    ht.insert("probe_period".into(), d(h.probe_period_ns));
    ht.insert("probe_timeout".into(), d(h.probe_timeout_ns));
    ht.insert("failure_threshold".into(), i(h.failure_threshold));
    ht.insert("healthy_share".into(), f(h.healthy_share));
    ht.insert("propagation".into(), d(h.propagation_ns));
    ht.insert("failback".into(), d(h.failback_ns));
    t.insert("service_health".into(), Value::Table(ht));
    if let Some(r) = explicit {
        t.insert("retry_policy".into(), retry_table(r));
    }
    root.insert("load_balancer".into(), Value::Table(t));

    let c = &sc.client;
    let mut t = Table::new();
    t.insert("timeout".into(), d(c.timeout_ns));
    t.insert("retries".into(), i(c.retries));
    t.insert("backoff".into(), d(c.backoff_ns));
    t.insert("backoff_max".into(), d(c.backoff_max_ns));
    t.insert(
        "jitter".into(),
        s(match c.jitter {
            Jitter::Full => "full",
            Jitter::None => "none",
        }),
    );
    let on =
        [(c.retry_on.status_429, "429"), (c.retry_on.status_5xx, "5xx"), (c.retry_on.timeout, "timeout")];
    t.insert("retry_on".into(), strings(on.iter().filter(|(b, _)| *b).map(|(_, n)| *n)));
    t.insert("body_share".into(), f(c.body_share));
    root.insert("client".into(), Value::Table(t));

    if sc.services_declared {
        root.insert("service".into(), services_tables(sc));
        root.insert("url_map".into(), url_map_table(sc));
    } else {
        let mut t = Table::new();
        service_table(&sc.service, &mut t);
        root.insert("service".into(), Value::Table(t));
    }

    let regions = sc
        .regions
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            let mut t = Table::new();
            t.insert("name".into(), s(&r.name));
            t.insert("lat".into(), f(r.lat));
            t.insert("lon".into(), f(r.lon));
            if !sc.services_declared {
                service_table(&sc.deployments[ri].config, &mut t);
            }
            Value::Table(t)
        })
        .collect();
    root.insert("region".into(), Value::Array(regions));

    let cities = sc
        .cities
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut t = Table::new();
            t.insert("name".into(), s(&c.name));
            t.insert("lat".into(), f(c.lat));
            t.insert("lon".into(), f(c.lon));
            t.insert("rps".into(), f(c.rps));
            match c.profile {
                Profile::Flat => {
                    t.insert("profile".into(), s("flat"));
                }
                Profile::Diurnal { min_ratio, peak_local_hour } => {
                    t.insert("profile".into(), s("diurnal"));
                    t.insert("min_ratio".into(), f(min_ratio));
                    t.insert("peak_local_hour".into(), f(peak_local_hour));
                }
            }
            t.insert("utc_offset".into(), f(c.utc_offset_h));
            let arrival = match c.arrival {
                Arrival::Poisson => "poisson",
                Arrival::Uniform => "uniform",
            };
            t.insert("arrival".into(), s(arrival));
            if net.edges == EdgePlacement::Google {
                t.insert("edge".into(), s(&sc.edge_locations[c.edge].name));
            }
            if let Some(Some(m)) = sc.url_map.city_mix.get(ci) {
                t.insert("mix".into(), mix_table(&sc.url_map, m));
            }
            Value::Table(t)
        })
        .collect();
    root.insert("city".into(), Value::Array(cities));
    let own: Vec<Value> = sc
        .edge_locations
        .iter()
        .filter(|e| e.custom)
        .map(|e| {
            let mut t = Table::new();
            t.insert("name".into(), s(&e.name));
            t.insert("lat".into(), f(e.lat));
            t.insert("lon".into(), f(e.lon));
            if let Some(c) = &e.country {
                t.insert("country".into(), s(c));
            }
            Value::Table(t)
        })
        .collect();
    if !own.is_empty() {
        root.insert("edge_location".into(), Value::Array(own));
    }

    if !sc.dependencies.is_empty() {
        let deps = sc
            .dependencies
            .iter()
            .map(|dep| {
                let mut t = Table::new();
                t.insert("name".into(), s(&dep.name));
                t.insert("leader".into(), s(&dep.leader.name));
                t.insert("replicas".into(), strings(dep.replicas.iter().map(|p| p.name.as_str())));
                t.insert("reads".into(), i(dep.reads));
                let mode = match dep.read_mode {
                    ReadMode::Strong => "strong",
                    ReadMode::Stale => "stale",
                };
                t.insert("read_mode".into(), s(mode));
                t.insert("writes".into(), i(dep.writes));
                t.insert("latency".into(), dep.latency.to_toml());
                Value::Table(t)
            })
            .collect();
        root.insert("dependency".into(), Value::Array(deps));
    }

    if !sc.outages.is_empty() || !sc.dependency_outages.is_empty() {
        let dependency_outages = sc.dependency_outages.iter().map(|o| {
            let mut t = Table::new();
            t.insert("dependency".into(), s(&sc.dependencies[o.dependency].name));
            t.insert("start".into(), d(o.start_ns));
            t.insert("duration".into(), d(o.duration_ns));
            match &o.kind {
                DependencyOutageKind::Down => {
                    t.insert("kind".into(), s("down"));
                }
                DependencyOutageKind::Latency { extra } => {
                    t.insert("kind".into(), s("latency"));
                    t.insert("extra".into(), extra.to_toml());
                }
            }
            Value::Table(t)
        });
        let outages = sc
            .outages
            .iter()
            .map(|o| {
                let mut t = Table::new();
                t.insert("region".into(), s(&sc.regions[o.region].name));
                if let Some(svc) = o.service {
                    t.insert("service".into(), s(&sc.services[svc].name));
                }
                t.insert("start".into(), d(o.start_ns));
                t.insert("duration".into(), d(o.duration_ns));
                t.insert("kind".into(), s(o.kind.name()));
                match &o.kind {
                    OutageKind::Down => {}
                    OutageKind::Errors { rate, status } => {
                        t.insert("rate".into(), f(*rate));
                        t.insert("status".into(), i(*status));
                    }
                    OutageKind::Latency { extra } => {
                        t.insert("extra".into(), extra.to_toml());
                    }
                    OutageKind::Capacity { max_instances } => {
                        t.insert("max_instances".into(), i(*max_instances));
                    }
                    OutageKind::ColdStart { multiplier } => {
                        t.insert("multiplier".into(), f(*multiplier));
                    }
                }
                Value::Table(t)
            })
            .chain(dependency_outages)
            .collect();
        root.insert("outage".into(), Value::Array(outages));
    }

    if !sc.traffic.is_empty() {
        let files = sc
            .traffic
            .iter()
            .map(|tf| {
                let mut t = Table::new();
                t.insert("file".into(), s(&tf.file));
                let interpolation = match tf.interpolation {
                    super::curve::Interpolation::Linear => "linear",
                    super::curve::Interpolation::Step => "step",
                };
                t.insert("interpolation".into(), s(interpolation));
                t.insert("scale".into(), f(tf.scale));
                if let Some(from) = &tf.from {
                    t.insert("from".into(), s(from));
                }
                t.insert("shift".into(), d(tf.shift_ns));
                t.insert("at_end".into(), s(if tf.looped { "loop" } else { "clip" }));
                Value::Table(t)
            })
            .collect();
        root.insert("traffic".into(), Value::Array(files));
    }
    if !sc.replays.is_empty() {
        let files = sc
            .replays
            .iter()
            .map(|r| {
                let mut t = Table::new();
                t.insert("file".into(), s(&r.path.display().to_string()));
                if let Some(from) = &r.from {
                    t.insert("from".into(), s(from));
                }
                t.insert("shift".into(), d(r.shift_ns));
                t.insert("scale".into(), f(r.scale));
                Value::Table(t)
            })
            .collect();
        root.insert("replay".into(), Value::Array(files));
    }
    if !sc.surges.is_empty() {
        let surges = sc
            .surges
            .iter()
            .map(|g| {
                let mut t = Table::new();
                let city = g.city.map_or("*", |c| sc.cities[c].name.as_str());
                t.insert("city".into(), s(city));
                t.insert("start".into(), d(g.start_ns));
                t.insert("duration".into(), d(g.duration_ns));
                t.insert("multiplier".into(), f(g.multiplier));
                Value::Table(t)
            })
            .collect();
        root.insert("surge".into(), Value::Array(surges));
    }

    if let Some(slo) = &sc.slo {
        let mut t = Table::new();
        if let Some(a) = slo.availability {
            t.insert("availability".into(), f(a));
        }
        if let Some(p) = slo.latency_p99_ns {
            t.insert("latency_p99".into(), d(p));
        }
        root.insert("slo".into(), Value::Table(t));
    }

    let e = &sc.edge;
    let mut t = Table::new();
    t.insert("cdn_hit_ratio".into(), f(e.cdn_hit_ratio));
    t.insert("cdn_hit_latency".into(), e.cdn_hit_latency.to_toml());
    t.insert("armor_false_positive".into(), f(e.armor_false_positive));
    t.insert("armor_efficacy".into(), f(e.armor_efficacy));
    t.insert("proxies".into(), i(e.proxies));
    root.insert("edge".into(), Value::Table(t));
    if !sc.attacks.is_empty() {
        let attacks = sc
            .attacks
            .iter()
            .map(|a| {
                let mut t = Table::new();
                t.insert("city".into(), s(&sc.cities[a.city].name));
                t.insert("start".into(), d(a.start_ns));
                t.insert("duration".into(), d(a.duration_ns));
                t.insert("rps".into(), f(a.rps));
                let arrival = match a.arrival {
                    Arrival::Poisson => "poisson",
                    Arrival::Uniform => "uniform",
                };
                t.insert("arrival".into(), s(arrival));
                Value::Table(t)
            })
            .collect();
        root.insert("attack".into(), Value::Array(attacks));
    }

    let p = &sc.pricing;
    let mut t = Table::new();
    t.insert("request_vcpu_s".into(), f(p.request_vcpu_s));
    t.insert("request_gib_s".into(), f(p.request_gib_s));
    t.insert("idle_vcpu_s".into(), f(p.idle_vcpu_s));
    t.insert("idle_gib_s".into(), f(p.idle_gib_s));
    t.insert("per_million_requests".into(), f(p.per_million_requests));
    t.insert("instance_vcpu_s".into(), f(p.instance_vcpu_s));
    t.insert("instance_gib_s".into(), f(p.instance_gib_s));
    t.insert("tier2_factor".into(), f(p.tier2_factor));
    t.insert("forwarding_rules".into(), i(p.forwarding_rules));
    t.insert("forwarding_rule_hour".into(), f(p.forwarding_rule_hour));
    t.insert("lb_data_gib".into(), f(p.lb_data_gib));
    t.insert("request_kib".into(), f(p.request_kib));
    t.insert("response_kib".into(), f(p.response_kib));
    root.insert("pricing".into(), Value::Table(t));
    root
}

/// The resolved scenario as TOML text, with a header saying what it is.
pub fn to_string(sc: &Scenario) -> String {
    let body = toml::to_string(&to_table(sc)).unwrap_or_else(|e| format!("# could not serialise: {e}\n"));
    format!(
        "# {} resolved by negsim {}: every default filled in.\n# Running this file gives the same results as the original.\n\n{body}",
        sc.file.display(),
        env!("CARGO_PKG_VERSION"),
    )
}

/// The name of the copy of an RTT matrix in a run's output folder.
pub const MATRIX_COPY: &str = "rtt-matrix.csv";

/// The files that reproduce `sc` from an output folder alone:
/// `scenario.resolved.toml`'s text and, for `network.model = "matrix"`,
/// the round trips as read, as [`MATRIX_COPY`] (which the text names), so
/// the folder does not depend on the matrix file staying where it was.
pub fn for_folder(sc: &Scenario) -> (String, Option<String>) {
    let NetworkModel::Matrix(m) = &sc.network.model else { return (to_string(sc), None) };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows = vec![["from".to_string(), "to".to_string(), "rtt_ms".to_string()]];
    for (city, row) in sc.cities.iter().zip(&m.city_region_ms) {
        for (region, ms) in sc.regions.iter().zip(row) {
            // `{}` writes the shortest text that reads back as the same f64.
            rows.push([city.name.clone(), region.name.clone(), format!("{ms}")]);
        }
    }
    for r in &rows {
        w.write_record(r).expect("writing to memory does not fail");
    }
    let csv = String::from_utf8(w.into_inner().expect("writing to memory does not fail"))
        .expect("the fields are UTF-8");
    let mut copy = sc.clone();
    if let NetworkModel::Matrix(m) = &mut copy.network.model {
        m.path = MATRIX_COPY.into();
    }
    (to_string(&copy), Some(csv))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn resolved_scenario_reads_back_to_the_same_scenario() {
        let text = r#"
            [simulation]
            duration = "90m"
            warmup = "5m"
            start_utc = "06:30"
            [network]
            access_rtt = { dist = "gamma", mean = "9ms", cv = 0.7 }
            new_connection_ratio = 0.25
            [load_balancer.retry_policy]
            retry_conditions = ["gateway-error"]
            [client]
            retries = 2
            retry_on = ["5xx"]
            [service]
            max_instances = 40
            billing = "instance"
            io_time = { dist = "uniform", min = "1ms", max = "9ms" }
            [[region]]
            name = "us-central1"
            max_instances = 7
            [[region]]
            name = "edge-lab"
            lat = 10.5
            lon = -20.25
            [[city]]
            name = "Chicago"
            profile = "diurnal"
            [[city]]
            name = "Sao Paulo"
            arrival = "uniform"
            [[outage]]
            region = "us-central1"
            start = "10m"
            duration = "5m"
            kind = "errors"
            rate = 0.5
            [[surge]]
            city = "*"
            start = "20m"
            duration = "1m"
            multiplier = 3
            [slo]
            availability = 0.999
            [pricing]
            request_kib = 4
            forwarding_rules = 2
            [[dependency]]
            name = "db"
            leader = "us-east4"
            replicas = ["us-central1", "edge-lab"]
            writes = 2
            [[outage]]
            dependency = "db"
            start = "10m"
            duration = "1m"
            kind = "latency"
            extra = "40ms"
            [edge]
            cdn_hit_ratio = 0.25
            armor_efficacy = 0.9
            [[attack]]
            city = "Chicago"
            start = "5m"
            duration = "10m"
            rps = 500
        "#;
        let first = from_str(Path::new("a.toml"), text, &Overrides::default()).unwrap().scenario;
        let written = to_string(&first);
        let second = from_str(Path::new("a.toml"), &written, &Overrides::default())
            .unwrap_or_else(|e| panic!("{e}\n{written}"))
            .scenario;
        assert_eq!(to_string(&second), written);
        assert_eq!(second.deployments[0].config.max_instances, 7);
        assert_eq!(second.deployments[1].config.max_instances, 40);
        assert_eq!(second.simulation.start_utc_s, Some(6 * 3600 + 30 * 60));
    }
}
