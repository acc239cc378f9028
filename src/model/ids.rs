//! Typed ids: a region's index is a [`RegionId`], not a bare `u32`, so that
//! a call with two arguments swapped does not compile, and the model's
//! per-region state is an [`IdVec`] indexed by it. Zero-cost: each id is a
//! `#[repr(transparent)]` `u32`, so events keep their 16 bytes.

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An index into an [`IdVec`].
pub trait Id: Copy {
    /// The id of position `i`.
    fn new(i: usize) -> Self;
    /// The position.
    fn index(self) -> usize;
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The position, also for the scenario's own vectors (without
            /// importing [`Id`]).
            #[inline(always)]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl Id for $name {
            #[inline(always)]
            fn new(i: usize) -> Self {
                $name(i as u32)
            }
            #[inline(always)]
            fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id! {
    /// A region of the scenario (its position in `Scenario::regions`).
    RegionId
}

id! {
    /// A city of the scenario (its position in `Scenario::cities`).
    CityId
}

id! {
    /// An edge location of the scenario (its position in
    /// `Scenario::edge_locations`): the load balancer's edge there.
    EdgeId
}

id! {
    /// An instance slot of a region (its position in the region's
    /// instances; a slot is reused once its instance is gone).
    InstId
}

impl InstId {
    /// No instance (a job not on one): a typed sentinel.
    pub const NONE: InstId = InstId(u32::MAX);
}

id! {
    /// A request in flight (its slot in the model's request slab; slots
    /// are reused, and an epoch tells a slot's occupants apart).
    ReqId
}

id! {
    /// A try in a region (its slot in the model's job slab).
    JobId
}

id! {
    /// A call between services in flight (its slot in the calls' slab).
    CallId
}

impl JobId {
    /// No job (a request with no try in a region, an instance with no job
    /// running alone): a typed sentinel.
    pub const NONE: JobId = JobId(u32::MAX);
}

impl RegionId {
    /// No region (a request not yet sent anywhere): a typed sentinel that
    /// keeps `Request` small.
    pub const NONE: RegionId = RegionId(u32::MAX);

    /// The region's bit in a 64-bit set of regions (regions past 64 share
    /// bits: such sets are hints, checked against the real state).
    #[inline(always)]
    pub fn bit(self) -> u64 {
        1u64 << (self.0 & 63)
    }
}

/// A vector indexed by one kind of id.
#[derive(Clone, Debug)]
pub struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    /// Every id, in order.
    pub fn ids(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    /// The items, in id order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items, mutably.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Appends `item` and returns its id.
    pub fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::new(self.items.len() - 1)
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec { items: Vec::new(), id: PhantomData }
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec { items, id: PhantomData }
    }
}

impl<I: Id, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(it: It) -> Self {
        IdVec { items: it.into_iter().collect(), id: PhantomData }
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, i: I) -> &T {
        &self.items[i.index()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    #[inline(always)]
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.index()]
    }
}

impl<'a, I: Id, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I: Id, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}
