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

/// The anchors GitHub gives the headings of a Markdown text: the heading
/// in lower case, spaces made hyphens, punctuation other than hyphens and
/// underscores dropped; a repeated one gets `-1`, `-2`, ...
fn anchors(text: &str) -> Vec<String> {
    let (mut out, mut raw): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                '-' | '_' => Some(c),
                c if c.is_alphanumeric() => Some(c.to_lowercase().next().unwrap_or(c)),
                _ => None,
            })
            .collect();
        let seen = raw.iter().filter(|a| **a == slug).count();
        out.push(if seen == 0 { slug.clone() } else { format!("{slug}-{seen}") });
        raw.push(slug);
    }
    out
}

#[test]
fn anchors_follow_github_rules() {
    let a = anchors("# The edge: proxies, Cloud CDN and Cloud Armor\n## `[slo]` keys\n## Notes\n## Notes\n");
    assert_eq!(a, ["the-edge-proxies-cloud-cdn-and-cloud-armor", "slo-keys", "notes", "notes-1"]);
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
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            let (target, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let resolved = if target.is_empty() { f.clone() } else { f.parent().unwrap().join(target) };
            let inside = resolved.canonicalize().is_ok_and(|p| p.starts_with(root().canonicalize().unwrap()));
            let lands = anchor.is_empty()
                || resolved.extension().is_none_or(|x| x != "md")
                || fs::read_to_string(&resolved).is_ok_and(|t| anchors(&t).iter().any(|a| a == anchor));
            if !inside || !lands {
                broken.push(format!("{}: {link}", f.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links that lead nowhere in the repository (a missing file or heading):\n{}",
        broken.join("\n")
    );
}
