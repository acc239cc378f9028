//! FIFO timer lists: timeouts with a constant duration, cancellable in O(1).
//!
//! Every timeout in the model has the same duration for all the entities of
//! one list (the client timeout, the load balancer's timeout, a region's
//! pending and request timeouts), and entities enter a list in time order.
//! So each list is already sorted by deadline, and a doubly linked list in
//! entry order is a priority queue: push at the back, expire from the front,
//! unlink from anywhere when the entity finishes first. Only the front of
//! each list is in the engine's event queue (the list is "armed"), so a
//! request that completes normally never costs a heap operation for its
//! timeouts, and memory is bounded by what is in flight.
//!
//! Each list is circular, through a sentinel link of its own (the first
//! links of the family, before the entities'), so that pushing and
//! unlinking never ask whether a link is the first or the last: which
//! entity finishes first is the model's randomness, and that question was
//! a mispredicted branch of each removal.

use crate::engine::SimTime;

/// "No entity" / "not in any list".
pub const NONE: u32 = u32::MAX;

/// A link of a list: an entity's, or a list's sentinel (whose `due` is
/// never, and whose `prev` and `next` are the list's last and first link,
/// or itself when the list is empty). `prev` and `next` index `links`.
#[derive(Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
    list: u32,
    due: SimTime,
}

const UNLINKED: Link = Link { prev: NONE, next: NONE, list: NONE, due: SimTime::NEVER };

#[derive(Clone, Copy)]
struct List {
    len: u32,
    /// When the list's pending timer event fires, if it has one (the list is "armed").
    armed: Option<SimTime>,
}

/// A family of FIFO lists over one id space (requests, or region jobs).
/// An id is in at most one list of the family at a time.
pub struct TimerLists {
    /// The lists' sentinels (list `k` at `k`), then entity `id` at
    /// `lists.len() + id`.
    links: Vec<Link>,
    lists: Vec<List>,
}

impl TimerLists {
    /// `n_lists` empty lists.
    pub fn new(n_lists: usize) -> Self {
        let n = u32::try_from(n_lists).expect("fewer timer lists than u32::MAX");
        TimerLists {
            links: (0..n).map(|k| Link { prev: k, next: k, list: k, due: SimTime::NEVER }).collect(),
            lists: vec![List { len: 0, armed: None }; n_lists],
        }
    }

    /// The index in `links` of entity `id`.
    #[inline(always)]
    fn at(&self, id: u32) -> usize {
        self.lists.len() + id as usize
    }

    /// Appends `id` to `list` with deadline `due`, which must not be earlier
    /// than the deadline of the list's current tail. Returns `true` when the
    /// list was not armed: the caller must then schedule a timer event at
    /// `due` and the list counts as armed.
    #[inline(always)]
    pub fn push(&mut self, list: u32, id: u32, due: SimTime) -> bool {
        let i = self.at(id);
        if self.links.len() <= i {
            self.links.resize((i + 1).max(self.links.len() * 2), UNLINKED);
        }
        debug_assert_eq!(self.links[i].list, NONE, "id {id} is already in a list");
        let s = list as usize;
        let tail = self.links[s].prev;
        debug_assert!(self.links[tail as usize].due <= due || tail == list, "FIFO timer list out of order");
        self.links[i] = Link { prev: tail, next: list, list, due };
        self.links[tail as usize].next = i as u32;
        self.links[s].prev = i as u32;
        let l = &mut self.lists[s];
        l.len += 1;
        let arm = l.armed.is_none();
        if arm {
            l.armed = Some(due);
        }
        arm
    }

    /// When `list`'s pending timer event fires (never, if it has none):
    /// nothing in the list can time out before, and nothing the list holds
    /// or loses until then changes when its events fire. (It may fire
    /// before its front is due, when the id it was armed for left.)
    #[inline]
    pub fn armed_at(&self, list: u32) -> SimTime {
        self.lists[list as usize].armed.unwrap_or(SimTime::NEVER)
    }

    /// The earliest [`TimerLists::armed_at`] of every list.
    #[inline]
    pub fn armed_at_min(&self) -> SimTime {
        if let [one] = self.lists.as_slice() {
            return one.armed.unwrap_or(SimTime::NEVER);
        }
        self.lists.iter().filter_map(|l| l.armed).min().unwrap_or(SimTime::NEVER)
    }

    /// Removes `id` from whatever list holds it; no-op if none does.
    #[inline(always)]
    pub fn remove(&mut self, id: u32) {
        let i = self.at(id);
        let Some(link) = self.links.get(i).copied() else {
            return;
        };
        if link.list == NONE {
            return;
        }
        self.links[link.prev as usize].next = link.next;
        self.links[link.next as usize].prev = link.prev;
        self.lists[link.list as usize].len -= 1;
        self.links[i] = UNLINKED;
    }

    /// The deadline of `id`, if it is in a list.
    #[inline]
    pub fn due(&self, id: u32) -> Option<SimTime> {
        self.links.get(self.at(id)).filter(|l| l.list != NONE).map(|l| l.due)
    }

    /// Whether `id` is in a list.
    pub fn contains(&self, id: u32) -> bool {
        self.links.get(self.at(id)).is_some_and(|l| l.list != NONE)
    }

