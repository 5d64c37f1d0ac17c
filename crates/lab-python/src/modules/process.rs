//! `_lab_process`: processes and subinterpreters as the lab models them. A process is a
//! separate [`Runtime`] (its own heap, GIL and modules) on its own host thread, in the same OS
//! process; nothing is shared: values cross as pickled bytes. Queues, shared values and
//! process locks are the exceptions, as pipes and shared memory are for real processes.
//! `multiprocessing.py` and `interpreters.py` build the Python API on top.

use super::add;
use super::pickle::{ForkCopy, Pickled, dumps, loads};
use crate::builtins::{arg, kw};
use crate::host::Host;
use crate::objects::{Dict, Module, NativeObject, Value, lock};
use crate::vm::{Kwargs, PyResult, Runtime, Vm, err};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

/// Objects that cross between runtimes as handles instead of copies.
pub(crate) fn shareable(n: &Arc<dyn NativeObject>) -> bool {
    let a = n.as_any();
    a.is::<Channel>() || a.is::<SharedValue>() || a.is::<SemLock>() || a.is::<Pickled>()
}

/// The pickling policy while starting a process: its objects are inherited.
fn spawning(n: &Arc<dyn NativeObject>) -> Result<bool, String> {
    Ok(shareable(n))
}

/// The pickling policy of messages (queues, pool tasks): process objects cannot travel in
/// them, as in CPython; subinterpreter queues can.
fn message(n: &Arc<dyn NativeObject>) -> Result<bool, String> {
    let a = n.as_any();
    let kind = if a.downcast_ref::<Channel>().is_some_and(|c| !c.interp) {
        "Queue"
    } else if a.is::<SharedValue>() {
        "Synchronized"
    } else if let Some(l) = a.downcast_ref::<SemLock>() {
        l.kind
    } else {
        return Ok(shareable(n));
    };
    Err(format!(
        "{kind} objects should only be shared between processes through inheritance"
    ))
}

/// Waits on `cv` until notified or `deadline` (seconds on the runtime's host clock: std
/// has no clock in the browser), at most [`crate::stop::SLICE`] at a time so that a stop
/// is seen; returns the guard and whether the wait is over without a notification (the
/// deadline passed, or the run is stopping: the caller then checks [`Runtime::stopping`]).
fn wait_on<'a, T>(
    rt: &Runtime,
    cv: &Condvar,
    g: std::sync::MutexGuard<'a, T>,
    deadline: Option<f64>,
) -> (std::sync::MutexGuard<'a, T>, bool) {
    if rt.stopping() {
        return (g, true);
    }
    let left = match deadline {
        Some(d) => {
            let left = d - rt.host.monotonic();
            if left <= 0.0 {
                return (g, true);
            }
            left
        }
        None => f64::INFINITY,
    };
    let slice = Duration::from_secs_f64(left.min(crate::stop::SLICE));
    match cv.wait_timeout(g, slice) {
        Ok((g, _)) => (g, false),
        Err(p) => (p.into_inner().0, false),
    }
}

fn deadline_of(vm: &Vm, block: bool, timeout: Option<&Value>) -> PyResult<Option<f64>> {
    let now = vm.rt.host.monotonic();
    if !block {
        return Ok(Some(now));
    }
    match timeout {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            let secs = crate::objects::int::to_f64(v)?.unwrap_or(0.0).max(0.0);
            Ok(Some(now + secs))
        }
    }
}

fn block_timeout(
    vm: &mut Vm,
    a: &[Value],
    k: &Kwargs,
    first: usize,
) -> PyResult<(bool, Option<Value>)> {
    let block = match a.get(first).or_else(|| kw(k, "block")) {
        Some(v) => vm.truthy(v)?,
        None => true,
    };
    Ok((
        block,
        a.get(first + 1).or_else(|| kw(k, "timeout")).cloned(),
    ))
}

/// Raise an exception class defined in Python (`queue.Empty`), importing its module.
fn raise_py(vm: &mut Vm, module: &str, class: &str) -> Box<crate::vm::PyErr> {
    let made = crate::modules::import(vm, module)
        .and_then(|m| vm.get_attr(&m, class))
        .and_then(|c| vm.call(&c, Vec::new(), Vec::new()));
    match made {
        Ok(exc) => Box::new(crate::vm::PyErr {
            exc,
            tb: Vec::new(),
        }),
        Err(e) => e,
    }
}

/// A queue between runtimes: pickled items behind a lock (a pipe, for real processes).
pub(crate) struct Channel {
    items: Mutex<VecDeque<Pickled>>,
    cv: Condvar,
    maxsize: usize,
    /// `true` for `concurrent.interpreters` queues (their own Empty/Full exceptions).
    interp: bool,
    id: i64,
}

impl Channel {
    fn put(&self, vm: &mut Vm, item: Pickled, deadline: Option<f64>) -> PyResult<()> {
        let rt = vm.rt.clone();
        let ok = vm.allow_threads(|| {
            let mut q = lock(&self.items);
            loop {
                if self.maxsize == 0 || q.len() < self.maxsize {
                    q.push_back(item);
                    self.cv.notify_all();
                    return true;
                }
                let (g, expired) = wait_on(&rt, &self.cv, q, deadline);
                q = g;
                if expired {
                    return false;
                }
            }
        });
        if ok {
            Ok(())
        } else if vm.rt.stopping() {
            Err(crate::stop::stop_error())
        } else if self.interp {
            Err(raise_py(vm, "concurrent.interpreters", "QueueFull"))
        } else {
            Err(raise_py(vm, "queue", "Full"))
        }
    }

