//! Users in a city: the request rate over the day and the arrival process.
//!
//! The rate of a city at time `t` is
//! `rps * diurnal(local hour) * product of the multipliers of the surges active at t`.
//! The diurnal shape is a daily cosine between `min_ratio` (trough) and 1
//! (peak at `peak_local_hour`); local hour = UTC hour + `utc_offset`.
//!
//! Poisson arrivals are drawn exactly by thinning (Lewis and Shedler,
//! 1979). Time is cut into segments at every surge boundary and every whole
//! hour (every ten minutes for a diurnal profile); within a segment,
//! candidates come at a constant bound, the rate's maximum over the
//! segment, and each is kept with probability `rate(t) / bound`. At a
//! segment's end the candidate stream restarts, which is exact because
//! exponential gaps are memoryless. The bound, and the profile's minimum
//! over the segment, are computed once per segment. Short segments keep
//! the bound tight (over ten minutes the cosine changes by at most 2%, so
//! almost every candidate is kept), and a candidate whose uniform draw is
//! below the segment's minimum is kept without evaluating the cosine (the
//! "squeeze" of Marsaglia's rejection methods), so a diurnal city costs
//! about as little per arrival as a flat one. Uniform arrivals are evenly
//! spaced at the current rate, `1 / rate(t)` apart, starting at a random
//! phase so that cities do not all fire at t = 0.

use crate::engine::SimTime;
use crate::engine::rng::Rng;
use crate::engine::time::{NS_PER_S, round_ns};
use crate::scenario::curve::Curve;
use crate::scenario::curve::file_time_ns;
use crate::scenario::replay::ReplayFile;
use crate::scenario::{Arrival, City, Profile, Surge};
use rand::RngExt;
use rand_distr::{Distribution, Exp1};
use std::f64::consts::TAU;
use std::sync::Arc;

/// The arrival process of one city.
pub struct Traffic {
    rps: f64,
    profile: Profile,
    arrival: Arrival,
    /// Local hour at t = 0.
    local_hour_at_zero: f64,
    /// Surges that apply to this city: (start, end, multiplier).
    surges: Vec<(SimTime, SimTime, f64)>,
    /// Every surge start and end, sorted: the rate bound is constant between them.
    boundaries: Vec<SimTime>,
    rng: Rng,
    started: bool,
    /// The current thinning segment of Poisson arrivals.
    seg: Segment,
    /// A rate read from a file (`[[traffic]]`), replacing `rps` and the
    /// profile: then `rps` is 1 and the "diurnal factor" is the curve's rate.
    curve: Option<Arc<Curve>>,
    /// Recorded requests (`[[replay]]`), replacing every other arrival.
    replay: Option<ReplayStream>,
}

/// One city's recorded requests, read from its replay file row by row.
pub struct ReplayStream {
    reader: csv::Reader<std::io::BufReader<std::fs::File>>,
    record: csv::StringRecord,
    place: String,
    rfc3339: bool,
    origin_ns: i128,
    shift_ns: i128,
    scale: f64,
    /// Copies of the last request still to replay, and its time.
    copies: u32,
    at: SimTime,
}

impl ReplayStream {
    /// Opens `file` for `place`'s rows; `None` if it cannot be read (it
    /// was checked when the scenario was read).
    pub fn open(file: &ReplayFile, place: &str) -> Option<Self> {
        let f = std::fs::File::open(&file.path).ok()?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(std::io::BufReader::with_capacity(1 << 16, f));
        reader.headers().ok()?;
        Some(ReplayStream {
            reader,
            record: csv::StringRecord::new(),
            place: place.to_string(),
            rfc3339: file.rfc3339,
            origin_ns: file.origin_ns,
            shift_ns: i128::from(file.shift_ns),
            scale: file.scale,
            copies: 0,
            at: SimTime::ZERO,
        })
    }

    /// The next recorded request at or after `now` and before `end`.
    fn next(&mut self, now: SimTime, end: SimTime, rng: &mut Rng) -> Option<SimTime> {
        if self.copies > 0 {
            self.copies -= 1;
            return Some(self.at.max(now)).filter(|&t| t < end);
        }
        loop {
            // A row that does not read (the file changed since it was
            // checked) ends the replay.
            if !self.reader.read_record(&mut self.record).ok()? {
                return None;
            }
            if self.record.get(1) != Some(self.place.as_str()) {
                continue;
            }
            let t = file_time_ns(self.record.get(0)?, self.rfc3339)?;
            if t < self.origin_ns {
                continue;
            }
            let at = SimTime(u64::try_from(t - self.origin_ns + self.shift_ns).ok()?);
            if at >= end {
                return None;
            }
            let whole = self.scale.floor();
            let copies = whole as u32 + u32::from(rng.random::<f64>() < self.scale - whole);
            if copies == 0 {
                continue;
            }
            self.copies = copies - 1;
            self.at = at.max(now);
            return Some(self.at);
        }
    }
}

