//! Draws made ahead, in batches.
//!
//! A stream whose every draw goes through one [`Ahead`] gives the same
//! values in the same order as drawing one at a time: the batch only moves
//! the computing earlier. What it gains is speed: a lognormal draw is a
//! ziggurat lookup and an `exp`, a chain of dependent steps, and a batch
//! of independent draws in a tight loop lets the CPU overlap them, with
//! their tables in cache, where one draw in the middle of a request's work
//! stalls it.

/// How many draws a batch makes.
const BATCH: usize = 32;

/// Up to [`BATCH`] draws of one stream, made ahead and handed out in order.
pub struct Ahead<T> {
    drawn: [T; BATCH],
    next: usize,
}

impl<T: Copy + Default> Default for Ahead<T> {
    fn default() -> Self {
        Ahead { drawn: [T::default(); BATCH], next: BATCH }
    }
}

impl<T: Copy> Ahead<T> {
    /// The next draw, making a new batch with `draw` when the last one is used up.
    #[inline]
    pub fn take(&mut self, mut draw: impl FnMut() -> T) -> T {
        if self.next == BATCH {
            self.drawn.iter_mut().for_each(|d| *d = draw());
            self.next = 0;
        }
        self.next += 1;
        self.drawn[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_the_draws_in_order() {
        let mut n = 0u64;
        let mut counter = || {
            n += 1;
            n
        };
        let mut ahead = Ahead::default();
        let taken: Vec<u64> = (0..100).map(|_| ahead.take(&mut counter)).collect();
        assert_eq!(taken, (1..=100).collect::<Vec<_>>());
        // Four batches made so far (100 draws), the fourth has 28 left.
        assert_eq!(n, 4 * BATCH as u64);
    }
}
