//! `[[traffic]]`: a city's request rate over time read from a file (a load
//! balancer's request counts per minute, say), instead of its `rps` and
//! daily profile.
//!
//! The file is CSV with a header: `time,place,rps` (a rate at each time)
//! or `time,place,requests` (a count over the interval that starts at each
//! time and ends at the place's next time; the last row's interval is as
//! long as the one before it). `time` is RFC 3339 (`2026-11-27T19:00:00Z`,
//! with `Z` or an offset) or seconds from the file's start (`0`, `60`, ...),
//! the same in every row; `place` is a `[[city]]` of the scenario. Within a
//! place, times must increase.
//!
//! * **Timeline.** `from` (a time of the file: RFC 3339 for an RFC 3339
//!   file, seconds or a duration for a seconds file; default the first row
//!   of an RFC 3339 file, 0 of a seconds file) is the run's t = 0, and rows
//!   before it are left out; `shift` moves the curve later. Times are kept
//!   in whole nanoseconds.
//! * **Between points.** `interpolation = "linear"` (default) joins the
//!   points with straight lines; `"step"` holds each value until the next
//!   point (what a count per interval means).
//! * **At the end.** `at_end = "clip"` (default): no traffic from the
//!   place's last point on (for counts: after its last interval); `"loop"`:
//!   the curve repeats over the span of its points plus its last interval.
//! * `scale` multiplies every rate ("what if this doubled").
//!
//! A city with a curve ignores its `rps` and `profile`; surges still
//! multiply it.

use super::diag::{Diag, echo, hint};
use super::reader::{Rule, Section};
use crate::engine::time::NS_PER_S;

/// Most requests per second a curve gives a city (as a city's `rps`).
const MAX_RPS: f64 = 1e6;
use std::sync::Arc;

/// How a curve goes between its points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// Straight lines between points.
    Linear,
    /// Each value held until the next point.
    Step,
}

/// A city's rate over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Run times of the points, nanoseconds, increasing.
    pub times_ns: Vec<u64>,
    /// Requests per second at each point (scaled).
    pub rps: Vec<f64>,
    /// Between points.
    pub interpolation: Interpolation,
    /// `Some(period)`: the curve repeats; `None`: zero after the last point.
    pub period_ns: Option<u64>,
}

impl Curve {
    /// The time within one period (`None` outside the curve when it does
    /// not loop).
    fn local(&self, t: u64) -> Option<u64> {
        let first = *self.times_ns.first()?;
        let last = *self.times_ns.last()?;
        match self.period_ns {
            Some(p) if p > 0 && t >= first => Some(first + (t - first) % p),
            // Clipped: nothing at or after the last point.
            _ if t < first || t >= last && self.times_ns.len() > 1 || t > last => None,
            _ => Some(t),
        }
    }

    /// Requests per second at run time `t` (ns).
    pub fn rate(&self, t: u64) -> f64 {
        let Some(x) = self.local(t) else { return 0.0 };
        // The last point at or before x.
        let i = self.times_ns.partition_point(|&p| p <= x).saturating_sub(1);
        match self.interpolation {
            Interpolation::Step => self.rps[i],
            Interpolation::Linear => {
                let Some(&next) = self.times_ns.get(i + 1) else { return self.rps[i] };
                let (a, b) = (self.times_ns[i], next);
                let f = (x - a) as f64 / (b - a) as f64;
                self.rps[i] + (self.rps[i + 1] - self.rps[i]) * f
            }
        }
    }

    /// The end of the piece containing run time `t`: the next point (a
    /// rate is linear or constant up to it), or `u64::MAX`.
    pub fn piece_end(&self, t: u64) -> u64 {
        let (Some(&first), Some(&last)) = (self.times_ns.first(), self.times_ns.last()) else {
            return u64::MAX;
        };
        if t < first {
            return first;
        }
        match self.period_ns {
            Some(p) if p > 0 => {
                let base = t - (t - first) % p;
                let x = first + (t - first) % p;
                let i = self.times_ns.partition_point(|&q| q <= x);
                base - first + self.times_ns.get(i).copied().unwrap_or(last + (p - (last - first)))
            }
            _ if t >= last => u64::MAX,
            _ => {
                let i = self.times_ns.partition_point(|&q| q <= t);
                self.times_ns[i]
            }
        }
    }

