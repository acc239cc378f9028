//! Digests that say whether two results belong together: what built the
//! binary ([`BUILD`]) and what went into a run ([`Digest`]).
//!
//! FNV-1a with 64 bits: fast, dependency-free and stable across releases
//! (std's hashers are not). It detects mixed or damaged files, not an
//! adversary: whoever can write a result folder can rewrite its manifest.

use std::io::{self, Read};
use std::path::Path;

/// negsim's version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A digest of the sources this binary was built from (see `build.rs`):
/// two builds that call themselves the same version but compute different
/// figures have different ids.
pub const BUILD: &str = env!("NEGSIM_BUILD");

/// FNV-1a over parts; each part's end is marked, so `["ab", "c"]` and
/// `["a", "bc"]` differ.
#[derive(Clone, Debug)]
pub struct Digest(u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
}

impl Digest {
    /// A digest of nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the bytes of one part, without marking its end.
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Adds one whole part.
    pub fn part(&mut self, bytes: &[u8]) -> &mut Self {
        self.bytes(bytes);
        self.bytes(&[0xff]);
        self
    }

    /// The digest as 16 hexadecimal digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// The digest of a file's bytes (one part), read in blocks, with its length.
    pub fn of_file(path: &Path) -> io::Result<(String, u64)> {
        let mut f = std::fs::File::open(path)?;
        let mut d = Digest::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut len = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            d.bytes(&buf[..n]);
            len += n as u64;
        }
        d.bytes(&[0xff]);
        Ok((d.hex(), len))
    }
}

/// The fingerprint of a result: negsim's version and build and the given
/// parts (the inputs after every override).
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut d = Digest::new();
    d.part(VERSION.as_bytes()).part(BUILD.as_bytes());
    for p in parts {
        d.part(p);
    }
    d.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_kept_apart_and_files_hash_as_one_part() {
        let a = Digest::new().part(b"ab").part(b"c").hex();
        let b = Digest::new().part(b"a").part(b"bc").hex();
        assert_ne!(a, b);
        let dir = std::env::temp_dir().join(format!("negsim-digest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x");
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&file, &big).unwrap();
        assert_eq!(Digest::of_file(&file).unwrap(), (Digest::new().part(&big).hex(), 200_000));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
