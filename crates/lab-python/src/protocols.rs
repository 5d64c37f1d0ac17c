//! The object protocols: attributes, operators, comparison, truth, containers, iteration,
//! `repr`/`str`/`format`. Built-in values take the fast paths; instances use their dunders.

use crate::bytecode::{BinOp, CmpOp, UnOp};
use crate::objects::float::float_repr;
use crate::objects::int::{float_binop, from_big, int_binop, to_big};
use crate::objects::iter::{Step, simple_next};
use crate::objects::{Iter, IterState, Value, WrapKind, lock};
use crate::vm::{Kwargs, PyResult, Vm, err};
use std::cmp::Ordering;
use std::sync::{Arc, Mutex};

/// The most items a list, tuple or string may get from one operation: beyond it the program
/// gets MemoryError instead of the host aborting on a failed allocation (2**26 values of 24
/// bytes is 1.5 GiB).
const MAX_ITEMS: usize = 1 << 26;

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i.saturating_add(len) } else { i };
    (0..len).contains(&j).then_some(j as usize)
}

/// Resolve a slice against a length: (start, stop, step) as in `slice.indices`.
pub(crate) fn slice_indices(vm: &mut Vm, s: &[Value; 3], len: usize) -> PyResult<(i64, i64, i64)> {
    let get = |vm: &mut Vm, v: &Value| -> PyResult<Option<i64>> {
        match v {
            Value::None => Ok(None),
            other => Ok(Some(vm.index(other)?)),
        }
    };
    let step = get(vm, &s[2])?.unwrap_or(1);
    if step == 0 {
        return Err(err("ValueError", "slice step cannot be zero"));
    }
    let len = len as i64;
    let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
    let fix = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(x) if x < 0 => {
                if step > 0 {
                    clamp(x.saturating_add(len), 0, len)
                } else {
                    clamp(x.saturating_add(len), -1, len - 1)
                }
            }
            Some(x) => {
                if step > 0 {
                    clamp(x, 0, len)
                } else {
                    clamp(x, -1, len - 1)
                }
            }
        }
    };
    let start = fix(get(vm, &s[0])?, if step > 0 { 0 } else { len - 1 });
    let stop = fix(get(vm, &s[1])?, if step > 0 { len } else { -1 });
    Ok((start, stop, step))
}

fn slice_take<T: Clone>(items: &[T], (start, stop, step): (i64, i64, i64)) -> Vec<T> {
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(items[i as usize].clone());
        i += step;
    }
    out
}

