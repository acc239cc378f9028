//! Gives the binary a build id: a digest of the sources it was compiled
//! from (`src/`, `Cargo.toml`, `Cargo.lock`), as `NEGSIM_BUILD`.
//!
//! Two commits that both call themselves "0.1.0" can compute different
//! figures; results carry this id so that `negsim merge` refuses shards of
//! two builds. It is a digest of the sources, not of the binary, so the same
//! sources built on two machines of a batch system agree.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    collect(&root.join("src"), &mut files);
    files.sort();
    let mut h = Fnv::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap_or(f);
        h.write(rel.to_string_lossy().as_bytes());
        // Cargo.lock may be absent in a checkout used as a library.
        h.write(&fs::read(f).unwrap_or_default());
    }
    println!("cargo:rustc-env=NEGSIM_BUILD={:016x}", h.0);
    for name in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={name}");
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// FNV-1a, 64 bits, with each part's end marked (as `negsim::digest`).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
}
