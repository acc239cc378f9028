//! Typed reading of one TOML table, recording every problem in a [`Diag`].
//!
//! A [`Section`] wraps a table and its key path. Each accessor names a key,
//! checks its type and range, records a problem (with what was found and what
//! is allowed) when it is wrong, and returns the default so reading goes on.
//! The keys asked for are remembered; [`Section::finish`] reports every other
//! key in the table as unknown, with a "did you mean" for near misses.

use super::diag::{Diag, Ty, hint, join_key};
use super::dist::{self, DistSpec};
use super::units::{DURATION_HELP, human_duration, parse_duration};
use toml::Value;

/// One table of the input being read.
pub struct Section<'a> {
    diag: &'a Diag<'a>,
    path: String,
    table: Option<&'a toml::Table>,
    asked: Vec<&'static str>,
    /// Every key is known (see [`Section::accept_all`]).
    asked_all: bool,
    /// Extra words for unknown-key errors (e.g. "for kind = \"errors\"").
    context: String,
}

/// A number as people read it: `250`, `0.5`, `1e300`.
pub fn show_number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e9 || x.abs() < 1e-4) { format!("{x:e}") } else { format!("{x}") }
}

/// A short rendering of a value for messages: `integer 250`, `string "x"`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() <= 40 => format!("the string \"{s}\""),
        Value::String(_) => "a long string".to_string(),
        Value::Integer(i) => format!("the integer {i}"),
        Value::Float(x) => format!("the number {}", show_number(*x)),
        Value::Boolean(b) => format!("{b}"),
        Value::Datetime(d) => format!("the date-time {d}"),
        Value::Array(a) => format!("an array of {} item{}", a.len(), if a.len() == 1 { "" } else { "s" }),
        Value::Table(_) => "a table".to_string(),
    }
}

impl<'a> Section<'a> {
    /// The root table of a file.
    pub fn root(diag: &'a Diag<'a>, table: &'a toml::Table) -> Self {
        Section {
            diag,
            path: String::new(),
            table: Some(table),
            asked: Vec::new(),
            asked_all: false,
            context: String::new(),
        }
    }

    /// A section at `path` for `table` (absent tables read as all defaults).
    pub fn new(diag: &'a Diag<'a>, path: String, table: Option<&'a toml::Table>) -> Self {
        Section { diag, path, table, asked: Vec::new(), asked_all: false, context: String::new() }
    }

