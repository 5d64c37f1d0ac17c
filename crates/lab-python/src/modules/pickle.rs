//! Crossing between runtimes: a pickle-like serializer (values to bytes and back, with
//! pickle's rules for what can cross) and the deep copy that gives a forked child its copy
//! of the parent's globals.
//!
//! Functions and classes cross by qualified name and are looked up again on the other
//! side; instances cross as their class and `__dict__`. Objects made to be shared between
//! processes (queues, shared values, process locks) cross as handles: in the lab they are
//! inherited, as a pipe or shared memory is by a child process.

use crate::objects::class::{Class, Instance, new_exception};
use crate::objects::{
    Cell, Dict, Function, Key, List, Module, NativeObject, RangeObj, Set, Value, lock,
};
use crate::vm::{PyResult, Vm, err};
use num_bigint::BigInt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A pickled value: its bytes and the shared objects it refers to.
#[derive(Clone, Default)]
pub(crate) struct Pickled {
    /// The serialized value.
    pub(crate) bytes: Vec<u8>,
    /// Objects that cross as handles (index in the bytes).
    pub(crate) handles: Vec<Arc<dyn NativeObject>>,
}

impl NativeObject for Pickled {
    fn type_name(&self) -> &'static str {
        "bytes"
    }
    fn call_method(
        &self,
        _: &mut Vm,
        name: &str,
        _: Vec<Value>,
        _: crate::vm::Kwargs,
    ) -> PyResult<Value> {
        match name {
            "__len__" => Ok(Value::Int(self.bytes.len() as i64)),
            _ => Err(err(
                "AttributeError",
                &format!("'bytes' object has no attribute '{name}'"),
            )),
        }
    }
    fn has_method(&self, name: &str) -> bool {
        name == "__len__"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `_pickle.PicklingError`, made once (it holds no per-program state).
pub(crate) fn pickling_error() -> Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS
        .get_or_init(|| {
            let base = Class::new(
                "PickleError",
                Some(crate::objects::class::exc_class("Exception")),
                None,
                "_pickle",
            );
            Class::new("PicklingError", Some(base), None, "_pickle")
        })
        .clone()
}

fn picking_err(msg: String) -> Box<crate::vm::PyErr> {
    Box::new(crate::vm::PyErr {
        exc: new_exception(pickling_error(), vec![Value::Str(Arc::from(msg))]),
        tb: Vec::new(),
    })
}

// Tags of the byte format.
const NONE: u8 = b'N';
const TRUE: u8 = b'T';
const FALSE: u8 = b'F';
const INT: u8 = b'I';
const BIG: u8 = b'B';
const FLOAT: u8 = b'D';
const STR: u8 = b'S';
const TUPLE: u8 = b'(';
const LIST: u8 = b'L';
const DICT: u8 = b'M';
const SET: u8 = b'E';
const RANGE: u8 = b'r';
const GLOBAL: u8 = b'G';
const OBJECT: u8 = b'O';
const METHOD: u8 = b'A';
const HANDLE: u8 = b'H';
const REF: u8 = b'R';
const ELLIPSIS: u8 = b'.';

/// Attributes of exceptions that stay behind (tracebacks and chains are not pickled).
const SKIPPED: &[&str] = &[
    "__traceback__",
    "__cause__",
    "__context__",
    "__suppress_context__",
];

struct Writer<'a> {
    out: Pickled,
    memo: HashMap<usize, u32>,
    next: u32,
    policy: Policy<'a>,
}

/// Which native objects cross as handles: `Ok(true)` yes, `Ok(false)` they cannot be
/// pickled, `Err(message)` a RuntimeError (process objects outside of starting a process).
pub(crate) type Policy<'a> = &'a dyn Fn(&Arc<dyn NativeObject>) -> Result<bool, String>;