    /// The least and largest rate over `[a, b)`, an interval inside one
    /// piece (see [`Curve::piece_end`]): its ends, as the rate is linear or
    /// constant in a piece. The end is taken 1 ns before `b` (the piece's
    /// last instant: at a point of a looping curve the rate jumps).
    pub fn range(&self, a: u64, b: u64) -> (f64, f64) {
        let x = self.rate(a);
        let y = match self.interpolation {
            Interpolation::Step => x,
            Interpolation::Linear => self.rate(b.saturating_sub(1).max(a)),
        };
        (x.min(y), x.max(y))
    }

    /// Requests over `[0, until]` (ns), by the trapezoid on each piece.
    pub fn integral(&self, until: u64) -> f64 {
        let mut t = 0u64;
        let mut total = 0.0;
        let last = self.times_ns.last().copied().unwrap_or(0);
        while t < until {
            if self.period_ns.is_none() && t >= last {
                // Clipped: nothing after the last point.
                break;
            }
            let end = self.piece_end(t).min(until);
            let (a, b) = match self.interpolation {
                Interpolation::Step => (self.rate(t), self.rate(t)),
                Interpolation::Linear => (self.rate(t), self.rate(end.saturating_sub(1).max(t))),
            };
            total += (a + b) / 2.0 * (end - t) as f64 / NS_PER_S as f64;
            if end == t {
                break;
            }
            t = end;
        }
        total
    }
}

/// `[[traffic]]` as read, kept to write the resolved scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficFile {
    /// The file, made absolute.
    pub file: String,
    /// `interpolation`.
    pub interpolation: Interpolation,
    /// `scale`.
    pub scale: f64,
    /// `from`, as written.
    pub from: Option<String>,
    /// `shift`.
    pub shift_ns: u64,
    /// `at_end = "loop"`.
    pub looped: bool,
    /// The curves it gives, by city index.
    pub curves: Vec<(usize, Arc<Curve>)>,
}

/// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 date-time.
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    parse_rfc3339_ns(text).map(|ns| ns as f64 / 1e9)
}

/// Nanoseconds since 1970-01-01T00:00:00Z of an RFC 3339 date-time,
/// exactly (fractions beyond nanoseconds are cut).
pub fn parse_rfc3339_ns(text: &str) -> Option<i128> {
    let t = text.trim();
    let b = t.as_bytes();
    if !t.is_ascii() || b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num =
        |s: &str| -> Option<i64> { s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten() };
    let (y, mo, d) = (num(&t[0..4])?, num(&t[5..7])?, num(&t[8..10])?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, s) = (num(&t[11..13])?, num(&t[14..16])?, num(&t[17..19])?);
    let mut rest = &t[19..];
    let mut nanos: i128 = 0;
    if let Some(r) = rest.strip_prefix('.') {
        // Without allocating: replays parse one time per request.
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        for (k, c) in r[..n].bytes().enumerate().take(9) {
            nanos += i128::from(c - b'0') * 10i128.pow(8 - k as u32);
        }
        rest = &r[n..];
    }
    let offset_s = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let (oh, om) = (num(&o[1..3])?, num(&o[4..6])?);
            if oh > 23 || om > 59 {
                return None;
            }
            (if o.starts_with('-') { -1 } else { 1 }) * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d < 1 || d > month_days[(mo - 1) as usize] || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = i128::from(days * 86_400 + h * 3600 + mi * 60 + s - offset_s);
    Some(secs * 1_000_000_000 + nanos)
}

/// Whether a data file's time is written in RFC 3339 (else seconds).
pub fn looks_rfc3339(text: &str) -> bool {
    text.contains('T') || text.contains('t') || (text.contains('-') && text.trim().len() > 10)
}

/// Seconds files hold at most a century.
const MAX_SECONDS: f64 = 100.0 * 365.25 * 86_400.0;

/// A data file's time in nanoseconds: since the epoch (RFC 3339) or since
/// the file's start (seconds, 0 to a century).
pub fn file_time_ns(text: &str, rfc3339: bool) -> Option<i128> {
    if rfc3339 {
        parse_rfc3339_ns(text)
    } else {
        let t: f64 = text.trim().parse().ok()?;
        (t.is_finite() && (0.0..=MAX_SECONDS).contains(&t)).then(|| (t * 1e9).round() as i128)
    }
}

