//! The lab's Python: a Python interpreter for teaching concurrency, whose threads are real
//! threads under a real GIL (or none, free-threaded).
//!
//! Pipeline: `parse` (Ruff's parser) -> `compile` (AST to [`bytecode`]) -> [`vm`] (frames
//! and the evaluation loop) over [`objects`], with [`builtins`] and [`modules`]. The machine
//! is reached through [`host::Host`]; the [`gil`] decides which thread runs bytecode.
//!
//! The first two steps need the `parser` feature (on by default). [`marshal`] turns
//! compiled code into bytes and back: without the feature the crate is a runtime that runs
//! code compiled ahead of time ([`load_bytes`], [`run_code`]).

// Style lints that would only reshape working code; correctness lints stay on.
#![allow(
    clippy::collapsible_if,
    clippy::new_without_default,
    clippy::len_without_is_empty,
    clippy::only_used_in_recursion
)]

pub mod builtins;
pub mod bytecode;
pub mod capture;
#[cfg(feature = "parser")]
pub mod compile;
pub mod gil;
pub mod host;
pub mod limits;
pub mod marshal;
pub mod modules;
mod numlit;
pub mod objects;
#[cfg(feature = "parser")]
pub mod parse;
pub mod protocols;
pub mod stop;
#[cfg(feature = "parser")]
mod symtable;
pub mod trace;
pub mod vm;

use objects::{Dict, Value, lock};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use vm::{Runtime, Vm};

/// How to run a program.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Run without a GIL (like `python3.13t`).
    pub free_threaded: bool,
    /// The switch interval in seconds at start (`sys.getswitchinterval()`; `None`: 5 ms,
    /// CPython's default).
    pub switch_interval: Option<f64>,
    /// `multiprocessing`'s default start method (`"spawn"`, `"forkserver"` or `"fork"`;
    /// `None`: [`DEFAULT_START_METHOD`]).
    pub start_method: Option<String>,
}

/// The start method of processes unless told otherwise: `forkserver`, as CPython 3.14 on
/// Linux.
pub const DEFAULT_START_METHOD: &str = "forkserver";

/// The start methods `multiprocessing` knows.
pub const START_METHODS: [&str; 3] = ["spawn", "forkserver", "fork"];

impl Options {
    /// Options whose values a run can take.
    ///
    /// # Errors
    /// A switch interval that is not a positive number of seconds, or an unknown start
    /// method, named.
    pub fn check(&self) -> Result<(), String> {
        if let Some(s) = self.switch_interval
            && !(s > 0.0 && s.is_finite())
        {
            return Err(format!(
                "the switch interval must be a positive number of seconds, not {s}"
            ));
        }
        if let Some(m) = &self.start_method
            && !START_METHODS.contains(&m.as_str())
        {
            return Err(format!(
                "unknown start method {m:?} (one of: spawn, forkserver, fork)"
            ));
        }
        Ok(())
    }
}

/// Compile a module to the bytes [`load_bytes`] reads (see [`marshal`]).
///
/// # Errors
/// A syntax error or an unsupported construct.
#[cfg(feature = "parser")]
pub fn compile_to_bytes(source: &str, filename: &str) -> Result<Vec<u8>, parse::SourceError> {
    parse::compile_source(source, filename).map(|code| marshal::dump(&code))
}

/// Read a module that [`compile_to_bytes`] compiled.
///
/// # Errors
/// Bytes of another format version, damaged or cut short.
pub fn load_bytes(bytes: &[u8]) -> Result<Arc<bytecode::Code>, marshal::LoadError> {
    marshal::load(bytes)
}

/// Run a program to its end on `host`; returns the process exit status (0, or 1 after an
/// uncaught exception, which is printed on stderr as CPython prints it).
///
/// Python calls nest on the calling thread's stack: call this from a thread with a stack of
/// [`host::THREAD_STACK`] bytes (as `labpy` does) so that the recursion limit, not the
/// stack, ends deep recursion. Threads the program starts get that stack from the host.
#[cfg(feature = "parser")]
pub fn run_source(host: Arc<dyn host::Host>, filename: &str, source: &str, opts: &Options) -> i32 {
    run(
        host,
        filename,
        source,
        opts,
        Arc::new(AtomicBool::new(false)),
    )
    .exit_code
}

/// How a run ended.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The exit status: 0, 1 after an uncaught exception, 130 when stopped (as a shell
    /// reports a program ended by Ctrl-C), or the program's `sys.exit` status.
    pub exit_code: i32,
    /// The host stopped the run.
    pub stopped: bool,
    /// What each thread did when, and the output (empty if the program did not compile).
    pub trace: trace::Trace,
}

