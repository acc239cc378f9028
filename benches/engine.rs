//! Benchmarks: the event queue alone, whole runs of the example scenarios,
//! and the limit the full model is measured against (a bare binary-heap
//! loop doing only the queue work a request needs), reported as simulated
//! requests (or queue operations) per second.
//!
//! `cargo bench --bench engine`; figures with their machine go in
//! `benches/RESULTS.md`. Each whole-run benchmark prints its events per
//! request and mean queue size first, which is what the bare loop uses.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use negsim::engine::rng::xorshift;
use negsim::engine::{EventQueue, SimTime};
use negsim::metrics::NoWindows;
use negsim::model;
use negsim::scenario::{self, Overrides, Scenario};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;

/// The classic "hold" benchmark: a queue of `size` pending events; each
/// step pops the earliest and schedules it again a uniform random delay
/// later. Events are 16 bytes, as negsim's are. Near delays (0 to 40 ms, a
/// mean lead of 20 ms) are the model's: the global example's queue holds
/// about 250 events, ten falling due per millisecond, and a larger queue
/// stands for a higher request rate. Far delays (0 to 4 s) are the
/// calendar's worst case, most events waiting in its overflow heap.
fn event_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");
    let cases = [
        ("hold_250", 250usize, 40u64),
        ("hold_10000", 10_000, 40),
        ("hold_1000000", 1_000_000, 40),
        ("hold_10000_far", 10_000, 4_000),
    ];
    for (name, size, span_ms) in cases {
        let span = span_ms * 1_000_000;
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            let mut q = EventQueue::new();
            let mut rand = xorshift(0x9e37_79b9_7f4a_7c15);
            let mut next = || rand() % span;
            for i in 0..size {
                q.schedule(SimTime(next()), [i as u32; 4]);
            }
            b.iter(|| {
                let e = q.pop().unwrap();
                let d = next();
                q.schedule_in(d, black_box(e));
            });
        });
        // The same with a plain binary heap keyed by (time, sequence), for comparison.
        g.bench_function(format!("binary_heap_{name}"), |b| {
            let mut heap = BinaryHeap::with_capacity(size + 1);
            let mut rand = xorshift(0x9e37_79b9_7f4a_7c15);
            let mut next = || rand() % span;
            let mut seq = 0u64;
            for i in 0..size {
                heap.push(Reverse((next(), seq, [i as u32; 4])));
                seq += 1;
            }
            b.iter(|| {
                let Reverse((now, _, e)) = heap.pop().unwrap();
                heap.push(Reverse((now + next(), seq, black_box(e))));
                seq += 1;
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

/// The scenarios measured whole, with the simulated minutes of each.
const RUNS: [(&str, u64); 3] =
    [("mmc-validation.toml", 10), ("global-three-region.toml", 10), ("outage-drill.toml", 60)];

fn whole_runs(c: &mut Criterion) {
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    for (name, minutes) in RUNS {
        let mut sc = load(name, minutes);
        sc.simulation.warmup_ns = 0;
        let r = model::run(&sc, &mut NoWindows);
        eprintln!(
            "{name} ({minutes} min): {} requests, {} events, {:.2} events per request, {:.0} pending events on average",
            r.requests,
            r.events,
            r.events as f64 / r.requests as f64,
            r.mean_pending_events
        );
        let requests = r.requests;
        g.throughput(Throughput::Elements(requests));
        g.bench_function(name.trim_end_matches(".toml"), |b| {
            b.iter(|| model::run(black_box(&sc), &mut NoWindows))
        });
    }
    g.finish();
}

/// The limit to aim at: only the queue work of a scenario's requests, in a
/// plain `BinaryHeap` of 32-byte entries (time, sequence and a 16-byte
/// event, as in negsim's queue) holding as many events as the model's queue
/// does on average, with the model's events per request. One iteration is
/// 1,000 requests' worth of pops and pushes, so the throughput reads as
/// requests per second, to set beside `run/<scenario>`.
///
/// The global example is the target (at least 40 %). M/M/c is
/// measured too, to set the SimPy target beside it: at 100 times SimPy,
/// the M/M/c model must run at that fraction of a loop that does nothing
/// but its queue operations.
fn bare_heap_loop(c: &mut Criterion) {
    let mut g = c.benchmark_group("bare_heap_loop");
    g.throughput(Throughput::Elements(1000));
    for name in ["global-three-region.toml", "mmc-validation.toml"] {
        let mut sc = load(name, 10);
        sc.simulation.warmup_ns = 0;
        let r = model::run(&sc, &mut NoWindows);
        let per_request = r.events as f64 / r.requests as f64;
        let size = r.mean_pending_events.round() as usize;
        let ops = (1000.0 * per_request).round() as u64;
        g.bench_function(name.trim_end_matches(".toml"), |b| {
            // The mean gap between events and a delay spread that keeps the heap
            // at `size`, as the model's own mix of short and long delays does.
            let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
            let mut heap: BinaryHeap<Reverse<(u64, u64, [u32; 4])>> = BinaryHeap::with_capacity(size + 1);
            let mut seq = 0u64;
            let span = 2 * size as u64 * 100_000;
            for _ in 0..size {
                heap.push(Reverse((rand() % span, seq, [0; 4])));
                seq += 1;
            }
            b.iter(|| {
                for _ in 0..ops {
                    let Reverse((now, _, ev)) = heap.pop().expect("the heap never empties");
                    let ev = black_box(ev);
                    heap.push(Reverse((now + rand() % span, seq, ev)));
                    seq += 1;
                }
            });
        });
    }
    g.finish();
}

criterion_group!(benches, event_queue, whole_runs, bare_heap_loop);
criterion_main!(benches);
