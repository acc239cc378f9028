//! A random stream whose draws are made ahead, in batches.
//!
//! [`Ahead`] owns its stream, so every draw of it goes through the batch
//! and comes out with the same value, in the same order, as drawing one at
//! a time: the batch only moves the computing earlier. What it gains is
//! speed: a lognormal draw is a ziggurat lookup and an `exp`, a chain of
//! dependent steps, and a batch of independent draws in a tight loop lets
//! the CPU overlap them, with their tables in cache, where one draw in the
//! middle of a request's work stalls it.

use crate::engine::rng::Rng;

/// How many draws a batch makes.
const BATCH: usize = 32;

/// A stream, and up to [`BATCH`] of its draws made ahead, handed out in order.
pub struct Ahead<T> {
    rng: Rng,
    drawn: [T; BATCH],
    next: usize,
}

impl<T: Copy + Default> Ahead<T> {
    /// Draws from `rng`, none made yet.
    pub fn new(rng: Rng) -> Self {
        Ahead { rng, drawn: [T::default(); BATCH], next: BATCH }
    }

    /// The next draw, making a new batch with `draw` when the last one is
    /// used up. Every call must pass the same `draw`.
    #[inline]
    pub fn take(&mut self, draw: impl FnMut(&mut Rng) -> T) -> T {
        if self.next == BATCH {
            self.refill(draw);
        }
        self.next += 1;
        self.drawn[self.next - 1]
    }

    /// Makes the next batch: out of line, so that the caller's code for the
    /// other 31 draws in 32 stays short (a batch of two distributions'
    /// draws inlined is kilobytes of code, and the registers it needs).
    #[cold]
    #[inline(never)]
    fn refill(&mut self, mut draw: impl FnMut(&mut Rng) -> T) {
        let rng = &mut self.rng;
        self.drawn.iter_mut().for_each(|d| *d = draw(rng));
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;
    use rand::RngExt;

    #[test]
    fn hands_out_the_streams_draws_in_order() {
        let mut direct = stream(1, "city/X/access");
        let mut ahead = Ahead::<u64>::new(direct.clone());
        let mut made = 0;
        for n in 0..100 {
            let want: u64 = direct.random();
            let got = ahead.take(|rng| {
                made += 1;
                rng.random()
            });
            assert_eq!(got, want, "draw {n}");
        }
        // Four batches made so far (100 draws), the fourth has 28 left.
        assert_eq!(made, 4 * BATCH);
    }
}
