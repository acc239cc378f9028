//! The open window's latencies, counted per city and per region at the
//! bucket HdrHistogram would use, and added to the scopes' HdrHistograms
//! when the window closes.
//!
//! A request's latency belongs to three scopes (global, its city, its
//! region), and recording it into three HdrHistograms cost about 230
//! instructions per request, a twentieth of the whole model at 10,000
//! requests/s (benches/RESULTS.md). Here it is one index computation and
//! two counter increments (the city's and the region's; the global
//! histogram gets the cities' counts). At the window's close each bucket
//! touched is added to the histograms with `record_n`, so their counts are
//! the same, bucket for bucket, as if every latency had been recorded into
//! each of them, and so are their percentiles. Memory is as much again as
//! the city and region histograms take (a counter per bucket up to the
//! largest latency: about 18,000 for a minute), whatever the duration.

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

/// One series' counts in the open window.
#[derive(Default, Clone)]
struct Counts {
    /// Counts by HdrHistogram bucket index; grown on demand.
    counts: Vec<u64>,
    /// The indices with a nonzero count, in the order they were first hit.
    touched: Vec<u32>,
}

impl Counts {
    #[inline]
    fn bump(&mut self, i: usize) {
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        let c = &mut self.counts[i];
        if *c == 0 {
            self.touched.push(i as u32);
        }
        *c += 1;
    }
}

/// The open window's latencies (whole microseconds) in a number of series.
pub(super) struct WindowLatencies {
    series: Vec<Counts>,
}

impl WindowLatencies {
    pub(super) fn new(series: usize) -> Self {
        WindowLatencies { series: vec![Counts::default(); series] }
    }

    /// Counts one latency of `us` microseconds in series `a` and, if
    /// given, `b`.
    #[inline(always)]
    pub(super) fn record(&mut self, us: u64, a: usize, b: Option<usize>) {
        let i = index_of(us);
        self.series[a].bump(i);
        if let Some(b) = b {
            self.series[b].bump(i);
        }
    }

    /// Hands each bucket of `series` to `each` as (its lowest value,
    /// count) and clears it. Recording that value `count` times puts the
    /// counts in the same bucket as the latencies had, in an HdrHistogram
    /// of three significant digits.
    pub(super) fn drain(&mut self, series: usize, mut each: impl FnMut(u64, u64)) {
        let p = &mut self.series[series];
        for &i in &p.touched {
            let n = std::mem::take(&mut p.counts[i as usize]);
            each(lowest_value(i as usize), n);
        }
        p.touched.clear();
    }

    /// Forgets every count (the warmup is over).
    pub(super) fn clear(&mut self) {
        for s in 0..self.series.len() {
            self.drain(s, |_, _| {});
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

    /// Draining gives the histograms the counts they would have had from
    /// recording each value, so the same percentiles and the same total.
    #[test]
    fn draining_equals_recording_each_value() {
        let mut next = xorshift(11);
        let values: Vec<u64> = (0..50_000).map(|_| 1 + next() % 3_000_000).collect();
        let mut direct = Histogram::<u64>::new(3).unwrap();
        let mut w = WindowLatencies::new(2);
        for (k, &v) in values.iter().enumerate() {
            direct.record(v).unwrap();
            w.record(v, k % 2, None);
        }
        let mut drained = Histogram::<u64>::new(3).unwrap();
        for series in [0, 1] {
            w.drain(series, |v, n| drained.record_n(v, n).unwrap());
        }
        assert_eq!(drained.len(), direct.len());
        for q in [0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(drained.value_at_quantile(q), direct.value_at_quantile(q), "quantile {q}");
        }
        assert!(
            direct.iter_recorded().all(|r| drained.count_at(r.value_iterated_to()) == r.count_at_value())
        );
        // Drained series start empty.
        w.drain(0, |v, n| panic!("{n} at {v} left after draining"));
    }
}