    /// Adds words to unknown-key errors, such as `for kind = "errors"`.
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = context.into();
        self
    }

    /// The key path of this section (`region[1]`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The key path of `key` in this section.
    pub fn key_path(&self, key: &str) -> String {
        join_key(&self.path, key)
    }

    /// The problem collector.
    pub fn diag(&self) -> &'a Diag<'a> {
        self.diag
    }

    /// Whether the table itself is present in the file.
    pub fn is_present(&self) -> bool {
        self.table.is_some()
    }

    /// Records a problem with `key`'s value.
    pub fn error(&self, key: &str, message: impl Into<String>) {
        self.diag.error(&self.key_path(key), message);
    }

    /// Marks `key` as known and returns its value if present.
    pub fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        if !self.asked.contains(&key) {
            self.asked.push(key);
        }
        self.diag.note(&self.path, key, Ty::Other);
        self.table.and_then(|t| t.get(key))
    }

    /// The value at a key chosen by the user (a table of names), without
    /// marking it as known (see [`Section::accept_all`]).
    pub fn table_get(&self, key: &str) -> Option<&'a Value> {
        self.table.and_then(|t| t.get(key))
    }

    /// Marks every key of the table as known: a table whose keys are the
    /// user's own names (countries, say), each checked by the caller.
    pub fn accept_all(&mut self) {
        self.asked_all = true;
    }

    /// Whether `key` is in the table, without marking it as known.
    pub fn table_has(&self, key: &str) -> bool {
        self.table.is_some_and(|t| t.contains_key(key))
    }

    /// Whether `key` is present (and marks it as known).
    pub fn has(&mut self, key: &'static str) -> bool {
        self.get(key).is_some()
    }

    /// Records that `key` is required but missing.
    pub fn missing(&self, key: &str, what: &str) {
        let at = if self.path.is_empty() { key.to_string() } else { self.path.clone() };
        let message = if self.path.is_empty() {
            format!("missing; it is required ({what})")
        } else {
            format!("`{key}` is missing; it is required ({what})")
        };
        self.diag.error_at_key(&at, message);
    }

    fn wrong_type(&self, key: &str, value: &Value, expected: &str) {
        self.error(key, format!("expected {expected}, found {}", describe(value)));
    }

    /// A duration string; `None` when absent or wrong.
    pub fn opt_duration(&mut self, key: &'static str) -> Option<u64> {
        self.diag.note(&self.path, key, Ty::Duration { default: None, rule: None });
        let value = self.get(key)?;
        match value {
            Value::String(s) => match parse_duration(s) {
                Ok(ns) => Some(ns),
                Err(e) => {
                    self.error(key, e);
                    None
                }
            },
            Value::Integer(_) | Value::Float(_) => {
                self.error(
                    key,
                    format!(
                        "found the bare number {}; durations need a unit, for example \"{}s\" or \"{}ms\"",
                        value, value, value
                    ),
                );
                None
            }
            other => {
                self.wrong_type(key, other, DURATION_HELP);
                None
            }
        }
    }

    /// A duration, `default` when absent; `check` gives the rule it must meet.
    pub fn duration(&mut self, key: &'static str, default: u64, rule: Rule) -> u64 {
        self.diag.note(&self.path, key, Ty::Duration { default: Some(default), rule: Some(rule) });
        match self.opt_duration(key) {
            Some(ns) => {
                if let Err(msg) = rule.check_duration(ns) {
                    self.error(key, format!("must be {msg}, found \"{}\"", human_duration(ns)));
                    default
                } else {
                    ns
                }
            }
            None => default,
        }
    }

    /// An optional duration that must meet `rule`; `None` when absent or wrong.
    pub fn opt_duration_rule(&mut self, key: &'static str, rule: Rule) -> Option<u64> {
        self.diag.note(&self.path, key, Ty::Duration { default: None, rule: Some(rule) });
        self.duration_meeting(key, rule)
    }

    /// The duration at `key` if it is there and meets `rule`; records a
    /// problem if it is there and does not.
    fn duration_meeting(&mut self, key: &'static str, rule: Rule) -> Option<u64> {
        let ns = self.opt_duration(key)?;
        match rule.check_duration(ns) {
            Ok(()) => Some(ns),
            Err(msg) => {
                self.error(key, format!("must be {msg}, found \"{}\"", human_duration(ns)));
                None
            }
        }
    }

    /// A required duration; records a problem and returns `None` if absent.
    pub fn required_duration(&mut self, key: &'static str, rule: Rule) -> Option<u64> {
        self.diag.note(&self.path, key, Ty::Duration { default: None, rule: Some(rule) });
        if !self.has(key) {
            self.missing(key, "a duration such as \"2h\"");
            return None;
        }
        self.duration_meeting(key, rule)
    }

    /// A number (integer or float); `None` when absent or wrong.
    pub fn opt_number(&mut self, key: &'static str, rule: Rule) -> Option<f64> {
        self.diag.note(&self.path, key, Ty::Number { default: None, rule });
        let value = self.get(key)?;
        let x = match value {
            Value::Integer(i) => *i as f64,
            Value::Float(x) => *x,
            other => {
                self.wrong_type(key, other, &format!("a number {}", rule.describe()));
                return None;
            }
        };
        match rule.check(x) {
            Ok(()) => Some(x),
            Err(msg) => {
                self.error(key, format!("must be {msg}, found {}", show_number(x)));
                None
            }
        }
    }

    /// A number, `default` when absent.
    pub fn number(&mut self, key: &'static str, default: f64, rule: Rule) -> f64 {
        self.diag.note(&self.path, key, Ty::Number { default: Some(default), rule });
        self.opt_number(key, rule).unwrap_or(default)
    }

    /// A whole number; `None` when absent or wrong.
    pub fn opt_integer(&mut self, key: &'static str, min: i64, max: i64) -> Option<i64> {
        self.diag.note(&self.path, key, Ty::Integer { default: None, min, max });
        let value = self.get(key)?;
        match value {
            Value::Integer(i) if (min..=max).contains(i) => Some(*i),
            Value::Integer(i) => {
                self.error(key, format!("must be a whole number from {min} to {max}, found {i}"));
                None
            }
            Value::Float(x) if x.fract() == 0.0 && (min as f64..=max as f64).contains(x) => Some(*x as i64),
            other => {
                self.wrong_type(key, other, &format!("a whole number from {min} to {max}"));
                None
            }
        }
    }

    /// A whole number, `default` when absent.
    pub fn integer(&mut self, key: &'static str, default: i64, min: i64, max: i64) -> i64 {
        self.diag.note(&self.path, key, Ty::Integer { default: Some(default), min, max });
        self.opt_integer(key, min, max).unwrap_or(default)
    }

    /// A boolean, `default` when absent.
    pub fn boolean(&mut self, key: &'static str, default: bool) -> bool {
        self.diag.note(&self.path, key, Ty::Boolean { default });
        match self.get(key) {
            None => default,
            Some(Value::Boolean(b)) => *b,
            Some(other) => {
                self.wrong_type(key, other, "true or false");
                default
            }
        }
    }

    /// A string; `None` when absent or not a string.
    pub fn opt_string(&mut self, key: &'static str) -> Option<&'a str> {
        self.diag.note(&self.path, key, Ty::Text);
        match self.get(key)? {
            Value::String(s) => Some(s.as_str()),
            other => {
                self.wrong_type(key, other, "a string");
                None
            }
        }
    }

    /// One of a fixed set of strings, `default` when absent.
    pub fn choice<T: Copy>(&mut self, key: &'static str, default: T, options: &[(&str, T)]) -> T {
        self.diag.note(&self.path, key, Ty::Choice(options.iter().map(|(n, _)| n.to_string()).collect()));
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let allowed = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
        match self.get(key) {
            None => default,
            Some(Value::String(s)) => match options.iter().find(|(n, _)| n == s) {
                Some(&(_, v)) => v,
                None => {
                    self.error(key, format!("\"{s}\" is not one of {allowed}{}", hint(s, &names)));
                    default
                }
            },
            Some(other) => {
                self.wrong_type(key, other, &format!("one of {allowed}"));
                default
            }
        }
    }

    /// A list of strings each from `options`, `default` when absent. Duplicates are errors.
    pub fn choice_list<T: Copy + PartialEq>(
        &mut self,
        key: &'static str,
        default: &[T],
        options: &[(&str, T)],
    ) -> Vec<T> {
        self.diag.note(&self.path, key, Ty::ChoiceList(options.iter().map(|(n, _)| n.to_string()).collect()));
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let allowed = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
        let Some(value) = self.get(key) else {
            return default.to_vec();
        };
        let Value::Array(items) = value else {
            self.wrong_type(key, value, &format!("an array of strings from {allowed}"));
            return default.to_vec();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", self.key_path(key));
            match item {
                Value::String(s) => match options.iter().find(|(n, _)| n == s) {
                    Some(&(_, v)) if out.contains(&v) => {
                        self.diag.error(&path, format!("\"{s}\" is listed twice"));
                    }
                    Some(&(_, v)) => out.push(v),
                    None => {
                        self.diag.error(&path, format!("\"{s}\" is not one of {allowed}{}", hint(s, &names)))
                    }
                },
                other => {
                    self.diag.error(&path, format!("expected one of {allowed}, found {}", describe(other)))
                }
            }
        }
        out
    }

    /// A distribution of durations, `default` when absent.
    pub fn dist(&mut self, key: &'static str, default: DistSpec) -> DistSpec {
        self.diag.note(&self.path, key, Ty::Dist);
        match self.get(key) {
            None => default,
            Some(value) => {
                let path = self.key_path(key);
                dist::read(self.diag, &path, value).unwrap_or(default)
            }
        }
    }

    /// A sub-table; an absent key gives an empty section of defaults.
    pub fn section(&mut self, key: &'static str) -> Section<'a> {
        self.diag.note(&self.path, key, Ty::Table);
        let path = self.key_path(key);
        match self.get(key) {
            None => Section::new(self.diag, path, None),
            Some(Value::Table(t)) => Section::new(self.diag, path, Some(t)),
            Some(other) => {
                self.wrong_type(key, other, &format!("a table ([{path}])"));
                Section::new(self.diag, path, None)
            }
        }
    }

    /// An array of tables (`[[key]]`); absent gives none.
    pub fn sections(&mut self, key: &'static str) -> Vec<Section<'a>> {
        self.diag.note(&self.path, key, Ty::Tables);
        let path = self.key_path(key);
        match self.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    match item {
                        Value::Table(t) => out.push(Section::new(self.diag, item_path, Some(t))),
                        other => self.diag.error(
                            &item_path,
                            format!("expected a table ([[{path}]]), found {}", describe(other)),
                        ),
                    }
                }
                out
            }
            Some(other) => {
                self.wrong_type(key, other, &format!("an array of tables ([[{path}]])"));
                Vec::new()
            }
        }
    }

    /// Keys present in the table, in file order where the map keeps it.
    pub fn keys(&self) -> Vec<&'a str> {
        self.table.map(|t| t.keys().map(String::as_str).collect()).unwrap_or_default()
    }

    /// Reports every key of the table that no accessor asked for.
    pub fn finish(self) {
        let Some(table) = self.table else { return };
        if self.asked_all {
            return;
        }
        for key in table.keys() {
            if self.asked.iter().any(|k| k == key) {
                continue;
            }
            let mut msg = format!("unknown key{}", hint(key, &self.asked));
            if !self.context.is_empty() {
                msg = format!("{msg} {}", self.context);
            }
            let mut allowed: Vec<&str> = self.asked.clone();
            allowed.sort_unstable();
            msg = format!("{msg}; allowed here: {}", allowed.join(", "));
            self.diag.error_at_key(&self.key_path(key), msg);
        }
    }
}