/// Run a program like [`run_source`], until it ends or the host sets `stop` (from any
/// thread). Stopped, every Python thread raises `KeyboardInterrupt` at once (see [`stop`]);
/// the main thread's traceback is printed as CPython prints Ctrl-C's.
///
/// When this returns, no thread of the program runs any more: daemon threads still
/// running when the main thread ends are stopped too (CPython kills them at exit), which
/// sets `stop`. A flag is for one run.
#[cfg(feature = "parser")]
pub fn run(
    host: Arc<dyn host::Host>,
    filename: &str,
    source: &str,
    opts: &Options,
    stop: Arc<AtomicBool>,
) -> RunOutcome {
    match parse::compile_source(source, filename) {
        Ok(code) => run_code(host, filename, source, code, opts, stop),
        Err(e) => {
            host.stderr(&e.report(filename));
            host.flush();
            RunOutcome {
                exit_code: 1,
                stopped: false,
                trace: trace::Trace::default(),
            }
        }
    }
}

/// Run a compiled program like [`run`]. `source` is the text it was compiled from: its
/// lines appear in tracebacks (an empty one leaves them out).
pub fn run_code(
    host: Arc<dyn host::Host>,
    filename: &str,
    source: &str,
    code: Arc<bytecode::Code>,
    opts: &Options,
    stop: Arc<AtomicBool>,
) -> RunOutcome {
    let rt = Runtime::with_stop(host.clone(), !opts.free_threaded, stop);
    if let Some(s) = opts.switch_interval.filter(|s| *s > 0.0 && s.is_finite()) {
        rt.gil.set_interval(s);
    }
    if let Some(m) = opts
        .start_method
        .as_deref()
        .filter(|m| START_METHODS.contains(m))
    {
        *lock(&rt.start_method) = m.to_string();
    }
    lock(&rt.sources).insert(filename.to_string(), Arc::from(source));
    // A spawned process and an interpreter run the main module again: from this code.
    lock(&rt.compiled).insert(filename.to_string(), code.clone());
    let mut vm = Vm::new(rt.clone());
    vm.enter_thread();
    vm.gil_acquire();
    let globals = Arc::new(Dict::new());
    globals.set_str("__name__", Value::str("__main__"));
    globals.set_str("__file__", Value::str(filename));
    // Registered so that pickling finds the main module's functions by name.
    lock(&rt.modules).insert(
        "__main__".to_string(),
        Value::Module(Arc::new(objects::Module {
            name: Arc::from("__main__"),
            dict: globals.clone(),
        })),
    );
    // A bug in the interpreter is reported as an error, never as a crash of the host.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        vm.run_module(code, globals.clone())
    }));
    let mut status = match result {
        Ok(Ok(_)) => 0,
        Ok(Err(e)) => report(&mut vm, &e),
        Err(p) => {
            host.stderr(&format!(
                "SystemError: internal error of the lab's Python: {}\n",
                panic_message(&p)
            ));
            1
        }
    };
    // Wait for non-daemon threads, as the interpreter does at exit (a stopped run's
    // threads are ending already).
    let threading = lock(&rt.modules).get("threading").cloned();
    if let Some(t) = threading.filter(|_| !rt.stopping()) {
        if let Err(e) = vm.call_method(&t, "_shutdown", Vec::new(), Vec::new()) {
            status = report(&mut vm, &e);
        }
    }
    let stopped = rt.stop.swap(true, std::sync::atomic::Ordering::AcqRel);
    if stopped && status == 1 {
        status = 130;
    }
    // Daemon threads (or, stopped, all threads) see the flag and end: wait for them.
    let waiter = rt.clone();
    vm.allow_threads(|| {
        while waiter.threads.load(std::sync::atomic::Ordering::Acquire) != 0 {
            waiter.host.sleep(stop::SLICE / 5.0);
        }
    });
    teardown(&rt, &globals);
    modules::process::end_of_run(&rt);
    vm.finish_lane();
    rt.gil.release();
    host.flush();
    RunOutcome {
        exit_code: status,
        stopped,
        trace: rt.trace.finish(&*host, rt.gil.enabled(), rt.gil.handoffs()),
    }
}

/// The end of a run (see [`Runtime::teardown`]); the main module's namespace too, in
/// case the program replaced `sys.modules['__main__']`.
fn teardown(rt: &Runtime, main: &Arc<Dict>) {
    if rt.threads.load(std::sync::atomic::Ordering::Acquire) != 0 {
        return;
    }
    rt.teardown();
    let held = std::mem::take(&mut *lock(&main.map));
    drop(held);
}

/// The message of a caught panic.
pub fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown".to_string()
    }
}

fn report(vm: &mut Vm, e: &vm::PyErr) -> i32 {
    if e.is("SystemExit") {
        let code = match &e.exc {
            Value::Instance(i) => match lock(&i.dict).get("args") {
                Some(Value::Tuple(t)) => t.first().cloned().unwrap_or(Value::None),
                _ => Value::None,
            },
            _ => Value::None,
        };
        return match code {
            Value::None => 0,
            Value::Int(i) => i as i32,
            other => {
                let s = vm.to_str(&other).unwrap_or_default();
                vm.rt.host.stderr(&format!("{s}\n"));
                1
            }
        };
    }
    let tb = vm.format_traceback(e);
    vm.rt.host.stderr(&tb);
    1
}