impl Writer<'_> {
    fn u32(&mut self, n: usize) {
        self.out.bytes.extend_from_slice(&(n as u32).to_le_bytes());
    }
    fn text(&mut self, s: &str) {
        self.u32(s.len());
        self.out.bytes.extend_from_slice(s.as_bytes());
    }
    /// Register a mutable object; true if it was already written (a reference went out).
    fn seen(&mut self, id: usize) -> bool {
        if let Some(&i) = self.memo.get(&id) {
            self.out.bytes.push(REF);
            self.u32(i as usize);
            return true;
        }
        false
    }
    fn remember(&mut self, id: usize) {
        self.memo.insert(id, self.next);
        self.next += 1;
    }

    /// A list or set: written once, then referred to (so that cycles and sharing survive).
    fn container(
        &mut self,
        vm: &mut Vm,
        v: &Value,
        tag: u8,
        items: impl FnOnce() -> Vec<Value>,
    ) -> PyResult<()> {
        if self.seen(v.identity()) {
            return Ok(());
        }
        self.remember(v.identity());
        let items = items();
        self.out.bytes.push(tag);
        self.u32(items.len());
        for x in &items {
            self.value(vm, x)?;
        }
        Ok(())
    }

    fn value(&mut self, vm: &mut Vm, v: &Value) -> PyResult<()> {
        match v {
            Value::None => self.out.bytes.push(NONE),
            Value::Ellipsis => self.out.bytes.push(ELLIPSIS),
            Value::Bool(b) => self.out.bytes.push(if *b { TRUE } else { FALSE }),
            Value::Int(i) => {
                self.out.bytes.push(INT);
                self.out.bytes.extend_from_slice(&i.to_le_bytes());
            }
            Value::BigInt(b) => {
                self.out.bytes.push(BIG);
                let bytes = b.to_signed_bytes_le();
                self.u32(bytes.len());
                self.out.bytes.extend_from_slice(&bytes);
            }
            Value::Float(f) => {
                self.out.bytes.push(FLOAT);
                self.out.bytes.extend_from_slice(&f.to_le_bytes());
            }
            Value::Str(s) => {
                self.out.bytes.push(STR);
                self.text(s);
            }
            Value::Range(r) => {
                self.out.bytes.push(RANGE);
                for n in [r.start, r.stop, r.step] {
                    self.out.bytes.extend_from_slice(&n.to_le_bytes());
                }
            }
            Value::Tuple(t) => {
                self.out.bytes.push(TUPLE);
                self.u32(t.len());
                for x in t.iter() {
                    self.value(vm, x)?;
                }
            }
            Value::List(l) => self.container(vm, v, LIST, || l.snapshot())?,
            Value::Set(s) => self.container(vm, v, SET, || s.snapshot())?,
            Value::Dict(d) => {
                if self.seen(v.identity()) {
                    return Ok(());
                }
                self.remember(v.identity());
                let items = d.items();
                self.out.bytes.push(DICT);
                self.u32(items.len());
                for (k, x) in &items {
                    self.value(vm, k)?;
                    self.value(vm, x)?;
                }
            }
            Value::Function(f) => {
                let module = module_name(&f.globals);
                self.global(vm, v, &module, &f.code.qualname)?;
            }
            Value::Class(c) => {
                let (module, qualname) = class_name(c);
                self.global(vm, v, &module, &qualname)?;
            }
            Value::Builtin(b) => {
                let module = builtin_home(vm, v).ok_or_else(|| cannot(v))?;
                self.out.bytes.push(GLOBAL);
                self.text(&module);
                self.text(b.name);
            }
            Value::Method(m) => {
                let name = match &m.1 {
                    Value::Function(f) => f.code.name.clone(),
                    _ => return Err(cannot(v)),
                };
                self.out.bytes.push(METHOD);
                self.value(vm, &m.0)?;
                self.text(&name);
            }
            Value::Instance(i) => {
                if self.seen(v.identity()) {
                    return Ok(());
                }
                self.remember(v.identity());
                self.out.bytes.push(OBJECT);
                self.value(vm, &Value::Class(i.class.clone()))?;
                let attrs: Vec<(Arc<str>, Value)> = lock(&i.dict)
                    .iter()
                    .filter(|(k, _)| !SKIPPED.contains(&&***k))
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                self.u32(attrs.len());
                for (k, x) in &attrs {
                    self.text(k);
                    self.value(vm, x)?;
                }
            }
            Value::Native(n) if (self.policy)(n).map_err(|m| err("RuntimeError", &m))? => {
                self.out.bytes.push(HANDLE);
                self.u32(self.out.handles.len());
                self.out.handles.push(n.clone());
            }
            _ => return Err(cannot(v)),
        }
        Ok(())
    }

    /// A function or class by qualified name, after checking that the name leads back to it.
    fn global(&mut self, vm: &mut Vm, v: &Value, module: &str, qualname: &str) -> PyResult<()> {
        if qualname.contains("<locals>") {
            return Err(err(
                "AttributeError",
                &format!("Can't get local object '{qualname}'"),
            ));
        }
        if !matches!(v, Value::Class(c) if c.builtin.is_some()) {
            let found = lookup_global(vm, module, qualname).ok();
            match found {
                Some(f) if f.is(v) => {}
                Some(_) => {
                    let r = vm.repr(v)?;
                    return Err(picking_err(format!(
                        "Can't pickle {r}: it's not the same object as {module}.{qualname}"
                    )));
                }
                None => {
                    let r = vm.repr(v)?;
                    let last = qualname.rsplit('.').next().unwrap_or(qualname);
                    return Err(picking_err(format!(
                        "Can't pickle {r}: attribute lookup {last} on {module} failed"
                    )));
                }
            }
        }
        self.out.bytes.push(GLOBAL);
        self.text(module);
        self.text(qualname);
        Ok(())
    }
}

