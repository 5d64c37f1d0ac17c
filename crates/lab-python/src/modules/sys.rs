//! `sys`: the switch interval, whether the GIL is enabled, the version.

use super::add;
use crate::builtins::arg;
use crate::objects::{Dict, Value};
use crate::vm::{Vm, err};

pub(super) fn init(d: &Dict) {
    add(d, "getswitchinterval", |vm, _, _| {
        Ok(Value::Float(vm.rt.gil.interval()))
    });
    add(d, "setswitchinterval", |vm, a, _| {
        match crate::objects::int::to_f64(arg(&a, 0, "setswitchinterval")?)? {
            Some(s) if s > 0.0 => vm.rt.gil.set_interval(s),
            _ => {
                return Err(err(
                    "ValueError",
                    "switch interval must be strictly positive",
                ));
            }
        }
        Ok(Value::None)
    });
    add(d, "_is_gil_enabled", |vm, _, _| {
        Ok(Value::Bool(vm.rt.gil.enabled()))
    });
    add(d, "getrecursionlimit", |_, _, _| {
        Ok(Value::Int(crate::vm::RECURSION_LIMIT as i64))
    });
    add(d, "exit", |_, a, _| {
        let code = a.first().cloned().unwrap_or(Value::None);
        Err(Box::new(crate::vm::PyErr {
            exc: crate::objects::class::new_exception(
                crate::objects::class::exc_class("SystemExit"),
                vec![code],
            ),
            tb: Vec::new(),
        }))
    });
    d.set_str(
        "version_info",
        Value::tuple(vec![
            Value::Int(3),
            Value::Int(13),
            Value::Int(0),
            Value::str("final"),
            Value::Int(0),
        ]),
    );
    d.set_str("version", Value::str("3.13.0 (the lab's Python)"));
    d.set_str("platform", Value::str("lab"));
    d.set_str("maxsize", Value::Int(i64::MAX));
}

pub(super) fn set_runtime_values(_vm: &mut Vm, _d: &Dict) {}
