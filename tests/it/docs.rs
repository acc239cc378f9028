//! The documentation: the scenario reference is what the reader generates
//! (so it cannot drift), and every relative link in the Markdown files
//! leads to a file of the repository.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_scenario_reference_is_the_one_the_reader_generates() {
    let path = root().join("docs/reference/scenario.md");
    let now = negsim::scenario::schema::markdown_reference();
    if std::env::var_os("NEGSIM_BLESS").is_some() {
        fs::write(&path, &now).unwrap();
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == now,
        "docs/reference/scenario.md is stale: rewrite it with NEGSIM_BLESS=1 cargo test --release reference"
    );
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// The targets of `[text](target)` links in Markdown text.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        if let Some(j) = after.find(')') {
            out.push(after[..j].to_string());
        }
        rest = after;
    }
    out
}

#[test]
fn every_relative_link_leads_to_a_file_of_the_repository() {
    let mut files = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    markdown_files(&root().join("docs"), &mut files);
    markdown_files(&root().join("benches"), &mut files);
    let mut broken = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with('#') {
                continue;
            }
            let target = link.split('#').next().unwrap_or_default();
            let resolved = f.parent().unwrap().join(target);
            let inside = resolved.canonicalize().is_ok_and(|p| p.starts_with(root().canonicalize().unwrap()));
            if !inside {
                broken.push(format!("{}: {link}", f.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "links that lead nowhere in the repository:\n{}", broken.join("\n"));
}
