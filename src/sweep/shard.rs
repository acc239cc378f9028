//! Splitting a sweep across machines, and joining the pieces.
//!
//! Shard `I` of `N` runs the points `p` with `p % N == I`. Without
//! `--shard`, the shard comes from the batch system running the task:
//!
//! | engine | index | count |
//! |---|---|---|
//! | Cloud Run jobs | `CLOUD_RUN_TASK_INDEX` | `CLOUD_RUN_TASK_COUNT` |
//! | Kubernetes indexed jobs | `JOB_COMPLETION_INDEX` | `NEGSIM_SHARD_COUNT` (set it to `.spec.completions`) |
//! | Slurm job arrays | `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` | `SLURM_ARRAY_TASK_COUNT` |
//!
//! Kubernetes does not expose the number of completions to the pod, so the
//! manifest passes it. A shard's `sweep.csv` holds only its points;
//! [`merge`] joins the shards into the file an unsharded run writes, byte
//! for byte, after checking they come from the same sweep and cover every
//! point once.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Which points this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// Every point.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether point `p` belongs to this shard.
    pub fn owns(&self, p: usize) -> bool {
        p % self.count == self.index
    }

    /// Parses `I/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text.split_once('/').ok_or_else(|| format!("\"{text}\" is not I/N, e.g. 0/4"))?;
        let index: usize = i.trim().parse().map_err(|_| format!("\"{i}\" is not a shard index"))?;
        let count: usize = n.trim().parse().map_err(|_| format!("\"{n}\" is not a shard count"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: the index must be from 0 to {}", count.max(1) - 1));
        }
        Ok(Shard { index, count })
    }

    /// The shard given by a batch system's environment, if any.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
        let num = |name: &str| -> Result<Option<usize>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) => {
                    v.trim().parse().map(Some).map_err(|_| format!("{name}={v} is not a whole number"))
                }
            }
        };
        let pick =
            |index: Option<usize>, count: Option<usize>, names: &str| -> Result<Option<Shard>, String> {
                match (index, count) {
                    (Some(i), Some(n)) => {
                        Shard::parse(&format!("{i}/{n}")).map(Some).map_err(|e| format!("{names}: {e}"))
                    }
                    (Some(_), None) => Err(format!("{names}: the index is set but not the count")),
                    _ => Ok(None),
                }
            };
        if let Some(s) = pick(num("CLOUD_RUN_TASK_INDEX")?, num("CLOUD_RUN_TASK_COUNT")?, "Cloud Run job")? {
            return Ok(Some(s));
        }
        if let Some(s) =
            pick(num("JOB_COMPLETION_INDEX")?, num("NEGSIM_SHARD_COUNT")?, "Kubernetes indexed job")?
        {
            return Ok(Some(s));
        }
        let slurm = num("SLURM_ARRAY_TASK_ID")?
            .map(|id| id.saturating_sub(num("SLURM_ARRAY_TASK_MIN").ok().flatten().unwrap_or(0)));
        pick(slurm, num("SLURM_ARRAY_TASK_COUNT")?, "Slurm array")
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A shard file that cannot be merged.
#[derive(Debug)]
pub struct MergeError(pub String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// What `sweep.json` says about a sweep, as far as merging needs.
#[derive(Debug, serde::Serialize, serde::Deserialize, Clone, PartialEq)]
pub struct SweepMeta {
    /// negsim's version.
    pub version: String,
    /// The build id (a digest of the sources negsim was built from).
    #[serde(default)]
    pub build: String,
    /// Digest of everything that shaped the results: the inputs after
    /// overrides, replications, seed, version and build.
    pub fingerprint: String,
    /// The sweep file.
    pub sweep: String,
    /// Points in the whole grid.
    pub points: usize,
    /// Replications per point.
    pub replications: u32,
    /// Seed of replication 0.
    pub seed: u64,
    /// `--duration`, when it shortened every point (`"5m"`), else absent.
    #[serde(default)]
    pub duration: Option<String>,
    /// `I/N`, or absent for the whole grid.
    pub shard: Option<String>,
    /// Threads used.
    pub threads: usize,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// The metrics to chart.
    #[serde(default)]
    pub metrics: Vec<String>,
}

/// Why shard `m` does not belong with `first`, naming what differs.
fn mismatch(first: &SweepMeta, m: &SweepMeta) -> Option<String> {
    let differ = |what: &str, a: &dyn fmt::Display, b: &dyn fmt::Display| {
        Some(format!("was run with {what} {b}, the first shard with {a}"))
    };
    let none = || "none".to_string();
    if first.version != m.version || first.build != m.build {
        let (a, b) = (
            format!("{} (build {})", first.version, first.build),
            format!("{} (build {})", m.version, m.build),
        );
        return differ("negsim", &a, &b);
    }
    if first.points != m.points {
        return differ("a grid of", &format!("{} points", first.points), &format!("{} points", m.points));
    }
    if first.replications != m.replications {
        return differ("--replications", &first.replications, &m.replications);
    }
    if first.duration != m.duration {
        let (a, b) = (first.duration.clone().unwrap_or_else(none), m.duration.clone().unwrap_or_else(none));
        return differ("--duration", &a, &b);
    }
    if first.seed != m.seed {
        return differ("seed", &first.seed, &m.seed);
    }
    if first.fingerprint != m.fingerprint {
        return Some(
            "comes from other inputs (the sweep file, the scenario or a file it reads differ)".into(),
        );
    }
    None
}

/// Joins shard files (each a `sweep.csv` with a `sweep.json` beside it, in
/// a folder negsim wrote whole: its manifest is checked) into the text of
/// the unsharded `sweep.csv` and its metadata. Every shard and every row is
/// checked before anything is returned: shards of one sweep (same inputs,
/// overrides, replications, version and build), rows with the header's
/// columns, each point of the grid exactly once and in the shard that owns it.
pub fn merge(files: &[PathBuf]) -> Result<(String, SweepMeta), MergeError> {
    let fail = |f: &Path, msg: String| MergeError(format!("{}: {msg}", f.display()));
    let mut header: Option<String> = None;
    let mut meta: Option<SweepMeta> = None;
    let mut lines: BTreeMap<usize, (String, PathBuf)> = BTreeMap::new();
    let mut shards: BTreeMap<(usize, usize), PathBuf> = BTreeMap::new();
    let mut wall = 0.0;
    for given in files {
        let f = if given.is_dir() { given.join("sweep.csv") } else { given.clone() };
        let f = &f;
        let folder = f.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        crate::report::folder::verify(folder, crate::report::folder::Kind::Sweep)
            .map_err(|e| MergeError(e.to_string()))?;
        let text = std::fs::read_to_string(f).map_err(|e| fail(f, format!("cannot read: {e}")))?;
        let json = f.with_file_name("sweep.json");
        let m: SweepMeta = std::fs::read_to_string(&json)
            .map_err(|e| fail(&json, format!("cannot read the shard's metadata: {e}")))
            .and_then(|t| {
                serde_json::from_str(&t).map_err(|e| fail(&json, format!("not sweep metadata: {e}")))
            })?;
        wall += m.wall_s;
        let shard = match &m.shard {
            Some(s) => Shard::parse(s).map_err(|e| fail(&json, format!("shard: {e}")))?,
            None => Shard::ALL,
        };
        match &meta {
            None => meta = Some(m.clone()),
            Some(first) => {
                if let Some(why) = mismatch(first, &m) {
                    return Err(fail(
                        f,
                        format!("is not a shard of the same sweep as {}: it {why}", files[0].display()),
                    ));
                }
            }
        }
        if let Some(other) = shards.insert((shard.index, shard.count), f.clone()) {
            return Err(fail(f, format!("is shard {shard}, as {} is", other.display())));
        }
        // Records by position in the text, so each line is kept byte for byte.
        if !text.is_empty() && !text.ends_with('\n') {
            return Err(fail(f, "its last line is cut off (no newline at the end)".into()));
        }
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut starts: Vec<(usize, usize)> = Vec::new(); // (byte offset, field count)
        loop {
            let at = reader.position().byte() as usize;
            match reader.read_record(&mut record) {
                Ok(true) => starts.push((at, record.len())),
                Ok(false) => break,
                Err(e) => return Err(fail(f, format!("not a CSV file: {e}"))),
            }
        }
        let Some(&(_, columns)) = starts.first() else { return Err(fail(f, "is empty".into())) };
        let line_of = |k: usize| {
            let end = starts.get(k + 1).map_or(text.len(), |&(b, _)| b);
            &text[starts[k].0..end]
        };
        match &header {
            None => header = Some(line_of(0).to_string()),
            Some(first) if first != line_of(0) => {
                return Err(fail(f, "has other columns than the first shard".into()));
            }
            Some(_) => {}
        }
        let points = meta.as_ref().map_or(0, |m| m.points);
        for (k, &(_, fields)) in starts.iter().enumerate().skip(1) {
            let line = line_of(k);
            let row = k + 1;
            if fields != columns {
                return Err(fail(f, format!("line {row} has {fields} fields, the header {columns}")));
            }
            let point: usize = line.split(',').next().and_then(|p| p.parse().ok()).ok_or_else(|| {
                fail(f, format!("line {row} does not start with a point number: {}", line.trim_end()))
            })?;
            if point >= points {
                return Err(fail(
                    f,
                    format!("line {row}: point {point} is outside the grid of {points} points"),
                ));
            }
            if !shard.owns(point) {
                return Err(fail(f, format!("line {row}: point {point} does not belong to shard {shard}")));
            }
            if let Some((_, other)) = lines.insert(point, (line.to_string(), f.clone())) {
                return Err(fail(f, format!("point {point} is also in {}", other.display())));
            }
        }
    }
    let (Some(header), Some(mut meta)) = (header, meta) else {
        return Err(MergeError("no shard files given".into()));
    };
    let missing: Vec<String> =
        (0..meta.points).filter(|p| !lines.contains_key(p)).map(|p| p.to_string()).collect();
    if !missing.is_empty() {
        let shown = missing.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        return Err(MergeError(format!(
            "{} of {} points are in no shard (missing: {shown}{}); was a shard left out or did it fail?",
            missing.len(),
            meta.points,
            if missing.len() > 10 { ", ..." } else { "" }
        )));
    }
    let mut out = header;
    for (line, _) in lines.values() {
        out.push_str(line);
    }
    meta.shard = None;
    meta.wall_s = wall;
    Ok((out, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard::parse(&format!("{i}/3")).unwrap()).collect();
        for p in 0..100 {
            assert_eq!(shards.iter().filter(|s| s.owns(p)).count(), 1);
        }
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
    }

    #[test]
    fn shards_from_batch_systems() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(Shard::from_env(env(&[])).unwrap(), None);
        assert_eq!(
            Shard::from_env(env(&[("CLOUD_RUN_TASK_INDEX", "2"), ("CLOUD_RUN_TASK_COUNT", "5")])).unwrap(),
            Some(Shard { index: 2, count: 5 })
        );
        assert_eq!(
            Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "0"), ("NEGSIM_SHARD_COUNT", "3")])).unwrap(),
            Some(Shard { index: 0, count: 3 })
        );
        assert_eq!(
            Shard::from_env(env(&[
                ("SLURM_ARRAY_TASK_ID", "7"),
                ("SLURM_ARRAY_TASK_MIN", "5"),
                ("SLURM_ARRAY_TASK_COUNT", "4")
            ]))
            .unwrap(),
            Some(Shard { index: 2, count: 4 })
        );
        assert!(Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "1")])).unwrap_err().contains("count"));
        assert!(
            Shard::from_env(env(&[("CLOUD_RUN_TASK_INDEX", "x"), ("CLOUD_RUN_TASK_COUNT", "2")])).is_err()
        );
    }
}
