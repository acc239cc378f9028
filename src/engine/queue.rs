//! The event queue: a bucketed calendar in front of binary heaps, keyed by
//! `(time, sequence)`.
//!
//! The sequence number is a counter incremented on every [`EventQueue::schedule`],
//! so events due at the same instant pop first-in first-out. This is the
//! ordering contract stated in the [engine module](super) documentation, and
//! it is what makes a run a pure function of its scenario and seed.
//!
//! Layout (a calendar queue, Brown 1988, in its hierarchical timing-wheel
//! form, Varghese and Lauck 1987): time is cut into buckets of 2^21 ns
//! (about 2 ms), and buckets into pages of 128 (about 268 ms).
//! Events of the current and the next page sit unsorted in a ring of 256
//! per-bucket vectors (the fine ring); events of the 256 pages after those
//! (about 69 s) sit unsorted in a ring of per-page vectors (the coarse
//! ring); anything later (hour-long timeouts, far autoscaler ticks) waits
//! in an overflow heap. When the cursor enters a page, the page after it
//! moves from the coarse ring into the fine ring, and overflow events that
//! came within the coarse ring's reach move into it. When the clock
//! reaches a bucket, its events are sorted once into a vector, latest
//! first (`front`), so popping is taking the last element. Events
//! scheduled into the bucket being processed go to a small binary heap
//! (`late`), and pop takes the earlier of the two heads; events scheduled
//! at the current instant itself go to a plain FIFO, which pops once the
//! instant's keyed events are done.
//! Scheduling is a push onto a vector, an event beyond the fine ring is
//! moved once more (a push) when its page comes near, popping is nearly
//! free, and no operation is worse than logarithmic however many events
//! share a bucket. The fine ring is short on purpose: a network round trip
//! or a request's work falls within it, and its few vectors stay in cache
//! (a ring of 4,096 buckets ran the global example at 10,000 requests per
//! second 20% slower than 256; 128 to 512 were alike; 256 buckets of 2 ms
//! rather than 512 of 1 ms, the same reach in half the vectors, ran the
//! sparse M/M/c loads of issue 26 1 to 2 % faster and that example alike,
//! where 128 of 1 ms, half the reach, cost the sparser load 4 % in moves
//! from the coarse ring). The coarse ring
//! keeps service times of a second or so out of the heap: with a mean of
//! 0.5 s, 58 % of them end more than 268 ms later, and when they went
//! through the heap its pushes and pops were a third of the queue's cost.
//! Whatever the layout, events leave in `(time, sequence)` order: buckets
//! are visited in time order, each bucket's events are ordered by the full
//! key, and a test checks the queue against a plain binary heap.
//!
//! Cancellation is lazy: the model keeps generation counters on the entities
//! an event refers to and ignores events whose generation is stale, which is
//! cheaper than removing entries from the queue.

use super::time::SimTime;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

#[derive(Clone, Copy)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

