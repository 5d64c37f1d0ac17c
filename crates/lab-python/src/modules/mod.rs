//! The importable modules: native ones written in Rust, and a few written in Python on top
//! of them (compiled from sources embedded in the binary).

mod hashlib;
mod math;
mod os;
mod pickle;
pub(crate) mod process;
mod random;
mod sys;
mod thread;
mod time;

use crate::objects::{Builtin, BuiltinFn, Dict, Module, Value, lock};
use crate::vm::{PyResult, Vm, err};
use std::sync::Arc;

/// Add a function to a module's namespace.
pub(crate) fn add(d: &Dict, name: &'static str, f: BuiltinFn) {
    d.set_str(name, Value::Builtin(Arc::new(Builtin { name, f })));
}

// Modules written in Python, on top of the native ones, compiled by build.rs: the
// runtime imports them without a parser.
include!(concat!(env!("OUT_DIR"), "/py_modules.rs"));

/// `import name`: the module object, created on first import.
///
/// # Errors
/// ModuleNotFoundError for modules the lab does not have.
pub fn import(vm: &mut Vm, name: &str) -> PyResult<Value> {
    if let Some(m) = lock(&vm.rt.modules).get(name) {
        return Ok(m.clone());
    }
    // A submodule: import its package first, and make it an attribute of the package.
    if let Some((parent, child)) = name.rsplit_once('.') {
        let package = import(vm, parent)?;
        let module = import_one(vm, name)?;
        if let Value::Module(p) = &package {
            p.dict.set_str(child, module.clone());
        }
        return Ok(module);
    }
    import_one(vm, name)
}

fn import_one(vm: &mut Vm, name: &str) -> PyResult<Value> {
    let dict = Arc::new(Dict::new());
    dict.set_str("__name__", Value::str(name));
    if name == "_asyncgen" {
        crate::vm::add_coro_natives(&dict);
    }
    let native = match name {
        "time" => Some(time::init as fn(&Dict)),
        "sys" => Some(sys::init as fn(&Dict)),
        "math" => Some(math::init as fn(&Dict)),
        "hashlib" => Some(hashlib::init as fn(&Dict)),
        "random" => Some(random::init as fn(&Dict)),
        "_thread" => Some(thread::init as fn(&Dict)),
        "os" => Some(os::init as fn(&Dict)),
        "sysconfig" => Some(sys::init_sysconfig as fn(&Dict)),
        "_lab_process" => Some(process::init as fn(&Dict)),
        "pickle" => Some(process::init_pickle as fn(&Dict)),
        _ => None,
    };
    let module = Value::Module(Arc::new(Module {
        name: Arc::from(name),
        dict: dict.clone(),
    }));
    if let Some(init) = native {
        init(&dict);
        if name == "sys" {
            sys::set_runtime_values(vm, &dict);
        }
        lock(&vm.rt.modules).insert(name.to_string(), module.clone());
        return Ok(module);
    }
    let Some((_, source, compiled)) = PY_MODULES.iter().find(|(n, _, _)| *n == name) else {
        return Err(err(
            "ModuleNotFoundError",
            &format!("No module named '{name}'"),
        ));
    };
    let filename = format!("<lab>/{name}.py");
    let code = crate::marshal::load(compiled)
        .map_err(|e| err("SystemError", &format!("module {name} does not load: {e}")))?;
    lock(&vm.rt.sources).insert(filename, Arc::from(*source));
    lock(&vm.rt.modules).insert(name.to_string(), module.clone());
    vm.run_module(code, dict)?;
    Ok(module)
}
