//! negsim against the fastest Rust simulation core on M/M/c (issue 26).
//!
//! Four implementations of the same queue, run interleaved in rounds on
//! each load: SimCore 0.1 (the crate `simcore`, the core DSLab FaaS runs
//! on) written as its documentation shows it, one component implementing
//! `EventHandler` that emits its arrivals and departures to itself, with
//! exponential draws from its context's random numbers; a hand-written
//! floor (a `BinaryHeap` of (time, sequence, kind), no framework);
//! negsim running `scenarios/mmc-validation.toml` reshaped to the load,
//! with its whole Cloud Run and load-balancer model and per-window metrics
//! (`negsim::model::run`, no files written); and the same bare queue as
//! SimCore's written on negsim's engine (a `negsim::engine::Model` with an
//! arrival and a departure event, negsim's calendar queue and random
//! streams, SimCore's inverse-transform draws), which separates what the
//! engine costs from what the model does. SimPy's lean callback version
//! (`simpy_lean.py`) runs beside them when `target/simpy-venv` exists
//! (`benches/compare_simpy.sh` creates it).
//!
//!     cd benches/peers && cargo run --release [-- ROUNDS [CUSTOMERS]]
//!
//! Loads: (a) 180/s, 0.5 s of service, c = 100; (b) 18/s, 0.5 s, c = 10;
//! both at utilisation 0.9. Every implementation's mean wait is printed
//! beside Erlang C's.

use negsim::engine::rng::{Rng, stream};
use negsim::engine::{EventQueue, Model, SimTime};
use rand::Rng as _;
use serde::Serialize;
use simcore::{Event, EventHandler, Simulation, SimulationContext, cast};
use std::cell::RefCell;
use std::collections::{BinaryHeap, VecDeque};
use std::path::Path;
use std::rc::Rc;
use std::time::Instant;

#[derive(Clone, Copy)]
struct Load {
    name: &'static str,
    lambda: f64,
    service_s: f64,
    c: u32,
}

const LOADS: [Load; 2] = [
    Load { name: "(a) 180/s, 0.5 s, c = 100", lambda: 180.0, service_s: 0.5, c: 100 },
    Load { name: "(b) 18/s, 0.5 s, c = 10", lambda: 18.0, service_s: 0.5, c: 10 },
];

/// One run: customers served, wall seconds, mean wait in ms.
struct Outcome {
    served: u64,
    wall_s: f64,
    wait_ms: f64,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.served as f64 / self.wall_s
    }
}

/// Erlang C's mean wait, ms.
fn erlang_c_wait_ms(l: Load) -> f64 {
    let a = l.lambda * l.service_s;
    let c = f64::from(l.c);
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..l.c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / c;
    let p_wait = last / (1.0 - a / c) / (sum + last / (1.0 - a / c));
    p_wait * l.service_s / (c - a) * 1000.0
}

/// A xorshift64* generator: the floor's only need.
struct Xs(u64);

