//! The virtual machine: runtime state shared by threads, per-thread state, frames and the
//! evaluation loop. The eval breaker (GIL drop requests) is checked on backward jumps and calls.

use crate::bytecode::{Code, Const, Op};
use crate::gil::Gil;
use crate::host::Host;
use crate::objects::class::{exc_class, new_exception};
use crate::objects::{
    Cell, Class, Dict, Function, GenState, Generator, Instance, Key, Value, lock,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

mod coro;
mod group;

pub(crate) use coro::{add_coro_natives, install_async_builtins};
pub(crate) use group::install_exception_groups;

/// How often `exec` returns to be entered again (in calls and backward jumps), so that a
/// long run moves to the browser engine's optimised code once it is ready (see
/// `run_frame`).
const REENTER_EVERY: u32 = 4096;

/// CPython's default recursion limit.
pub const RECURSION_LIMIT: usize = 1000;

/// How deep frames may nest on the native stack: each frame that runs a level deeper on
/// it (a constructor's `__init__`, a sort's key function, a generator's body) rather than
/// in its caller's loop. In WebAssembly that stack is the engine's (about 1 MB for a
/// browser worker), a level takes 1-2 kB of it (in Chromium: 850-950 levels of `__init__`,
/// 400-450 of key functions overflowed it), and overflowing it is an exception that no
/// Rust code can clean up after: so a limit well below, as CPython too keeps a lower
/// limit on C recursion in WebAssembly. Natively the stack check covers it: the limit
/// there is out of reach (each level is also a call, which the recursion limit counts).
#[cfg(target_arch = "wasm32")]
const NATIVE_DEPTH_LIMIT: usize = 200;
#[cfg(not(target_arch = "wasm32"))]
const NATIVE_DEPTH_LIMIT: usize = 2 * RECURSION_LIMIT;

/// Roughly where the calling thread's stack is now (stacks grow down, natively and in
/// WebAssembly's shadow stack).
#[inline(never)]
pub(crate) fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// One line of a traceback.
#[derive(Clone, Debug)]
pub struct TbEntry {
    /// The file.
    pub filename: Arc<str>,
    /// The line.
    pub line: u32,
    /// The function.
    pub name: Arc<str>,
    frame_id: u64,
}

/// A raised exception on its way up, with the frames it passed.
#[derive(Clone)]
pub struct PyErr {
    /// The exception instance.
    pub exc: Value,
    /// Where it passed, innermost last.
    pub tb: Vec<TbEntry>,
}

/// The result of anything that can raise.
pub type PyResult<T> = Result<T, Box<PyErr>>;

/// Keyword arguments.
pub type Kwargs = Vec<(Arc<str>, Value)>;

/// A new exception of a built-in class, with `msg` as its argument (none if empty).
pub fn err(kind: &str, msg: &str) -> Box<PyErr> {
    let args = if msg.is_empty() {
        vec![]
    } else {
        vec![Value::str(msg)]
    };
    Box::new(PyErr {
        exc: new_exception(exc_class(kind), args),
        tb: Vec::new(),
    })
}

impl PyErr {
    /// Is the exception an instance of the built-in exception `kind`?
    pub fn is(&self, kind: &str) -> bool {
        self.exc.class().is_subclass(&exc_class(kind))
    }
}

/// What the program's threads share.
pub struct Runtime {
    /// Clocks, threads, output.
    pub host: Arc<dyn Host>,
    /// The GIL.
    pub gil: Gil,
    /// The built-in namespace.
    pub builtins: Arc<Dict>,
    /// Imported modules.
    pub modules: Mutex<HashMap<String, Value>>,
    /// Source text by file name, for traceback lines.
    pub sources: Mutex<HashMap<String, Arc<str>>>,
    /// Compiled main modules by file name: what a spawned process or an interpreter runs
    /// again as its main module (the runtime may have no parser).
    pub compiled: Mutex<HashMap<String, Arc<Code>>>,
    /// Thread identities.
    pub next_ident: AtomicU64,
    /// Live Python threads (besides the main thread), for `active_count`.
    pub threads: AtomicU64,
    /// Set by the host to stop the run (see [`crate::stop`]).
    pub stop: Arc<AtomicBool>,
    /// The run's trace as it is recorded (see [`crate::trace`]).
    pub trace: Arc<crate::trace::Recorder>,
    /// `multiprocessing`'s default start method in this runtime.
    pub start_method: Mutex<String>,
    /// What the run made that can sit in a reference cycle (see [`Tracked`]).
    tracked: Mutex<Tracked>,
}

/// The objects of a run whose mutable contents can close a reference cycle (an instance
/// holding a bound method of itself, a task and the coroutine that refers to it, a
/// closure's cell holding the function), held weakly. Reference counting cannot free a
/// cycle; the run's end empties these objects, which frees every cycle through them.
/// Dead entries are dropped whenever the list has doubled, so a long run keeps it short.
#[derive(Default)]
struct Tracked {
    items: Vec<Track>,
    purge_at: usize,
}

/// Empties every namespace, list, dict, set, instance and closure cell reachable from
/// `roots` (a run's modules), which frees the cycles made of containers alone
/// (`l.append(l)`) that tracking does not see. Classes are left alone: the built-in ones
/// live for the process (the program's own are tracked).
pub(crate) fn empty_reachable(roots: Vec<Value>) {
    // Only what can hold other objects is kept to be walked; the rest is dropped at once.
    fn holds(v: &Value) -> bool {
        matches!(
            v,
            Value::Module(_)
                | Value::Dict(_)
                | Value::List(_)
                | Value::Set(_)
                | Value::Instance(_)
                | Value::Tuple(_)
                | Value::Function(_)
                | Value::Method(_)
        )
    }
    fn pairs(m: crate::objects::dict::Map<(Value, Value)>) -> impl Iterator<Item = Value> {
        m.into_values().flat_map(|(k, v)| [k, v]).filter(holds)
    }
    let mut todo = roots;
    let mut seen = std::collections::HashSet::new();
    while let Some(v) = todo.pop() {
        match v {
            Value::Module(m) => todo.extend(pairs(std::mem::take(&mut *lock(&m.dict.map)))),
            Value::Dict(d) => todo.extend(pairs(std::mem::take(&mut *lock(&d.map)))),
            Value::List(l) => {
                todo.extend(
                    std::mem::take(&mut *lock(&l.items))
                        .into_iter()
                        .filter(holds),
                );
            }
            Value::Set(s) => {
                todo.extend(
                    std::mem::take(&mut *lock(&s.items))
                        .into_values()
                        .filter(holds),
                );
            }
            Value::Instance(i) => {
                todo.extend(
                    std::mem::take(&mut *lock(&i.dict))
                        .into_values()
                        .filter(holds),
                );
            }
            // Immutable: only what they hold can be emptied; shared ones are walked once.
            Value::Tuple(t) if seen.insert(Arc::as_ptr(&t) as *const Value as usize) => {
                todo.extend(t.iter().filter(|v| holds(v)).cloned());
            }
            Value::Function(f) if seen.insert(Arc::as_ptr(&f) as usize) => {
                todo.extend(f.defaults.iter().filter(|v| holds(v)).cloned());
                todo.extend(f.kwdefaults.iter().map(|(_, v)| v.clone()).filter(holds));
                for c in &f.closure {
                    todo.extend(lock(&c.value).take().filter(holds));
                }
            }
            Value::Method(m) => todo.extend([m.0.clone(), m.1.clone()]),
            _ => {}
        }
    }
}

/// One tracked object.
pub enum Track {
    /// An instance: its attributes.
    Instance(Weak<Instance>),
    /// A class the program defined: its methods and class attributes.
    Class(Weak<Class>),
    /// A closure's cell: its value.
    Cell(Weak<Cell>),
}

impl Track {
    fn alive(&self) -> bool {
        match self {
            Track::Instance(w) => w.strong_count() > 0,
            Track::Class(w) => w.strong_count() > 0,
            Track::Cell(w) => w.strong_count() > 0,
        }
    }

    /// Empties the object if it is still alive. What it held is dropped here, after its
    /// lock is released (dropping it may empty other objects' last references).
    fn empty(&self) {
        match self {
            Track::Instance(w) => {
                if let Some(i) = w.upgrade() {
                    let held = std::mem::take(&mut *lock(&i.dict));
                    drop(held);
                }
            }
            Track::Class(w) => {
                if let Some(c) = w.upgrade() {
                    let held = std::mem::take(&mut *lock(&c.dict));
                    drop(held);
                }
            }
            Track::Cell(w) => {
                if let Some(c) = w.upgrade() {
                    let held = lock(&c.value).take();
                    drop(held);
                }
            }
        }
    }
}

impl Runtime {
    /// A runtime on a host, with or without a GIL.
    pub fn new(host: Arc<dyn Host>, gil: bool) -> Arc<Runtime> {
        Runtime::with_stop(host, gil, Arc::new(AtomicBool::new(false)))
    }

    /// A runtime that stops when the host sets `stop`.
    pub fn with_stop(host: Arc<dyn Host>, gil: bool, stop: Arc<AtomicBool>) -> Arc<Runtime> {
        let trace = Arc::new(crate::trace::Recorder::new(&*host));
        let host = Arc::new(crate::trace::TracedHost {
            inner: host,
            rec: trace.clone(),
        });
        let rt = Arc::new(Runtime {
            host,
            trace,
            gil: Gil::new(gil),
            builtins: Arc::new(Dict::new()),
            modules: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
            compiled: Mutex::new(HashMap::new()),
            next_ident: AtomicU64::new(1),
            threads: AtomicU64::new(0),
            stop,
            start_method: Mutex::new(crate::DEFAULT_START_METHOD.to_string()),
            tracked: Mutex::new(Tracked::default()),
        });
        crate::builtins::install(&rt.builtins);
        rt
    }

    /// Tracks an object that can close a reference cycle (see [`Tracked`]).
    pub fn track(&self, t: Track) {
        let mut tracked = lock(&self.tracked);
        tracked.items.push(t);
        if tracked.items.len() >= tracked.purge_at {
            tracked.items.retain(Track::alive);
            tracked.purge_at = (tracked.items.len() * 2).max(1024);
        }
    }

    /// The end of a run: once no thread of it runs, empty every module's namespace and
    /// every tracked object, so that nothing the program made outlives it. (A daemon
    /// thread still running would see its objects vanish: then nothing is emptied.)
    pub fn teardown(&self) {
        if self.threads.load(Ordering::Acquire) != 0 {
            return;
        }
        let modules: Vec<Value> = lock(&self.modules).drain().map(|(_, m)| m).collect();
        empty_reachable(modules);
        let tracked = std::mem::take(&mut lock(&self.tracked).items);
        for t in &tracked {
            t.empty();
        }
    }
}

/// A thread's interpreter state.
pub struct Vm {
    /// The shared runtime.
    pub rt: Arc<Runtime>,
    /// This thread's identity (`threading.get_ident()`).
    pub ident: u64,
    depth: usize,
    /// How many `run_frame`s are running, one inside another, on the native stack.
    native_depth: usize,
    /// Calls and backward jumps (wrapping): `exec` returns to `run_frame` every
    /// `REENTER_EVERY` of them (see `run_frame`).
    calls_and_jumps: u32,
    /// The exception being handled by the innermost `except` (for a bare `raise` in callees).
    pub handling: Vec<Box<PyErr>>,
    /// Numbers this thread's frames (to add one traceback line per frame).
    next_frame: u64,
    /// Containers whose `repr` is in progress (a list inside itself prints as `[...]`).
    pub(crate) repr_stack: Vec<usize>,
    /// This thread's spans so far, for the run's trace.
    pub(crate) lane: crate::trace::LaneRec,
    /// The lowest stack address calls may reach (0: unknown), for the recursion check.
    pub(crate) stack_limit: usize,
    /// Finished frames, emptied, reused by the next calls so that a call allocates
    /// nothing. Frames move between here, `called` and `run_frame`'s stack of calls as
    /// boxes: moving a whole frame, just written, and reading it back at once stalls the
    /// processor (its stores cannot be forwarded to wider loads), on every call.
    #[allow(clippy::vec_box)]
    spare_frames: Vec<Box<Frame>>,
    /// The frame of a Python function that an instruction has just called, for `exec` to
    /// push on its stack of calls and run.
    called: Option<Box<Frame>>,
}

/// How many emptied frames a thread keeps for reuse.
const SPARE_FRAMES: usize = 64;

/// A handler block of a frame.
#[derive(Clone, Copy, Debug)]
enum Block {
    /// `try` body: on an exception, cut the stack to `level` and jump to `target`.
    Handler { target: u32, level: u32 },
    /// Inside an `except` (or `finally` after an exception): the exception is being handled.
    Active,
}

/// An activation of a code object.
pub struct Frame {
    /// The function running (module code runs as a function too); `None` only while the
    /// frame waits among the spare ones (see `func()`).
    func: Option<Arc<Function>>,
    locals: Vec<Option<Value>>,
    stack: Vec<Value>,
    pc: usize,
    id: u64,
    started: bool,
    /// What only some frames use, made on first use: a plain call neither builds nor
    /// drops it.
    more: Option<Box<FrameMore>>,
}

/// A running frame's function, from its field alone (so that the frame's other fields
/// can be borrowed meanwhile).
#[inline]
fn func_of(func: &Option<Arc<Function>>) -> &Arc<Function> {
    match func {
        Some(f) => f,
        None => unreachable!("a spare frame has no function"),
    }
}

/// The parts of a frame that closures, class bodies, handlers and generators use.
#[derive(Default)]
struct FrameMore {
    /// Class bodies: the namespace being built.
    ns: Option<Arc<Dict>>,
    cells: Vec<Arc<Cell>>,
    blocks: Vec<Block>,
    /// An exception thrown into a suspended generator: raised where it resumes.
    pending: Option<Box<PyErr>>,
    /// The exceptions its `except` blocks were handling when it yielded (boxed like
    /// `Vm::handling`, so that they move between the two without copying).
    #[allow(clippy::vec_box)]
    saved_handling: Vec<Box<PyErr>>,
}

impl Frame {
    /// The function running. (Every frame that runs has one: `new_frame` sets it.)
    #[inline]
    fn func(&self) -> &Arc<Function> {
        func_of(&self.func)
    }

    fn more(&mut self) -> &mut FrameMore {
        self.more.get_or_insert_with(Box::default)
    }

    fn cell(&self, i: u32) -> Option<&Arc<Cell>> {
        self.more.as_ref()?.cells.get(i as usize)
    }

    fn ns(&self) -> Option<&Arc<Dict>> {
        self.more.as_ref()?.ns.as_ref()
    }

    fn pop_block(&mut self) -> Option<Block> {
        self.more.as_mut()?.blocks.pop()
    }
}

/// Why `exec` left its inner loop.
enum Leave {
    /// A Python function's call was set up: its frame is in `Vm::called`.
    Call,
    /// The frame returned this.
    Return(Value),
    /// An instruction the inner loop leaves to `exec_slow`.
    Slow(Op),
}

/// How a frame stopped running.
pub enum Exit {
    /// Returned.
    Return(Value),
    /// Yielded (generators).
    Yield(Value),
}

fn const_value(c: &Const) -> Value {
    match c {
        Const::None => Value::None,
        Const::Ellipsis => Value::Ellipsis,
        Const::Bool(b) => Value::Bool(*b),
        Const::Int(i) => Value::Int(*i),
        Const::BigInt(s) => crate::objects::int::from_big(s.parse().unwrap_or_default()),
        Const::Float(f) => Value::Float(*f),
        Const::Str(s) => Value::Str(s.clone()),
        Const::Names(n) => Value::tuple(n.iter().map(|s| Value::Str(s.clone())).collect()),
        Const::Code(_) => Value::None,
    }
}

impl Vm {
    /// The state of a new thread (it does not hold the GIL yet).
    pub fn new(rt: Arc<Runtime>) -> Vm {
        let ident = rt.next_ident.fetch_add(1, Ordering::Relaxed);
        Vm {
            rt,
            ident,
            depth: 0,
            handling: Vec::new(),
            next_frame: 0,
            repr_stack: Vec::new(),
            lane: Default::default(),
            stack_limit: 0,
            spare_frames: Vec::new(),
            called: None,
            native_depth: 0,
            calls_and_jumps: 0,
        }
    }

    /// Run `f` with the GIL released (blocking waits: sleep, lock, join).
    pub fn allow_threads<T>(&mut self, f: impl FnOnce() -> T) -> T {
        self.allow_threads_as("wait", f)
    }

    /// Run `f` with the GIL released, blocked on `kind` (a span kind of the trace:
    /// `sleep`, `lock`, `join`, `queue`, `wait`, `start`).
    pub fn allow_threads_as<T>(&mut self, kind: &'static str, f: impl FnOnce() -> T) -> T {
        self.mark(kind);
        self.rt.gil.release();
        let r = f();
        self.gil_acquire();
        r
    }

    /// Run a module's code in `globals`.
    ///
    /// # Errors
    /// The uncaught exception.
    pub fn run_module(&mut self, code: Arc<Code>, globals: Arc<Dict>) -> PyResult<Value> {
        let func = Arc::new(Function {
            global_cache: Function::new_cache(&code),
            code,
            globals,
            defaults: Vec::new(),
            kwdefaults: Vec::new(),
            closure: Vec::new(),
            owner: Mutex::new(Weak::new()),
        });
        let n = func.code.varnames.len();
        let mut frame = self.new_frame(func, None);
        frame.locals.resize_with(n, || None);
        // The module's frame counts towards the recursion limit, as in CPython.
        self.enter()?;
        let r = self.run_frame(&mut frame);
        self.depth -= 1;
        match r? {
            Exit::Return(v) | Exit::Yield(v) => Ok(v),
        }
    }

    /// A frame for `func` (with no locals yet).
    fn new_frame(&mut self, func: Arc<Function>, ns: Option<Arc<Dict>>) -> Box<Frame> {
        let mut frame = self.blank_frame();
        self.init_frame(&mut frame, func, ns);
        frame
    }

    /// A frame with no function yet and empty locals and stack: a spare one when there is.
    fn blank_frame(&mut self) -> Box<Frame> {
        self.spare_frames.pop().unwrap_or_else(|| {
            Box::new(Frame {
                func: None,
                locals: Vec::new(),
                stack: Vec::with_capacity(6),
                pc: 0,
                id: 0,
                started: false,
                more: None,
            })
        })
    }

    /// Make a blank frame `func`'s.
    #[inline]
    fn init_frame(&mut self, frame: &mut Frame, func: Arc<Function>, ns: Option<Arc<Dict>>) {
        let code = &func.code;
        // Plain functions (no closure cells, not a class body) get no `FrameMore`.
        if !(code.cellvars.is_empty() && code.freevars.is_empty() && ns.is_none()) {
            frame.more = Some(self.frame_more(&func, ns));
        }
        frame.func = Some(func);
        frame.pc = 0;
        self.next_frame += 1;
        frame.id = self.next_frame;
        frame.started = false;
    }

    /// The cells (and class namespace) of a frame that has some.
    #[cold]
    #[inline(never)]
    fn frame_more(&mut self, func: &Function, ns: Option<Arc<Dict>>) -> Box<FrameMore> {
        let mut cells: Vec<Arc<Cell>> = func
            .code
            .cellvars
            .iter()
            .map(|_| {
                let cell = Cell::new();
                self.rt.track(Track::Cell(Arc::downgrade(&cell)));
                cell
            })
            .collect();
        cells.extend(func.closure.iter().cloned());
        Box::new(FrameMore {
            ns,
            cells,
            ..FrameMore::default()
        })
    }

    /// A finished frame is emptied and kept for the next calls.
    /// (Emptied one value at a time: numbers, the usual content, need no drop call.)
    fn recycle(&mut self, mut frame: Box<Frame>) {
        while let Some(v) = frame.locals.pop() {
            if let Some(v) = v {
                release(v);
            }
        }
        while let Some(v) = frame.stack.pop() {
            release(v);
        }
        frame.func = None;
        frame.more = None;
        if self.spare_frames.len() < SPARE_FRAMES {
            self.spare_frames.push(frame);
        }
    }

    /// Call any callable.
    ///
    /// # Errors
    /// Whatever the callee raises; TypeError if it is not callable.
    pub fn call(&mut self, f: &Value, mut args: Vec<Value>, kwargs: Kwargs) -> PyResult<Value> {
        match f {
            Value::Function(func) => self.call_function(func, args, kwargs),
            Value::Builtin(b) => (b.f)(self, args, kwargs),
            Value::Method(m) => {
                args.insert(0, m.0.clone());
                self.call(&m.1, args, kwargs)
            }
            Value::BuiltinMethod(m) => match &m.0 {
                Value::Native(n) => n.clone().call_method(self, &m.1, args, kwargs),
                obj => crate::objects::methods::call_method(self, obj, &m.1, args, kwargs),
            },
            Value::Class(c) => self.instantiate(c, args, kwargs),
            Value::Instance(_) | Value::Native(_) => self.call_method(f, "__call__", args, kwargs),
            _ => Err(err(
                "TypeError",
                &format!("'{}' object is not callable", f.type_name()),
            )),
        }
    }

    /// Call a Python function.
    ///
    /// # Errors
    /// Whatever it raises; TypeError for arguments that do not fit.
    pub fn call_function(
        &mut self,
        func: &Arc<Function>,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<Value> {
        let mut frame = self.new_frame(func.clone(), None);
        self.bind_args(&mut frame, func, args, kwargs)?;
        if func.code.generator {
            let made = Value::Generator(Arc::new(Generator {
                frame: Mutex::new(GenState::Suspended(frame)),
                name: func.code.name.clone(),
                result: Mutex::new(Value::None),
                coroutine: func.code.coroutine,
                code: func.code.clone(),
                warn_to: func.code.coroutine.then(|| self.rt.host.clone()),
            }));
            if func.code.async_generator {
                return self.async_generator(made, &func.code.qualname);
            }
            return Ok(made);
        }
        self.eval_breaker()?;
        self.enter()?;
        let r = self.run_frame(&mut frame);
        self.depth -= 1;
        self.recycle(frame);
        match r? {
            Exit::Return(v) | Exit::Yield(v) => Ok(v),
        }
    }

    /// Set up the call of a function whose arguments are already its locals (the fast
    /// path of `Call`; `frame` from `blank_frame`), for `exec` to run.
    fn push_prepared(&mut self, mut frame: Box<Frame>, func: Arc<Function>) -> PyResult<()> {
        self.init_frame(&mut frame, func, None);
        for &(cell, slot) in &frame.func().code.cell_params {
            if let Some(c) = frame.cell(cell) {
                *lock(&c.value) = frame.locals[slot as usize].clone();
            }
        }
        self.push_frame(frame)
    }

    /// Set up the call of a Python function that is not a generator with `args`, for
    /// `exec` to run.
    fn push_call(&mut self, func: Arc<Function>, args: Vec<Value>) -> PyResult<()> {
        let mut frame = self.new_frame(func.clone(), None);
        self.bind_args(&mut frame, &func, args, Vec::new())?;
        self.push_frame(frame)
    }

    fn push_frame(&mut self, frame: Box<Frame>) -> PyResult<()> {
        self.eval_breaker()?;
        // The callee runs in `exec`'s loop, not a level deeper on the native stack: only
        // the recursion limit applies.
        self.enter_depth()?;
        self.called = Some(frame);
        Ok(())
    }

    /// Count a call or backward jump; true every `REENTER_EVERY` of them.
    #[inline]
    fn time_to_reenter(&mut self) -> bool {
        self.calls_and_jumps = self.calls_and_jumps.wrapping_add(1);
        self.calls_and_jumps.is_multiple_of(REENTER_EVERY)
    }

    /// The eval breaker (backward jumps and calls): serve a GIL drop request, and raise
    /// the stop exception once the host has asked the run to stop.
    #[inline]
    fn eval_breaker(&mut self) -> PyResult<()> {
        if self.rt.gil.should_yield() {
            self.gil_yield();
        }
        if self.rt.stopping() {
            return Err(crate::stop::stop_error());
        }
        Ok(())
    }

    /// Enter a frame that runs a level deeper on the native stack: the recursion limit,
    /// and the stack's.
    fn enter(&mut self) -> PyResult<()> {
        if self.stack_exhausted() {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        self.enter_depth()
    }

    /// Enter a frame: one more for the recursion limit.
    fn enter_depth(&mut self) -> PyResult<()> {
        if self.depth >= RECURSION_LIMIT {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        self.depth += 1;
        Ok(())
    }

    /// Has this thread used most of its stack? A host with small stacks (the browser's
    /// workers have 2 MiB) reaches this before the recursion limit; overflowing there would
    /// not trap but overwrite memory.
    fn stack_exhausted(&self) -> bool {
        self.stack_limit != 0 && stack_address() < self.stack_limit
    }

    /// Note where this thread's stack starts, and so how deep calls may go: a quarter (at
    /// least 256 KiB) is kept for what runs between two checks. Worked out once here, so
    /// that a call does not ask the host for its stack size.
    pub(crate) fn set_stack_base(&mut self, base: usize) {
        let size = self.rt.host.stack_size();
        let budget = size - (size / 4).max(256 << 10).min(size);
        // 0 (no check) when the stack starts below the budget, as before the limit was
        // precomputed: the check compared the distance from `base` with the budget.
        self.stack_limit = base.saturating_sub(budget);
    }

    fn bind_args(
        &mut self,
        frame: &mut Frame,
        func: &Arc<Function>,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<()> {
        let code = &func.code;
        let argc = code.argcount as usize;
        let fname = &code.qualname;
        let nargs = args.len();
        if nargs == argc
            && kwargs.is_empty()
            && !code.varargs
            && !code.varkw
            && code.kwonlycount == 0
        {
            // Reuse the argument vector as the locals (same layout: no new allocation).
            let n = code.varnames.len();
            let mut locals: Vec<Option<Value>> = args.into_iter().map(Some).collect();
            locals.resize(n, None);
            frame.locals = locals;
        } else {
            frame.locals = vec![None; code.varnames.len()];
            let kwonly = code.kwonlycount as usize;
            let mut extra = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                if i < argc {
                    frame.locals[i] = Some(a);
                } else {
                    extra.push(a);
                }
            }
            let mut next = argc + kwonly;
            if code.varargs {
                frame.locals[next] = Some(Value::tuple(extra));
                next += 1;
            } else if !extra.is_empty() {
                let given = nargs;
                let takes = if func.defaults.is_empty() {
                    format!(
                        "{argc} positional argument{}",
                        if argc == 1 { "" } else { "s" }
                    )
                } else {
                    format!(
                        "from {} to {argc} positional arguments",
                        argc - func.defaults.len()
                    )
                };
                return Err(err(
                    "TypeError",
                    &format!(
                        "{fname}() takes {takes} but {given} {} given",
                        if given == 1 { "was" } else { "were" }
                    ),
                ));
            }
            let kwdict = if code.varkw {
                Some(Arc::new(Dict::new()))
            } else {
                None
            };
            for (k, v) in kwargs {
                let pos = code.varnames[code.posonlycount as usize..argc + kwonly]
                    .iter()
                    .position(|n| **n == *k)
                    .map(|p| p + code.posonlycount as usize);
                match pos {
                    Some(p) => {
                        if frame.locals[p].is_some() {
                            return Err(err(
                                "TypeError",
                                &format!("{fname}() got multiple values for argument '{k}'"),
                            ));
                        }
                        frame.locals[p] = Some(v);
                    }
                    None => match &kwdict {
                        Some(d) => d.set(Key::Str(k.clone()), Value::Str(k), v),
                        None => {
                            return Err(err(
                                "TypeError",
                                &format!("{fname}() got an unexpected keyword argument '{k}'"),
                            ));
                        }
                    },
                }
            }
            if let Some(d) = kwdict {
                frame.locals[next] = Some(Value::Dict(d));
            }
            let first_default = argc - func.defaults.len();
            let mut missing = Vec::new();
            for i in 0..argc {
                if frame.locals[i].is_none() {
                    if i >= first_default {
                        frame.locals[i] = Some(func.defaults[i - first_default].clone());
                    } else {
                        missing.push(format!("'{}'", code.varnames[i]));
                    }
                }
            }
            if !missing.is_empty() {
                return Err(missing_args(fname, "positional", &missing));
            }
            for i in argc..argc + kwonly {
                if frame.locals[i].is_none() {
                    let name = &code.varnames[i];
                    match func.kwdefaults.iter().find(|(k, _)| k == name) {
                        Some((_, v)) => frame.locals[i] = Some(v.clone()),
                        None => missing.push(format!("'{name}'")),
                    }
                }
            }
            if !missing.is_empty() {
                return Err(missing_args(fname, "keyword-only", &missing));
            }
        }
        for &(cell, slot) in &code.cell_params {
            if let Some(c) = frame.cell(cell) {
                *lock(&c.value) = frame.locals[slot as usize].clone();
            }
        }
        Ok(())
    }

    /// Resume a generator; `None` when it is exhausted.
    ///
    /// # Errors
    /// What the generator raises; ValueError if it is already running.
    pub fn resume(&mut self, g: &Arc<Generator>, send: Value) -> PyResult<Option<Value>> {
        let state = std::mem::replace(&mut *lock(&g.frame), GenState::Running);
        let mut frame = match state {
            GenState::Suspended(f) => f,
            GenState::Running => {
                return Err(err("ValueError", "generator already executing"));
            }
            GenState::Finished => {
                *lock(&g.frame) = GenState::Finished;
                return Ok(None);
            }
        };
        if frame.started {
            frame.stack.push(send);
        }
        frame.started = true;
        self.drive(g, frame)
    }

    /// Run a frame to its return (or yield). The Python functions it calls run here too,
    /// in this loop rather than each a level deeper on the native stack, as in CPython
    /// 3.11+: deep recursion then needs no native stack, which in the browser is small
    /// (about 1 MB) and whose overflow is an exception that no Rust code can clean up
    /// after.
    ///
    /// `exec` runs the calls and returns itself, and comes back here only to have an
    /// exception handled, or every `REENTER_EVERY` calls and backward jumps: a browser's
    /// engine swaps in its optimised code of a wasm function only when the function is
    /// entered again (it has no on-stack replacement for wasm). An `exec` that never
    /// returned ran a whole main program at the engine's first, baseline tier, about twice
    /// as slow as its threads, which entered `exec` later: a page's first run of four
    /// threads under the GIL showed a 1.9x speedup.
    fn run_frame(&mut self, f: &mut Frame) -> PyResult<Exit> {
        if self.native_depth >= NATIVE_DEPTH_LIMIT {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        self.native_depth += 1;
        let r = self.run_frames(f);
        self.native_depth -= 1;
        r
    }

    fn run_frames(&mut self, f: &mut Frame) -> PyResult<Exit> {
        // The frames called from `f`, innermost last.
        #[allow(clippy::vec_box)]
        let mut calls: Vec<Box<Frame>> = Vec::new();
        // An exception that left a called frame, to raise in its caller.
        let mut raised: Option<Box<PyErr>> = None;
        loop {
            let cur: &mut Frame = match calls.last_mut() {
                Some(c) => c,
                None => &mut *f,
            };
            let pending = match raised.take() {
                Some(e) => Some(e),
                None => cur.more.as_mut().and_then(|m| m.pending.take()),
            };
            let r = match pending {
                Some(e) => Err(e),
                None => self.exec(f, &mut calls),
            };
            // `exec` ran the calls; the frame that raised is the innermost one left.
            let cur: &mut Frame = match calls.last_mut() {
                Some(c) => c,
                None => &mut *f,
            };
            match r {
                Ok(Some(exit)) => return Ok(exit),
                Ok(None) => {}
                Err(mut e) => {
                    let line = cur
                        .func()
                        .code
                        .lines
                        .get(cur.pc.saturating_sub(1))
                        .copied()
                        .unwrap_or(0);
                    if e.tb.last().map(|t| t.frame_id) != Some(cur.id) {
                        e.tb.push(TbEntry {
                            filename: cur.func().code.filename.clone(),
                            line,
                            name: cur.func().code.name.clone(),
                            frame_id: cur.id,
                        });
                    }
                    // Find a handler in this frame.
                    let mut handled = false;
                    while let Some(b) = cur.pop_block() {
                        match b {
                            Block::Active => {
                                // Raised while handling another exception: chain it.
                                if let Some(h) = self.handling.pop() {
                                    set_context(&e.exc, &h.exc);
                                }
                            }
                            Block::Handler { target, level } => {
                                cur.stack.truncate(level as usize);
                                cur.more().blocks.push(Block::Active);
                                cur.stack.push(e.exc.clone());
                                store_traceback(&e);
                                self.handling.push(e.clone());
                                cur.pc = target as usize;
                                handled = true;
                                break;
                            }
                        }
                    }
                    if !handled {
                        // Unhandled here: the caller raises it, where it called.
                        let Some(done) = calls.pop() else {
                            return Err(e);
                        };
                        self.depth -= 1;
                        self.recycle(done);
                        raised = Some(e);
                    }
                }
            }
        }
    }

    /// Pop a frame's value stack. (It takes the stack alone, not the frame, so that the
    /// evaluation loop can hold the frame's code while it pops.)
    #[inline]
    fn pop(stack: &mut Vec<Value>) -> Value {
        match stack.pop() {
            Some(v) => v,
            None => Value::None,
        }
    }

    fn popn(stack: &mut Vec<Value>, n: usize) -> Vec<Value> {
        let at = stack.len().saturating_sub(n);
        stack.split_off(at)
    }

    fn name(f: &Frame, i: u32) -> Arc<str> {
        f.func().code.names[i as usize].clone()
    }

    /// Store a global, through the same position cache as `load_global`.
    fn store_global(&self, f: &Frame, i: usize, v: Value) {
        let name = &f.func().code.names[i];
        let globals = &f.func().globals;
        let slot = &f.func().global_cache[i];
        let cached = slot.load(Ordering::Relaxed);
        let v = if cached != 0 && cached & (1 << 63) == 0 {
            match globals.replace_at_str((cached & 0xffff_ffff) as usize - 1, name, v) {
                Ok(()) => return,
                Err(v) => v,
            }
        } else {
            v
        };
        globals.set(Key::Str(name.clone()), Value::Str(name.clone()), v);
        if let Some((index, _)) = globals.find_str(name) {
            slot.store(index as u64 + 1, Ordering::Relaxed);
        }
    }

    /// Look up a global, then a builtin. Each function caches where it found each name:
    /// a global's position in the module dict (checked by name on use), or a builtin's
    /// position together with the module dict's key version (the name is still not a global
    /// while that version is unchanged).
    fn load_global(&self, f: &Frame, i: u32) -> PyResult<Value> {
        const BUILTIN: u64 = 1 << 63;
        const VERSION_BITS: u64 = 0x3fff_ffff;
        let i = i as usize;
        let name = &f.func().code.names[i];
        let globals = &f.func().globals;
        let slot = &f.func().global_cache[i];
        let cached = slot.load(Ordering::Relaxed);
        if cached != 0 {
            let index = (cached & 0xffff_ffff) as usize - 1;
            if cached & BUILTIN == 0 {
                if let Some(v) = globals.get_at_str(index, name) {
                    return Ok(v);
                }
            } else if (cached >> 32) & VERSION_BITS == globals.keys_version() & VERSION_BITS {
                if let Some(v) = self.rt.builtins.get_at_str(index, name) {
                    return Ok(v);
                }
            }
        }
        // Read the version before looking: a global added meanwhile changes it, so the
        // builtin entry cached below can never hide that global.
        let version = globals.keys_version() & VERSION_BITS;
        if let Some((index, v)) = globals.find_str(name) {
            slot.store(index as u64 + 1, Ordering::Relaxed);
            return Ok(v);
        }
        if let Some((index, v)) = self.rt.builtins.find_str(name) {
            slot.store(
                BUILTIN | (version << 32) | (index as u64 + 1),
                Ordering::Relaxed,
            );
            return Ok(v);
        }
        Err(err("NameError", &format!("name '{name}' is not defined")))
    }

    #[allow(clippy::too_many_lines)]
    /// Run `base`'s code, and the Python functions it calls, until `base` returns or
    /// yields (`Some`), or until it is time to enter `exec` again (`None`, see
    /// `run_frame`). A call pushes the callee's frame on `calls` and runs it in this same
    /// loop, a return pops it; an exception leaves them where they are, for `run_frames`
    /// to find a handler.
    #[allow(clippy::vec_box)]
    fn exec(&mut self, base: &mut Frame, calls: &mut Vec<Box<Frame>>) -> PyResult<Option<Exit>> {
        loop {
            let f: &mut Frame = match calls.last_mut() {
                Some(c) => c,
                None => &mut *base,
            };
            // The code is borrowed from the frame (the loop below touches the frame's other
            // fields only), not cloned: no reference count per call. Instructions that need
            // the whole frame leave the inner loop for `exec_slow`.
            let code = &*func_of(&f.func).code;
            let ops = &code.ops[..];
            let slow = loop {
                let op = ops[f.pc];
                f.pc += 1;
                match op {
                    Op::LoadConst(i) => {
                        let c = &code.consts[i as usize];
                        f.stack.push(const_value(c));
                    }
                    Op::LoadFast(i) => load_fast(&mut f.stack, &f.locals, code, i)?,
                    Op::FastIntArith(l, bop, k) => {
                        if let Some(Value::Int(x)) = f.locals[l as usize] {
                            if let Some(r) = small_int_op(bop, x, i64::from(k)) {
                                store_or_push(&mut f.pc, &mut f.locals, &mut f.stack, ops, r);
                                continue;
                            }
                        }
                        load_fast(&mut f.stack, &f.locals, code, u32::from(l))?;
                    }
                    Op::FastFastArith(a, b, bop) => {
                        if let (Some(Value::Int(x)), Some(Value::Int(y))) =
                            (&f.locals[a as usize], &f.locals[b as usize])
                        {
                            if let Some(r) = small_int_op(bop, *x, *y) {
                                store_or_push(&mut f.pc, &mut f.locals, &mut f.stack, ops, r);
                                continue;
                            }
                        }
                        load_fast(&mut f.stack, &f.locals, code, u32::from(a))?;
                    }
                    Op::FastIntCompare(l, c, k) => {
                        if let Some(Value::Int(x)) = f.locals[l as usize] {
                            let r = int_compare(c, x, i64::from(k));
                            // Skip the `LoadConst` and the comparison; take a conditional
                            // jump on the result too.
                            f.pc += 2;
                            jump_or_push(&mut f.pc, &mut f.stack, ops, r);
                            continue;
                        }
                        load_fast(&mut f.stack, &f.locals, code, u32::from(l))?;
                    }
                    Op::FastFast(a, b) => {
                        if let (Some(x), Some(y)) = (&f.locals[a as usize], &f.locals[b as usize]) {
                            let (x, y) = (Value::fast_clone(x), Value::fast_clone(y));
                            f.stack.push(x);
                            f.stack.push(y);
                            f.pc += 1;
                            continue;
                        }
                        load_fast(&mut f.stack, &f.locals, code, u32::from(a))?;
                    }
                    Op::StoreFast(i) => {
                        let v = Self::pop(&mut f.stack);
                        let old = f.locals[i as usize].replace(v);
                        if let Some(old) = old {
                            release(old);
                        }
                    }
                    Op::LoadDeref(i) => {
                        let v = f.cell(i).and_then(|c| lock(&c.value).clone());
                        match v {
                            Some(v) => f.stack.push(v),
                            None => {
                                let i = i as usize;
                                let name = if i < code.cellvars.len() {
                                    &code.cellvars[i]
                                } else {
                                    &code.freevars[i - code.cellvars.len()]
                                };
                                return Err(err(
                                    "NameError",
                                    &format!(
                                        "cannot access free variable '{name}' where it is not associated with a value in enclosing scope"
                                    ),
                                ));
                            }
                        }
                    }
                    Op::StoreDeref(i) => {
                        let v = Self::pop(&mut f.stack);
                        if let Some(c) = f.cell(i) {
                            *lock(&c.value) = Some(v);
                        }
                    }
                    Op::LoadGlobal(i) => {
                        let v = self.load_global(f, i)?;
                        f.stack.push(v);
                    }
                    Op::StoreGlobal(i) => {
                        let v = Self::pop(&mut f.stack);
                        self.store_global(f, i as usize, v);
                    }
                    Op::LoadAttr(i) => {
                        let o = Self::pop(&mut f.stack);
                        let v = self.get_attr(&o, &code.names[i as usize])?;
                        f.stack.push(v);
                    }
                    Op::StoreAttr(i) => {
                        let o = Self::pop(&mut f.stack);
                        let v = Self::pop(&mut f.stack);
                        self.set_attr(&o, &code.names[i as usize], v)?;
                    }
                    Op::CallMethod(name, argc) => {
                        let name = &code.names[name as usize];
                        match self.call_method_op(&mut f.stack, name, argc as usize)? {
                            Some(v) => f.stack.push(v),
                            None => break Leave::Call,
                        }
                    }
                    Op::Binary(bop) => {
                        let b = Self::pop(&mut f.stack);
                        let a = Self::pop(&mut f.stack);
                        let v = match (&a, &b) {
                            (Value::Int(x), Value::Int(y)) => small_int_op(bop, *x, *y),
                            _ => None,
                        };
                        let v = match v {
                            Some(v) => Value::Int(v),
                            None => self.binary(bop, &a, &b)?,
                        };
                        release(a);
                        release(b);
                        f.stack.push(v);
                    }
                    Op::Inplace(bop) => {
                        let b = Self::pop(&mut f.stack);
                        let a = Self::pop(&mut f.stack);
                        // Ints are immutable: `a op= b` is `a op b` for them.
                        let v = match (&a, &b) {
                            (Value::Int(x), Value::Int(y)) => match small_int_op(bop, *x, *y) {
                                Some(s) => Value::Int(s),
                                None => self.binary(bop, &a, &b)?,
                            },
                            _ => self.inplace(bop, &a, &b)?,
                        };
                        release(a);
                        release(b);
                        // `x += y` on a local stores the result next: done here.
                        if let Some(&Op::StoreFast(j)) = ops.get(f.pc) {
                            f.pc += 1;
                            if let Some(old) = f.locals[j as usize].replace(v) {
                                release(old);
                            }
                        } else {
                            f.stack.push(v);
                        }
                    }
                    Op::Compare(c) => {
                        let b = Self::pop(&mut f.stack);
                        let a = Self::pop(&mut f.stack);
                        if let (&Value::Int(x), &Value::Int(y)) = (&a, &b) {
                            let r = int_compare(c, x, y);
                            jump_or_push(&mut f.pc, &mut f.stack, ops, r);
                            release(a);
                            release(b);
                            continue;
                        }
                        let v = self.compare(c, &a, &b)?;
                        release(a);
                        release(b);
                        f.stack.push(v);
                    }
                    Op::Is(neg) => {
                        let b = Self::pop(&mut f.stack);
                        let a = Self::pop(&mut f.stack);
                        f.stack.push(Value::Bool(a.is(&b) != neg));
                    }
                    Op::Subscr => {
                        let i = Self::pop(&mut f.stack);
                        let o = Self::pop(&mut f.stack);
                        // A list at an int index in range: inline (errors take the general path).
                        let item = match (&o, &i) {
                            (Value::List(l), &Value::Int(k)) => {
                                let items = lock(&l.items);
                                let k = if k < 0 { k + items.len() as i64 } else { k };
                                usize::try_from(k).ok().and_then(|k| items.get(k).cloned())
                            }
                            _ => None,
                        };
                        let v = match item {
                            Some(v) => v,
                            None => self.getitem(&o, &i)?,
                        };
                        release(i);
                        f.stack.push(v);
                    }
                    Op::StoreSubscr => {
                        let i = Self::pop(&mut f.stack);
                        let o = Self::pop(&mut f.stack);
                        let v = Self::pop(&mut f.stack);
                        self.setitem(&o, &i, v)?;
                    }
                    Op::BuildTuple(n) => {
                        let items = Self::popn(&mut f.stack, n as usize);
                        f.stack.push(Value::tuple(items));
                    }
                    Op::ListAppend(d) => {
                        let v = Self::pop(&mut f.stack);
                        let at = f.stack.len() - d as usize;
                        if let Value::List(l) = &f.stack[at] {
                            lock(&l.items).push(v);
                        }
                    }
                    Op::Jump(t) => {
                        let back = (t as usize) < f.pc;
                        // (Before the jump: an exception here is the loop's last line's.)
                        if back {
                            self.eval_breaker()?;
                        }
                        f.pc = t as usize;
                        if back && self.time_to_reenter() {
                            return Ok(None);
                        }
                    }
                    Op::PopJumpIfFalse(t) | Op::PopJumpIfTrue(t) => {
                        let v = Self::pop(&mut f.stack);
                        // Comparisons leave a bool: test it without the general call.
                        let b = match v {
                            Value::Bool(b) => b,
                            _ => self.truthy(&v)?,
                        };
                        if b == matches!(op, Op::PopJumpIfTrue(_)) {
                            f.pc = t as usize;
                        }
                    }
                    Op::JumpIfFalseOrPop(t) => {
                        let v = f.stack.last().cloned().unwrap_or(Value::None);
                        if self.truthy(&v)? {
                            f.stack.pop();
                        } else {
                            f.pc = t as usize;
                        }
                    }
                    Op::JumpIfTrueOrPop(t) => {
                        let v = f.stack.last().cloned().unwrap_or(Value::None);
                        if self.truthy(&v)? {
                            f.pc = t as usize;
                        } else {
                            f.stack.pop();
                        }
                    }
                    Op::GetIter => {
                        let v = Self::pop(&mut f.stack);
                        let it = self.iter(&v)?;
                        f.stack.push(it);
                    }
                    Op::ForIter(t) => {
                        // Fast path: a built-in iterator that needs no Python code.
                        let step = match f.stack.last() {
                            Some(Value::Iter(it)) => Some(crate::objects::iter::simple_next(it)),
                            _ => None,
                        };
                        if let Some(step) = step {
                            match step {
                                crate::objects::iter::Step::Item(v) => {
                                    // `for x in ...` stores the item at once: done here.
                                    match ops.get(f.pc) {
                                        Some(&Op::StoreFast(j)) => {
                                            f.pc += 1;
                                            if let Some(old) = f.locals[j as usize].replace(v) {
                                                release(old);
                                            }
                                        }
                                        Some(&Op::StoreGlobal(j)) => {
                                            f.pc += 1;
                                            // A module-level loop reads its variable first thing:
                                            // that load is the value just stored.
                                            if ops.get(f.pc) == Some(&Op::LoadGlobal(j)) {
                                                f.pc += 1;
                                                f.stack.push(Value::fast_clone(&v));
                                            }
                                            self.store_global(f, j as usize, v);
                                        }
                                        _ => f.stack.push(v),
                                    }
                                    continue;
                                }
                                crate::objects::iter::Step::Stop => {
                                    f.stack.pop();
                                    f.pc = t as usize;
                                    continue;
                                }
                                crate::objects::iter::Step::Complex => {}
                            }
                        }
                        let it = f.stack.last().cloned().unwrap_or(Value::None);
                        match self.next(&it)? {
                            Some(v) => f.stack.push(v),
                            None => {
                                f.stack.pop();
                                f.pc = t as usize;
                            }
                        }
                    }
                    Op::Pop => {
                        f.stack.pop();
                    }
                    Op::Dup => {
                        let v = f.stack.last().cloned().unwrap_or(Value::None);
                        f.stack.push(v);
                    }
                    Op::Rot2 => {
                        let n = f.stack.len();
                        f.stack.swap(n - 1, n - 2);
                    }
                    Op::Call(n) => {
                        let n = n as usize;
                        let at = f.stack.len() - n - 1;
                        // Fast path: a plain Python function called with exactly its positional
                        // parameters: the arguments become its locals in one allocation.
                        // The function moves from the stack into the frame (no reference count).
                        if let Value::Function(callee) = &f.stack[at] {
                            if plain_call(&callee.code, n) {
                                let nlocals = callee.code.varnames.len();
                                let mut frame = self.blank_frame();
                                move_args(&mut f.stack, at + 1, &mut frame.locals, nlocals);
                                if let Some(Value::Function(callee)) = f.stack.pop() {
                                    self.push_prepared(frame, callee)?;
                                    break Leave::Call;
                                }
                            }
                        }
                        let args = Self::popn(&mut f.stack, n);
                        match Self::pop(&mut f.stack) {
                            // Any other Python function but a generator's also runs in
                            // this loop.
                            Value::Function(callee) if !callee.code.generator => {
                                self.push_call(callee, args)?;
                                break Leave::Call;
                            }
                            callee => {
                                let v = self.call(&callee, args, Vec::new())?;
                                f.stack.push(v);
                            }
                        }
                    }
                    Op::Return => {
                        break Leave::Return(Self::pop(&mut f.stack));
                    }
                    other => break Leave::Slow(other),
                }
            };
            let exit = match slow {
                Leave::Call => {
                    if let Some(callee) = self.called.take() {
                        calls.push(callee);
                    }
                    if self.time_to_reenter() {
                        return Ok(None);
                    }
                    continue;
                }
                Leave::Return(v) => Exit::Return(v),
                Leave::Slow(op) => match self.exec_slow(f, op)? {
                    Some(exit) => exit,
                    None => continue,
                },
            };
            // The innermost frame exited: return to its caller, or leave when it is `base`.
            let Some(done) = calls.pop() else {
                return Ok(Some(exit));
            };
            self.depth -= 1;
            self.recycle(done);
            // A called frame is never a generator's: it returned.
            let (Exit::Return(v) | Exit::Yield(v)) = exit;
            match calls.last_mut() {
                Some(c) => c.stack.push(v),
                None => base.stack.push(v),
            }
        }
    }

    /// `CallMethod`: call method `name` of the object under `n` arguments on the stack:
    /// its result, or `None` when it is a Python function set up for `exec` to run.
    /// Kept out of `exec`, whose hot loop slows down as it grows.
    #[inline(never)]
    fn call_method_op(
        &mut self,
        stack: &mut Vec<Value>,
        name: &Arc<str>,
        n: usize,
    ) -> PyResult<Option<Value>> {
        let at = stack.len() - n - 1;
        // Fast path: a Python function found on an instance's class (and not hidden by an
        // instance attribute) gets the instance as its first argument straight from the
        // stack, with no bound method made.
        let method = match &stack[at] {
            Value::Instance(inst) => {
                let shadowed = lock(&inst.dict).contains_key(name);
                match inst.class.lookup(name) {
                    Some(Value::Function(m)) if !shadowed => Some(m),
                    _ => None,
                }
            }
            _ => None,
        };
        // `list.append(x)`, the commonest method call of all: no argument vector.
        if n == 1 && &**name == "append" {
            let (obj, arg) = stack.split_at_mut(at + 1);
            if let Value::List(l) = &obj[at] {
                lock(&l.items).push(std::mem::replace(&mut arg[0], Value::None));
                stack.truncate(at);
                return Ok(Some(Value::None));
            }
        }
        if let Some(callee) = method {
            if plain_call(&callee.code, n + 1) {
                let nlocals = callee.code.varnames.len();
                let mut frame = self.blank_frame();
                move_args(stack, at, &mut frame.locals, nlocals);
                self.push_prepared(frame, callee)?;
                return Ok(None);
            }
            let args: Vec<Value> = stack.drain(at..).collect();
            if callee.code.generator {
                return self.call_function(&callee, args, Vec::new()).map(Some);
            }
            self.push_call(callee, args)?;
            return Ok(None);
        }
        let args = Self::popn(stack, n);
        let obj = Self::pop(stack);
        self.call_method(&obj, name, args, Vec::new()).map(Some)
    }

    /// The less frequent instructions, kept out of `exec` so that the hot loop stays small.
    #[inline(never)]
    #[allow(clippy::too_many_lines)]
    fn exec_slow(&mut self, f: &mut Frame, op: Op) -> PyResult<Option<Exit>> {
        let code = &*func_of(&f.func).code;
        match op {
            Op::DeleteFast(i) => f.locals[i as usize] = None,
            Op::LoadClosure(i) => {
                // Cells travel inside a tuple of natives; represented as a cell wrapper.
                let Some(cell) = f.cell(i).cloned() else {
                    return Err(err("SystemError", "bad cell index"));
                };
                f.stack.push(Value::Native(Arc::new(CellRef(cell))));
            }
            Op::DeleteGlobal(i) => {
                let n = Self::name(f, i);
                if f.func().globals.remove(&Key::Str(n.clone())).is_none() {
                    return Err(err("NameError", &format!("name '{n}' is not defined")));
                }
            }
            Op::LoadName(i) => {
                let n = Self::name(f, i);
                let found = f.ns().and_then(|ns| ns.get(&Key::Str(n.clone())));
                let v = match found {
                    Some(v) => v,
                    None => self.load_global(f, i)?,
                };
                f.stack.push(v);
            }
            Op::StoreName(i) => {
                let v = Self::pop(&mut f.stack);
                let n = Self::name(f, i);
                let ns = f.ns().cloned().unwrap_or_else(|| f.func().globals.clone());
                ns.set(Key::Str(n.clone()), Value::Str(n), v);
            }
            Op::DeleteAttr(i) => {
                let o = Self::pop(&mut f.stack);
                self.del_attr(&o, &code.names[i as usize])?;
            }
            Op::Unary(u) => {
                let a = Self::pop(&mut f.stack);
                let v = self.unary(u, &a)?;
                f.stack.push(v);
            }
            Op::In(neg) => {
                let b = Self::pop(&mut f.stack);
                let a = Self::pop(&mut f.stack);
                let r = self.contains(&b, &a)?;
                f.stack.push(Value::Bool(r != neg));
            }
            Op::DeleteSubscr => {
                let i = Self::pop(&mut f.stack);
                let o = Self::pop(&mut f.stack);
                self.delitem(&o, &i)?;
            }
            Op::BuildList(n) => {
                let items = Self::popn(&mut f.stack, n as usize);
                f.stack.push(Value::list(items));
            }
            Op::BuildSet(n) => {
                let items = Self::popn(&mut f.stack, n as usize);
                let s = crate::objects::Set::new();
                for it in items {
                    let k = self.key(&it)?;
                    lock(&s.items).insert(k, it);
                }
                f.stack.push(Value::Set(Arc::new(s)));
            }
            Op::BuildMap(n) => {
                let items = Self::popn(&mut f.stack, 2 * n as usize);
                let d = Dict::new();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    let key = self.key(&k)?;
                    d.set(key, k, v);
                }
                f.stack.push(Value::Dict(Arc::new(d)));
            }
            Op::BuildSlice(n) => {
                let mut items = Self::popn(&mut f.stack, n as usize);
                if items.len() == 2 {
                    items.push(Value::None);
                }
                let arr = [items[0].clone(), items[1].clone(), items[2].clone()];
                f.stack.push(Value::Slice(Arc::new(arr)));
            }
            Op::BuildString(n) => {
                let at = f.stack.len().saturating_sub(n as usize);
                let parts = &f.stack[at..];
                let len = parts
                    .iter()
                    .map(|v| match v {
                        Value::Str(x) => x.len(),
                        _ => 0,
                    })
                    .sum();
                let mut s = String::with_capacity(len);
                for it in parts {
                    if let Value::Str(x) = it {
                        s.push_str(x);
                    }
                }
                f.stack.truncate(at);
                f.stack.push(Value::str(&s));
            }
            Op::FormatValue(conv, has_spec) => {
                let spec = if has_spec {
                    Some(Self::pop(&mut f.stack))
                } else {
                    None
                };
                let v = Self::pop(&mut f.stack);
                let spec = match &spec {
                    Some(Value::Str(s)) => &**s,
                    _ => "",
                };
                // A string without conversion or spec is its own format: no copy.
                if let (0 | 1, "", Value::Str(_)) = (conv, spec, &v) {
                    f.stack.push(v);
                    return Ok(None);
                }
                let v = match conv {
                    1 => Value::str(&self.to_str(&v)?),
                    2 | 3 => Value::str(&self.repr(&v)?),
                    _ => v,
                };
                let s = self.format(&v, spec)?;
                f.stack.push(Value::str(&s));
            }
            Op::SetAdd(d) => {
                let v = Self::pop(&mut f.stack);
                let k = self.key(&v)?;
                let at = f.stack.len() - d as usize;
                if let Value::Set(s) = &f.stack[at] {
                    lock(&s.items).insert(k, v);
                }
            }
            Op::MapAdd(d) => {
                let v = Self::pop(&mut f.stack);
                let k = Self::pop(&mut f.stack);
                let key = self.key(&k)?;
                let at = f.stack.len() - d as usize;
                if let Value::Dict(m) = &f.stack[at] {
                    m.set(key, k, v);
                }
            }
            Op::ListExtend => {
                let it = Self::pop(&mut f.stack);
                let items = self.to_vec(&it)?;
                if let Some(Value::List(l)) = f.stack.last() {
                    lock(&l.items).extend(items);
                }
            }
            Op::DictUpdate => {
                let m = Self::pop(&mut f.stack);
                let Value::Dict(src) = &m else {
                    return Err(err(
                        "TypeError",
                        &format!("argument after ** must be a mapping, not {}", m.type_name()),
                    ));
                };
                if let Some(Value::Dict(d)) = f.stack.last() {
                    for (k, v) in src.items() {
                        let key = self.key(&k)?;
                        d.set(key, k, v);
                    }
                }
            }
            Op::ListToTuple => {
                let l = Self::pop(&mut f.stack);
                let items = self.to_vec(&l)?;
                f.stack.push(Value::tuple(items));
            }
            Op::UnpackSequence(n) => {
                let v = Self::pop(&mut f.stack);
                // A tuple of the right size (`for k, v in d.items()`) needs no copy.
                if let Value::Tuple(t) = &v {
                    if t.len() == n as usize {
                        f.stack.extend(t.iter().rev().cloned());
                        return Ok(None);
                    }
                }
                let items = self.to_vec(&v)?;
                let n = n as usize;
                if items.len() != n {
                    let msg = if items.len() > n {
                        format!("too many values to unpack (expected {n})")
                    } else {
                        format!(
                            "not enough values to unpack (expected {n}, got {})",
                            items.len()
                        )
                    };
                    return Err(err("ValueError", &msg));
                }
                f.stack.extend(items.into_iter().rev());
            }
            Op::UnpackEx(before, after) => {
                let v = Self::pop(&mut f.stack);
                let mut items = self.to_vec(&v)?;
                let (b, a) = (before as usize, after as usize);
                if items.len() < b + a {
                    return Err(err(
                        "ValueError",
                        &format!(
                            "not enough values to unpack (expected at least {}, got {})",
                            b + a,
                            items.len()
                        ),
                    ));
                }
                let tail = items.split_off(items.len() - a);
                let mid = items.split_off(b);
                for t in tail.into_iter().rev() {
                    f.stack.push(t);
                }
                f.stack.push(Value::list(mid));
                for h in items.into_iter().rev() {
                    f.stack.push(h);
                }
            }
            Op::Dup2 => {
                let n = f.stack.len();
                let (a, b) = (f.stack[n - 2].clone(), f.stack[n - 1].clone());
                f.stack.push(a);
                f.stack.push(b);
            }
            Op::Rot3 => {
                let v = Self::pop(&mut f.stack);
                let n = f.stack.len();
                f.stack.insert(n - 2, v);
            }
            Op::CallKw(n, names) => {
                let Const::Names(names) = &code.consts[names as usize] else {
                    return Err(err("SystemError", "bad keyword names"));
                };
                let mut args = Self::popn(&mut f.stack, n as usize);
                let kwvals = args.split_off(args.len() - names.len());
                let callee = Self::pop(&mut f.stack);
                let kwargs = names.iter().cloned().zip(kwvals).collect();
                let v = self.call(&callee, args, kwargs)?;
                f.stack.push(v);
            }
            Op::CallEx(has_kw) => {
                let kw = if has_kw {
                    Some(Self::pop(&mut f.stack))
                } else {
                    None
                };
                let args = Self::pop(&mut f.stack);
                let callee = Self::pop(&mut f.stack);
                let args = self.to_vec(&args)?;
                let mut kwargs = Vec::new();
                if let Some(Value::Dict(d)) = kw {
                    for (k, v) in d.items() {
                        match k {
                            Value::Str(s) => kwargs.push((s, v)),
                            _ => return Err(err("TypeError", "keywords must be strings")),
                        }
                    }
                }
                let v = self.call(&callee, args, kwargs)?;
                f.stack.push(v);
            }
            Op::MakeFunction(ci, flags) => {
                let Const::Code(fcode) = &code.consts[ci as usize] else {
                    return Err(err("SystemError", "bad code constant"));
                };
                let closure = if flags & 4 != 0 {
                    match Self::pop(&mut f.stack) {
                        Value::Tuple(t) => t
                            .iter()
                            .filter_map(|c| match c {
                                Value::Native(n) => {
                                    n.as_any().downcast_ref::<CellRef>().map(|c| c.0.clone())
                                }
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    }
                } else {
                    Vec::new()
                };
                let kwdefaults = if flags & 2 != 0 {
                    match Self::pop(&mut f.stack) {
                        Value::Dict(d) => d
                            .items()
                            .into_iter()
                            .filter_map(|(k, v)| match k {
                                Value::Str(s) => Some((s, v)),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    }
                } else {
                    Vec::new()
                };
                let defaults = if flags & 1 != 0 {
                    match Self::pop(&mut f.stack) {
                        Value::Tuple(t) => t.to_vec(),
                        _ => Vec::new(),
                    }
                } else {
                    Vec::new()
                };
                f.stack.push(Value::Function(Arc::new(Function {
                    global_cache: Function::new_cache(fcode),
                    code: fcode.clone(),
                    globals: f.func().globals.clone(),
                    defaults,
                    kwdefaults,
                    closure,
                    owner: Mutex::new(Weak::new()),
                })));
            }
            Op::Yield => {
                let v = Self::pop(&mut f.stack);
                return Ok(Some(Exit::Yield(v)));
            }
            Op::SetupExcept(t) => {
                let level = f.stack.len() as u32;
                f.more().blocks.push(Block::Handler { target: t, level });
            }
            Op::SetupWith(t) => {
                let level = f.stack.len().saturating_sub(1) as u32;
                f.more().blocks.push(Block::Handler { target: t, level });
            }
            Op::PopBlock => {
                f.pop_block();
            }
            Op::PopExcept => {
                f.pop_block();
                self.handling.pop();
            }
            Op::Raise(n) => return Err(self.raise(f, n)?),
            Op::CheckExcMatch => {
                let cls = Self::pop(&mut f.stack);
                let exc = f.stack.last().cloned().unwrap_or(Value::None);
                let m = self.exc_matches(&exc, &cls)?;
                f.stack.push(Value::Bool(m));
            }
            Op::BeforeWith => {
                let mgr = Self::pop(&mut f.stack);
                let exit = self.get_attr(&mgr, "__exit__")?;
                let entered = self.call_method(&mgr, "__enter__", Vec::new(), Vec::new())?;
                f.stack.push(exit);
                f.stack.push(entered);
            }
            Op::CallExitNone => {
                let exit = Self::pop(&mut f.stack);
                self.call(
                    &exit,
                    vec![Value::None, Value::None, Value::None],
                    Vec::new(),
                )?;
            }
            Op::WithExcept => {
                let n = f.stack.len();
                let exc = f.stack[n - 1].clone();
                let exit = f.stack[n - 2].clone();
                let cls = Value::Class(exc.class());
                let r = self.call(&exit, vec![cls, exc, Value::None], Vec::new())?;
                let b = self.truthy(&r)?;
                f.stack.push(Value::Bool(b));
            }
            Op::BuildClass => {
                let body = Self::pop(&mut f.stack);
                let bases = Self::pop(&mut f.stack);
                let name = Self::pop(&mut f.stack);
                let c = self.build_class(&name, &bases, &body)?;
                f.stack.push(c);
            }
            Op::Import(i) => {
                let m = crate::modules::import(self, &code.names[i as usize])?;
                f.stack.push(m);
            }
            Op::ImportFrom(i) => {
                let m = f.stack.last().cloned().unwrap_or(Value::None);
                let n = &code.names[i as usize];
                let v = match &m {
                    Value::Module(md) => match md.dict.get_str(n) {
                        Some(v) => v,
                        // `from package import submodule` imports the submodule.
                        None => crate::modules::import(self, &format!("{}.{n}", md.name)).map_err(
                            |_| {
                                err(
                                    "ImportError",
                                    &format!("cannot import name '{n}' from '{}'", md.name),
                                )
                            },
                        )?,
                    },
                    _ => self.get_attr(&m, n)?,
                };
                f.stack.push(v);
            }
            Op::LoadSuper => {
                let owner = lock(&f.func().owner).upgrade();
                let this = f.locals.first().cloned().flatten();
                match (owner, this) {
                    (Some(c), Some(this)) => {
                        f.stack.push(Value::Super(Arc::new((c, this))));
                    }
                    _ => return Err(err("RuntimeError", "super(): no arguments")),
                }
            }
            Op::AssertFail(has_msg) => {
                let args = if has_msg {
                    vec![Self::pop(&mut f.stack)]
                } else {
                    vec![]
                };
                return Err(Box::new(PyErr {
                    exc: new_exception(exc_class("AssertionError"), args),
                    tb: Vec::new(),
                }));
            }
            Op::Nop => {}
            Op::GetAwaitable => {
                let v = Self::pop(&mut f.stack);
                let a = self.get_awaitable(v)?;
                f.stack.push(a);
            }
            Op::YieldFrom => return self.yield_from(f),
            Op::BeforeAsyncWith | Op::CallAsyncExitNone | Op::AsyncWithExcept => {
                self.async_with_op(f, op)?;
            }
            Op::GetAIter => {
                let v = Self::pop(&mut f.stack);
                let it = self.get_aiter(&v)?;
                f.stack.push(it);
            }
            Op::EndAsyncFor => self.end_async_for(f)?,
            Op::ExcStarBegin | Op::ExcStarMatch | Op::ExcStarRaised | Op::ExcStarEnd => {
                self.except_star_op(f, op)?;
            }
            Op::AsyncGenWrap => {
                let v = Self::pop(&mut f.stack);
                f.stack.push(coro::wrap_async_gen_value(v));
            }
            _ => {}
        }
        Ok(None)
    }

    fn raise(&mut self, f: &mut Frame, n: u8) -> PyResult<Box<PyErr>> {
        if n == 0 {
            return match self.handling.last() {
                Some(e) => Ok(e.clone()),
                None => Err(err("RuntimeError", "No active exception to reraise")),
            };
        }
        let cause = if n == 2 {
            Some(Self::pop(&mut f.stack))
        } else {
            None
        };
        let v = Self::pop(&mut f.stack);
        let exc = self.make_exception(v)?;
        if let Some(c) = cause {
            let c = match c {
                Value::None => Value::None,
                other => self.make_exception(other)?,
            };
            if let Value::Instance(i) = &exc {
                lock(&i.dict).insert(Arc::from("__cause__"), c);
            }
        }
        // An exception raised again keeps the frames it passed (CPython extends its traceback).
        let tb = traceback_of(&exc);
        Ok(Box::new(PyErr { exc, tb }))
    }

    /// An exception instance from a class or instance (`raise ValueError` or `raise E("x")`).
    ///
    /// # Errors
    /// TypeError if the value is not an exception.
    pub fn make_exception(&mut self, v: Value) -> PyResult<Value> {
        match &v {
            Value::Class(c) if c.is_exception() => self.call(&v, Vec::new(), Vec::new()),
            Value::Instance(i) if i.class.is_exception() => Ok(v),
            _ => Err(err(
                "TypeError",
                "exceptions must derive from BaseException",
            )),
        }
    }

    fn exc_matches(&mut self, exc: &Value, cls: &Value) -> PyResult<bool> {
        match cls {
            Value::Class(c) => Ok(exc.class().is_subclass(c)),
            Value::Tuple(t) => {
                for c in t.iter() {
                    if self.exc_matches(exc, c)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => Err(err(
                "TypeError",
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    }

    fn build_class(&mut self, name: &Value, bases: &Value, body: &Value) -> PyResult<Value> {
        let Value::Str(name) = name else {
            return Err(err("SystemError", "bad class name"));
        };
        let base = match bases {
            Value::Tuple(t) if t.len() > 1 => {
                return Err(err(
                    "NotImplementedError",
                    "the lab's Python does not support multiple inheritance",
                ));
            }
            Value::Tuple(t) if t.len() == 1 => match &t[0] {
                Value::Class(c) => {
                    let b = c.builtin_base();
                    if !matches!(
                        b,
                        crate::objects::class::BuiltinType::Object
                            | crate::objects::class::BuiltinType::Exception
                    ) {
                        return Err(err(
                            "NotImplementedError",
                            &format!("the lab's Python does not support subclassing '{}'", c.name),
                        ));
                    }
                    c.clone()
                }
                other => {
                    return Err(err(
                        "TypeError",
                        &format!("bases must be types, not {}", other.type_name()),
                    ));
                }
            },
            _ => crate::objects::class::types().object.clone(),
        };
        let Value::Function(func) = body else {
            return Err(err("SystemError", "bad class body"));
        };
        let ns = Arc::new(Dict::new());
        let module = func
            .globals
            .get_str("__name__")
            .map(|v| match v {
                Value::Str(s) => s.to_string(),
                _ => "__main__".into(),
            })
            .unwrap_or_else(|| "__main__".into());
        ns.set_str("__module__", Value::str(&module));
        ns.set_str("__qualname__", Value::Str(func.code.qualname.clone()));
        let n = func.code.varnames.len();
        let mut frame = self.new_frame(func.clone(), Some(ns.clone()));
        frame.locals.resize_with(n, || None);
        self.enter()?;
        let r = self.run_frame(&mut frame);
        self.depth -= 1;
        r?;
        let class = Class::new(name, Some(base), None, &module);
        self.rt.track(Track::Class(Arc::downgrade(&class)));
        {
            let mut d = lock(&class.dict);
            for (k, v) in ns.items() {
                if let Value::Str(k) = k {
                    class.note_attr(&v);
                    d.insert(k, v);
                }
            }
        }
        for v in lock(&class.dict).values() {
            let f = match v {
                Value::Function(f) => Some(f.clone()),
                Value::Wrapper(w) => match &w.1 {
                    Value::Function(f) => Some(f.clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(f) = f {
                *lock(&f.owner) = Arc::downgrade(&class);
            }
        }
        Ok(Value::Class(class))
    }

    fn instantiate(&mut self, c: &Arc<Class>, args: Vec<Value>, kwargs: Kwargs) -> PyResult<Value> {
        if let Some(b) = c.builtin {
            if b != crate::objects::class::BuiltinType::Exception {
                return crate::builtins::construct(self, c, b, args, kwargs);
            }
        }
        let c = &group::constructed_class(c, &args);
        let is_exc = c.is_exception();
        let mut dict = crate::objects::class::AttrMap::default();
        if is_exc {
            dict.insert(Arc::from("args"), Value::tuple(args.clone()));
        }
        let inst = Arc::new(Instance {
            class: c.clone(),
            dict: Mutex::new(dict),
        });
        self.rt.track(Track::Instance(Arc::downgrade(&inst)));
        let inst = Value::Instance(inst);
        match c.lookup("__init__") {
            Some(init) => {
                let mut a = args;
                a.insert(0, inst.clone());
                let r = self.call(&init, a, kwargs)?;
                if !matches!(r, Value::None) {
                    return Err(err(
                        "TypeError",
                        &format!("__init__() should return None, not '{}'", r.type_name()),
                    ));
                }
            }
            None => {
                if !is_exc && (!args.is_empty() || !kwargs.is_empty()) {
                    return Err(err(
                        "TypeError",
                        &format!("{}() takes no arguments", c.name),
                    ));
                }
            }
        }
        Ok(inst)
    }

    /// Run `f` one level deeper (nested reprs), with the recursion check.
    ///
    /// # Errors
    /// RecursionError, or what `f` raises.
    pub fn depth_guard<T>(&mut self, f: impl FnOnce(&mut Vm) -> PyResult<T>) -> PyResult<T> {
        self.enter()?;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// A key for a dict or set.
    ///
    /// # Errors
    /// TypeError for unhashable values.
    pub fn key(&self, v: &Value) -> PyResult<Key> {
        Key::from_value(v).map_err(|t| err("TypeError", &format!("unhashable type: '{t}'")))
    }

    /// The source line `line` of `filename`, stripped, if known.
    pub fn source_line(&self, filename: &str, line: u32) -> Option<String> {
        let src = lock(&self.rt.sources).get(filename).cloned()?;
        src.lines()
            .nth(line.checked_sub(1)? as usize)
            .map(|l| l.trim().to_string())
    }

    /// Render a traceback the way CPython prints an uncaught exception, with its chain
    /// (`raise ... from` causes and the exceptions being handled when it was raised).
    pub fn format_traceback(&mut self, e: &PyErr) -> String {
        self.format_chain(&e.exc, &e.tb, 0)
    }

    fn format_chain(&mut self, exc: &Value, tb: &[TbEntry], depth: usize) -> String {
        if depth == 0 && group::involves_group(exc) {
            return self.format_with_groups(exc, tb);
        }
        let mut out = String::new();
        if let (Value::Instance(i), true) = (exc, depth < 16) {
            let (cause, context) = {
                let d = lock(&i.dict);
                (d.get("__cause__").cloned(), d.get("__context__").cloned())
            };
            match (cause, context) {
                (Some(c @ Value::Instance(_)), _) => {
                    let ctb = traceback_of(&c);
                    out.push_str(&self.format_chain(&c, &ctb, depth + 1));
                    out.push_str("\nThe above exception was the direct cause of the following exception:\n\n");
                }
                (None, Some(c @ Value::Instance(_))) => {
                    let ctb = traceback_of(&c);
                    out.push_str(&self.format_chain(&c, &ctb, depth + 1));
                    out.push_str(
                        "\nDuring handling of the above exception, another exception occurred:\n\n",
                    );
                }
                _ => {}
            }
        }
        if !tb.is_empty() {
            out.push_str("Traceback (most recent call last):\n");
            let entries: Vec<&TbEntry> = tb.iter().rev().filter(|t| !coro::hidden(t)).collect();
            let mut i = 0;
            while i < entries.len() {
                let t = entries[i];
                let mut run = 1;
                while i + run < entries.len() && same_place(entries[i + run], t) {
                    run += 1;
                }
                // CPython prints a repeated line three times, then counts the rest.
                for _ in 0..run.min(3) {
                    out.push_str(&format!(
                        "  File \"{}\", line {}, in {}\n",
                        t.filename, t.line, t.name
                    ));
                    if let Some(l) = self.source_line(&t.filename, t.line) {
                        out.push_str(&format!("    {l}\n"));
                    }
                }
                if run > 3 {
                    let n = run - 3;
                    out.push_str(&format!(
                        "  [Previous line repeated {n} more time{}]\n",
                        if n == 1 { "" } else { "s" }
                    ));
                }
                i += run;
            }
        }
        out.push_str(&self.format_exception_only(exc));
        out
    }

    /// The last line of a traceback: `ValueError: message`.
    pub fn format_exception_only(&mut self, exc: &Value) -> String {
        let cls = exc.class();
        let name = if &*cls.module == "builtins" || &*cls.module == "__main__" {
            cls.name.to_string()
        } else {
            format!("{}.{}", cls.module, cls.name)
        };
        let msg = self.to_str(exc).unwrap_or_default();
        if msg.is_empty() {
            format!("{name}\n")
        } else {
            format!("{name}: {msg}\n")
        }
    }
}

/// Drop a value that went out of use, inline for the ones that own nothing (numbers,
/// bools, None): the general drop is an out-of-line call on the hot path.
#[inline(always)]
fn release(v: Value) {
    if matches!(
        v,
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_)
    ) {
        std::mem::forget(v);
    } else {
        drop(v);
    }
}

/// The end of an int comparison: a conditional jump on its result comes next (`if`,
/// `while`) and is taken here, without pushing the bool for it to pop; else the bool is
/// pushed.
#[inline(always)]
fn jump_or_push(pc: &mut usize, stack: &mut Vec<Value>, ops: &[Op], r: bool) {
    match ops.get(*pc) {
        Some(&Op::PopJumpIfFalse(t)) => *pc = if r { *pc + 1 } else { t as usize },
        Some(&Op::PopJumpIfTrue(t)) => *pc = if r { t as usize } else { *pc + 1 },
        _ => stack.push(Value::Bool(r)),
    }
}

/// The end of a fused arithmetic instruction: skip the two instructions it ran after its
/// own, and store the result in a local when a `StoreFast` comes next, else push it.
#[inline(always)]
fn store_or_push(
    pc: &mut usize,
    locals: &mut [Option<Value>],
    stack: &mut Vec<Value>,
    ops: &[Op],
    r: i64,
) {
    if let Some(&Op::StoreFast(j)) = ops.get(*pc + 2) {
        *pc += 3;
        if let Some(old) = locals[j as usize].replace(Value::Int(r)) {
            release(old);
        }
    } else {
        *pc += 2;
        stack.push(Value::Int(r));
    }
}

/// `LoadFast(i)`: push local `i` (UnboundLocalError if it has no value).
#[inline(always)]
fn load_fast(
    stack: &mut Vec<Value>,
    locals: &[Option<Value>],
    code: &Code,
    i: u32,
) -> PyResult<()> {
    match &locals[i as usize] {
        Some(v) => {
            stack.push(Value::fast_clone(v));
            Ok(())
        }
        None => Err(err(
            "UnboundLocalError",
            &format!(
                "cannot access local variable '{}' where it is not associated with a value",
                code.varnames[i as usize]
            ),
        )),
    }
}

/// The comparison `x c y` of two small ints.
#[inline(always)]
fn int_compare(c: crate::bytecode::CmpOp, x: i64, y: i64) -> bool {
    use crate::bytecode::CmpOp;
    match c {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

/// `x op y` for two small ints when the result is a small int too (`None`: the general
/// path decides, with big ints, floats and the errors).
#[inline(always)]
fn small_int_op(op: crate::bytecode::BinOp, x: i64, y: i64) -> Option<i64> {
    use crate::bytecode::BinOp;
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        // Python's floor division and modulo: rounded towards minus infinity, the
        // remainder takes the divisor's sign.
        BinOp::Mod if y > 0 && x >= 0 => Some(x % y),
        BinOp::Mod if y != 0 && y != -1 => {
            let r = x % y;
            Some(if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            })
        }
        BinOp::FloorDiv if y > 0 && x >= 0 => Some(x / y),
        BinOp::FloorDiv if y != 0 && y != -1 => {
            let q = x / y;
            Some(if (x % y != 0) && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            })
        }
        BinOp::And => Some(x & y),
        BinOp::Or => Some(x | y),
        BinOp::Xor => Some(x ^ y),
        _ => None,
    }
}

/// Move the arguments at `stack[from..]` into `locals` (empty), then fill the callee's
/// other slots with `None`.
#[inline]
fn move_args(stack: &mut Vec<Value>, from: usize, locals: &mut Vec<Option<Value>>, nlocals: usize) {
    // Popped from the top rather than drained (a `Drain` is a struct built on the stack
    // and read back at once, which stalls the processor), one or two arguments, the
    // usual counts, without a loop.
    let n = stack.len() - from;
    locals.reserve(nlocals.max(n));
    match n {
        0 => {}
        1 => {
            let a = stack.pop();
            locals.push(a);
        }
        2 => {
            let b = stack.pop();
            let a = stack.pop();
            locals.push(a);
            locals.push(b);
        }
        _ => {
            for _ in 0..n {
                locals.push(None);
            }
            for slot in locals.iter_mut().rev() {
                *slot = stack.pop();
            }
        }
    }
    while locals.len() < nlocals {
        locals.push(None);
    }
}

/// Can `n` positional arguments become a call's first locals as they are (no defaults,
/// no `*args`, `**kwargs` or keyword-only parameters, not a generator)?
fn plain_call(c: &Code, n: usize) -> bool {
    c.argcount as usize == n && !c.varargs && !c.varkw && c.kwonlycount == 0 && !c.generator
}

fn same_place(a: &TbEntry, b: &TbEntry) -> bool {
    a.line == b.line && a.filename == b.filename && a.name == b.name
}

/// Keep a caught exception's traceback on the instance, for printing chains later.
fn store_traceback(e: &PyErr) {
    if let Value::Instance(i) = &e.exc {
        lock(&i.dict).insert(
            Arc::from("__traceback__"),
            Value::Native(Arc::new(Traceback(e.tb.clone()))),
        );
    }
}

fn traceback_of(exc: &Value) -> Vec<TbEntry> {
    if let Value::Instance(i) = exc {
        if let Some(Value::Native(n)) = lock(&i.dict).get("__traceback__") {
            if let Some(t) = n.as_any().downcast_ref::<Traceback>() {
                return t.0.clone();
            }
        }
    }
    Vec::new()
}

/// Record that `exc` was raised while `handled` was being handled (unless it already is, or
/// it is the same exception re-raised).
fn set_context(exc: &Value, handled: &Value) {
    if exc.is(handled) {
        return;
    }
    if let Value::Instance(i) = exc {
        let mut d = lock(&i.dict);
        if !d.contains_key("__context__") {
            d.insert(Arc::from("__context__"), handled.clone());
        }
    }
}

/// A traceback kept on an exception instance.
struct Traceback(Vec<TbEntry>);

impl crate::objects::NativeObject for Traceback {
    fn type_name(&self) -> &'static str {
        "traceback"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn missing_args(fname: &str, kind: &str, missing: &[String]) -> Box<PyErr> {
    let list = match missing.len() {
        1 => missing[0].clone(),
        2 => format!("{} and {}", missing[0], missing[1]),
        n => format!("{}, and {}", missing[..n - 1].join(", "), missing[n - 1]),
    };
    err(
        "TypeError",
        &format!(
            "{fname}() missing {} required {kind} argument{}: {list}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" }
        ),
    )
}

/// A cell carried on the stack while a closure is built.
struct CellRef(Arc<Cell>);

impl crate::objects::NativeObject for CellRef {
    fn type_name(&self) -> &'static str {
        "cell"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
