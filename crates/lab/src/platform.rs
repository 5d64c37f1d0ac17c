//! What a real run needs from the machine: a clock, threads and blocking waits.
//!
//! The core runs every in-memory model against this trait. The browser build backs it
//! with Web Workers on one shared memory; [`NativePlatform`] backs it with `std::thread`,
//! so the same code runs in native tests with real threads and real contention.

use std::time::{Duration, Instant};

/// A clock, a way to run code on several real threads at once, and a blocking wait.
pub trait Platform: Sync {
    /// Microseconds on a clock shared by every lane (monotonic within a run).
    fn now_us(&self) -> f64;

    /// Runs `body(lane)` for every lane in `0..lanes`, each on its own real thread,
    /// all at once, and returns when every one has returned.
    fn run_lanes(&self, lanes: u32, body: &(dyn Fn(u32) + Sync));

    /// Blocks the calling thread for `us` microseconds (simulated I/O latency).
    fn sleep_us(&self, us: f64);
}

/// [`Platform`] on `std::thread`, for native tests and benchmarks.
#[derive(Debug)]
pub struct NativePlatform {
    origin: Instant,
}

impl Default for NativePlatform {
    fn default() -> Self {
        NativePlatform {
            origin: Instant::now(),
        }
    }
}

impl Platform for NativePlatform {
    fn now_us(&self) -> f64 {
        self.origin.elapsed().as_secs_f64() * 1e6
    }

    fn run_lanes(&self, lanes: u32, body: &(dyn Fn(u32) + Sync)) {
        std::thread::scope(|s| {
            for lane in 0..lanes {
                s.spawn(move || body(lane));
            }
        });
    }

    fn sleep_us(&self, us: f64) {
        std::thread::sleep(Duration::from_secs_f64(us.max(0.0) / 1e6));
    }
}
