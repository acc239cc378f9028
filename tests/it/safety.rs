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
    assert!(err.contains("nothing was written"), "{err}");
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

/// Starts `negsim ARGS` held at `phase` by the test hook, and returns it
/// once it says so (with its standard error still open).
fn held(args: &[&str], phase: &str, resume: Option<&Path>) -> std::process::Child {
    use std::io::BufRead;
    let mut c = bin();
    c.args(args).env("NEGSIM_TEST_HOLD", phase);
    if let Some(r) = resume {
        c.env("NEGSIM_TEST_RESUME", r);
    }
    let mut child = c.spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("held at") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "the child ended before it was held");
    }
    child
}

/// Sends `signal` (`-INT`, `-KILL`) to `child` and, on Linux, waits until
/// it is no longer pending there, so that the next signal is delivered on
/// its own: two signals of one kind sent before the first is delivered
/// reach the process as one (POSIX does not queue them), and a process
/// that a busy machine had not scheduled between two `kill`s then saw one
/// Ctrl-C of two and stayed held forever (seen once in a full test run).
fn send_and_await_delivery(child: &std::process::Child, signal: &str) {
    let pid = child.id().to_string();
    assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    let number: u32 = match signal {
        "-INT" => 2,
        "-KILL" => return,
        other => panic!("no number known for {other}"),
    };
    let status = Path::new("/proc").join(&pid).join("status");
    let started = std::time::Instant::now();
    // Pending signals as masks in hexadecimal, bit `number - 1`: the
    // thread's own (`SigPnd`) and the process's (`ShdPnd`).
    let pending = || {
        let Ok(text) = fs::read_to_string(&status) else { return false };
        text.lines()
            .filter_map(|l| l.strip_prefix("SigPnd:").or_else(|| l.strip_prefix("ShdPnd:")))
            .any(|mask| u64::from_str_radix(mask.trim(), 16).is_ok_and(|m| m & (1 << (number - 1)) != 0))
    };
    while pending() {
        assert!(started.elapsed() < Duration::from_secs(30), "{signal} not delivered in 30 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Without /proc (not Linux), a pause long enough for a scheduled process.
    if !status.exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn hidden_entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_kill_while_files_are_written_leaves_the_previous_run_whole() {
    // The old way wrote file after file into the folder: killed half-way,
    // it left seed 2's time series beside seed 1's summary and report.
    let root = temp_dir("kill-mid-write");
    let dir = root.join("out");
    let d = dir.to_str().unwrap();
    let run = |seed: &'static str| {
        ["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", d, "--quiet", "--seed", seed]
    };
    assert!(negsim(&run("1")).status.success());
    let before: Vec<Vec<u8>> = ["timeseries.csv", "summary.csv", "run.json"]
        .iter()
        .map(|f| fs::read(dir.join(f)).unwrap())
        .collect();
    for signals in [&["-KILL"][..], &["-INT", "-INT"][..]] {
        let mut child = held(&run("2"), "write", None);
        for s in signals {
            send_and_await_delivery(&child, s);
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "{signals:?}");
        let after: Vec<Vec<u8>> = ["timeseries.csv", "summary.csv", "run.json"]
            .iter()
            .map(|f| fs::read(dir.join(f)).unwrap())
            .collect();
        assert!(before == after, "{signals:?}: the folder still holds seed 1's run, whole");
        // What the killed run left beside the folder, the next negsim to
        // write there removes (here a report, which checks the folder first).
        assert!(!hidden_entries(&root).is_empty(), "a killed run leaves its staging folder");
        let res = negsim(&["report", d]);
        assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
        assert!(hidden_entries(&root).is_empty(), "{:?}", hidden_entries(&root));
    }
    assert!(negsim(&run("3")).status.success());
    assert!(fs::read_to_string(dir.join("run.json")).unwrap().contains("\"seed\": 3"));
}

/// A process that the machine does not schedule between two Ctrl-C still
/// gets both (here it is stopped while they are sent): each is sent once
/// the one before has been delivered.
#[cfg(target_os = "linux")]
#[test]
fn two_ctrl_c_end_a_held_run_that_was_not_scheduled_between_them() {
    let root = temp_dir("two-ctrl-c");
    let dir = root.join("out");
    let args =
        ["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", dir.to_str().unwrap(), "--quiet"];
    let mut child = held(&args, "write", None);
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    let resume = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        assert!(Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    });
    send_and_await_delivery(&child, "-INT");
    send_and_await_delivery(&child, "-INT");
    resume.join().unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("two Ctrl-C did not end the held run");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130), "the second Ctrl-C ends negsim at once");
}

