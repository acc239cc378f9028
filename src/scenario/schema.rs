//! The JSON Schema of the scenario format, generated from the reader.
//!
//! The reader ([`super::validate`]) is the only definition of the format.
//! To describe it, negsim reads [`EXEMPLAR`] (every section, one array
//! entry of each kind) with a recording [`Diag`](super::diag::Diag), which
//! notes every key the reader asks for and what it accepts (type, bounds,
//! choices, default), and turns the notes into a JSON Schema (draft-07,
//! which editors read widely). A key the reader learns is in the schema the moment it is
//! read; `negsim schema` prints it. Editors that read JSON Schema for TOML
//! (Taplo, "Even Better TOML") give completion and checks with it; see the
//! docs/how-to.md.

use super::diag::{Noted, Ty};
use super::reader::Rule;
use super::units::format_duration;
use serde_json::{Map, Value, json};

/// A scenario with every section and one array entry of each kind, so that
/// the reader asks for every key. (Not an example to run.)
pub const EXEMPLAR: &str = r#"
[simulation]
duration = "1h"
[network]
model = "matrix"
[load_balancer]
[load_balancer.outlier_detection]
[load_balancer.service_health]
[load_balancer.retry_policy]
[client]
[service]
min_instances = 1
[[region]]
name = "us-central1"
[[city]]
name = "Chicago"
profile = "diurnal"
[[edge_location]]
name = "Nagoya"
lat = 35.18
lon = 136.91
[plan]
[plan.max_instances]
from = 1
to = 2
[plan.min_instances]
from = 0
to = 1
[[plan.region]]
name = "us-central1"
[plan.region.max_instances]
from = 1
to = 2
[plan.region.min_instances]
from = 0
to = 1
[[plan.case]]
name = "all"
down = ["us-central1"]
[[traffic]]
file = "traffic.csv"
[[replay]]
file = "requests.csv"
[[surge]]
city = "Chicago"
start = "1m"
duration = "1m"
multiplier = 2.0
[[outage]]
region = "us-central1"
start = "1m"
duration = "1m"
kind = "down"
[[outage]]
region = "us-central1"
start = "1m"
duration = "1m"
kind = "errors"
rate = 0.5
[[outage]]
region = "us-central1"
start = "1m"
duration = "1m"
kind = "latency"
extra = "1s"
[[outage]]
region = "us-central1"
start = "1m"
duration = "1m"
kind = "capacity"
max_instances = 1
[[outage]]
region = "us-central1"
start = "1m"
duration = "1m"
kind = "cold-start"
multiplier = 2.0
[[outage]]
dependency = "db"
start = "1m"
duration = "1m"
kind = "latency"
extra = "1s"
[[dependency]]
name = "db"
leader = "us-central1"
[[attack]]
city = "Chicago"
start = "1m"
duration = "1m"
rps = 1.0
[edge]
[slo]
[pricing]
"#;

/// The multi-service form: `[[service]]` with its regions, calls and
/// retry policy, `[url_map]`, a city's `mix` and an outage's `service`.
pub const EXEMPLAR_SERVICES: &str = r#"
[simulation]
duration = "1h"
[[region]]
name = "us-central1"
[[service]]
name = "frontend"
regions = ["us-central1"]
cdn_hit_ratio = 0.5
[service.retry_policy]
[[service.region]]
name = "us-central1"
[[service.call]]
service = "cart"
[[service]]
name = "cart"
[url_map]
default_service = "frontend"
mix = { "/" = 1.0 }
[[url_map.rule]]
path_prefix = "/api/cart"
service = "cart"
[[city]]
name = "Chicago"
mix = { "/" = 1.0 }
[[outage]]
region = "us-central1"
service = "cart"
start = "1m"
duration = "1m"
"#;

/// Every key the reader asks for, in both forms of a scenario (one
/// `[service]`, several `[[service]]`).
fn all_notes() -> Vec<Noted> {
    let mut notes = super::validate::record_keys(EXEMPLAR);
    for n in super::validate::record_keys(EXEMPLAR_SERVICES) {
        let same = |m: &Noted| {
            m.path == n.path
                && m.key == n.key
                && std::mem::discriminant(&m.ty) == std::mem::discriminant(&n.ty)
        };
        if !notes.iter().any(same) {
            notes.push(n);
        }
    }
    notes
}

/// What a duration string looks like (the units of `units::parse_duration`).
/// Several parts must also go from the largest unit down, each once, which
/// the pattern does not say.
const DURATION_PATTERN: &str = r"^\s*([0-9]*\.?[0-9]+\s*(ns|us|µs|ms|s|min|m|h|d)\s*)+$";

