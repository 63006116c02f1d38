//! Seeded randomness whose output never changes between crate versions.
//!
//! Everything random in retake (sampling, template variants, option shuffles) draws from
//! [`SeededRng`]: ChaCha8 (a fixed, documented stream) with floats, bounded integers and shuffles
//! derived here from raw `u64`s rather than through `rand`'s distributions, whose algorithms may change.
//! The same seed therefore replays the same mock exam on any version.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A deterministic generator for one purpose (derive sub-streams with [`SeededRng::derive`]).
#[derive(Clone, Debug)]
pub struct SeededRng {
    inner: ChaCha8Rng,
}

impl SeededRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// An independent generator for a named purpose, so adding draws in one place never shifts
    /// another (e.g. the shuffle of item 7 does not depend on how many items were sampled).
    pub fn derive(seed: u64, purpose: &str, index: u64) -> Self {
        // FNV-1a over the purpose, mixed with the seed and index (stable by construction).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in purpose
            .bytes()
            .chain(index.to_le_bytes())
            .chain(seed.to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        SeededRng::new(h)
    }

    /// The next raw 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A float uniformly in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An integer uniformly in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return usize::try_from(x % n).unwrap_or(0);
            }
        }
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A random permutation of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_across_versions() {
        // Golden values: if these change, recorded seeds no longer replay the same exams.
        let mut r = SeededRng::new(42);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(first, GOLDEN_42);
        assert_eq!(
            SeededRng::derive(42, "shuffle", 7).permutation(6),
            GOLDEN_PERMUTATION
        );
    }

    const GOLDEN_42: [u64; 3] = [12578764544318200737, 17529487244874322312, 7886285670807131020];
    const GOLDEN_PERMUTATION: [usize; 6] = [0, 1, 4, 3, 2, 5];

    #[test]
    fn below_stays_in_range_and_unit_in_zero_one() {
        let mut r = SeededRng::new(1);
        for n in 1..50 {
            assert!(r.below(n) < n);
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
