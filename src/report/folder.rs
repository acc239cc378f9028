//! Output folders that hold one whole result or nothing.
//!
//! A run, a sweep or a merge writes every file into a fresh hidden folder
//! beside its target (`.NAME.negsim-XXXXXXXXXXXXXXXX`, an unpredictable
//! name made with `mkdir`, which fails rather than follow anything planted
//! there), writes a manifest last, then publishes the folder:
//!
//! * **Swap.** When the target is missing, empty, or holds a result of the
//!   same kind that negsim wrote, the new folder takes its place in one step
//!   (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere, or on a file system
//!   without it, two renames with a moment in which the target is missing),
//!   and the old folder is deleted. A reader sees the old whole result or
//!   the new whole one, never a mix; a run killed before the swap leaves
//!   the target as it was.
//! * **Into.** When the target holds files negsim did not write and
//!   `--force` was given, those files are kept: the old result's files (as
//!   its manifest lists them) are removed, the new ones moved in one by one
//!   and the manifest written last. Until it is, `negsim report` and
//!   `negsim merge` refuse the folder.
//!
//! The manifest (`manifest.json`) names every file with its size and
//! digest, the kind of result, negsim's version and build, and the
//! fingerprint of the inputs; `report` and `merge` check it before reading
//! anything. Each staging folder has a lock file beside it, held while its
//! writer lives: the next negsim that writes beside it deletes staging
//! folders whose writer died (killed outright, say), and never those of a
//! writer still at work.

use crate::digest::{BUILD, Digest, VERSION};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Component, Path, PathBuf};

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// Files a run or a sweep draws from its data; `negsim report` draws them again.
const DERIVED: &[&str] = &["report.html", "plots"];

/// Whether an older negsim (without a manifest) wrote `name` into a folder:
/// a run's files, or a sweep's.
fn legacy(name: &str) -> bool {
    super::files::RUN_FILES.contains(&name) || ["plots", "runs", "sweep.csv", "sweep.json"].contains(&name)
}

/// What a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One simulation run.
    Run,
    /// A sweep, a shard of one, or a merge of shards.
    Sweep,
    /// A capacity plan, a shard of one, or a merge of shards.
    Plan,
}

/// The kind of result `dir`'s manifest names, if it has a readable one
/// ([`verify`] says what is wrong with it otherwise).
pub fn kind_of(dir: &Path) -> Option<Kind> {
    let m: Manifest = serde_json::from_str(&fs::read_to_string(dir.join(MANIFEST)).ok()?).ok()?;
    [Kind::Run, Kind::Sweep, Kind::Plan].into_iter().find(|k| k.as_str() == m.kind)
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Plan => "plan",
        }
    }
}

/// One file of a result.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Path inside the folder, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// FNV-1a 64 digest of its bytes (see [`crate::digest`]).
    pub digest: String,
}

/// `manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `run` or `sweep`.
    pub kind: String,
    /// negsim's version.
    pub negsim: String,
    /// The build id (a digest of the sources).
    pub build: String,
    /// Digest of everything that shaped the result (inputs after overrides,
    /// version and build).
    pub fingerprint: String,
    /// Every file but the manifest, sorted by path.
    pub files: Vec<Entry>,
}

/// A folder that cannot be used.
#[derive(Debug)]
pub enum FolderError {
    /// The folder is not one negsim may write to or read from (the user's
    /// input: exit code 2).
    Refused(String),
    /// Reading or writing failed.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for FolderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FolderError::Refused(m) => f.write_str(m),
            FolderError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for FolderError {}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> FolderError + '_ {
    move |source| FolderError::Io { path: path.to_path_buf(), source }
}

/// Whether a hidden name is one of negsim's own leftovers: a staging
/// folder or lock inside a folder, or a temporary file of [`super::atomic`].
fn leftover(name: &str) -> bool {
    name.starts_with(".negsim-") || (name.starts_with('.') && name.contains(".tmp-"))
}

