//! Charts and `report.html`: produced for a run, with real content, and
//! rendered by a real browser with the network off.

use crate::support::{negsim, temp_dir};
use negsim::report::folder::{Kind, seal};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const CHARTS: &[&str] = &["latency", "availability", "instances", "requests", "flows", "map"];

/// Runs the outage drill (40 minutes of it) into a fresh folder, once.
fn drill() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let out = temp_dir("report-drill");
        let res = negsim(&[
            "run",
            "scenarios/outage-drill.toml",
            "--duration",
            "40m",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
        out
    })
    .clone()
}

/// Share of pixels inside the plot area that differ from the background.
fn ink_share(png: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let background = [buf[0], buf[1], buf[2]];
    let (mut inked, mut all) = (0usize, 0usize);
    // The inner 80 % of the image: the plot area, not the margins.
    for y in h / 10..h * 9 / 10 {
        for x in w / 10..w * 9 / 10 {
            let i = (y * w + x) * 3;
            all += 1;
            if buf[i..i + 3] != background {
                inked += 1;
            }
        }
    }
    inked as f64 / all as f64
}

#[test]
fn every_chart_has_real_content_in_png_and_svg() {
    let dir = drill();
    for name in CHARTS {
        let png = dir.join("plots").join(format!("{name}.png"));
        let share = ink_share(&png);
        assert!(share > 0.05, "{name}.png is nearly empty: {:.1} % inked", share * 100.0);
        let svg = fs::read_to_string(dir.join("plots").join(format!("{name}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"), "{name}.svg");
        let shapes =
            svg.matches("<polyline").count() + svg.matches("<polygon").count() + svg.matches("<rect").count();
        assert!(shapes > 10, "{name}.svg has {shapes} shapes");
    }
    let svg = |n: &str| fs::read_to_string(dir.join("plots").join(format!("{n}.svg"))).unwrap();
    // Axis labels and names are in the SVGs, as text.
    assert!(svg("availability").contains("availability") && svg("availability").contains("time (UTC)"));
    assert!(svg("requests").contains("requests per second"));
    // Every chart says what it is and where it came from, when pasted alone.
    for name in CHARTS {
        let s = svg(name);
        assert!(
            s.contains("outage-drill · seed 1 · ") && s.contains(" from 10:00 UTC"),
            "{name}.svg has no subtitle"
        );
    }
    assert!(svg("latency").contains("Sydney") && svg("latency").contains("p99"));
    assert!(svg("instances").contains("europe-west1") && svg("instances").contains("max 28"));
    assert!(svg("flows").contains("australia-southeast1"));
    assert!(svg("map").contains("us-central1") && svg("map").contains("Tokyo"));
    // Outages are shaded and named.
    assert!(svg("availability").contains("australia-southeast1 down"));
}

#[test]
fn the_report_tells_the_drill_in_sentences() {
    let html = fs::read_to_string(drill().join("report.html")).unwrap().replace("&#39;", "'");
    for want in [
        "<b>Sydney</b>'s traffic moved to us-central1",
        "australia-southeast1 down from 10:30 UTC for 20m",
        "<b>europe-west1</b> reached its max_instances (28)",
        "The longest availability dip",
        "cold starts came during an outage",
    ] {
        assert!(html.contains(want), "report.html lacks: {want}");
    }
    // Self-contained: no stylesheet, script, image or font from elsewhere.
    for attr in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(attr), "report.html refers to the network: {attr}");
    }
    assert_eq!(html.matches("<figure").count(), CHARTS.len());
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The page's DOM after load, from headless Chromium at `width` pixels,
/// with the network off; `None` when there is no browser and the tests
/// were told to skip it.
fn browse(page: &Path, width: u32) -> Option<(String, String)> {
    let Some(browser) = chromium() else {
        if std::env::var("NEGSIM_BROWSER_TESTS").as_deref() == Ok("skip") {
            eprintln!("skipped: no chromium and NEGSIM_BROWSER_TESTS=skip");
            return None;
        }
        panic!(
            "no headless browser: install Debian's chromium (.ci/run does) or set NEGSIM_BROWSER_TESTS=skip"
        );
    };
    // A profile per page and width; only a missing browser may skip the test.
    let folder = page.parent().and_then(Path::file_name).expect("the page is in a folder");
    let profile = temp_dir(&format!("chromium-profile-{}-{width}", folder.to_string_lossy()));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Network off: every host name fails to resolve.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            &format!("--user-data-dir={}", profile.display()),
            "--virtual-time-budget=5000",
            &format!("--window-size={width},2000"),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("the browser runs");
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// An attribute of the DOM's body, as the page's check script set it.
fn body_attr(dom: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let i = dom.find(&key)? + key.len();
    Some(dom[i..].split('"').next()?.to_string())
}

/// Every example, run whole into its own folder, once: the scenarios,
/// and the sweeps cut to 6 minutes and one replication.
fn example_reports() -> &'static [(String, PathBuf)] {
    static DIRS: std::sync::OnceLock<Vec<(String, PathBuf)>> = std::sync::OnceLock::new();
    DIRS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut names: Vec<String> = fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let file = format!("scenarios/{n}");
                let sweep = fs::read_to_string(root.join(&n)).unwrap().contains("[sweep]");
                let out = temp_dir(&format!("example-report-{}", n.trim_end_matches(".toml")));
                let res = if sweep {
                    crate::support::short_sweep(&n, &out)
                } else {
                    negsim(&["run", &file, "-o", out.to_str().unwrap(), "--quiet"])
                };
                assert!(res.status.success(), "{n}: {}", String::from_utf8_lossy(&res.stderr));
                (n, out)
            })
            .collect()
    })
}