fn cannot(v: &Value) -> Box<crate::vm::PyErr> {
    let name = match v {
        Value::Native(n) if n.type_name() == "lock" => "_thread.lock".to_string(),
        Value::Native(n) if n.type_name() == "RLock" => "_thread.RLock".to_string(),
        _ => v.type_name(),
    };
    err("TypeError", &format!("cannot pickle '{name}' object"))
}

fn module_name(globals: &Dict) -> String {
    match globals.get_str("__name__") {
        Some(Value::Str(s)) => s.to_string(),
        _ => "__main__".into(),
    }
}

fn class_name(c: &Arc<Class>) -> (String, String) {
    let qualname = match lock(&c.dict).get("__qualname__") {
        Some(Value::Str(s)) => s.to_string(),
        _ => c.name.to_string(),
    };
    (c.module.to_string(), qualname)
}

/// Where a built-in function lives: `builtins`, or the imported module that holds it.
fn builtin_home(vm: &Vm, v: &Value) -> Option<String> {
    let Value::Builtin(b) = v else { return None };
    if vm.rt.builtins.get_str(b.name).is_some_and(|x| x.is(v)) {
        return Some("builtins".into());
    }
    let modules: Vec<(String, Value)> = lock(&vm.rt.modules)
        .iter()
        .map(|(k, m)| (k.clone(), m.clone()))
        .collect();
    modules.into_iter().find_map(|(name, m)| match m {
        Value::Module(m) if m.dict.get_str(b.name).is_some_and(|x| x.is(v)) => Some(name),
        _ => None,
    })
}

/// The module a pickled name refers to, in `vm`'s runtime. `__main__` and `__mp_main__`
/// both name the runtime's main module (as multiprocessing aliases them).
fn module_of(vm: &mut Vm, module: &str) -> PyResult<Value> {
    if module == "builtins" {
        return Ok(Value::Module(Arc::new(Module {
            name: Arc::from("builtins"),
            dict: vm.rt.builtins.clone(),
        })));
    }
    if module == "__main__" || module == "__mp_main__" {
        let m = lock(&vm.rt.modules).get("__main__").cloned();
        return m.ok_or_else(|| err("ImportError", "no main module"));
    }
    crate::modules::import(vm, module)
}

