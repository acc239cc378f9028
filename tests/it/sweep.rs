//! Sweeps: grid expansion, determinism across threads and shards, merging,
//! confidence intervals, and errors that name the axis.

use crate::support::{negsim, temp_dir};
use std::fs;
use std::path::{Path, PathBuf};

const BASE: &str = r#"
[simulation]
duration = "3m"
warmup = "30s"
initial_instances = "steady"
[service]
max_instances = 20
[[region]]
name = "us-central1"
[[region]]
name = "europe-west1"
[[city]]
name = "Chicago"
rps = 60
[[city]]
name = "London"
rps = 40
[[outage]]
region = "europe-west1"
start = "1m"
duration = "1m"
"#;

/// A folder with `base.toml` and `sweep.toml` (the given sweep text).
fn setup(name: &str, sweep: &str) -> PathBuf {
    let dir = temp_dir(name);
    fs::write(dir.join("base.toml"), BASE).unwrap();
    fs::write(dir.join("sweep.toml"), sweep).unwrap();
    dir
}

const GRID: &str = r#"
[sweep]
scenario = "base.toml"
replications = 2
[sweep.grid]
"region.us-central1.max_instances" = [2, 4, 20]
"client.retries" = [0, 2]
"#;

fn run_sweep(dir: &Path, out: &str, extra: &[&str]) -> String {
    let out_dir = dir.join(out);
    let mut args = vec!["sweep", dir.join("sweep.toml").to_str().unwrap().to_string().leak() as &str];
    let o = out_dir.to_str().unwrap().to_string();
    args.extend(["-o", o.leak(), "--quiet"]);
    args.extend(extra);
    let res = negsim(&args);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    fs::read_to_string(out_dir.join("sweep.csv")).unwrap()
}

#[test]
fn sweep_csv_is_the_same_with_one_or_two_threads_and_when_sharded() {
    let dir = setup("sweep-determinism", GRID);
    let one = run_sweep(&dir, "t1", &["--threads", "1"]);
    let two = run_sweep(&dir, "t2", &["--threads", "2"]);
    assert_eq!(one, two, "--threads must not change a byte");
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines.len(), 7, "a header and 3 x 2 points");
    assert!(
        lines[0]
            .starts_with("point,region.us-central1.max_instances,client.retries,requests,requests_ci95,ok,")
    );
    assert!(lines[1].starts_with("0,2,0,"));
    assert!(lines[2].starts_with("1,2,2,"));
    assert!(lines[6].starts_with("5,20,2,"));

    let mut shard_files = Vec::new();
    for i in 0..3 {
        let name = format!("shard{i}");
        let part = run_sweep(&dir, &name, &["--shard", &format!("{i}/3"), "--threads", "1"]);
        assert_eq!(part.lines().count(), 3, "shard {i} has its two points");
        shard_files.push(dir.join(&name).join("sweep.csv"));
    }
    let merged = dir.join("merged");
    let mut args: Vec<&str> = vec!["merge"];
    let names: Vec<String> = shard_files.iter().rev().map(|p| p.to_str().unwrap().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let m = merged.to_str().unwrap().to_string();
    args.extend(["-o", &m]);
    let res = negsim(&args);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert_eq!(
        fs::read_to_string(merged.join("sweep.csv")).unwrap(),
        one,
        "merged shards equal the one-machine run"
    );
    // Charts: each metric against each axis, and a map over the two axes;
    // the same for a merged sweep as for a one-machine one, none for a shard.
    for dir in [dir.join("t1"), merged.clone()] {
        for chart in [
            "availability-vs-region_us-central1_max_instances",
            "latency_p99_ms-vs-client_retries",
            "cost_usd-map",
        ] {
            for ext in ["png", "svg"] {
                assert!(
                    dir.join("plots").join(format!("{chart}.{ext}")).is_file(),
                    "{}: {chart}.{ext}",
                    dir.display()
                );
            }
        }
        let svg = fs::read_to_string(dir.join("plots/availability-vs-region_us-central1_max_instances.svg"))
            .unwrap();
        assert!(svg.contains("client.retries = 2"), "one line per value of the other axis");
    }
    assert_eq!(
        fs::read(dir.join("t1/plots/rejected-map.png")).unwrap(),
        fs::read(merged.join("plots/rejected-map.png")).unwrap()
    );
    assert!(!dir.join("shard0/plots").exists());

    // A missing shard is an error, not a silently partial result.
    let res = negsim(&["merge", names[0].as_str(), names[1].as_str(), "-o", &m]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("2 of 6 points are in no shard"));
}