/// A stretch of time over which Poisson candidates come at a constant bound.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: SimTime,
    end: SimTime,
    /// Candidates per second: the largest rate over `[start, end]`.
    bound: f64,
    /// The diurnal factor's largest and smallest values over `[start, end]`.
    dmax: f64,
    dmin: f64,
}

impl Traffic {
    /// The arrival process of `city` (index `index`) with the scenario's surges.
    pub fn new(city: &City, index: usize, surges: &[Surge], start_utc_s: u32, rng: Rng) -> Self {
        let surges: Vec<(SimTime, SimTime, f64)> = surges
            .iter()
            .filter(|s| s.city.is_none_or(|c| c == index))
            .map(|s| (SimTime(s.start_ns), SimTime(s.start_ns.saturating_add(s.duration_ns)), s.multiplier))
            .collect();
        let mut boundaries: Vec<SimTime> = surges.iter().flat_map(|&(a, b, _)| [a, b]).collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        Traffic {
            rps: city.rps,
            profile: city.profile,
            arrival: city.arrival,
            local_hour_at_zero: (f64::from(start_utc_s) / 3600.0 + city.utc_offset_h).rem_euclid(24.0),
            surges,
            boundaries,
            rng,
            started: false,
            seg: Segment { start: SimTime::ZERO, end: SimTime::ZERO, bound: 0.0, dmax: 1.0, dmin: 1.0 },
            curve: None,
            replay: None,
        }
    }

    /// The same city with its arrivals read from a recording instead.
    pub fn with_replay(mut self, replay: Option<ReplayStream>) -> Self {
        self.replay = replay;
        self
    }

    /// The same process with its rate read from `curve` (when some): the
    /// city's `rps` and profile no longer apply; surges still do.
    pub fn with_curve(mut self, curve: Option<Arc<Curve>>) -> Self {
        if curve.is_some() {
            self.rps = 1.0;
        }
        self.curve = curve;
        self
    }