/// An event in the ring or `front`: no sequence number, because a ring
/// slot receives its events in sequence order (see [`EventQueue::place`]),
/// so a sort by time that keeps that order among equal times is enough.
#[derive(Clone, Copy)]
struct Timed<E> {
    time: SimTime,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// log2 of a bucket's width in nanoseconds (2^21 ns = 2.1 ms).
const SHIFT: u32 = 21;
/// log2 of the buckets in a page (128 buckets, 268 ms).
const PAGE_BITS: u32 = 7;
/// Slots of the fine ring: two pages' buckets, the current page's and the next.
const SLOTS: u64 = 2 << PAGE_BITS;
const MASK: u64 = SLOTS - 1;
/// Slots of the coarse ring: pages after the next (a power of two).
const PAGES: u64 = 256;
const PAGE_MASK: u64 = PAGES - 1;
/// log2 of the sub-buckets a large bucket is spread over before sorting
/// (64 of 32.8 us each).
const SUB_BITS: u32 = 6;
const SUBS: usize = 1 << SUB_BITS;
/// Buckets with fewer events than this are comparison-sorted outright.
/// At 10,000 requests per second a 1 ms bucket held about 32 events; with
/// 32 here, half of them were comparison-sorted, and the day ran 8 %
/// slower than with 16 (8 was the same as 16). A 2 ms bucket holds about
/// 64.
const SMALL_BUCKET: usize = 16;

/// Pending events and the current simulated time.
pub struct EventQueue<E> {
    now: SimTime,
    next_seq: u64,
    /// Events popped so far: `next_seq - popped` are pending. (Kept apart
    /// from a length field that both ends would update: the compiler fused
    /// such updates into 16-byte stores that then stalled the next 8-byte
    /// read of either half.)
    popped: u64,
    /// The bucket being processed: every pending event is in it or later.
    cursor: u64,
    /// Events of bucket `cursor` that were there when it was reached,
    /// latest first (and, among equal times, last scheduled first).
    front: Vec<Timed<E>>,
    /// Events scheduled into bucket `cursor` since (so after every event
    /// of `front`).
    late: BinaryHeap<Entry<E>>,
    /// Events of buckets after `cursor` in its page and the next, by
    /// `bucket & MASK`, each slot in the order they were scheduled: once a
    /// page is within the fine ring, `enter_page` has already moved its
    /// events from the coarse ring or `overflow` (in key order), and any
    /// event scheduled into it afterwards has a larger sequence number.
    ring: Vec<Vec<Timed<E>>>,
    /// Which fine ring slots hold events.
    occupied: [u64; (SLOTS / 64) as usize],
    /// Events of the `PAGES` pages after the fine ring's two, by
    /// `page & PAGE_MASK`, each slot in the order they were scheduled (for
    /// the same reason as the fine ring's).
    pages: Vec<Vec<Timed<E>>>,
    /// Which coarse ring slots hold events.
    pages_occupied: [u64; (PAGES / 64) as usize],
    /// Events of later pages.
    overflow: BinaryHeap<Entry<E>>,
    /// Events scheduled at the current instant while handling it, in order.
    /// They are due after every event of this instant already in `front`
    /// or `late` (those were scheduled earlier, so their sequence numbers
    /// are smaller) and before anything later, so they need no key: a
    /// zero-delay hop (as with `network.model = "none"`) costs a push and a
    /// pop of a ring buffer.
    now_fifo: VecDeque<E>,
    /// Room to order a bucket in (see [`EventQueue::order_front`]).
    scratch: Vec<Timed<E>>,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn bucket(t: SimTime) -> u64 {
    t.0 >> SHIFT
}

/// The page of bucket `b`.
#[inline]
fn page(b: u64) -> u64 {
    b >> PAGE_BITS
}

/// The first set bit of `bits` at or after bit `start`, wrapping around.
fn first_set_from(bits: &[u64], start: u64) -> Option<u64> {
    let words = bits.len();
    let (w0, b0) = ((start / 64) as usize, start % 64);
    // The rest of the starting word, then whole words, wrapping around.
    let first = bits[w0] & (!0u64 << b0);
    if first != 0 {
        return Some(w0 as u64 * 64 + u64::from(first.trailing_zeros()));
    }
    (1..=words).find_map(|k| {
        let w = (w0 + k) % words;
        let bits = if k == words { bits[w] & !(!0u64 << b0) } else { bits[w] };
        (bits != 0).then(|| w as u64 * 64 + u64::from(bits.trailing_zeros()))
    })
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            now: SimTime::ZERO,
            next_seq: 0,
            popped: 0,
            cursor: 0,
            front: Vec::with_capacity(256),
            late: BinaryHeap::new(),
            ring: (0..SLOTS).map(|_| Vec::new()).collect(),
            occupied: [0; (SLOTS / 64) as usize],
            pages: (0..PAGES).map(|_| Vec::new()).collect(),
            pages_occupied: [0; (PAGES / 64) as usize],
            overflow: BinaryHeap::new(),
            now_fifo: VecDeque::new(),
            scratch: Vec::with_capacity(256),
        }
    }