/// Follow a dotted qualified name from a module.
pub(crate) fn lookup_global(vm: &mut Vm, module: &str, qualname: &str) -> PyResult<Value> {
    let mut cur = module_of(vm, module)?;
    for part in qualname.split('.') {
        cur = match &cur {
            Value::Module(m) => m.dict.get_str(part).ok_or_else(|| {
                err(
                    "AttributeError",
                    &format!("Can't get attribute '{qualname}' on <module '{module}'>"),
                )
            })?,
            other => vm.get_attr(other, part)?,
        };
    }
    Ok(cur)
}

/// Serialize `v` with pickle's rules; `policy` says which native objects cross as handles.
///
/// # Errors
/// PicklingError for a function or class that cannot be found by its name, AttributeError
/// for a local object, TypeError for a value of a kind that cannot be pickled,
/// RuntimeError for a process object the policy refuses.
pub(crate) fn dumps(vm: &mut Vm, v: &Value, policy: Policy<'_>) -> PyResult<Pickled> {
    let mut w = Writer {
        out: Pickled::default(),
        memo: HashMap::new(),
        next: 0,
        policy,
    };
    w.value(vm, v)?;
    Ok(w.out)
}

/// Finds a name of the main module that the runtime's own main module lacks.
pub(crate) type Fallback<'a> = &'a dyn Fn(&mut Vm, &str, &str) -> PyResult<Value>;

struct Reader<'a> {
    p: &'a Pickled,
    at: usize,
    memo: Vec<Value>,
    /// Called when a name cannot be found in the main module (subinterpreters look in a
    /// fresh run of the main script then).
    fallback: Option<Fallback<'a>>,
}

fn corrupt() -> Box<crate::vm::PyErr> {
    err("SystemError", "corrupt pickle data")
}

impl Reader<'_> {
    fn byte(&mut self) -> PyResult<u8> {
        let b = *self.p.bytes.get(self.at).ok_or_else(corrupt)?;
        self.at += 1;
        Ok(b)
    }
    fn take(&mut self, n: usize) -> PyResult<&[u8]> {
        let s = self.p.bytes.get(self.at..self.at + n).ok_or_else(corrupt)?;
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self) -> PyResult<usize> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn i64(&mut self) -> PyResult<i64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }
    fn text(&mut self) -> PyResult<String> {
        let n = self.u32()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| corrupt())
    }

    fn value(&mut self, vm: &mut Vm) -> PyResult<Value> {
        Ok(match self.byte()? {
            NONE => Value::None,
            ELLIPSIS => Value::Ellipsis,
            TRUE => Value::Bool(true),
            FALSE => Value::Bool(false),
            INT => Value::Int(self.i64()?),
            BIG => {
                let n = self.u32()?;
                let b = self.take(n)?;
                crate::objects::int::from_big(BigInt::from_signed_bytes_le(b))
            }
            FLOAT => Value::Float(f64::from_bits(self.i64()? as u64)),
            STR => Value::str(&self.text()?),
            RANGE => {
                let (start, stop, step) = (self.i64()?, self.i64()?, self.i64()?);
                Value::Range(Arc::new(RangeObj { start, stop, step }))
            }
            TUPLE => {
                let n = self.u32()?;
                let mut items = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    items.push(self.value(vm)?);
                }
                Value::tuple(items)
            }
            LIST => {
                let l = Arc::new(List::new(Vec::new()));
                self.memo.push(Value::List(l.clone()));
                let n = self.u32()?;
                for _ in 0..n {
                    let x = self.value(vm)?;
                    lock(&l.items).push(x);
                }
                Value::List(l)
            }
            SET => {
                let s = Arc::new(Set::new());
                self.memo.push(Value::Set(s.clone()));
                let n = self.u32()?;
                for _ in 0..n {
                    let x = self.value(vm)?;
                    let k = vm.key(&x)?;
                    lock(&s.items).insert(k, x);
                }
                Value::Set(s)
            }
            DICT => {
                let d = Arc::new(Dict::new());
                self.memo.push(Value::Dict(d.clone()));
                let n = self.u32()?;
                for _ in 0..n {
                    let k = self.value(vm)?;
                    let x = self.value(vm)?;
                    let key = vm.key(&k)?;
                    d.set(key, k, x);
                }
                Value::Dict(d)
            }
            GLOBAL => {
                let module = self.text()?;
                let qualname = self.text()?;
                match lookup_global(vm, &module, &qualname) {
                    Ok(v) => v,
                    Err(e) => match self.fallback {
                        Some(f) if module == "__main__" || module == "__mp_main__" => {
                            f(vm, &module, &qualname)?
                        }
                        _ => return Err(e),
                    },
                }
            }
            METHOD => {
                let obj = self.value(vm)?;
                let name = self.text()?;
                vm.get_attr(&obj, &name)?
            }
            OBJECT => {
                let slot = self.memo.len();
                self.memo.push(Value::None);
                let Value::Class(class) = self.value(vm)? else {
                    return Err(corrupt());
                };
                let inst = Arc::new(Instance {
                    class,
                    dict: Mutex::new(Default::default()),
                });
                self.memo[slot] = Value::Instance(inst.clone());
                let n = self.u32()?;
                for _ in 0..n {
                    let k = self.text()?;
                    let x = self.value(vm)?;
                    lock(&inst.dict).insert(Arc::from(k.as_str()), x);
                }
                Value::Instance(inst)
            }
            HANDLE => {
                let i = self.u32()?;
                Value::Native(self.p.handles.get(i).ok_or_else(corrupt)?.clone())
            }
            REF => {
                let i = self.u32()?;
                self.memo.get(i).ok_or_else(corrupt)?.clone()
            }
            _ => return Err(corrupt()),
        })
    }
}