    fn get(&self, vm: &mut Vm, deadline: Option<f64>) -> PyResult<Value> {
        let rt = vm.rt.clone();
        let item = vm.allow_threads(|| {
            let mut q = lock(&self.items);
            loop {
                if let Some(p) = q.pop_front() {
                    self.cv.notify_all();
                    return Some(p);
                }
                let (g, expired) = wait_on(&rt, &self.cv, q, deadline);
                q = g;
                if expired {
                    return None;
                }
            }
        });
        match item {
            Some(p) => loads(vm, &p, None),
            None if vm.rt.stopping() => Err(crate::stop::stop_error()),
            None if self.interp => Err(raise_py(vm, "concurrent.interpreters", "QueueEmpty")),
            None => Err(raise_py(vm, "queue", "Empty")),
        }
    }
}

impl NativeObject for Channel {
    fn type_name(&self) -> &'static str {
        if self.interp {
            "Queue"
        } else {
            "multiprocessing.Queue"
        }
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
        match name {
            "put" | "put_nowait" => {
                let obj = arg(&a, 0, "put")?;
                let (block, timeout) = if name == "put" {
                    block_timeout(vm, &a, &k, 1)?
                } else {
                    (false, None)
                };
                let deadline = deadline_of(vm, block, timeout.as_ref())?;
                let p = dumps(vm, obj, &message)?;
                self.put(vm, p, deadline)?;
                Ok(Value::None)
            }
            "get" | "get_nowait" => {
                let (block, timeout) = if name == "get" {
                    block_timeout(vm, &a, &k, 0)?
                } else {
                    (false, None)
                };
                let deadline = deadline_of(vm, block, timeout.as_ref())?;
                self.get(vm, deadline)
            }
            "empty" => Ok(Value::Bool(lock(&self.items).is_empty())),
            "full" => Ok(Value::Bool(
                self.maxsize > 0 && lock(&self.items).len() >= self.maxsize,
            )),
            "qsize" => Ok(Value::Int(lock(&self.items).len() as i64)),
            "close" | "join_thread" | "cancel_join_thread" => Ok(Value::None),
            "__repr__" => Ok(Value::str(&if self.interp {
                format!("concurrent.interpreters.Queue({})", self.id)
            } else {
                format!(
                    "<multiprocessing.queues.Queue object at 0x{:x}>",
                    self as *const _ as usize
                )
            })),
            _ => Err(err(
                "AttributeError",
                &format!("'{}' object has no attribute '{name}'", self.type_name()),
            )),
        }
    }

    fn get_attr(&self, _: u64, name: &str) -> Option<Value> {
        match name {
            "id" if self.interp => Some(Value::Int(self.id)),
            "maxsize" => Some(Value::Int(self.maxsize as i64)),
            _ => None,
        }
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "put"
                | "put_nowait"
                | "get"
                | "get_nowait"
                | "empty"
                | "full"
                | "qsize"
                | "close"
                | "join_thread"
                | "cancel_join_thread"
        )
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Who holds a process lock: a thread of a runtime (idents repeat between runtimes).
type Owner = (usize, u64);

fn owner_of(vm: &Vm) -> Owner {
    (Arc::as_ptr(&vm.rt) as usize, vm.ident)
}

/// A lock or semaphore shared by processes (`multiprocessing.Lock`, `RLock`, `Semaphore`).
pub(crate) struct SemLock {
    /// Free permits, the owner and its recursion depth (RLock).
    state: Mutex<(i64, Owner, u32)>,
    cv: Condvar,
    kind: &'static str,
}

impl SemLock {
    fn new(kind: &'static str, value: i64) -> SemLock {
        SemLock {
            state: Mutex::new((value, (0, 0), 0)),
            cv: Condvar::new(),
            kind,
        }
    }

    fn acquire(&self, vm: &mut Vm, deadline: Option<f64>) -> bool {
        let me = owner_of(vm);
        {
            let mut st = lock(&self.state);
            if self.kind == "RLock" && st.2 > 0 && st.1 == me {
                st.2 += 1;
                return true;
            }
        }
        let rt = vm.rt.clone();
        vm.allow_threads(|| {
            let mut st = lock(&self.state);
            loop {
                if st.0 > 0 {
                    st.0 -= 1;
                    st.1 = me;
                    st.2 = 1;
                    return true;
                }
                let (g, expired) = wait_on(&rt, &self.cv, st, deadline);
                st = g;
                if expired {
                    return false;
                }
            }
        })
    }

    fn release(&self, vm: &Vm) -> PyResult<()> {
        let mut st = lock(&self.state);
        match self.kind {
            "RLock" => {
                if st.2 == 0 || st.1 != owner_of(vm) {
                    return Err(err(
                        "AssertionError",
                        "attempt to release recursive lock not owned by thread",
                    ));
                }
                st.2 -= 1;
                if st.2 > 0 {
                    return Ok(());
                }
            }
            "Lock" if st.0 > 0 => {
                return Err(err(
                    "ValueError",
                    "semaphore or lock released too many times",
                ));
            }
            _ => {}
        }
        st.0 += 1;
        st.2 = 0;
        drop(st);
        self.cv.notify_one();
        Ok(())
    }
}

impl NativeObject for SemLock {
    fn type_name(&self) -> &'static str {
        self.kind
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
        match name {
            "acquire" | "__enter__" => {
                let (block, timeout) = block_timeout(vm, &a, &k, 0)?;
                let deadline = deadline_of(vm, block, timeout.as_ref())?;
                let got = self.acquire(vm, deadline);
                if !got && vm.rt.stopping() {
                    return Err(crate::stop::stop_error());
                }
                Ok(Value::Bool(got))
            }
            "release" | "__exit__" => {
                self.release(vm)?;
                Ok(Value::None)
            }
            "get_value" => Ok(Value::Int(lock(&self.state).0)),
            "__repr__" => Ok(Value::str(&format!("<{} object>", self.kind))),
            _ => Err(err(
                "AttributeError",
                &format!("'{}' object has no attribute '{name}'", self.kind),
            )),
        }
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "acquire" | "release" | "__enter__" | "__exit__" | "get_value"
        )
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `multiprocessing.Value`: a number in shared memory, with the lock that guards it.
pub(crate) struct SharedValue {
    value: Mutex<Value>,
    typecode: char,
    lock: Option<Arc<dyn NativeObject>>,
}

