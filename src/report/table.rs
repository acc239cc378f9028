//! The short summary table `negsim run` prints, fitted to the terminal.

use crate::metrics::Row;
use std::io::{self, Write};

fn cell(x: Option<f64>, decimals: usize) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.decimals$}"))
}

fn percent(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| {
        let p = v * 100.0;
        if p >= 99.995 && v < 1.0 { format!("{p:.3}%") } else { format!("{p:.2}%") }
    })
}

/// The table's columns; the first two are left-aligned.
const HEADER: [&str; 11] = [
    "scope",
    "name",
    "requests",
    "avail",
    "p50 ms",
    "p99 ms",
    "p999 ms",
    "429/5xx/to",
    "inst",
    "max",
    "cold",
];

/// The columns left out, in this order, until the table fits the width:
/// the instances', p99.9 and the scope (the rows come global, cities,
/// regions). The name, requests, availability, median, p99 and failures
/// always stay: with a long region name a 60-column terminal may still
/// wrap a line.
const DROPPED_FIRST: [usize; 5] = [10, 9, 8, 6, 0];

/// Prints one line per scope: requests, availability, latency percentiles,
/// failures (429s, other 5xx, timeouts), and for regions the mean and
/// largest number of instances and the cold starts. Each column is as wide
/// as its widest cell. With a `width` (the terminal's), columns are left
/// out ([`DROPPED_FIRST`]) until the lines fit, and a last line names them.
pub fn print(mut w: impl Write, rows: &[Row], width: Option<usize>) -> io::Result<()> {
    let cells: Vec<[String; 11]> = rows
        .iter()
        .map(|r| {
            [
                r.scope.as_str().to_string(),
                r.name.clone(),
                r.requests.to_string(),
                percent(r.availability),
                cell(r.latency_p50_ms, 1),
                cell(r.latency_p99_ms, 1),
                cell(r.latency_p999_ms, 1),
                format!("{}/{}/{}", r.rejected, r.errors, r.timeouts),
                cell(r.instances_mean, 1),
                r.instances_max.map_or("-".to_string(), |v| v.to_string()),
                r.cold_starts.map_or("-".to_string(), |v| v.to_string()),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut shown = [true; 11];
    let line_width = |shown: &[bool; 11]| {
        let n = shown.iter().filter(|&&s| s).count();
        widths.iter().zip(shown).filter(|(_, s)| **s).map(|(w, _)| w).sum::<usize>() + n.saturating_sub(1)
    };
    for col in DROPPED_FIRST {
        if width.is_none_or(|max| line_width(&shown) <= max) {
            break;
        }
        shown[col] = false;
    }
    let header = HEADER.map(str::to_string);
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (k, text) in row.iter().enumerate().filter(|(k, _)| shown[*k]) {
            if !line.is_empty() {
                line.push(' ');
            }
            let pad = widths[k] - text.chars().count();
            if k < 2 {
                line.push_str(text);
                line.extend(std::iter::repeat_n(' ', pad));
            } else {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(text);
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    let left_out: Vec<&str> = HEADER.iter().zip(shown).filter(|(_, s)| !s).map(|(h, _)| *h).collect();
    if !left_out.is_empty() {
        for l in wrap(&format!("(too narrow for {}: see summary.csv)", left_out.join(", ")), width) {
            writeln!(w, "{l}")?;
        }
    }
    Ok(())
}

/// `text` in lines of at most `width` characters, broken at spaces (a word
/// longer than the width keeps its own line); one line without a width.
pub fn wrap(text: &str, width: Option<usize>) -> Vec<String> {
    let Some(width) = width else {
        return vec![text.to_string()];
    };
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line at least");
        if last.is_empty() {
            last.push_str(word);
        } else if last.chars().count() + 1 + word.chars().count() <= width {
            last.push(' ');
            last.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    lines
}

/// The width of the terminal the table goes to: `COLUMNS` if it is set
/// (as for clap's help), else standard output's terminal, else none (a
/// pipe or a file gets the whole table).
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok())
        && n > 0
    {
        return Some(n);
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ScopeKind;

    fn row(scope: ScopeKind, name: &str, requests: u64, errors: u64) -> Row {
        Row {
            scope,
            name: name.to_string(),
            requests,
            errors,
            availability: Some(0.999),
            latency_p50_ms: Some(140.3),
            latency_p99_ms: Some(406.0),
            latency_p999_ms: Some(3889.2),
            instances_mean: Some(84.7),
            instances_max: Some(112),
            cold_starts: Some(72),
            ..Row::default()
        }
    }

    fn printed(rows: &[Row], width: Option<usize>) -> String {
        let mut out = Vec::new();
        print(&mut out, rows, width).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_stay_aligned_with_counts_of_any_size() {
        let rows = [
            row(ScopeKind::Global, "all", 1_436_879, 483_948),
            row(ScopeKind::Region, "australia-southeast1", 12, 0),
        ];
        let text = printed(&rows, None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        // Every right-aligned column ends where its header does.
        for header in ["requests", "429/5xx/to", "cold"] {
            let end = lines[0].find(header).unwrap() + header.len();
            for l in &lines[1..] {
                assert!(!l.as_bytes()[end - 1].is_ascii_whitespace(), "{header}: {text}");
                assert!(l.len() == end || l.as_bytes()[end] == b' ', "{header}: {text}");
            }
        }
        assert!(text.contains("0/483948/0"), "{text}");
    }

    #[test]
    fn a_narrow_terminal_gets_fewer_columns_and_is_told_which() {
        let drill = [
            row(ScopeKind::Global, "all", 8_237_369, 656),
            row(ScopeKind::Region, "australia-southeast1", 1, 0),
        ];
        let wide = printed(&drill, None);
        assert!(wide.lines().next().unwrap().ends_with("cold"), "{wide}");
        assert!(!wide.contains("too narrow"), "{wide}");
        assert!(printed(&drill, Some(200)) == wide, "a wide terminal gets it all");
        let short = [row(ScopeKind::Global, "all", 8_237_369, 656), row(ScopeKind::City, "Chicago", 1, 0)];
        for (rows, width) in [(&drill, 80), (&short, 60)] {
            let text = printed(rows, Some(width));
            for l in text.lines() {
                assert!(l.chars().count() <= width, "{width}: {l:?}\n{text}");
            }
            let header = text.lines().next().unwrap();
            for kept in ["name", "requests", "avail", "p50 ms", "p99 ms", "429/5xx/to"] {
                assert!(header.contains(kept), "{width}: {text}");
            }
            assert!(!header.contains("cold") && text.contains("cold: see summary.csv"), "{width}: {text}");
        }
        // Too narrow even for the essentials: they stay, the rest goes.
        let text = printed(&drill, Some(60));
        let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["name", "requests", "avail", "p50", "ms", "p99", "ms", "429/5xx/to"], "{text}");
        assert!(
            text.replace('\n', " ")
                .contains("(too narrow for scope, p999 ms, inst, max, cold: see summary.csv)"),
            "{text}"
        );
    }

    #[test]
    fn wrapping_breaks_at_spaces_within_the_width() {
        assert_eq!(wrap("a bb ccc", Some(4)), ["a bb", "ccc"]);
        assert_eq!(wrap("a bb ccc", None), ["a bb ccc"]);
        assert_eq!(wrap("averylongword b", Some(4)), ["averylongword", "b"]);
    }
}
