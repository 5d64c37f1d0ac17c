//! Thin WebAssembly bindings over the `lab` core: parameter checks, predictions, charts,
//! and real runs on Web Workers.
//!
//! Built twice: with the `threads` feature (a wasm-bindgen-rayon pool over one shared
//! memory) and without it (one thread, for pages that are not cross-origin isolated and
//! for process workers, which must each have a memory of their own).

#[cfg(all(feature = "threads", not(target_feature = "atomics")))]
compile_error!(
    "the `threads` feature needs a wasm build with +atomics,+bulk-memory,+mutable-globals \
     and -Z build-std; use scripts/build-wasm rather than a bare cargo build"
);

#[allow(
    unreachable_pub,
    reason = "wasm-bindgen exports these to JS (scripts/bench)"
)]
#[cfg(feature = "widgets")]
mod bench;
mod platform;
#[allow(unreachable_pub, reason = "wasm-bindgen exports these to JS")]
#[cfg(feature = "python")]
mod python;
#[cfg(all(feature = "threads", feature = "widgets"))]
#[allow(unreachable_pub, reason = "wasm-bindgen exports these to JS")]
mod threaded;

#[cfg(feature = "widgets")]
use lab::{Experiment, Model, Params};
use serde::Serialize;
#[cfg(feature = "widgets")]
use serde::de::DeserializeOwned;
#[cfg(feature = "widgets")]
use std::collections::BTreeMap;
use std::sync::{Mutex, Once};
use wasm_bindgen::prelude::*;

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// The first panic's message. With `panic=abort` the panicking thread traps and can
/// report nothing itself, but the compute worker can read this (in the threaded build it
/// is in the memory every thread shares).
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Forwards panic messages to the console, so a panic in a worker is not just
/// `RuntimeError: unreachable`, and keeps the first one for `panicMessage`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut slot) = PANIC.try_lock() {
                slot.get_or_insert_with(|| info.to_string());
            }
            previous(info);
        }));
    });
}

/// The message of a panic in this instance, if there was one: a thread trapped, so the
/// instance must not be used again.
#[wasm_bindgen(js_name = panicMessage)]
pub fn panic_message() -> Option<String> {
    PANIC.try_lock().ok().and_then(|p| p.clone())
}

/// True in the threaded build.
#[wasm_bindgen(js_name = isThreaded)]
pub fn is_threaded() -> bool {
    cfg!(feature = "threads")
}

/// Serialises to a plain JS object (maps become objects, not `Map`s).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Reads a value the page sent back (one this module made: parameters, a report, an
/// outcome); `what` names it in the error.
#[cfg(feature = "widgets")]
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("not {what}: {e}")))
}

/// The experiment's defaults with `overrides` (an object of text values) applied.
#[cfg(feature = "widgets")]
pub(crate) fn params_from(
    experiment: &str,
    overrides: JsValue,
) -> Result<(Experiment, Params), JsError> {
    let experiment = Experiment::parse(experiment).map_err(|e| JsError::new(&e.message))?;
    let mut params = experiment.defaults();
    if !overrides.is_undefined() && !overrides.is_null() {
        /// A setting as a page sends it: text from a control or a link, or a number.
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Value {
            Text(String),
            Number(f64),
        }
        let map: BTreeMap<String, Value> =
            serde_wasm_bindgen::from_value(overrides).map_err(|_| {
                JsError::new("settings must be an object whose values are text or numbers")
            })?;
        for (name, value) in map {
            #[cfg(feature = "fault-injection")]
            if Fault::SETTINGS.contains(&name.as_str()) {
                continue; // read by `injected_fault`
            }
            let text = match value {
                Value::Text(t) => t,
                Value::Number(n) => n.to_string(),
            };
            params
                .set(&name, &text)
                .map_err(|e| JsError::new(&e.message))?;
        }
    }
    Ok((experiment, params))
}

/// Tests only (feature `fault-injection`): the fault a run's settings ask for.
#[cfg_attr(not(feature = "fault-injection"), allow(dead_code))]
#[cfg(feature = "widgets")]
pub(crate) enum Fault {
    /// `panic=TEXT`: the run panics with TEXT (the panic hook keeps the message).
    Panic(String),
    /// `trap=…`: the run traps with no panic, as running out of memory or stack does.
    Trap,
}

#[cfg(feature = "widgets")]
impl Fault {
    /// The names of the settings that inject a fault.
    const SETTINGS: [&str; 2] = ["panic", "trap"];

    /// Makes the fault happen on the calling thread.
    pub(crate) fn strike(self) -> ! {
        match self {
            Fault::Panic(message) => panic!("{message}"),
            // On wasm, abort is the `unreachable` instruction: no hook sees it.
            Fault::Trap => std::process::abort(),
        }
    }
}