    /// The diurnal factor at `t`, between `min_ratio` and 1 (with a curve:
    /// the curve's rate).
    pub fn diurnal(&self, t: SimTime) -> f64 {
        if let Some(c) = &self.curve {
            return c.rate(t.ns());
        }
        match self.profile {
            Profile::Flat => 1.0,
            Profile::Diurnal { min_ratio, peak_local_hour } => {
                let hour = self.local_hour_at_zero + t.as_secs_f64() / 3600.0;
                min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + (TAU * (hour - peak_local_hour) / 24.0).cos())
            }
        }
    }

    /// The product of the multipliers of the surges active at `t`.
    fn surge_factor(&self, t: SimTime) -> f64 {
        self.surges.iter().filter(|&&(a, b, _)| a <= t && t < b).map(|&(_, _, m)| m).product()
    }

    /// Requests per second at `t`.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        self.rps * self.diurnal(t) * self.surge_factor(t)
    }

    /// The first surge boundary after `t`.
    fn next_boundary(&self, t: SimTime) -> SimTime {
        let i = self.boundaries.partition_point(|&b| b <= t);
        self.boundaries.get(i).copied().unwrap_or(SimTime::NEVER)
    }

    /// The next arrival after `now` and before `end`, if any.
    pub fn next_arrival(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        if let Some(r) = &mut self.replay {
            return r.next(now, end, &mut self.rng);
        }
        match self.arrival {
            Arrival::Poisson => self.next_poisson(now, end),
            Arrival::Uniform => self.next_uniform(now, end),
        }
    }

    /// The largest diurnal factor over `[from, to]`, an interval of at most
    /// a day: 1 if it contains the peak, else the larger end (the cosine
    /// falls monotonically away from its peak on either side).
    fn diurnal_max(&self, from: SimTime, to: SimTime) -> f64 {
        if let Some(c) = &self.curve {
            return c.range(from.ns(), to.ns()).1;
        }
        let Profile::Diurnal { peak_local_hour, .. } = self.profile else {
            return 1.0;
        };
        let hour = |t: SimTime| self.local_hour_at_zero + t.as_secs_f64() / 3600.0;
        let (a, b) = (hour(from), hour(to));
        // The first peak at or after `a`.
        let peak = a + (peak_local_hour - a).rem_euclid(24.0);
        if peak <= b { 1.0 } else { self.diurnal(from).max(self.diurnal(to)) }
    }

    /// The smallest diurnal factor over `[from, to]`, an interval of at
    /// most a day: `min_ratio` if it contains the trough, else the smaller end.
    fn diurnal_min(&self, from: SimTime, to: SimTime) -> f64 {
        if let Some(c) = &self.curve {
            return c.range(from.ns(), to.ns()).0;
        }
        let Profile::Diurnal { peak_local_hour, min_ratio } = self.profile else {
            return 1.0;
        };
        let hour = |t: SimTime| self.local_hour_at_zero + t.as_secs_f64() / 3600.0;
        let (a, b) = (hour(from), hour(to));
        let trough = a + (peak_local_hour + 12.0 - a).rem_euclid(24.0);
        if trough <= b { min_ratio } else { self.diurnal(from).min(self.diurnal(to)) }
    }

    /// The thinning segment that starts at or contains `t`.
    fn segment(&mut self, t: SimTime) -> Segment {
        if t < self.seg.start || t >= self.seg.end {
            let len = match self.profile {
                Profile::Flat => 3600 * NS_PER_S,
                Profile::Diurnal { .. } => 600 * NS_PER_S,
            };
            let mut end = self.next_boundary(t).min(SimTime((t.ns() / len + 1) * len));
            if let Some(c) = &self.curve {
                // A curve is linear or constant up to its next point.
                end = end.min(SimTime(c.piece_end(t.ns())));
            }
            let dmax = self.diurnal_max(t, end);
            let dmin = self.diurnal_min(t, end);
            self.seg = Segment { start: t, end, bound: self.rps * self.surge_factor(t) * dmax, dmax, dmin };
        }
        self.seg
    }

    /// The first turn of [`Self::next_poisson_from`]'s loop when `now` is
    /// inside the current segment, the common case, without the set-up the
    /// loop costs (the compiler loads every field the loop might need
    /// before its first turn: about 60 instructions an arrival).
    #[inline]
    fn next_poisson(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        let seg = self.seg;
        if now >= end || now < seg.start || now >= seg.end || seg.bound <= 0.0 {
            return self.next_poisson_from(now, end);
        }
        self.candidate(now, end, seg).unwrap_or_else(|t| self.next_poisson_from(t, end))
    }

    /// The next arrival from `now`, by thinning: candidates at the largest
    /// rate of each segment, each kept with probability the rate at its
    /// time over that largest rate.
    #[inline(never)]
    fn next_poisson_from(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        let mut t = now;
        while t < end {
            let seg = self.segment(t);
            if seg.bound <= 0.0 {
                t = seg.end;
                continue;
            }
            match self.candidate(t, end, seg) {
                Ok(arrival) => return arrival,
                Err(next) => t = next,
            }
        }
        None
    }

    /// One candidate after `t` in `seg` (which holds `t`, at a rate above
    /// 0): `Ok` with the answer (an arrival, or none before `end`), or
    /// `Err` with where to go on from (the segment's end, or a candidate
    /// thinned out).
    #[inline(always)]
    fn candidate(&mut self, t: SimTime, end: SimTime, seg: Segment) -> Result<Option<SimTime>, SimTime> {
        let gap: f64 = Exp1.sample(&mut self.rng);
        // At least 1 ns apart, so that time always advances.
        let cand = t.plus(round_ns(gap / seg.bound * NS_PER_S as f64).max(1));
        if cand >= seg.end {
            return Err(seg.end);
        }
        if cand >= end {
            return Ok(None);
        }
        if seg.dmin >= seg.dmax {
            return Ok(Some(cand));
        }
        // Keep with probability diurnal(cand) / dmax; below the segment's
        // minimum that is certain, so the cosine is only evaluated above it.
        let u = self.rng.random::<f64>() * seg.dmax;
        if u < seg.dmin || u < self.diurnal(cand) {
            return Ok(Some(cand));
        }
        Err(cand)
    }

    /// Evenly spaced arrivals: the next one comes when the integral of the
    /// rate since the last one reaches 1. The rate is taken as constant
    /// within each segment (between surge boundaries and whole hours), so a
    /// surge starting mid-gap shortens that gap at once.
    fn next_uniform(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        const HOUR_NS: u64 = 3600 * NS_PER_S;
        // Arrivals still owed before the next one: a random phase at first,
        // so that cities do not all fire at t = 0.
        let mut owed = if self.started {
            1.0
        } else {
            self.started = true;
            self.rng.random::<f64>()
        };
        let mut t = now;
        while t < end {
            let hour_end = SimTime((t.ns() / HOUR_NS + 1) * HOUR_NS);
            let mut seg_end = self.next_boundary(t).min(hour_end);
            if let Some(c) = &self.curve {
                seg_end = seg_end.min(SimTime(c.piece_end(t.ns())));
            }
            // A curve's rate is linear over the stretch: its mean there.
            let rate = match &self.curve {
                Some(c) => {
                    let (a, b) = (c.rate(t.ns()), c.range(t.ns(), seg_end.ns()));
                    let end = if c.interpolation == crate::scenario::curve::Interpolation::Step {
                        a
                    } else {
                        b.0 + b.1 - a
                    };
                    (a + end) / 2.0 * self.surge_factor(t)
                }
                None => self.rate_at(t),
            };
            if rate > 0.0 {
                let need_ns = owed / rate * NS_PER_S as f64;
                // At least 1 ns apart, so that time always advances.
                let next = t.plus(round_ns(need_ns).max(1));
                if next <= seg_end {
                    return (next < end).then_some(next);
                }
                owed -= rate * seg_end.since(t) as f64 / NS_PER_S as f64;
            }
            t = seg_end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn city(profile: Profile, arrival: Arrival) -> City {
        City {
            name: "X".into(),
            lat: 0.0,
            lon: 0.0,
            rps: 200.0,
            profile,
            utc_offset_h: 0.0,
            arrival,
            edge: 0,
        }
    }

    fn count(t: &mut Traffic, from: SimTime, to: SimTime) -> u64 {
        let mut n = 0;
        let mut now = from;
        while let Some(next) = t.next_arrival(now, to) {
            n += 1;
            now = next;
        }
        n
    }

    #[test]
    fn poisson_count_matches_rate_within_statistical_error() {
        let mut t = Traffic::new(&city(Profile::Flat, Arrival::Poisson), 0, &[], 0, stream(1, "t"));
        let n = count(&mut t, SimTime::ZERO, SimTime(600 * NS_PER_S));
        let mean = 200.0 * 600.0;
        // Poisson: sd = sqrt(mean); allow 4 sd.
        assert!((n as f64 - mean).abs() < 4.0 * mean.sqrt(), "{n} vs {mean}");
    }

    #[test]
    fn diurnal_integrates_to_the_mean_of_the_cosine() {
        let profile = Profile::Diurnal { min_ratio: 0.3, peak_local_hour: 20.0 };
        let mut t = Traffic::new(&city(profile, Arrival::Poisson), 0, &[], 0, stream(2, "t"));
        let day = SimTime(86_400 * NS_PER_S);
        let n = count(&mut t, SimTime::ZERO, day);
        let mean = 200.0 * 86_400.0 * 0.65;
        assert!((n as f64 - mean).abs() < 4.0 * mean.sqrt(), "{n} vs {mean}");
        assert!((t.diurnal(SimTime(20 * 3600 * NS_PER_S)) - 1.0).abs() < 1e-12);
        assert!((t.diurnal(SimTime(8 * 3600 * NS_PER_S)) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn diurnal_arrivals_follow_the_cosine_hour_by_hour() {
        // Each hour's count against the integral of the rate over that hour
        // (midpoint rule on minutes), within 4 Poisson standard deviations.
        let profile = Profile::Diurnal { min_ratio: 0.1, peak_local_hour: 15.0 };
        let mut t = Traffic::new(&city(profile, Arrival::Poisson), 0, &[], 0, stream(6, "t"));
        let hour = 3600 * NS_PER_S;
        let mut now = SimTime::ZERO;
        for h in 0..24 {
            let to = SimTime((h + 1) * hour);
            let mean: f64 =
                (0..60).map(|m| t.rate_at(SimTime(h * hour + (2 * m + 1) * 30 * NS_PER_S)) * 60.0).sum();
            let mut n = 0u64;
            while let Some(next) = t.next_arrival(now, to) {
                n += 1;
                now = next;
            }
            now = to;
            assert!(
                (n as f64 - mean).abs() < 4.0 * mean.sqrt(),
                "hour {h}: {n} arrivals, expected {mean:.0}"
            );
        }
    }

    #[test]
    fn surges_multiply_the_rate_only_while_they_last() {
        let surge =
            Surge { city: Some(0), start_ns: 100 * NS_PER_S, duration_ns: 100 * NS_PER_S, multiplier: 5.0 };
        let mut t = Traffic::new(
            &city(Profile::Flat, Arrival::Poisson),
            0,
            std::slice::from_ref(&surge),
            0,
            stream(3, "t"),
        );
        let before = count(&mut t, SimTime::ZERO, SimTime(100 * NS_PER_S));
        let during = count(&mut t, SimTime(100 * NS_PER_S), SimTime(200 * NS_PER_S));
        let (m1, m5) = (20_000.0f64, 100_000.0f64);
        assert!((before as f64 - m1).abs() < 4.0 * m1.sqrt(), "{before}");
        assert!((during as f64 - m5).abs() < 4.0 * m5.sqrt(), "{during}");
        // A surge for another city changes nothing here.
        let other = Surge { city: Some(1), ..surge };
        let t2 = Traffic::new(&city(Profile::Flat, Arrival::Poisson), 0, &[other], 0, stream(3, "t"));
        assert_eq!(t2.rate_at(SimTime(150 * NS_PER_S)), 200.0);
    }

    #[test]
    fn the_thinning_bounds_enclose_the_rate_over_each_segment() {
        let profile = Profile::Diurnal { min_ratio: 0.2, peak_local_hour: 7.5 };
        let t = Traffic::new(&city(profile, Arrival::Poisson), 0, &[], 13 * 3600, stream(5, "t"));
        let hour = 3600 * NS_PER_S;
        for start_min in (0..48 * 60).step_by(7) {
            let from = SimTime(start_min * 60 * NS_PER_S);
            let to = SimTime((from.ns() / hour + 1) * hour);
            let (bound, floor) = (t.diurnal_max(from, to), t.diurnal_min(from, to));
            let (mut seen, mut low): (f64, f64) = (0.0, 1.0);
            for k in 0..=600 {
                let x = SimTime(from.ns() + (to.ns() - from.ns()) * k / 600);
                seen = seen.max(t.diurnal(x));
                low = low.min(t.diurnal(x));
            }
            assert!(bound >= seen - 1e-12, "bound {bound} below {seen} from minute {start_min}");
            assert!(bound <= seen + 1e-3, "bound {bound} loose against {seen} from minute {start_min}");
            assert!(floor <= low + 1e-12, "floor {floor} above {low} from minute {start_min}");
            assert!(floor >= low - 1e-3, "floor {floor} loose against {low} from minute {start_min}");
        }
    }

    #[test]
    fn uniform_arrivals_follow_a_surge_that_starts_mid_gap() {
        // 0.01 rps (one arrival per 100 s) with a x1000 surge from 30 s to
        // 90 s: about 600 arrivals in the surge, whatever the phase.
        for seed in 1..6 {
            let mut c = city(Profile::Flat, Arrival::Uniform);
            c.rps = 0.01;
            let surge =
                Surge { city: None, start_ns: 30 * NS_PER_S, duration_ns: 60 * NS_PER_S, multiplier: 1000.0 };
            let mut t = Traffic::new(&c, 0, &[surge], 0, stream(seed, "t"));
            let n = count(&mut t, SimTime::ZERO, SimTime(120 * NS_PER_S));
            assert!((599..=602).contains(&n), "seed {seed}: {n}");
        }
    }

    #[test]
    fn uniform_arrivals_are_evenly_spaced() {
        let mut t = Traffic::new(&city(Profile::Flat, Arrival::Uniform), 0, &[], 0, stream(4, "t"));
        let a = t.next_arrival(SimTime::ZERO, SimTime::NEVER).unwrap();
        let b = t.next_arrival(a, SimTime::NEVER).unwrap();
        let c = t.next_arrival(b, SimTime::NEVER).unwrap();
        assert_eq!(b.since(a), 5_000_000);
        assert_eq!(c.since(b), 5_000_000);
        assert!(a.ns() < 5_000_000);
    }
}
