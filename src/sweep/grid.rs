//! Axis key paths: where a sweep value goes in the scenario.
//!
//! A path is keys separated by dots, as in SCENARIO.md:
//! `service.max_instances`, `client.retries`, `load_balancer.outlier_detection.interval`.
//! An array of tables is addressed by index (`outage[0].duration`) or, for
//! `region` and `city`, by name (`region.us-central1.max_instances`,
//! `city.Sydney.rps`). A key with dots or quotes in it is written in double
//! quotes: `city."St. Louis".rps`. Tables that are absent are created
//! (`client.retries` works without a `[client]` section); array entries
//! must exist.

use crate::geo::cities::fold;
use toml::{Table, Value};

/// One step of a key path.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A key of a table.
    Key(String),
    /// An entry of an array by position.
    Index(usize),
    /// An entry of `region` or `city` by its `name`.
    Named(String),
}

/// Parses a key path.
pub fn parse(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut chars = path.chars().peekable();
    let mut expect_key = true;
    while chars.peek().is_some() {
        if !expect_key {
            match chars.next() {
                Some('.') => {
                    expect_key = true;
                    continue;
                }
                Some('[') => {
                    let mut digits = String::new();
                    for c in chars.by_ref() {
                        if c == ']' {
                            break;
                        }
                        digits.push(c);
                    }
                    let i = digits.trim().parse().map_err(|_| format!("\"[{digits}]\" is not an index"))?;
                    steps.push(Step::Index(i));
                    continue;
                }
                Some(c) => return Err(format!("unexpected '{c}' after a key")),
                None => break,
            }
        }
        let mut key = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => key.extend(chars.next()),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => key.push(c),
                }
            }
            if !closed {
                return Err("a quoted key is not closed".to_string());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' || c == '[' {
                    break;
                }
                key.push(c);
                chars.next();
            }
            key = key.trim().to_string();
        }
        if key.is_empty() {
            return Err("an empty key".to_string());
        }
        // `region.NAME` and `city.NAME` select an array entry by name.
        let named =
            matches!(steps.last(), Some(Step::Key(k)) if (k == "region" || k == "city")) && steps.len() == 1;
        steps.push(if named { Step::Named(key) } else { Step::Key(key) });
        expect_key = false;
    }
    if steps.is_empty() || expect_key {
        return Err("the path is empty or ends with '.'".to_string());
    }
    Ok(steps)
}

/// Sets `value` at `steps` in `table`; returns the path as the scenario
/// reader names it (`region[0].max_instances`), to attribute its problems.
pub fn set(table: &mut Table, steps: &[Step], value: Value) -> Result<String, String> {
    let mut root = Value::Table(std::mem::take(table));
    let mut concrete = String::new();
    let result = set_in(&mut root, steps, value, &mut concrete);
    if let Value::Table(t) = root {
        *table = t;
    }
    result.map(|()| concrete)
}

fn set_in(here: &mut Value, steps: &[Step], value: Value, concrete: &mut String) -> Result<(), String> {
    let Some((first, rest)) = steps.split_first() else {
        *here = value;
        return Ok(());
    };
    let next: &mut Value = match first {
        // A key of an array of named tables (`service.checkout` with
        // `[[service]]`) names an entry.
        Step::Key(k) if matches!(here, Value::Array(_)) => {
            return set_in(here, &[&[Step::Named(k.clone())], rest].concat(), value, concrete);
        }
        Step::Key(k) => {
            let Value::Table(t) = here else {
                return Err(format!("\"{concrete}\" is not a table, so it has no key \"{k}\""));
            };
            *concrete = crate::scenario::diag::join_key(concrete, k);
            let fresh = || match rest.first() {
                Some(Step::Key(_)) => Value::Table(Table::new()),
                _ => Value::Array(Vec::new()),
            };
            t.entry(k.clone()).or_insert_with(fresh)
        }
        Step::Index(i) => {
            let Value::Array(a) = here else {
                return Err(format!("\"{concrete}\" is not an array"));
            };
            let len = a.len();
            *concrete = format!("{concrete}[{i}]");
            a.get_mut(*i).ok_or_else(|| format!("\"{concrete}\" does not exist: the scenario has {len}"))?
        }
        Step::Named(name) => {
            let Value::Array(a) = here else {
                return Err(format!("the scenario has no [[{concrete}]] entries"));
            };
            let names: Vec<String> =
                a.iter().filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_string)).collect();
            let Some(i) = names.iter().position(|n| fold(n) == fold(name)) else {
                return Err(format!(
                    "the scenario has no [[{concrete}]] named \"{name}\" (it has: {})",
                    names.join(", ")
                ));
            };
            *concrete = format!("{concrete}[{i}]");
            &mut a[i]
        }
    };
    set_in(next, rest, value, concrete)
}

/// A value as it appears in a `sweep.csv` cell: strings bare, the rest as TOML.
pub fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as messages and the terminal show it: numbers short (`1e308`,
/// not 309 digits), strings cut and with control characters escaped.
pub fn shown(value: &Value) -> String {
    match value {
        Value::Float(x) => crate::scenario::reader::show_number(*x),
        Value::String(s) => crate::scenario::diag::echo(s, 60),
        other => crate::scenario::diag::echo(&other.to_string(), 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse("service.max_instances").unwrap(),
            vec![Step::Key("service".into()), Step::Key("max_instances".into())]
        );
        assert_eq!(
            parse("region.us-central1.max_instances").unwrap(),
            vec![
                Step::Key("region".into()),
                Step::Named("us-central1".into()),
                Step::Key("max_instances".into())
            ]
        );
        assert_eq!(
            parse("outage[1].duration").unwrap(),
            vec![Step::Key("outage".into()), Step::Index(1), Step::Key("duration".into())]
        );
        assert_eq!(
            parse("city.\"St. Louis\".rps").unwrap(),
            vec![Step::Key("city".into()), Step::Named("St. Louis".into()), Step::Key("rps".into())]
        );
        assert!(parse("").is_err());
        assert!(parse("a.").is_err());
        assert!(parse("a[x]").is_err());
    }

    #[test]
    fn values_are_set_where_the_path_says() {
        let mut t: Table = r#"
            [[region]]
            name = "us-central1"
            [[region]]
            name = "europe-west1"
            [[city]]
            name = "Sao Paulo"
            [[outage]]
            region = "us-central1"
        "#
        .parse()
        .unwrap();
        let at = |t: &mut Table, p: &str, v: i64| set(t, &parse(p).unwrap(), Value::Integer(v));
        assert_eq!(at(&mut t, "region.europe-west1.max_instances", 7).unwrap(), "region[1].max_instances");
        assert_eq!(at(&mut t, "city.São Paulo.rps", 9).unwrap(), "city[0].rps");
        assert_eq!(at(&mut t, "client.retries", 2).unwrap(), "client.retries");
        assert_eq!(at(&mut t, "outage[0].start", 1).unwrap(), "outage[0].start");
        assert_eq!(t["region"][1]["max_instances"].as_integer(), Some(7));
        assert_eq!(t["client"]["retries"].as_integer(), Some(2));
        assert!(
            at(&mut t, "region.asia-east1.max_instances", 1).unwrap_err().contains("no [[region]] named")
        );
        assert!(at(&mut t, "outage[3].start", 1).unwrap_err().contains("does not exist"));
        assert_eq!(t["region"].as_array().unwrap().len(), 2, "a failed set changes nothing it should not");
    }
}