#[cfg(unix)]
#[test]
fn two_runs_into_one_folder_both_finish_and_the_folder_is_one_of_them() {
    // The second run used to delete the first one's temporary files, and
    // the first then failed at the end.
    let root = temp_dir("two-writers");
    let dir = root.join("out");
    let d = dir.to_str().unwrap();
    let resume = root.join("resume");
    let first = held(
        &["run", "scenarios/mmc-validation.toml", "--duration", "3m", "-o", d, "--quiet", "--seed", "1"],
        "write",
        Some(&resume),
    );
    let second = negsim(&[
        "run",
        "scenarios/mmc-validation.toml",
        "--duration",
        "3m",
        "-o",
        d,
        "--quiet",
        "--seed",
        "2",
    ]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    fs::write(&resume, "").unwrap();
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::read_to_string(dir.join("run.json")).unwrap().contains("\"seed\": 1"), "the last to finish");
    negsim::report::folder::verify(&dir, negsim::report::folder::Kind::Run).unwrap();
    assert!(hidden_entries(&root).is_empty(), "{:?}", hidden_entries(&root));
}

#[test]
fn a_run_never_replaces_a_sweep_nor_a_merge_a_shard() {
    let root = temp_dir("kinds");
    fs::write(
        root.join("sweep.toml"),
        "[sweep]\nscenario = \"base.toml\"\n[sweep.grid]\n\"client.retries\" = [0, 1]\n",
    )
    .unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc-validation.toml"),
        root.join("base.toml"),
    )
    .unwrap();
    let sweep = root.join("sweep");
    let s = sweep.to_str().unwrap();
    let res =
        negsim(&["sweep", root.join("sweep.toml").to_str().unwrap(), "--duration", "2m", "-o", s, "--quiet"]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let page = fs::read(sweep.join("report.html")).unwrap();
    for force in [false, true] {
        let mut args = vec!["run", "scenarios/mmc-validation.toml", "--duration", "2m", "-o", s, "--quiet"];
        if force {
            args.push("--force");
        }
        let res = negsim(&args);
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{err}");
        assert!(err.contains("holds a negsim sweep: a run goes into a folder of its own"), "{err}");
    }
    assert_eq!(fs::read(sweep.join("report.html")).unwrap(), page, "the sweep's page is untouched");
}