/// Every file under `dir` (not the manifest, not negsim's leftovers), as
/// sorted `/`-separated relative paths.
fn files_under(dir: &Path) -> io::Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
        for e in fs::read_dir(dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            if leftover(&name) || (dir == root && name == MANIFEST) {
                continue;
            }
            let p = e.path();
            if e.file_type()?.is_dir() {
                walk(root, &p, out)?;
            } else {
                let rel = p.strip_prefix(root).expect("under the root");
                let parts: Vec<String> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Where a sweep keeps its runs (`--keep-runs`): each run there has its
/// own manifest, which `negsim report` on that run rewrites, so the
/// sweep's manifest leaves them to it.
const KEPT_RUNS: &str = "runs/";

/// Writes the manifest of the files now in `dir`.
pub fn seal(dir: &Path, kind: Kind, fingerprint: &str) -> io::Result<Manifest> {
    let mut files = Vec::new();
    for path in files_under(dir)? {
        if kind == Kind::Sweep && path.starts_with(KEPT_RUNS) {
            continue;
        }
        let (digest, bytes) = Digest::of_file(&dir.join(&path))?;
        files.push(Entry { path, bytes, digest });
    }
    let manifest = Manifest {
        kind: kind.as_str().into(),
        negsim: VERSION.into(),
        build: BUILD.into(),
        fingerprint: fingerprint.into(),
        files,
    };
    let mut text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
    text.push('\n');
    super::atomic::write_file(&dir.join(MANIFEST), |w| w.write_all(text.as_bytes()))?;
    Ok(manifest)
}

/// The manifest of `dir`, if it has one that parses.
fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Checks that `dir` holds a whole result of `kind`: its manifest is there
/// and every file it lists has the size and digest it states.
pub fn verify(dir: &Path, kind: Kind) -> Result<Manifest, FolderError> {
    let refuse = |why: String| Err(FolderError::Refused(format!("{}: {why}", dir.display())));
    if !dir.is_dir() {
        return refuse("no such folder".into());
    }
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return refuse(format!(
            "has no {MANIFEST}: it is not a result negsim finished writing (a run killed while it published, or one from a negsim older than 0.1.0's manifests); run it again"
        ));
    };
    let m: Manifest = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => return refuse(format!("{MANIFEST} is damaged ({e}); run it again")),
    };
    if m.kind != kind.as_str() {
        return refuse(format!("holds a negsim {}, not a {}", m.kind, kind.as_str()));
    }
    for e in &m.files {
        let path = dir.join(&e.path);
        match Digest::of_file(&path) {
            Ok((digest, bytes)) if digest == e.digest && bytes == e.bytes => {}
            Ok((_, bytes)) => {
                return refuse(format!(
                    "{} is not the file this result wrote ({bytes} bytes, {} when written, and other content): the folder was changed or mixed with another; run it again",
                    e.path, e.bytes
                ));
            }
            Err(err) => {
                return refuse(format!("{} is listed in {MANIFEST} but cannot be read: {err}", e.path));
            }
        }
    }
    Ok(m)
}

/// What a target folder holds.
enum Found {
    /// Nothing, or nothing but negsim's leftovers.
    Nothing,
    /// A result of this kind negsim wrote (with or without a manifest).
    Ours(Kind),
    /// Files negsim did not write (their names, a few).
    Foreign(Vec<String>),
}

fn inspect(target: &Path) -> Result<Found, FolderError> {
    let meta = match fs::metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(io_at(target)(e)),
    };
    if !meta.is_dir() {
        return Err(FolderError::Refused(format!(
            "{} is a file, not a folder: give a folder with -o",
            target.display()
        )));
    }
    let all = files_under(target).map_err(io_at(target))?;
    let top: Vec<String> = fs::read_dir(target)
        .map_err(io_at(target))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !leftover(n))
        .collect();
    if top.is_empty() {
        return Ok(Found::Nothing);
    }
    if let Some(m) = read_manifest(target) {
        let listed: std::collections::HashSet<&str> = m.files.iter().map(|e| e.path.as_str()).collect();
        let kept = |p: &str| m.kind == Kind::Sweep.as_str() && p.starts_with(KEPT_RUNS);
        let foreign: Vec<String> =
            all.iter().filter(|p| !listed.contains(p.as_str()) && !kept(p)).cloned().collect();
        if !foreign.is_empty() {
            return Ok(Found::Foreign(foreign));
        }
        let kind = match m.kind.as_str() {
            "sweep" => Kind::Sweep,
            "plan" => Kind::Plan,
            _ => Kind::Run,
        };
        return Ok(Found::Ours(kind));
    }
    let foreign: Vec<String> = top.iter().filter(|n| !legacy(n) && n.as_str() != MANIFEST).cloned().collect();
    if !foreign.is_empty() {
        return Ok(Found::Foreign(foreign));
    }
    let sweep = top.iter().any(|n| n == "sweep.csv" || n == "sweep.json");
    Ok(Found::Ours(if sweep { Kind::Sweep } else { Kind::Run }))
}