#[test]
fn every_example_report_fits_its_page_at_400_1280_and_1920_pixels() {
    for (name, dir) in example_reports() {
        // 400 px: a phone, where a wide table scrolls inside its card and the page does not.
        for width in [400, 1280, 1920] {
            let Some((dom, stderr)) = browse(&dir.join("report.html"), width) else { return };
            assert_eq!(body_attr(&dom, "data-errors").as_deref(), Some("0"), "{name} at {width}: {stderr}");
            assert_eq!(
                body_attr(&dom, "data-overflow").as_deref(),
                Some(""),
                "{name} at {width} px: the page scrolls sideways or an element overflows its card"
            );
        }
    }
}

/// The availability chart's caption says what its panels show: the
/// cities that fell lowest, or, when no city's request ever failed, that
/// none did (it spoke of "the cities whose availability fell lowest" over
/// six flat panels at 100 %).
#[test]
fn the_availability_caption_says_whether_any_city_fell() {
    use negsim::report::results::Results;
    let (mut fell, mut flat) = (0, 0);
    for (name, dir) in example_reports() {
        let Ok(res) = Results::load(dir) else { continue }; // a sweep
        let page = fs::read_to_string(dir.join("report.html")).unwrap();
        let all_ok = res
            .series
            .values()
            .flatten()
            .filter(|r| r.scope == negsim::metrics::ScopeKind::City)
            .all(|r| r.availability.is_none_or(|a| a == 1.0));
        if all_ok {
            flat += 1;
            assert!(
                page.contains("every request of every city was ok") && !page.contains("fell lowest"),
                "{name}"
            );
        } else {
            fell += 1;
            assert!(page.contains("cities whose availability fell lowest"), "{name}");
        }
    }
    assert!(fell > 0 && flat > 0, "both kinds among the examples: {fell} fell, {flat} flat");
}

/// Request rates on different bases say which: the regions' bands count
/// calls between services too (the storefront's came to about twice its
/// users' rate with nothing to say why), and the services graph leaves
/// out what the edge answered itself.
#[test]
fn captions_say_what_each_rate_counts() {
    let mut with_calls = 0;
    for (name, dir) in example_reports() {
        let Ok(res) = negsim::report::results::Results::load(dir) else { continue }; // a sweep
        let page = fs::read_to_string(dir.join("report.html")).unwrap();
        let calls = res.scenario.calls().next().is_some();
        assert_eq!(page.contains("A call between services is a request too"), calls, "{name}");
        if res.scenario.services_declared {
            assert!(
                page.contains(
                    "those the edge answered itself (Cloud CDN hits, Cloud Armor blocks) are not on them"
                ),
                "{name}"
            );
        }
        assert!(page.contains("Only ok requests count: while some fail"), "{name}");
        with_calls += usize::from(calls);
    }
    assert!(with_calls > 0, "an example with calls between services");
}

