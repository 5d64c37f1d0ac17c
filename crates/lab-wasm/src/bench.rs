//! Entry points for `scripts/bench`: each runs one kernel or mechanism in the calling
//! worker and returns what it measured, timed with `performance.now()` in that worker.
//!
//! The native counterpart is `crates/lab/examples/bench_native.rs`; both call the same
//! core functions with the same sizes, so their figures can be compared one to one.

use crate::platform::{BrowserPlatform, epoch_ms};
use wasm_bindgen::prelude::*;

/// A count from JS (a number) as a `u64`, refusing what is not a whole number >= 1.
fn count(name: &str, n: f64) -> Result<u64, JsError> {
    if n.is_finite() && n >= 1.0 && n.fract() == 0.0 && n <= 9.0e15 {
        Ok(n as u64)
    } else {
        Err(JsError::new(&format!(
            "{name} must be a whole number >= 1, not {n}"
        )))
    }
}

/// Milliseconds `f` takes, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = epoch_ms();
    let out = f();
    (epoch_ms() - start, out)
}

/// Fails when a kernel's sum is wrong: a fast wrong answer is not a measurement.
fn check(what: &str, got: u64, want: u64) -> Result<(), JsError> {
    if got == want {
        Ok(())
    } else {
        Err(JsError::new(&format!("{what}: sum {got}, expected {want}")))
    }
}

/// Milliseconds the plain Rust kernel (`sum_native`) takes to sum `0..n` on this thread.
///
/// # Errors
/// A bad `n`, or a wrong sum.
#[wasm_bindgen(js_name = benchKernel)]
pub fn bench_kernel(n: f64) -> Result<f64, JsError> {
    let n = count("n", n)?;
    let (ms, sum) = timed(|| lab::vm::sum_native(0, n));
    check("sum_native", sum, lab::vm::sum_exact(0, n))?;
    Ok(ms)
}

/// Milliseconds the bytecode interpreter takes to run `sum_loop(0, n)` on this thread,
/// with no GIL (the eval breaker asks for nothing).
///
/// # Errors
/// A bad `n`, or a wrong sum.
#[wasm_bindgen(js_name = benchInterpreter)]
pub fn bench_interpreter(n: f64) -> Result<f64, JsError> {
    let n = count("n", n)?;
    let code = lab::vm::sum_loop(0, n);
    let (ms, sum) = timed(|| lab::vm::eval(&code, &mut lab::vm::NoBreaker));
    check("eval(sum_loop)", sum, lab::vm::sum_exact(0, n))?;
    Ok(ms)
}

/// Milliseconds `sum_parallel(n, chunks)` takes on the rayon pool (every thread of it).
///
/// # Errors
/// A bad `n` or `chunks`, or a wrong sum.
#[cfg(feature = "threads")]
#[wasm_bindgen(js_name = benchParallel)]
pub fn bench_parallel(n: f64, chunks: f64) -> Result<f64, JsError> {
    let (n, chunks) = (count("n", n)?, count("chunks", chunks)?);
    let (ms, sum) = timed(|| lab::vm::sum_parallel(n, chunks));
    check("sum_parallel", sum, lab::vm::sum_exact(0, n))?;
    Ok(ms)
}

/// Runs `threads` CPU-bound threads (one task of `n` iterations each) under the GIL
/// with a switch interval of `switch_ms`, blocking this worker, and returns the
/// hand-off figures: `{wall_ms, handoffs, waiting_gil_ms, waiting_per_handoff_us,
/// gap_median_us, gap_mean_us}`.
///
/// # Errors
/// Bad sizes, a pool smaller than `threads`, or a wrong result.
#[cfg(feature = "threads")]
#[wasm_bindgen(js_name = benchGil)]
pub fn bench_gil(threads: f64, n: f64, switch_ms: f64) -> Result<JsValue, JsError> {
    let threads = count("threads", threads)? as u32;
    let mut params = lab::Params {
        workload: lab::Workload::Cpu,
        tasks: threads,
        threads,
        n: count("n", n)?,
        models: vec![lab::Model::GilThreads],
        ..lab::Params::default()
    };
    params
        .set("switch_ms", &switch_ms.to_string())
        .map_err(|e| JsError::new(&e.message))?;
    if rayon::current_num_threads() < threads as usize {
        return Err(JsError::new("the pool has fewer threads than the run"));
    }
    let run = lab::run::run_model(&BrowserPlatform, &params, lab::Model::GilThreads, &|_| {});
    if run.results != lab::task::expected_results(&params) {
        return Err(JsError::new("a GIL thread's sum is wrong"));
    }
    crate::to_js(&lab::models::gil::gil_figures(&run))
}

/// Runs `tasks` coroutines on the core's asyncio executor, each awaiting `awaits` times,
/// on this thread; `timer` makes every await a zero-length `sleep` through the loop's
/// timer queue (as the asyncio model's waits are) instead of a bare yield.
///
/// # Errors
/// Bad sizes.
#[wasm_bindgen(js_name = benchEventLoop)]
pub fn bench_event_loop(tasks: f64, awaits: f64, timer: bool) -> Result<JsValue, JsError> {
    let (tasks, awaits) = (count("tasks", tasks)?, count("awaits", awaits)?);
    crate::to_js(&lab::models::asyncio::switch_figures(
        &BrowserPlatform,
        tasks,
        awaits,
        timer,
    ))
}

/// Microseconds one new interpreter takes to build its own state (its lock, namespace
/// and compiled code): `reps` starts on the calling thread, timed together (one start
/// is shorter than the browser clock's 5 µs tick).
#[wasm_bindgen(js_name = benchInterpreterStart)]
pub fn bench_interpreter_start(reps: u32) -> f64 {
    use lab::Platform as _;
    let platform = BrowserPlatform;
    let params = lab::Params::default();
    let reps = reps.max(1);
    let t = platform.now_us();
    for _ in 0..reps {
        std::hint::black_box(lab::models::interpreters::Interp::new(&params));
    }
    (platform.now_us() - t) / f64::from(reps)
}
