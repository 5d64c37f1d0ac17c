//! The browser's [`Platform`]: a clock aligned across workers, lanes on the rayon pool's
//! Web Workers, and blocking waits.

#[cfg(feature = "widgets")]
use lab::Platform;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    type Performance;
    // Every worker has its own `performance`, with its own origin.
    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = performance)]
    static PERFORMANCE: Performance;
    #[wasm_bindgen(method)]
    fn now(this: &Performance) -> f64;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> f64;
}

/// Milliseconds since the Unix epoch on a clock every worker shares: each worker's
/// `performance.now()` counts from its own start, so add that worker's `timeOrigin`.
pub(crate) fn epoch_ms() -> f64 {
    PERFORMANCE.with(|p| p.time_origin() + p.now())
}

/// The browser platform. Lanes run on the rayon pool in the threaded build; the
/// single-threaded build has one lane only.
#[cfg(feature = "widgets")]
#[derive(Debug, Default)]
pub(crate) struct BrowserPlatform;

#[cfg(feature = "widgets")]
impl Platform for BrowserPlatform {
    fn now_us(&self) -> f64 {
        epoch_ms() * 1000.0
    }

    #[cfg(feature = "threads")]
    fn run_lanes(&self, lanes: u32, body: &(dyn Fn(u32) + Sync)) {
        // broadcast runs once on every pool thread, so each lane gets a thread of its
        // own even when lanes block (waiting for the GIL or for I/O). The caller checks
        // beforehand that the pool has a thread for every lane; a lane without a thread
        // would never run and its siblings could wait for it forever, so refuse loudly.
        assert!(
            lanes as usize <= rayon::current_num_threads(),
            "{lanes} lanes need {lanes} pool threads, the pool has {}",
            rayon::current_num_threads()
        );
        rayon::broadcast(|ctx| {
            if (ctx.index() as u32) < lanes {
                body(ctx.index() as u32);
            }
        });
    }

    #[cfg(not(feature = "threads"))]
    fn run_lanes(&self, lanes: u32, body: &(dyn Fn(u32) + Sync)) {
        assert!(
            lanes <= 1,
            "the single-threaded build cannot run {lanes} lanes at once"
        );
        body(0);
    }

    #[cfg(feature = "threads")]
    fn sleep_us(&self, us: f64) {
        // On a wasm atomics build std's sleep is `memory.atomic.wait32` with a timeout:
        // a real blocking wait, allowed in workers.
        std::thread::sleep(std::time::Duration::from_secs_f64(us.max(0.0) / 1e6));
    }

    #[cfg(not(feature = "threads"))]
    fn sleep_us(&self, us: f64) {
        // Without atomics there is no blocking wait; spin on the clock instead.
        let end = self.now_us() + us;
        while self.now_us() < end {
            std::hint::spin_loop();
        }
    }
}
