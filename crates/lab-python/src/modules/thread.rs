//! `_thread`: real threads and locks. Blocking waits release the GIL.

use super::add;
use crate::builtins::{arg, kw};
use crate::objects::{Dict, NativeObject, Value, lock};
use crate::vm::{Kwargs, PyResult, Vm, err};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// WebAssembly without atomics (the browser's single-threaded build) cannot block: std's
/// condition variables panic there, and no second thread exists to release anything.
const NO_BLOCKING: bool = cfg!(all(target_family = "wasm", not(target_feature = "atomics")));

/// A lock: a flag and a condition variable.
pub(crate) struct LockObj {
    /// Owner ident and recursion count (count is 0 when free; owner only used by RLock).
    state: Mutex<(u64, u32)>,
    cv: Condvar,
    reentrant: bool,
    /// What a thread waiting for it is blocked on, for the trace.
    kind: &'static str,
}

impl LockObj {
    fn new(reentrant: bool, kind: &'static str) -> LockObj {
        LockObj {
            state: Mutex::new((0, 0)),
            cv: Condvar::new(),
            reentrant,
            kind,
        }
    }

    fn try_take(&self, st: &mut (u64, u32), me: u64) -> bool {
        if st.1 == 0 {
            *st = (me, 1);
            true
        } else if self.reentrant && st.0 == me {
            st.1 += 1;
            true
        } else {
            false
        }
    }

    /// Take the lock; `Ok(false)` when non-blocking or the timeout passed. The wait is
    /// cut into slices so that a stopped run ends even in a deadlock.
    ///
    /// # Errors
    /// The stop exception when the host stops the run during the wait.
    fn acquire(&self, vm: &mut Vm, blocking: bool, timeout: f64) -> PyResult<bool> {
        let me = vm.ident;
        if self.try_take(&mut lock(&self.state), me) {
            return Ok(true);
        }
        if !blocking {
            return Ok(false);
        }
        let rt = vm.rt.clone();
        let deadline = (timeout >= 0.0).then(|| rt.host.monotonic() + timeout);
        if NO_BLOCKING {
            // No other thread can ever release it: only a timeout ends the wait.
            let Some(d) = deadline else {
                return Err(err(
                    "RuntimeError",
                    "deadlock: this wait could never end (no other thread runs on this page)",
                ));
            };
            vm.allow_threads_as(self.kind, || rt.host.sleep(d - rt.host.monotonic()));
            return Ok(false);
        }
        let got = vm.allow_threads_as(self.kind, || {
            let mut st = lock(&self.state);
            loop {
                // The stop first: a lock freed because its holder was stopped must not
                // let this thread carry on as if nothing happened.
                if rt.stopping() {
                    return None;
                }
                if self.try_take(&mut st, me) {
                    return Some(true);
                }
                let mut wait = crate::stop::SLICE;
                if let Some(d) = deadline {
                    let left = d - rt.host.monotonic();
                    if left <= 0.0 {
                        return Some(false);
                    }
                    wait = wait.min(left);
                }
                st = match self.cv.wait_timeout(st, Duration::from_secs_f64(wait)) {
                    Ok(g) => g.0,
                    Err(p) => p.into_inner().0,
                };
            }
        });
        got.ok_or_else(crate::stop::stop_error)
    }

    fn release(&self, vm: &Vm) -> PyResult<()> {
        let mut st = lock(&self.state);
        if st.1 == 0 || (self.reentrant && st.0 != vm.ident) {
            return Err(err(
                "RuntimeError",
                if self.reentrant {
                    "cannot release un-acquired lock"
                } else {
                    "release unlocked lock"
                },
            ));
        }
        st.1 -= 1;
        if st.1 == 0 {
            st.0 = 0;
            drop(st);
            self.cv.notify_one();
        }
        Ok(())
    }
}

