//! Latencies counted at HdrHistogram's buckets (three significant digits,
//! a lowest discernible value of 1), one series per scope, with the
//! percentiles HdrHistogram would give.
//!
//! A request's latency belongs to three scopes (global, its city, its
//! deployment), and recording it into three HdrHistograms cost about 230
//! instructions per request, a twentieth of the whole model at 10,000
//! requests/s (benches/RESULTS.md). Here it is one index computation and
//! two counter increments (the city's and the deployment's; the global
//! scope gets the cities' counts, and services and regions their
//! deployments', when the window closes). Closing a window visits only the
//! buckets holding a count, found from one bit per bucket, where an
//! HdrHistogram's four percentiles and its reset each pass over every
//! bucket up to the largest value: at 18 requests per second, a minute's
//! window has a few hundred buckets with a count among about 18,000, and
//! closing windows took 30 % of a run (issue 26). The run's totals are
//! series of the same kind, which the windows' counts are added to.
//! Memory is a counter per bucket up to the largest latency, per scope,
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
    #[cfg(test)]
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

/// Latencies (whole microseconds, at least 1) in a number of series, one
/// per scope: an open window's, or a run's.
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

    /// Adds the counts of series `from` to series `into` (a city's to the
    /// global scope's, a deployment's to its service's and region's).
    pub(super) fn fold(&mut self, from: usize, into: usize) {
        debug_assert_ne!(from, into);
        let (src, dst) = if from < into {
            let (lo, hi) = self.series.split_at_mut(into);
            (&lo[from], &mut hi[0])
        } else {
            let (lo, hi) = self.series.split_at_mut(from);
            (&hi[0], &mut lo[into])
        };
        dst.add(src);
    }

    /// Closes series `series`: returns its values at `quantiles` (ascending,
    /// above 0) as HdrHistogram's `value_at_quantile` gives them (the
    /// highest value of the bucket where the count reaches
    /// `ceil(q × total)`, at least 1), or `None` if it is empty, and
    /// clears it.
    ///
    /// This costs a visit to each bucket holding a count (a few thousand
    /// in a minute) and a look at one bit per bucket, where a histogram's
    /// percentiles and reset cost several passes over every bucket up to
    /// the largest value (about 18,000 for a minute).
    pub(super) fn close<const N: usize>(&mut self, series: usize, quantiles: &[f64; N]) -> [Option<u64>; N] {
        self.close_into(series, None, quantiles)
    }

    /// Closes series `series` as [`Self::close`] does, and adds its counts
    /// to series `into` of `run` (an open window's to the run's) in the
    /// same visit.
    pub(super) fn close_into<const N: usize>(
        &mut self,
        series: usize,
        mut run: Option<(&mut Latencies, usize)>,
        quantiles: &[f64; N],
    ) -> [Option<u64>; N] {
        let p = &mut self.series[series];
        let mut out = [None; N];
        let total = p.total;
        if total == 0 {
            return out;
        }
        let targets = quantiles.map(|q| {
            debug_assert!(q > 0.0, "the lowest value's quantile is not supported");
            ((q.min(1.0) * total as f64).ceil() as u64).max(1)
        });
        let mut dst = run.as_mut().map(|(run, into)| {
            let dst = &mut run.series[*into];
            dst.fit(p);
            dst.total += total;
            dst
        });
        let Counts { counts, nonzero, total: left } = p;
        let (mut q, mut below) = (0, 0);
        let mut next = targets.first().copied().unwrap_or(u64::MAX);
        for (w, bits) in nonzero.iter_mut().enumerate() {
            let mut bits = std::mem::take(bits);
            if bits == 0 {
                continue;
            }
            let counts = &mut counts[w * 64..][..64];
            let mut into = dst.as_deref_mut().map(|dst| {
                dst.nonzero[w] |= bits;
                &mut dst.counts[w * 64..][..64]
            });
            while bits != 0 {
                let j = bits.trailing_zeros() as usize;
                let n = std::mem::take(&mut counts[j]);
                if let Some(into) = into.as_deref_mut() {
                    into[j] += n;
                }
                below += n;
                while below >= next {
                    out[q] = Some(lowest_value(w * 64 + j + 1) - 1);
                    q += 1;
                    next = targets.get(q).copied().unwrap_or(u64::MAX);
                }
                bits &= bits - 1;
            }
        }
        *left = 0;
        out
    }

    /// The buckets of `series` as (lowest value, count), in order.
    #[cfg(test)]
    fn buckets(&self, series: usize) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        self.series[series].each(|i, n| out.push((lowest_value(i), n)));
        out
    }

    /// Forgets every count (the warmup is over).
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

    /// Closing gives the histograms the counts they would have had from
    /// recording each value, and the percentiles HdrHistogram gives; a
    /// folded series holds the counts of both of its parts.
    #[test]
    fn closing_equals_recording_each_value() {
        let mut next = xorshift(11);
        let values: Vec<u64> = (0..50_000).map(|_| next() % 3_000_000).collect();
        let mut direct = Histogram::<u64>::new(3).unwrap();
        let mut w = Latencies::new(3);
        for (k, &v) in values.iter().enumerate() {
            direct.record(v.max(1)).unwrap();
            w.record(v, k % 2, None);
        }
        w.fold(0, 2);
        w.fold(1, 2);
        let qs = [0.000_01, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 0.999_99, 1.0];
        let want: Vec<(u64, u64)> = direct
            .iter_recorded()
            .map(|r| (direct.lowest_equivalent(r.value_iterated_to()), r.count_at_value()))
            .collect();
        assert_eq!(w.buckets(2), want);
        // Closing into a run's series that already holds counts adds to
        // them, bucket for bucket, as recording each value again would.
        let mut run = Latencies::new(1);
        run.record(values[0], 0, None);
        let got = w.close_into(2, Some((&mut run, 0)), &qs);
        for (q, got) in qs.iter().zip(got) {
            assert_eq!(got, Some(direct.value_at_quantile(*q)), "quantile {q}");
        }
        direct.record(values[0].max(1)).unwrap();
        let want: Vec<(u64, u64)> = direct
            .iter_recorded()
            .map(|r| (direct.lowest_equivalent(r.value_iterated_to()), r.count_at_value()))
            .collect();
        assert_eq!(run.buckets(0), want, "closing into another series adds the counts");
        assert_eq!(run.close(0, &qs), qs.map(|q| Some(direct.value_at_quantile(q))));
        assert_eq!(run.buckets(0), [], "a closed series is empty");
        // Closed series start empty; folding left its parts as they were.
        assert_eq!(w.buckets(2), []);
        assert_eq!(w.close(2, &[0.5]), [None]);
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
