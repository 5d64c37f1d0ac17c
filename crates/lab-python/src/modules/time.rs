//! `time`: clocks and `sleep` (which releases the GIL, as in CPython).

use super::add;
use crate::builtins::arg;
use crate::objects::{Dict, Value};
use crate::vm::err;

pub(super) fn init(d: &Dict) {
    add(d, "sleep", |vm, a, _| {
        let secs = match crate::objects::int::to_f64(arg(&a, 0, "sleep")?)? {
            Some(s) if s >= 0.0 => s,
            Some(_) => return Err(err("ValueError", "sleep length must be non-negative")),
            None => {
                return Err(err(
                    "TypeError",
                    "'str' object cannot be interpreted as an integer",
                ));
            }
        };
        let rt = vm.rt.clone();
        if vm.allow_threads_as("sleep", || crate::stop::sleep(&rt, &*rt.host, secs)) {
            Ok(Value::None)
        } else {
            Err(crate::stop::stop_error())
        }
    });
    add(d, "perf_counter", |vm, _, _| {
        Ok(Value::Float(vm.rt.host.monotonic()))
    });
    add(d, "monotonic", |vm, _, _| {
        Ok(Value::Float(vm.rt.host.monotonic()))
    });
    add(d, "process_time", |vm, _, _| {
        Ok(Value::Float(vm.rt.host.cpu_time()))
    });
    add(d, "time", |vm, _, _| Ok(Value::Float(vm.rt.host.time())));
    add(d, "perf_counter_ns", |vm, _, _| {
        Ok(Value::Int((vm.rt.host.monotonic() * 1e9) as i64))
    });
    add(d, "time_ns", |vm, _, _| {
        Ok(Value::Int((vm.rt.host.time() * 1e9) as i64))
    });
}
