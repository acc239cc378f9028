//! Benchmarks: the event queue alone, and whole runs of the example
//! scenarios, reported as simulated requests (or events) per second.
//!
//! `cargo bench --bench engine`; figures with their machine go in
//! `benches/RESULTS.md`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use negsim::engine::{EventQueue, SimTime};
use negsim::metrics::NoWindows;
use negsim::model;
use negsim::scenario::{self, Overrides, Scenario};
use std::hint::black_box;
use std::path::Path;

/// The classic "hold" benchmark: a queue of `size` pending events; each
/// step pops the earliest and schedules one a pseudo-random delay later.
fn event_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");
    for size in [1_000usize, 100_000] {
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("hold_{size}"), |b| {
            let mut q = EventQueue::new();
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 1_000_000
            };
            for i in 0..size {
                q.schedule(SimTime(next()), i as u32);
            }
            b.iter(|| {
                let e = q.pop().unwrap();
                let d = next();
                q.schedule_in(d, black_box(e));
            });
        });
    }
    g.finish();
}

fn load(name: &str, minutes: u64) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    let overrides = Overrides { duration_ns: Some(minutes * 60_000_000_000), ..Overrides::default() };
    scenario::load(&path, &overrides).expect("example scenario is valid").scenario
}

fn whole_runs(c: &mut Criterion) {
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    for (name, minutes) in [("mmc-validation.toml", 10), ("global-three-region.toml", 10)] {
        let mut sc = load(name, minutes);
        sc.simulation.warmup_ns = 0;
        let requests = model::run(&sc, &mut NoWindows).requests;
        g.throughput(Throughput::Elements(requests));
        g.bench_function(name.trim_end_matches(".toml"), |b| {
            b.iter(|| model::run(black_box(&sc), &mut NoWindows))
        });
    }
    g.finish();
}

criterion_group!(benches, event_queue, whole_runs);
criterion_main!(benches);
