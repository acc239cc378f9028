//! Problems found in an input file, located by line, column and key path.
//!
//! Every check in the scenario reader records a [`Problem`] instead of
//! stopping, so a user sees every mistake in a file at once. A problem names
//! the key path (`region[2].max_instances`), what was found and what is
//! allowed; the line and column come from the span of that key in the file.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One thing wrong (or worth a warning) in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when the problem can be placed in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), with `line`.
    pub col: Option<usize>,
    /// Key path such as `service.cpu_time.p99`; empty for the file as a whole.
    pub path: String,
    /// What was found and what is allowed.
    pub message: String,
}

impl Problem {
    fn fmt_in(&self, file: &Path, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", file.display())?;
        if let (Some(line), Some(col)) = (self.line, self.col) {
            write!(f, ":{line}:{col}")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", echo(&self.message, 2000))
        } else {
            write!(f, ": {}: {}", echo(&self.path, 200), echo(&self.message, 2000))
        }
    }
}

/// Text from the input made safe to print: control characters (an escape
/// sequence would act on the terminal) written as `\u{1b}`, and anything
/// beyond `max` characters cut, saying how long it was (a 50 MB name is
/// not echoed whole).
pub fn echo(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 40));
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push_str(&format!("... ({} characters in all)", text.chars().count()));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// An input file that could not be used, with every problem found in it.
#[derive(Clone, Debug)]
pub struct InputError {
    /// The file as the user named it.
    pub file: PathBuf,
    /// At least one problem, in file order.
    pub problems: Vec<Problem>,
}

impl InputError {
    /// An error about the file as a whole (unreadable, say).
    pub fn whole_file(file: &Path, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_path_buf(),
            problems: vec![Problem { line: None, col: None, path: String::new(), message: message.into() }],
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            p.fmt_in(&self.file, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Warnings about a file that is still usable (a key that has no effect, say).
#[derive(Clone, Debug, Default)]
pub struct Warnings {
    /// The file the warnings are about.
    pub file: PathBuf,
    /// Each warning, in file order.
    pub items: Vec<Problem>,
}

impl fmt::Display for Warnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "warning: ")?;
            p.fmt_in(&self.file, f)?;
        }
        Ok(())
    }
}

/// Where each key path sits in the source text.
#[derive(Default)]
struct Spans {
    key: HashMap<String, Range<usize>>,
    value: HashMap<String, Range<usize>>,
}

/// The text of an input file, with the spans of its keys, for locating problems.
pub struct Source {
    file: PathBuf,
    line_starts: Vec<usize>,
    text: String,
    spans: Spans,
}

impl Source {
    /// Indexes `text` (already known to be valid TOML) read from `file`.
    pub fn new(file: &Path, text: &str) -> Source {
        let mut spans = Spans::default();
        if let Ok(root) = toml::de::DeTable::parse(text) {
            index_table(root.get_ref(), "", &mut spans);
        }
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Source { file: file.to_path_buf(), line_starts, text: text.to_string(), spans }
    }

    /// The file this source was read from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text[start..offset.min(self.text.len())].chars().count() + 1;
        (line, col)
    }

    /// Location of the value at `path`, or of the closest enclosing key that
    /// is in the file.
    fn locate(&self, path: &str, prefer_key: bool) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            let first = if prefer_key { &self.spans.key } else { &self.spans.value };
            let second = if prefer_key { &self.spans.value } else { &self.spans.key };
            if let Some(span) = first.get(p).or_else(|| second.get(p)) {
                return Some(self.line_col(span.start));
            }
            p = parent_path(p)?;
        }
    }
}

/// `a.b[2].c` -> `a.b[2]` -> `a.b` -> `a`.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// Appends `key` to a key path, quoting it when it is not a bare TOML key.
pub fn join_key(path: &str, key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare { key.to_string() } else { format!("\"{}\"", key.replace('"', "\\\"")) };
    if path.is_empty() { key } else { format!("{path}.{key}") }
}

fn index_table(table: &toml::de::DeTable<'_>, path: &str, spans: &mut Spans) {
    for (key, value) in table.iter() {
        let p = join_key(path, key.get_ref());
        spans.key.insert(p.clone(), key.span());
        index_value(value, &p, spans);
    }
}

fn index_value(value: &toml::Spanned<toml::de::DeValue<'_>>, path: &str, spans: &mut Spans) {
    spans.value.insert(path.to_string(), value.span());
    match value.get_ref() {
        toml::de::DeValue::Table(t) => index_table(t, path, spans),
        toml::de::DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                index_value(item, &format!("{path}[{i}]"), spans);
            }
        }
        _ => {}
    }
}

