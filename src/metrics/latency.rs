//! Latencies counted at HdrHistogram's buckets (three significant digits,
//! a lowest discernible value of 1), in series (one per scope, and one per
//! (city, deployment) pair when pairs are few: see `Members` in the parent
//! module), with the percentiles HdrHistogram would give.
//!
//! A request's latency belongs to three scopes (global, its city, its
//! deployment), and recording it into three HdrHistograms cost about 230
//! instructions per request, a twentieth of the whole model at 10,000
//! requests/s (benches/RESULTS.md). Here it is one index computation and
//! one counter increment (its pair's; with many pairs, two: its city's and
//! its deployment's); each scope's percentiles come from the series that
//! make it up when the window closes. Closing a window visits only the
//! buckets holding a count, found from one bit per bucket, where an
//! HdrHistogram's four percentiles and its reset each pass over every
//! bucket up to the largest value: at 18 requests per second, a minute's
//! window has a few hundred buckets with a count among about 18,000, and
//! closing windows took 30 % of a run (issue 26). The run's totals are
//! series of the same kind, which the windows' counts are added to.
//! Memory is a counter per bucket up to the largest latency, per series,
//! for the window and the run, whatever the duration; `tests` check the
//! buckets and the percentiles against the `hdrhistogram` crate.

/// Sub-buckets per half bucket, as a power of two, for three significant
/// digits: HdrHistogram uses 2,048 sub-buckets (the least power of two
/// above 2 × 10^3), of which the upper half is new in each bucket.
const HALF_MAGNITUDE: u32 = 10;
const HALF: u64 = 1 << HALF_MAGNITUDE;
const SUB_MASK: u64 = 2 * HALF - 1;

/// HdrHistogram's index of `value` for three significant digits and a
/// lowest discernible value of 1 (`Histogram::new(3)`).
#[inline]
fn index_of(value: u64) -> usize {
    // The number of powers of two by which `value` exceeds bucket 0's range.
    let bucket = 64 - HALF_MAGNITUDE - 1 - (value | SUB_MASK).leading_zeros();
    let sub = value >> bucket;
    (((u64::from(bucket) + 1) << HALF_MAGNITUDE) + sub - HALF) as usize
}

/// The lowest value of bucket `index`: recording it puts a count in the
/// same bucket as recording any value of the bucket.
fn lowest_value(index: usize) -> u64 {
    let index = index as u64;
    let sub = (index & (HALF - 1)) + HALF;
    match (index >> HALF_MAGNITUDE).checked_sub(1) {
        Some(bucket) => sub << bucket,
        // The lower half of bucket 0: values below HALF, kept exactly.
        None => sub - HALF,
    }
}

/// Adds to `dst` the counts of `src` at the buckets set in `bits` (the
/// others are zero): one word of 64 buckets.
#[inline]
fn add_word(dst: &mut [u64], src: &[u64], mut bits: u64) {
    while bits != 0 {
        let j = bits.trailing_zeros() as usize;
        dst[j] += src[j];
        bits &= bits - 1;
    }
}

/// One series' counts in the open window.
#[derive(Default, Clone)]
struct Counts {
    /// Counts by HdrHistogram bucket index; grown on demand.
    counts: Vec<u64>,
    /// One bit per bucket, set if its count is not zero: the buckets in
    /// order without a pass over every count, or a sort.
    nonzero: Vec<u64>,
    /// The sum of the counts.
    total: u64,
}

impl Counts {
    #[inline]
    fn bump(&mut self, i: usize, n: u64) {
        if i >= self.counts.len() {
            self.grow(i);
        }
        self.counts[i] += n;
        self.total += n;
        self.nonzero[i / 64] |= 1 << (i % 64);
    }

    #[cold]
    fn grow(&mut self, i: usize) {
        self.counts.resize((i + 1).next_multiple_of(64), 0);
        self.nonzero.resize(self.counts.len() / 64, 0);
    }

    /// Hands each nonzero bucket to `each` as (index, count), in order.
    fn each(&self, mut each: impl FnMut(usize, u64)) {
        for (w, &bits) in self.nonzero.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                each(i, self.counts[i]);
                bits &= bits - 1;
            }
        }
    }

    /// Makes room for every bucket `other` may hold a count in.
    fn fit(&mut self, other: &Counts) {
        if self.counts.len() < other.counts.len() {
            self.grow(other.counts.len() - 1);
        }
    }

    /// Adds the counts of `src`, a word of 64 buckets at a time: one look
    /// at each word's bits, and one addition per bucket holding a count.
    fn add(&mut self, src: &Counts) {
        self.fit(src);
        for (w, &bits) in src.nonzero.iter().enumerate().filter(|&(_, &b)| b != 0) {
            self.nonzero[w] |= bits;
            add_word(&mut self.counts[w * 64..][..64], &src.counts[w * 64..][..64], bits);
        }
        self.total += src.total;
    }

    /// Zeroes every count.
    fn clear(&mut self) {
        for (w, bits) in self.nonzero.iter_mut().enumerate() {
            if *bits != 0 {
                self.counts[w * 64..w * 64 + 64].fill(0);
                *bits = 0;
            }
        }
        self.total = 0;
    }
}

