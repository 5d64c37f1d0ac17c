//! Coroutines on the generator machinery: `await` (delegation like `yield from`), throwing
//! into a suspended frame, and the instructions of `async with` and `async for`.

use super::{Exit, Frame, PyErr, PyResult, Vm, err};
use crate::bytecode::Op;
use crate::objects::{GenState, Generator, Value, lock};
use std::sync::Arc;

impl Vm {
    /// The asynchronous generator object around the frame of an `async def` with `yield`
    /// (its `__anext__`/`asend`/`athrow` are written in Python, in `_asyncgen.py`).
    pub(super) fn async_generator(&mut self, made: Value, qualname: &str) -> PyResult<Value> {
        let module = crate::modules::import(self, "_asyncgen")?;
        let class = self.get_attr(&module, "async_generator")?;
        self.call(&class, vec![made, Value::str(qualname)], Vec::new())
    }

    /// Call a function of `_asyncgen.py`.
    fn call_asyncgen(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kw: super::Kwargs,
    ) -> PyResult<Value> {
        let module = crate::modules::import(self, "_asyncgen")?;
        let f = self.get_attr(&module, name)?;
        self.call(&f, args, kw)
    }

    /// Run a generator's frame until it yields, returns or raises, and record the outcome
    /// on the generator. The exceptions its `except` blocks handle travel with the frame.
    pub(super) fn drive(
        &mut self,
        g: &Arc<Generator>,
        mut frame: Box<Frame>,
    ) -> PyResult<Option<Value>> {
        if let Err(e) = self.enter() {
            *lock(&g.frame) = GenState::Suspended(frame);
            return Err(e);
        }
        let base = self.handling.len();
        if let Some(m) = &mut frame.more {
            self.handling.append(&mut m.saved_handling);
        }
        let r = self.run_frame(&mut frame);
        self.depth -= 1;
        match r {
            Ok(Exit::Yield(v)) => {
                let saved = self.handling.split_off(base.min(self.handling.len()));
                if !saved.is_empty() {
                    frame.more().saved_handling = saved;
                }
                *lock(&g.frame) = GenState::Suspended(frame);
                Ok(Some(v))
            }
            Ok(Exit::Return(v)) => {
                self.handling.truncate(base);
                *lock(&g.result) = v;
                *lock(&g.frame) = GenState::Finished;
                Ok(None)
            }
            Err(e) => {
                self.handling.truncate(base);
                *lock(&g.frame) = GenState::Finished;
                Err(e)
            }
        }
    }

    /// `gen.throw(exc)`: raise `e` where the generator is suspended (inside the iterator it
    /// delegates to, if any). `None` when the generator returns instead of yielding.
    ///
    /// # Errors
    /// The exception, if the generator does not handle it, or what it raises instead.
    pub fn throw(&mut self, g: &Arc<Generator>, e: Box<PyErr>) -> PyResult<Option<Value>> {
        let state = std::mem::replace(&mut *lock(&g.frame), GenState::Running);
        let mut frame = match state {
            GenState::Suspended(f) => f,
            GenState::Running => {
                *lock(&g.frame) = GenState::Running;
                return Err(err("ValueError", "generator already executing"));
            }
            GenState::Finished => {
                *lock(&g.frame) = GenState::Finished;
                return Err(e);
            }
        };
        if !frame.started {
            // Never started: nothing can catch it.
            *lock(&g.frame) = GenState::Finished;
            return Err(e);
        }
        if matches!(frame.func().code.ops.get(frame.pc), Some(Op::YieldFrom)) {
            let sub = frame.stack.last().cloned().unwrap_or(Value::None);
            let r = match &sub {
                Value::Generator(s) => self.throw(s, e),
                _ => Err(e),
            };
            match r {
                Ok(Some(v)) => {
                    *lock(&g.frame) = GenState::Suspended(frame);
                    return Ok(Some(v));
                }
                Ok(None) => {
                    frame.stack.pop();
                    frame.stack.push(returned(&sub));
                    frame.pc += 1;
                }
                Err(e) => {
                    frame.stack.pop();
                    frame.pc += 1;
                    frame.more().pending = Some(e);
                }
            }
        } else {
            frame.more().pending = Some(e);
        }
        self.drive(g, frame)
    }

    /// `gen.close()`: raise GeneratorExit where it is suspended, so that its `finally`
    /// blocks run.
    ///
    /// # Errors
    /// RuntimeError if it yields instead of finishing; what it raises other than
    /// GeneratorExit or StopIteration.
    pub fn close_generator(&mut self, g: &Arc<Generator>) -> PyResult<Value> {
        let started = match &*lock(&g.frame) {
            GenState::Suspended(f) => f.started,
            _ => false,
        };
        if !started {
            *lock(&g.frame) = GenState::Finished;
            return Ok(Value::None);
        }
        let exit = err("GeneratorExit", "");
        match self.throw(g, exit) {
            Ok(Some(_)) => Err(err(
                "RuntimeError",
                &format!(
                    "{} ignored GeneratorExit",
                    if g.coroutine {
                        "coroutine"
                    } else {
                        "generator"
                    }
                ),
            )),
            // Since 3.13, close() gives what the generator returned.
            Ok(None) => Ok(lock(&g.result).clone()),
            Err(e) if e.is("GeneratorExit") || e.is("StopIteration") => Ok(Value::None),
            Err(e) => Err(e),
        }
    }