/// `from` in a data file's terms: an RFC 3339 time for an RFC 3339 file;
/// for a seconds file, seconds (`1800`) or a duration (`"30m"`).
pub fn from_time_ns(text: &str, rfc3339: bool) -> Option<i128> {
    if rfc3339 {
        parse_rfc3339_ns(text)
    } else {
        file_time_ns(text, false).or_else(|| super::units::parse_duration(text).ok().map(i128::from))
    }
}

/// Reads every `[[traffic]]` and its file; `cities` are the scenario's names.
pub fn read_traffic(root: &mut Section<'_>, cities: &[&str]) -> Vec<TrafficFile> {
    let mut out = Vec::new();
    let mut taken: Vec<Option<String>> = vec![None; cities.len()];
    for mut s in root.sections("traffic") {
        let file = s.opt_string("file");
        if file.is_none() && !s.has("file") {
            s.missing("file", "a CSV file of time,place,rps (or requests), relative to the scenario");
        }
        let interpolation = s.choice(
            "interpolation",
            Interpolation::Linear,
            &[("linear", Interpolation::Linear), ("step", Interpolation::Step)],
        );
        let scale = s.number("scale", 1.0, Rule::Between(0.0, 1e6));
        let from = s.opt_string("from").map(str::to_string);
        let shift_ns = s.duration("shift", 0, Rule::AtLeast(0.0));
        let looped = s.choice("at_end", false, &[("clip", false), ("loop", true)]);
        // A Cloud Monitoring export: countries, spread over cities.
        let mut map = s.section("countries");
        let mut countries: Vec<CountryRule> = Vec::new();
        for k in map.keys() {
            let at = map.key_path(k);
            match map.table_get(k) {
                Some(toml::Value::Array(items)) => {
                    let names: Vec<(String, Option<f64>)> =
                        items.iter().filter_map(|v| v.as_str().map(|n| (n.to_string(), None))).collect();
                    if names.len() != items.len() || names.is_empty() {
                        map.diag().error(
                            &at,
                            "expected [[city]] names, e.g. [\"Tokyo\", \"Osaka\"] (split by population)",
                        );
                    }
                    countries.push((k.to_string(), names));
                }
                Some(toml::Value::Table(t)) => {
                    let shares: Vec<(String, Option<f64>)> = t
                        .iter()
                        .map(|(n, v)| (n.clone(), v.as_float().or(v.as_integer().map(|i| i as f64))))
                        .collect();
                    if shares.is_empty()
                        || shares.iter().any(|(_, x)| !x.is_some_and(|x| x.is_finite() && x > 0.0))
                    {
                        map.diag().error(
                            &at,
                            "expected shares above 0 by [[city]], e.g. { Tokyo = 0.7, Osaka = 0.3 }",
                        );
                    }
                    countries.push((k.to_string(), shares));
                }
                _ => map.diag().error(&at, "expected a list of [[city]] names or a table of shares"),
            }
        }
        map.accept_all();
        map.finish();
        let drop_unmatched = s.choice("unmatched", false, &[("error", false), ("drop", true)]);
        let key = s.key_path("file");
        let diag = s.diag();
        s.finish();
        let Some(file) = file else { continue };
        let full = super::measured::resolve(diag, file);
        let curves = if file.ends_with(".json") {
            let how = Export {
                countries: &countries,
                drop_unmatched,
                scale,
                from: from.as_deref(),
                shift_ns,
                looped,
            };
            read_export(diag, &key, file, &full, cities, &how)
        } else {
            if !countries.is_empty() {
                diag.error(
                    &key.replace(".file", ".countries"),
                    format!("{file} is not a Cloud Monitoring export (.json): countries apply to those only"),
                );
            }
            read_file(
                diag,
                &key,
                file,
                &full,
                cities,
                interpolation,
                scale,
                from.as_deref(),
                shift_ns,
                looped,
            )
        };
        let Some(curves) = curves else { continue };
        for (c, _) in &curves {
            if let Some(other) = &taken[*c] {
                diag.error(&key, format!("{file}: {} already has its traffic from {other}", cities[*c]));
            }
            taken[*c] = Some(file.to_string());
        }
        let full = std::fs::canonicalize(&full).unwrap_or(full);
        out.push(TrafficFile {
            file: full.display().to_string(),
            interpolation,
            scale,
            from,
            shift_ns,
            looped,
            curves,
        });
    }
    out
}

/// One row of a traffic file.
struct Row {
    line: usize,
    /// Nanoseconds (see [`file_time_ns`]).
    t: i128,
    value: f64,
}