/// Latencies (whole microseconds) in a number of series: per scope, or
/// per (city, deployment) pair, of an open window or of a run.
pub(super) struct Latencies {
    series: Vec<Counts>,
}

impl Latencies {
    pub(super) fn new(series: usize) -> Self {
        Latencies { series: vec![Counts::default(); series] }
    }

    /// Counts one latency of `us` microseconds (0 counts as 1, as in the
    /// run's histograms) in series `a` and `b`.
    #[inline(always)]
    pub(super) fn record(&mut self, us: u64, a: usize, b: Option<usize>) {
        let i = index_of(us.max(1));
        self.series[a].bump(i, 1);
        if let Some(b) = b {
            self.series[b].bump(i, 1);
        }
    }

    /// Counts one latency of `us` microseconds in series `a` as it is, 0
    /// in a bucket of its own (a pair's series, whose median tells 0 from
    /// 1; its percentiles count 0 as 1, see [`Self::quantiles`]).
    #[inline(always)]
    pub(super) fn record_exact(&mut self, us: u64, a: usize) {
        self.series[a].bump(index_of(us), 1);
    }

    /// Whether series `s` holds no count.
    #[inline]
    pub(super) fn is_empty(&self, s: usize) -> bool {
        self.series[s].total == 0
    }

    /// Adds the counts of series `from` of `src` to series `into`, a word
    /// of 64 buckets at a time.
    pub(super) fn add_from(&mut self, into: usize, src: &Latencies, from: usize) {
        self.series[into].add(&src.series[from]);
    }

    /// Adds the counts of series `s` to series `into` of `run` (an open
    /// window's to the run's) and empties it, in one visit of the buckets
    /// holding a count.
    pub(super) fn move_into(&mut self, s: usize, run: &mut Latencies, into: usize) {
        let src = &mut self.series[s];
        let dst = &mut run.series[into];
        dst.fit(src);
        dst.total += std::mem::take(&mut src.total);
        for (w, bits) in src.nonzero.iter_mut().enumerate() {
            let bits = std::mem::take(bits);
            if bits == 0 {
                continue;
            }
            dst.nonzero[w] |= bits;
            let (from, to) = (&mut src.counts[w * 64..][..64], &mut dst.counts[w * 64..][..64]);
            add_word(to, from, bits);
            from.fill(0);
        }
    }