impl Xs {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn exp(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

/// The floor: a binary heap of (time in ns, sequence, departure?).
fn floor(l: Load, horizon_s: f64) -> Outcome {
    let start = Instant::now();
    let mut rng = Xs(0x9E37_79B9_7F4A_7C15);
    let mut heap: BinaryHeap<std::cmp::Reverse<(u64, u64, bool)>> = BinaryHeap::new();
    let ns = |s: f64| (s * 1e9) as u64;
    let mut seq = 0;
    heap.push(std::cmp::Reverse((ns(rng.exp(1.0 / l.lambda)), seq, false)));
    let (mut busy, mut queue, mut served, mut wait) = (0u32, VecDeque::new(), 0u64, 0.0);
    let end = ns(horizon_s);
    while let Some(std::cmp::Reverse((t, _, departure))) = heap.pop() {
        if t > end {
            break;
        }
        seq += 1;
        if departure {
            served += 1;
            match queue.pop_front() {
                Some(arrived) => {
                    wait += (t - arrived) as f64;
                    heap.push(std::cmp::Reverse((t + ns(rng.exp(l.service_s)), seq, true)));
                }
                None => busy -= 1,
            }
        } else {
            heap.push(std::cmp::Reverse((t + ns(rng.exp(1.0 / l.lambda)), seq, false)));
            seq += 1;
            if busy < l.c {
                busy += 1;
                heap.push(std::cmp::Reverse((t + ns(rng.exp(l.service_s)), seq, true)));
            } else {
                queue.push_back(t);
            }
        }
    }
    let wall_s = start.elapsed().as_secs_f64();
    Outcome { served, wall_s, wait_ms: wait / served.max(1) as f64 / 1e6 }
}

#[derive(Clone, Serialize)]
struct Arrival {}

#[derive(Clone, Serialize)]
struct Departure {}

/// M/M/c as one SimCore component.
struct Queue {
    ctx: SimulationContext,
    load: Load,
    busy: u32,
    waiting: VecDeque<f64>,
    served: u64,
    wait: f64,
}

impl Queue {
    fn exp(&self, mean: f64) -> f64 {
        -mean * (1.0 - self.ctx.rand()).ln()
    }
}

impl EventHandler for Queue {
    fn on(&mut self, event: Event) {
        cast!(match event.data {
            Arrival {} => {
                self.ctx.emit_self(Arrival {}, self.exp(1.0 / self.load.lambda));
                if self.busy < self.load.c {
                    self.busy += 1;
                    self.ctx.emit_self(Departure {}, self.exp(self.load.service_s));
                } else {
                    self.waiting.push_back(self.ctx.time());
                }
            }
            Departure {} => {
                self.served += 1;
                match self.waiting.pop_front() {
                    Some(arrived) => {
                        self.wait += self.ctx.time() - arrived;
                        self.ctx.emit_self(Departure {}, self.exp(self.load.service_s));
                    }
                    None => self.busy -= 1,
                }
            }
        })
    }
}

fn simcore(l: Load, horizon_s: f64) -> Outcome {
    let start = Instant::now();
    let mut sim = Simulation::new(1);
    let ctx = sim.create_context("queue");
    let queue = Rc::new(RefCell::new(Queue {
        ctx,
        load: l,
        busy: 0,
        waiting: VecDeque::new(),
        served: 0,
        wait: 0.0,
    }));
    sim.add_handler("queue", queue.clone());
    {
        let q = queue.borrow();
        q.ctx.emit_self(Arrival {}, q.exp(1.0 / l.lambda));
    }
    sim.step_until_time(horizon_s);
    let wall_s = start.elapsed().as_secs_f64();
    let q = queue.borrow();
    Outcome { served: q.served, wall_s, wait_ms: q.wait / q.served.max(1) as f64 * 1000.0 }
}

/// M/M/c on negsim's engine: the model SimCore runs, event for event.
struct Bare {
    load: Load,
    rng: Rng,
    busy: u32,
    waiting: VecDeque<SimTime>,
    served: u64,
    wait_ns: u64,
    end: SimTime,
}

#[derive(Clone, Copy)]
enum BareEvent {
    Arrival,
    Departure,
}

impl Bare {
    /// An exponential draw in whole nanoseconds, by inverse transform as
    /// SimCore's queue draws it.
    fn exp_ns(&mut self, mean_s: f64) -> u64 {
        let u = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        (-mean_s * (1.0 - u).ln() * 1e9) as u64
    }
}

impl Model for Bare {
    type Event = BareEvent;

    fn handle(&mut self, event: BareEvent, q: &mut EventQueue<BareEvent>) {
        match event {
            BareEvent::Arrival => {
                let gap = self.exp_ns(1.0 / self.load.lambda);
                q.schedule_in(gap, BareEvent::Arrival);
                if self.busy < self.load.c {
                    self.busy += 1;
                    let service = self.exp_ns(self.load.service_s);
                    q.schedule_in(service, BareEvent::Departure);
                } else {
                    self.waiting.push_back(q.now());
                }
            }
            BareEvent::Departure => {
                self.served += 1;
                match self.waiting.pop_front() {
                    Some(arrived) => {
                        self.wait_ns += q.now().since(arrived);
                        let service = self.exp_ns(self.load.service_s);
                        q.schedule_in(service, BareEvent::Departure);
                    }
                    None => self.busy -= 1,
                }
            }
        }
    }

    fn finish_line(&self, now: SimTime) -> Option<SimTime> {
        (now >= self.end).then_some(self.end)
    }
}

fn negsim_bare(l: Load, horizon_s: f64) -> Outcome {
    let start = Instant::now();
    let mut model = Bare {
        load: l,
        rng: stream(1, "bare"),
        busy: 0,
        waiting: VecDeque::new(),
        served: 0,
        wait_ns: 0,
        end: SimTime((horizon_s * 1e9) as u64),
    };
    let mut q = EventQueue::new();
    let gap = model.exp_ns(1.0 / l.lambda);
    q.schedule(SimTime(gap), BareEvent::Arrival);
    negsim::engine::run(&mut model, &mut q);
    let wall_s = start.elapsed().as_secs_f64();
    Outcome { served: model.served, wall_s, wait_ms: model.wait_ns as f64 / model.served.max(1) as f64 / 1e6 }
}

/// negsim's scenario for the load: `mmc-validation.toml` reshaped.
fn negsim_scenario(l: Load, horizon_s: f64) -> negsim::scenario::Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mmc-validation.toml");
    let text = std::fs::read_to_string(&root).expect("scenarios/mmc-validation.toml");
    let text = text
        .replace("duration = \"1h\"", &format!("duration = \"{}s\"", horizon_s.round()))
        .replace("warmup = \"2m\"", "warmup = \"0s\"")
        .replace("min_instances = 10", &format!("min_instances = {}", l.c))
        .replace("max_instances = 10", &format!("max_instances = {}", l.c))
        .replace("mean = \"20ms\"", &format!("mean = \"{}ms\"", l.service_s * 1000.0))
        .replace("rps = 450.0", &format!("rps = {}", l.lambda));
    negsim::scenario::from_str(&root, &text, &Default::default())
        .expect("the reshaped scenario is valid")
        .scenario
}

fn negsim_run(sc: &negsim::scenario::Scenario) -> Outcome {
    let start = Instant::now();
    let res = negsim::model::run(sc, &mut negsim::metrics::NoWindows);
    let wall_s = start.elapsed().as_secs_f64();
    let region =
        res.rows.iter().find(|r| r.scope == negsim::metrics::ScopeKind::Region).expect("a region row");
    Outcome { served: res.requests, wall_s, wait_ms: region.queue_wait_mean_ms.unwrap_or(0.0) }
}

/// SimPy's lean callback model, when its environment exists.
fn simpy(l: Load, horizon_s: f64) -> Option<Outcome> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = dir.join("../../target/simpy-venv/bin/python");
    if !python.exists() {
        return None;
    }
    let out = std::process::Command::new(python)
        .arg(dir.join("simpy_lean.py"))
        .args(["--c", &l.c.to_string(), "--lam", &l.lambda.to_string()])
        .args(["--mu", &(1.0 / l.service_s).to_string(), "--horizon", &horizon_s.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |k: &str| -> Option<f64> {
        let i = text.find(&format!("\"{k}\": "))? + k.len() + 4;
        text[i..].split([',', '}']).next()?.trim().parse().ok()
    };
    Some(Outcome {
        served: field("requests")? as u64,
        wall_s: field("wall_s")?,
        wait_ms: field("mean_wait_ms")?,
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let customers: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2e6);
    for l in LOADS {
        let horizon_s = customers / l.lambda;
        let sc = negsim_scenario(l, horizon_s);
        let mut rates: [Vec<f64>; 4] = Default::default();
        let mut waits = [0.0; 4];
        for _ in 0..rounds {
            let round =
                [negsim_run(&sc), simcore(l, horizon_s), floor(l, horizon_s), negsim_bare(l, horizon_s)];
            for (k, o) in round.into_iter().enumerate() {
                rates[k].push(o.rate());
                waits[k] = o.wait_ms;
            }
        }
        let py = simpy(l, horizon_s);
        // Each round's own ratio: the machine's speed drifts between rounds
        // (15 % over minutes), less within one.
        let per_round = |k: usize| {
            let paired: Vec<f64> = rates[k].iter().zip(&rates[1]).map(|(n, s)| n / s).collect();
            let (lo, hi) = paired.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
            (median(paired), lo, hi)
        };
        let (paired_median, lo, hi) = per_round(0);
        let (bare_median, bare_lo, bare_hi) = per_round(3);
        let [n, s, f, e] = rates.map(median);
        println!("{}: {customers:.0} customers, {rounds} interleaved rounds, median rates", l.name);
        println!("  Erlang C mean wait: {:.2} ms", erlang_c_wait_ms(l));
        for (name, rate, wait) in [
            ("negsim (whole model)", n, waits[0]),
            ("SimCore 0.1", s, waits[1]),
            ("hand-written floor", f, waits[2]),
            ("negsim engine, bare", e, waits[3]),
        ] {
            println!("  {name:<22} {:>6.2} M customers/s   mean wait {wait:.2} ms", rate / 1e6);
        }
        if let Some(p) = &py {
            println!(
                "  {:<22} {:>6.2} M customers/s   mean wait {:.2} ms",
                "SimPy lean callbacks",
                p.rate() / 1e6,
                p.wait_ms
            );
        }
        println!(
            "  negsim / SimCore = {:.2}, negsim / floor = {:.2}{}",
            n / s,
            n / f,
            py.map_or(String::new(), |p| format!(", negsim / SimPy lean = {:.1}", n / p.rate()))
        );
        println!("  negsim / SimCore within each round: median {paired_median:.2}, from {lo:.2} to {hi:.2}");
        // Worded apart from the line above, which `ab.sh` reads.
        println!(
            "  bare engine / SimCore, per round: median {bare_median:.2}, from {bare_lo:.2} to {bare_hi:.2}"
        );
    }
}