/// Collects problems and warnings while a file is read.
pub struct Diag<'s> {
    source: &'s Source,
    problems: RefCell<Vec<Problem>>,
    warnings: RefCell<Vec<Problem>>,
    /// When recording (for the JSON Schema): every key the reader asked
    /// for, with its type, in the order asked.
    notes: RefCell<Option<Vec<Noted>>>,
}

/// A key the scenario reader asked for, and what it accepts.
#[derive(Clone, Debug)]
pub struct Noted {
    /// The section's key path (`region[1]`, `load_balancer.outlier_detection`).
    pub path: String,
    /// The key.
    pub key: String,
    /// What it accepts.
    pub ty: Ty,
}

/// What a key accepts, as the reader checks it.
#[derive(Clone, Debug)]
pub enum Ty {
    /// A duration string; its default and bounds.
    Duration { default: Option<u64>, rule: Option<super::reader::Rule> },
    /// A number.
    Number { default: Option<f64>, rule: super::reader::Rule },
    /// A whole number within bounds.
    Integer { default: Option<i64>, min: i64, max: i64 },
    /// `true` or `false`.
    Boolean { default: bool },
    /// Any string (a name).
    Text,
    /// One of these strings.
    Choice(Vec<String>),
    /// An array of these strings.
    ChoiceList(Vec<String>),
    /// A distribution of durations.
    Dist,
    /// A table.
    Table,
    /// An array of tables.
    Tables,
    /// Something the reader checks by hand (an array of names, say).
    Other,
}

impl<'s> Diag<'s> {
    /// The file being read.
    pub fn file(&self) -> &Path {
        self.source.file()
    }

    /// A collector for problems in `source`.
    pub fn new(source: &'s Source) -> Self {
        Diag {
            source,
            problems: RefCell::new(Vec::new()),
            warnings: RefCell::new(Vec::new()),
            notes: RefCell::new(None),
        }
    }

    /// Starts recording every key asked for (see [`Noted`]).
    pub fn record(&self) {
        *self.notes.borrow_mut() = Some(Vec::new());
    }

    /// Records that the reader asked for `key` of section `path` as `ty`;
    /// a later typed note of the same key replaces an `Other`.
    pub fn note(&self, path: &str, key: &str, ty: Ty) {
        if let Some(notes) = self.notes.borrow_mut().as_mut() {
            match notes.iter_mut().find(|n| n.path == path && n.key == key) {
                Some(n) => {
                    if matches!(n.ty, Ty::Other) {
                        n.ty = ty;
                    }
                }
                None => notes.push(Noted { path: path.to_string(), key: key.to_string(), ty }),
            }
        }
    }

    /// The keys recorded so far.
    pub fn notes(&self) -> Vec<Noted> {
        self.notes.borrow().clone().unwrap_or_default()
    }

    fn problem(&self, path: &str, message: String, at_key: bool) -> Problem {
        let loc = self.source.locate(path, at_key);
        Problem { line: loc.map(|l| l.0), col: loc.map(|l| l.1), path: path.to_string(), message }
    }

    /// Records a problem with the value at `path`.
    pub fn error(&self, path: &str, message: impl Into<String>) {
        let p = self.problem(path, message.into(), false);
        self.problems.borrow_mut().push(p);
    }

    /// Records a problem with the key at `path` itself (unknown or misplaced).
    pub fn error_at_key(&self, path: &str, message: impl Into<String>) {
        let p = self.problem(path, message.into(), true);
        self.problems.borrow_mut().push(p);
    }

    /// Records a warning about the value at `path`.
    pub fn warn(&self, path: &str, message: impl Into<String>) {
        let p = self.problem(path, message.into(), true);
        self.warnings.borrow_mut().push(p);
    }

    /// Whether any problem has been recorded.
    pub fn has_errors(&self) -> bool {
        !self.problems.borrow().is_empty()
    }

    /// Everything recorded: `Err` with all problems when there is at least
    /// one, else the warnings. Problems are sorted by position in the file.
    pub fn finish(self) -> Result<Warnings, InputError> {
        let file = self.source.file().to_path_buf();
        let sort = |v: &mut Vec<Problem>| v.sort_by_key(|p| (p.line.unwrap_or(0), p.col.unwrap_or(0)));
        let mut problems = self.problems.into_inner();
        let mut warnings = self.warnings.into_inner();
        sort(&mut problems);
        sort(&mut warnings);
        problems.dedup();
        if problems.is_empty() {
            Ok(Warnings { file, items: warnings })
        } else {
            Err(InputError { file, problems })
        }
    }
}