#[test]
fn every_outage_and_surge_is_in_the_cards_the_charts_and_the_findings() {
    use negsim::report::{html, plots, results::Results};
    let mut seen = 0;
    for (name, dir) in example_reports() {
        let Ok(res) = Results::load(dir) else { continue }; // a sweep
        let page = fs::read_to_string(dir.join("report.html")).unwrap().replace("&#215;", "×");
        let cards = &page[page.find("class=\"glance\"").unwrap()..page.find("<h2>Findings").unwrap()];
        let headline = &page[page.find("id=\"headline\"").unwrap()..page.find("id=\"findings\"").unwrap()];
        let (sc, c) = (&res.scenario, res.clock());
        for o in &sc.outages {
            let words = html::outage_words(sc, c, o);
            assert!(cards.contains(&words), "{name}: the cards lack {words}");
            assert!(headline.contains(&words), "{name}: the headline lacks {words}");
            seen += 1;
        }
        for s in &sc.surges {
            let words = html::surge_words(sc, c, s);
            assert!(cards.contains(&words), "{name}: the cards lack {words}");
            assert!(headline.contains(&format!("Surge of {words}")), "{name}: the headline lacks {words}");
            seen += 1;
        }
        for o in &sc.dependency_outages {
            let dep = &sc.dependencies[o.dependency].name;
            assert!(cards.contains(&format!("shared {dep}")), "{name}: the cards lack {dep}");
            assert!(headline.contains(&format!("The shared {dep}")), "{name}: the headline lacks {dep}");
            seen += 1;
        }
        // Shaded and named on every time chart.
        for m in plots::marks(&res) {
            for chart in ["latency", "availability", "instances", "requests"] {
                let svg = fs::read_to_string(dir.join("plots").join(format!("{chart}.svg"))).unwrap();
                assert!(svg.contains(&m.label), "{name}: {chart}.svg does not name {}", m.label);
            }
        }
    }
    assert!(seen >= 4, "the examples hold outages, a surge and a dependency outage ({seen} checked)");
}

#[test]
fn a_headless_browser_renders_every_chart_with_no_error_and_no_network() {
    let Some((dom, stderr)) = browse(&drill().join("report.html"), 1280) else { return };
    assert_eq!(
        body_attr(&dom, "data-errors").as_deref(),
        Some("0"),
        "script errors in the page; stderr: {stderr}"
    );
    assert_eq!(
        body_attr(&dom, "data-rendered-plots").as_deref(),
        Some(CHARTS.len().to_string().as_str()),
        "charts that rendered with a size and content; stderr: {stderr}"
    );
}

/// Writes `from` to `to` with each line's fields (the header is line 0)
/// changed by `change`. For files whose fields hold no commas.
fn rewrite_csv(from: &Path, to: &Path, mut change: impl FnMut(usize, &mut Vec<&str>)) {
    let text = fs::read_to_string(from).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut fields: Vec<&str> = line.split(',').collect();
        change(i, &mut fields);
        out += &(fields.join(",") + "\n");
    }
    fs::write(to, out).unwrap();
}

