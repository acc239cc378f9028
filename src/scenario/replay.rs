//! `[[replay]]`: recorded requests replayed at their exact times, streamed
//! from disk.
//!
//! The file is CSV with the header `time,place`: one row per request, in
//! time order (equal times allowed), `time` RFC 3339 or seconds from the
//! start (the same in every row), `place` a `[[city]]`. A city in the file
//! takes its arrivals from it alone (its `rps` and profile no longer
//! apply); surges do not apply to it.
//!
//! * **Timeline.** As for `[[traffic]]`: `from` (default: the first row of
//!   an RFC 3339 file, 0 for a seconds file) is the run's t = 0 and `shift`
//!   moves the replay later; requests before `from` or after `duration`
//!   are left out. Times are kept in whole nanoseconds.
//! * **`scale`.** Below 1, each request is kept with probability `scale`
//!   (thinning); above 1, each is replayed `floor(scale)` times, and once
//!   more with probability `scale - floor(scale)`, every copy at the
//!   recorded time (more users doing the same thing at once: bursts grow
//!   taller, not wider).
//! * **Memory.** The file is never held in memory: the reader checks it in
//!   one pass when the scenario is read, and the run reads it again, row by
//!   row, with one reader per city in it (each skips the others' rows).

use super::curve::{file_time_ns, from_time_ns, looks_rfc3339};
use super::diag::{echo, hint};
use super::reader::{Rule, Section};
use std::path::PathBuf;

/// A validated `[[replay]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayFile {
    /// The file, made absolute.
    pub path: PathBuf,
    /// Whether its times are RFC 3339 (else seconds).
    pub rfc3339: bool,
    /// The file's time at the run's t = 0, nanoseconds (since the epoch for
    /// RFC 3339, since the file's start for seconds).
    pub origin_ns: i128,
    /// `from` as written, for the resolved scenario.
    pub from: Option<String>,
    /// `shift`.
    pub shift_ns: u64,
    /// `scale`.
    pub scale: f64,
    /// The cities in the file (indices into `Scenario::cities`) with their
    /// request counts in the file.
    pub cities: Vec<(usize, u64)>,
}

/// Reads every `[[replay]]` and checks its file in one streaming pass.
pub fn read_replays(root: &mut Section<'_>, cities: &[&str], taken: &[bool]) -> Vec<ReplayFile> {
    let mut out: Vec<ReplayFile> = Vec::new();
    for mut s in root.sections("replay") {
        let file = s.opt_string("file");
        if file.is_none() && !s.has("file") {
            s.missing("file", "a CSV file of time,place, one row per request, relative to the scenario");
        }
        let from = s.opt_string("from").map(str::to_string);
        let shift_ns = s.duration("shift", 0, Rule::AtLeast(0.0));
        let scale = s.number("scale", 1.0, Rule::Between(0.0, 1000.0));
        let key = s.key_path("file");
        let diag = s.diag();
        s.finish();
        let Some(file) = file else { continue };
        let full = super::measured::resolve(diag, file);
        let err = |m: String| diag.error(&key, format!("{file} {m}"));
        let f = match std::fs::File::open(&full) {
            Ok(f) => f,
            Err(e) => {
                err(format!("cannot be read (looked for {}): {e}", full.display()));
                continue;
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(std::io::BufReader::with_capacity(1 << 16, f));
        match reader.headers() {
            Ok(h) if h.iter().collect::<Vec<_>>() == ["time", "place"] => {}
            Ok(h) => {
                err(format!(
                    "line 1: the header is \"{}\"; expected time,place",
                    echo(&h.iter().collect::<Vec<_>>().join(","), 100)
                ));
                continue;
            }
            Err(e) => {
                err(format!("is not a CSV file: {e}"));
                continue;
            }
        }
        let mut record = csv::StringRecord::new();
        let mut counts: Vec<u64> = vec![0; cities.len()];
        let (mut first, mut prev): (Option<i128>, Option<(i128, u64)>) = (None, None);
        let mut rfc: Option<bool> = None;
        let mut line = 1u64;
        let mut bad = false;
        loop {
            line += 1;
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    err(format!("line {line}: {e}"));
                    bad = true;
                    break;
                }
            }
            let (time, place) = (record.get(0).unwrap_or(""), record.get(1).unwrap_or(""));
            let this = looks_rfc3339(time);
            let rfc3339 = *rfc.get_or_insert(this);
            if this != rfc3339 {
                err(format!(
                    "line {line}: \"{}\" mixes time formats: every row is RFC 3339 or every row is seconds",
                    echo(time, 40)
                ));
                bad = true;
                break;
            }
            let Some(t) = file_time_ns(time, rfc3339) else {
                err(format!(
                    "line {line}: \"{}\" is not a time: RFC 3339 (2026-11-27T19:00:00.250Z) or seconds from the file's start (0 to a century)",
                    echo(time, 40)
                ));
                bad = true;
                break;
            };
            if let Some((p, pl)) = prev
                && t < p
            {
                err(format!(
                    "line {line}: the rows must be in time order, and this one is before line {pl}'s"
                ));
                bad = true;
                break;
            }
            prev = Some((t, line));
            first.get_or_insert(t);
            match cities.iter().position(|c| *c == place) {
                Some(c) => counts[c] += 1,
                None => {
                    err(format!(
                        "line {line}: \"{}\" is not a [[city]] of the scenario ({}){}",
                        echo(place, 60),
                        cities.join(", "),
                        hint(place, cities)
                    ));
                    bad = true;
                    break;
                }
            }
        }
        if bad {
            continue;
        }
        let Some(first) = first else {
            err("has no rows".into());
            continue;
        };
        let rfc3339 = rfc.unwrap_or(false);
        let last = prev.map_or(first, |(t, _)| t);
        // t = 0: `from`, else the first row (RFC 3339) or the file's 0 (seconds).
        let origin_ns = match &from {
            None if rfc3339 => first,
            None => 0,
            Some(f) => match from_time_ns(f, rfc3339) {
                Some(t) if t <= last => t,
                _ => {
                    diag.error(
                        &key.replace(".file", ".from"),
                        format!(
                            "\"{}\" is not a time of {file} up to its last row ({})",
                            echo(f, 40),
                            if rfc3339 { "RFC 3339" } else { "seconds from its start, or a duration" }
                        ),
                    );
                    continue;
                }
            },
        };
        let mut in_file = Vec::new();
        for (c, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            if taken[c] || out.iter().any(|r| r.cities.iter().any(|&(x, _)| x == c)) {
                diag.error(
                    &key,
                    format!("{file}: {} already takes its traffic from another file", cities[c]),
                );
            }
            in_file.push((c, n));
        }
        let full = std::fs::canonicalize(&full).unwrap_or(full);
        out.push(ReplayFile { path: full, rfc3339, origin_ns, from, shift_ns, scale, cities: in_file });
    }
    out
}