/// Tests only (feature `fault-injection`): the fault in a run's settings, if any, which
/// the run strikes on the thread that runs it.
#[cfg(feature = "widgets")]
#[cfg(feature = "fault-injection")]
pub(crate) fn injected_fault(params: &JsValue) -> Option<Fault> {
    let setting = |name: &str| js_sys::Reflect::get(params, &name.into()).ok()?.as_string();
    setting("panic")
        .map(Fault::Panic)
        .or_else(|| setting("trap").map(|_| Fault::Trap))
}

/// Without `fault-injection`, no setting can make a run fail.
#[cfg(feature = "widgets")]
#[cfg(not(feature = "fault-injection"))]
pub(crate) fn injected_fault(_: &JsValue) -> Option<Fault> {
    None
}

/// Every execution model's description (id, label, where it runs, what it shares, its
/// lock and its start-up), as the core defines them.
#[cfg(feature = "widgets")]
#[wasm_bindgen]
pub fn models() -> Result<JsValue, JsError> {
    to_js(&Model::ALL.map(Model::info))
}

/// Checks settings and returns the full parameters they make (numbers as numbers,
/// models as an array).
///
/// # Errors
/// An unknown experiment, or a setting that is unknown, malformed or out of range.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = validateParams)]
pub fn validate_params(experiment: &str, overrides: JsValue) -> Result<JsValue, JsError> {
    let (_, params) = params_from(experiment, overrides)?;
    to_js(&params)
}

/// Checks settings and returns what the host must run for them: the experiment's kind
/// of result, its steps (full parameters each) and the pool threads it needs. The
/// fault-injection build's `panic` and `trap` settings are carried into every step.
///
/// # Errors
/// An unknown experiment, or a bad setting.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = planRun)]
pub fn plan_run(experiment: &str, overrides: JsValue) -> Result<JsValue, JsError> {
    let injected: Vec<(String, JsValue)> = if injected_fault(&overrides).is_some() {
        Fault::SETTINGS
            .iter()
            .filter_map(|&name| {
                let value = js_sys::Reflect::get(&overrides, &name.into()).ok()?;
                (!value.is_undefined()).then(|| (name.to_string(), value))
            })
            .collect()
    } else {
        Vec::new()
    };
    let (experiment, params) = params_from(experiment, overrides)?;
    let plan = to_js(&lab::plan::plan(experiment, &params))?;
    if !injected.is_empty() {
        let steps =
            js_sys::Reflect::get(&plan, &"steps".into()).map_err(|_| JsError::new("no steps"))?;
        for step in js_sys::Array::from(&steps).iter() {
            let params = js_sys::Reflect::get(&step, &"params".into())
                .map_err(|_| JsError::new("no params"))?;
            for (name, value) in &injected {
                js_sys::Reflect::set(&params, &name.into(), value)
                    .map_err(|_| JsError::new("cannot inject"))?;
            }
        }
    }
    Ok(plan)
}

/// Draws an outcome (the steps run so far, as `{experiment, steps: [{x, report}], costs}`):
/// `{html, rows}`.
///
/// # Errors
/// A value that is not an outcome, or one with nothing to draw.
#[cfg(feature = "widgets")]
#[wasm_bindgen]
pub fn render(outcome: JsValue) -> Result<JsValue, JsError> {
    let outcome: lab::present::Outcome = from_js(outcome, "an outcome")?;
    to_js(&lab::present::figure(&outcome).map_err(|e| JsError::new(&e))?)
}

/// Runs the shared-counter race (every method) with a step's parameters and draws it.
/// In the threaded build this blocks the calling worker until the threads finish; it is
/// quick.
///
/// # Errors
/// Bad parameters, or a single-threaded build asked for more than one thread.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = runCounter)]
pub fn run_counter(params: JsValue) -> Result<JsValue, JsError> {
    let params: Params = from_js(params, "parameters")?;
    if params.threads > 1 && !cfg!(feature = "threads") {
        return Err(JsError::new(
            "the counter race needs threads, which this page cannot use: it is not cross-origin isolated",
        ));
    }
    #[cfg(feature = "threads")]
    if rayon::current_num_threads() < params.threads as usize {
        return Err(JsError::new(&format!(
            "the worker pool has {} threads but this run needs {}",
            rayon::current_num_threads(),
            params.threads
        )));
    }
    let result = lab::counter::run_counter(&platform::BrowserPlatform, &params);
    #[derive(Serialize)]
    struct Counted {
        #[serde(flatten)]
        figure: lab::present::Figure,
        expected: u64,
    }
    to_js(&Counted {
        figure: lab::present::counter_figure(&result),
        expected: result.expected,
    })
}

