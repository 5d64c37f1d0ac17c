//! Statistics over plain numbers: speedup, efficiency, the median, and Amdahl's law
//! fitted to measured speedups. Nothing here knows what a run is, so every module can
//! use it.

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
}