/// A rule a number must satisfy, for checks and messages.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// Any value.
    Any,
    /// Strictly greater than the bound.
    Above(f64),
    /// Greater than or equal to the bound.
    AtLeast(f64),
    /// Between the bounds, both included.
    Between(f64, f64),
    /// Above the first bound, at most the second.
    AboveUpTo(f64, f64),
}

impl Rule {
    /// Checks `x`, returning the rule in words if it fails.
    pub fn check(self, x: f64) -> Result<(), String> {
        let ok = x.is_finite()
            && match self {
                Rule::Any => true,
                Rule::Above(lo) => x > lo,
                Rule::AtLeast(lo) => x >= lo,
                Rule::Between(lo, hi) => (lo..=hi).contains(&x),
                Rule::AboveUpTo(lo, hi) => x > lo && x <= hi,
            };
        if ok { Ok(()) } else { Err(self.describe()) }
    }

    /// Checks a duration in nanoseconds, giving the bounds as durations.
    pub fn check_duration(self, ns: u64) -> Result<(), String> {
        self.check(ns as f64).map_err(|_| self.describe_duration())
    }

    /// The rule for a duration in words: "longer than \"0s\"".
    pub fn describe_duration(self) -> String {
        let d = |x: f64| format!("\"{}\"", human_duration(x as u64));
        match self {
            Rule::Any => "a duration".to_string(),
            Rule::Above(lo) => format!("longer than {}", d(lo)),
            Rule::AtLeast(lo) => format!("at least {}", d(lo)),
            Rule::Between(lo, hi) => format!("between {} and {}", d(lo), d(hi)),
            Rule::AboveUpTo(lo, hi) => format!("longer than {} and at most {}", d(lo), d(hi)),
        }
    }

    /// The rule in words: "greater than 0", "between 0 and 1".
    pub fn describe(self) -> String {
        match self {
            Rule::Any => "finite".to_string(),
            Rule::Above(lo) => format!("greater than {lo}"),
            Rule::AtLeast(lo) => format!("at least {lo}"),
            Rule::Between(lo, hi) => format!("between {lo} and {hi}"),
            Rule::AboveUpTo(lo, hi) => format!("greater than {lo} and at most {hi}"),
        }
    }
}
