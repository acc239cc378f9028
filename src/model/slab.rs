//! A slab: entities in a `Vec`, addressed by `u32` index, with freed slots reused.
//!
//! Requests and region jobs live here while in flight, so memory follows the
//! number in flight, not the number simulated.

/// Entities addressed by index, with a free list.
pub struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { items: Vec::new(), free: Vec::new() }
    }
}

impl<T> Slab<T> {
    /// Stores `item` in a free slot and returns its index. The slot's old
    /// content (if reused) is handed to `reuse` to carry state across, such
    /// as a generation counter.
    #[inline]
    pub fn insert_with(&mut self, make: impl FnOnce(Option<&T>) -> T) -> u32 {
        if let Some(i) = self.free.pop() {
            let slot = &mut self.items[i as usize];
            *slot = make(Some(slot));
            i
        } else {
            let item = make(None);
            self.items.push(item);
            (self.items.len() - 1) as u32
        }
    }

    /// Marks slot `i` free for reuse (its content stays until then).
    #[inline]
    pub fn release(&mut self, i: u32) {
        self.free.push(i);
    }

    /// Number of slots ever allocated (the high-water mark of in-flight entities).
    pub fn capacity(&self) -> usize {
        self.items.len()
    }

    /// The indices of every slot, free or in use (a free one holds what
    /// its last entity left).
    pub fn slots(&self) -> std::ops::Range<u32> {
        0..self.items.len() as u32
    }

    /// Number of slots in use.
    pub fn live(&self) -> usize {
        self.items.len() - self.free.len()
    }
}

impl<T> std::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: u32) -> &T {
        &self.items[i as usize]
    }
}

impl<T> std::ops::IndexMut<u32> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, i: u32) -> &mut T {
        &mut self.items[i as usize]
    }
}