    /// The exception `throw(...)` was given: a class, an instance, or a class and a value.
    ///
    /// # Errors
    /// TypeError if it is not an exception.
    pub fn thrown(&mut self, args: &[Value]) -> PyResult<Box<PyErr>> {
        let Some(first) = args.first().cloned() else {
            return Err(err(
                "TypeError",
                "throw expected at least 1 argument, got 0",
            ));
        };
        let exc = match (&first, args.get(1)) {
            (Value::Class(_), Some(v)) if !matches!(v, Value::None) => {
                if v.class().is_exception() {
                    v.clone()
                } else {
                    self.call(&first, vec![v.clone()], Vec::new())?
                }
            }
            _ => self.make_exception(first)?,
        };
        let tb = super::traceback_of(&exc);
        Ok(Box::new(PyErr { exc, tb }))
    }

    /// What `await v` drives: a coroutine itself, or the iterator `v.__await__()` returns.
    pub(super) fn get_awaitable(&mut self, v: Value) -> PyResult<Value> {
        if let Value::Generator(g) = &v {
            if g.coroutine {
                if matches!(*lock(&g.frame), GenState::Finished) {
                    return Err(err(
                        "RuntimeError",
                        "cannot reuse already awaited coroutine",
                    ));
                }
                return Ok(v);
            }
        }
        let method = match &v {
            Value::Instance(i) => i.class.lookup("__await__"),
            _ => None,
        };
        let Some(m) = method else {
            return Err(err(
                "TypeError",
                &format!(
                    "object {} can't be used in 'await' expression",
                    v.type_name()
                ),
            ));
        };
        let it = self.call(&m, vec![v], Vec::new())?;
        match &it {
            Value::Generator(g) if g.coroutine => {
                Err(err("TypeError", "__await__() returned a coroutine"))
            }
            Value::Generator(_) | Value::Iter(_) => Ok(it),
            other => Err(err(
                "TypeError",
                &format!(
                    "__await__() returned non-iterator of type '{}'",
                    other.type_name()
                ),
            )),
        }
    }

    /// `YieldFrom`: send TOS into the iterator below it.
    pub(super) fn yield_from(&mut self, f: &mut Frame) -> PyResult<Option<Exit>> {
        let send = Self::pop(&mut f.stack);
        let sub = f.stack.last().cloned().unwrap_or(Value::None);
        let step = match &sub {
            Value::Generator(g) => self.resume(g, send)?,
            other => self.next(other)?,
        };
        match step {
            Some(v) => {
                // Resume here: the value sent in is pushed, and this instruction runs again.
                f.pc -= 1;
                Ok(Some(Exit::Yield(v)))
            }
            None => {
                f.stack.pop();
                f.stack.push(returned(&sub));
                Ok(None)
            }
        }
    }

    /// The instructions of `async with`.
    pub(super) fn async_with_op(&mut self, f: &mut Frame, op: Op) -> PyResult<()> {
        match op {
            Op::BeforeAsyncWith => {
                let mgr = Self::pop(&mut f.stack);
                let protocol = |e: Box<PyErr>, mgr: &Value| {
                    if e.is("AttributeError") {
                        err(
                            "TypeError",
                            &format!(
                                "'{}' object does not support the asynchronous context manager protocol",
                                mgr.type_name()
                            ),
                        )
                    } else {
                        e
                    }
                };
                let exit = self
                    .get_attr(&mgr, "__aexit__")
                    .map_err(|e| protocol(e, &mgr))?;
                let enter = self
                    .get_attr(&mgr, "__aenter__")
                    .map_err(|e| protocol(e, &mgr))?;
                let entered = self.call(&enter, Vec::new(), Vec::new())?;
                f.stack.push(exit);
                f.stack.push(entered);
            }
            Op::CallAsyncExitNone => {
                let exit = Self::pop(&mut f.stack);
                let r = self.call(
                    &exit,
                    vec![Value::None, Value::None, Value::None],
                    Vec::new(),
                )?;
                f.stack.push(r);
            }
            _ => {
                let n = f.stack.len();
                let exc = f.stack[n - 1].clone();
                let exit = f.stack[n - 2].clone();
                let cls = Value::Class(exc.class());
                let r = self.call(&exit, vec![cls, exc, Value::None], Vec::new())?;
                f.stack.push(r);
            }
        }
        Ok(())
    }

