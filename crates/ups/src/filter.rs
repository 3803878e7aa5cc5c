//! The battery voltage filter and the runtime estimate.
//!
//! The SARADC is noisy (a 10-bit code under a switching load: one LSB is
//! 13 mV of pack voltage, and single codes jump further): decisions are
//! made on a median (or mean) of the last few samples, never on one.

use std::collections::VecDeque;
use std::time::Duration;

use helios64_service::MonoTime;

use crate::config::FilterKind;

/// The last `window` samples, combined.
#[derive(Debug, Clone, PartialEq)]
pub struct VoltageFilter {
    kind: FilterKind,
    window: usize,
    samples: VecDeque<u32>,
}

impl VoltageFilter {
    /// An empty filter over `window` samples (at least 1).
    pub fn new(kind: FilterKind, window: usize) -> VoltageFilter {
        let window = window.max(1);
        VoltageFilter { kind, window, samples: VecDeque::with_capacity(window) }
    }

    /// Adds a sample, dropping the oldest beyond the window.
    pub fn push(&mut self, millivolts: u32) {
        if self.samples.len() == self.window {
            self.samples.pop_front();
        }
        self.samples.push_back(millivolts);
    }

    /// Forgets every sample.
    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// How many samples it holds.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The filtered value; `None` before the first sample.
    pub fn value(&self) -> Option<u32> {
        if self.samples.is_empty() {
            return None;
        }
        match self.kind {
            FilterKind::Median => {
                let mut sorted: Vec<u32> = self.samples.iter().copied().collect();
                sorted.sort_unstable();
                let mid = sorted.len() / 2;
                if !sorted.len().is_multiple_of(2) {
                    sorted.get(mid).copied()
                } else {
                    // The mean of the two middle values, rounded half up.
                    let lo = u64::from(*sorted.get(mid - 1)?);
                    let hi = u64::from(*sorted.get(mid)?);
                    u32::try_from((lo + hi).div_ceil(2)).ok()
                }
            }
            FilterKind::Mean => {
                let sum: u64 = self.samples.iter().map(|&v| u64::from(v)).sum();
                let n = self.samples.len() as u64;
                u32::try_from((sum + n / 2) / n).ok()
            }
        }
    }
}

/// Fewest points and shortest span for a slope worth reporting.
const MIN_POINTS: usize = 5;
const MIN_SPAN: Duration = Duration::from_secs(20);
/// The slope is fitted over this much of the recent past.
pub const ESTIMATE_WINDOW: Duration = Duration::from_secs(180);

/// The time to a voltage threshold from the slope of recent filtered
/// voltages (least squares over [`ESTIMATE_WINDOW`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuntimeEstimate {
    points: VecDeque<(MonoTime, u32)>,
}

impl RuntimeEstimate {
    /// No points.
    pub fn new() -> RuntimeEstimate {
        RuntimeEstimate::default()
    }

    /// Adds a filtered voltage at `at`, dropping points older than the
    /// window.
    pub fn push(&mut self, at: MonoTime, millivolts: u32) {
        self.points.push_back((at, millivolts));
        while let Some(&(first, _)) = self.points.front() {
            if at.saturating_since(first) > ESTIMATE_WINDOW {
                self.points.pop_front();
            } else {
                break;
            }
        }
    }

    /// Forgets every point (a new outage starts a new fit).
    pub fn clear(&mut self) {
        self.points.clear();
    }

    /// The fitted slope in millivolts per second; `None` with too few
    /// points or too short a span.
    pub fn slope_mv_per_sec(&self) -> Option<f64> {
        let (&(t0, _), &(t1, _)) = (self.points.front()?, self.points.back()?);
        if self.points.len() < MIN_POINTS || t1.saturating_since(t0) < MIN_SPAN {
            return None;
        }
        let xs: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|&(t, mv)| (t.saturating_since(t0).as_secs_f64(), f64::from(mv)))
            .collect();
        // Point counts stay far below 2^52.
        #[allow(clippy::cast_precision_loss)]
        let n = xs.len() as f64;
        let mean_x = xs.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = xs.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = xs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = xs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        (sxx > 0.0).then(|| sxy / sxx)
    }

    /// The time until `threshold_mv` at the fitted slope, from the latest
    /// point; `Some(0)` at or below it; `None` when the voltage is not
    /// falling or there is too little to fit.
    pub fn time_to(&self, threshold_mv: u32) -> Option<Duration> {
        let &(_, latest) = self.points.back()?;
        if latest <= threshold_mv {
            return Some(Duration::ZERO);
        }
        let slope = self.slope_mv_per_sec()?;
        if slope >= -1e-6 {
            return None;
        }
        let secs = f64::from(latest - threshold_mv) / -slope;
        // A day is beyond anything this pack can do; longer means "flat".
        (secs.is_finite() && secs < 86_400.0).then(|| Duration::from_secs_f64(secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> MonoTime {
        MonoTime::from_duration(Duration::from_secs(secs))
    }

    #[test]
    fn the_median_ignores_one_wild_sample_and_the_mean_does_not() {
        let mut median = VoltageFilter::new(FilterKind::Median, 5);
        let mut mean = VoltageFilter::new(FilterKind::Mean, 5);
        assert_eq!(median.value(), None);
        for v in [7400, 7410, 5000, 7390, 7405] {
            median.push(v);
            mean.push(v);
        }
        assert_eq!(median.value(), Some(7400));
        assert_eq!(mean.value(), Some(6921));
        // The window slides: the wild sample leaves after five more.
        for _ in 0..5 {
            mean.push(7400);
        }
        assert_eq!(mean.value(), Some(7400));
        assert_eq!(mean.len(), 5);
    }

    #[test]
    fn an_even_median_is_the_mean_of_the_middle_two() {
        let mut f = VoltageFilter::new(FilterKind::Median, 4);
        for v in [7000, 7003, 6990, 7100] {
            f.push(v);
        }
        assert_eq!(f.value(), Some(7002));
        f.clear();
        assert!(f.is_empty());
    }

    #[test]
    fn a_falling_pack_gives_the_time_to_the_threshold() {
        let mut e = RuntimeEstimate::new();
        // 8.0 V falling 2 mV/s: 7.0 V is 500 s after the last point.
        for s in 0..=60 {
            e.push(at(s), 8120 - 2 * u32::try_from(s).unwrap());
        }
        let slope = e.slope_mv_per_sec().unwrap();
        assert!((slope + 2.0).abs() < 1e-9, "{slope}");
        assert_eq!(e.time_to(7000).unwrap().as_secs(), 500);
        assert_eq!(e.time_to(9000), Some(Duration::ZERO));
    }

    #[test]
    fn no_estimate_when_flat_rising_or_too_short() {
        let mut e = RuntimeEstimate::new();
        for s in 0..10 {
            e.push(at(s), 8000);
        }
        assert_eq!(e.time_to(7000), None, "span under 20 s");
        for s in 10..40 {
            e.push(at(s), 8000);
        }
        assert_eq!(e.time_to(7000), None, "flat");
        e.clear();
        for s in 0..40 {
            e.push(at(s), 7500 + u32::try_from(s).unwrap());
        }
        assert_eq!(e.time_to(7000), None, "rising");
    }

    #[test]
    fn old_points_leave_the_fit() {
        let mut e = RuntimeEstimate::new();
        // A steep fall long ago, flat for the last window: no estimate.
        for s in 0..100 {
            e.push(at(s), 9000 - 10 * u32::try_from(s).unwrap());
        }
        for s in 100..400 {
            e.push(at(s), 8000);
        }
        assert_eq!(e.time_to(7000), None);
    }
}
