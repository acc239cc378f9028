//! The hot path allocates nothing per request or per event: a run's heap
//! allocations depend on its scenario (regions, cities, instances, the
//! largest number of requests in flight), not on how long it runs.
//!
//! A test binary of its own, because it counts every allocation of the
//! process through a counting global allocator; other tests running in
//! parallel threads would add theirs.

use negsim::metrics::NoWindows;
use negsim::model;
use negsim::scenario::{self, Overrides};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by a run of `name` lasting `minutes`, and its requests.
fn allocations(name: &str, minutes: u64) -> (u64, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    let overrides = Overrides { duration_ns: Some(minutes * 60_000_000_000), ..Overrides::default() };
    let sc = scenario::load(&path, &overrides).expect("example scenario is valid").scenario;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let result = model::run(&sc, &mut NoWindows);
    (ALLOCATIONS.load(Ordering::Relaxed) - before, result.requests)
}

#[test]
fn runs_allocate_per_scenario_not_per_request() {
    for name in ["mmc-validation.toml", "outage-drill.toml"] {
        let (short, short_requests) = allocations(name, 10);
        let (long, long_requests) = allocations(name, 40);
        let extra_requests = long_requests - short_requests;
        let extra = long.saturating_sub(short);
        eprintln!(
            "{name}: {short} allocations in 10 min ({short_requests} requests), {long} in 40 min ({long_requests})"
        );
        // Four times the duration, over a million more requests: growth is
        // allowed only where state grows (more instances, more requests in
        // flight at the peak), far below one allocation per 1,000 requests.
        assert!(
            extra * 1000 < extra_requests,
            "{name}: {extra} more allocations for {extra_requests} more requests"
        );
    }
}
