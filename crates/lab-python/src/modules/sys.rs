//! `sys`: the switch interval, whether the GIL is enabled, the version.

use super::add;
use crate::builtins::arg;
use crate::objects::{Dict, NativeObject, Value};
use crate::vm::{Kwargs, PyResult, Vm, err};
use std::sync::Arc;

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
    add(d, "getrefcount", |_, a, _| {
        // The argument list holds one reference, as CPython's call does; inline values are
        // reported with CPython's count for immortal objects.
        let v = arg(&a, 0, "getrefcount")?;
        Ok(Value::Int(
            v.ref_count().map(|n| n as i64).unwrap_or(4294967295),
        ))
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

/// The values that need the runtime: the standard streams.
pub(super) fn set_runtime_values(_vm: &mut Vm, d: &Dict) {
    d.set_str("stdout", Value::Native(Arc::new(Stream { err: false })));
    d.set_str("stderr", Value::Native(Arc::new(Stream { err: true })));
}

/// `sys.stdout` / `sys.stderr`: writes go to the host.
struct Stream {
    err: bool,
}

impl NativeObject for Stream {
    fn type_name(&self) -> &'static str {
        "TextIOWrapper"
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
        match name {
            "write" => {
                let s = match a.first() {
                    Some(Value::Str(s)) => s.clone(),
                    Some(other) => {
                        return Err(err(
                            "TypeError",
                            &format!("write() argument must be str, not {}", other.type_name()),
                        ));
                    }
                    None => return Err(err("TypeError", "write() takes exactly one argument")),
                };
                if self.err {
                    vm.rt.host.stderr(&s);
                } else {
                    vm.rt.host.stdout(&s);
                }
                Ok(Value::Int(s.chars().count() as i64))
            }
            "flush" => {
                vm.rt.host.flush();
                Ok(Value::None)
            }
            _ => Err(err(
                "AttributeError",
                &format!("'TextIOWrapper' object has no attribute '{name}'"),
            )),
        }
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(name, "write" | "flush")
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `sysconfig`: only what tells a free-threaded build apart.
pub(super) fn init_sysconfig(d: &Dict) {
    add(d, "get_config_var", |vm, a, _| {
        Ok(match arg(&a, 0, "get_config_var")? {
            Value::Str(s) if &**s == "Py_GIL_DISABLED" => Value::Int(!vm.rt.gil.enabled() as i64),
            _ => Value::None,
        })
    });
}