    /// `async for`: the asynchronous iterator of `v`.
    pub(super) fn get_aiter(&mut self, v: &Value) -> PyResult<Value> {
        let has = match v {
            Value::Instance(i) => i.class.lookup("__aiter__").is_some(),
            _ => false,
        };
        if !has {
            return Err(err(
                "TypeError",
                &format!(
                    "'async for' requires an object with __aiter__ method, got {}",
                    v.type_name()
                ),
            ));
        }
        self.call_method(v, "__aiter__", Vec::new(), Vec::new())
    }

    /// The handler at the end of an `async for`: StopAsyncIteration ends the loop.
    pub(super) fn end_async_for(&mut self, f: &mut Frame) -> PyResult<()> {
        let exc = Self::pop(&mut f.stack);
        if exc
            .class()
            .is_subclass(&crate::objects::class::exc_class("StopAsyncIteration"))
        {
            f.stack.pop();
            f.pop_block();
            self.handling.pop();
            return Ok(());
        }
        match self.handling.last() {
            Some(e) => Err(e.clone()),
            None => Err(err("RuntimeError", "No active exception to reraise")),
        }
    }
}

/// A frame of the lab's `asyncio.py` or `_asyncgen.py` that CPython runs in C (its Task,
/// Future and asynchronous generator objects), so that its tracebacks never show it.
pub(super) fn hidden(t: &super::TbEntry) -> bool {
    match &*t.filename {
        "<lab>/asyncio.py" => matches!(
            &*t.name,
            "_step" | "_wakeup" | "__await__" | "result" | "exception"
        ),
        "<lab>/_asyncgen.py" => true,
        _ => false,
    }
}

/// Add `aiter` and `anext` to the built-in namespace (written in Python, in `_asyncgen.py`).
pub(crate) fn install_async_builtins(d: &crate::objects::Dict) {
    crate::modules::add(d, "aiter", |vm, a, k| vm.call_asyncgen("aiter", a, k));
    crate::modules::add(d, "anext", |vm, a, k| vm.call_asyncgen("anext", a, k));
}

impl Drop for Generator {
    /// A coroutine that never ran is a forgotten `await`: warn as CPython does (without the
    /// file and line of the warning, which CPython takes from the running frame).
    fn drop(&mut self) {
        let Some(host) = &self.warn_to else {
            return;
        };
        let never_ran = match self.frame.get_mut() {
            Ok(GenState::Suspended(f)) => !f.started,
            _ => false,
        };
        if never_ran {
            host.stderr(&format!(
                "RuntimeWarning: coroutine '{}' was never awaited\n\
                 RuntimeWarning: Enable tracemalloc to get the object allocation traceback\n",
                self.code.qualname
            ));
        }
    }
}

/// The native helpers of `_asyncgen.py`: `_is_coroutine_function(f)`, and
/// `_coro_info(coro)`, which is (qualname, file, line, finished), the line being where it is
/// suspended, or its `def` when it has not started or has finished (what CPython's task
/// `repr` shows).
pub(crate) fn add_coro_natives(d: &crate::objects::Dict) {
    crate::modules::add(d, "_is_coroutine_function", |_, a, _| {
        let f = match a.first() {
            Some(Value::Method(m)) => m.1.clone(),
            Some(v) => v.clone(),
            None => Value::None,
        };
        Ok(Value::Bool(
            matches!(f, Value::Function(f) if f.code.coroutine),
        ))
    });
    crate::modules::add(d, "_coro_info", |_, a, _| {
        let Some(Value::Generator(g)) = a.first() else {
            return Err(err("TypeError", "_coro_info() needs a coroutine"));
        };
        let code = &g.code;
        let (line, done) = match &*lock(&g.frame) {
            GenState::Suspended(f) if f.started => {
                (code.lines.get(f.pc.saturating_sub(1)).copied(), false)
            }
            GenState::Suspended(_) | GenState::Running => (None, false),
            GenState::Finished => (None, true),
        };
        Ok(Value::tuple(vec![
            Value::Str(code.qualname.clone()),
            Value::Str(code.filename.clone()),
            Value::Int(i64::from(line.unwrap_or(code.firstline))),
            Value::Bool(done),
        ]))
    });
}

/// A value an asynchronous generator yields, told apart from what its `await`s pass up.
struct AsyncGenValue(Value);

impl crate::objects::NativeObject for AsyncGenValue {
    fn type_name(&self) -> &'static str {
        "async_generator_wrapped_value"
    }
    fn get_attr(&self, _ident: u64, name: &str) -> Option<Value> {
        (name == "_lab_async_gen_value").then(|| self.0.clone())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Mark a value yielded by an asynchronous generator.
pub(super) fn wrap_async_gen_value(v: Value) -> Value {
    Value::Native(Arc::new(AsyncGenValue(v)))
}

/// What a finished iterator returned (a generator's return value; `None` otherwise).
fn returned(sub: &Value) -> Value {
    match sub {
        Value::Generator(g) => lock(&g.result).clone(),
        _ => Value::None,
    }
}
