//! A slab: entities in a `Vec`, addressed by a typed id (a `u32` index),
//! with freed slots reused.
//!
//! Requests and region jobs live here while in flight, so memory follows the
//! number in flight, not the number simulated.

use super::ids::Id;

/// Entities addressed by id, with a free list.
pub struct Slab<I, T> {
    items: Vec<T>,
    free: Vec<I>,
}

impl<I, T> Default for Slab<I, T> {
    fn default() -> Self {
        Slab { items: Vec::new(), free: Vec::new() }
    }
}

impl<I: Id, T> Slab<I, T> {
    /// Stores `item` in a free slot and returns its index. The slot's old
    /// content (if reused) is handed to `reuse` to carry state across, such
    /// as a generation counter.
    #[inline]
    pub fn insert_with(&mut self, make: impl FnOnce(Option<&T>) -> T) -> I {
        if let Some(i) = self.free.pop() {
            let slot = &mut self.items[i.index()];
            *slot = make(Some(slot));
            i
        } else {
            let item = make(None);
            self.items.push(item);
            I::new(self.items.len() - 1)
        }
    }

    /// Marks slot `i` free for reuse (its content stays until then).
    #[inline]
    pub fn release(&mut self, i: I) {
        self.free.push(i);
    }

    /// Number of slots ever allocated (the high-water mark of in-flight entities).
    pub fn capacity(&self) -> usize {
        self.items.len()
    }

    /// The indices of every slot, free or in use (a free one holds what
    /// its last entity left).
    pub fn slots(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    /// Number of slots in use.
    pub fn live(&self) -> usize {
        self.items.len() - self.free.len()
    }
}

impl<I: Id, T> std::ops::Index<I> for Slab<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, i: I) -> &T {
        &self.items[i.index()]
    }
}

impl<I: Id, T> std::ops::IndexMut<I> for Slab<I, T> {
    #[inline]
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.index()]
    }
}