#[test]
fn a_damaged_output_folder_is_named_in_the_error() {
    let out = temp_dir("report-damaged");
    let files = [
        "scenario.resolved.toml",
        "summary.csv",
        "timeseries.csv",
        "flows.csv",
        "timeseries_flows.csv",
        "ejections.csv",
    ];
    for name in files {
        fs::copy(drill().join(name), out.join(name)).unwrap();
    }
    let report = || negsim(&["report", out.to_str().unwrap()]);
    // Files put together by hand, with no manifest: not a result negsim wrote.
    let res = report();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.code() == Some(2) && err.contains("has no manifest.json"), "{err}");
    // Below, each damage is sealed into a new manifest, as if negsim had
    // written it, so that the reader's own checks are what is tested.
    let seal = || seal(&out, Kind::Run, "test").unwrap();
    seal();
    // A row cut short, as by a disk that filled up. Unsealed, the manifest
    // catches it; sealed, the reader does.
    let text = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let cut = text.lines().take(5).collect::<Vec<_>>().join("\n") + "\n300.000,city,Tokyo,12\n";
    fs::write(out.join("timeseries.csv"), cut).unwrap();
    let res = report();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("timeseries.csv is not the file this result wrote"), "{err}");
    seal();
    let res = report();
    assert!(!res.status.success());
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains(&format!("{}: CSV error", out.join("timeseries.csv").display())), "{err}");
    fs::copy(drill().join("timeseries.csv"), out.join("timeseries.csv")).unwrap();
    // A figure that is not finite (negsim writes none): charting it once
    // hung for ever.
    let header = fs::read_to_string(out.join("summary.csv")).unwrap();
    let column = header.lines().next().unwrap().split(',').position(|c| c == "availability").unwrap();
    rewrite_csv(&drill().join("summary.csv"), &out.join("summary.csv"), |i, f| {
        if i > 0 {
            f[column] = "-inf";
        }
    });
    seal();
    let res = report();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success() && err.contains("summary.csv") && err.contains("finite"), "{err}");
    fs::copy(drill().join("summary.csv"), out.join("summary.csv")).unwrap();
    // An ejections.csv of an older negsim (no proxy column): its region
    // would be read from the event column, so it is refused.
    rewrite_csv(&drill().join("ejections.csv"), &out.join("ejections.csv"), |_, f| {
        f.remove(2);
    });
    seal();
    let res = report();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success() && err.contains("ejections.csv") && err.contains("columns"), "{err}");
    // Put right, the same folder renders.
    fs::copy(drill().join("ejections.csv"), out.join("ejections.csv")).unwrap();
    seal();
    let res = report();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
}

#[cfg(unix)]
#[test]
fn one_sigterm_ends_a_report_at_once() {
    // Signals used to be honoured only by a simulation: the first one
    // during a report (or a merge, or charts) was ignored, so a batch
    // system's single SIGTERM could not stop a hung draw. The process is
    // held at the start of the report by a test hook, then signalled.
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_negsim"))
        .args(["report", drill().to_str().unwrap()])
        .env("NEGSIM_TEST_HOLD", "report")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("held at report"), "{line}");
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed().as_secs() > 10 {
            child.kill().unwrap();
            panic!("a single SIGTERM did not end the report");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
}