    /// The entity of link `i`, unless it is a sentinel.
    #[inline]
    fn entity(&self, i: u32) -> Option<u32> {
        (i as usize >= self.lists.len()).then(|| i - self.lists.len() as u32)
    }

    /// The first id of `list`.
    #[inline]
    pub fn front(&self, list: u32) -> Option<u32> {
        self.entity(self.links[list as usize].next)
    }

    /// Removes and returns the first id of `list`.
    #[inline(always)]
    pub fn pop_front(&mut self, list: u32) -> Option<u32> {
        let id = self.front(list)?;
        self.remove(id);
        Some(id)
    }

    /// Removes and returns the front of `list` if its deadline is at or before `now`.
    pub fn pop_due(&mut self, list: u32, now: SimTime) -> Option<u32> {
        let id = self.front(list)?;
        if self.links[self.at(id)].due <= now {
            self.remove(id);
            Some(id)
        } else {
            None
        }
    }

    /// Called when the list's timer event fires: the list is disarmed, and
    /// the deadline to re-arm at is returned if the list is not empty (the
    /// list is then armed again).
    pub fn rearm(&mut self, list: u32) -> Option<SimTime> {
        let due = self.front(list).map(|id| self.links[self.at(id)].due);
        self.lists[list as usize].armed = due;
        due
    }

    /// Marks `list` as not armed (its pending timer event was dropped).
    pub fn disarm(&mut self, list: u32) {
        self.lists[list as usize].armed = None;
    }

    /// Number of ids in `list`.
    pub fn len(&self, list: u32) -> u32 {
        self.lists[list as usize].len
    }

    /// The next id after `id` in its list.
    pub fn next(&self, id: u32) -> Option<u32> {
        self.entity(self.links[self.at(id)].next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_removal_from_the_middle() {
        let mut t = TimerLists::new(2);
        assert!(t.push(0, 5, SimTime(10)));
        assert!(!t.push(0, 7, SimTime(20)));
        assert!(!t.push(0, 9, SimTime(30)));
        assert!(t.push(1, 1, SimTime(15)));
        t.remove(7);
        assert!(!t.contains(7));
        assert_eq!(t.len(0), 2);
        assert_eq!(t.pop_due(0, SimTime(9)), None);
        assert_eq!(t.pop_due(0, SimTime(10)), Some(5));
        assert_eq!(t.pop_due(0, SimTime(25)), None);
        assert_eq!(t.rearm(0), Some(SimTime(30)));
        assert_eq!(t.pop_due(0, SimTime(30)), Some(9));
        assert_eq!(t.rearm(0), None);
        assert!(t.push(0, 7, SimTime(40)), "an empty, disarmed list must ask to be armed");
        assert_eq!(t.front(1), Some(1));
    }

    #[test]
    fn removing_head_and_tail_keeps_the_list_consistent() {
        let mut t = TimerLists::new(1);
        for id in 0..5 {
            t.push(0, id, SimTime(u64::from(id)));
        }
        t.remove(0);
        t.remove(4);
        t.remove(2);
        let mut order = vec![];
        while let Some(id) = t.pop_front(0) {
            order.push(id);
        }
        assert_eq!(order, vec![1, 3]);
        assert_eq!(t.len(0), 0);
        t.remove(3); // no longer listed: no-op
    }

    /// Three lists over 64 ids, pushed to, popped from and unlinked at
    /// random, against a `VecDeque` per list: every list's order, length,
    /// front and deadlines, and `next`, agree after every step.
    #[test]
    fn agrees_with_a_queue_per_list_under_random_operations() {
        use std::collections::VecDeque;
        let mut rand = crate::engine::rng::xorshift(7);
        let mut t = TimerLists::new(3);
        let mut want: Vec<VecDeque<(u32, SimTime)>> = vec![VecDeque::new(); 3];
        let mut clock = 0;
        for _ in 0..20_000 {
            let id = (rand() % 64) as u32;
            let list = (rand() % 3) as u32;
            let listed = want.iter().position(|q| q.iter().any(|&(i, _)| i == id));
            match (rand() % 3, listed) {
                (0, None) => {
                    clock += rand() % 3;
                    t.push(list, id, SimTime(clock));
                    want[list as usize].push_back((id, SimTime(clock)));
                }
                (1, _) => {
                    let got = t.pop_front(list);
                    assert_eq!(got, want[list as usize].pop_front().map(|(i, _)| i));
                }
                _ => {
                    t.remove(id);
                    if let Some(l) = listed {
                        want[l].retain(|&(i, _)| i != id);
                    }
                }
            }
            for (l, q) in want.iter().enumerate() {
                let l = l as u32;
                assert_eq!(t.len(l) as usize, q.len());
                assert_eq!(t.front(l), q.front().map(|&(i, _)| i));
                let mut walked = vec![];
                let mut at = t.front(l);
                while let Some(i) = at {
                    walked.push((i, t.due(i).expect("a listed id has a deadline")));
                    at = t.next(i);
                }
                assert!(walked.iter().copied().eq(q.iter().copied()), "list {l}: {walked:?} against {q:?}");
            }
        }
    }
}
