//! The lab's Python in the browser: `runPython` runs a program on the calling worker and
//! returns its output, exit status and trace; in the threaded build `startPython` runs one
//! on the rayon pool and returns a handle to poll and to stop it. Python threads run on
//! the pool's workers, one worker each for as long as the thread lives.
//!
//! Both take the program compiled ahead of time (`lab_python::compile_to_bytes`: by the
//! book's build, or by the compiler module `lab-pyc` for an edited listing) and its source,
//! for tracebacks: this build has no parser.

use crate::platform::epoch_ms;
use crate::to_js;
use lab_python::capture::CaptureHost;
use lab_python::host::Host;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
#[cfg(feature = "threads")]
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
#[cfg(feature = "threads")]
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::prelude::*;

/// Stack of the rayon pool's threads: wasm-bindgen gives each new thread 2 MiB.
#[cfg(feature = "threads")]
const POOL_STACK: usize = 2 << 20;
/// Stack of a worker's first thread (Rust's default for wasm32 is 1 MiB).
const CALLER_STACK: usize = 1 << 20;

/// Python threads (and pool-run programs) occupying a pool thread now.
#[cfg(feature = "threads")]
static ON_POOL: AtomicUsize = AtomicUsize::new(0);

/// Clocks from `performance`, threads on the pool, no output of its own (a
/// [`CaptureHost`] keeps it).
struct BrowserHost {
    start_ms: f64,
    stack: usize,
}

impl BrowserHost {
    fn new(stack: usize) -> BrowserHost {
        BrowserHost {
            start_ms: epoch_ms(),
            stack,
        }
    }
}

/// Take a pool thread for a Python thread, or say why there is none. A thread that has
/// just ended gives its pool thread back a moment later: retry for up to 100 ms first.
#[cfg(feature = "threads")]
fn take_pool_thread() -> Result<(), String> {
    let size = rayon::current_num_threads();
    for _ in 0..50 {
        let taken = ON_POOL.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < size).then_some(n + 1)
        });
        if taken.is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // Queued behind threads that may wait for it, it could never start.
    Err(format!(
        "the lab runs at most {size} Python threads and processes at a time in this browser \
(one worker each, the main thread included), and {size} are running"
    ))
}

/// Run `f` on the pool; the caller has taken a pool thread for it.
#[cfg(feature = "threads")]
fn spawn_taken(f: Box<dyn FnOnce() + Send>) {
    rayon::spawn(move || {
        f();
        ON_POOL.fetch_sub(1, Ordering::AcqRel);
    });
}

impl Host for BrowserHost {
    fn monotonic(&self) -> f64 {
        (epoch_ms() - self.start_ms) / 1000.0
    }

    fn time(&self) -> f64 {
        epoch_ms() / 1000.0
    }

    fn sleep(&self, secs: f64) {
        #[cfg(feature = "threads")]
        {
            // A real blocking wait (`memory.atomic.wait32`), allowed in workers.
            if secs > 0.0 {
                std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            }
        }
        #[cfg(not(feature = "threads"))]
        if secs > 0.0 {
            crate::platform::sleep_without_atomics(secs * 1000.0);
        }
    }

    #[cfg(feature = "threads")]
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), String> {
        take_pool_thread()?;
        spawn_taken(f);
        Ok(())
    }

    #[cfg(not(feature = "threads"))]
    fn spawn(&self, _: Box<dyn FnOnce() + Send>) -> Result<(), String> {
        Err("this page cannot start threads: it is not cross-origin isolated".to_string())
    }

    fn stdout(&self, _: &str) {}

    fn stderr(&self, _: &str) {}

    fn flush(&self) {}

    fn cpu_count(&self) -> usize {
        // The machine's logical CPUs, as `os.cpu_count()` gives natively: not the size of
        // the worker pool, which also holds every Python thread, process and interpreter
        // (`ProcessPoolExecutor()` makes this many processes).
        let global = js_sys::global();
        js_sys::Reflect::get(&global, &"navigator".into())
            .and_then(|nav| js_sys::Reflect::get(&nav, &"hardwareConcurrency".into()))
            .ok()
            .and_then(|n| n.as_f64())
            .map_or(1, |n| (n as usize).max(1))
    }

    fn stack_size(&self) -> usize {
        self.stack
    }
}

/// What a page may ask of a run (every field optional).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PyOptions {
    /// Run without a GIL.
    free_threaded: bool,
    /// The file name tracebacks show (default `main.py`).
    filename: Option<String>,
    /// Bytes of each stream kept (default 1 MiB); the rest is counted.
    output_limit: Option<usize>,
    /// The switch interval at start, in milliseconds (default 5).
    switch_interval_ms: Option<f64>,
    /// `multiprocessing`'s start method: `spawn`, `forkserver` (the default) or `fork`.
    start_method: Option<String>,
}

