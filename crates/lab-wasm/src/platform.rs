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
        sleep_without_atomics(us / 1000.0);
    }
}

/// Sleeps `ms` milliseconds in a build without atomics, which has no blocking wait of its
/// own. A worker of a cross-origin isolated page (a process: the processes model's, or a
/// child of the lab's Python) blocks on a word of its own SharedArrayBuffer, using no core
/// while it waits, as a sleeping process does; it wakes a little early and spins the rest,
/// since a timed wait may overshoot. Elsewhere (a page that is not isolated) it spins on
/// the clock all along. Measured on `conclusion.html`'s bursts in headless Chromium on 2
/// cores: four processes that alternate work and waits finished in 107-130 ms where they
/// took 144-181 ms while their waits spun.
#[cfg(not(feature = "threads"))]
pub(crate) fn sleep_without_atomics(ms: f64) {
    const SPIN_MS: f64 = 0.3;
    let end = epoch_ms() + ms;
    if ms > SPIN_MS {
        WAIT_WORD.with(|word| {
            if let Some(word) = word {
                // Nobody ever notifies this word: the wait ends by its timeout.
                let _ = js_sys::Atomics::wait_with_timeout(word, 0, 0, ms - SPIN_MS);
            }
        });
    }
    while epoch_ms() < end {
        std::hint::spin_loop();
    }
}

#[cfg(not(feature = "threads"))]
thread_local! {
    /// The word a single-threaded instance blocks on to sleep (`sleep_without_atomics`), where
    /// blocking is allowed: a worker (no `document`) of a cross-origin isolated page whose
    /// browser has SharedArrayBuffer (WebKitGTK reports isolation but has none).
    static WAIT_WORD: Option<js_sys::Int32Array> = {
        let global = js_sys::global();
        let get = |name: &str| js_sys::Reflect::get(&global, &JsValue::from_str(name)).ok();
        let isolated = get("crossOriginIsolated").and_then(|v| v.as_bool()) == Some(true);
        let in_worker = get("document").is_some_and(|d| d.is_undefined());
        let shared = get("SharedArrayBuffer").is_some_and(|c| c.is_function());
        (isolated && in_worker && shared)
            .then(|| js_sys::Int32Array::new(&js_sys::SharedArrayBuffer::new(4)))
    };
}
