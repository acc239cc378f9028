//! Files that appear complete or not at all.
//!
//! A result file is written to a hidden temporary name in the same folder
//! and renamed over the final name only once it is complete and flushed, so
//! an interrupted run leaves the previous complete file or none, never a
//! truncated one (rename is atomic within a file system on POSIX). The
//! temporary name is unpredictable and created with `O_EXCL`, so a file
//! or link planted under it makes the write fail rather than follow it.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name.
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (its folder must exist).
    pub fn create(target: &Path) -> io::Result<Self> {
        let name =
            target.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let tmp =
            target.with_file_name(format!(".{}.tmp-{}", name.to_string_lossy(), super::folder::random_hex()));
        let file = File::options().write(true).create_new(true).open(&tmp)?;
        Ok(AtomicFile {
            tmp,
            target: target.to_path_buf(),
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The writer for the file's content.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("writer is present until commit")
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let writer = self.writer.take().expect("writer is present until commit");
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&self.tmp, &self.target)
    }

    /// Takes the buffered writer out (for streaming writers that own it);
    /// give it back with [`AtomicFile::commit_writer`].
    pub fn take_writer(&mut self) -> BufWriter<File> {
        self.writer.take().expect("writer is present until commit")
    }

    /// Commits a writer taken with [`AtomicFile::take_writer`].
    pub fn commit_writer(mut self, writer: BufWriter<File>) -> io::Result<()> {
        self.writer = Some(writer);
        self.commit()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: remove the partial file.
        if self.writer.is_some() || self.tmp.exists() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes a whole file atomically with `write`.
pub fn write_file(target: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut f = AtomicFile::create(target)?;
    write(f.writer())?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = std::env::temp_dir().join(format!("negsim-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("x.csv");
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.writer().write_all(b"half").unwrap();
            assert!(!target.exists());
            // Dropped without commit.
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "the temporary file is removed");
        write_file(&target, |w| w.write_all(b"whole")).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"whole");
        fs::remove_dir_all(&dir).unwrap();
    }
}