#[cfg(unix)]
#[test]
fn links_planted_under_temporary_names_are_never_followed() {
    // Temporary files were named `.NAME.tmp-PID`: links planted under
    // those names made a report overwrite whatever they pointed to.
    let root = temp_dir("planted-links");
    let dir = root.join("out");
    let d = dir.to_str().unwrap();
    let res = negsim(&["run", "scenarios/mmc-validation.toml", "--duration", "2m", "-o", d, "--quiet"]);
    assert!(res.status.success());
    let victim = root.join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let resume = root.join("resume");
    let child = held(&["report", d], "report", Some(&resume));
    let pid = child.id();
    for name in ["plots/.latency.svg", "plots/.map.png", ".report.html"] {
        let link = dir.join(format!("{name}.tmp-{pid}"));
        std::os::unix::fs::symlink(&victim, link).unwrap();
    }
    fs::write(&resume, "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn messages_about_odd_input_are_short_placed_and_say_what_to_do() {
    let dir = temp_dir("odd-input");
    // A 5 MB name: once echoed whole after a minute of did-you-mean.
    let long = "x".repeat(5 << 20);
    let file = dir.join("long.toml");
    fs::write(
        &file,
        format!(
            "[simulation]\nduration = \"10m\"\n[[region]]\nname = \"{long}\"\n[[city]]\nname = \"Chicago\"\n"
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let res = negsim(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.len() < 1_000 && err.contains("is 5242880 characters long"),
        "{}",
        &err[..err.len().min(300)]
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    // An escape sequence in a value is shown, not sent to the terminal.
    let file = dir.join("escape.toml");
    fs::write(&file, "[simulation]\nduration = \"10m\"\n[network]\nmodel = \"geo\\u001b[2J\"\n[[region]]\nname = \"us-central1\"\n[[city]]\nname = \"Chicago\"\n").unwrap();
    let err = String::from_utf8_lossy(&negsim(&["validate", file.to_str().unwrap()]).stderr).into_owned();
    assert!(!err.contains('\u{1b}') && err.contains("\\u{1b}"), "{err}");
    // `-` is not standard input.
    let res = negsim(&["run", "-"]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2));
    assert!(err.contains("not from standard input (`-`): save it to a file"), "{err}");
    // Dotted keys nested past the parser's limit: the line is given.
    let file = dir.join("deep.toml");
    fs::write(&file, format!("[simulation]\nduration = \"10m\"\n{}b = 1\n", "a.".repeat(5000))).unwrap();
    let err = String::from_utf8_lossy(&negsim(&["validate", file.to_str().unwrap()]).stderr).into_owned();
    assert!(
        err.starts_with(&format!("{}:3:1: TOML syntax", file.display())),
        "{}",
        &err[..err.len().min(300)]
    );
    // A sweep seed whose replications would pass 2^63 - 1: said at once, at the key.
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc-validation.toml"),
        dir.join("base.toml"),
    )
    .unwrap();
    let sweep = dir.join("sweep.toml");
    fs::write(&sweep, "[sweep]\nscenario = \"base.toml\"\nreplications = 3\nseed = 9223372036854775806\n[sweep.grid]\n\"client.retries\" = [0]\n").unwrap();
    let res = negsim(&["sweep", sweep.to_str().unwrap(), "-o", dir.join("out").to_str().unwrap(), "--quiet"]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("sweep.toml:4:8: sweep.seed: replication k runs with seed 9223372036854775806 + k: with 3 replications"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_sweep_that_would_exhaust_memory_is_refused_before_it_starts() {
    // 5,000 cities take about 2.3 GB per run; 256 runs at once cannot fit.
    let dir = temp_dir("too-much-memory");
    let mut text = String::from("[simulation]\nduration = \"2m\"\n[[region]]\nname = \"us-central1\"\n");
    for i in 0..5_000 {
        text.push_str(&format!(
            "[[city]]\nname = \"c{i}\"\nlat = {}\nlon = {}\nrps = 0.01\n",
            i % 60,
            i % 170
        ));
    }
    fs::write(dir.join("base.toml"), text).unwrap();
    let sweep = dir.join("sweep.toml");
    fs::write(
        &sweep,
        "[sweep]\nscenario = \"base.toml\"\nreplications = 256\n[sweep.grid]\n\"client.retries\" = [0]\n",
    )
    .unwrap();
    let out = dir.join("out");
    let res = negsim(&[
        "sweep",
        sweep.to_str().unwrap(),
        "--threads",
        "256",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("GB of memory (256 runs at 2.3") && err.contains("fewer --threads"), "{err}");
    assert!(!out.exists());
}

/// A scenario of `n` made-up cities in one region, `duration` long.
fn many_cities(n: usize, duration: &str) -> String {
    let mut text = format!(
        "[simulation]\nduration = \"{duration}\"\nwarmup = \"0s\"\n[[region]]\nname = \"us-central1\"\n"
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[city]]\nname = \"c{i}\"\nlat = {}\nlon = {}\nrps = 0.5\n",
            i % 60,
            i % 170
        ));
    }
    text
}

#[test]
fn thousands_of_cities_are_bounded_in_the_input_and_in_the_report() {
    let dir = temp_dir("many-cities");
    // 20,000 cities once took 8.3 GB and drew a 680,140-pixel chart.
    let file = dir.join("too-many.toml");
    fs::write(&file, many_cities(5_001, "1m")).unwrap();
    let res = negsim(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("city: 5001 cities given; at most 5000 are supported"), "{err}");
    // 120 cities: the table shows the 100 busiest, the heat map 40.
    let file = dir.join("many.toml");
    fs::write(&file, many_cities(120, "1m")).unwrap();
    let out = dir.join("out");
    let res = negsim(&["run", file.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let page = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("and 20 less busy cities: every city is in summary.csv"));
    let png =
        png::Decoder::new(std::io::BufReader::new(fs::File::open(out.join("plots/flows.png")).unwrap()));
    let info = png.read_info().unwrap();
    let (_, height) = info.info().size();
    // Heading (62), legend (30), labels and margins (110), and a row for each of the 40 busiest cities.
    assert_eq!(height, 62 + 30 + 110 + 34 * 40, "rows for the 40 busiest cities");
}