    /// The time of the event being handled (or of the last one popped).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past.
    #[inline(always)]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        assert!(time >= self.now, "event scheduled in the past: {time} < {}", self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        if time == self.now {
            self.now_fifo.push_back(event);
        } else {
            self.place(Entry { time, seq, event });
        }
    }

    /// Puts `e` where it waits: the fine ring here, inlined (most events
    /// of a run), anywhere else out of line, so that the common path does
    /// not pay for the registers a heap push needs.
    #[inline]
    fn place(&mut self, e: Entry<E>) {
        let b = bucket(e.time);
        if b > self.cursor && page(b) <= page(self.cursor) + 1 {
            let slot = (b & MASK) as usize;
            self.ring[slot].push(Timed { time: e.time, event: e.event });
            self.occupied[slot / 64] |= 1 << (slot % 64);
        } else {
            self.place_elsewhere(e);
        }
    }

    /// [`Self::place`] for an event outside the fine ring's reach beyond
    /// the cursor: in `late` (in the cursor's bucket), the coarse ring, or
    /// `overflow`.
    #[inline(never)]
    fn place_elsewhere(&mut self, e: Entry<E>) {
        let b = bucket(e.time);
        let (p, here) = (page(b), page(self.cursor));
        if b <= self.cursor {
            self.late.push(e);
        } else if p <= here + 1 + PAGES {
            debug_assert!(p > here + 1, "an event for the fine ring");
            let slot = (p & PAGE_MASK) as usize;
            self.pages[slot].push(Timed { time: e.time, event: e.event });
            self.pages_occupied[slot / 64] |= 1 << (slot % 64);
        } else {
            self.overflow.push(e);
        }
    }

    /// Whether nothing else is due at the current instant: an event
    /// scheduled now would be the next to pop, so a handler may as well
    /// handle it at once, in place of scheduling it as its last act.
    #[inline]
    pub fn nothing_else_due_now(&self) -> bool {
        self.now_fifo.is_empty() && !self.keyed_now()
    }

    /// Whether `front` or `late` holds an event due at the current instant
    /// (they come before the FIFO of the instant).
    #[inline]
    fn keyed_now(&self) -> bool {
        let now = self.now;
        self.front.last().is_some_and(|e| e.time == now) || self.late.peek().is_some_and(|e| e.time == now)
    }

    /// Schedules `event` `delay_ns` nanoseconds from now.
    #[inline]
    pub fn schedule_in(&mut self, delay_ns: u64, event: E) {
        self.schedule(self.now.plus(delay_ns), event);
    }

    /// Removes the earliest event, advances the clock to its time and returns it.
    #[inline]
    pub fn pop(&mut self) -> Option<E> {
        if !self.now_fifo.is_empty() {
            // Every event in `front` and `late` is at `now` or later (`now`
            // is in bucket `cursor`), and those at `now` come first.
            if !self.keyed_now() {
                self.popped += 1;
                return self.now_fifo.pop_front();
            }
        }
        if self.front.is_empty() && self.late.is_empty() {
            if self.is_empty() {
                return None;
            }
            self.advance();
        }
        // At equal times `front` goes first: `late` holds events scheduled
        // after the bucket was reached (or none when `front` is empty).
        let from_late = match (self.front.last(), self.late.peek()) {
            (Some(f), Some(l)) => l.time < f.time,
            (None, _) => true,
            (_, None) => false,
        };
        let (time, event) = if from_late {
            let e = self.late.pop()?;
            (e.time, e.event)
        } else {
            let e = self.front.pop()?;
            (e.time, e.event)
        };
        self.popped += 1;
        self.now = time;
        Some(event)
    }

    /// The first occupied fine ring bucket after the cursor, if any.
    fn next_in_ring(&self) -> Option<u64> {
        let found = first_set_from(&self.occupied, (self.cursor + 1) & MASK)?;
        // Slot distance from the cursor gives the absolute bucket.
        Some(self.cursor + ((found + SLOTS - (self.cursor & MASK)) & MASK))
    }

    /// The first page of the coarse ring or `overflow` holding events, if any.
    fn next_page(&self) -> Option<u64> {
        let start = page(self.cursor) + 2;
        let in_ring = first_set_from(&self.pages_occupied, start & PAGE_MASK)
            .map(|found| start + ((found + PAGES - (start & PAGE_MASK)) & PAGE_MASK));
        let over = self.overflow.peek().map(|e| page(bucket(e.time)));
        in_ring.into_iter().chain(over).min()
    }

    /// Moves the cursor to the next bucket holding events and orders them.
    #[cold]
    fn advance(&mut self) {
        debug_assert!(self.front.is_empty() && self.late.is_empty());
        let next = loop {
            if let Some(b) = self.next_in_ring() {
                break b;
            }
            // The fine ring is empty: skip to the end of the page before
            // the next one holding events, which then comes into the ring.
            let p = self.next_page().expect("advance is called with events pending");
            self.enter_page(p - 1, (p << PAGE_BITS) - 1);
        };
        if page(next) != page(self.cursor) {
            self.enter_page(page(next), next);
        } else {
            self.cursor = next;
        }
        // `front` is empty here: swap the bucket's vector in, keeping both
        // allocations, and sort it latest first.
        let slot = (next & MASK) as usize;
        self.occupied[slot / 64] &= !(1 << (slot % 64));
        std::mem::swap(&mut self.front, &mut self.ring[slot]);
        self.order_front();
        // Ties between `front` and `late` go to `front`: true only if no
        // event of this bucket reached `late` while the cursor moved (an
        // event cascaded from the coarse ring or `overflow` into the
        // cursor's own bucket). `enter_page` never does that: the cursor
        // enters a page only at its first bucket holding events, or at
        // the end of an empty one.
        assert!(self.late.is_empty(), "an event reached the bucket being entered out of order");
    }

    /// Moves the cursor to bucket `to` of a later page `p`: the page after
    /// it comes from the coarse ring into the fine one, and pages that
    /// come within the coarse ring's reach from `overflow` into it. The
    /// fine ring's slots of that page are free (they held the page before
    /// `p`, whose events are all popped), and so are the coarse ring's of
    /// the pages now in reach (they held pages up to `p + 1`).
    fn enter_page(&mut self, p: u64, to: u64) {
        let reach = page(self.cursor) + 1 + PAGES;
        debug_assert!(p > page(self.cursor) && page(to) == p);
        self.cursor = to;
        if p < reach {
            // Page `p + 1` was in the coarse ring, so nothing of it is in
            // `overflow`; its slot holds its events in scheduling order.
            let slot = ((p + 1) & PAGE_MASK) as usize;
            if self.pages_occupied[slot / 64] & (1 << (slot % 64)) != 0 {
                self.pages_occupied[slot / 64] &= !(1 << (slot % 64));
                let mut events = std::mem::take(&mut self.pages[slot]);
                for e in events.drain(..) {
                    let s = (bucket(e.time) & MASK) as usize;
                    self.ring[s].push(e);
                    self.occupied[s / 64] |= 1 << (s % 64);
                }
                self.pages[slot] = events;
            }
        }
        // In key order, so each slot still receives its events in sequence
        // order; `place` puts page `p + 1`'s (when it came from beyond the
        // coarse ring) into the fine ring.
        while let Some(e) = self.overflow.peek() {
            if page(bucket(e.time)) > p + 1 + PAGES {
                break;
            }
            let e = self.overflow.pop().expect("peeked");
            self.place(e);
        }
    }

    /// Orders `front` (a ring slot, in the order its events were
    /// scheduled) latest first and, among equal times, last scheduled
    /// first, so that popping from the end gives `(time, sequence)` order.
    /// A bucket of a few events is reversed and stably sorted outright; a
    /// larger one is first spread over `SUBS` sub-buckets by time (a
    /// counting sort: two passes, no comparisons, no mispredicted
    /// branches), whose few events each are then stably sorted. At 10,000
    /// requests per second a bucket holds about 32 events, and
    /// comparison-sorting them was the largest single cost of a run.
    #[inline]
    fn order_front(&mut self) {
        match self.front.len() {
            // Where requests are sparse, most buckets hold one event.
            0 | 1 => {}
            n if n < SMALL_BUCKET => {
                self.front.reverse();
                self.front.sort_by_key(|e| Reverse(e.time));
            }
            _ => self.order_crowded_front(),
        }
    }

    /// [`Self::order_front`] for a bucket of `SMALL_BUCKET` events or more:
    /// out of line, with its 64 counters.
    #[inline(never)]
    fn order_crowded_front(&mut self) {
        let key = |e: &Timed<E>| Reverse(e.time);
        let sub = |e: &Timed<E>| ((e.time.0 >> (SHIFT - SUB_BITS)) as usize) & (SUBS - 1);
        let mut ends = [0u32; SUBS];
        for e in &self.front {
            ends[sub(e)] += 1;
        }
        // Latest sub-bucket first: sub-bucket `s` ends where the later ones' events begin.
        let mut next = 0;
        for s in (0..SUBS).rev() {
            next += ends[s];
            ends[s] = next;
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.front);
        // Filled from each sub-bucket's end: its events end up last
        // scheduled first, which the stable sorts below keep.
        for e in &self.front {
            let s = sub(e);
            ends[s] -= 1;
            self.scratch[ends[s] as usize] = *e;
        }
        // `ends[s]` is now where sub-bucket `s` begins, and `ends[s - 1]` where it ends.
        let mut stop = self.scratch.len();
        for &begin in &ends {
            let group = &mut self.scratch[begin as usize..stop];
            if group.len() > 1 {
                group.sort_by_key(key);
            }
            stop = begin as usize;
        }
        std::mem::swap(&mut self.front, &mut self.scratch);
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if !self.now_fifo.is_empty() {
            return Some(self.now);
        }
        if self.front.is_empty() && self.late.is_empty() && !self.is_empty() {
            self.advance();
        }
        let (f, l) = (self.front.last().map(|e| e.time), self.late.peek().map(|e| e.time));
        f.into_iter().chain(l).min()
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        (self.next_seq - self.popped) as usize
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.next_seq == self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::xorshift;

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(30), 'c');
        q.schedule(SimTime(10), 'a');
        q.schedule(SimTime(20), 'b');
        assert_eq!(q.pop(), Some('a'));
        assert_eq!(q.now(), SimTime(10));
        assert_eq!(q.pop(), Some('b'));
        assert_eq!(q.pop(), Some('c'));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn equal_times_are_first_in_first_out() {
        let mut q = EventQueue::new();
        for i in 0..100u32 {
            q.schedule(SimTime(5), i);
        }
        q.schedule(SimTime(1), 1000);
        assert_eq!(q.pop(), Some(1000));
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn matches_a_binary_heap_on_a_random_workload() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut q = EventQueue::new();
        let mut reference = BinaryHeap::new();
        let mut rand = xorshift(12345);
        for round in 0..200_000u64 {
            // Often at exactly now, mostly within the current bucket or the
            // fine ring (268 to 537 ms), sometimes straddling its end, in
            // the coarse ring (69 s) or beyond it.
            let now = q.now().0;
            let delay = match rand() % 6 {
                0 => 0,
                1 => rand() % 10,
                2 => rand() % 1_000_000,
                3 => rand() % (1 << 29),
                4 => rand() % (1 << 37),
                _ => rand() % (1 << 40),
            };
            q.schedule(SimTime(now + delay), round);
            reference.push(Reverse((now + delay, round, round)));
            if !rand().is_multiple_of(3) {
                assert_eq!(q.peek_time().map(|t| t.0), reference.peek().map(|Reverse((t, _, _))| *t));
                let got = q.pop();
                let want = reference.pop().map(|Reverse((t, _, r))| (t, r));
                assert_eq!(got.map(|r| (q.now().0, r)), want);
            }
        }
        while let Some(Reverse((t, _, r))) = reference.pop() {
            assert_eq!(q.pop(), Some(r));
            assert_eq!(q.now().0, t);
        }
        assert!(q.is_empty());
    }

    #[test]
    fn crowded_buckets_with_ties_pop_in_key_order() {
        // About 5,000 pending events within 40 ms: buckets of over a hundred
        // events, spread over sub-buckets before sorting; times on a 1 us
        // grid so that many events share an instant and the sequence
        // number decides.
        use std::collections::BinaryHeap;
        let mut q = EventQueue::new();
        let mut reference = BinaryHeap::new();
        let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
        let mut crowded = 0;
        for round in 0..300_000u64 {
            let at = q.now().0 + (rand() % 40_000) * 1_000;
            q.schedule(SimTime(at), round);
            reference.push(Reverse((at, round)));
            if round >= 5_000 {
                let got = q.pop();
                crowded = crowded.max(q.front.len());
                assert_eq!(got.map(|r| (q.now().0, r)), reference.pop().map(|Reverse(k)| k));
            }
        }
        assert!(crowded >= SMALL_BUCKET, "the test must reach the counting sort");
    }

    #[test]
    fn far_events_keep_their_order_through_both_rings_and_the_heap() {
        // Events due at a few instants seconds to hours ahead, so that
        // each instant's events reach its bucket from the coarse ring, from
        // the heap, or both (scheduled before and after the page came
        // within reach), and must still pop first in, first out.
        let mut q = EventQueue::new();
        let mut reference = BinaryHeap::new();
        let mut rand = xorshift(7);
        let instants = [1u64 << 28, 3 << 29, 5 << 32, 1 << 36, 1 << 37, 3 << 38, 1 << 42];
        for round in 0..100_000u64 {
            let at = instants[(rand() % instants.len() as u64) as usize];
            if at >= q.now().0 {
                q.schedule(SimTime(at), round);
                reference.push(Reverse((at, round)));
            }
            // Now and then a near event moves the clock forward.
            if round % 50 == 0 {
                let at = q.now().0 + rand() % (1 << 31);
                q.schedule(SimTime(at), round + 1_000_000);
                reference.push(Reverse((at, round + 1_000_000)));
                assert_eq!(q.pop().map(|r| (q.now().0, r)), reference.pop().map(|Reverse(k)| k));
            }
        }
        while let Some(Reverse((t, r))) = reference.pop() {
            assert_eq!(q.pop(), Some(r));
            assert_eq!(q.now().0, t);
        }
        assert!(q.is_empty());
    }

    #[test]
    fn nothing_else_due_now_sees_keyed_and_fifo_events_of_the_instant() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(7), 1);
        q.schedule(SimTime(7), 2);
        q.schedule(SimTime(9), 3);
        assert_eq!(q.pop(), Some(1));
        assert!(!q.nothing_else_due_now(), "2 is due at 7 too");
        assert_eq!(q.pop(), Some(2));
        assert!(q.nothing_else_due_now());
        q.schedule_in(0, 4);
        assert!(!q.nothing_else_due_now(), "4 waits in the FIFO of the instant");
        assert_eq!(q.pop(), Some(4));
        assert!(q.nothing_else_due_now(), "3 is later");
    }

    #[test]
    fn scheduling_now_runs_after_what_is_already_due() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(7), "first");
        q.schedule(SimTime(7), "second");
        assert_eq!(q.pop(), Some("first"));
        q.schedule_in(0, "third");
        assert_eq!(q.pop(), Some("second"));
        assert_eq!(q.pop(), Some("third"));
    }
}
