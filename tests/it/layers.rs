//! The crate's layers: no module imports from a layer above its own (the
//! order is in `src/pipeline.rs`'s documentation). Checked on the source
//! text, so that a new import across the layers fails here, not in review.

use std::fs;
use std::path::Path;

/// Each top-level module and its layer, from the bottom.
const LAYERS: &[(&str, u32)] = &[
    ("engine", 0),
    ("geo", 0),
    ("digest", 0),
    ("format", 1),
    ("scenario", 2),
    ("metrics", 3),
    ("model", 4),
    ("report", 5),
    ("pipeline", 6),
    ("sweep", 7),
    ("plan", 7),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

fn sources(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for e in fs::read_dir(path).unwrap() {
            sources(&e.unwrap().path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for &(module, own) in LAYERS {
        let mut files = Vec::new();
        sources(&src.join(module), &mut files);
        sources(&src.join(format!("{module}.rs")), &mut files);
        assert!(!files.is_empty(), "src/{module} not found");
        for f in files {
            let text = fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for (i, _) in code.match_indices("crate::") {
                    let rest = &code[i + "crate::".len()..];
                    let name: String =
                        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if let Some(l) = layer(&name)
                        && l > own
                    {
                        problems.push(format!("{}:{}: {module} uses {name}", f.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "imports from a layer above:\n{}", problems.join("\n"));
}
