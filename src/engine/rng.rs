//! Named random streams.
//!
//! Every source of randomness in a run is a separate stream derived from the
//! run's seed and a stable entity name such as `"city/Sydney/arrivals"`. The
//! generator is xoshiro256++ (`rand_xoshiro`), whose output is specified by
//! its algorithm and so does not change between crate versions, unlike
//! `rand::rngs::StdRng`. A stream's 64-bit seed is
//! `splitmix64(seed ^ splitmix64(fnv1a64(name)))`, expanded to the 256-bit
//! state by xoshiro's own SplitMix64 seeding.
//!
//! Because each entity draws from its own stream, changing one region's
//! capacity or adding a city leaves every other entity's draws unchanged:
//! replication `k` of every sweep point sees the same user arrivals (common
//! random numbers).

use rand::SeedableRng;
pub use rand_xoshiro::Xoshiro256PlusPlus as Rng;

/// The random stream of entity `name` for a run with `seed`.
pub fn stream(seed: u64, name: &str) -> Rng {
    Rng::seed_from_u64(splitmix64(seed ^ splitmix64(fnv1a64(name.as_bytes()))))
}

/// A small xorshift generator for the queue's tests and benchmarks, where
/// the draws must cost next to nothing and need no name. Not for the
/// model: its randomness comes from [`stream`].
pub fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// FNV-1a, 64-bit: a stable hash of the entity name.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// SplitMix64's output function: a bijective 64-bit mixer.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a1: u64 = stream(1, "city/Sydney").next_u64();
        let a2: u64 = stream(1, "city/Sydney").next_u64();
        let b: u64 = stream(1, "city/Tokyo").next_u64();
        let c: u64 = stream(2, "city/Sydney").next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
    }

    #[test]
    fn stream_values_are_pinned() {
        // The first draw of a fixed stream is part of the reproducibility
        // contract: if this changes, every published result changes.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let first = stream(1, "city/Sydney/arrivals").next_u64();
        assert_eq!(first, 0xcf9e_2cca_559a_c369);
    }
}