fn duration_schema() -> Value {
    json!({ "type": "string", "pattern": DURATION_PATTERN, "description": "a duration: a number and a unit (ns, us, ms, s, m, h, d), e.g. \"250ms\", or several from the largest unit down, e.g. \"1h30m\"" })
}

fn dist_schema() -> Value {
    let d = duration_schema();
    json!({
        "description": "a distribution of durations: a duration (constant), or a table with `dist` and its parameters",
        "anyOf": [
            d,
            {
                "type": "object",
                "required": ["dist"],
                "additionalProperties": false,
                "properties": {
                    "dist": { "enum": ["constant", "exponential", "lognormal", "uniform", "gamma"] },
                    "value": d, "mean": d, "median": d, "p99": d, "min": d, "max": d,
                    "cv": { "type": "number", "exclusiveMinimum": 0 }
                }
            }
        ]
    })
}

fn bounds(o: &mut Map<String, Value>, rule: Rule, scale: impl Fn(f64) -> Value) {
    match rule {
        Rule::Any => {}
        Rule::Above(lo) => {
            o.insert("exclusiveMinimum".into(), scale(lo));
        }
        Rule::AtLeast(lo) => {
            o.insert("minimum".into(), scale(lo));
        }
        Rule::Between(lo, hi) => {
            o.insert("minimum".into(), scale(lo));
            o.insert("maximum".into(), scale(hi));
        }
        Rule::AboveUpTo(lo, hi) => {
            o.insert("exclusiveMinimum".into(), scale(lo));
            o.insert("maximum".into(), scale(hi));
        }
    }
}

fn key_schema(ty: &Ty) -> Value {
    let mut o = Map::new();
    match ty {
        Ty::Duration { default, rule } => {
            let Value::Object(d) = duration_schema() else { unreachable!() };
            o = d;
            // Bounds of durations are in words: JSON Schema cannot compare strings with units.
            if let Some(rule) = rule.filter(|r| !matches!(r, Rule::Any)) {
                o.insert("description".into(), json!(format!("a duration, {}", rule.describe_duration())));
            }
            if let Some(d) = default {
                o.insert("default".into(), json!(format_duration(*d)));
            }
        }
        Ty::Number { default, rule } => {
            o.insert("type".into(), json!("number"));
            bounds(&mut o, *rule, |x| json!(x));
            if let Some(d) = default {
                o.insert("default".into(), json!(d));
            }
        }
        Ty::Integer { default, min, max } => {
            o.insert("type".into(), json!("integer"));
            o.insert("minimum".into(), json!(min));
            o.insert("maximum".into(), json!(max));
            if let Some(d) = default {
                o.insert("default".into(), json!(d));
            }
        }
        Ty::Boolean { default } => {
            o.insert("type".into(), json!("boolean"));
            o.insert("default".into(), json!(default));
        }
        Ty::Text => {
            o.insert("type".into(), json!("string"));
        }
        Ty::Choice(options) => {
            o.insert("enum".into(), json!(options));
        }
        Ty::ChoiceList(options) => {
            o.insert("type".into(), json!("array"));
            o.insert("items".into(), json!({ "enum": options }));
        }
        Ty::Dist => return dist_schema(),
        Ty::Table | Ty::Tables | Ty::Other => {}
    }
    Value::Object(o)
}

/// A section path without array indices: `region[1]` -> `region`.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => skipping = true,
            ']' => skipping = false,
            c if !skipping => out.push(c),
            _ => {}
        }
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The object schema of the section at `path`.
fn section(notes: &[Noted], path: &str) -> Value {
    let mut props = Map::new();
    for n in notes.iter().filter(|n| normalise(&n.path) == path) {
        // A key read as a table in one form and as an array of tables in
        // the other (`service`) accepts either.
        let both = notes
            .iter()
            .filter(|m| normalise(&m.path) == path && m.key == n.key)
            .any(|m| matches!((&m.ty, &n.ty), (Ty::Table, Ty::Tables) | (Ty::Tables, Ty::Table)));
        let schema = match n.ty {
            _ if both => {
                let inner = section(notes, &join(path, &n.key));
                json!({ "anyOf": [inner.clone(), { "type": "array", "items": inner }] })
            }
            Ty::Table => section(notes, &join(path, &n.key)),
            Ty::Tables => json!({ "type": "array", "items": section(notes, &join(path, &n.key)) }),
            _ => key_schema(&n.ty),
        };
        // The first note of a key wins (the same key of every array entry
        // is read the same way).
        props.entry(n.key.clone()).or_insert(schema);
    }
    json!({ "type": "object", "additionalProperties": false, "properties": props })
}

