//! Safe output: interrupted runs leave complete files or none, and output
//! folders holding other files are not written into by accident.

use crate::support::{negsim, temp_dir};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_negsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR")).stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn no_temp_files(dir: &Path) -> bool {
    fs::read_dir(dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp-"))
}

/// Starts a long run into `dir`, sends `signal` after a moment, and
/// returns its exit code and standard error.
fn interrupt(args: &[&str], signal: &str) -> (Option<i32>, String) {
    let child = bin().args(args).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_interrupted_run_keeps_the_previous_complete_files() {
    let dir = temp_dir("interrupted-run");
    let d = dir.to_str().unwrap();
    let res = negsim(&["run", "scenarios/mmc-validation.toml", "--duration", "5m", "-o", d, "--quiet"]);
    assert!(res.status.success());
    let before = fs::read(dir.join("summary.csv")).unwrap();
    let long =
        ["run", "scenarios/global-three-region.toml", "--duration", "30h", "-o", d, "--quiet", "--force"];

    // Ctrl-C: a clean stop, nothing new written, the old files intact.
    let (code, err) = interrupt(&long, "-INT");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("interrupted: nothing was written"), "{err}");
    assert_eq!(fs::read(dir.join("summary.csv")).unwrap(), before);
    assert!(no_temp_files(&dir), "temporary files are removed on Ctrl-C");

    // Killed outright: the old files are still complete (temporary files
    // may stay, hidden, and the next run removes them).
    let (code, _) = interrupt(&long, "-KILL");
    assert_eq!(code, None, "killed by a signal");
    assert_eq!(fs::read(dir.join("summary.csv")).unwrap(), before);
    let res = negsim(&[
        "run",
        "scenarios/mmc-validation.toml",
        "--duration",
        "5m",
        "-o",
        d,
        "--quiet",
        "--seed",
        "3",
    ]);
    assert!(res.status.success());
    assert!(no_temp_files(&dir), "the next run removes what the killed one left");
    assert_ne!(fs::read(dir.join("summary.csv")).unwrap(), before);
}

#[test]
fn an_interrupted_sweep_writes_no_sweep_csv() {
    let dir = temp_dir("interrupted-sweep");
    fs::write(
        dir.join("sweep.toml"),
        "[sweep]\nscenario = \"base.toml\"\nreplications = 20\n[sweep.grid]\n\"client.retries\" = [0, 1, 2]\n",
    )
    .unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/global-three-region.toml"),
        dir.join("base.toml"),
    )
    .unwrap();
    let out = dir.join("out");
    let (code, err) = interrupt(
        &["sweep", dir.join("sweep.toml").to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"],
        "-INT",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no sweep.csv was written"), "{err}");
    assert!(!out.join("sweep.csv").exists());
}

#[test]
fn a_folder_with_other_files_is_refused_unless_forced() {
    let dir = temp_dir("foreign-folder");
    fs::write(dir.join("thesis.docx"), "precious").unwrap();
    let d = dir.to_str().unwrap();
    let res = negsim(&["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", d, "--quiet"]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("holds files negsim did not write (thesis.docx)"));
    assert!(!dir.join("summary.csv").exists());
    let res =
        negsim(&["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", d, "--quiet", "--force"]);
    assert!(res.status.success());
    assert_eq!(fs::read_to_string(dir.join("thesis.docx")).unwrap(), "precious");
    // A folder of negsim's own is reused without --force.
    let res = negsim(&["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", d, "--quiet"]);
    assert_eq!(res.status.code(), Some(2), "thesis.docx is still there");
    let own = temp_dir("own-folder");
    let o = own.to_str().unwrap();
    for _ in 0..2 {
        let res = negsim(&["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", o, "--quiet"]);
        assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    }
}
