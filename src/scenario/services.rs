//! Several services behind one URL map: `[[service]]`, `[url_map]` and
//! the calls between services.
//!
//! A scenario with one `[service]` table has one backend service, named
//! `service`, deployed in every `[[region]]` with that region's overrides:
//! what it meant before services had names, with the same outputs. A
//! scenario with `[[service]]` entries has several, each deployed in the
//! regions it lists (every region by default), each deployment (a Cloud
//! Run service in one region, behind its serverless NEG) with the
//! service's settings and its `[[service.region]]` overrides. The URL map
//! sends each user request to a backend service by its host and path; a
//! service's request may call other services, directly in its own region
//! or through the load balancer.

use super::diag::{echo, hint};
use super::reader::describe;
use super::reader::{Rule, Section};
use super::validate::{SERVICE_KEYS, read_retry_policy, read_service};
use super::{Region, RetryPolicy, ServiceConfig};
use crate::engine::time::{NS_PER_MS, NS_PER_S};
use toml::Value;

/// The name of the one backend service of a scenario with `[service]`.
pub const SINGLE_SERVICE: &str = "service";

/// Most services one scenario may have.
pub const MAX_SERVICES: usize = 64;

/// Most calls one `[[service.call]]` may make per request.
pub const MAX_CALL_COUNT: u32 = 100;

/// A backend service: the one `[service]`, or one `[[service]]`.
#[derive(Clone, Debug)]
pub struct Service {
    /// Its name (`service` for a scenario with one `[service]`).
    pub name: String,
    /// Calls each of its requests makes, in order.
    pub calls: Vec<CallSpec>,
    /// Cloud CDN's hit ratio for its requests; `None`: `[edge]`'s.
    pub cdn_hit_ratio: Option<f64>,
    /// Cloud Armor's false positives on its requests; `None`: `[edge]`'s.
    pub armor_false_positive: Option<f64>,
    /// Its backend service's own retry policy; `None`: `[load_balancer]`'s.
    pub retry: Option<RetryPolicy>,
}

/// A service in one region: a Cloud Run service behind its serverless NEG.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    /// The region's name for a scenario with one `[service]`, else
    /// `service@region`.
    pub name: String,
    /// Index into `Scenario::services`.
    pub service: usize,
    /// Index into `Scenario::regions`.
    pub region: usize,
    /// Its effective Cloud Run settings.
    pub config: ServiceConfig,
}

/// How a call reaches the service it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Straight to the callee's Cloud Run service in the caller's region
    /// (or the closest region that has it), as services on `run.app` URLs
    /// call each other: no load balancer, no outlier detection.
    Direct,
    /// Through the load balancer (the callee's path on the URL map), from
    /// the edge in the caller's region: outlier detection, the callee's
    /// retry policy and `nearest-overflow` apply.
    LoadBalancer,
}

impl Via {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Via::Direct => "direct",
            Via::LoadBalancer => "load-balancer",
        }
    }
}

/// One `[[service.call]]`: calls a request of the caller makes.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSpec {
    /// The service called (index into `Scenario::services`).
    pub service: usize,
    /// How many calls, when made.
    pub count: u32,
    /// The chance, per request, that the calls are made.
    pub probability: f64,
    /// Made together with the neighbouring parallel calls (the caller
    /// waits for all of them), rather than one after another.
    pub parallel: bool,
    /// How the call travels.
    pub via: Via,
    /// The caller's timeout for each attempt.
    pub timeout_ns: u64,
    /// The caller's retries after an error, a 429 or a timeout.
    pub retries: u32,
}

/// One `[[url_map.rule]]`: requests whose host is one of `hosts` (the
/// hosts no rule lists, when empty) and whose path starts with
/// `path_prefix` go to `service` (see [`UrlMap::route`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PathRule {
    pub hosts: Vec<String>,
    pub path_prefix: String,
    pub service: usize,
}