/// The JSON Schema of the scenario format, as pretty-printed JSON.
pub fn json_schema() -> String {
    let notes = all_notes();
    let mut root = section(&notes, "");
    if let Value::Object(o) = &mut root {
        o.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
        o.insert("title".into(), json!("negsim scenario"));
        o.insert(
            "description".into(),
            json!(format!(
                "The scenario format of negsim {}, generated from its reader.",
                env!("CARGO_PKG_VERSION")
            )),
        );
    }
    serde_json::to_string_pretty(&root).unwrap_or_default()
}

/// The scenario reference in Markdown (`docs/reference/scenario.md`,
/// `negsim schema --markdown`): every section and key in the order the
/// reader asks for them, with what each accepts and its default. Generated
/// from the same notes as [`json_schema`], so it cannot drift; the test
/// suite fails when the committed file is stale.
pub fn markdown_reference() -> String {
    let notes = all_notes();
    let exemplar: toml::Table = EXEMPLAR.parse().expect("the exemplar is valid TOML");
    let mut out = format!(
        "# Scenario reference\n\n\
         Generated by `negsim schema --markdown` from the scenario reader of negsim {} \
         (do not edit by hand: `NEGSIM_BLESS=1 cargo test --release reference` rewrites it). \
         Every key is optional unless its section says otherwise; a key not listed is an error. \
         Durations are a number and a unit (`ns`, `us`, `ms`, `s`, `m`, `h`, `d`), e.g. `\"250ms\"`, or several from the largest unit down, e.g. `\"1h30m\"`. \
         What each setting means, with its sources, is in [the model](../model.md).\n",
        env!("CARGO_PKG_VERSION")
    );
    // Sections in the order the reader first asks for a key in them.
    let mut sections: Vec<String> = Vec::new();
    for n in &notes {
        let path = normalise(&n.path);
        if !matches!(n.ty, Ty::Table | Ty::Tables) && !sections.contains(&path) {
            sections.push(path);
        }
    }
    for path in sections {
        let array =
            notes.iter().any(|n| matches!(n.ty, Ty::Tables) && join(&normalise(&n.path), &n.key) == path);
        let table =
            notes.iter().any(|n| matches!(n.ty, Ty::Table) && join(&normalise(&n.path), &n.key) == path);
        let heading = if path.is_empty() {
            "top level".to_string()
        } else if array && table {
            format!("`[{path}]` (one service) or `[[{path}]]` (several)")
        } else if array {
            format!("`[[{path}]]`")
        } else {
            format!("`[{path}]`")
        };
        out.push_str(&format!("\n## {heading}\n\n| key | accepts | default |\n|---|---|---|\n"));
        // Array entries of the exemplar that differ by kind: which kinds read a key.
        let entries: Vec<&toml::Table> = exemplar
            .get(&path)
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(toml::Value::as_table).collect())
            .unwrap_or_default();
        let label = |i: usize| -> Option<String> {
            let e = entries.get(i)?;
            let kind = e.get("kind")?.as_str()?;
            let of = if e.contains_key("dependency") { " (dependency)" } else { "" };
            Some(format!("`{kind}`{of}"))
        };
        let mut seen: Vec<&str> = Vec::new();
        for n in
            notes.iter().filter(|n| normalise(&n.path) == path && !matches!(n.ty, Ty::Table | Ty::Tables))
        {
            if seen.contains(&n.key.as_str()) {
                continue;
            }
            seen.push(&n.key);
            let (accepts, default) = describe_ty(&n.ty);
            // Entries (by index) whose reading asked for this key.
            let asked: Vec<usize> = notes
                .iter()
                .filter(|m| m.key == n.key && normalise(&m.path) == path)
                .filter_map(|m| {
                    m.path.rsplit_once('[').and_then(|(_, i)| i.trim_end_matches(']').parse().ok())
                })
                .collect();
            let kinds: Vec<String> = asked.iter().filter_map(|&i| label(i)).collect();
            let only = if !kinds.is_empty() && kinds.len() < (0..entries.len()).filter_map(label).count() {
                format!(" (kind {})", kinds.join(", "))
            } else {
                String::new()
            };
            out.push_str(&format!("| `{}`{only} | {accepts} | {default} |\n", n.key));
        }
    }
    out
}