/// Runs one task inside a process worker (its own instance and memory) and returns its
/// result with its spans and work times on the shared clock, in microseconds.
///
/// # Errors
/// Bad parameters.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = runProcessTask)]
pub fn run_process_task(params: JsValue, task: u32) -> Result<JsValue, JsError> {
    let params: Params = from_js(params, "parameters")?;
    to_js(&lab::models::processes::run_in_process(
        &platform::BrowserPlatform,
        &params,
        task,
    ))
}

/// Builds the processes model's run from what the host measured in each worker.
///
/// # Errors
/// Values that are not parameters or per-task records.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = assembleProcesses)]
pub fn assemble_processes(params: JsValue, tasks: JsValue) -> Result<JsValue, JsError> {
    let params: Params = from_js(params, "parameters")?;
    let tasks: Vec<lab::models::processes::ProcessTask> = from_js(tasks, "process records")?;
    to_js(&lab::models::processes::assemble_processes(&params, tasks))
}

/// Runs one model of a step's parameters on the calling thread and returns its run.
/// This is the single-threaded build's way to run (sequential and asyncio); the
/// threaded build streams progress with `startRun` instead.
///
/// # Errors
/// Bad parameters, or a model that cannot run here: processes (on workers of their
/// own), or a model that needs the pool in the single-threaded build.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = runBlocking)]
pub fn run_blocking(params: JsValue, model: &str) -> Result<JsValue, JsError> {
    let injected = injected_fault(&params);
    let params: Params = from_js(params, "parameters")?;
    let model = runnable_here(model)?;
    if let Some(fault) = injected {
        fault.strike();
    }
    to_js(&lab::run::run_model(
        &platform::BrowserPlatform,
        &params,
        model,
        &|_| {},
    ))
}

/// The model named `id`, if this build can run it in memory.
#[cfg(feature = "widgets")]
pub(crate) fn runnable_here(id: &str) -> Result<Model, JsError> {
    let model = Model::parse(id).map_err(|e| JsError::new(&e.message))?;
    match model.info().host {
        lab::model::Host::Workers => Err(JsError::new(&format!(
            "{} run on workers of their own, not here",
            model.label()
        ))),
        lab::model::Host::Pool if !cfg!(feature = "threads") => Err(JsError::new(&format!(
            "{} needs threads, which this page cannot use: it is not cross-origin isolated",
            model.label()
        ))),
        lab::model::Host::Pool | lab::model::Host::Caller => Ok(model),
    }
}

/// What only a run can measure for the comparison table: the event loop's switch cost,
/// the size of one coroutine's state, and the size of one interpreter's own state.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = measureLoopCosts)]
pub fn measure_loop_costs() -> Result<JsValue, JsError> {
    let platform = platform::BrowserPlatform;
    let params = Params {
        workload: lab::Workload::Io,
        tasks: 2,
        wait_ms: 0.0,
        ..Params::default()
    };
    let (_, stats) = lab::models::asyncio::run_asyncio_with_stats(&platform, &params, &|_| {});
    let interp = lab::models::interpreters::Interp::new(&Params::default());
    to_js(&lab::compare::Costs {
        loop_switch_us: Some(lab::models::asyncio::switch_cost_us(&platform, 100, 100)),
        coroutine_bytes: Some(stats.task_bytes as f64),
        thread_bytes: None,
        process_bytes: None,
        interpreter_bytes: Some(interp.state_bytes() as f64),
    })
}

/// The summing loop's latest timings in this instance, in nanoseconds an iteration, oldest
/// first. A prediction uses their median: one timing swings with the moment (the page
/// redrawing as a run starts, a collection, the browser's own threads), and the fastest
/// ever seen sits below what most runs take (in headless Chromium on 2 cores, the same
/// sequential run measured 85-115 ms, median 96, thirty times in a row).
#[cfg(feature = "widgets")]
static RECENT_LOOP_NS: Mutex<Vec<f64>> = Mutex::new(Vec::new());

/// How many timings the median is taken over: those made just before and just after a
/// run, and some of the run before.
#[cfg(feature = "widgets")]
const RECENT_LOOP_SAMPLES: usize = 12;

/// Times the summing loop three times and keeps the timings for `calibrate`: called just
/// before a run, so that the machine's speed is known from both sides of it (never from the
/// run's own timings).
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = sampleLoopSpeed)]
pub fn sample_loop_speed() -> f64 {
    let samples = lab::predict::loop_samples_ns(&platform::BrowserPlatform, 3);
    let Ok(mut recent) = RECENT_LOOP_NS.lock() else {
        return f64::NAN;
    };
    keep_latest(&mut recent, samples);
    lab::stats::median(recent.clone()).unwrap_or(f64::NAN)
}

