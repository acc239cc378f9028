//! Cloud Run request-based billing, as list prices (USD).
//!
//! Request-based billing charges vCPU-seconds and GiB-seconds while an
//! instance is starting or has at least one request in flight, each busy
//! period rounded up to the next 100 ms, plus a fee per request
//! (cloud.google.com/run/pricing, "rounded up to the nearest 100
//! millisecond"). Prices depend on the region's tier
//! (cloud.google.com/run/docs/locations): Tier 1 $0.000024 per vCPU-second
//! and $0.0000025 per GiB-second, Tier 2 $0.0000336 and $0.0000035, and
//! $0.40 per million requests in both. A region of the user's own (with
//! lat/lon) is priced as Tier 1. Not modelled here: the monthly free tier,
//! committed-use discounts, idle min-instance charges, instance-based
//! billing and the load balancer's own charges.

use crate::engine::time::NS_PER_S;

/// Billing granularity: busy periods are rounded up to this.
pub const GRANULE_NS: u64 = 100_000_000;

/// Fee per request, USD ($0.40 per million).
pub const PER_REQUEST_USD: f64 = 0.40 / 1e6;

/// Prices of one region.
#[derive(Clone, Copy, Debug)]
pub struct Prices {
    /// USD per vCPU-second.
    pub vcpu_s: f64,
    /// USD per GiB-second.
    pub gib_s: f64,
}

impl Prices {
    /// List prices of a Cloud Run pricing tier (1 or 2).
    pub fn tier(tier: u8) -> Prices {
        if tier == 2 {
            Prices { vcpu_s: 0.000_033_6, gib_s: 0.000_003_5 }
        } else {
            Prices { vcpu_s: 0.000_024, gib_s: 0.000_002_5 }
        }
    }

    /// The cost of one instance with `cpu` vCPUs and `memory_gib` GiB being
    /// billed for exactly `ns`.
    pub fn cost_of(&self, cpu: f64, memory_gib: f64, ns: u64) -> f64 {
        let secs = ns as f64 / NS_PER_S as f64;
        secs * (cpu * self.vcpu_s + memory_gib * self.gib_s)
    }

    /// The cost of a billable period of `busy_ns`, rounded up to the billing granule.
    pub fn busy_cost(&self, cpu: f64, memory_gib: f64, busy_ns: u64) -> f64 {
        self.cost_of(cpu, memory_gib, busy_ns.div_ceil(GRANULE_NS) * GRANULE_NS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_periods_round_up_to_100ms() {
        let p = Prices::tier(1);
        // 1 vCPU, 0.5 GiB, 150 ms busy: billed 200 ms.
        let expected = 0.2 * (0.000_024 + 0.5 * 0.000_002_5);
        assert!((p.busy_cost(1.0, 0.5, 150_000_000) - expected).abs() < 1e-15);
        assert_eq!(p.busy_cost(1.0, 0.5, 100_000_000), p.busy_cost(1.0, 0.5, 1));
        assert!(Prices::tier(2).busy_cost(1.0, 0.5, 1) > p.busy_cost(1.0, 0.5, 1));
    }
}