/// Parses `text` as TOML, reporting every syntax error with its position.
pub fn parse_toml(file: &Path, text: &str) -> Result<toml::Table, InputError> {
    match text.parse::<toml::Table>() {
        Ok(table) => Ok(table),
        Err(_) => {
            let (_, errors) = toml::de::DeTable::parse_recoverable(text);
            let source = Source::new(file, "");
            let positions = Source {
                line_starts: std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect(),
                text: text.to_string(),
                ..source
            };
            // A broken table header puts the keys after it elsewhere, where
            // they then clash with keys of the same name: "duplicate key"
            // after another error is an echo of it, not a problem of its own.
            let duplicate = |e: &toml::de::Error| e.message().trim_end() == "duplicate key";
            let first_other = errors.iter().position(|e| !duplicate(e));
            let mut problems: Vec<Problem> = errors
                .iter()
                .enumerate()
                .filter(|(i, e)| !(duplicate(e) && first_other.is_some_and(|f| f < *i)))
                .map(|(_, e)| {
                    let mut loc = e.span().map(|s| positions.line_col(s.start));
                    if loc.is_none() && e.message().contains("recursion") {
                        // The parser gives no place for its recursion limit
                        // (deeply dotted keys): the first deeply nested line.
                        loc = text
                            .lines()
                            .position(|l| l.chars().filter(|c| matches!(c, '[' | '{' | '.')).count() > 64)
                            .map(|i| (i + 1, 1));
                    }
                    let mut message = format!("TOML syntax: {}", e.message().trim_end());
                    // The parser does not say which key: its span does.
                    if duplicate(e)
                        && let Some(key) =
                            e.span().and_then(|s| text.get(s)).map(str::trim).filter(|k| !k.is_empty())
                    {
                        message = format!("{message} \"{key}\": each key once per table");
                    }
                    Problem { line: loc.map(|l| l.0), col: loc.map(|l| l.1), path: String::new(), message }
                })
                .collect();
            if problems.is_empty() {
                problems.push(Problem {
                    line: None,
                    col: None,
                    path: String::new(),
                    message: "not valid TOML".to_string(),
                });
            }
            Err(InputError { file: file.to_path_buf(), problems })
        }
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    // No name negsim knows is this long: the edit distance (quadratic in
    // the lengths) of a 50 MB value would take a minute to say nothing.
    if word.len() > 100 {
        return None;
    }
    let folded = word.to_lowercase();
    // A plural of a short name is further from it than a typo ("cities" is
    // three edits from "city"), and as likely a slip.
    let plural_of = |c: &str| {
        let c = c.to_lowercase();
        [format!("{c}s"), format!("{c}es"), c.strip_suffix('y').map_or(String::new(), |s| format!("{s}ies"))]
            .contains(&folded)
    };
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(c) = candidates.iter().find(|c| plural_of(c)) {
        return Some(c);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&folded, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `" (did you mean \"x\"?)"` or nothing.
pub fn hint(word: &str, candidates: &[&str]) -> String {
    match did_you_mean(word, candidates.iter().copied()) {
        Some(c) => format!(" (did you mean \"{c}\"?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_values_and_array_entries() {
        let text = "[simulation]\nduration = \"2h\"\n\n[[region]]\nname = \"a\"\n[[region]]\nname = \"b\"\nmax_instances = 3\n";
        let src = Source::new(Path::new("x.toml"), text);
        assert_eq!(src.locate("simulation.duration", false), Some((2, 12)));
        assert_eq!(src.locate("simulation.duration", true), Some((2, 1)));
        assert_eq!(src.locate("region[1].max_instances", false), Some((8, 17)));
        // A key that is not in the file falls back to its table.
        assert_eq!(src.locate("region[1].min_instances", true).map(|l| l.0), Some(6));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse_toml(Path::new("bad.toml"), "a = 1\nb = \n").unwrap_err();
        assert_eq!(err.problems[0].line, Some(2));
        assert!(err.to_string().starts_with("bad.toml:2:"), "{err}");
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(did_you_mean("max_instance", ["max_instances", "min_instances"]), Some("max_instances"));
        assert_eq!(did_you_mean("us-centrl1", ["us-central1", "us-east1"]), Some("us-central1"));
        assert_eq!(did_you_mean("banana", ["max_instances", "cpu"]), None);
        // Plurals of the array tables' names.
        assert_eq!(did_you_mean("cities", ["attack", "city", "client"]), Some("city"));
        assert_eq!(did_you_mean("regions", ["region", "replay"]), Some("region"));
        assert_eq!(did_you_mean("outages", ["outage", "network"]), Some("outage"));
        assert_eq!(did_you_mean("surges", ["service", "surge"]), Some("surge"));
        assert_eq!(strsim::levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn key_paths_quote_what_is_not_bare() {
        assert_eq!(join_key("", "service"), "service");
        assert_eq!(join_key("sweep.grid", "service.max_instances"), "sweep.grid.\"service.max_instances\"");
    }
}