#[allow(clippy::too_many_arguments)]
fn read_file(
    diag: &Diag<'_>,
    key: &str,
    file: &str,
    full: &std::path::Path,
    cities: &[&str],
    interpolation: Interpolation,
    scale: f64,
    from: Option<&str>,
    shift_ns: u64,
    looped: bool,
) -> Option<Vec<(usize, Arc<Curve>)>> {
    let err = |m: String| {
        diag.error(key, format!("{file} {m}"));
        None
    };
    let text = match std::fs::read_to_string(full) {
        Ok(t) => t,
        Err(e) => return err(format!("cannot be read (looked for {}): {e}", full.display())),
    };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let head: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return err(format!("is not a CSV file: {e}")),
    };
    let counts = match head.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["time", "place", "rps"] => false,
        ["time", "place", "requests"] => true,
        _ => {
            return err(format!(
                "line 1: the header is \"{}\"; expected time,place,rps or time,place,requests",
                echo(&head.join(","), 100)
            ));
        }
    };
    let mut rfc: Option<bool> = None;
    let mut rows: Vec<Vec<Row>> = (0..cities.len()).map(|_| Vec::new()).collect();
    let mut any = false;
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => return err(format!("line {line}: {e}")),
        };
        let (time, place, value) =
            (rec.get(0).unwrap_or(""), rec.get(1).unwrap_or(""), rec.get(2).unwrap_or(""));
        let this_rfc = looks_rfc3339(time);
        if *rfc.get_or_insert(this_rfc) != this_rfc {
            return err(format!(
                "line {line}: \"{}\" mixes time formats: every row is RFC 3339 or every row is seconds",
                echo(time, 40)
            ));
        }
        let Some(t) = file_time_ns(time, this_rfc) else {
            return err(format!(
                "line {line}: \"{}\" is not a time: RFC 3339 such as 2026-11-27T19:00:00Z, or seconds from the file's start (0 to a century)",
                echo(time, 40)
            ));
        };
        let Some(c) = cities.iter().position(|n| *n == place) else {
            return err(format!(
                "line {line}: \"{}\" is not a [[city]] of the scenario ({}){}",
                echo(place, 60),
                cities.join(", "),
                hint(place, cities)
            ));
        };
        let v: f64 = match value.parse::<f64>() {
            Ok(v) if (0.0..=1e12).contains(&v) => v,
            _ => {
                let what = if counts { "a count of requests" } else { "requests per second" };
                return err(format!(
                    "line {line}: \"{}\" is not {what}: give a number, 0 or more",
                    echo(value, 40)
                ));
            }
        };
        if let Some(prev) = rows[c].last()
            && t <= prev.t
        {
            return err(format!(
                "line {line}: {place}'s times must increase, and this one is not after line {}'s",
                prev.line
            ));
        }
        rows[c].push(Row { line, t, value: v });
        any = true;
    }
    if !any {
        return err("has no rows".into());
    }
    let rfc3339 = rfc == Some(true);
    let first = rows.iter().filter_map(|r| r.first()).map(|r| r.t).min().unwrap_or(0);
    let last = rows.iter().filter_map(|r| r.last()).map(|r| r.t).max().unwrap_or(0);
    // t = 0: `from`, else the first row (RFC 3339) or the file's 0 (seconds).
    let origin: i128 = match from {
        None if rfc3339 => first,
        None => 0,
        Some(f) => match from_time_ns(f, rfc3339) {
            Some(t) if t <= last => t,
            Some(_) => return err(format!("from = \"{}\" is after the file's last time", echo(f, 40))),
            None => {
                let want = if rfc3339 {
                    "an RFC 3339 time, as in the file"
                } else {
                    "seconds from the file's start (1800) or a duration (\"30m\")"
                };
                return err(format!("from = \"{}\" is not {want}", echo(f, 40)));
            }
        },
    };
    let mut out = Vec::new();
    for (c, r) in rows.into_iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        // Counts become rates over their interval; the last interval is as
        // long as the one before it (a single row: one minute).
        let mut times: Vec<i128> = r.iter().map(|x| x.t).collect();
        let minute: i128 = 60_000_000_000;
        let last_len = if r.len() >= 2 { r[r.len() - 1].t - r[r.len() - 2].t } else { minute };
        let mut rps: Vec<f64> = Vec::with_capacity(r.len() + 1);
        for (k, x) in r.iter().enumerate() {
            let len = r.get(k + 1).map_or(last_len, |n| n.t - x.t);
            rps.push(if counts { x.value / (len as f64 / 1e9) } else { x.value } * scale);
        }
        if let Some(big) = rps.iter().position(|&x| x > MAX_RPS) {
            return err(format!(
                "line {}: {} requests per second (after scale) for {}; a city takes at most {MAX_RPS}",
                r[big].line, rps[big], cities[c]
            ));
        }
        let interpolation = if counts { Interpolation::Step } else { interpolation };
        if counts {
            // The last interval ends one interval after the last row.
            times.push(r[r.len() - 1].t + last_len);
            rps.push(0.0);
        }
        // A rate file repeats over the span of its points plus its last
        // interval (a day of per-minute rates every 24 hours); counts already
        // end one interval after their last row.
        let loop_extra = looped.then_some(if counts { 0 } else { last_len });
        match run_curve(&times, &rps, interpolation, origin, shift_ns, loop_extra) {
            Ok(curve) => out.push((c, Arc::new(curve))),
            Err(m) => return err(format!("{}: {m}", cities[c])),
        }
    }
    Some(out)
}