impl SharedValue {
    /// Store as the C type would: ints wrap to their width, floats stay floats.
    fn coerce(&self, v: &Value) -> PyResult<Value> {
        match self.typecode {
            'd' | 'f' => match crate::objects::int::to_f64(v)? {
                Some(f) => Ok(Value::Float(f)),
                None => Err(err("TypeError", "must be real number")),
            },
            c => {
                let i = match v {
                    Value::Int(i) => *i,
                    Value::Bool(b) => *b as i64,
                    Value::BigInt(b) => {
                        use num_traits::ToPrimitive;
                        (&**b & num_bigint::BigInt::from(u64::MAX))
                            .to_u64()
                            .unwrap_or(0) as i64
                    }
                    other => {
                        return Err(err(
                            "TypeError",
                            &format!("an integer is required (got type {})", other.type_name()),
                        ));
                    }
                };
                Ok(Value::Int(match c {
                    'b' => i as i8 as i64,
                    'h' => i as i16 as i64,
                    'i' => i as i32 as i64,
                    _ => i,
                }))
            }
        }
    }
}

impl NativeObject for SharedValue {
    fn type_name(&self) -> &'static str {
        "Synchronized"
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
        match (name, &self.lock) {
            ("get_lock", Some(l)) => Ok(Value::Native(l.clone())),
            ("get_obj", _) => Ok(lock(&self.value).clone()),
            ("acquire" | "release" | "__enter__" | "__exit__", Some(l)) => {
                l.clone().call_method(vm, name, a, k)
            }
            ("__repr__", _) => {
                let v = lock(&self.value).clone();
                let ctype = match self.typecode {
                    'd' => "c_double",
                    'f' => "c_float",
                    'b' => "c_byte",
                    'h' => "c_short",
                    'l' | 'q' => "c_long",
                    _ => "c_int",
                };
                let shown = vm.repr(&v)?;
                Ok(Value::str(&if self.lock.is_some() {
                    format!("<Synchronized wrapper for {ctype}({shown})>")
                } else {
                    format!("{ctype}({shown})")
                }))
            }
            _ => Err(err(
                "AttributeError",
                &format!("'Synchronized' object has no attribute '{name}'"),
            )),
        }
    }

    fn get_attr(&self, _: u64, name: &str) -> Option<Value> {
        (name == "value").then(|| lock(&self.value).clone())
    }

    fn set_attr(&self, _: u64, name: &str, value: Value) -> bool {
        if name != "value" {
            return false;
        }
        // A value of the wrong type is stored coerced where possible, else as 0.
        let v = self.coerce(&value).unwrap_or(Value::Int(0));
        *lock(&self.value) = v;
        true
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(name, "get_lock" | "get_obj")
            || (self.lock.is_some()
                && matches!(name, "acquire" | "release" | "__enter__" | "__exit__"))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

static NEXT_PID: AtomicU32 = AtomicU32::new(1);

/// A child process as its parent sees it.
pub(crate) struct ProcHandle {
    /// `None` while running, then the exit code.
    exit: Mutex<Option<i64>>,
    cv: Condvar,
    pid: u32,
    /// Set by terminate()/kill(): the child's further output is dropped.
    killed: Arc<std::sync::atomic::AtomicBool>,
}

impl NativeObject for ProcHandle {
    fn type_name(&self) -> &'static str {
        "Popen"
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
        match name {
            "join" => {
                let timeout = a.first().or_else(|| kw(&k, "timeout")).cloned();
                let deadline = deadline_of(vm, true, timeout.as_ref())?;
                let rt = vm.rt.clone();
                vm.allow_threads(|| {
                    let mut st = lock(&self.exit);
                    while st.is_none() {
                        let (g, expired) = wait_on(&rt, &self.cv, st, deadline);
                        st = g;
                        if expired {
                            break;
                        }
                    }
                });
                if vm.rt.stopping() {
                    return Err(crate::stop::stop_error());
                }
                Ok(Value::None)
            }
            "terminate" | "kill" => {
                // A runtime cannot be interrupted: the process counts as ended by the
                // signal at once, its output is dropped, and its thread runs on unseen
                // until its code returns.
                let mut st = lock(&self.exit);
                if st.is_none() {
                    *st = Some(if name == "kill" { -9 } else { -15 });
                    self.killed.store(true, Ordering::Release);
                }
                drop(st);
                self.cv.notify_all();
                Ok(Value::None)
            }
            "poll" => Ok(match *lock(&self.exit) {
                Some(c) => Value::Int(c),
                None => Value::None,
            }),
            _ => Err(err(
                "AttributeError",
                &format!("'Popen' object has no attribute '{name}'"),
            )),
        }
    }

    fn get_attr(&self, _: u64, name: &str) -> Option<Value> {
        (name == "pid").then_some(Value::Int(self.pid as i64))
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(name, "join" | "poll" | "terminate" | "kill")
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The host a child runtime sees: the parent's, with its own pid and its own stdout buffer
/// (flushed when full, on `flush()` and at exit, as a child's buffered stdout on a pipe is).
struct ChildHost {
    parent: Arc<dyn Host>,
    pid: u32,
    /// What the trace calls its output lines' writer ("Process-1", "interpreter 1").
    label: Arc<str>,
    buf: Mutex<String>,
    /// The process was terminated: it writes nothing more.
    killed: Arc<std::sync::atomic::AtomicBool>,
}

impl ChildHost {
    fn new(parent: Arc<dyn Host>, pid: u32, label: &str) -> ChildHost {
        ChildHost {
            parent,
            pid,
            label: Arc::from(label),
            buf: Mutex::new(String::new()),
            killed: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    fn killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }
}

impl Host for ChildHost {
    // Its output lines are told to the parent's host when they pass through it (marked
    // with the child's name), so `line` is not passed on: it would tell each twice.
    crate::host::forward_host!(parent: monotonic, time, sleep, spawn, cpu_count, cpu_time,
        stack_size);
    fn stdout(&self, s: &str) {
        if self.killed() {
            return;
        }
        let mut b = lock(&self.buf);
        b.push_str(s);
        if b.len() >= 8192 {
            crate::trace::as_writer(&self.label, || self.parent.stdout(&b));
            b.clear();
        }
    }
    fn stderr(&self, s: &str) {
        if !self.killed() {
            crate::trace::as_writer(&self.label, || self.parent.stderr(s));
        }
    }
    fn flush(&self) {
        let text = std::mem::take(&mut *lock(&self.buf));
        if self.killed() {
            return;
        }
        if !text.is_empty() {
            crate::trace::as_writer(&self.label, || self.parent.stdout(&text));
        }
        self.parent.flush();
    }
    fn pid(&self) -> u32 {
        self.pid
    }
}

/// How a child starts.
enum Start {
    /// Run the parent's main script as `__mp_main__`, then unpickle the work.
    Spawn { main: MainScript, work: Pickled },
    /// Copy the parent's main globals and the work (the parent waits for the copy).
    Fork {
        main: Arc<Dict>,
        work: Value,
        copied: Arc<(Mutex<bool>, Condvar)>,
    },
}

/// The parent's main script, which a spawned process or an interpreter runs again.
#[derive(Clone)]
struct MainScript {
    file: String,
    /// Its text, for tracebacks.
    source: Option<Arc<str>>,
    /// Its compiled code (the runtime may have no parser to compile the source again).
    code: Option<Arc<crate::bytecode::Code>>,
}

impl MainScript {
    /// Run the script in `dict`, registered so that this runtime's own processes and
    /// interpreters can run it again.
    fn run(&self, vm: &mut Vm, dict: &Arc<Dict>) -> PyResult<()> {
        if let Some(source) = &self.source {
            lock(&vm.rt.sources).insert(self.file.clone(), source.clone());
        }
        if let Some(code) = &self.code {
            lock(&vm.rt.compiled).insert(self.file.clone(), code.clone());
            vm.run_module(code.clone(), dict.clone())?;
        }
        Ok(())
    }
}

/// The parent's main module: its globals and its script.
fn parent_main(vm: &Vm) -> (Option<Arc<Dict>>, MainScript) {
    let main = match lock(&vm.rt.modules).get("__main__") {
        Some(Value::Module(m)) => Some(m.dict.clone()),
        _ => None,
    };
    let file = match main.as_ref().and_then(|d| d.get_str("__file__")) {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    let source = lock(&vm.rt.sources).get(&file).cloned();
    let code = lock(&vm.rt.compiled).get(&file).cloned();
    (main, MainScript { file, source, code })
}

/// Register `dict` as the runtime's main module (under `__main__` and its own name).
fn set_main(vm: &Vm, name: &str, dict: &Arc<Dict>) {
    let m = Value::Module(Arc::new(Module {
        name: Arc::from(name),
        dict: dict.clone(),
    }));
    let mut modules = lock(&vm.rt.modules);
    modules.insert("__main__".into(), m.clone());
    if name != "__main__" {
        modules.insert(name.into(), m);
    }
}

/// The exit status of an uncaught exception, printed as CPython prints it.
fn report(vm: &mut Vm, e: &crate::vm::PyErr) -> i64 {
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
            Value::Int(i) => i,
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

/// Wait for the runtime's threads, then empty what the run made (see [`Runtime::teardown`]).
fn finish(vm: &mut Vm) {
    let threading = lock(&vm.rt.modules).get("threading").cloned();
    if let Some(t) = threading {
        if let Err(e) = vm.call_method(&t, "_shutdown", Vec::new(), Vec::new()) {
            report(vm, &e);
        }
    }
    vm.rt.teardown();
}

/// Prepare the child's `multiprocessing` (start method, name, bootstrapping flag).
fn prepare(vm: &mut Vm, method: &str, name: &str, inheriting: bool) -> PyResult<Value> {
    let mp = crate::modules::import(vm, "multiprocessing")?;
    let f = vm.get_attr(&mp, "_child_prepare")?;
    vm.call(
        &f,
        vec![
            Value::str(method),
            Value::str(name),
            Value::Bool(inheriting),
        ],
        Vec::new(),
    )?;
    Ok(mp)
}

/// The body of a child process: set up its main module, run the work, return the exit code.
fn child_main(vm: &mut Vm, method: &str, name: &str, start: Start) -> i64 {
    let main = Arc::new(Dict::new());
    let work = match start {
        Start::Spawn { main: script, work } => {
            main.set_str("__name__", Value::str("__mp_main__"));
            main.set_str("__file__", Value::str(&script.file));
            set_main(vm, "__mp_main__", &main);
            let mp = match prepare(vm, method, name, true) {
                Ok(m) => m,
                Err(e) => return report(vm, &e),
            };
            if let Err(e) = script.run(vm, &main) {
                return report(vm, &e);
            }
            if let Err(e) = vm.set_attr(&mp, &Arc::from("_inheriting"), Value::Bool(false)) {
                return report(vm, &e);
            }
            match loads(vm, &work, None) {
                Ok(w) => w,
                Err(e) => return report(vm, &e),
            }
        }
        Start::Fork {
            main: parent,
            work,
            copied,
        } => {
            let done = |copied: &Arc<(Mutex<bool>, Condvar)>| {
                *lock(&copied.0) = true;
                copied.1.notify_all();
            };
            set_main(vm, "__main__", &main);
            let share: &dyn Fn(&Arc<dyn NativeObject>) -> bool = &shareable;
            let mut copier = ForkCopy::new(parent, main.clone(), share);
            let copied_work = copier.copy_main(vm).and_then(|_| copier.copy(vm, &work));
            done(&copied);
            let work = match copied_work {
                Ok(w) => w,
                Err(e) => return report(vm, &e),
            };
            if let Err(e) = prepare(vm, method, name, false) {
                return report(vm, &e);
            }
            work
        }
    };
    let run = match &work {
        Value::Tuple(t) if t.len() == 2 => vm
            .to_vec(&t[1])
            .and_then(|args| vm.call(&t[0], args, Vec::new())),
        _ => Err(err("SystemError", "bad work for a child process")),
    };
    match run {
        Ok(Value::Int(c)) => c,
        Ok(_) => 0,
        Err(e) => report(vm, &e),
    }
}

/// `_lab_process.start(method, name, func, args)`: start a child process running
/// `func(*args)` (its int result is the exit code); returns its handle.
fn start(vm: &mut Vm, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    let method = vm.to_str(arg(&a, 0, "start")?)?;
    let name = vm.to_str(arg(&a, 1, "start")?)?;
    let work = Value::tuple(vec![
        arg(&a, 2, "start")?.clone(),
        arg(&a, 3, "start")?.clone(),
    ]);
    let (main, script) = parent_main(vm);
    let copied = Arc::new((Mutex::new(false), Condvar::new()));
    let how = if method == "fork" {
        Start::Fork {
            main: main.unwrap_or_else(|| Arc::new(Dict::new())),
            work,
            copied: copied.clone(),
        }
    } else {
        // Pickled here, in the parent: an object that cannot be pickled fails start().
        Start::Spawn {
            main: script,
            work: dumps(vm, &work, &spawning)?,
        }
    };
    let pid = vm.rt.host.pid() + NEXT_PID.fetch_add(1, Ordering::Relaxed);
    let host: Arc<ChildHost> = Arc::new(ChildHost::new(vm.rt.host.clone(), pid, &name));
    let handle = Arc::new(ProcHandle {
        exit: Mutex::new(None),
        cv: Condvar::new(),
        pid,
        killed: host.killed.clone(),
    });
    // The program's stop reaches its processes: they are part of the run.
    let rt = Runtime::with_stop(host.clone(), vm.rt.gil.enabled(), vm.rt.stop.clone());
    // A child keeps its parent's start method, as CPython passes it to a spawned child.
    *lock(&rt.start_method) = lock(&vm.rt.start_method).clone();
    let h = handle.clone();
    let fork = method == "fork";
    let parent_trace = vm.rt.trace.clone();
    let body = Box::new(move || {
        let mut child = Vm::new(rt.clone());
        // Its output lines, and the top of its stack for the recursion check.
        child.enter_thread();
        child.gil_acquire();
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let c = child_main(&mut child, &method, &name, how);
            finish(&mut child);
            child.hand_in_lane();
            c
        }))
        .unwrap_or_else(|p| {
            rt.host.stderr(&format!(
                "SystemError: internal error of the lab's Python: {}\n",
                crate::panic_message(&p)
            ));
            1
        });
        rt.gil.release();
        host.flush();
        // Its threads become lanes of the run's trace before anyone sees it has ended.
        parent_trace.adopt(&rt.trace, &host.label);
        // A terminated process keeps the exit code of its signal.
        lock(&h.exit).get_or_insert(code);
        h.cv.notify_all();
    });
    vm.rt.host.flush();
    vm.rt
        .host
        .spawn(body)
        .map_err(|e| err("OSError", &format!("can't start a process: {e}")))?;
    if fork {
        // The parent holds still (and keeps its GIL) while the child copies its objects.
        let (m, cv) = &*copied;
        let mut done = lock(m);
        while !*done {
            done = match cv.wait(done) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }
    Ok(Value::Native(handle))
}

/// A job for a subinterpreter's thread.
enum Job {
    Exec(String, mpsc::Sender<Result<(), ExcInfo>>),
    Call(Pickled, mpsc::Sender<Result<Pickled, ExcInfo>>),
    SetMain(Pickled, mpsc::Sender<Result<(), ExcInfo>>),
}

/// An exception that stayed in a subinterpreter: its type name, message and traceback.
type ExcInfo = (String, String, String);

/// A subinterpreter: a runtime of its own, served by its own host thread.
pub(crate) struct Interp {
    id: i64,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    running: std::sync::atomic::AtomicBool,
    /// Disconnected once the interpreter's thread has finished it (see `close`).
    ended: Mutex<Option<mpsc::Receiver<()>>>,
}

/// Subinterpreters alive, by the runtime that created them (its main interpreter).
struct InterpEntry {
    root: usize,
    id: i64,
    rt: usize,
}

static INTERPS: Mutex<Vec<InterpEntry>> = Mutex::new(Vec::new());
/// The last interpreter id each run gave (by its main runtime): ids count from 1 in every
/// run, as in a new CPython process, however many programs the host ran before.
static LAST_INTERP_ID: Mutex<Vec<(usize, i64)>> = Mutex::new(Vec::new());

/// The next interpreter id of the run whose main runtime is `root`.
fn next_interp_id(root: usize) -> i64 {
    let mut last = lock(&LAST_INTERP_ID);
    match last.iter_mut().find(|(r, _)| *r == root) {
        Some((_, id)) => {
            *id += 1;
            *id
        }
        None => {
            last.push((root, 1));
            1
        }
    }
}

/// Forgets a finished run's interpreter ids (a later runtime may get its address).
pub(crate) fn end_of_run(root: &Runtime) {
    let root = root as *const Runtime as usize;
    lock(&LAST_INTERP_ID).retain(|(r, _)| *r != root);
}

/// The main runtime a runtime belongs to (itself unless it is a subinterpreter).
fn root_of(rt: usize) -> usize {
    lock(&INTERPS)
        .iter()
        .find(|e| e.rt == rt)
        .map(|e| e.root)
        .unwrap_or(rt)
}

fn exc_info(vm: &mut Vm, e: &crate::vm::PyErr) -> ExcInfo {
    let cls = e.exc.class();
    let msg = vm.to_str(&e.exc).unwrap_or_default();
    let tb = vm.format_traceback(e);
    (cls.name.to_string(), msg, tb)
}

/// Look a name of the caller's main module up in a fresh run of the main script (as
/// CPython does for functions a subinterpreter cannot find in its own `__main__`).
fn fake_main_lookup(
    vm: &mut Vm,
    cache: &Mutex<Option<Arc<Dict>>>,
    script: &MainScript,
    qualname: &str,
) -> PyResult<Value> {
    let existing = lock(cache).clone();
    let dict = match existing {
        Some(d) => d,
        None => {
            let d = Arc::new(Dict::new());
            d.set_str("__name__", Value::str("<fake __main__>"));
            d.set_str("__file__", Value::str(&script.file));
            *lock(cache) = Some(d.clone());
            script.run(vm, &d)?;
            d
        }
    };
    let mut cur = Value::Module(Arc::new(Module {
        name: Arc::from("<fake __main__>"),
        dict,
    }));
    for part in qualname.split('.') {
        cur = vm.get_attr(&cur, part)?;
    }
    Ok(cur)
}

/// `Interpreter.exec(source)`: compile the text and run it in the interpreter's `__main__`.
#[cfg(feature = "parser")]
fn exec_source(vm: &mut Vm, src: &str, main: &Arc<Dict>) -> Result<(), ExcInfo> {
    match crate::parse::compile_source(src, "<string>") {
        Ok(code) => {
            lock(&vm.rt.sources).insert("<string>".into(), Arc::from(src));
            vm.run_module(code, main.clone())
                .map(|_| ())
                .map_err(|e| exc_info(vm, &e))
        }
        Err(e) => Err((
            "SyntaxError".into(),
            e.report("<string>"),
            e.report("<string>"),
        )),
    }
}

/// Without a parser, source text cannot run (the book's listings do not call this).
#[cfg(not(feature = "parser"))]
fn exec_source(_: &mut Vm, _: &str, _: &Arc<Dict>) -> Result<(), ExcInfo> {
    let msg = "this build of the lab's Python has no compiler: Interpreter.exec() cannot run source text here";
    Err((
        "NotImplementedError".into(),
        msg.into(),
        format!("NotImplementedError: {msg}\n"),
    ))
}

fn interp_serve(
    rt: Arc<Runtime>,
    jobs: mpsc::Receiver<Job>,
    script: MainScript,
    parent: (Arc<crate::trace::Recorder>, String),
) {
    let mut vm = Vm::new(rt.clone());
    vm.enter_thread();
    vm.gil_acquire();
    let main = Arc::new(Dict::new());
    main.set_str("__name__", Value::str("__main__"));
    set_main(&vm, "__main__", &main);
    let fake: Mutex<Option<Arc<Dict>>> = Mutex::new(None);
    loop {
        let job = vm.allow_threads(|| jobs.recv());
        let Ok(job) = job else { break };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::Exec(src, reply) => {
                let _ = reply.send(exec_source(&mut vm, &src, &main));
            }
            Job::Call(p, reply) => {
                let fallback =
                    |vm: &mut Vm, _: &str, q: &str| fake_main_lookup(vm, &fake, &script, q);
                let r = loads(&mut vm, &p, Some(&fallback))
                    .and_then(|w| match &w {
                        Value::Tuple(t) if t.len() == 3 => {
                            let args = vm.to_vec(&t[1])?;
                            let kwargs = match &t[2] {
                                Value::Dict(d) => d
                                    .items()
                                    .into_iter()
                                    .filter_map(|(k, v)| match k {
                                        Value::Str(s) => Some((s, v)),
                                        _ => None,
                                    })
                                    .collect(),
                                _ => Vec::new(),
                            };
                            vm.call(&t[0], args, kwargs)
                        }
                        _ => Err(err("SystemError", "bad call for an interpreter")),
                    })
                    .and_then(|res| dumps(&mut vm, &res, &spawning))
                    .map_err(|e| exc_info(&mut vm, &e));
                let _ = reply.send(r);
            }
            Job::SetMain(p, reply) => {
                let r = loads(&mut vm, &p, None)
                    .map(|ns| {
                        if let Value::Dict(d) = ns {
                            for (k, v) in d.items() {
                                if let Ok(key) = vm.key(&k) {
                                    main.set(key, k, v);
                                }
                            }
                        }
                    })
                    .map_err(|e| exc_info(&mut vm, &e));
                let _ = reply.send(r);
            }
        }));
        if let Err(p) = r {
            rt.host.stderr(&format!(
                "SystemError: internal error of the lab's Python: {}\n",
                crate::panic_message(&p)
            ));
        }
    }
    // Closed, or its last handle is gone: it no longer exists for list_all().
    let me = Arc::as_ptr(&rt) as usize;
    lock(&INTERPS).retain(|e| e.rt != me);
    finish(&mut vm);
    vm.hand_in_lane();
    // The main script run again to find names by (see fake_main_lookup) goes too.
    let fake = lock(&fake).take().map(Value::Dict);
    crate::vm::empty_reachable(fake.into_iter().chain([Value::Dict(main)]).collect());
    rt.gil.release();
    rt.host.flush();
    parent.0.adopt(&rt.trace, &parent.1);
}