impl NativeObject for LockObj {
    fn type_name(&self) -> &'static str {
        if self.reentrant { "RLock" } else { "lock" }
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
        match name {
            "acquire" | "__enter__" => {
                let blocking = match a.first().or_else(|| kw(&k, "blocking")) {
                    Some(v) => vm.truthy(v)?,
                    None => true,
                };
                let timeout = match a.get(1).or_else(|| kw(&k, "timeout")) {
                    Some(v) => crate::objects::int::to_f64(v)?.unwrap_or(-1.0),
                    None => -1.0,
                };
                Ok(Value::Bool(self.acquire(vm, blocking, timeout)?))
            }
            "release" | "__exit__" => {
                self.release(vm)?;
                Ok(Value::None)
            }
            "locked" => Ok(Value::Bool(lock(&self.state).1 > 0)),
            "_is_owned" => {
                let st = lock(&self.state);
                Ok(Value::Bool(st.1 > 0 && st.0 == vm.ident))
            }
            "__repr__" => Ok(Value::str(&format!(
                "<{} {} object>",
                if lock(&self.state).1 > 0 {
                    "locked"
                } else {
                    "unlocked"
                },
                self.type_name()
            ))),
            _ => Err(err(
                "AttributeError",
                &format!("'{}' object has no attribute '{name}'", self.type_name()),
            )),
        }
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "acquire" | "release" | "locked" | "__enter__" | "__exit__" | "_is_owned"
        )
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn start_new_thread(vm: &mut Vm, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    let func = arg(&a, 0, "start_new_thread")?.clone();
    let args = vm.to_vec(arg(&a, 1, "start_new_thread")?)?;
    let rt = vm.rt.clone();
    let mut child = Vm::new(rt.clone());
    let ident = child.ident;
    rt.threads.fetch_add(1, Ordering::AcqRel);
    let body = Box::new(move || {
        child.enter_thread();
        child.gil_acquire();
        // A bug in the interpreter must not leave the GIL held forever: catch the panic.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            child.call(&func, args, Vec::new())
        }));
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                // A stopped run's threads end quietly; the main thread reports the stop.
                if !e.is("SystemExit") && !child.rt.stopping() {
                    let tb = child.format_traceback(&e);
                    child
                        .rt
                        .host
                        .stderr(&format!("Exception in thread {}:\n{tb}", child.ident));
                }
            }
            Err(p) => child.rt.host.stderr(&format!(
                "SystemError: internal error of the lab's Python: {}\n",
                crate::panic_message(&p)
            )),
        }
        // The lane first: the run collects the trace once no thread is left.
        child.finish_lane();
        child.rt.threads.fetch_sub(1, Ordering::AcqRel);
        child.rt.gil.release();
    });
    if let Err(e) = rt.host.spawn(body) {
        rt.threads.fetch_sub(1, Ordering::AcqRel);
        return Err(err("RuntimeError", &format!("can't start new thread: {e}")));
    }
    Ok(Value::Int(ident as i64))
}

/// `threading.local()`: attributes seen only by the thread that set them.
struct Local {
    per_thread: Mutex<HashMap<u64, HashMap<String, Value>>>,
}

impl NativeObject for Local {
    fn type_name(&self) -> &'static str {
        "_thread._local"
    }

    fn call_method(&self, _: &mut Vm, name: &str, _: Vec<Value>, _: Kwargs) -> PyResult<Value> {
        Err(err(
            "AttributeError",
            &format!("'_thread._local' object has no attribute '{name}'"),
        ))
    }

    fn get_attr(&self, ident: u64, name: &str) -> Option<Value> {
        lock(&self.per_thread).get(&ident)?.get(name).cloned()
    }

    fn set_attr(&self, ident: u64, name: &str, value: Value) -> bool {
        lock(&self.per_thread)
            .entry(ident)
            .or_default()
            .insert(name.to_string(), value);
        true
    }

    fn has_method(&self, _: &str) -> bool {
        false
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub(super) fn init(d: &Dict) {
    add(d, "_local", |_, _, _| {
        Ok(Value::Native(Arc::new(Local {
            per_thread: Mutex::new(HashMap::new()),
        })))
    });
    add(d, "start_new_thread", start_new_thread);
    // `allocate_lock(kind)`: threading and queue name what a wait on the lock means.
    add(d, "allocate_lock", |_, a, _| {
        let kind = match a.first() {
            Some(Value::Str(s)) => match &**s {
                "join" => "join",
                "queue" => "queue",
                "wait" => "wait",
                "start" => "start",
                _ => "lock",
            },
            _ => "lock",
        };
        Ok(Value::Native(Arc::new(LockObj::new(false, kind))))
    });
    add(d, "RLock", |_, _, _| {
        Ok(Value::Native(Arc::new(LockObj::new(true, "lock"))))
    });
    add(d, "_name", |vm, a, _| {
        let name = vm.to_str(arg(&a, 0, "_name")?)?;
        vm.set_lane_name(&name);
        Ok(Value::None)
    });
    add(d, "get_ident", |vm, _, _| Ok(Value::Int(vm.ident as i64)));
    add(d, "_count", |vm, _, _| {
        Ok(Value::Int(vm.rt.threads.load(Ordering::Acquire) as i64))
    });
    add(d, "_format_exc", |vm, _, _| {
        let e = vm.handling.last().cloned();
        Ok(match e {
            Some(e) => Value::str(&vm.format_traceback(&e)),
            None => Value::str(""),
        })
    });
    add(d, "_stopping", |vm, _, _| Ok(Value::Bool(vm.rt.stopping())));
    add(d, "_stderr", |vm, a, _| {
        let s = vm.to_str(arg(&a, 0, "_stderr")?)?;
        vm.rt.host.stderr(&s);
        Ok(Value::None)
    });
}