#[test]
fn a_run_folder_does_not_depend_on_the_matrix_file_staying_put() {
    // `scenario.resolved.toml` named the matrix file where it was read, so
    // `negsim report` failed once that file moved. The folder now holds the
    // round trips as read (`rtt-matrix.csv`).
    let dir = temp_dir("matrix-moved");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for f in ["lb-timer-ties.toml", "lb-timer-ties-rtt.csv"] {
        fs::copy(repo.join(f), dir.join(f)).unwrap();
    }
    let out = dir.join("out");
    let res =
        negsim(&["run", dir.join("lb-timer-ties.toml").to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    fs::remove_file(dir.join("lb-timer-ties-rtt.csv")).unwrap();
    let res = negsim(&["report", out.to_str().unwrap()]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    // Run again from the folder alone: the same figures.
    let again = dir.join("again");
    let resolved = out.join("scenario.resolved.toml");
    let res = negsim(&["run", resolved.to_str().unwrap(), "-o", again.to_str().unwrap(), "-q"]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), fs::read(again.join("summary.csv")).unwrap());
}

/// A plan's heat maps stay readable and inside the page at 40 cases by 30
/// cities (the limit the issue set), on a small plan that only evaluates
/// (`vary = []`).
#[test]
fn a_plan_report_with_40_cases_and_30_cities_fits_its_page() {
    let cities = [
        "New York",
        "Los Angeles",
        "Chicago",
        "Houston",
        "Dallas",
        "Phoenix",
        "Philadelphia",
        "San Francisco",
        "San Jose",
        "Seattle",
        "Washington",
        "Boston",
        "Atlanta",
        "Miami",
        "Denver",
        "Minneapolis",
        "Detroit",
        "Las Vegas",
        "Salt Lake City",
        "Portland",
        "San Diego",
        "Austin",
        "Charlotte",
        "Nashville",
        "St. Louis",
        "Kansas City",
        "Columbus",
        "Toronto",
        "Montreal",
        "Vancouver",
    ];
    let mut text = String::from(
        "[simulation]\nname = \"plan-wide\"\nduration = \"5m\"\nwindow = \"30s\"\ninitial_instances = \"steady\"\n\
         [[region]]\nname = \"us-central1\"\n[[region]]\nname = \"us-east4\"\n[[region]]\nname = \"us-west1\"\n\
         [slo]\navailability = 0.999\n\
         [plan]\nlosses = \"none\"\nvary = []\nreplications = 2\nlead = \"30s\"\nfailure_duration = \"1m\"\n",
    );
    for c in cities {
        text.push_str(&format!("[[city]]\nname = \"{c}\"\nrps = 4.0\n"));
    }
    let downs = [["us-central1"].as_slice(), &["us-east4"], &["us-west1"], &["us-central1", "us-east4"]];
    for k in 0..39 {
        let down: Vec<String> = downs[k % 4].iter().map(|r| format!("\"{r}\"")).collect();
        text.push_str(&format!(
            "[[plan.case]]\nname = \"drill {k:02}: {} lost together with a long name\"\ndown = [{}]\n",
            downs[k % 4].join(" and "),
            down.join(", ")
        ));
    }
    let dir = temp_dir("plan-wide");
    let file = dir.join("plan-wide.toml");
    fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let r = negsim(&["plan", file.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let page = out.join("report.html");
    let html = fs::read_to_string(&page).unwrap();
    let cells = ["<td class=\"met\"", "<td class=\"marginal\"", "<td class=\"missed\""]
        .iter()
        .map(|c| html.matches(c).count())
        .sum::<usize>();
    assert_eq!(cells, 2 * 40 * 31, "two heat maps of 40 cases by all users and 30 cities");
    for width in [1280, 1920] {
        let Some((dom, stderr)) = browse(&page, width) else { return };
        assert_eq!(body_attr(&dom, "data-errors").as_deref(), Some("0"), "at {width}: {stderr}");
        assert_eq!(
            body_attr(&dom, "data-overflow").as_deref(),
            Some(""),
            "at {width} px: something overflows"
        );
    }
}

/// The users card states the busiest window's rate as the run measured it
/// (the telemetry example's cities take their traffic from files, which
/// their configured `rps` knows nothing of).
#[test]
fn the_users_card_states_the_measured_busiest_window() {
    use negsim::metrics::ScopeKind;
    use negsim::report::results::Results;
    let mut seen = 0;
    for (name, dir) in example_reports() {
        let Ok(res) = Results::load(dir) else { continue }; // a sweep
        let w = res.window_s();
        let peak =
            res.series_of(ScopeKind::Global, "all").iter().map(|r| r.requests as f64 / w).fold(0.0, f64::max);
        let page = fs::read_to_string(dir.join("report.html")).unwrap();
        let want = format!("{} requests/s in the busiest", negsim::format::count(peak.round() as u64));
        assert!(page.contains(&want), "{name}: the users card lacks \"{want}\"");
        seen += 1;
    }
    assert!(seen >= 6);
}

#[test]
fn the_storefront_report_draws_the_call_graph_and_says_the_lb_cannot_route_around() {
    let (_, dir) = example_reports().iter().find(|(n, _)| n == "storefront.toml").unwrap();
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    let findings = &page[page.find("id=\"findings\"").unwrap()..page.find("<h2>Summary").unwrap()];
    assert!(findings.contains("payments down in europe-west1"), "{findings}");
    assert!(findings.contains("could not route around it"), "{findings}");
    assert!(findings.contains("London") && findings.contains("Frankfurt") && !findings.contains("Tokyo"));
    let graph =
        &page[page.find("id=\"call-graph\"").unwrap()..page.find("id=\"latency-breakdown\"").unwrap()];
    // Every service is a box, and the failed call edge is drawn red.
    for s in ["frontend", "catalogue", "cart", "checkout", "payments"] {
        assert!(graph.contains(&format!(">{s}</text>")), "{s} missing from the call graph");
    }
    assert!(graph.contains("failed"), "the checkout → payments edge names its failures");
    let breakdown = &page[page.find("id=\"latency-breakdown\"").unwrap()..page.find("<h2>Charts").unwrap()];
    // One bar per service users call: frontend, catalogue, cart, checkout.
    assert_eq!(breakdown.matches("font-weight=\"600\"").count(), 4, "{breakdown}");
    // The table groups deployments, services and regions.
    for group in ["services in regions", "services", "regions"] {
        assert!(page.contains(&format!("<td colspan=\"14\">{group}</td>")), "no {group} group");
    }
    for file in ["calls.csv", "calls_timeseries.csv", "services.csv"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
}