/// `[url_map]`: the rules, and the requests' URLs with their shares.
#[derive(Clone, Debug, PartialEq)]
pub struct UrlMap {
    /// Where a URL no rule matches goes.
    pub default_service: usize,
    /// Path rules (the longest matching prefix wins: [`UrlMap::route`]).
    pub rules: Vec<PathRule>,
    /// Each URL of the mixes (`host/path` or `/path`), with the service
    /// the rules send it to.
    pub urls: Vec<(String, usize)>,
    /// The default mix: each URL's share of a city's requests.
    pub mix: Vec<f64>,
    /// Cities' own mixes (`[[city]] mix`), by city index.
    pub city_mix: Vec<Option<Vec<f64>>>,
}

impl UrlMap {
    /// All requests to `service`: the map of a scenario with one service.
    pub fn single(cities: usize) -> Self {
        UrlMap {
            default_service: 0,
            rules: Vec::new(),
            urls: Vec::new(),
            mix: Vec::new(),
            city_mix: vec![None; cities],
        }
    }

    /// The service a URL goes to, as the load balancer's URL map picks
    /// it: the rules that list the URL's host if any do (its host rule's
    /// path matcher), else the rules that list no host; among those, the
    /// longest `path_prefix` the path starts with ("matches are always done
    /// on the longest-path-first basis", Compute API `PathMatcher.pathRules`,
    /// read 2026-12-06; equal prefixes: the first listed); else the default
    /// service.
    pub fn route(&self, url: &str) -> usize {
        let (host, path) = split_url(url);
        let listed = |r: &PathRule| host.is_some_and(|h| r.hosts.iter().any(|x| x.eq_ignore_ascii_case(h)));
        let by_host = self.rules.iter().any(listed);
        self.rules
            .iter()
            .filter(|r| if by_host { listed(r) } else { r.hosts.is_empty() })
            .filter(|r| path.starts_with(&r.path_prefix))
            .fold(None::<&PathRule>, |best, r| match best {
                Some(b) if b.path_prefix.len() >= r.path_prefix.len() => Some(b),
                _ => Some(r),
            })
            .map_or(self.default_service, |r| r.service)
    }

    /// City `city`'s share of requests to each service (by service index),
    /// for `n` services; empty mixes send everything to the default.
    pub fn service_shares(&self, city: usize, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n];
        let mix = self.city_mix.get(city).and_then(Option::as_ref).unwrap_or(&self.mix);
        if mix.is_empty() {
            out[self.default_service] = 1.0;
            return out;
        }
        for (share, (_, s)) in mix.iter().zip(&self.urls) {
            out[*s] += share;
        }
        out
    }
}

/// `host/path` or `/path` as (host, path).
fn split_url(url: &str) -> (Option<&str>, &str) {
    if url.starts_with('/') {
        return (None, url);
    }
    match url.find('/') {
        Some(i) => (Some(&url[..i]), &url[i..]),
        None => (Some(url), "/"),
    }
}

/// Everything about services a scenario says.
pub struct Services {
    pub services: Vec<Service>,
    pub deployments: Vec<Deployment>,
    /// Whether the scenario names its services (`[[service]]`).
    pub declared: bool,
}

/// The one service of a scenario with `[service]`, in every region, with
/// each region's settings (`configs`).
pub fn single(regions: &[Region], configs: &[ServiceConfig]) -> Services {
    Services {
        services: vec![Service {
            name: SINGLE_SERVICE.to_string(),
            calls: Vec::new(),
            cdn_hit_ratio: None,
            armor_false_positive: None,
            retry: None,
        }],
        deployments: regions
            .iter()
            .enumerate()
            .zip(configs)
            .map(|((i, r), c)| Deployment { name: r.name.clone(), service: 0, region: i, config: c.clone() })
            .collect(),
        declared: false,
    }
}

/// Whether a service or region name can be part of a deployment name.
fn check_service_name(s: &Section<'_>, name: &str) -> bool {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !ok {
        s.error(
            "name",
            format!(
                "\"{}\" is not a Cloud Run service name: 1 to 63 lowercase letters, digits and hyphens, starting with a letter",
                echo(name, 80)
            ),
        );
    }
    ok
}