/// A curve on the run's clock from points in a file's time (ns): the
/// file's `origin` falls at `shift_ns`, points before it are dropped and
/// the curve's value at the origin is kept there; `loop_extra` (when it
/// loops) is added to the span of the points to make the period.
fn run_curve(
    times: &[i128],
    rps: &[f64],
    interpolation: Interpolation,
    origin: i128,
    shift_ns: u64,
    loop_extra: Option<i128>,
) -> Result<Curve, String> {
    let rel: Vec<i128> = times.iter().map(|&t| t - origin).collect();
    let raw_rate = |x: i128| -> f64 {
        let Some(i) = rel.partition_point(|&p| p <= x).checked_sub(1) else { return 0.0 };
        match (interpolation, rel.get(i + 1)) {
            (Interpolation::Linear, Some(&n)) => {
                rps[i] + (rps[i + 1] - rps[i]) * (x - rel[i]) as f64 / (n - rel[i]) as f64
            }
            _ => rps[i],
        }
    };
    let shift = i128::from(shift_ns);
    let mut t_ns: Vec<u64> = Vec::new();
    let mut v: Vec<f64> = Vec::new();
    if rel[0] < 0 && rel.last().is_some_and(|&l| l > 0) {
        t_ns.push(shift_ns);
        v.push(raw_rate(0));
    }
    for (k, &x) in rel.iter().enumerate() {
        if x > 0 || (x == 0 && t_ns.is_empty()) {
            t_ns.push(u64::try_from(x + shift).map_err(|_| "a time is too far from `from`".to_string())?);
            v.push(rps[k]);
        }
    }
    if t_ns.is_empty() {
        // Every point is before `from`: no traffic.
        t_ns.push(0);
        v.push(0.0);
    }
    let period_ns = match loop_extra {
        None => None,
        Some(extra) => {
            let span = t_ns.last().copied().unwrap_or(0) - t_ns[0] + u64::try_from(extra).unwrap_or(0);
            if span == 0 {
                return Err("at_end = \"loop\": the curve has no length to repeat (one point)".into());
            }
            Some(span)
        }
    };
    Ok(Curve { times_ns: t_ns, rps: v, interpolation, period_ns })
}

/// `[traffic.countries]`: a country (as the export names it) and its
/// cities, each with its share (`None`: by metro population).
type CountryRule = (String, Vec<(String, Option<f64>)>);

/// Requests over `[start, end)`, nanoseconds since the epoch.
type Interval = (i128, i128, f64);

/// How to read a Cloud Monitoring export.
struct Export<'a> {
    countries: &'a [CountryRule],
    drop_unmatched: bool,
    scale: f64,
    from: Option<&'a str>,
    shift_ns: u64,
    looped: bool,
}