/// What a key accepts and its default, in words.
fn describe_ty(ty: &Ty) -> (String, String) {
    let quoted = |v: &[String]| v.iter().map(|o| format!("`\"{o}\"`")).collect::<Vec<_>>().join(", ");
    match ty {
        Ty::Duration { default, rule } => (
            match rule.filter(|r| !matches!(r, Rule::Any)) {
                Some(r) => format!("a duration {}", r.describe_duration()),
                None => "a duration".into(),
            },
            default.map_or(String::new(), |d| format!("`\"{}\"`", format_duration(d))),
        ),
        Ty::Number { default, rule } => {
            (format!("a number, {}", rule.describe()), default.map_or(String::new(), |d| format!("`{d}`")))
        }
        Ty::Integer { default, min, max } => {
            (format!("a whole number from {min} to {max}"), default.map_or(String::new(), |d| format!("`{d}`")))
        }
        Ty::Boolean { default } => ("`true` or `false`".into(), format!("`{default}`")),
        Ty::Text => ("a name".into(), String::new()),
        Ty::Choice(options) => (format!("one of {}", quoted(options)), String::new()),
        Ty::ChoiceList(options) => (format!("a list of {}", quoted(options)), String::new()),
        Ty::Dist => (
            "a duration, or a distribution: `{ dist = ..., ... }` with `dist` one of `\"constant\"`, `\"exponential\"`, `\"lognormal\"`, `\"uniform\"`, `\"gamma\"`, `\"histogram\"`, `\"samples\"`".into(),
            String::new(),
        ),
        Ty::Table | Ty::Tables | Ty::Other => ("see the model".into(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        serde_json::from_str(&json_schema()).unwrap()
    }

    #[test]
    fn the_schema_has_every_section_and_the_keys_the_reader_asks_for() {
        let s = schema();
        let p = &s["properties"];
        for section in [
            "simulation",
            "network",
            "load_balancer",
            "client",
            "service",
            "region",
            "city",
            "outage",
            "surge",
            "dependency",
            "attack",
            "edge",
            "slo",
            "pricing",
            "edge_location",
        ] {
            assert!(p.get(section).is_some(), "{section} missing");
        }
        let service = &p["service"]["anyOf"][0]["properties"];
        assert_eq!(service["concurrency"]["maximum"], json!(1000));
        assert_eq!(service["billing"]["enum"], json!(["request", "instance"]));
        assert_eq!(p["service"]["anyOf"][1]["items"]["properties"]["call"]["type"], json!("array"));
        assert!(p["url_map"]["properties"].get("rule").is_some());
        assert_eq!(p["client"]["properties"]["timeout"]["default"], json!("30s"));
        assert_eq!(p["region"]["type"], json!("array"));
        let region = &p["region"]["items"]["properties"];
        assert!(region.get("max_instances").is_some() && region.get("lat").is_some());
        let outage = &p["outage"]["items"]["properties"];
        for key in ["region", "dependency", "kind", "rate", "extra", "max_instances", "multiplier"] {
            assert!(outage.get(key).is_some(), "outage.{key} missing");
        }
        let od = &p["load_balancer"]["properties"]["outlier_detection"]["properties"];
        assert_eq!(od["max_ejection_percent"]["default"], json!(50));
        assert!(p["network"]["properties"].get("matrix").is_some());
    }

    #[test]
    fn every_example_scenario_uses_only_keys_of_the_schema() {
        // Every key of every example, by section, is a property there.
        let s = schema();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        fn check(schema: &Value, value: &toml::Value, at: &str) {
            match value {
                toml::Value::Table(t) => {
                    let props = &schema["properties"];
                    if props.is_null() {
                        return; // a distribution or a free-form value
                    }
                    for (k, v) in t {
                        let sub = &props[k];
                        assert!(!sub.is_null(), "{at}.{k} is not in the schema");
                        check(sub, v, &format!("{at}.{k}"));
                    }
                }
                toml::Value::Array(items) if schema["type"] == json!("array") => {
                    for v in items {
                        check(&schema["items"], v, at);
                    }
                }
                _ => {}
            }
        }
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
            .filter(|(_, text)| !text.contains("[sweep]"))
            .collect();
        // The starter, with its commented sections switched on.
        let on: String = super::super::STARTER
            .lines()
            .map(|l| {
                let key = l.strip_prefix("# ").and_then(|r| r.split(" = ").next()).unwrap_or("");
                let is_key = !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
                if l.starts_with("# [") || (is_key && l.contains(" = ")) { &l[2..] } else { l }
            })
            .collect::<Vec<_>>()
            .join("\n");
        files.push(("starter".into(), on));
        for (name, text) in files {
            let value =
                toml::Value::Table(text.parse::<toml::Table>().unwrap_or_else(|e| panic!("{name}: {e}")));
            check(&s, &value, &name);
        }
    }
}