/// How a staged result reaches its target.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Swap,
    Into,
}

/// A result being written, published whole by [`Staging::publish`] or
/// deleted when dropped unpublished.
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    lock: Option<(PathBuf, File)>,
    mode: Mode,
    kind: Kind,
    published: bool,
}

/// An unpredictable name: std's `RandomState` is seeded from the operating
/// system's random source.
pub(crate) fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    h.write_u128(now.as_nanos());
    format!("{:016x}", h.finish())
}

/// `target` with a parent and a final name (`.` and `..` resolved).
fn normalise(target: &Path) -> Result<(PathBuf, String), FolderError> {
    let named = matches!(target.components().next_back(), Some(Component::Normal(_)));
    let full = if named { target.to_path_buf() } else { fs::canonicalize(target).map_err(io_at(target))? };
    let name = full.file_name().map(|n| n.to_string_lossy().into_owned());
    let parent = full.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
    match (parent, name) {
        (Some(p), Some(n)) => Ok((p.to_path_buf(), n)),
        _ => Err(FolderError::Refused(format!(
            "{} cannot hold results: give a folder inside it with -o",
            target.display()
        ))),
    }
}

/// Deletes `prefix*` entries in `dir` whose writer is gone (its lock
/// file, `prefix` + 16 hex digits + `.lock`, is not held, or missing).
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else { continue };
        if rest.len() < 16 || rest.ends_with(".lock") {
            continue;
        }
        let lock = dir.join(format!("{prefix}{}.lock", &rest[..16]));
        let alive = File::options().write(true).open(&lock).is_ok_and(|f| f.try_lock().is_err());
        if !alive {
            let p = e.path();
            let _ = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
            let _ = fs::remove_file(&lock);
        }
    }
    // Lock files left without their folder. A writer creates its lock file
    // a moment before it locks it and makes its folder: a free lock without
    // a folder is deleted only once it is older than that moment could be,
    // or a live writer would lose its lock file and then its folder.
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && name.ends_with(".lock") {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age >= ORPHAN_LOCK_AGE));
            let free = File::options().write(true).open(e.path()).is_ok_and(|f| f.try_lock().is_ok());
            if old && free && !dir.join(name.trim_end_matches(".lock")).exists() {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// How old a free lock file without its folder must be to be deleted.
const ORPHAN_LOCK_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Creates the staging folder `in_dir/prefix<random>` and its held lock.
fn make_staging(in_dir: &Path, prefix: &str) -> io::Result<(PathBuf, (PathBuf, File))> {
    let id = random_hex();
    let lock_path = in_dir.join(format!("{prefix}{id}.lock"));
    let lock = File::options().write(true).create_new(true).open(&lock_path)?;
    if let Err(e) = lock.try_lock() {
        let _ = fs::remove_file(&lock_path);
        return Err(io::Error::other(e.to_string()));
    }
    let dir = in_dir.join(format!("{prefix}{id}"));
    if let Err(e) = fs::create_dir(&dir) {
        let _ = fs::remove_file(&lock_path);
        return Err(e);
    }
    Ok((dir, (lock_path, lock)))
}

impl Staging {
    /// Starts a result of `kind` for `target`. Refuses a target that is a
    /// file, holds a result of another kind, or holds files negsim did not
    /// write (unless `force`, which keeps those files).
    pub fn begin(target: &Path, kind: Kind, force: bool) -> Result<Staging, FolderError> {
        let mode = match inspect(target)? {
            Found::Nothing => Mode::Swap,
            Found::Ours(k) if k == kind => Mode::Swap,
            Found::Ours(k) => {
                return Err(FolderError::Refused(format!(
                    "{} holds a negsim {}: a {} goes into a folder of its own; give another folder with -o",
                    target.display(),
                    k.as_str(),
                    kind.as_str()
                )));
            }
            Found::Foreign(_) if force => Mode::Into,
            Found::Foreign(names) => {
                let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
                return Err(FolderError::Refused(format!(
                    "{} holds files negsim did not write ({}{}); give another folder with -o, or --force to write there anyway (those files are kept)",
                    target.display(),
                    shown.join(", "),
                    if names.len() > 3 { ", ..." } else { "" }
                )));
            }
        };
        let (parent, name) = normalise(target)?;
        fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let prefix = format!(".{name}.negsim-");
        remove_stale(&parent, &prefix);
        let (dir, lock, mode) = match make_staging(&parent, &prefix) {
            Ok((dir, lock)) => (dir, lock, mode),
            // A folder whose parent is not writable: stage inside it.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && target.is_dir() => {
                remove_stale(target, ".negsim-");
                let (dir, lock) = make_staging(target, ".negsim-").map_err(io_at(target))?;
                (dir, lock, Mode::Into)
            }
            Err(e) => return Err(io_at(&parent)(e)),
        };
        Ok(Staging { target: parent.join(name), dir, lock: Some(lock), mode, kind, published: false })
    }

    /// Starts a new result for `target` from the data files of the result
    /// it holds (checked against its manifest), hard-linked (or copied)
    /// into the staging folder: `negsim report` draws there, then publishes.
    pub fn renew(target: &Path, kind: Kind) -> Result<(Staging, Manifest), FolderError> {
        let m = verify(target, kind)?;
        let staging = Staging::begin(target, kind, false)?;
        for e in &m.files {
            let first = e.path.split('/').next().unwrap_or_default();
            if DERIVED.contains(&first) {
                continue;
            }
            let (from, to) = (target.join(&e.path), staging.dir.join(&e.path));
            if let Some(p) = to.parent() {
                fs::create_dir_all(p).map_err(io_at(p))?;
            }
            if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(io_at(&from))?;
            }
        }
        Ok((staging, m))
    }

    /// Where the result's files are written.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes the manifest and puts the result in place of the target.
    pub fn publish(mut self, fingerprint: &str) -> Result<(), FolderError> {
        seal(&self.dir, self.kind, fingerprint).map_err(io_at(&self.dir))?;
        match self.mode {
            Mode::Swap => self.swap().map_err(io_at(&self.target))?,
            Mode::Into => self.move_into().map_err(io_at(&self.target))?,
        }
        self.published = true;
        if let Some(parent) = self.target.parent() {
            // Make the renames durable (where the system allows it).
            let _ = File::open(parent).and_then(|d| d.sync_all());
        }
        if let Some((path, _)) = self.lock.take() {
            let _ = fs::remove_file(path);
        }
        Ok(())
    }

    fn swap(&self) -> io::Result<()> {
        match fs::rename(&self.dir, &self.target) {
            Ok(()) => return Ok(()),
            // The target exists (and is not an empty folder).
            Err(_) if self.target.exists() => {}
            Err(e) => return Err(e),
        }
        if exchange(&self.dir, &self.target).is_ok() {
            // The staging path now holds the old result.
            return fs::remove_dir_all(&self.dir);
        }
        let mut old = self.dir.clone().into_os_string();
        old.push(".old");
        let old = PathBuf::from(old);
        fs::rename(&self.target, &old)?;
        fs::rename(&self.dir, &self.target)?;
        fs::remove_dir_all(&old)
    }

    fn move_into(&self) -> io::Result<()> {
        fs::create_dir_all(&self.target)?;
        if let Some(old) = read_manifest(&self.target) {
            fs::remove_file(self.target.join(MANIFEST))?;
            for e in &old.files {
                let _ = fs::remove_file(self.target.join(&e.path));
            }
        }
        for rel in files_under(&self.dir)? {
            let to = self.target.join(&rel);
            if let Some(p) = to.parent() {
                fs::create_dir_all(p)?;
            }
            fs::rename(self.dir.join(&rel), to)?;
        }
        fs::rename(self.dir.join(MANIFEST), self.target.join(MANIFEST))?;
        fs::remove_dir_all(&self.dir)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
        if let Some((path, _)) = self.lock.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// Swaps two folders in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("negsim-folder-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn hidden(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    #[test]
    fn a_result_replaces_the_old_one_whole_and_leaves_nothing_behind() {
        let root = scratch("swap");
        let target = root.join("out");
        for (round, files) in [(1, &["a.csv", "b.csv"][..]), (2, &["a.csv"][..])] {
            let s = Staging::begin(&target, Kind::Run, false).unwrap();
            assert!(!target.join("a.csv").exists() || round == 2);
            for f in files {
                fs::write(s.path().join(f), format!("{round}")).unwrap();
            }
            s.publish("fp").unwrap();
        }
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "2");
        assert!(!target.join("b.csv").exists(), "nothing of the first result stays");
        assert_eq!(verify(&target, Kind::Run).unwrap().files.len(), 1);
        assert!(hidden(&root).is_empty(), "{:?}", hidden(&root));
        // Dropped unpublished: nothing changes, nothing is left.
        let s = Staging::begin(&target, Kind::Run, false).unwrap();
        fs::write(s.path().join("a.csv"), "3").unwrap();
        drop(s);
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "2");
        assert!(hidden(&root).is_empty());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_dead_writers_staging_is_removed_and_a_live_ones_kept() {
        let root = scratch("stale");
        let target = root.join("out");
        let live = Staging::begin(&target, Kind::Run, false).unwrap();
        // A writer killed outright: its folder and an unheld lock stay.
        fs::create_dir(root.join(".out.negsim-0123456789abcdef")).unwrap();
        fs::write(root.join(".out.negsim-0123456789abcdef.lock"), "").unwrap();
        // A lock file alone: a writer that has not made its folder yet
        // (fresh), or one killed between the two (old).
        fs::write(root.join(".out.negsim-fedcba9876543210.lock"), "").unwrap();
        let old_lock = root.join(".out.negsim-00000000000000aa.lock");
        let f = File::create(&old_lock).unwrap();
        f.set_modified(std::time::SystemTime::now() - 2 * ORPHAN_LOCK_AGE).unwrap();
        drop(f);
        let other = Staging::begin(&target, Kind::Run, false).unwrap();
        assert!(!root.join(".out.negsim-0123456789abcdef").exists());
        assert!(root.join(".out.negsim-fedcba9876543210.lock").exists(), "a fresh lock is a writer at work");
        assert!(!old_lock.exists(), "an old free lock without a folder is removed");
        fs::remove_file(root.join(".out.negsim-fedcba9876543210.lock")).unwrap();
        assert!(live.path().is_dir(), "a live writer's folder is kept");
        fs::write(live.path().join("x"), "live").unwrap();
        live.publish("a").unwrap();
        fs::write(other.path().join("x"), "other").unwrap();
        other.publish("b").unwrap();
        assert_eq!(fs::read_to_string(target.join("x")).unwrap(), "other");
        assert!(hidden(&root).is_empty(), "{:?}", hidden(&root));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn forced_into_a_folder_of_other_files_keeps_them() {
        let root = scratch("into");
        let target = root.join("out");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("thesis.docx"), "precious").unwrap();
        assert!(matches!(Staging::begin(&target, Kind::Run, false), Err(FolderError::Refused(_))));
        for round in 0..2 {
            let s = Staging::begin(&target, Kind::Run, true).unwrap();
            fs::create_dir(s.path().join("plots")).unwrap();
            fs::write(s.path().join("plots/p.svg"), format!("{round}")).unwrap();
            s.publish("fp").unwrap();
        }
        assert_eq!(fs::read_to_string(target.join("thesis.docx")).unwrap(), "precious");
        assert_eq!(fs::read_to_string(target.join("plots/p.svg")).unwrap(), "1");
        verify(&target, Kind::Run).unwrap();
        assert!(matches!(verify(&target, Kind::Sweep), Err(FolderError::Refused(_))));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_changed_file_fails_verification() {
        let root = scratch("verify");
        let target = root.join("out");
        let s = Staging::begin(&target, Kind::Sweep, false).unwrap();
        fs::write(s.path().join("sweep.csv"), "point\n0\n").unwrap();
        s.publish("fp").unwrap();
        verify(&target, Kind::Sweep).unwrap();
        fs::write(target.join("sweep.csv"), "point\n1\n").unwrap();
        let e = verify(&target, Kind::Sweep).unwrap_err().to_string();
        assert!(e.contains("sweep.csv is not the file this result wrote"), "{e}");
        // A run may not replace a sweep, nor a sweep a run.
        let e = Staging::begin(&target, Kind::Run, true).err().unwrap().to_string();
        assert!(e.contains("holds a negsim sweep"), "{e}");
        fs::remove_dir_all(&root).unwrap();
    }
}