/// Reads the Monitoring API's `timeSeries.list` answer for the load
/// balancer's `https/request_count` grouped by `client_country` (each
/// point: a count over its interval), and spreads each country's requests
/// over cities: the `[traffic.countries]` list or shares, else the
/// scenario's cities in that country by metro population.
fn read_export(
    diag: &Diag<'_>,
    key: &str,
    file: &str,
    full: &std::path::Path,
    cities: &[&str],
    how: &Export<'_>,
) -> Option<Vec<(usize, Arc<Curve>)>> {
    let err = |m: String| {
        diag.error(key, format!("{file}: {m}"));
        None
    };
    let text = match std::fs::read_to_string(full) {
        Ok(t) => t,
        Err(e) => return err(format!("cannot be read (looked for {}): {e}", full.display())),
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return err(format!("line {}: not JSON: {e}", e.line())),
    };
    let Some(series) = json.get("timeSeries").and_then(|v| v.as_array()) else {
        return err("no timeSeries: expected the Monitoring API's timeSeries.list answer".into());
    };
    // Per country: (start, end, requests) of every point.
    let mut by_country: Vec<(String, Vec<Interval>)> = Vec::new();
    for (k, s) in series.iter().enumerate() {
        let Some(country) = s.pointer("/metric/labels/client_country").and_then(|v| v.as_str()) else {
            return err(format!(
                "series {}: no client_country label; export request_count grouped by client_country",
                k + 1
            ));
        };
        let mut points = Vec::new();
        for (j, p) in s.get("points").and_then(|v| v.as_array()).into_iter().flatten().enumerate() {
            let t = |which: &str| {
                p.pointer(&format!("/interval/{which}")).and_then(|v| v.as_str()).and_then(parse_rfc3339_ns)
            };
            let (Some(a), Some(b)) = (t("startTime"), t("endTime")) else {
                return err(format!(
                    "series {} point {}: its interval needs RFC 3339 startTime and endTime",
                    k + 1,
                    j + 1
                ));
            };
            let v = p
                .pointer("/value/int64Value")
                .and_then(|v| v.as_str().and_then(|x| x.parse::<f64>().ok()).or(v.as_f64()))
                .or_else(|| p.pointer("/value/doubleValue").and_then(|v| v.as_f64()));
            match v {
                Some(v) if v.is_finite() && v >= 0.0 && b > a => points.push((a, b, v)),
                _ => {
                    return err(format!(
                        "series {} point {}: expected a count of requests (int64Value, 0 or more) over an interval of some length",
                        k + 1,
                        j + 1
                    ));
                }
            }
        }
        match by_country.iter_mut().find(|(c, _)| c == country) {
            Some((_, v)) => v.extend(points),
            None => by_country.push((country.to_string(), points)),
        }
    }
    if by_country.iter().all(|(_, p)| p.is_empty()) {
        return err("has no points".into());
    }
    // Each country's cities and their weights.
    let mut segments: Vec<Vec<Interval>> = vec![Vec::new(); cities.len()];
    let mut unmatched: Vec<(String, f64)> = Vec::new();
    let total: f64 = by_country.iter().flat_map(|(_, p)| p.iter().map(|x| x.2)).sum();
    for (country, points) in &by_country {
        let code = crate::geo::countries::code_of(country);
        let mapped = how
            .countries
            .iter()
            .find(|(k, _)| k == country || code.is_some() && crate::geo::countries::code_of(k) == code);
        let targets: Vec<(usize, f64)> = match mapped {
            Some((k, list)) => {
                let mut out = Vec::new();
                for (name, share) in list {
                    let Some(c) = cities.iter().position(|n| n == name) else {
                        return err(format!(
                            "countries.\"{k}\": \"{}\" is not a [[city]] of the scenario{}",
                            echo(name, 60),
                            hint(name, cities)
                        ));
                    };
                    let w = match share {
                        Some(x) => *x,
                        None => match crate::geo::cities::find(name) {
                            Some(b) => f64::from(b.population_k),
                            None => {
                                return err(format!(
                                    "countries.\"{k}\": {name} is not a built-in metro, so its population is unknown: give shares, e.g. {{ \"{name}\" = 0.5, ... }}"
                                ));
                            }
                        },
                    };
                    out.push((c, w));
                }
                out
            }
            None => cities
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    let b = crate::geo::cities::find(n)?;
                    (Some(b.country) == code).then_some((i, f64::from(b.population_k)))
                })
                .collect(),
        };
        let sum: f64 = targets.iter().map(|t| t.1).sum();
        if targets.is_empty() || sum <= 0.0 {
            unmatched.push((country.clone(), points.iter().map(|x| x.2).sum()));
            continue;
        }
        for &(c, w) in &targets {
            for &(a, b, n) in points {
                segments[c].push((a, b, n * w / sum / ((b - a) as f64 / 1e9) * how.scale));
            }
        }
    }
    if !unmatched.is_empty() && !how.drop_unmatched {
        unmatched.sort_by(|a, b| b.1.total_cmp(&a.1));
        let list: Vec<String> = unmatched
            .iter()
            .take(6)
            .map(|(c, n)| format!("\"{}\" ({} requests)", echo(c, 40), n.round()))
            .collect();
        return err(format!(
            "{} countr{} with no [[city]] of the scenario to send {} to: {}{}; add a city there, map it under [traffic.countries], or set unmatched = \"drop\"",
            unmatched.len(),
            if unmatched.len() == 1 { "y" } else { "ies" },
            if unmatched.len() == 1 { "its requests" } else { "their requests" },
            list.join(", "),
            if unmatched.len() > 6 { ", ..." } else { "" }
        ));
    }
    if !unmatched.is_empty() {
        let dropped: f64 = unmatched.iter().map(|x| x.1).sum();
        diag.warn(key, format!("{file}: {:.1} % of the requests come from countries with no [[city]] and are left out (unmatched = \"drop\")", 100.0 * dropped / total.max(1.0)));
    }
    let first = by_country.iter().flat_map(|(_, p)| p.iter().map(|x| x.0)).min().unwrap_or(0);
    let last = by_country.iter().flat_map(|(_, p)| p.iter().map(|x| x.1)).max().unwrap_or(0);
    let origin = match how.from {
        None => first,
        Some(f) => match parse_rfc3339_ns(f) {
            Some(t) if t < last => t,
            _ => {
                return err(format!(
                    "from = \"{}\" is not an RFC 3339 time before the export's end",
                    echo(f, 40)
                ));
            }
        },
    };
    let mut out = Vec::new();
    for (c, segs) in segments.into_iter().enumerate() {
        if segs.is_empty() {
            continue;
        }
        // A step curve: at every boundary, the sum of the segments over it.
        let mut bounds: Vec<i128> = segs.iter().flat_map(|&(a, b, _)| [a, b]).collect();
        bounds.sort_unstable();
        bounds.dedup();
        let rate_at = |t: i128| segs.iter().filter(|&&(a, b, _)| a <= t && t < b).map(|x| x.2).sum::<f64>();
        let rps: Vec<f64> = bounds.iter().map(|&t| rate_at(t)).collect();
        if let Some(i) = rps.iter().position(|&x| x > MAX_RPS) {
            return err(format!(
                "{} would get {:.0} requests per second (after scale); a city takes at most {MAX_RPS}",
                cities[c], rps[i]
            ));
        }
        match run_curve(&bounds, &rps, Interpolation::Step, origin, how.shift_ns, how.looped.then_some(0)) {
            Ok(curve) => out.push((c, Arc::new(curve))),
            Err(m) => return err(format!("{}: {m}", cities[c])),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2026-11-27T19:00:00Z"), Some(1_795_806_000.0));
        assert_eq!(parse_rfc3339("2026-11-27T20:00:00+01:00"), Some(1_795_806_000.0));
        assert_eq!(parse_rfc3339("2000-02-29T12:00:00.5Z"), Some(951_825_600.5));
        assert_eq!(parse_rfc3339_ns("2026-11-27T19:00:00.123456789Z"), Some(1_795_806_000_123_456_789));
        for bad in [
            "2026-11-27",
            "2026-13-01T00:00:00Z",
            "2026-11-27T19:00:00",
            "x",
            "2025-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-27T19:00:00+99:00",
            "2026-11-27T19:00:0\u{e9}Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn linear_step_and_loop() {
        let s = |x: u64| x * NS_PER_S;
        let c = Curve {
            times_ns: vec![0, s(10), s(20)],
            rps: vec![0.0, 100.0, 50.0],
            interpolation: Interpolation::Linear,
            period_ns: None,
        };
        assert_eq!(c.rate(s(5)), 50.0);
        assert_eq!(c.rate(s(15)), 75.0);
        assert_eq!(c.rate(s(21)), 0.0);
        assert_eq!(c.piece_end(s(5)), s(10));
        assert!((c.integral(s(20)) - (500.0 + 750.0)).abs() < 1e-6);
        let looped = Curve { period_ns: Some(s(20)), ..c.clone() };
        assert_eq!(looped.rate(s(25)), 50.0);
        assert_eq!(looped.piece_end(s(25)), s(30));
        let step = Curve { interpolation: Interpolation::Step, ..c };
        assert_eq!(step.rate(s(15)), 100.0);
        assert_eq!(step.range(s(10), s(20)), (100.0, 100.0));
    }
}