#[test]
fn the_shard_comes_from_the_batch_system() {
    let dir = setup("sweep-env", GRID);
    let out = dir.join("task1");
    let res = std::process::Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(["sweep", dir.join("sweep.toml").to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"])
        .env("CLOUD_RUN_TASK_INDEX", "1")
        .env("CLOUD_RUN_TASK_COUNT", "4")
        .output()
        .unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let points: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(points, vec!["1", "5"]);
    assert!(fs::read_to_string(out.join("sweep.json")).unwrap().contains("\"shard\": \"1/4\""));
}

fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap();
    lines.map(|l| l.split(',').nth(i).unwrap().parse().unwrap()).collect()
}

#[test]
fn confidence_intervals_shrink_as_replications_grow() {
    let sweep = |reps: u32| {
        format!(
            "[sweep]\nscenario = \"base.toml\"\nreplications = {reps}\n[sweep.grid]\n\"client.retries\" = [0]\n"
        )
    };
    let few = setup("sweep-ci-few", &sweep(4));
    let many = setup("sweep-ci-many", &sweep(64));
    let (a, b) = (run_sweep(&few, "out", &[]), run_sweep(&many, "out", &[]));
    // The median, not the p99: a p99 across replications is set by the few
    // dozen cold starts of a failover and is far from normal (in this
    // scenario its 64 values have a standard deviation of about 360 ms and
    // a long upper tail), so the chi-square bound below does not hold for it.
    for metric in ["latency_mean_ms_ci95", "latency_p50_ms_ci95", "requests_ci95"] {
        let (h4, h64) = (column(&a, metric)[0], column(&b, metric)[0]);
        // Expected ratio: t(63)/t(3) * sqrt(4/64) = 0.157. It exceeds 1 only
        // if the 4-run standard deviation is below 0.157 of the true one:
        // P(chi2(3) < 3 * 0.157^2) = 0.003 per metric, so this cannot
        // fail by chance but fails if the half-width does not shrink.
        assert!(h64 < h4, "{metric}: {h64} with 64 replications vs {h4} with 4");
        assert!(h64 > 0.0);
    }
    // The means agree within their intervals.
    let (m4, m16) = (column(&a, "latency_mean_ms")[0], column(&b, "latency_mean_ms")[0]);
    assert!((m4 - m16).abs() < column(&a, "latency_mean_ms_ci95")[0], "{m4} vs {m16}");
}

#[test]
fn bad_axes_are_errors_that_name_them() {
    let cases: &[(&str, &str)] = &[
        (
            "\"service.max_instance\" = [10, 20]",
            "sweep.toml:5:27: sweep.grid.\"service.max_instance\"[0]: value 10: service.max_instance: unknown key (did you mean \"max_instances\"?)",
        ),
        (
            "\"region.asia-east9.max_instances\" = [10]",
            "sweep.grid.\"region.asia-east9.max_instances\": the scenario has no [[region]] named \"asia-east9\" (it has: us-central1, europe-west1)",
        ),
        (
            "\"client.retries\" = [1, -1]",
            "sweep.grid.\"client.retries\"[1]: value -1: client.retries: must be a whole number from 0 to 10, found -1",
        ),
        (
            "\"client.retries\" = 3",
            "sweep.grid.\"client.retries\": expected an array of values, e.g. [10, 20, 40], found the integer 3",
        ),
        (
            "\"service.min_instances\" = [1, 30]",
            "sweep.grid.\"service.min_instances\"[1]: value 30: service.max_instances: min_instances (30) must be at most max_instances (20)",
        ),
        (
            // Once echoed as 309 digits.
            "\"pricing.request_vcpu_s\" = [0.00001, 1e308]",
            "sweep.grid.\"pricing.request_vcpu_s\"[1]: value 1e308: pricing.request_vcpu_s: must be between 0 and 1000000, found 1e308",
        ),
        (
            "\"service.min_instances\" = [1, 15]\n\"service.max_instances\" = [10, 20]",
            "point 2 (service.min_instances = 15, service.max_instances = 10): service.max_instances: min_instances (15) must be at most max_instances (10)",
        ),
    ];
    for (i, (axis, want)) in cases.iter().enumerate() {
        let dir = setup(
            &format!("sweep-bad-{i}"),
            &format!("[sweep]\nscenario = \"base.toml\"\n\n[sweep.grid]\n{axis}\n"),
        );
        let res = negsim(&[
            "sweep",
            dir.join("sweep.toml").to_str().unwrap(),
            "-o",
            dir.join("o").to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{axis}: {err}");
        assert!(err.contains(want), "{axis}: expected\n  {want}\nin\n{err}");
    }
    let dir = setup(
        "sweep-bad-key",
        "[sweep]\nscenario = \"base.toml\"\nreplicatons = 3\n[sweep.grid]\n\"client.retries\" = [0]\n",
    );
    let res = negsim(&["sweep", dir.join("sweep.toml").to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&res.stderr)
            .contains("sweep.replicatons: unknown key (did you mean \"replications\"?)")
    );
}

/// Runs shard `i` of 2 of the sweep in `dir` into `dir/NAME`, with `extra`
/// options, and returns its `sweep.csv` path.
fn shard(dir: &Path, name: &str, i: usize, extra: &[&str]) -> String {
    let mut args = vec!["--shard".to_string(), format!("{i}/2"), "--threads".into(), "1".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_sweep(dir, name, &args);
    dir.join(name).join("sweep.csv").to_str().unwrap().to_string()
}

fn merge_fails(shards: &[&str], out: &Path, expect: &str) {
    let mut args = vec!["merge"];
    args.extend(shards);
    let o = out.to_str().unwrap();
    args.extend(["-o", o]);
    let res = negsim(&args);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together() {
    use negsim::report::folder::{Kind, seal};
    let dir = setup("sweep-merge-refuses", GRID);
    let out = dir.join("merged");
    let a = shard(&dir, "a", 0, &["--duration", "2m"]);
    let b = shard(&dir, "b", 1, &["--duration", "2m"]);
    // Another --duration, other --replications: once merged without a word.
    let b3 = shard(&dir, "b3", 1, &["--duration", "3m"]);
    merge_fails(&[&a, &b3], &out, "was run with --duration 3m, the first shard with 2m");
    let r3 = shard(&dir, "r3", 1, &["--duration", "2m", "--replications", "3"]);
    merge_fails(&[&a, &r3], &out, "was run with --replications 3, the first shard with 2");
    // Another build of the same version: shown by editing its build id.
    let other = dir.join("b-other-build");
    fs::create_dir_all(&other).unwrap();
    for f in ["sweep.csv", "sweep.json"] {
        fs::copy(dir.join("b").join(f), other.join(f)).unwrap();
    }
    let json = fs::read_to_string(other.join("sweep.json")).unwrap();
    let build = negsim::digest::BUILD;
    fs::write(other.join("sweep.json"), json.replace(build, "0123456789abcdef")).unwrap();
    seal(&other, Kind::Sweep, "x").unwrap();
    let o = other.join("sweep.csv");
    merge_fails(&[&a, o.to_str().unwrap()], &out, "(build 0123456789abcdef), the first shard with");
    // A shard cut off mid-line: its manifest says so ...
    let cut = dir.join("b-cut");
    fs::create_dir_all(&cut).unwrap();
    fs::copy(dir.join("b/sweep.json"), cut.join("sweep.json")).unwrap();
    let text = fs::read_to_string(&b).unwrap();
    fs::write(cut.join("sweep.csv"), &text[..text.len() - 40]).unwrap();
    let c = cut.join("sweep.csv");
    let c = c.to_str().unwrap();
    seal(&cut, Kind::Sweep, "x").unwrap();
    fs::write(cut.join("sweep.csv"), &text[..text.len() - 41]).unwrap();
    merge_fails(&[&a, c], &out, "sweep.csv is not the file this result wrote");
    // ... and sealed as it is, the rows themselves do.
    seal(&cut, Kind::Sweep, "x").unwrap();
    merge_fails(&[&a, c], &out, "its last line is cut off");
    // An extra point outside the grid.
    let last = text.lines().last().unwrap();
    let extra = format!("{text}999{}\n", &last[last.find(',').unwrap()..]);
    fs::write(cut.join("sweep.csv"), extra).unwrap();
    seal(&cut, Kind::Sweep, "x").unwrap();
    merge_fails(&[&a, c], &out, "point 999 is outside the grid of 6 points");
    assert!(!out.exists(), "nothing was written");
    // A merge into a shard's own folder would overwrite that shard.
    let before = fs::read(&a).unwrap();
    merge_fails(&[&a, &b], &dir.join("a"), "is the folder of the shard");
    assert_eq!(fs::read(&a).unwrap(), before);
    // The right shards still merge.
    let res = negsim(&["merge", &a, &b, "-o", out.to_str().unwrap()]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert!(fs::read_to_string(out.join("sweep.json")).unwrap().contains("\"duration\": \"2m\""));
}

#[test]
fn a_sweep_shortened_by_duration_says_what_it_drops_and_refuses_a_varied_duration_axis() {
    let dir = setup("sweep-duration", GRID);
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    let sweep = dir.join("sweep.toml");
    let s = sweep.to_str().unwrap();
    // The outage starts at 1m: a 30-second run leaves it out, and says so.
    let res = negsim(&["sweep", s, "--duration", "30s", "--replications", "1", "-o", o, "--quiet"]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{err}");
    assert!(err.contains("this outage is left out of the shortened run"), "{err}");
    assert!(fs::read_to_string(out.join("sweep.json")).unwrap().contains("\"duration\": \"30s\""));
    // A sweep that varies the duration: --duration would replace every value.
    fs::write(
        &sweep,
        GRID.replace("[sweep.grid]", "[sweep.grid]\n\"simulation.duration\" = [\"2m\", \"3m\"]"),
    )
    .unwrap();
    let res = negsim(&["sweep", s, "--duration", "1m", "-o", o, "--quiet"]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("sweep.grid.\"simulation.duration\": the sweep varies simulation.duration, and --duration 1m would replace every value of it"), "{err}");
    // A duration axis of one value (as in scenarios/capacity-sweep.toml) is
    // the sweep's own setting: --duration replaces it, and sweep.csv
    // records the duration the runs had, not the file's.
    fs::write(&sweep, GRID.replace("[sweep.grid]", "[sweep.grid]\n\"simulation.duration\" = [\"3m\"]"))
        .unwrap();
    let res = negsim(&["sweep", s, "--duration", "30s", "--replications", "1", "-o", o, "--quiet"]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let column =
        csv.lines().next().unwrap().split(',').position(|c| c == "simulation.duration").expect("the axis");
    for row in csv.lines().skip(1) {
        assert_eq!(row.split(',').nth(column), Some("30s"), "{csv}");
    }
    assert!(fs::read_to_string(out.join("sweep.json")).unwrap().contains("\"duration\": \"30s\""));
}

#[test]
fn charts_of_a_sweep_with_infinite_figures_finish() {
    // Infinite costs once made chart drawing hang for ever.
    let mut header = vec!["point".to_string(), "client.retries".to_string()];
    for (name, _) in negsim::sweep::METRICS.iter() {
        header.push(name.to_string());
        header.push(format!("{name}_ci95"));
    }
    let mut text = header.join(",") + "\n";
    for p in 0..3 {
        let mut row = vec![p.to_string(), p.to_string()];
        for (name, _) in negsim::sweep::METRICS.iter() {
            let v = match *name {
                "cost_usd" => "inf",
                "availability" if p == 1 => "-inf",
                _ => "1",
            };
            row.extend([v.to_string(), "NaN".to_string()]);
        }
        text += &(row.join(",") + "\n");
    }
    let dir = temp_dir("sweep-infinite");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let metrics = vec!["cost_usd".to_string(), "availability".to_string()];
        tx.send(negsim::sweep::charts::draw(&dir.join("plots"), &text, &metrics, "test").is_ok()).unwrap();
    });
    let done = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the charts finish");
    assert!(done);
}

#[test]
fn kept_runs_are_runs_of_their_own_inside_a_whole_sweep() {
    use negsim::report::folder::{Kind, verify};
    let dir = setup("sweep-kept-runs", GRID);
    let out = dir.join("out");
    run_sweep(&dir, "out", &["--keep-runs", "--duration", "2m"]);
    let run = out.join("runs/point-1/rep-0");
    verify(&run, Kind::Run).unwrap();
    verify(&out, Kind::Sweep).unwrap();
    // A kept run's report drawn again leaves the sweep whole.
    let res = negsim(&["report", run.to_str().unwrap()]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    verify(&out, Kind::Sweep).unwrap();
    // The sweep's own report drawn again is the one the sweep drew (it was
    // refused: "holds a negsim sweep, not a run").
    let page = fs::read(out.join("report.html")).unwrap();
    let res = negsim(&["report", out.to_str().unwrap()]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert!(fs::read(out.join("report.html")).unwrap() == page, "the same page");
    verify(&out, Kind::Sweep).unwrap();
    // And the sweep's folder is still its own: run again without --force.
    run_sweep(&dir, "out", &["--duration", "2m"]);
    assert!(!out.join("runs").exists(), "the new sweep kept no runs");
}