/// Rebuild a pickled value in `vm`'s runtime.
///
/// # Errors
/// AttributeError when a function or class is not found under its name in this runtime.
pub(crate) fn loads(vm: &mut Vm, p: &Pickled, fallback: Option<Fallback<'_>>) -> PyResult<Value> {
    let mut r = Reader {
        p,
        at: 0,
        memo: Vec::new(),
        fallback,
    };
    r.value(vm)
}

/// The deep copy a forked child makes of its parent's objects (the child's `vm` runs in the
/// child's runtime; the parent waits meanwhile, so its objects hold still).
pub(crate) struct ForkCopy<'a> {
    /// The parent's main globals and the child's.
    pub(crate) main: (Arc<Dict>, Arc<Dict>),
    memo: HashMap<usize, Value>,
    cells: HashMap<usize, Arc<Cell>>,
    dicts: HashMap<usize, Arc<Dict>>,
    shareable: &'a dyn Fn(&Arc<dyn NativeObject>) -> bool,
}

impl<'a> ForkCopy<'a> {
    /// A copier from the parent's main globals to the child's.
    pub(crate) fn new(
        parent: Arc<Dict>,
        child: Arc<Dict>,
        shareable: &'a dyn Fn(&Arc<dyn NativeObject>) -> bool,
    ) -> ForkCopy<'a> {
        ForkCopy {
            main: (parent, child),
            memo: HashMap::new(),
            cells: HashMap::new(),
            dicts: HashMap::new(),
            shareable,
        }
    }

    /// Copy every name of the parent's main module into the child's.
    ///
    /// # Errors
    /// An import that fails in the child.
    pub(crate) fn copy_main(&mut self, vm: &mut Vm) -> PyResult<()> {
        let (parent, child) = self.main.clone();
        self.dicts
            .insert(Arc::as_ptr(&parent) as usize, child.clone());
        for (k, v) in parent.items() {
            let v = self.copy(vm, &v)?;
            let key = vm.key(&k)?;
            child.set(key, k, v);
        }
        Ok(())
    }

    /// The child's globals for a function's globals: main's copy, or the module of that name.
    fn globals(&mut self, vm: &mut Vm, g: &Arc<Dict>) -> PyResult<Arc<Dict>> {
        if let Some(d) = self.dicts.get(&(Arc::as_ptr(g) as usize)) {
            return Ok(d.clone());
        }
        let name = module_name(g);
        let d = match crate::modules::import(vm, &name)? {
            Value::Module(m) => m.dict.clone(),
            _ => Arc::new(Dict::new()),
        };
        self.dicts.insert(Arc::as_ptr(g) as usize, d.clone());
        Ok(d)
    }

    fn is_main(&self, g: &Arc<Dict>) -> bool {
        Arc::ptr_eq(g, &self.main.0)
    }

    /// A copy of `v` for the child.
    ///
    /// # Errors
    /// An import that fails in the child.
    pub(crate) fn copy(&mut self, vm: &mut Vm, v: &Value) -> PyResult<Value> {
        let id = v.identity();
        let mutable = matches!(
            v,
            Value::List(_)
                | Value::Dict(_)
                | Value::Set(_)
                | Value::Function(_)
                | Value::Class(_)
                | Value::Instance(_)
        );
        if mutable {
            if let Some(c) = self.memo.get(&id) {
                return Ok(c.clone());
            }
        }
        Ok(match v {
            Value::Tuple(t) => {
                let mut items = Vec::with_capacity(t.len());
                for x in t.iter() {
                    items.push(self.copy(vm, x)?);
                }
                Value::tuple(items)
            }
            Value::List(l) => {
                let new = Arc::new(List::new(Vec::new()));
                self.memo.insert(id, Value::List(new.clone()));
                for x in l.snapshot() {
                    let c = self.copy(vm, &x)?;
                    lock(&new.items).push(c);
                }
                Value::List(new)
            }
            Value::Set(s) => {
                let new = Arc::new(Set::new());
                self.memo.insert(id, Value::Set(new.clone()));
                let items: Vec<(Key, Value)> = lock(&s.items)
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                for (k, x) in items {
                    let c = self.copy(vm, &x)?;
                    // Keys by identity would name the parent's object: key the copy afresh.
                    let k = if matches!(k, Key::Id(_)) {
                        vm.key(&c)?
                    } else {
                        k
                    };
                    lock(&new.items).insert(k, c);
                }
                Value::Set(new)
            }
            Value::Dict(d) => {
                let new = Arc::new(Dict::new());
                self.memo.insert(id, Value::Dict(new.clone()));
                for (k, x) in d.items() {
                    let k = self.copy(vm, &k)?;
                    let x = self.copy(vm, &x)?;
                    let key = vm.key(&k)?;
                    new.set(key, k, x);
                }
                Value::Dict(new)
            }
            Value::Function(f) => {
                if !self.is_main(&f.globals) && !f.code.qualname.contains("<locals>") {
                    let module = module_name(&f.globals);
                    if let Ok(found) = lookup_global(vm, &module, &f.code.qualname) {
                        self.memo.insert(id, found.clone());
                        return Ok(found);
                    }
                }
                let globals = self.globals(vm, &f.globals)?;
                let mut defaults = Vec::new();
                for d in &f.defaults {
                    defaults.push(self.copy(vm, d)?);
                }
                let mut kwdefaults = Vec::new();
                for (k, d) in &f.kwdefaults {
                    kwdefaults.push((k.clone(), self.copy(vm, d)?));
                }
                let mut closure = Vec::new();
                for c in &f.closure {
                    closure.push(self.cell(vm, c)?);
                }
                let new = Arc::new(Function {
                    code: f.code.clone(),
                    globals,
                    defaults,
                    kwdefaults,
                    closure,
                    owner: Mutex::new(Weak::new()),
                    global_cache: Function::new_cache(&f.code),
                });
                let out = Value::Function(new.clone());
                self.memo.insert(id, out.clone());
                let owner = lock(&f.owner).upgrade();
                if let Some(o) = owner {
                    if let Value::Class(c) = self.copy(vm, &Value::Class(o))? {
                        *lock(&new.owner) = Arc::downgrade(&c);
                    }
                }
                out
            }
            Value::Class(c) => {
                if c.builtin.is_some() {
                    return Ok(v.clone());
                }
                let (module, qualname) = class_name(c);
                if module != module_name(&self.main.0) && !qualname.contains("<locals>") {
                    if let Ok(found) = lookup_global(vm, &module, &qualname) {
                        self.memo.insert(id, found.clone());
                        return Ok(found);
                    }
                }
                let base = match &c.base {
                    Some(b) => match self.copy(vm, &Value::Class(b.clone()))? {
                        Value::Class(b) => Some(b),
                        _ => None,
                    },
                    None => None,
                };
                let new = Class::new(&c.name, base, None, &c.module);
                self.memo.insert(id, Value::Class(new.clone()));
                let attrs: Vec<(Arc<str>, Value)> = lock(&c.dict)
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                for (k, x) in attrs {
                    let x = self.copy(vm, &x)?;
                    new.note_attr(&x);
                    lock(&new.dict).insert(k, x);
                }
                Value::Class(new)
            }
            Value::Instance(i) => {
                let Value::Class(class) = self.copy(vm, &Value::Class(i.class.clone()))? else {
                    return Ok(Value::None);
                };
                let new = Arc::new(Instance {
                    class,
                    dict: Mutex::new(Default::default()),
                });
                self.memo.insert(id, Value::Instance(new.clone()));
                let attrs: Vec<(Arc<str>, Value)> = lock(&i.dict)
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                for (k, x) in attrs {
                    let x = self.copy(vm, &x)?;
                    lock(&new.dict).insert(k, x);
                }
                Value::Instance(new)
            }
            Value::Method(m) => {
                let (a, b) = (self.copy(vm, &m.0)?, self.copy(vm, &m.1)?);
                Value::Method(Arc::new((a, b)))
            }
            Value::BuiltinMethod(m) => {
                let obj = self.copy(vm, &m.0)?;
                Value::BuiltinMethod(Arc::new((obj, m.1.clone())))
            }
            Value::Wrapper(w) => {
                let x = self.copy(vm, &w.1)?;
                Value::Wrapper(Arc::new((w.0, x)))
            }
            Value::Module(m) => {
                if &*m.name == "__main__" {
                    lock(&vm.rt.modules)
                        .get("__main__")
                        .cloned()
                        .unwrap_or(Value::None)
                } else {
                    crate::modules::import(vm, &m.name)?
                }
            }
            Value::Native(n) if (self.shareable)(n) => v.clone(),
            Value::Native(n) if matches!(n.type_name(), "lock" | "RLock") => {
                // A thread lock of the parent: the child gets a fresh one (its threads are
                // not the parent's).
                let thread = crate::modules::import(vm, "_thread")?;
                let ctor = if n.type_name() == "lock" {
                    "allocate_lock"
                } else {
                    "RLock"
                };
                let f = vm.get_attr(&thread, ctor)?;
                vm.call(&f, Vec::new(), Vec::new())?
            }
            // Iterators and generators hold running state of the parent: not copied.
            Value::Iter(_) | Value::Generator(_) | Value::Super(_) => Value::None,
            _ => v.clone(),
        })
    }

    fn cell(&mut self, vm: &mut Vm, c: &Arc<Cell>) -> PyResult<Arc<Cell>> {
        let id = Arc::as_ptr(c) as usize;
        if let Some(n) = self.cells.get(&id) {
            return Ok(n.clone());
        }
        let new = Cell::new();
        self.cells.insert(id, new.clone());
        let v = lock(&c.value).clone();
        if let Some(v) = v {
            let v = self.copy(vm, &v)?;
            *lock(&new.value) = Some(v);
        }
        Ok(new)
    }
}
