//! Statistics drawn from runs: speedup, efficiency, Amdahl's law fitted to measured
//! speedups, and what the GIL's hand-offs cost.

use crate::trace::{ModelRun, State};
use serde::{Deserialize, Serialize};

/// How many times faster `ms` is than `baseline_ms` (0 when `ms` is not positive).
pub fn speedup(baseline_ms: f64, ms: f64) -> f64 {
    if ms > 0.0 { baseline_ms / ms } else { 0.0 }
}

/// Speedup per thread: 1.0 means every thread was fully used.
pub fn efficiency(speedup: f64, threads: u32) -> f64 {
    speedup / f64::from(threads.max(1))
}

/// Amdahl's law: the speedup on `n` threads of a program whose parallel fraction is `p`.
pub fn amdahl_speedup(p: f64, n: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    1.0 / ((1.0 - p) + p / n.max(1.0))
}

/// The parallel fraction `p` that best explains measured `(threads, speedup)` points.
///
/// Amdahl's law is linear in the time a run takes: `1 / S = 1 - p * (1 - 1/n)`, so `p`
/// is the least-squares slope of `1 - 1/S` against `1 - 1/n` through the origin. The
/// result is clamped to `0..=1`; points with a non-positive or non-finite speedup are
/// ignored, and with no point above one thread the answer is 0.
pub fn amdahl_fit(points: &[(u32, f64)]) -> f64 {
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for &(n, s) in points {
        if !(s.is_finite() && s > 0.0) || n == 0 {
            continue;
        }
        let x = 1.0 - 1.0 / f64::from(n);
        let y = 1.0 - 1.0 / s;
        sxy += x * y;
        sxx += x * x;
    }
    if sxx > 0.0 {
        (sxy / sxx).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The median of some numbers, ignoring any that are not finite (`None` for none).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    })
}

/// Microseconds from one lane's running span ending to another lane's starting, at each
/// change of hands in a run under the GIL: the moments when no lane runs.
pub fn handoff_gaps_us(run: &ModelRun) -> Vec<f64> {
    let mut running: Vec<_> = run
        .spans
        .iter()
        .filter(|s| s.state == State::Running)
        .collect();
    running.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
    running
        .windows(2)
        .filter(|w| w[0].lane != w[1].lane)
        .map(|w| (w[1].start_us - w[0].end_us).max(0.0))
        .collect()
}

/// What the GIL's hand-offs cost in one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GilFigures {
    /// Wall time of the run.
    pub wall_ms: f64,
    /// Times the lock passed from one lane to another.
    pub handoffs: u64,
    /// Total time lanes spent in `waiting-gil` spans.
    pub waiting_gil_ms: f64,
    /// `waiting_gil_ms` per hand-off, in microseconds: with two lanes this is about one
    /// switch interval plus the hand-off itself.
    pub waiting_per_handoff_us: f64,
    /// The median of [`handoff_gaps_us`]: the hand-off's own cost.
    pub gap_median_us: f64,
    /// The mean of the same gaps.
    pub gap_mean_us: f64,
}

/// The hand-off figures of a run under the GIL.
pub fn gil_figures(run: &ModelRun) -> GilFigures {
    let gaps = handoff_gaps_us(run);
    let waiting_us = run.time_in(State::WaitingGil);
    let per = |total: f64, n: usize| if n > 0 { total / n as f64 } else { 0.0 };
    GilFigures {
        wall_ms: run.wall_ms,
        handoffs: run.gil_handoffs,
        waiting_gil_ms: waiting_us / 1000.0,
        waiting_per_handoff_us: per(waiting_us, run.gil_handoffs as usize),
        gap_median_us: median(gaps.clone()).unwrap_or(0.0),
        gap_mean_us: per(gaps.iter().sum(), gaps.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_the_fraction_that_made_the_points() {
        for p in [0.0, 0.5, 0.9, 0.99, 1.0] {
            let pts: Vec<(u32, f64)> = [1, 2, 4, 8, 16]
                .iter()
                .map(|&n| (n, amdahl_speedup(p, f64::from(n))))
                .collect();
            assert!((amdahl_fit(&pts) - p).abs() < 1e-12, "{p}");
        }
    }

    #[test]
    fn the_fit_is_clamped_and_ignores_nonsense() {
        assert_eq!(amdahl_fit(&[]), 0.0);
        assert_eq!(amdahl_fit(&[(1, 1.0)]), 0.0);
        // Superlinear speedups would need p > 1.
        assert_eq!(amdahl_fit(&[(2, 3.0), (4, 9.0)]), 1.0);
        // Slowdowns would need p < 0.
        assert_eq!(amdahl_fit(&[(2, 0.5), (4, 0.4)]), 0.0);
        let p = amdahl_fit(&[(2, f64::NAN), (0, 5.0), (4, -1.0), (4, 2.0)]);
        assert!((amdahl_speedup(p, 4.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn speedup_and_efficiency() {
        assert_eq!(speedup(400.0, 100.0), 4.0);
        assert_eq!(speedup(400.0, 0.0), 0.0);
        assert_eq!(efficiency(3.0, 4), 0.75);
        assert_eq!(amdahl_speedup(0.5, 1e12).round(), 2.0);
    }

    #[test]
    fn gil_figures_measure_the_gaps_between_lanes() {
        use crate::params::Model;
        use crate::trace::Span;
        let span = |lane, state, start_us, end_us| Span {
            lane,
            task: lane,
            state,
            start_us,
            end_us,
        };
        let run = ModelRun {
            model: Model::GilThreads,
            threads: 2,
            wall_ms: 0.7,
            spans: vec![
                span(0, State::Running, 0.0, 100.0),
                span(1, State::WaitingGil, 0.0, 110.0),
                span(1, State::Running, 110.0, 200.0),
                span(0, State::WaitingGil, 100.0, 230.0),
                span(0, State::Running, 230.0, 300.0),
            ],
            results: vec![],
            gil_handoffs: 2,
        };
        let f = gil_figures(&run);
        assert_eq!(handoff_gaps_us(&run), vec![10.0, 30.0]);
        assert_eq!(f.gap_median_us, 20.0);
        assert_eq!(f.gap_mean_us, 20.0);
        assert_eq!(f.waiting_per_handoff_us, 120.0);
    }
}