    /// The values of series `s` at `quantiles` (ascending, above 0) as
    /// HdrHistogram's `value_at_quantile` gives them (the highest value
    /// of the bucket where the count reaches `ceil(q × total)`, at least
    /// 1: a count at 0 is a count at 1, as [`Self::record`] counts it), or
    /// `None` if it is empty.
    ///
    /// This visits the buckets holding a count up to the highest quantile
    /// (a few thousand in a minute) and looks at one bit per bucket, where
    /// a histogram's percentiles cost a pass over every bucket up to the
    /// largest value (about 18,000 for a minute) each.
    pub(super) fn quantiles<const N: usize>(&self, s: usize, quantiles: &[f64; N]) -> [Option<u64>; N] {
        let Counts { counts, nonzero, total } = &self.series[s];
        let mut out = [None; N];
        if *total == 0 || N == 0 {
            return out;
        }
        let targets = quantiles.map(|q| {
            debug_assert!(q > 0.0, "the lowest value's quantile is not supported");
            ((q.min(1.0) * *total as f64).ceil() as u64).max(1)
        });
        let (mut q, mut below) = (0, 0);
        for (w, &bits) in nonzero.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                below += counts[i];
                while below >= targets[q] {
                    out[q] = Some(lowest_value(i.max(1) + 1) - 1);
                    q += 1;
                    if q == N {
                        return out;
                    }
                }
                bits &= bits - 1;
            }
        }
        unreachable!("the counts of a series add up to its total")
    }

    /// Returns the values of series `s` at `quantiles` (see
    /// [`Self::quantiles`]) and empties it.
    #[cfg(test)]
    pub(super) fn close<const N: usize>(&mut self, s: usize, quantiles: &[f64; N]) -> [Option<u64>; N] {
        let out = self.quantiles(s, quantiles);
        self.series[s].clear();
        out
    }

    /// Hands each bucket of series `s` holding a count to `each` as
    /// (lowest value, count), in order.
    pub(super) fn each(&self, s: usize, mut each: impl FnMut(u64, u64)) {
        self.series[s].each(|i, n| each(lowest_value(i), n));
    }

    /// The buckets of `series` as (lowest value, count), in order.
    #[cfg(test)]
    pub(super) fn buckets(&self, series: usize) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        self.each(series, |v, n| out.push((v, n)));
        out
    }

    /// A copy of series `s` alone.
    #[cfg(test)]
    fn clone_series(&self, s: usize) -> Latencies {
        Latencies { series: vec![self.series[s].clone()] }
    }

    /// Forgets every count (the warmup is over, or a scratch series has
    /// served).
    pub(super) fn clear(&mut self) {
        for s in &mut self.series {
            s.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::xorshift;
    use hdrhistogram::Histogram;

    /// The bucket arithmetic is HdrHistogram's own: every value falls in
    /// the bucket whose lowest value HdrHistogram gives it, over the whole
    /// range a latency in microseconds can take.
    #[test]
    fn buckets_are_hdrhistograms() {
        let h = Histogram::<u64>::new(3).unwrap();
        let mut next = xorshift(7);
        let exact = 0..5000u64;
        let spread = (0..200_000).map(|_| {
            let x = next();
            x >> (x % 40 + 20)
        });
        for v in exact.chain(spread).chain([u64::from(u32::MAX), 1 << 45]) {
            assert_eq!(lowest_value(index_of(v)), h.lowest_equivalent(v), "value {v}");
        }
    }

    /// Series added together, or moved into a run's, hold the counts and
    /// give the percentiles HdrHistogram gives from recording each value;
    /// a series recorded exactly gives the same percentiles, 0 counting as 1.
    #[test]
    fn adding_and_moving_equal_recording_each_value() {
        let mut next = xorshift(11);
        let values: Vec<u64> = (0..50_000).map(|_| next() % 3_000_000).chain([0, 0, 1, 5]).collect();
        let mut direct = Histogram::<u64>::new(3).unwrap();
        let mut w = Latencies::new(4);
        for (k, &v) in values.iter().enumerate() {
            direct.record(v.max(1)).unwrap();
            w.record(v, k % 2, None);
            w.record_exact(v, 3);
        }
        w.add_from(2, &w.clone_series(0), 0);
        w.add_from(2, &w.clone_series(1), 0);
        let qs = [0.000_01, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 0.999_99, 1.0];
        let recorded = |h: &Histogram<u64>| -> Vec<(u64, u64)> {
            h.iter_recorded()
                .map(|r| (h.lowest_equivalent(r.value_iterated_to()), r.count_at_value()))
                .collect()
        };
        assert_eq!(w.buckets(2), recorded(&direct));
        let want = qs.map(|q| Some(direct.value_at_quantile(q)));
        assert_eq!(w.quantiles(2, &qs), want);
        assert_eq!(w.quantiles(3, &qs), want, "0 counts as 1");
        assert_eq!(w.buckets(3)[0], (0, 2), "an exact series keeps 0 apart");
        // Moving into a run's series that already holds counts adds to
        // them, bucket for bucket, as recording each value again would,
        // and empties the window's.
        let mut run = Latencies::new(1);
        run.record(values[0], 0, None);
        w.move_into(2, &mut run, 0);
        direct.record(values[0].max(1)).unwrap();
        assert_eq!(run.buckets(0), recorded(&direct), "moving adds the counts");
        assert_eq!(run.close(0, &qs), qs.map(|q| Some(direct.value_at_quantile(q))));
        assert_eq!(run.buckets(0), [], "a closed series is empty");
        assert_eq!((w.buckets(2), w.quantiles(2, &[0.5])), (vec![], [None]), "a moved series is empty");
        // Adding left its parts as they were.
        let parts: u64 = [0, 1].iter().flat_map(|&s| w.buckets(s)).map(|(_, n)| n).sum();
        assert_eq!(parts, values.len() as u64);
    }

    /// A window's few latencies: each percentile is the top of its bucket.
    #[test]
    fn few_values_give_hdrhistograms_percentiles() {
        for values in [vec![1u64], vec![5, 5, 5], vec![2047, 2048, 2049, 4095, 4096], vec![20_000, 1 << 40]] {
            let mut direct = Histogram::<u64>::new(3).unwrap();
            let mut w = Latencies::new(1);
            for &v in &values {
                direct.record(v).unwrap();
                w.record(v, 0, None);
            }
            let qs = [0.5, 0.9, 0.99, 0.999];
            let got = w.close(0, &qs);
            assert_eq!(got, qs.map(|q| Some(direct.value_at_quantile(q))), "{values:?}");
        }
    }
}