/// Appends `samples` to `recent` and keeps the latest `RECENT_LOOP_SAMPLES` of them.
#[cfg(feature = "widgets")]
fn keep_latest(recent: &mut Vec<f64>, samples: impl IntoIterator<Item = f64>) {
    recent.extend(samples);
    let excess = recent.len().saturating_sub(RECENT_LOOP_SAMPLES);
    recent.drain(..excess);
}

/// The loop timings kept for `calibrate`, oldest first: the page hands them to the worker
/// of the tab's next page (see `restoreLoopSamples`).
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = loopSamples)]
pub fn loop_samples() -> Vec<f64> {
    RECENT_LOOP_NS.lock().map(|r| r.clone()).unwrap_or_default()
}

/// Starts this instance's kept loop timings from `samples` (oldest first, as `loopSamples`
/// gave them on an earlier page of the tab): the first run of a page is then predicted from
/// more than its own three timings. Figures that are not positive and finite are dropped.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = restoreLoopSamples)]
pub fn restore_loop_samples(samples: Vec<f64>) {
    let Ok(mut recent) = RECENT_LOOP_NS.lock() else {
        return;
    };
    recent.clear();
    keep_latest(
        &mut recent,
        samples.into_iter().filter(|x| x.is_finite() && *x > 0.0),
    );
}

/// This machine for predictions: the interpreter's speed (three timings of a short loop
/// made now, with the median of this instance's latest, see `sampleLoopSpeed`), `cores` as
/// the page reports them, and how long a process took to start by each start method in an
/// earlier run, if one was measured: the median start in microseconds and how many started
/// at once (`0` keeps the default).
#[cfg(feature = "widgets")]
#[wasm_bindgen]
pub fn calibrate(
    cores: u32,
    spawn_us: f64,
    spawn_together: u32,
    forkserver_us: f64,
    forkserver_together: u32,
) -> Result<JsValue, JsError> {
    let mut machine = lab::predict::Machine::default().with_loop_ns(cores, sample_loop_speed());
    let measured = |us: f64| us.is_finite() && us > 0.0;
    if measured(spawn_us) {
        machine.process_start_us = machine.start_work_us(spawn_us, spawn_together);
    }
    if measured(forkserver_us) {
        machine.forkserver_start_us = machine.start_work_us(forkserver_us, forkserver_together);
    }
    to_js(&machine)
}

/// Predicts an experiment on `machine` (as `calibrate` returns it) and renders the
/// measured report beside it.
///
/// # Errors
/// Values that are not a report or a machine.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = predictBeside)]
pub fn predict_beside(measured: JsValue, machine: JsValue) -> Result<JsValue, JsError> {
    let measured: lab::Report = from_js(measured, "a report")?;
    let machine: lab::predict::Machine = from_js(machine, "a machine")?;
    let predicted = lab::predict::predict(measured.experiment, &measured.params, &machine);
    #[derive(Serialize)]
    struct Beside {
        table: String,
        predicted_ms: Vec<f64>,
    }
    to_js(&Beside {
        table: lab::chart::measured_vs_predicted(&measured, &predicted),
        predicted_ms: predicted.runs.iter().map(|r| r.wall_ms).collect(),
    })
}

/// Runs the interpreter until its speed settles (or `max_ms` passes), and returns how
/// long that took. A fresh module runs on the browser's baseline compiler, several times
/// slower than the optimised code it tiers up to; without this, the first model of the
/// first run (the sequential baseline) would be measured slow and every speedup inflated.
#[cfg(feature = "widgets")]
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up(max_ms: f64) -> f64 {
    use lab::Platform as _;
    let platform = platform::BrowserPlatform;
    let t0 = platform.now_us();
    let mut params = lab::Experiment::GilCpu.defaults();
    params.tasks = 1;
    params.threads = 1;
    params.n = 100_000;
    let mut models = vec![lab::Model::Sequential];
    if cfg!(feature = "threads") {
        // The GIL's eval loop is compiled separately (another eval breaker): warm it too.
        models.push(lab::Model::GilThreads);
    }
    let mut last: Vec<f64> = Vec::new();
    while platform.now_us() - t0 < max_ms * 1000.0 {
        let mut chunk = 0.0;
        for &m in &models {
            chunk += lab::run::run_model(&platform, &params, m, &|_| {}).wall_ms;
        }
        last.push(chunk);
        let n = last.len();
        // Settled: three chunks in a row within 5% of each other.
        if n >= 4 {
            let tail = &last[n - 3..];
            let (lo, hi) = tail.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
            if hi <= lo * 1.05 {
                break;
            }
        }
    }
    (platform.now_us() - t0) / 1000.0
}