impl Vm {
    /// An int usable as an index.
    ///
    /// # Errors
    /// TypeError for non-ints, IndexError for huge ones.
    pub fn index(&mut self, v: &Value) -> PyResult<i64> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            Value::BigInt(_) => Err(err(
                "IndexError",
                "cannot fit 'int' into an index-sized integer",
            )),
            _ => Err(err(
                "TypeError",
                &format!(
                    "slice indices must be integers or None or have an __index__ method, not {}",
                    v.type_name()
                ),
            )),
        }
    }

    /// `getattr(obj, name)`.
    ///
    /// # Errors
    /// AttributeError.
    pub fn get_attr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        match obj {
            Value::Instance(inst) => {
                // A property on the class comes before the instance's own attribute (it is
                // a data descriptor, as CPython calls it).
                if inst.class.may_have_property() {
                    if let Some(p @ Value::Wrapper(_)) = inst.class.lookup(name) {
                        if matches!(&p, Value::Wrapper(w) if w.0 == WrapKind::Property) {
                            return self.bind(p, obj, &Value::Class(inst.class.clone()));
                        }
                    }
                }
                if let Some(v) = lock(&inst.dict).get(name) {
                    return Ok(v.clone());
                }
                if let Some(v) = inst.class.lookup(name) {
                    return self.bind(v, obj, &Value::Class(inst.class.clone()));
                }
                if name == "__class__" {
                    return Ok(Value::Class(inst.class.clone()));
                }
                if name == "__dict__" {
                    let d = crate::objects::Dict::new();
                    for (k, v) in lock(&inst.dict).iter() {
                        d.set_str(k, v.clone());
                    }
                    return Ok(Value::Dict(Arc::new(d)));
                }
                if let Some(ga) = inst.class.lookup("__getattr__") {
                    return self.call(&ga, vec![obj.clone(), Value::str(name)], Vec::new());
                }
                if inst.class.is_exception() && matches!(name, "__cause__" | "__context__") {
                    return Ok(Value::None);
                }
                if name == "value"
                    && inst
                        .class
                        .is_subclass(&crate::objects::class::exc_class("StopIteration"))
                {
                    let args = lock(&inst.dict).get("args").cloned();
                    return Ok(match args {
                        Some(Value::Tuple(t)) => t.first().cloned().unwrap_or(Value::None),
                        _ => Value::None,
                    });
                }
                if name == "__init__" {
                    return Ok(Value::BuiltinMethod(Arc::new((
                        obj.clone(),
                        Arc::from(name),
                    ))));
                }
                Err(err(
                    "AttributeError",
                    &format!("'{}' object has no attribute '{name}'", inst.class.name),
                ))
            }
            Value::Class(c) => {
                if let Some(v) = c.lookup(name) {
                    return match v {
                        Value::Wrapper(w) if w.0 == WrapKind::Static => Ok(w.1.clone()),
                        Value::Wrapper(w) if w.0 == WrapKind::ClassMethod => {
                            Ok(Value::Method(Arc::new((obj.clone(), w.1.clone()))))
                        }
                        other => Ok(other),
                    };
                }
                match name {
                    "__name__" | "__qualname__" => Ok(Value::Str(c.name.clone())),
                    "__module__" => Ok(Value::Str(c.module.clone())),
                    "__base__" => Ok(c.base.clone().map(Value::Class).unwrap_or(Value::None)),
                    "__class__" => Ok(Value::Class(crate::objects::class::types().type_.clone())),
                    _ if c.builtin.is_some()
                        && crate::objects::methods::has_type_method(c, name) =>
                    {
                        Ok(Value::BuiltinMethod(Arc::new((
                            obj.clone(),
                            Arc::from(name),
                        ))))
                    }
                    _ => Err(err(
                        "AttributeError",
                        &format!("type object '{}' has no attribute '{name}'", c.name),
                    )),
                }
            }
            Value::Module(m) => m.dict.get_str(name).ok_or_else(|| {
                err(
                    "AttributeError",
                    &format!("module '{}' has no attribute '{name}'", m.name),
                )
            }),
            Value::Super(s) => {
                let (cls, this) = (&s.0, &s.1);
                let mut cur = cls.base.clone();
                while let Some(c) = cur {
                    if let Some(v) = lock(&c.dict).get(name).cloned() {
                        return self.bind(v, this, &Value::Class(this.class()));
                    }
                    cur = c.base.clone();
                }
                if name == "__init__" {
                    return Ok(Value::BuiltinMethod(Arc::new((
                        this.clone(),
                        Arc::from(name),
                    ))));
                }
                Err(err(
                    "AttributeError",
                    &format!("'super' object has no attribute '{name}'"),
                ))
            }
            Value::Function(f) => match name {
                "__name__" => Ok(Value::Str(f.code.name.clone())),
                "__qualname__" => Ok(Value::Str(f.code.qualname.clone())),
                _ => Err(err(
                    "AttributeError",
                    &format!("'function' object has no attribute '{name}'"),
                )),
            },
            Value::Builtin(b) if name == "__name__" => Ok(Value::str(b.name)),
            Value::Native(n) => {
                if let Some(v) = n.get_attr(self.ident, name) {
                    return Ok(v);
                }
                if n.has_method(name) {
                    return Ok(Value::BuiltinMethod(Arc::new((
                        obj.clone(),
                        Arc::from(name),
                    ))));
                }
                Err(err(
                    "AttributeError",
                    &format!("'{}' object has no attribute '{name}'", n.type_name()),
                ))
            }
            _ => {
                if name == "__class__" {
                    return Ok(Value::Class(obj.class()));
                }
                if crate::objects::methods::has_method(obj, name) {
                    return Ok(Value::BuiltinMethod(Arc::new((
                        obj.clone(),
                        Arc::from(name),
                    ))));
                }
                if let Some(v) = crate::objects::methods::get_property(obj, name) {
                    return Ok(v);
                }
                Err(err(
                    "AttributeError",
                    &format!("'{}' object has no attribute '{name}'", obj.type_name()),
                ))
            }
        }
    }

    fn bind(&mut self, v: Value, this: &Value, cls: &Value) -> PyResult<Value> {
        Ok(match v {
            Value::Function(_) => Value::Method(Arc::new((this.clone(), v))),
            Value::Wrapper(w) => match w.0 {
                WrapKind::Static => w.1.clone(),
                WrapKind::ClassMethod => Value::Method(Arc::new((cls.clone(), w.1.clone()))),
                WrapKind::Property => {
                    let (fget, _) = crate::builtins::property_parts(&w.1);
                    if matches!(fget, Value::None) {
                        return Err(err("AttributeError", "property has no getter"));
                    }
                    return self.call(&fget, vec![this.clone()], Vec::new());
                }
            },
            other => other,
        })
    }

    /// `setattr(obj, name, v)`.
    ///
    /// # Errors
    /// AttributeError for objects without writable attributes.
    /// (The name is an `Arc` so that a new attribute keeps the program's own string: the
    /// next lookups find it by its address.)
    pub fn set_attr(&mut self, obj: &Value, name: &Arc<str>, v: Value) -> PyResult<()> {
        match obj {
            Value::Instance(i) => {
                // A property on the class takes the store (CPython's data descriptors).
                let prop = if i.class.may_have_property() {
                    i.class.lookup(name)
                } else {
                    None
                };
                if let Some(Value::Wrapper(w)) = prop {
                    if w.0 == WrapKind::Property {
                        let (_, fset) = crate::builtins::property_parts(&w.1);
                        if !matches!(fset, Value::None) {
                            self.call(&fset, vec![obj.clone(), v], Vec::new())?;
                            return Ok(());
                        }
                        return Err(err(
                            "AttributeError",
                            &format!(
                                "property '{name}' of '{}' object has no setter",
                                i.class.name
                            ),
                        ));
                    }
                }
                store_attr(&mut lock(&i.dict), name, v);
                Ok(())
            }
            Value::Class(c) if c.builtin.is_none() => {
                c.note_attr(&v);
                store_attr(&mut lock(&c.dict), name, v);
                Ok(())
            }
            Value::Module(m) => {
                m.dict.set_str(name, v);
                Ok(())
            }
            Value::Native(n) if n.set_attr(self.ident, name, v.clone()) => Ok(()),
            _ => Err(err(
                "AttributeError",
                &format!(
                    "'{}' object has no attribute '{name}' and no __dict__ for setting new attributes",
                    obj.type_name()
                ),
            )),
        }
    }

    /// `delattr(obj, name)`.
    ///
    /// # Errors
    /// AttributeError.
    pub fn del_attr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        let removed = match obj {
            Value::Instance(i) => lock(&i.dict).remove(name).is_some(),
            Value::Class(c) => lock(&c.dict).remove(name).is_some(),
            _ => false,
        };
        if removed {
            Ok(())
        } else {
            Err(err(
                "AttributeError",
                &format!("'{}' object has no attribute '{name}'", obj.type_name()),
            ))
        }
    }

    /// `obj.name(*args)` without making a bound method when possible.
    ///
    /// # Errors
    /// Whatever the method raises.
    pub fn call_method(
        &mut self,
        obj: &Value,
        name: &str,
        mut args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<Value> {
        match obj {
            Value::Instance(inst) => {
                if !lock(&inst.dict).contains_key(name) {
                    if let Some(f @ Value::Function(_)) = inst.class.lookup(name) {
                        args.insert(0, obj.clone());
                        return self.call(&f, args, kwargs);
                    }
                }
                let m = self.get_attr(obj, name)?;
                self.call(&m, args, kwargs)
            }
            Value::Class(_) | Value::Module(_) | Value::Super(_) | Value::Function(_) => {
                let m = self.get_attr(obj, name)?;
                self.call(&m, args, kwargs)
            }
            Value::Native(n) => n.clone().call_method(self, name, args, kwargs),
            _ => crate::objects::methods::call_method(self, obj, name, args, kwargs),
        }
    }

    /// Find a special method on an instance's class.
    fn dunder(&self, v: &Value, name: &str) -> Option<Value> {
        match v {
            Value::Instance(i) => i.class.lookup(name),
            _ => None,
        }
    }

    /// `a op b`.
    ///
    /// # Errors
    /// TypeError for unsupported operand types, and the operators' own errors.
    pub fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        if let Some(r) = int_binop(op, a, b) {
            if op == BinOp::Div {
                if let (Ok(Some(x)), Ok(Some(y))) = (
                    crate::objects::int::to_f64(a),
                    crate::objects::int::to_f64(b),
                ) {
                    if y == 0.0 {
                        return Err(err("ZeroDivisionError", "division by zero"));
                    }
                    return Ok(Value::Float(x / y));
                }
            }
            return r;
        }
        if let Some(r) = float_binop(op, a, b) {
            return r;
        }
        match (op, a, b) {
            (BinOp::Add, Value::Str(x), Value::Str(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                return Ok(Value::str(&s));
            }
            (BinOp::Add, Value::List(x), Value::List(y)) => {
                let mut v = x.snapshot();
                v.extend(y.snapshot());
                return Ok(Value::list(v));
            }
            (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => {
                let mut v = x.to_vec();
                v.extend(y.iter().cloned());
                return Ok(Value::tuple(v));
            }
            (
                BinOp::Mul,
                Value::Str(_) | Value::List(_) | Value::Tuple(_),
                Value::Int(_) | Value::Bool(_),
            )
            | (
                BinOp::Mul,
                Value::Int(_) | Value::Bool(_),
                Value::Str(_) | Value::List(_) | Value::Tuple(_),
            ) => {
                let (seq, n) = if matches!(a, Value::Int(_) | Value::Bool(_)) {
                    (b, a)
                } else {
                    (a, b)
                };
                let n = self.index(n)?.max(0) as usize;
                let len = match seq {
                    Value::Str(s) => s.len(),
                    Value::List(l) => lock(&l.items).len(),
                    Value::Tuple(t) => t.len(),
                    _ => 0,
                };
                if len.saturating_mul(n) > MAX_ITEMS {
                    return Err(err("MemoryError", ""));
                }
                return Ok(match seq {
                    Value::Str(s) => Value::str(&s.repeat(n)),
                    Value::List(l) => Value::list(repeat_items(&l.snapshot(), n)),
                    Value::Tuple(t) => Value::tuple(repeat_items(t, n)),
                    _ => Value::None,
                });
            }
            (BinOp::Mod, Value::Str(fmt), _) => {
                return crate::objects::methods::percent_format(self, fmt, b);
            }
            (BinOp::Or | BinOp::And | BinOp::Sub | BinOp::Xor, Value::Set(_), Value::Set(_)) => {
                return crate::objects::methods::set_op(self, op, a, b);
            }
            (BinOp::Or, Value::Dict(x), Value::Dict(y)) => {
                let d = crate::objects::Dict::new();
                for (k, v) in x.items().into_iter().chain(y.items()) {
                    let key = self.key(&k)?;
                    d.set(key, k, v);
                }
                return Ok(Value::Dict(Arc::new(d)));
            }
            _ => {}
        }
        let (l, r) = op.dunder();
        if let Some(m) = self.dunder(a, l) {
            let res = self.call(&m, vec![a.clone(), b.clone()], Vec::new())?;
            if !is_not_implemented(&res) {
                return Ok(res);
            }
        }
        if let Some(m) = self.dunder(b, r) {
            let res = self.call(&m, vec![b.clone(), a.clone()], Vec::new())?;
            if !is_not_implemented(&res) {
                return Ok(res);
            }
        }
        Err(err(
            "TypeError",
            &format!(
                "unsupported operand type(s) for {}: '{}' and '{}'",
                op.symbol(),
                a.type_name(),
                b.type_name()
            ),
        ))
    }

    /// `a op= b`: lists extend in place, instances may define `__iadd__`.
    ///
    /// # Errors
    /// As `binary`.
    pub fn inplace(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        if let (BinOp::Add, Value::List(l)) = (op, a) {
            let items = self.to_vec(b)?;
            lock(&l.items).extend(items);
            return Ok(a.clone());
        }
        // Only instances can define `__iadd__` and the like (the name is built only then).
        if let Value::Instance(_) = a {
            let name = format!("__i{}", &op.dunder().0[2..]);
            if let Some(m) = self.dunder(a, &name) {
                return self.call(&m, vec![a.clone(), b.clone()], Vec::new());
            }
        }
        self.binary(op, a, b)
    }

    /// `-a`, `+a`, `not a`, `~a`.
    ///
    /// # Errors
    /// TypeError for a bad operand type.
    pub fn unary(&mut self, op: UnOp, a: &Value) -> PyResult<Value> {
        match (op, a) {
            (UnOp::Not, _) => return Ok(Value::Bool(!self.truthy(a)?)),
            (UnOp::Neg, Value::Int(i)) if *i != i64::MIN => return Ok(Value::Int(-i)),
            (UnOp::Neg, Value::Float(f)) => return Ok(Value::Float(-f)),
            (UnOp::Pos, Value::Int(_) | Value::Float(_) | Value::BigInt(_)) => return Ok(a.clone()),
            (UnOp::Pos, Value::Bool(b)) => return Ok(Value::Int(*b as i64)),
            _ => {}
        }
        if let Some(x) = to_big(a) {
            return Ok(match op {
                UnOp::Neg => from_big(-x),
                UnOp::Invert => from_big(!x),
                _ => from_big(x),
            });
        }
        let name = match op {
            UnOp::Neg => "__neg__",
            UnOp::Pos => "__pos__",
            _ => "__invert__",
        };
        if let Some(m) = self.dunder(a, name) {
            return self.call(&m, vec![a.clone()], Vec::new());
        }
        let sym = match op {
            UnOp::Neg => "unary -",
            UnOp::Pos => "unary +",
            _ => "unary ~",
        };
        Err(err(
            "TypeError",
            &format!("bad operand type for {sym}: '{}'", a.type_name()),
        ))
    }

    /// `a == b`.
    ///
    /// # Errors
    /// What a user `__eq__` raises.
    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Str(x), Value::Str(y)) => x == y,
            (Value::None, Value::None) => true,
            (Value::Float(x), Value::Float(y)) => x == y,
            (
                Value::Int(_) | Value::Bool(_) | Value::BigInt(_),
                Value::Int(_) | Value::Bool(_) | Value::BigInt(_),
            ) => to_big(a) == to_big(b),
            (Value::Float(_), Value::Int(_) | Value::Bool(_) | Value::BigInt(_))
            | (Value::Int(_) | Value::Bool(_) | Value::BigInt(_), Value::Float(_)) => {
                let x = crate::objects::int::to_f64(a).ok().flatten();
                let y = crate::objects::int::to_f64(b).ok().flatten();
                x.is_some() && x == y
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = (x.to_vec(), y.to_vec());
                self.seq_eq(&x, &y)?
            }
            (Value::List(x), Value::List(y)) => {
                let (x, y) = (x.snapshot(), y.snapshot());
                self.seq_eq(&x, &y)?
            }
            (Value::Dict(x), Value::Dict(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (k, v) in x.items() {
                    let key = self.key(&k)?;
                    match y.get(&key) {
                        Some(w) => {
                            if !self.eq(&v, &w)? {
                                return Ok(false);
                            }
                        }
                        None => return Ok(false),
                    }
                }
                true
            }
            (Value::Set(x), Value::Set(y)) => {
                let xs = lock(&x.items).keys().cloned().collect::<Vec<_>>();
                let ys = lock(&y.items);
                xs.len() == ys.len() && xs.iter().all(|k| ys.contains_key(k))
            }
            (Value::Range(x), Value::Range(y)) => {
                (x.start, x.stop, x.step) == (y.start, y.stop, y.step)
            }
            // Bound methods are equal when bound to the same object and function.
            (Value::Method(x), Value::Method(y)) => x.0.is(&y.0) && x.1.is(&y.1),
            (Value::Native(_), Value::Native(_)) => {
                use crate::objects::bytes::Bytes;
                match (Bytes::of(a), Bytes::of(b)) {
                    (Some(x), Some(y)) => x == y,
                    _ => a.is(b),
                }
            }
            (Value::Instance(_), _) | (_, Value::Instance(_)) => {
                for (s, o) in [(a, b), (b, a)] {
                    if let Some(m) = self.dunder(s, "__eq__") {
                        let r = self.call(&m, vec![s.clone(), o.clone()], Vec::new())?;
                        if !is_not_implemented(&r) {
                            return self.truthy(&r);
                        }
                    }
                }
                a.is(b)
            }
            _ => a.is(b),
        })
    }

    fn seq_eq(&mut self, x: &[Value], y: &[Value]) -> PyResult<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !p.is(q) && !self.eq(p, q)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Order two values (`<` and friends); `None` if they are unordered (NaN).
    ///
    /// # Errors
    /// TypeError when the types cannot be ordered.
    pub fn order(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Option<Ordering>> {
        let num = |v: &Value| {
            matches!(
                v,
                Value::Int(_) | Value::Bool(_) | Value::BigInt(_) | Value::Float(_)
            )
        };
        if num(a) && num(b) {
            if let (Some(x), Some(y)) = (to_big(a), to_big(b)) {
                return Ok(Some(x.cmp(&y)));
            }
            let x = crate::objects::int::to_f64(a)?.unwrap_or(0.0);
            let y = crate::objects::int::to_f64(b)?.unwrap_or(0.0);
            return Ok(x.partial_cmp(&y));
        }
        let seqs = match (a, b) {
            (Value::Str(x), Value::Str(y)) => return Ok(Some(x.cmp(y))),
            (Value::Tuple(x), Value::Tuple(y)) => Some((x.to_vec(), y.to_vec())),
            (Value::List(x), Value::List(y)) => Some((x.snapshot(), y.snapshot())),
            _ => None,
        };
        if let Some((x, y)) = seqs {
            for (p, q) in x.iter().zip(y.iter()) {
                if !self.eq(p, q)? {
                    return self.order(op, p, q);
                }
            }
            return Ok(Some(x.len().cmp(&y.len())));
        }
        if let (Value::Set(x), Value::Set(y)) = (a, b) {
            let xs: Vec<_> = lock(&x.items).keys().cloned().collect();
            let ys = lock(&y.items);
            let sub = xs.iter().all(|k| ys.contains_key(k));
            let (lx, ly) = (xs.len(), ys.len());
            return Ok(match (sub, lx.cmp(&ly)) {
                (true, Ordering::Equal) => Some(Ordering::Equal),
                (true, Ordering::Less) => Some(Ordering::Less),
                _ => {
                    // Superset test the other way round.
                    drop(ys);
                    let ys: Vec<_> = lock(&y.items).keys().cloned().collect();
                    let xs = lock(&x.items);
                    if ys.iter().all(|k| xs.contains_key(k)) {
                        Some(Ordering::Greater)
                    } else {
                        None
                    }
                }
            });
        }
        let (name, rname) = match op {
            CmpOp::Lt => ("__lt__", "__gt__"),
            CmpOp::Le => ("__le__", "__ge__"),
            CmpOp::Gt => ("__gt__", "__lt__"),
            _ => ("__ge__", "__le__"),
        };
        for (s, o, n) in [(a, b, name), (b, a, rname)] {
            if let Some(m) = self.dunder(s, n) {
                let r = self.call(&m, vec![s.clone(), o.clone()], Vec::new())?;
                if !is_not_implemented(&r) {
                    let t = self.truthy(&r)?;
                    // Express the dunder's answer as an ordering that satisfies `op`.
                    let want = match op {
                        CmpOp::Lt | CmpOp::Le => Ordering::Less,
                        _ => Ordering::Greater,
                    };
                    return Ok(if t { Some(want) } else { None });
                }
            }
        }
        Err(err(
            "TypeError",
            &format!(
                "'{}' not supported between instances of '{}' and '{}'",
                op.symbol(),
                a.type_name(),
                b.type_name()
            ),
        ))
    }

    /// A comparison's result.
    ///
    /// # Errors
    /// As `order` and `eq`.
    pub fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        Ok(Value::Bool(match op {
            CmpOp::Eq => self.eq(a, b)?,
            CmpOp::Ne => !self.eq(a, b)?,
            _ => {
                let o = self.order(op, a, b)?;
                match (op, o) {
                    (_, None) => false,
                    (CmpOp::Lt, Some(o)) => o == Ordering::Less,
                    (CmpOp::Le, Some(o)) => o != Ordering::Greater,
                    (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
                    (_, Some(o)) => o != Ordering::Less,
                }
            }
        }))
    }

    /// `a < b` as a bool (sorting, min, max).
    ///
    /// # Errors
    /// TypeError when unorderable.
    pub fn less(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        Ok(self.order(CmpOp::Lt, a, b)? == Some(Ordering::Less))
    }

    /// `bool(v)`.
    ///
    /// # Errors
    /// What `__bool__`/`__len__` raise.
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        Ok(match v {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::List(l) => !lock(&l.items).is_empty(),
            Value::Dict(d) => d.len() != 0,
            Value::Set(s) => !lock(&s.items).is_empty(),
            Value::Range(r) => r.len() != 0,
            Value::Instance(_) => {
                if let Some(m) = self.dunder(v, "__bool__") {
                    let r = self.call(&m, vec![v.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                if let Some(m) = self.dunder(v, "__len__") {
                    let r = self.call(&m, vec![v.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                true
            }
            Value::Native(n) if n.has_method("__len__") => self.len(v)? != 0,
            _ => true,
        })
    }

    /// `len(v)`.
    ///
    /// # Errors
    /// TypeError for values without a length.
    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        Ok(match v {
            Value::Str(s) => s.chars().count(),
            Value::Tuple(t) => t.len(),
            Value::List(l) => lock(&l.items).len(),
            Value::Dict(d) => d.len(),
            Value::Set(s) => lock(&s.items).len(),
            Value::Range(r) => r.len() as usize,
            Value::Instance(_) if self.dunder(v, "__len__").is_some() => {
                let r = self.call_method(v, "__len__", Vec::new(), Vec::new())?;
                self.index(&r)? as usize
            }
            Value::Native(n) if n.has_method("__len__") => {
                let r = n
                    .clone()
                    .call_method(self, "__len__", Vec::new(), Vec::new())?;
                self.index(&r)? as usize
            }
            _ => {
                return Err(err(
                    "TypeError",
                    &format!("object of type '{}' has no len()", v.type_name()),
                ));
            }
        })
    }

    /// `item in container`.
    ///
    /// # Errors
    /// TypeError for non-containers.
    pub fn contains(&mut self, container: &Value, item: &Value) -> PyResult<bool> {
        match container {
            Value::Str(s) => match item {
                Value::Str(x) => Ok(s.contains(&**x)),
                _ => Err(err(
                    "TypeError",
                    &format!(
                        "'in <string>' requires string as left operand, not {}",
                        item.type_name()
                    ),
                )),
            },
            Value::Dict(d) => {
                let k = self.key(item)?;
                Ok(d.get(&k).is_some())
            }
            Value::Set(s) => {
                let k = self.key(item)?;
                Ok(lock(&s.items).contains_key(&k))
            }
            Value::Range(r) => Ok(match item {
                Value::Int(i) => {
                    let i = *i;
                    (if r.step > 0 {
                        i >= r.start && i < r.stop
                    } else {
                        i <= r.start && i > r.stop
                    }) && (i - r.start) % r.step == 0
                }
                _ => false,
            }),
            Value::Native(n) if n.has_method("__contains__") => {
                let r =
                    n.clone()
                        .call_method(self, "__contains__", vec![item.clone()], Vec::new())?;
                self.truthy(&r)
            }
            Value::Instance(_) if self.dunder(container, "__contains__").is_some() => {
                let r =
                    self.call_method(container, "__contains__", vec![item.clone()], Vec::new())?;
                self.truthy(&r)
            }
            _ => {
                let items = self.to_vec(container)?;
                for x in &items {
                    if x.is(item) || self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// `obj[index]`.
    ///
    /// # Errors
    /// IndexError, KeyError, TypeError.
    pub fn getitem(&mut self, obj: &Value, index: &Value) -> PyResult<Value> {
        match (obj, index) {
            (Value::List(l), Value::Int(i)) => {
                let items = lock(&l.items);
                norm_index(*i, items.len())
                    .map(|j| items[j].clone())
                    .ok_or_else(|| err("IndexError", "list index out of range"))
            }
            (Value::Tuple(t), Value::Int(i)) => norm_index(*i, t.len())
                .map(|j| t[j].clone())
                .ok_or_else(|| err("IndexError", "tuple index out of range")),
            (Value::Str(s), Value::Int(i)) => {
                let chars: Vec<char> = s.chars().collect();
                norm_index(*i, chars.len())
                    .map(|j| Value::str(&chars[j].to_string()))
                    .ok_or_else(|| err("IndexError", "string index out of range"))
            }
            (Value::Range(r), Value::Int(i)) => {
                // In i128: a range may hold more than i64::MAX values.
                let (start, stop, step) = (r.start as i128, r.stop as i128, r.step as i128);
                let len = if (step > 0 && start < stop) || (step < 0 && start > stop) {
                    ((stop - start).abs() - 1) / step.abs() + 1
                } else {
                    0
                };
                let j = if *i < 0 { *i as i128 + len } else { *i as i128 };
                if (0..len).contains(&j) {
                    Ok(Value::Int((start + j * step) as i64))
                } else {
                    Err(err("IndexError", "range object index out of range"))
                }
            }
            (Value::List(l), Value::Slice(s)) => {
                let items = l.snapshot();
                let ix = slice_indices(self, s, items.len())?;
                Ok(Value::list(slice_take(&items, ix)))
            }
            (Value::Tuple(t), Value::Slice(s)) => {
                let ix = slice_indices(self, s, t.len())?;
                Ok(Value::tuple(slice_take(t, ix)))
            }
            (Value::Str(st), Value::Slice(s)) => {
                let chars: Vec<char> = st.chars().collect();
                let ix = slice_indices(self, s, chars.len())?;
                Ok(Value::str(
                    &slice_take(&chars, ix).into_iter().collect::<String>(),
                ))
            }
            (Value::Dict(d), _) => {
                let k = self.key(index)?;
                match d.get(&k) {
                    Some(v) => Ok(v),
                    None => Err(Box::new(crate::vm::PyErr {
                        exc: crate::objects::class::new_exception(
                            crate::objects::class::exc_class("KeyError"),
                            vec![index.clone()],
                        ),
                        tb: Vec::new(),
                    })),
                }
            }
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Bool(b),
            ) => self.getitem(obj, &Value::Int(*b as i64)),
            (Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_), _) => Err(err(
                "TypeError",
                &format!(
                    "{} indices must be integers or slices, not {}",
                    obj.type_name(),
                    index.type_name()
                ),
            )),
            (Value::Instance(_), _) if self.dunder(obj, "__getitem__").is_some() => {
                self.call_method(obj, "__getitem__", vec![index.clone()], Vec::new())
            }
            _ => Err(err(
                "TypeError",
                &format!("'{}' object is not subscriptable", obj.type_name()),
            )),
        }
    }

    /// `obj[index] = v`.
    ///
    /// # Errors
    /// IndexError, TypeError.
    pub fn setitem(&mut self, obj: &Value, index: &Value, v: Value) -> PyResult<()> {
        match (obj, index) {
            (Value::List(l), Value::Int(i)) => {
                let mut items = lock(&l.items);
                match norm_index(*i, items.len()) {
                    Some(j) => {
                        items[j] = v;
                        Ok(())
                    }
                    None => Err(err("IndexError", "list assignment index out of range")),
                }
            }
            (Value::List(l), Value::Slice(s)) => {
                let new = self.into_vec(v)?;
                let len = lock(&l.items).len();
                let (start, stop, step) = slice_indices(self, s, len)?;
                if step != 1 {
                    // An extended slice keeps the list's length: one new item per position.
                    let (distance, stride) = if step > 0 {
                        (stop - start, step)
                    } else {
                        (start - stop, -step)
                    };
                    let span = ((distance.max(0) + stride - 1) / stride) as usize;
                    if new.len() != span {
                        return Err(err(
                            "ValueError",
                            &format!(
                                "attempt to assign sequence of size {} to extended slice of size {span}",
                                new.len()
                            ),
                        ));
                    }
                    let mut items = lock(&l.items);
                    for (k, item) in new.into_iter().enumerate() {
                        items[(start + k as i64 * step) as usize] = item;
                    }
                    return Ok(());
                }
                let stop = stop.max(start);
                let mut items = lock(&l.items);
                let (start, stop) = (
                    start.min(items.len() as i64) as usize,
                    stop.min(items.len() as i64) as usize,
                );
                items.splice(start..stop, new);
                Ok(())
            }
            (Value::Dict(d), _) => {
                let k = self.key(index)?;
                d.set(k, index.clone(), v);
                Ok(())
            }
            (Value::Instance(_), _) if self.dunder(obj, "__setitem__").is_some() => {
                self.call_method(obj, "__setitem__", vec![index.clone(), v], Vec::new())?;
                Ok(())
            }
            _ => Err(err(
                "TypeError",
                &format!(
                    "'{}' object does not support item assignment",
                    obj.type_name()
                ),
            )),
        }
    }

    /// `del obj[index]`.
    ///
    /// # Errors
    /// IndexError, KeyError, TypeError.
    pub fn delitem(&mut self, obj: &Value, index: &Value) -> PyResult<()> {
        match (obj, index) {
            (Value::List(l), Value::Int(i)) => {
                let mut items = lock(&l.items);
                match norm_index(*i, items.len()) {
                    Some(j) => {
                        items.remove(j);
                        Ok(())
                    }
                    None => Err(err("IndexError", "list assignment index out of range")),
                }
            }
            (Value::Dict(d), _) => {
                let k = self.key(index)?;
                match d.remove(&k) {
                    Some(_) => Ok(()),
                    None => Err(Box::new(crate::vm::PyErr {
                        exc: crate::objects::class::new_exception(
                            crate::objects::class::exc_class("KeyError"),
                            vec![index.clone()],
                        ),
                        tb: Vec::new(),
                    })),
                }
            }
            _ => Err(err(
                "TypeError",
                &format!("'{}' object doesn't support item deletion", obj.type_name()),
            )),
        }
    }

    /// `iter(v)`.
    ///
    /// # Errors
    /// TypeError for non-iterables.
    pub fn iter(&mut self, v: &Value) -> PyResult<Value> {
        Ok(match v {
            Value::List(l) => Iter::list(l.clone()),
            Value::Tuple(t) => Iter::seq(t.clone()),
            Value::Str(s) => Iter::seq(s.chars().map(|c| Value::str(&c.to_string())).collect()),
            Value::Dict(d) => Iter::seq(d.keys().into()),
            Value::Set(s) => Iter::seq(s.snapshot().into()),
            Value::Range(r) => Iter::range(r.start, r.stop, r.step),
            Value::Iter(_) | Value::Generator(_) => v.clone(),
            Value::Instance(_) if self.dunder(v, "__iter__").is_some() => {
                return self.call_method(v, "__iter__", Vec::new(), Vec::new());
            }
            Value::Native(n) if n.has_method("__iter__") => {
                return n
                    .clone()
                    .call_method(self, "__iter__", Vec::new(), Vec::new());
            }
            Value::Native(n) if n.has_method("__next__") => v.clone(),
            _ => {
                return Err(err(
                    "TypeError",
                    &format!("'{}' object is not iterable", v.type_name()),
                ));
            }
        })
    }

    /// `next(it)`, or `None` when exhausted.
    ///
    /// # Errors
    /// What the iterator raises.
    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        match it {
            Value::Iter(st) => match simple_next(st) {
                Step::Item(v) => Ok(Some(v)),
                Step::Stop => Ok(None),
                Step::Complex => match &**st {
                    Iter::Lazy(st) => self.complex_next(st),
                    _ => Ok(None),
                },
            },
            Value::Generator(g) => self.resume(g, Value::None),
            Value::Instance(_) | Value::Native(_) => {
                match self.call_method(it, "__next__", Vec::new(), Vec::new()) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if e.is("StopIteration") => Ok(None),
                    Err(e) => Err(e),
                }
            }
            _ => Err(err(
                "TypeError",
                &format!("'{}' object is not an iterator", it.type_name()),
            )),
        }
    }

    fn complex_next(&mut self, st: &Mutex<IterState>) -> PyResult<Option<Value>> {
        // Copy what is needed out of the lock: the steps below run Python code.
        enum Plan {
            Enumerate(Value, i64),
            Zip(Vec<Value>),
            Map(Value, Vec<Value>),
            Filter(Value, Value),
        }
        let plan = match &mut *lock(st) {
            IterState::Enumerate(it, n) => {
                *n += 1;
                Plan::Enumerate(it.clone(), *n - 1)
            }
            IterState::Zip(its) => Plan::Zip(its.clone()),
            IterState::Map(f, its) => Plan::Map(f.clone(), its.clone()),
            IterState::Filter(f, it) => Plan::Filter(f.clone(), it.clone()),
            IterState::Done => return Ok(None),
        };
        let done = |st: &Mutex<IterState>| *lock(st) = IterState::Done;
        match plan {
            Plan::Enumerate(it, n) => match self.next(&it)? {
                Some(v) => Ok(Some(Value::tuple(vec![Value::Int(n), v]))),
                None => {
                    done(st);
                    Ok(None)
                }
            },
            Plan::Zip(its) => {
                let mut out = Vec::with_capacity(its.len());
                for i in &its {
                    match self.next(i)? {
                        Some(v) => out.push(v),
                        None => {
                            done(st);
                            return Ok(None);
                        }
                    }
                }
                Ok(Some(Value::tuple(out)))
            }
            Plan::Map(f, its) => {
                let mut args = Vec::with_capacity(its.len());
                for i in &its {
                    match self.next(i)? {
                        Some(v) => args.push(v),
                        None => {
                            done(st);
                            return Ok(None);
                        }
                    }
                }
                Ok(Some(self.call(&f, args, Vec::new())?))
            }
            Plan::Filter(f, it) => loop {
                match self.next(&it)? {
                    Some(v) => {
                        let keep = match &f {
                            Value::None => self.truthy(&v)?,
                            _ => {
                                let r = self.call(&f, vec![v.clone()], Vec::new())?;
                                self.truthy(&r)?
                            }
                        };
                        if keep {
                            return Ok(Some(v));
                        }
                    }
                    None => {
                        done(st);
                        return Ok(None);
                    }
                }
            },
        }
    }

    /// All items of an iterable.
    ///
    /// # Errors
    /// TypeError for non-iterables; what the iteration raises.
    pub fn to_vec(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        match v {
            Value::List(l) => Ok(l.snapshot()),
            Value::Tuple(t) => Ok(t.to_vec()),
            _ => {
                let it = self.iter(v)?;
                let mut out = Vec::new();
                while let Some(x) = self.next(&it)? {
                    out.push(x);
                    if out.len() > MAX_ITEMS {
                        return Err(err("MemoryError", ""));
                    }
                }
                Ok(out)
            }
        }
    }

    /// The items of an iterable that is used up by the caller: a list nothing else refers
    /// to (`a[i::k] = [x] * n`) hands over its items instead of copying them.
    ///
    /// # Errors
    /// As `to_vec`.
    pub fn into_vec(&mut self, v: Value) -> PyResult<Vec<Value>> {
        match v {
            Value::List(l) if Arc::strong_count(&l) == 1 => {
                Ok(std::mem::take(&mut *lock(&l.items)))
            }
            v => self.to_vec(&v),
        }
    }

    /// `repr(v)`.
    ///
    /// # Errors
    /// What a user `__repr__` raises; RecursionError for deep nesting.
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        Ok(match v {
            Value::None => "None".into(),
            Value::Ellipsis => "Ellipsis".into(),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(b) => {
                if b.bits() > 14000 {
                    return Err(err(
                        "ValueError",
                        "Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
                    ));
                }
                b.to_string()
            }
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => str_repr(s),
            Value::Tuple(t) => {
                let items = t.to_vec();
                let parts = self.reprs(&items)?;
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Value::List(l) => {
                let id = v.identity();
                if self.repr_stack.contains(&id) {
                    return Ok("[...]".into());
                }
                self.repr_stack.push(id);
                let items = l.snapshot();
                let r = self.reprs(&items);
                self.repr_stack.pop();
                format!("[{}]", r?.join(", "))
            }
            Value::Dict(d) => {
                let id = v.identity();
                if self.repr_stack.contains(&id) {
                    return Ok("{...}".into());
                }
                self.repr_stack.push(id);
                let r = self.dict_repr(d);
                self.repr_stack.pop();
                r?
            }
            Value::Set(s) => {
                let items = s.snapshot();
                if items.is_empty() {
                    "set()".into()
                } else {
                    format!("{{{}}}", self.reprs(&items)?.join(", "))
                }
            }
            Value::Range(r) => {
                if r.step == 1 {
                    format!("range({}, {})", r.start, r.stop)
                } else {
                    format!("range({}, {}, {})", r.start, r.stop, r.step)
                }
            }
            Value::Slice(s) => {
                let s = s.to_vec();
                format!("slice({})", self.reprs(&s)?.join(", "))
            }
            Value::Function(f) => format!("<function {} at 0x{:x}>", f.code.qualname, v.identity()),
            Value::Builtin(b) => format!("<built-in function {}>", b.name),
            Value::Method(m) => {
                let name = match &m.1 {
                    Value::Function(f) => f.code.qualname.to_string(),
                    _ => "?".into(),
                };
                format!("<bound method {name} of {}>", self.repr(&m.0)?)
            }
            Value::BuiltinMethod(m) => format!(
                "<built-in method {} of {} object at 0x{:x}>",
                m.1,
                m.0.type_name(),
                m.0.identity()
            ),
            Value::Class(c) => {
                if &*c.module == "builtins" {
                    format!("<class '{}'>", c.name)
                } else {
                    format!("<class '{}.{}'>", c.module, c.name)
                }
            }
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__repr__") {
                    let r = self.call(&m, vec![v.clone()], Vec::new())?;
                    return match r {
                        Value::Str(s) => Ok(s.to_string()),
                        other => Err(err(
                            "TypeError",
                            &format!("__repr__ returned non-string (type {})", other.type_name()),
                        )),
                    };
                }
                if i.class.is_exception() {
                    let args = match lock(&i.dict).get("args") {
                        Some(Value::Tuple(t)) => t.to_vec(),
                        _ => Vec::new(),
                    };
                    let parts = self.reprs(&args)?;
                    return Ok(format!("{}({})", i.class.name, parts.join(", ")));
                }
                format!(
                    "<{}.{} object at 0x{:x}>",
                    i.class.module,
                    i.class.name,
                    v.identity()
                )
            }
            Value::Module(m) => format!("<module '{}'>", m.name),
            Value::Iter(_) => format!("<iterator object at 0x{:x}>", v.identity()),
            Value::Generator(g) => format!(
                "<{} object {} at 0x{:x}>",
                if g.coroutine {
                    "coroutine"
                } else {
                    "generator"
                },
                g.name,
                v.identity()
            ),
            Value::Super(_) => "<super object>".into(),
            Value::Wrapper(_) => format!("<{} object at 0x{:x}>", v.type_name(), v.identity()),
            Value::Native(n) => {
                match n
                    .clone()
                    .call_method(self, "__repr__", Vec::new(), Vec::new())
                {
                    Ok(Value::Str(s)) => s.to_string(),
                    _ => format!("<{} object at 0x{:x}>", n.type_name(), v.identity()),
                }
            }
        })
    }

    fn dict_repr(&mut self, d: &crate::objects::Dict) -> PyResult<String> {
        let mut parts = Vec::new();
        for (k, val) in d.items() {
            parts.push(format!(
                "{}: {}",
                self.repr_nested(&k)?,
                self.repr_nested(&val)?
            ));
        }
        Ok(format!("{{{}}}", parts.join(", ")))
    }

    fn repr_nested(&mut self, v: &Value) -> PyResult<String> {
        self.depth_guard(|vm| vm.repr(v))
    }

    fn reprs(&mut self, items: &[Value]) -> PyResult<Vec<String>> {
        items.iter().map(|x| self.repr_nested(x)).collect()
    }

    /// `str(v)`.
    ///
    /// # Errors
    /// What a user `__str__`/`__repr__` raises.
    pub fn to_str(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__str__") {
                    let r = self.call(&m, vec![v.clone()], Vec::new())?;
                    return match r {
                        Value::Str(s) => Ok(s.to_string()),
                        other => Err(err(
                            "TypeError",
                            &format!("__str__ returned non-string (type {})", other.type_name()),
                        )),
                    };
                }
                if i.class.is_exception() && i.class.lookup("__repr__").is_none() {
                    let args = match lock(&i.dict).get("args") {
                        Some(Value::Tuple(t)) => t.to_vec(),
                        _ => Vec::new(),
                    };
                    let key_error = i
                        .class
                        .is_subclass(&crate::objects::class::exc_class("KeyError"));
                    return match args.len() {
                        0 => Ok(String::new()),
                        1 if key_error => self.repr(&args[0]),
                        1 => self.to_str(&args[0]),
                        _ => self.repr(&Value::tuple(args)),
                    };
                }
                self.repr(v)
            }
            _ => self.repr(v),
        }
    }

    /// `format(v, spec)`.
    ///
    /// # Errors
    /// ValueError for bad specs.
    pub fn format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        if spec.is_empty() {
            return self.to_str(v);
        }
        if let Some(r) = crate::objects::format::format_builtin(v, spec) {
            return r;
        }
        if let Some(m) = self.dunder(v, "__format__") {
            let r = self.call(&m, vec![v.clone(), Value::str(spec)], Vec::new())?;
            return self.to_str(&r);
        }
        let s = self.to_str(v)?;
        crate::objects::format::format_plain(&s, spec).map_err(|_| {
            err(
                "TypeError",
                &format!(
                    "unsupported format string passed to {}.__format__",
                    v.type_name()
                ),
            )
        })
    }
}

fn is_not_implemented(v: &Value) -> bool {
    matches!(v, Value::Builtin(b) if b.name == "NotImplemented")
}

/// `repr` of a string, with Python's choice of quotes and escapes.
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// `items * n` for lists and tuples. `[x] * n` (the common case, as in a sieve) fills in
/// one pass instead of extending `n` times.
fn repeat_items(items: &[Value], n: usize) -> Vec<Value> {
    if let [one] = items {
        return vec![one.clone(); n];
    }
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    out
}

/// Set an attribute in a namespace. An existing attribute (the usual case: `self.n += 1`)
/// takes the new value in place, without allocating a copy of its name.
fn store_attr(dict: &mut crate::objects::class::AttrMap, name: &Arc<str>, v: Value) {
    match dict.get_mut(name) {
        Some(slot) => *slot = v,
        None => {
            dict.insert(name.clone(), v);
        }
    }
}