impl PyOptions {
    /// The interpreter's options.
    fn run_options(&self) -> lab_python::Options {
        lab_python::Options {
            free_threaded: self.free_threaded,
            switch_interval: self.switch_interval_ms.map(|ms| ms / 1000.0),
            start_method: self.start_method.clone(),
        }
    }
}

/// A finished run, as the page gets it (plus `trace`, the object `lab_python::trace`
/// documents).
#[derive(Serialize)]
struct Finished {
    stdout: String,
    stderr: String,
    /// Bytes written past the output limit, not kept.
    stdout_dropped: usize,
    stderr_dropped: usize,
    exit_code: i32,
    stopped: bool,
    wall_ms: f64,
    #[serde(skip)]
    trace: String,
    /// The trace drawn as the lab's timeline chart (SVG).
    timeline: String,
}

/// The trace as the lab's timeline chart: a row per Python thread under its `threading`
/// name (then the child processes' and subinterpreters' threads, under their names), its
/// time running, running with the GIL released, waiting for the GIL, starting up, or
/// blocked (a sleep, lock, queue, join...: never I/O, which the lab's Python does not do).
fn timeline_svg(trace: &lab_python::trace::Trace) -> String {
    use lab::trace::{ModelRun, Span, State};
    let spans = trace
        .lanes
        .iter()
        .enumerate()
        .flat_map(|(i, lane)| {
            lane.spans.iter().map(move |s| Span {
                lane: i as u32,
                task: i as u32,
                state: match s.kind {
                    "running" => State::Running,
                    "gil" => State::WaitingGil,
                    // Computing with the GIL released (hashlib), as a C extension does.
                    "native" => State::Released,
                    // A child process or subinterpreter before its first bytecode.
                    "starting" => State::Starting,
                    _ => State::Blocked,
                },
                start_us: s.start * 1e6,
                end_us: s.end * 1e6,
            })
        })
        .collect();
    let run = ModelRun {
        model: if trace.gil {
            lab::Model::GilThreads
        } else {
            lab::Model::FreeThreads
        },
        threads: trace.lanes.len() as u32,
        wall_ms: trace.wall * 1000.0,
        spans,
        results: Vec::new(),
        gil_handoffs: trace.handoffs,
    };
    let names: Vec<String> = trace.lanes.iter().map(|l| l.name.clone()).collect();
    lab::chart::timeline_named(&run, "The threads of this run", &names)
}

fn options(value: JsValue) -> Result<PyOptions, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(PyOptions::default());
    }
    let opts: PyOptions = serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsError::new(&format!("bad options: {e}")))?;
    opts.run_options()
        .check()
        .map_err(|e| JsError::new(&format!("bad options: {e}")))?;
    Ok(opts)
}

/// The host of one run: output kept up to the options' limit.
fn capture_host(opts: &PyOptions, stack: usize) -> Arc<CaptureHost> {
    let limit = opts
        .output_limit
        .unwrap_or(lab_python::capture::DEFAULT_LIMIT);
    Arc::new(CaptureHost::new(Arc::new(BrowserHost::new(stack)), limit))
}

/// The compiled program, or why its bytes do not load.
fn load(code: &[u8]) -> Result<Arc<lab_python::bytecode::Code>, JsError> {
    lab_python::load_bytes(code)
        .map_err(|e| JsError::new(&format!("the program does not load: {e}")))
}