impl Interp {
    fn send(&self, job: Job) -> PyResult<()> {
        let jobs = lock(&self.jobs);
        match jobs.as_ref() {
            Some(s) if s.send(job).is_ok() => Ok(()),
            _ => Err(err(
                "RuntimeError",
                &format!("unrecognized interpreter ID {}", self.id),
            )),
        }
    }
}

/// The result of a job: the value, or `(type, msg, traceback)` of what it raised.
fn failed(info: ExcInfo) -> Value {
    Value::tuple(vec![
        Value::None,
        Value::tuple(vec![
            Value::str(&info.0),
            Value::str(&info.1),
            Value::str(&info.2),
        ]),
    ])
}

impl NativeObject for Interp {
    fn type_name(&self) -> &'static str {
        "_lab_interp"
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
        let busy = |s: &Interp| s.running.swap(true, Ordering::AcqRel);
        match name {
            "exec" => {
                let src = vm.to_str(arg(&a, 0, "exec")?)?;
                if busy(self) {
                    return Err(err("RuntimeError", "interpreter already running"));
                }
                let (tx, rx) = mpsc::channel();
                let sent = self.send(Job::Exec(src, tx));
                let r = vm.allow_threads(|| rx.recv());
                self.running.store(false, Ordering::Release);
                sent?;
                Ok(match r {
                    Ok(Ok(())) => Value::tuple(vec![Value::None, Value::None]),
                    Ok(Err(info)) => failed(info),
                    Err(_) => return Err(err("RuntimeError", "interpreter stopped")),
                })
            }
            "call" => {
                let work = Value::tuple(vec![
                    arg(&a, 0, "call")?.clone(),
                    arg(&a, 1, "call")?.clone(),
                    arg(&a, 2, "call")?.clone(),
                ]);
                let p = dumps(vm, &work, &spawning)?;
                if busy(self) {
                    return Err(err("RuntimeError", "interpreter already running"));
                }
                let (tx, rx) = mpsc::channel();
                let sent = self.send(Job::Call(p, tx));
                let r = vm.allow_threads(|| rx.recv());
                self.running.store(false, Ordering::Release);
                sent?;
                Ok(match r {
                    Ok(Ok(p)) => Value::tuple(vec![loads(vm, &p, None)?, Value::None]),
                    Ok(Err(info)) => failed(info),
                    Err(_) => return Err(err("RuntimeError", "interpreter stopped")),
                })
            }
            "set_main" => {
                let p = dumps(vm, arg(&a, 0, "set_main")?, &spawning)?;
                let (tx, rx) = mpsc::channel();
                self.send(Job::SetMain(p, tx))?;
                Ok(match vm.allow_threads(|| rx.recv()) {
                    Ok(Ok(())) => Value::None,
                    Ok(Err(info)) => failed(info),
                    Err(_) => return Err(err("RuntimeError", "interpreter stopped")),
                })
            }
            "is_running" => Ok(Value::Bool(self.running.load(Ordering::Acquire))),
            "close" => {
                if self.running.load(Ordering::Acquire) {
                    return Err(err("RuntimeError", "interpreter running"));
                }
                // Dropping the sender ends the interpreter's thread. As in CPython, close()
                // returns once the interpreter is finalized: a program that ends right
                // after it must not stop that finalizing half-way (which printed a stray
                // KeyboardInterrupt from its threading._shutdown).
                lock(&self.jobs).take();
                lock(&INTERPS).retain(|e| e.id != self.id);
                if let Some(ended) = lock(&self.ended).take() {
                    vm.allow_threads_as("join", || ended.recv().ok());
                }
                Ok(Value::None)
            }
            _ => Err(err(
                "AttributeError",
                &format!("'_lab_interp' object has no attribute '{name}'"),
            )),
        }
    }

    fn get_attr(&self, _: u64, name: &str) -> Option<Value> {
        (name == "id").then_some(Value::Int(self.id))
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(name, "exec" | "call" | "set_main" | "is_running" | "close")
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn interp_create(vm: &mut Vm, _: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    let me = Arc::as_ptr(&vm.rt) as usize;
    let root = root_of(me);
    let id = next_interp_id(root);
    // Its own stdout buffer, as a subinterpreter has its own `sys.stdout`.
    let label = format!("interpreter {id}");
    let host = Arc::new(ChildHost::new(vm.rt.host.clone(), vm.rt.host.pid(), &label));
    let parent = (vm.rt.trace.clone(), label);
    let rt = Runtime::with_stop(host, vm.rt.gil.enabled(), vm.rt.stop.clone());
    lock(&INTERPS).push(InterpEntry {
        root,
        id,
        rt: Arc::as_ptr(&rt) as usize,
    });
    let (tx, rx) = mpsc::channel();
    // Never sent on: the thread's end drops it, which is what `close` waits for.
    let (end_tx, end_rx) = mpsc::channel::<()>();
    let (_, script) = parent_main(vm);
    vm.rt
        .host
        .spawn(Box::new(move || {
            interp_serve(rt, rx, script, parent);
            drop(end_tx);
        }))
        .map_err(|e| err("RuntimeError", &format!("interpreter creation failed: {e}")))?;
    Ok(Value::Native(Arc::new(Interp {
        id,
        jobs: Mutex::new(Some(tx)),
        running: std::sync::atomic::AtomicBool::new(false),
        ended: Mutex::new(Some(end_rx)),
    })))
}

fn interp_current(vm: &mut Vm, _: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    let me = Arc::as_ptr(&vm.rt) as usize;
    Ok(Value::Int(
        lock(&INTERPS)
            .iter()
            .find(|e| e.rt == me)
            .map(|e| e.id)
            .unwrap_or(0),
    ))
}

fn interp_list(vm: &mut Vm, _: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    let root = root_of(Arc::as_ptr(&vm.rt) as usize);
    let mut ids = vec![Value::Int(0)];
    ids.extend(
        lock(&INTERPS)
            .iter()
            .filter(|e| e.root == root)
            .map(|e| Value::Int(e.id)),
    );
    Ok(Value::list(ids))
}

static NEXT_QUEUE: AtomicU32 = AtomicU32::new(1);

fn channel(vm: &mut Vm, a: &[Value], k: &Kwargs, interp: bool) -> PyResult<Value> {
    let maxsize = match a.first().or_else(|| kw(k, "maxsize")) {
        Some(v) => vm.index(v)?.max(0) as usize,
        None => 0,
    };
    Ok(Value::Native(Arc::new(Channel {
        items: Mutex::new(VecDeque::new()),
        cv: Condvar::new(),
        maxsize,
        interp,
        id: NEXT_QUEUE.fetch_add(1, Ordering::Relaxed) as i64,
    })))
}

fn shared_value(vm: &mut Vm, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
    let code = vm.to_str(arg(&a, 0, "Value")?)?;
    let typecode = match code.as_str() {
        "i" | "l" | "q" | "b" | "h" | "d" | "f" => code.chars().next().unwrap_or('i'),
        other => {
            return Err(err(
                "NotImplementedError",
                &format!("the lab's Python does not support Value type code {other:?}"),
            ));
        }
    };
    let with_lock = match a.get(2).or_else(|| kw(&k, "lock")) {
        Some(Value::Native(n)) if shareable(n) => Some(n.clone()),
        Some(v) => {
            if vm.truthy(v)? {
                Some(Arc::new(SemLock::new("RLock", 1)) as Arc<dyn NativeObject>)
            } else {
                None
            }
        }
        None => Some(Arc::new(SemLock::new("RLock", 1)) as Arc<dyn NativeObject>),
    };
    let v = SharedValue {
        value: Mutex::new(Value::Int(0)),
        typecode,
        lock: with_lock,
    };
    let init = a.get(1).cloned().unwrap_or(Value::Int(0));
    *lock(&v.value) = v.coerce(&init)?;
    Ok(Value::Native(Arc::new(v)))
}

fn pickled_arg(a: &[Value]) -> PyResult<Pickled> {
    match arg(a, 0, "loads")? {
        Value::Native(n) => n
            .as_any()
            .downcast_ref::<Pickled>()
            .cloned()
            .ok_or_else(|| err("TypeError", "a bytes-like object is required")),
        other => Err(err(
            "TypeError",
            &format!(
                "a bytes-like object is required, not '{}'",
                other.type_name()
            ),
        )),
    }
}

pub(super) fn init(d: &Dict) {
    add(d, "start", start);
    // The run's choice (a setting of the page or `labpy --start-method`).
    add(d, "default_start_method", |vm, _, _| {
        Ok(Value::str(&lock(&vm.rt.start_method)))
    });
    add(d, "dumps", |vm, a, _| {
        let p = dumps(vm, arg(&a, 0, "dumps")?, &message)?;
        Ok(Value::Native(Arc::new(p)))
    });
    add(d, "loads", |vm, a, _| {
        let p = pickled_arg(&a)?;
        loads(vm, &p, None)
    });
    add(d, "Queue", |vm, a, k| channel(vm, &a, &k, false));
    add(d, "interp_queue", |vm, a, k| channel(vm, &a, &k, true));
    add(d, "Value", shared_value);
    add(d, "Lock", |_, _, _| {
        Ok(Value::Native(Arc::new(SemLock::new("Lock", 1))))
    });
    add(d, "RLock", |_, _, _| {
        Ok(Value::Native(Arc::new(SemLock::new("RLock", 1))))
    });
    add(d, "Semaphore", |vm, a, k| {
        let n = match a.first().or_else(|| kw(&k, "value")) {
            Some(v) => vm.index(v)?,
            None => 1,
        };
        if n < 0 {
            return Err(err("ValueError", "semaphore initial value must be >= 0"));
        }
        Ok(Value::Native(Arc::new(SemLock::new("Semaphore", n))))
    });
    add(d, "interp_create", interp_create);
    add(d, "interp_current", interp_current);
    add(d, "interp_list", interp_list);
    d.set_str(
        "PicklingError",
        Value::Class(super::pickle::pickling_error()),
    );
}

/// `pickle`: `dumps` gives an opaque `bytes` object (the lab has no bytes type) that only
/// `len()` and `loads()` understand; the errors are CPython's.
pub(super) fn init_pickle(d: &Dict) {
    add(d, "dumps", |vm, a, _| {
        let p = dumps(vm, arg(&a, 0, "dumps")?, &message)?;
        Ok(Value::Native(Arc::new(p)))
    });
    add(d, "loads", |vm, a, _| {
        let p = pickled_arg(&a)?;
        loads(vm, &p, None)
    });
    let error = super::pickle::pickling_error();
    if let Some(base) = &error.base {
        d.set_str("PickleError", Value::Class(base.clone()));
    }
    d.set_str("PicklingError", Value::Class(error));
    d.set_str("HIGHEST_PROTOCOL", Value::Int(5));
    d.set_str("DEFAULT_PROTOCOL", Value::Int(5));
}
