//! `os`: the few process facts concurrency programs ask for.

use super::add;
use crate::objects::{Dict, Value};

pub(super) fn init(d: &Dict) {
    add(d, "cpu_count", |vm, _, _| {
        Ok(Value::Int(vm.rt.host.cpu_count() as i64))
    });
    add(d, "process_cpu_count", |vm, _, _| {
        Ok(Value::Int(vm.rt.host.cpu_count() as i64))
    });
    add(d, "getpid", |vm, _, _| {
        Ok(Value::Int(vm.rt.host.pid() as i64))
    });
    add(d, "sched_getaffinity", |vm, _, _| {
        // The CPUs the process may use, numbered from 0 (the host counts them).
        let set = crate::objects::Set::new();
        for i in 0..vm.rt.host.cpu_count() as i64 {
            crate::objects::lock(&set.items).insert(crate::objects::Key::Int(i), Value::Int(i));
        }
        Ok(Value::Set(std::sync::Arc::new(set)))
    });
    d.set_str("sep", Value::str("/"));
    d.set_str("linesep", Value::str("\n"));
}
