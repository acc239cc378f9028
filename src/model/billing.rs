//! What a run costs at list prices (USD): Cloud Run and the load balancer.
//!
//! **Request-based billing** (Cloud Run's default) charges vCPU-seconds and
//! GiB-seconds while an instance is starting or has at least one request in
//! flight, each such busy period rounded up to the next 100 ms
//! (cloud.google.com/run/pricing: "rounded up to the nearest 100
//! millisecond"), plus a fee per request. Idle instances that
//! `min_instances` keeps are billed at the lower idle rate: as many as
//! `min_instances` minus the busy ones, at most the idle ones there are
//! (cloud.google.com/run/docs/configuring/min-instances: "if min-instances
//! is 10, and the number of active instances is 0, then the number of idle
//! instances is 10"). Other idle instances cost nothing.
//! **Instance-based billing** charges every instance for its whole life,
//! starting and idle included, at lower rates and with no fee per request
//! (cloud.google.com/run/docs/configuring/billing-settings).
//!
//! Rates depend on the region's tier (cloud.google.com/run/docs/locations):
//! Tier 2 regions pay `tier2_factor` (1.4 on the list) times the Tier 1
//! vCPU and GiB rates; the fee per request is the same. A region of the
//! user's own (with lat/lon) is priced as Tier 1.
//!
//! **The load balancer** charges per forwarding rule and hour, and per GiB
//! of data it processes, inbound (requests) and outbound (responses)
//! (cloud.google.com/load-balancing/pricing). Its cost is in the global
//! scope only: a global row's `cost_usd` is its regions' plus the load
//! balancer's.
//!
//! Not modelled: the monthly free tier, committed-use discounts, data
//! transfer out to the internet, Cloud Armor and CDN charges.

use crate::engine::time::NS_PER_S;
use crate::scenario::{Billing, Pricing};

/// Billing granularity of request-based billing: busy periods are rounded up to this.
pub const GRANULE_NS: u64 = 100_000_000;

pub use crate::scenario::MONTH_HOURS;

/// What one region's instances cost, for its instance size and tier.
#[derive(Clone, Copy, Debug)]
pub struct Prices {
    /// How the region is billed.
    pub billing: Billing,
    /// USD per second of a busy instance (request-based billing).
    pub busy_per_s: f64,
    /// USD per second of an idle instance kept by `min_instances` (request-based billing).
    pub idle_per_s: f64,
    /// USD per second of an instance's life (instance-based billing).
    pub life_per_s: f64,
    /// USD per request (request-based billing; zero for instance-based).
    pub per_request: f64,
}

impl Prices {
    /// The prices of an instance with `cpu` vCPUs and `memory_gib` GiB in
    /// a region of pricing tier `tier` (1 or 2).
    pub fn new(p: &Pricing, tier: u8, cpu: f64, memory_gib: f64, billing: Billing) -> Prices {
        let k = if tier == 2 { p.tier2_factor } else { 1.0 };
        let rate = |vcpu_s: f64, gib_s: f64| k * (cpu * vcpu_s + memory_gib * gib_s);
        Prices {
            billing,
            busy_per_s: rate(p.request_vcpu_s, p.request_gib_s),
            idle_per_s: rate(p.idle_vcpu_s, p.idle_gib_s),
            life_per_s: rate(p.instance_vcpu_s, p.instance_gib_s),
            per_request: match billing {
                Billing::Request => p.per_million_requests / 1e6,
                Billing::Instance => 0.0,
            },
        }
    }

    /// The cost of `ns` of busy time under request-based billing, not rounded.
    pub fn busy(&self, ns: u64) -> f64 {
        ns as f64 / NS_PER_S as f64 * self.busy_per_s
    }
}

/// The part of `elapsed` busy time to bill now: when the busy period is
/// `closing`, all of it rounded up to the granule; otherwise (at a window
/// boundary) only its whole granules, the rest carrying over. So a period
/// billed in parts costs exactly what it would in one rounded-up piece.
pub fn billed_ns(elapsed: u64, closing: bool) -> u64 {
    let granules = if closing { elapsed.div_ceil(GRANULE_NS) } else { elapsed / GRANULE_NS };
    granules * GRANULE_NS
}

/// The load balancer's charges.
#[derive(Clone, Copy, Debug)]
pub struct LbPrices {
    /// USD per nanosecond for all forwarding rules.
    pub per_ns: f64,
    /// USD per answered request for the data processed (request in, response out).
    pub per_request: f64,
}

impl LbPrices {
    /// The load balancer's prices from `[pricing]`.
    pub fn new(p: &Pricing) -> LbPrices {
        let gib = (p.request_kib + p.response_kib) / (1024.0 * 1024.0);
        LbPrices {
            per_ns: f64::from(p.forwarding_rules) * p.forwarding_rule_hour / (3600.0 * NS_PER_S as f64),
            per_request: gib * p.lb_data_gib,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_periods_round_up_to_100ms() {
        let list = Pricing::default();
        let p = Prices::new(&list, 1, 1.0, 0.5, Billing::Request);
        // 1 vCPU, 0.5 GiB, 150 ms busy: billed 200 ms.
        let expected = 0.2 * (0.000_024 + 0.5 * 0.000_002_5);
        assert_eq!(billed_ns(150_000_000, true), 200_000_000);
        assert!((p.busy(billed_ns(150_000_000, true)) - expected).abs() < 1e-15);
        assert_eq!(billed_ns(1, true), billed_ns(100_000_000, true));
        // Split at a window boundary after 130 ms: 100 ms now, then the
        // remaining 50 ms rounds up to 100 ms: 200 ms, as in one piece.
        let first = billed_ns(130_000_000, false);
        assert_eq!(first, 100_000_000);
        assert_eq!(first + billed_ns(150_000_000 - first, true), 200_000_000);
        assert_eq!(billed_ns(99_000_000, false), 0);
        let tier2 = Prices::new(&list, 2, 1.0, 0.5, Billing::Request);
        assert!((tier2.busy(billed_ns(1, true)) - 0.1 * (0.000_033_6 + 0.5 * 0.000_003_5)).abs() < 1e-15);
        assert_eq!(p.per_request, 0.40 / 1e6);
    }

    #[test]
    fn instance_based_billing_has_no_request_fee_and_lower_rates() {
        let list = Pricing::default();
        let p = Prices::new(&list, 1, 2.0, 1.0, Billing::Instance);
        assert_eq!(p.per_request, 0.0);
        assert!((p.life_per_s - (2.0 * 0.000_018 + 0.000_002)).abs() < 1e-15);
        assert!((p.idle_per_s - (2.0 * 0.000_002_5 + 0.000_002_5)).abs() < 1e-15);
    }

    #[test]
    fn load_balancer_charges_by_hand() {
        let lb = LbPrices::new(&Pricing { forwarding_rules: 2, ..Pricing::default() });
        // Two rules for one hour: $0.05.
        assert!((lb.per_ns * 3600e9 - 0.05).abs() < 1e-12);
        // 2 KiB in and 16 KiB out per request: 18 KiB at $0.008 per GiB.
        assert!((lb.per_request - 18.0 / 1_048_576.0 * 0.008).abs() < 1e-18);
    }
}