/// An array of region names at `key`, as indices into `regions`.
fn region_list(s: &mut Section<'_>, key: &'static str, regions: &[Region]) -> Option<Vec<usize>> {
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let at = s.key_path(key);
    let value = s.get(key)?;
    let Value::Array(items) = value else {
        s.error(key, format!("expected an array of region names, found {}", describe(value)));
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{at}[{i}]");
        match item {
            Value::String(n) => match names.iter().position(|r| r.eq_ignore_ascii_case(n)) {
                Some(r) if out.contains(&r) => s.diag().error(&p, format!("\"{n}\" is listed twice")),
                Some(r) => out.push(r),
                None => s.diag().error(
                    &p,
                    format!(
                        "\"{}\" is not one of this scenario's regions ({}){}",
                        echo(n, 80),
                        names.join(", "),
                        hint(n, &names)
                    ),
                ),
            },
            other => s.diag().error(&p, format!("expected a region name, found {}", describe(other))),
        }
    }
    Some(out)
}

/// A call as read, before the callee's name is known to be a service.
struct RawCall {
    callee: String,
    spec: CallSpec,
    path: String,
}

/// Reads every `[[service]]` of a scenario whose `service` is an array of
/// tables: the services and their deployments in `regions`.
pub fn read_services(root: &mut Section<'_>, regions: &[Region], lb_timeout_ns: u64) -> Services {
    let sections = root.sections("service");
    if sections.len() > MAX_SERVICES {
        root.diag().error_at_key(
            "service",
            format!("{} services given; at most {MAX_SERVICES} are supported", sections.len()),
        );
    }
    let defaults = super::validate::default_service();
    let mut services: Vec<Service> = Vec::new();
    let mut deployments: Vec<Deployment> = Vec::new();
    let mut raw_calls: Vec<Vec<RawCall>> = Vec::new();
    for mut s in sections {
        let name = s.opt_string("name").filter(|n| check_service_name(&s, n));
        if name.is_none() && !s.has("name") {
            s.missing("name", "the service's name, e.g. \"checkout\"");
        }
        if let Some(n) = name
            && services.iter().any(|x| x.name == n)
        {
            s.error("name", format!("service \"{n}\" is listed twice"));
        }
        let config = read_service(&mut s, &defaults, false);
        let listed = region_list(&mut s, "regions", regions);
        if listed.as_ref().is_some_and(Vec::is_empty) {
            s.error("regions", "a service is deployed in at least one region; list one or leave `regions` out (every [[region]])");
        }
        let cdn_hit_ratio = s.opt_number("cdn_hit_ratio", Rule::Between(0.0, 1.0));
        let armor_false_positive = s.opt_number("armor_false_positive", Rule::Between(0.0, 1.0));
        let mut r = s.section("retry_policy");
        let retry = r.is_present().then(|| read_retry_policy(&mut r, lb_timeout_ns));
        r.finish();
        // In [[region]] order, as the output rows are.
        let mut in_regions: Vec<usize> = listed.unwrap_or_else(|| (0..regions.len()).collect());
        in_regions.sort_unstable();
        let mut overridden: Vec<usize> = Vec::new();
        let mut configs: Vec<(usize, ServiceConfig)> =
            in_regions.iter().map(|&r| (r, config.clone())).collect();
        for mut o in s.sections("region") {
            let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
            let region = super::validate::region_named(
                &mut o,
                "name",
                &names,
                "the region these settings apply in, one of the service's regions",
            );
            let cfg = read_service(&mut o, &config, true);
            if let Some(r) = region
                && overridden.contains(&r)
            {
                o.error(
                    "name",
                    format!(
                        "{} has a second [[service.region]] in this service; give its settings once",
                        regions[r].name
                    ),
                );
            } else if let Some(r) = region {
                overridden.push(r);
                match configs.iter_mut().find(|(x, _)| *x == r) {
                    Some(c) => c.1 = cfg,
                    None => o.error(
                        "name",
                        format!(
                            "the service is not deployed in {}; its regions are {}",
                            regions[r].name,
                            in_regions
                                .iter()
                                .map(|&i| regions[i].name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                }
            }
            o.finish();
        }
        let mut calls = Vec::new();
        for mut c in s.sections("call") {
            let callee = c.opt_string("service");
            if callee.is_none() && !c.has("service") {
                c.missing("service", "the name of the [[service]] called");
            }
            let count = c.integer("count", 1, 1, i64::from(MAX_CALL_COUNT)) as u32;
            let probability = c.number("probability", 1.0, Rule::AboveUpTo(0.0, 1.0));
            let parallel = c.boolean("parallel", false);
            let via = c.choice(
                "via",
                Via::Direct,
                &[("direct", Via::Direct), ("load-balancer", Via::LoadBalancer)],
            );
            let timeout_ns = c.duration("timeout", 30 * NS_PER_S, Rule::Above(0.0));
            let retries = c.integer("retries", 0, 0, 10) as u32;
            if let Some(callee) = callee {
                calls.push(RawCall {
                    callee: callee.to_string(),
                    spec: CallSpec { service: 0, count, probability, parallel, via, timeout_ns, retries },
                    path: c.key_path("service"),
                });
            }
            c.finish();
        }
        if let Some(name) = name {
            let si = services.len();
            for (region, config) in configs {
                deployments.push(Deployment {
                    name: format!("{name}@{}", regions[region].name),
                    service: si,
                    region,
                    config,
                });
            }
            services.push(Service {
                name: name.to_string(),
                calls: Vec::new(),
                cdn_hit_ratio,
                armor_false_positive,
                retry,
            });
            raw_calls.push(calls);
        }
        s.finish();
    }
    if services.is_empty() && !root.diag().has_errors() {
        root.diag().error_at_key("service", "at least one [[service]] with a name is required");
    }
    // Deployments in region order within each service, services in file
    // order: the order of the output rows.
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for (si, calls) in raw_calls.into_iter().enumerate() {
        for raw in calls {
            match names.iter().position(|n| *n == raw.callee) {
                Some(callee) => {
                    services[si].calls.push(CallSpec { service: callee, ..raw.spec });
                }
                None => root.diag().error(
                    &raw.path,
                    format!(
                        "\"{}\" is not one of this scenario's services ({}){}",
                        echo(&raw.callee, 80),
                        names.join(", "),
                        hint(&raw.callee, &name_refs)
                    ),
                ),
            }
        }
    }
    if let Some(cycle) = find_cycle(&services) {
        let path: Vec<&str> = cycle.iter().map(|&i| services[i].name.as_str()).collect();
        let first = cycle[0];
        let k = services[first].calls.iter().position(|c| c.service == cycle[1]).unwrap_or(0);
        root.diag().error(
            &format!("service[{first}].call[{k}].service"),
            format!(
                "calls between services form a cycle: {}; a request would call itself without end (negsim needs a call graph without cycles)",
                path.join(" → ")
            ),
        );
    }
    Services { services, deployments, declared: true }
}

/// A cycle in the call graph, as the services on it with the first repeated
/// at the end, if there is one.
pub fn find_cycle(services: &[Service]) -> Option<Vec<usize>> {
    // 0: unvisited, 1: on the stack, 2: done.
    fn visit(s: usize, services: &[Service], state: &mut [u8], stack: &mut Vec<usize>) -> Option<Vec<usize>> {
        state[s] = 1;
        stack.push(s);
        for c in &services[s].calls {
            match state[c.service] {
                1 => {
                    let from = stack.iter().position(|&x| x == c.service).expect("on the stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(c.service);
                    return Some(cycle);
                }
                0 => {
                    if let Some(found) = visit(c.service, services, state, stack) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state[s] = 2;
        None
    }
    let mut state = vec![0u8; services.len()];
    let mut stack = Vec::new();
    (0..services.len())
        .find_map(|s| if state[s] == 0 { visit(s, services, &mut state, &mut stack) } else { None })
}

/// Rejects service settings in `[[region]]` when the scenario has
/// `[[service]]` (they belong in `[[service.region]]`).
pub fn refuse_region_settings(s: &Section<'_>) {
    for key in SERVICE_KEYS {
        if s.table_has(key) {
            s.error(
                key,
                "with [[service]], per-region settings go in that service's [[service.region]] (name = the region); [[region]] only places the region",
            );
        }
    }
}

/// Reads a mix: a table of URL → share, the shares summing to 1.
fn read_mix(
    diag: &super::diag::Diag<'_>,
    at: &str,
    value: &Value,
    urls: &mut Vec<String>,
) -> Option<Vec<(usize, f64)>> {
    let Value::Table(t) = value else {
        diag.error(
            at,
            format!(
                "expected a table of URL = share, e.g. {{ \"/\" = 0.8, \"/api/cart\" = 0.2 }}, found {}",
                describe(value)
            ),
        );
        return None;
    };
    if t.is_empty() {
        diag.error(at, "a mix gives at least one URL its share");
        return None;
    }
    let mut out = Vec::new();
    let mut sum = 0.0;
    for (url, share) in t {
        let p = format!("{at}.\"{url}\"");
        if url.is_empty() || url.chars().any(char::is_whitespace) {
            diag.error(&p, "a URL is a path such as \"/api/cart\", or a host and path such as \"shop.example.com/api/cart\", without spaces");
            continue;
        }
        let x = match share {
            Value::Float(x) => *x,
            Value::Integer(i) => *i as f64,
            other => {
                diag.error(&p, format!("expected a share between 0 and 1, found {}", describe(other)));
                continue;
            }
        };
        if !(0.0..=1.0).contains(&x) || !x.is_finite() {
            diag.error(&p, format!("a share is between 0 and 1, found {x}"));
            continue;
        }
        sum += x;
        let i = urls.iter().position(|u| u == url).unwrap_or_else(|| {
            urls.push(url.clone());
            urls.len() - 1
        });
        out.push((i, x));
    }
    if (sum - 1.0).abs() > 1e-6 && !out.is_empty() {
        let shown = super::reader::show_number((sum * 1e9).round() / 1e9);
        diag.error(at, format!("the shares add up to {shown}; they must add up to 1"));
        return None;
    }
    Some(out)
}

/// Reads `[url_map]` and each city's `mix` (`city_mix`, raw, by city).
pub fn read_url_map(
    root: &mut Section<'_>,
    services: &[Service],
    declared: bool,
    city_mix: &[Option<(String, &Value)>],
) -> UrlMap {
    let mut s = root.section("url_map");
    if !declared {
        if s.is_present() {
            s.error("", "[url_map] sends paths to named services: it needs [[service]] entries instead of one [service]");
        }
        for (path, _) in city_mix.iter().flatten() {
            root.diag().error(path, "a city's mix of URLs needs [url_map] and [[service]] entries");
        }
        s.accept_all();
        s.finish();
        return UrlMap::single(city_mix.len());
    }
    let names: Vec<&str> = services.iter().map(|x| x.name.as_str()).collect();
    let service_named = |s: &mut Section<'_>, key: &'static str| -> Option<usize> {
        let n = s.opt_string(key)?;
        let i = names.iter().position(|x| *x == n);
        if i.is_none() {
            s.error(
                key,
                format!(
                    "\"{}\" is not one of this scenario's services ({}){}",
                    echo(n, 80),
                    names.join(", "),
                    hint(n, &names)
                ),
            );
        }
        i
    };
    let default_service = if s.table_has("default_service") {
        service_named(&mut s, "default_service")
    } else {
        let _ = s.has("default_service");
        Some(0)
    };
    let mut rules = Vec::new();
    for mut r in s.sections("rule") {
        let hosts = match r.get("hosts") {
            None => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_str) => {
                items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
            }
            Some(other) => {
                r.error("hosts", format!("expected an array of host names, found {}", describe(other)));
                Vec::new()
            }
        };
        let prefix = r.opt_string("path_prefix");
        match prefix {
            Some(p) if !p.starts_with('/') => {
                r.error("path_prefix", format!("a path prefix starts with \"/\", found \"{}\"", echo(p, 80)))
            }
            None if !r.has("path_prefix") => {
                r.missing("path_prefix", "the start of the paths it matches, e.g. \"/api/cart\"")
            }
            _ => {}
        }
        let service = service_named(&mut r, "service");
        if service.is_none() && !r.has("service") {
            r.missing("service", "the [[service]] its requests go to");
        }
        if let (Some(p), Some(service)) = (prefix, service) {
            rules.push(PathRule { hosts, path_prefix: p.to_string(), service });
        }
        r.finish();
    }
    let mut urls: Vec<String> = Vec::new();
    let mix_at = s.key_path("mix");
    let mix = s.get("mix").and_then(|v| read_mix(s.diag(), &mix_at, v, &mut urls));
    let mut cities: Vec<Option<Vec<(usize, f64)>>> = Vec::new();
    for m in city_mix {
        cities.push(m.as_ref().and_then(|(path, v)| read_mix(s.diag(), path, v, &mut urls)));
    }
    s.finish();
    let default_service = default_service.unwrap_or(0);
    let dense = |m: &[(usize, f64)]| {
        let mut v = vec![0.0; urls.len()];
        for &(i, x) in m {
            v[i] = x;
        }
        v
    };
    let mut map = UrlMap {
        default_service,
        rules,
        urls: Vec::new(),
        mix: mix.as_deref().map(dense).unwrap_or_default(),
        city_mix: cities.iter().map(|m| m.as_deref().map(dense)).collect(),
    };
    map.urls = urls.iter().map(|u| (u.clone(), map.route(u))).collect();
    map
}

/// The default time of a call inside one region (between zones): Google
/// gives under 5 ms at the 95th percentile between a region's zones
/// (geography-and-regions, read 2026-12-06); 1 ms is a typical round trip.
pub const INTRA_REGION_RTT_NS: u64 = NS_PER_MS;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(hosts: &[&str], prefix: &str, service: usize) -> PathRule {
        PathRule { hosts: hosts.iter().map(|h| h.to_string()).collect(), path_prefix: prefix.into(), service }
    }

    #[test]
    fn the_longest_prefix_of_the_hosts_path_matcher_wins() {
        let map = UrlMap {
            default_service: 0,
            rules: vec![
                rule(&[], "/api", 1),
                rule(&[], "/api/cart", 2),
                rule(&["shop.example.com"], "/", 3),
                rule(&["shop.example.com"], "/api/pay", 4),
            ],
            urls: Vec::new(),
            mix: Vec::new(),
            city_mix: Vec::new(),
        };
        // Longest first, whatever the order.
        assert_eq!(map.route("/api/cart/items"), 2);
        assert_eq!(map.route("/api/catalogue"), 1);
        assert_eq!(map.route("/"), 0, "no rule: the default service");
        // A host some rule lists uses only its rules.
        assert_eq!(map.route("shop.example.com/api/pay/now"), 4);
        assert_eq!(map.route("shop.example.com/api/cart"), 3);
        assert_eq!(map.route("SHOP.example.com/x"), 3, "hosts compare without case");
        // A host no rule lists uses the rules without hosts.
        assert_eq!(map.route("other.example.com/api/cart"), 2);
    }

    #[test]
    fn a_cycle_is_found_and_named_from_its_start() {
        let call = |service| CallSpec {
            service,
            count: 1,
            probability: 1.0,
            parallel: false,
            via: Via::Direct,
            timeout_ns: 1,
            retries: 0,
        };
        let svc = |calls: Vec<CallSpec>| Service {
            name: String::new(),
            calls,
            cdn_hit_ratio: None,
            armor_false_positive: None,
            retry: None,
        };
        let chain = vec![svc(vec![call(1)]), svc(vec![call(2)]), svc(vec![])];
        assert_eq!(find_cycle(&chain), None);
        let looped = vec![svc(vec![call(1)]), svc(vec![call(2)]), svc(vec![call(1)])];
        assert_eq!(find_cycle(&looped), Some(vec![1, 2, 1]));
        let own = vec![svc(vec![call(0)])];
        assert_eq!(find_cycle(&own), Some(vec![0, 0]));
    }
}
