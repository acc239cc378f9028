//! The event queue: a bucketed calendar in front of binary heaps, keyed by
//! `(time, sequence)`.
//!
//! The sequence number is a counter incremented on every [`EventQueue::schedule`],
//! so events due at the same instant pop first-in first-out. This is the
//! ordering contract stated in the [engine module](super) documentation, and
//! it is what makes a run a pure function of its scenario and seed.
//!
//! Layout (a calendar queue, Brown 1988, in its timing-wheel form): time is
//! cut into buckets of 2^20 ns (about a millisecond). Events of the next
//! 255 buckets (about 268 ms) sit unsorted in a ring of per-bucket vectors;
//! anything later (timeouts, autoscaler ticks, idle instances' reclaim
//! times) waits in an overflow heap. When the clock reaches a
//! bucket, its events are sorted once into a vector, latest first (`front`),
//! so popping is taking the last element. Events scheduled into the bucket
//! being processed go to a small binary heap (`late`), and pop takes the
//! earlier of the two heads; events scheduled at the current instant itself
//! go to a plain FIFO, which pops once the instant's keyed events are done.
//! Scheduling is a push onto a vector, popping is
//! nearly free, and no operation is worse than logarithmic however many
//! events share a bucket. The ring is short on purpose: a network round
//! trip or a request's work falls within it, and its few vectors stay in
//! cache (4,096 buckets ran the global example at 10,000 requests per
//! second 20% slower than 256; 128 to 512 were alike).
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

/// log2 of a bucket's width in nanoseconds (2^20 ns = 1.05 ms).
const SHIFT: u32 = 20;
/// Buckets in the ring (a power of two).
const SLOTS: u64 = 256;
const MASK: u64 = SLOTS - 1;
/// log2 of the sub-buckets a large bucket is spread over before sorting
/// (64 of 16.4 us each).
const SUB_BITS: u32 = 6;
const SUBS: usize = 1 << SUB_BITS;
/// Buckets with fewer events than this are comparison-sorted outright.
/// At 10,000 requests per second a bucket holds about 32 events; with 32
/// here, half of them were comparison-sorted, and the day ran 8 % slower
/// than with 16 (8 was the same as 16).
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
    /// of `front`), or moved there from `overflow` when the cursor jumped
    /// to an empty bucket of the ring.
    late: BinaryHeap<Entry<E>>,
    /// Events of buckets `cursor + 1 .. cursor + SLOTS`, by `bucket & MASK`,
    /// each slot in the order they were scheduled: once a bucket is within
    /// the ring, `advance` has already moved its events from `overflow`
    /// (in key order), and any event scheduled into it afterwards has a
    /// larger sequence number.
    ring: Vec<Vec<Timed<E>>>,
    /// Which ring slots hold events.
    occupied: Vec<u64>,
    /// Events of later buckets.
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
            occupied: vec![0; (SLOTS / 64) as usize],
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
    #[inline]
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

    #[inline]
    fn place(&mut self, e: Entry<E>) {
        let b = bucket(e.time);
        if b <= self.cursor {
            self.late.push(e);
        } else if b < self.cursor + SLOTS {
            let slot = (b & MASK) as usize;
            self.ring[slot].push(Timed { time: e.time, event: e.event });
            self.occupied[slot / 64] |= 1 << (slot % 64);
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

    /// The first occupied ring bucket after the cursor, if any.
    fn next_in_ring(&self) -> Option<u64> {
        let start = (self.cursor + 1) & MASK;
        let words = self.occupied.len();
        let (w0, b0) = ((start / 64) as usize, start % 64);
        // The rest of the starting word, then whole words, wrapping around.
        let first = self.occupied[w0] & (!0u64 << b0);
        let found = if first != 0 {
            Some(w0 as u64 * 64 + u64::from(first.trailing_zeros()))
        } else {
            (1..=words).find_map(|k| {
                let w = (w0 + k) % words;
                let bits = if k == words { self.occupied[w] & !(!0u64 << b0) } else { self.occupied[w] };
                (bits != 0).then(|| w as u64 * 64 + u64::from(bits.trailing_zeros()))
            })
        }?;
        // Slot distance from the cursor gives the absolute bucket.
        Some(self.cursor + ((found + SLOTS - (self.cursor & MASK)) & MASK))
    }

    /// Moves the cursor to the next bucket holding events and orders them.
    #[cold]
    fn advance(&mut self) {
        debug_assert!(self.front.is_empty() && self.late.is_empty());
        let next_ring = self.next_in_ring().unwrap_or(u64::MAX);
        let next_over = self.overflow.peek().map_or(u64::MAX, |e| bucket(e.time));
        self.cursor = next_ring.min(next_over);
        if next_ring == self.cursor {
            // `front` is empty here: swap the bucket's vector in, keeping
            // both allocations, and sort it latest first. (Overflow events
            // of this bucket, placed below, go to `late`.)
            let slot = (self.cursor & MASK) as usize;
            self.occupied[slot / 64] &= !(1 << (slot % 64));
            std::mem::swap(&mut self.front, &mut self.ring[slot]);
            self.order_front();
        }
        // Events that were beyond the ring's reach may now be within it.
        while let Some(e) = self.overflow.peek() {
            if bucket(e.time) >= self.cursor + SLOTS {
                break;
            }
            let e = self.overflow.pop().expect("peeked");
            self.place(e);
        }
        // Ties between `front` and `late` are settled in `front`'s favour:
        // true only if no event of this bucket came from `overflow` while
        // the ring held some too.
        assert!(self.front.is_empty() || self.late.is_empty(), "overflow events in a bucket of the ring");
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
    fn order_front(&mut self) {
        let key = |e: &Timed<E>| Reverse(e.time);
        if self.front.len() < SMALL_BUCKET {
            self.front.reverse();
            self.front.sort_by_key(key);
            return;
        }
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
            // ring (268 ms), sometimes straddling its end or far beyond it.
            let now = q.now().0;
            let delay = match rand() % 5 {
                0 => 0,
                1 => rand() % 10,
                2 => rand() % 1_000_000,
                3 => rand() % (1 << 29),
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
