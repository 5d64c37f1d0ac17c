//! The shared-counter race: threads incrementing one counter, unsynchronised, locked and atomic.
//!
//! `counter += 1` in Python is a read, some interpreter work and a write. Without the GIL
//! (or a lock), two threads can read the same value and both write it back plus one: an
//! update is lost. That is why a runtime without a GIL must make its reference counts
//! atomic or otherwise protected. Here the unsynchronised version does exactly that read,
//! work, write, with relaxed atomic loads and stores (so it is a race in the algorithm,
//! not undefined behaviour in Rust); the locked one does the same under a `Mutex`; the
//! atomic one uses `fetch_add`.

use crate::params::Params;
use crate::platform::Platform;
use crate::vm::{self, NoBreaker};
use serde::{Deserialize, Serialize};
use std::hint::{black_box, spin_loop};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// A way to increment the shared counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CounterMethod {
    /// Read, work, write back: updates can be lost.
    Unsynchronised,
    /// Read, work, write back while holding a mutex.
    Locked,
    /// Work, then one atomic `fetch_add`.
    Atomic,
}

impl CounterMethod {
    /// Every method, in the order the book shows them.
    pub const ALL: [CounterMethod; 3] = [
        CounterMethod::Unsynchronised,
        CounterMethod::Locked,
        CounterMethod::Atomic,
    ];

    /// The id used in JSON and CSS classes.
    pub fn id(self) -> &'static str {
        match self {
            CounterMethod::Unsynchronised => "unsynchronised",
            CounterMethod::Locked => "locked",
            CounterMethod::Atomic => "atomic",
        }
    }

    /// A label for charts and tables.
    pub fn label(self) -> &'static str {
        match self {
            CounterMethod::Unsynchronised => "no synchronisation",
            CounterMethod::Locked => "under a lock",
            CounterMethod::Atomic => "atomic add",
        }
    }
}

/// One method's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounterRow {
    /// How the counter was incremented.
    pub method: CounterMethod,
    /// The counter's value when every thread had finished.
    pub final_count: u64,
    /// Increments made but not in the final count.
    pub lost: u64,
    /// Wall time of this method's run, in milliseconds.
    pub wall_ms: f64,
}

/// The outcome of the counter experiment: one row per method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounterResult {
    /// Threads that incremented the counter at once.
    pub threads: u32,
    /// Increments each thread made.
    pub increments: u64,
    /// What the counter should read: `threads * increments`.
    pub expected: u64,
    /// One row per method, in [`CounterMethod::ALL`] order.
    pub rows: Vec<CounterRow>,
}

/// The interpreter work between the read and the write (`counter + 1` evaluated by the
/// bytecode loop). It depends on the value read, so it cannot be moved before the read.
#[inline]
fn work(v: u64) -> u64 {
    black_box(vm::eval(&vm::sum_loop(v & 1, (v & 1) + 3), &mut NoBreaker))
}

/// Runs `threads` real threads that each increment one shared counter `increments`
/// times with `method`, and returns the final count.
pub fn count(platform: &dyn Platform, method: CounterMethod, threads: u32, increments: u64) -> u64 {
    let threads = threads.max(1);
    let atomic = AtomicU64::new(0);
    let locked = Mutex::new(0u64);
    let started = AtomicU32::new(0);
    platform.run_lanes(threads, &|_lane| {
        // Start together, so the increments really overlap (run_lanes runs every lane
        // at once, so this wait ends).
        started.fetch_add(1, Ordering::AcqRel);
        while started.load(Ordering::Acquire) < threads {
            spin_loop();
        }
        for _ in 0..increments {
            match method {
                CounterMethod::Unsynchronised => {
                    let v = atomic.load(Ordering::Relaxed);
                    black_box(work(v));
                    atomic.store(v.wrapping_add(1), Ordering::Relaxed);
                }
                CounterMethod::Locked => {
                    let mut g = locked.lock().unwrap_or_else(PoisonError::into_inner);
                    black_box(work(*g));
                    *g += 1;
                }
                CounterMethod::Atomic => {
                    black_box(work(increments));
                    atomic.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });
    match method {
        CounterMethod::Locked => locked.into_inner().unwrap_or_else(PoisonError::into_inner),
        _ => atomic.into_inner(),
    }
}

/// Runs every method with `params.threads` threads of `params.increments` increments.
pub fn run_counter(platform: &dyn Platform, params: &Params) -> CounterResult {
    let threads = params.threads.max(1);
    let expected = u64::from(threads) * params.increments;
    let rows = CounterMethod::ALL
        .into_iter()
        .map(|method| {
            let t0 = platform.now_us();
            let final_count = count(platform, method, threads, params.increments);
            CounterRow {
                method,
                final_count,
                lost: expected.saturating_sub(final_count),
                wall_ms: (platform.now_us() - t0) / 1000.0,
            }
        })
        .collect();
    CounterResult {
        threads,
        increments: params.increments,
        expected,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Experiment;
    use crate::platform::NativePlatform;

    #[test]
    fn locked_and_atomic_never_lose_and_unsynchronised_does() {
        let platform = NativePlatform::default();
        let (threads, increments) = (2, 200_000);
        let expected = u64::from(threads) * increments;
        let mut lost_seen = false;
        // Bounded: on two cores a loss shows in the first round or two; 20 rounds of
        // 400 000 racing increments that all survive would mean there is no race at all.
        for _ in 0..20 {
            assert_eq!(
                count(&platform, CounterMethod::Locked, threads, increments),
                expected
            );
            assert_eq!(
                count(&platform, CounterMethod::Atomic, threads, increments),
                expected
            );
            let racy = count(
                &platform,
                CounterMethod::Unsynchronised,
                threads,
                increments,
            );
            assert!(
                racy <= expected,
                "an unsynchronised count can only lose: {racy}"
            );
            if racy < expected {
                lost_seen = true;
                break;
            }
        }
        assert!(
            lost_seen,
            "no update lost in 20 rounds: the race is not racing"
        );
    }

    #[test]
    fn one_thread_loses_nothing_and_rows_add_up() {
        let platform = NativePlatform::default();
        let mut p = Experiment::Counter.defaults();
        p.set("threads", "1").unwrap();
        p.set("increments", "5000").unwrap();
        let r = run_counter(&platform, &p);
        assert_eq!(r.expected, 5000);
        assert_eq!(r.rows.len(), 3);
        for row in &r.rows {
            assert_eq!(row.final_count, 5000, "{:?}", row.method);
            assert_eq!(row.lost, 0);
        }
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"unsynchronised\""));
        let back: CounterResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back.rows[2].final_count, r.rows[2].final_count);
    }
}