/// Run `code` (compiled from `source`) to its end on the calling thread.
fn run_here(
    source: &str,
    code: Arc<lab_python::bytecode::Code>,
    opts: &PyOptions,
    host: Arc<CaptureHost>,
    stop: Arc<AtomicBool>,
) -> Finished {
    let filename = opts.filename.as_deref().unwrap_or("main.py");
    let run_opts = opts.run_options();
    // `random` seeds itself from this: std has no clock or process id here.
    lab_python::host::ENTROPY.store(
        (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
        std::sync::atomic::Ordering::Relaxed,
    );
    let t0 = epoch_ms();
    let outcome = lab_python::run_code(host.clone(), filename, source, code, &run_opts, stop);
    let wall_ms = epoch_ms() - t0;
    let (out, err) = (host.take_stdout(), host.take_stderr());
    Finished {
        stdout: out.text,
        stderr: err.text,
        stdout_dropped: out.dropped,
        stderr_dropped: err.dropped,
        exit_code: outcome.exit_code,
        stopped: outcome.stopped,
        wall_ms,
        trace: outcome.trace.to_json(),
        timeline: timeline_svg(&outcome.trace),
    }
}

fn finished_to_js(f: &Finished) -> Result<JsValue, JsError> {
    let value = to_js(f)?;
    let trace = js_sys::JSON::parse(&f.trace).map_err(|_| JsError::new("bad trace"))?;
    js_sys::Reflect::set(&value, &"trace".into(), &trace)
        .map_err(|_| JsError::new("cannot attach the trace"))?;
    Ok(value)
}

/// Runs a compiled Python program (`code`, the bytes of `source`) to its end on the
/// calling worker and returns
/// `{stdout, stderr, stdout_dropped, stderr_dropped, exit_code, stopped, wall_ms, timeline,
/// trace}` (`timeline`: the trace drawn as an SVG chart).
/// `options`: `{freeThreaded, filename, outputLimit, switchIntervalMs, startMethod}`, all
/// optional. Nothing can stop
/// it from outside; use `startPython` for that (threaded build).
///
/// # Errors
/// Options that are not an object of those fields, values a run cannot take (a switch
/// interval that is not positive, an unknown start method), or bytes that are not
/// compiled code of this version.
#[wasm_bindgen(js_name = runPython)]
pub fn run_python(source: &str, code: &[u8], options: JsValue) -> Result<JsValue, JsError> {
    let opts = self::options(options)?;
    let code = load(code)?;
    let host = capture_host(&opts, CALLER_STACK);
    let finished = run_here(source, code, &opts, host, Arc::new(AtomicBool::new(false)));
    finished_to_js(&finished)
}

/// A line of output as `PythonRun::lines` hands it over.
#[cfg(feature = "threads")]
#[derive(Serialize)]
struct LiveLine {
    who: String,
    stream: &'static str,
    text: String,
}

/// A Python program running on the worker pool.
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub struct PythonRun {
    stop: Arc<AtomicBool>,
    done: Arc<Mutex<Option<Finished>>>,
    host: Arc<CaptureHost>,
}

#[cfg(feature = "threads")]
#[wasm_bindgen]
impl PythonRun {
    /// Asks the program to stop: every thread ends with KeyboardInterrupt at its next
    /// step or wait, and the run reports `stopped`.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Standard output so far (the whole of it, up to the output limit).
    pub fn output(&self) -> String {
        self.host.stdout_text()
    }

    /// The completed lines of output from the `from`-th on, each `{who, stream, text}`
    /// (`who`: the thread's `threading` name or the child process's name).
    ///
    /// # Errors
    /// None in practice (a conversion to JS).
    pub fn lines(&self, from: usize) -> Result<JsValue, JsError> {
        let lines: Vec<LiveLine> = self
            .host
            .lines_since(from)
            .into_iter()
            .map(|l| LiveLine {
                who: l.who,
                stream: if l.stderr { "stderr" } else { "stdout" },
                text: l.text,
            })
            .collect();
        to_js(&lines)
    }

    /// `null` while it runs, then the finished run (as `runPython` returns it).
    ///
    /// # Errors
    /// A panic in the interpreter (the instance must not be used again).
    pub fn poll(&self) -> Result<JsValue, JsError> {
        if let Some(msg) = crate::panic_message() {
            return Err(JsError::new(&format!("the run panicked: {msg}")));
        }
        let Ok(done) = self.done.try_lock() else {
            return Ok(JsValue::NULL);
        };
        match &*done {
            Some(f) => finished_to_js(f),
            None => Ok(JsValue::NULL),
        }
    }
}

/// Starts a Python program on the worker pool and returns at once; `poll` the handle for
/// the result, `stop` it to end it. Options as for `runPython`.
///
/// # Errors
/// Bad options, bytes that are not compiled code, or a pool with no thread free.
#[cfg(feature = "threads")]
#[wasm_bindgen(js_name = startPython)]
pub fn start_python(source: String, code: &[u8], options: JsValue) -> Result<PythonRun, JsError> {
    let opts = self::options(options)?;
    let code = load(code)?;
    take_pool_thread().map_err(|e| JsError::new(&e))?;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(Mutex::new(None));
    let host = capture_host(&opts, POOL_STACK);
    let (run_stop, run_done, run_host) = (stop.clone(), done.clone(), host.clone());
    spawn_taken(Box::new(move || {
        let finished = run_here(&source, code, &opts, run_host, run_stop);
        if let Ok(mut d) = run_done.lock() {
            *d = Some(finished);
        }
    }));
    Ok(PythonRun { stop, done, host })
}
