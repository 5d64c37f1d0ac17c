//! The built-in functions and the constructors of the built-in types.

use crate::objects::class::{BuiltinType, Class, types};
use crate::objects::int::{from_big, parse_int, to_big};
use crate::objects::{
    Builtin, BuiltinFn, Dict, Iter, IterState, RangeObj, Set, Value, WrapKind, lock,
};
use crate::vm::{Kwargs, PyResult, Vm, err};
use num_traits::ToPrimitive;
use std::sync::{Arc, Mutex};

fn add(d: &Dict, name: &'static str, f: BuiltinFn) {
    d.set_str(name, Value::Builtin(Arc::new(Builtin { name, f })));
}

/// Fill the built-in namespace.
pub fn install(d: &Dict) {
    let t = types();
    for (n, c) in [
        ("object", &t.object),
        ("int", &t.int),
        ("bool", &t.bool),
        ("float", &t.float),
        ("str", &t.str),
        ("list", &t.list),
        ("tuple", &t.tuple),
        ("dict", &t.dict),
        ("set", &t.set),
        ("range", &t.range),
        ("type", &t.type_),
    ] {
        d.set_str(n, Value::Class(c.clone()));
    }
    for (n, c) in &t.exceptions {
        d.set_str(n, Value::Class(c.clone()));
    }
    crate::vm::install_exception_groups();
    crate::vm::install_async_builtins(d);
    add(d, "print", print);
    // A function, not a class: isinstance(x, bytes) is not supported.
    add(d, "bytes", |vm, a, _| {
        crate::objects::bytes::construct(vm, &a)
    });
    add(d, "len", |vm, a, _| {
        Ok(Value::Int(vm.len(arg(&a, 0, "len")?)? as i64))
    });
    add(d, "repr", |vm, a, _| {
        Ok(Value::str(&vm.repr(arg(&a, 0, "repr")?)?))
    });
    add(d, "abs", abs);
    add(d, "sum", sum);
    add(d, "min", |vm, a, k| minmax(vm, a, k, true));
    add(d, "max", |vm, a, k| minmax(vm, a, k, false));
    add(d, "sorted", sorted);
    add(d, "reversed", |vm, a, _| {
        let v = arg(&a, 0, "reversed")?;
        let mut items = vm.to_vec(v)?;
        items.reverse();
        Ok(Iter::seq(items.into()))
    });
    add(d, "enumerate", |vm, a, k| {
        let it = vm.iter(arg(&a, 0, "enumerate")?)?;
        let start = match a.get(1).or_else(|| kw(&k, "start")) {
            Some(v) => vm.index(v)?,
            None => 0,
        };
        Ok(Iter::lazy(IterState::Enumerate(it, start)))
    });
    add(d, "zip", |vm, a, _| {
        let its = a.iter().map(|x| vm.iter(x)).collect::<PyResult<Vec<_>>>()?;
        Ok(Iter::lazy(IterState::Zip(its)))
    });
    add(d, "map", |vm, a, _| {
        let f = arg(&a, 0, "map")?.clone();
        let its = a[1..]
            .iter()
            .map(|x| vm.iter(x))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Iter::lazy(IterState::Map(f, its)))
    });
    add(d, "filter", |vm, a, _| {
        let f = arg(&a, 0, "filter")?.clone();
        let it = vm.iter(arg(&a, 1, "filter")?)?;
        Ok(Iter::lazy(IterState::Filter(f, it)))
    });
    add(d, "iter", |vm, a, _| vm.iter(arg(&a, 0, "iter")?));
    add(d, "next", |vm, a, _| {
        let it = arg(&a, 0, "next")?;
        match vm.next(it)? {
            Some(v) => Ok(v),
            None => match a.get(1) {
                Some(d) => Ok(d.clone()),
                None => Err(stop_iteration(it)),
            },
        }
    });
    add(d, "any", |vm, a, _| {
        let it = vm.iter(arg(&a, 0, "any")?)?;
        while let Some(x) = vm.next(&it)? {
            if vm.truthy(&x)? {
                return Ok(Value::Bool(true));
            }
        }
        Ok(Value::Bool(false))
    });
    add(d, "all", |vm, a, _| {
        let it = vm.iter(arg(&a, 0, "all")?)?;
        while let Some(x) = vm.next(&it)? {
            if !vm.truthy(&x)? {
                return Ok(Value::Bool(false));
            }
        }
        Ok(Value::Bool(true))
    });
    add(d, "isinstance", |vm, a, _| {
        let v = arg(&a, 0, "isinstance")?;
        let c = arg(&a, 1, "isinstance")?;
        Ok(Value::Bool(isinstance(vm, v, c)?))
    });
    add(d, "issubclass", |_, a, _| {
        match (arg(&a, 0, "issubclass")?, arg(&a, 1, "issubclass")?) {
            (Value::Class(x), Value::Class(y)) => Ok(Value::Bool(x.is_subclass(y))),
            _ => Err(err("TypeError", "issubclass() arg 1 must be a class")),
        }
    });
    add(d, "hasattr", |vm, a, _| {
        let name = str_arg(&a, 1, "hasattr")?;
        match vm.get_attr(arg(&a, 0, "hasattr")?, &name) {
            Ok(_) => Ok(Value::Bool(true)),
            Err(e) if e.is("AttributeError") => Ok(Value::Bool(false)),
            Err(e) => Err(e),
        }
    });
    add(d, "getattr", |vm, a, _| {
        let name = str_arg(&a, 1, "getattr")?;
        match vm.get_attr(arg(&a, 0, "getattr")?, &name) {
            Err(e) if e.is("AttributeError") && a.len() > 2 => Ok(a[2].clone()),
            r => r,
        }
    });
    add(d, "setattr", |vm, a, _| {
        let name = str_arg(&a, 1, "setattr")?;
        vm.set_attr(
            arg(&a, 0, "setattr")?,
            &Arc::from(name),
            arg(&a, 2, "setattr")?.clone(),
        )?;
        Ok(Value::None)
    });
    add(d, "id", |_, a, _| {
        Ok(Value::Int(arg(&a, 0, "id")?.identity() as i64))
    });
    add(d, "hash", |vm, a, _| {
        use std::hash::{Hash, Hasher};
        let v = arg(&a, 0, "hash")?;
        if let Some(h) = numeric_hash(v) {
            return Ok(Value::Int(h));
        }
        let k = vm.key(v)?;
        let mut h = crate::objects::dict::FxHasher::default();
        k.hash(&mut h);
        Ok(Value::Int((h.finish() >> 2) as i64))
    });
    add(d, "round", round);
    add(d, "divmod", |vm, a, _| {
        let (x, y) = (arg(&a, 0, "divmod")?, arg(&a, 1, "divmod")?);
        let q = vm.binary(crate::bytecode::BinOp::FloorDiv, x, y)?;
        let r = vm.binary(crate::bytecode::BinOp::Mod, x, y)?;
        Ok(Value::tuple(vec![q, r]))
    });
    add(d, "pow", |vm, a, _| {
        vm.binary(
            crate::bytecode::BinOp::Pow,
            arg(&a, 0, "pow")?,
            arg(&a, 1, "pow")?,
        )
    });
    add(d, "hex", |vm, a, _| radix(vm, arg(&a, 0, "hex")?, "#x"));
    add(d, "oct", |vm, a, _| radix(vm, arg(&a, 0, "oct")?, "#o"));
    add(d, "bin", |vm, a, _| radix(vm, arg(&a, 0, "bin")?, "#b"));
    add(d, "chr", |vm, a, _| {
        let i = vm.index(arg(&a, 0, "chr")?)?;
        let c = u32::try_from(i)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| err("ValueError", "chr() arg not in range(0x110000)"))?;
        Ok(Value::str(&c.to_string()))
    });
    add(d, "ord", |_, a, _| match arg(&a, 0, "ord")? {
        Value::Str(s) if s.chars().count() == 1 => {
            Ok(Value::Int(s.chars().next().map(|c| c as i64).unwrap_or(0)))
        }
        _ => Err(err("TypeError", "ord() expected a character")),
    });
    add(d, "format", |vm, a, _| {
        let spec = match a.get(1) {
            Some(Value::Str(s)) => s.to_string(),
            _ => String::new(),
        };
        Ok(Value::str(&vm.format(arg(&a, 0, "format")?, &spec)?))
    });
    add(d, "callable", |_, a, _| {
        Ok(Value::Bool(matches!(
            arg(&a, 0, "callable")?,
            Value::Function(_)
                | Value::Builtin(_)
                | Value::Method(_)
                | Value::BuiltinMethod(_)
                | Value::Class(_)
        )))
    });
    add(d, "staticmethod", |_, a, _| {
        Ok(Value::Wrapper(Arc::new((
            WrapKind::Static,
            arg(&a, 0, "staticmethod")?.clone(),
        ))))
    });
    add(d, "classmethod", |_, a, _| {
        Ok(Value::Wrapper(Arc::new((
            WrapKind::ClassMethod,
            arg(&a, 0, "classmethod")?.clone(),
        ))))
    });
    add(d, "property", |_, a, k| {
        // A property holds (getter, setter); `setter` makes a copy with a new setter.
        let fget = a
            .first()
            .or_else(|| kw(&k, "fget"))
            .cloned()
            .unwrap_or(Value::None);
        let fset = a
            .get(1)
            .or_else(|| kw(&k, "fset"))
            .cloned()
            .unwrap_or(Value::None);
        Ok(property(fget, fset))
    });
    add(d, "NotImplemented", |_, _, _| Ok(Value::None));
    add(d, "input", |_, _, _| {
        Err(err(
            "NotImplementedError",
            "the lab's Python does not support input()",
        ))
    });
    add(d, "open", |_, _, _| {
        Err(err(
            "NotImplementedError",
            "the lab's Python does not support files",
        ))
    });
}

/// Argument `i` of a built-in.
///
/// # Errors
/// TypeError when it is missing.
pub fn arg<'a>(a: &'a [Value], i: usize, name: &str) -> PyResult<&'a Value> {
    a.get(i).ok_or_else(|| {
        err(
            "TypeError",
            &format!("{name}() missing required argument (pos {})", i + 1),
        )
    })
}

/// A keyword argument.
pub fn kw<'a>(k: &'a Kwargs, name: &str) -> Option<&'a Value> {
    k.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
}

fn str_arg(a: &[Value], i: usize, name: &str) -> PyResult<String> {
    match arg(a, i, name)? {
        Value::Str(s) => Ok(s.to_string()),
        other => Err(err(
            "TypeError",
            &format!(
                "{name}(): attribute name must be string, not '{}'",
                other.type_name()
            ),
        )),
    }
}

/// `isinstance(v, c)`.
///
/// # Errors
/// TypeError when `c` is not a class or tuple of classes.
pub fn isinstance(vm: &mut Vm, v: &Value, c: &Value) -> PyResult<bool> {
    match c {
        Value::Class(c) => Ok(v.class().is_subclass(c)),
        Value::Tuple(t) => {
            for x in t.iter() {
                if isinstance(vm, v, x)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(err(
            "TypeError",
            "isinstance() arg 2 must be a type, a tuple of types, or a union",
        )),
    }
}

fn print(vm: &mut Vm, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
    let sep = match kw(&k, "sep") {
        Some(Value::Str(s)) => s.to_string(),
        _ => " ".into(),
    };
    let end = match kw(&k, "end") {
        Some(Value::Str(s)) => s.to_string(),
        _ => "\n".into(),
    };
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        out.push_str(&vm.to_str(v)?);
    }
    out.push_str(&end);
    match kw(&k, "file") {
        Some(f) if !matches!(f, Value::None) => {
            vm.call_method(f, "write", vec![Value::str(&out)], Vec::new())?;
        }
        _ => vm.rt.host.stdout(&out),
    }
    if let Some(flush) = kw(&k, "flush") {
        if vm.truthy(flush)? {
            vm.rt.host.flush();
        }
    }
    Ok(Value::None)
}

/// `hex`, `oct` and `bin`: an integer in base 16, 8 or 2 with its prefix, which is what
/// the `#` format of that base gives (`-0xff`, `0b0`).
fn radix(vm: &mut Vm, v: &Value, spec: &str) -> PyResult<Value> {
    if !matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_)) {
        return Err(not_an_integer(v));
    }
    Ok(Value::str(&vm.format(v, spec)?))
}

/// CPython's TypeError for a value where an integer is needed.
pub(crate) fn not_an_integer(v: &Value) -> Box<crate::vm::PyErr> {
    err(
        "TypeError",
        &format!(
            "'{}' object cannot be interpreted as an integer",
            v.type_name()
        ),
    )
}

/// A small int or a bool as `i64`; anything else is [`not_an_integer`].
pub(crate) fn small_int(v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => Err(not_an_integer(other)),
    }
}

fn abs(vm: &mut Vm, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    match arg(&a, 0, "abs")? {
        Value::Int(i) if *i != i64::MIN => Ok(Value::Int(i.abs())),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v @ (Value::Int(_) | Value::BigInt(_) | Value::Bool(_)) => Ok(from_big(
            num_traits::Signed::abs(&to_big(v).unwrap_or_default()),
        )),
        v @ Value::Instance(_) => vm.call_method(v, "__abs__", Vec::new(), Vec::new()),
        v => Err(err(
            "TypeError",
            &format!("bad operand type for abs(): '{}'", v.type_name()),
        )),
    }
}

fn sum(vm: &mut Vm, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
    let it = vm.iter(arg(&a, 0, "sum")?)?;
    let mut total = a
        .get(1)
        .or_else(|| kw(&k, "start"))
        .cloned()
        .unwrap_or(Value::Int(0));
    // Floats are summed with Neumaier's compensation, as CPython 3.12+ does.
    let mut comp = 0.0f64;
    while let Some(x) = vm.next(&it)? {
        match (&total, &x) {
            (Value::Float(t), Value::Float(v)) => {
                let (t, v) = (*t, *v);
                let s = t + v;
                if t.abs() >= v.abs() {
                    comp += (t - s) + v;
                } else {
                    comp += (v - s) + t;
                }
                total = Value::Float(s);
            }
            _ => {
                if let Value::Float(t) = total {
                    total = Value::Float(t + comp);
                    comp = 0.0;
                }
                total = vm.binary(crate::bytecode::BinOp::Add, &total, &x)?;
            }
        }
    }
    if let Value::Float(t) = total {
        if comp != 0.0 && comp.is_finite() {
            total = Value::Float(t + comp);
        }
    }
    Ok(total)
}

fn minmax(vm: &mut Vm, a: Vec<Value>, k: Kwargs, is_min: bool) -> PyResult<Value> {
    let name = if is_min { "min" } else { "max" };
    let items = if a.len() == 1 { vm.to_vec(&a[0])? } else { a };
    let key = kw(&k, "key").cloned();
    let mut best: Option<(Value, Value)> = None;
    for x in items {
        let kx = match &key {
            Some(f) if !matches!(f, Value::None) => vm.call(f, vec![x.clone()], Vec::new())?,
            _ => x.clone(),
        };
        best = Some(match best {
            None => (kx, x),
            Some((kb, b)) => {
                let better = if is_min {
                    vm.less(&kx, &kb)?
                } else {
                    vm.less(&kb, &kx)?
                };
                if better { (kx, x) } else { (kb, b) }
            }
        });
    }
    match best {
        Some((_, v)) => Ok(v),
        None => match kw(&k, "default") {
            Some(d) => Ok(d.clone()),
            None => Err(err(
                "ValueError",
                &format!("{name}() iterable argument is empty"),
            )),
        },
    }
}

/// Sort values in place (stable), with an optional key function.
///
/// # Errors
/// TypeError for unorderable items; what the key raises.
pub fn sort_values(
    vm: &mut Vm,
    items: Vec<Value>,
    key: Option<&Value>,
    reverse: bool,
) -> PyResult<Vec<Value>> {
    let keys = match key {
        Some(f) if !matches!(f, Value::None) => items
            .iter()
            .map(|x| vm.call(f, vec![x.clone()], Vec::new()))
            .collect::<PyResult<Vec<_>>>()?,
        _ => items.clone(),
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    // Merge sort on indices: comparisons can raise, so no std sort with a panicking closure.
    let mut error = None;
    let mut less = |a: usize, b: usize, vm: &mut Vm| -> bool {
        if error.is_some() {
            return false;
        }
        let r = if reverse {
            vm.less(&keys[b], &keys[a])
        } else {
            vm.less(&keys[a], &keys[b])
        };
        match r {
            Ok(x) => x,
            Err(e) => {
                error = Some(e);
                false
            }
        }
    };
    merge_sort(&mut idx, &mut |a, b| less(a, b, vm));
    if let Some(e) = error {
        return Err(e);
    }
    Ok(idx.into_iter().map(|i| items[i].clone()).collect())
}

fn merge_sort(v: &mut Vec<usize>, less: &mut dyn FnMut(usize, usize) -> bool) {
    if v.len() <= 1 {
        return;
    }
    let mut right = v.split_off(v.len() / 2);
    merge_sort(v, less);
    merge_sort(&mut right, less);
    let left = std::mem::take(v);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if less(right[j], left[i]) {
            v.push(right[j]);
            j += 1;
        } else {
            v.push(left[i]);
            i += 1;
        }
    }
    v.extend_from_slice(&left[i..]);
    v.extend_from_slice(&right[j..]);
}

fn sorted(vm: &mut Vm, a: Vec<Value>, k: Kwargs) -> PyResult<Value> {
    let items = vm.to_vec(arg(&a, 0, "sorted")?)?;
    let reverse = match kw(&k, "reverse") {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    Ok(Value::list(sort_values(vm, items, kw(&k, "key"), reverse)?))
}

fn round(vm: &mut Vm, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
    let v = arg(&a, 0, "round")?;
    let nd = match a.get(1) {
        None | Some(Value::None) => None,
        Some(n) => Some(vm.index(n)?),
    };
    match (v, nd) {
        (Value::Int(_) | Value::BigInt(_) | Value::Bool(_), None) => {
            Ok(from_big(to_big(v).unwrap_or_default()))
        }
        (Value::Int(_) | Value::BigInt(_) | Value::Bool(_), Some(n)) => {
            let x = to_big(v).unwrap_or_default();
            if n >= 0 {
                return Ok(from_big(x));
            }
            // Round half to even at 10**-n, in exact integer arithmetic.
            let q =
                num_traits::pow::Pow::pow(num_bigint::BigInt::from(10), (-n).min(10_000) as u32);
            let (mut d, m) = num_integer::Integer::div_mod_floor(&x, &q);
            let twice = &m * 2;
            if twice > q || (twice == q && num_integer::Integer::is_odd(&d)) {
                d += 1;
            }
            Ok(from_big(d * q))
        }
        (Value::Float(f), None) => {
            if !f.is_finite() {
                return Err(err(
                    if f.is_nan() {
                        "ValueError"
                    } else {
                        "OverflowError"
                    },
                    "cannot convert float to integer",
                ));
            }
            let r = f.round_ties_even();
            Ok(match r.to_i64() {
                Some(i) => Value::Int(i),
                None => from_big(exact_int(r)),
            })
        }
        (Value::Float(f), Some(n)) => {
            // Round through the exact decimal expansion, as CPython does.
            let s = format!("{:.*}", n.clamp(0, 300) as usize, f);
            if n >= 0 {
                Ok(Value::Float(s.parse().unwrap_or(*f)))
            } else {
                let p = 10f64.powi((-n) as i32);
                Ok(Value::Float((f / p).round_ties_even() * p))
            }
        }
        _ => Err(err(
            "TypeError",
            &format!("type {} doesn't define __round__ method", v.type_name()),
        )),
    }
}

/// Call a built-in type: `int("3")`, `list(x)`, `dict(a=1)` ...
///
/// # Errors
/// ValueError/TypeError as the constructors raise.
pub fn construct(
    vm: &mut Vm,
    c: &Arc<Class>,
    b: BuiltinType,
    a: Vec<Value>,
    k: Kwargs,
) -> PyResult<Value> {
    Ok(match b {
        BuiltinType::Int => match a.first() {
            None => Value::Int(0),
            Some(Value::Str(s)) => {
                let base = match a.get(1).or_else(|| kw(&k, "base")) {
                    Some(b) => vm.index(b)? as u32,
                    None => 10,
                };
                match parse_int(s, base) {
                    Some(v) => from_big(v),
                    None => {
                        return Err(err(
                            "ValueError",
                            &format!(
                                "invalid literal for int() with base {base}: {}",
                                crate::protocols::str_repr(s)
                            ),
                        ));
                    }
                }
            }
            Some(Value::Float(f)) => {
                if f.is_nan() {
                    return Err(err("ValueError", "cannot convert float NaN to integer"));
                }
                if f.is_infinite() {
                    return Err(err(
                        "OverflowError",
                        "cannot convert float infinity to integer",
                    ));
                }
                let t = f.trunc();
                match t.to_i64() {
                    Some(i) => Value::Int(i),
                    None => from_big(exact_int(t)),
                }
            }
            Some(v @ (Value::Int(_) | Value::BigInt(_) | Value::Bool(_))) => {
                from_big(to_big(v).unwrap_or_default())
            }
            Some(v) => {
                return Err(err(
                    "TypeError",
                    &format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        v.type_name()
                    ),
                ));
            }
        },
        BuiltinType::Bool => Value::Bool(match a.first() {
            Some(v) => vm.truthy(v)?,
            None => false,
        }),
        BuiltinType::Float => match a.first() {
            None => Value::Float(0.0),
            Some(Value::Str(s)) => {
                let t = s.trim().to_ascii_lowercase().replace('_', "");
                let v = match t.as_str() {
                    "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
                    "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                    "nan" | "+nan" | "-nan" => Some(f64::NAN),
                    other => other.parse::<f64>().ok(),
                };
                match v {
                    Some(f) => Value::Float(f),
                    None => {
                        return Err(err(
                            "ValueError",
                            &format!(
                                "could not convert string to float: {}",
                                crate::protocols::str_repr(s)
                            ),
                        ));
                    }
                }
            }
            Some(v) => match crate::objects::int::to_f64(v)? {
                Some(f) => Value::Float(f),
                None => {
                    return Err(err(
                        "TypeError",
                        &format!(
                            "float() argument must be a string or a real number, not '{}'",
                            v.type_name()
                        ),
                    ));
                }
            },
        },
        BuiltinType::Str => match a.first() {
            None => Value::str(""),
            Some(v) => Value::str(&vm.to_str(v)?),
        },
        BuiltinType::List => Value::list(match a.first() {
            Some(v) => vm.to_vec(v)?,
            None => Vec::new(),
        }),
        BuiltinType::Tuple => Value::tuple(match a.first() {
            Some(v) => vm.to_vec(v)?,
            None => Vec::new(),
        }),
        BuiltinType::Set => {
            let s = Set::new();
            if let Some(v) = a.first() {
                for x in vm.to_vec(v)? {
                    let key = vm.key(&x)?;
                    lock(&s.items).entry(key).or_insert(x);
                }
            }
            Value::Set(Arc::new(s))
        }
        BuiltinType::Dict => {
            let d = Dict::new();
            if let Some(v) = a.first() {
                crate::objects::methods::dict_update(vm, &d, v)?;
            }
            for (key, v) in k {
                d.set(crate::objects::Key::Str(key.clone()), Value::Str(key), v);
            }
            Value::Dict(Arc::new(d))
        }
        BuiltinType::Range => {
            let mut n = Vec::new();
            for v in &a {
                n.push(small_int(v)?);
            }
            let (start, stop, step) = match n.len() {
                1 => (0, n[0], 1),
                2 => (n[0], n[1], 1),
                3 => (n[0], n[1], n[2]),
                _ => {
                    return Err(err(
                        "TypeError",
                        &format!("range expected at most 3 arguments, got {}", n.len()),
                    ));
                }
            };
            if step == 0 {
                return Err(err("ValueError", "range() arg 3 must not be zero"));
            }
            Value::Range(Arc::new(RangeObj { start, stop, step }))
        }
        BuiltinType::Type => match a.len() {
            1 => Value::Class(a[0].class()),
            _ => {
                return Err(err(
                    "NotImplementedError",
                    "the lab's Python does not support type() with three arguments",
                ));
            }
        },
        BuiltinType::Object => Value::Instance(Arc::new(crate::objects::Instance {
            class: c.clone(),
            dict: Mutex::new(Default::default()),
        })),
        BuiltinType::Other | BuiltinType::Exception => {
            return Err(err(
                "TypeError",
                &format!("cannot create '{}' instances", c.name),
            ));
        }
    })
}

/// An int from an integral float (floor, ceil, trunc).
///
/// # Errors
/// OverflowError/ValueError for infinities and NaN.
pub fn construct_int_from_float(x: f64) -> PyResult<Value> {
    if x.is_nan() {
        return Err(err("ValueError", "cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(err(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    Ok(match x.to_i64() {
        Some(i) => Value::Int(i),
        None => from_big(exact_int(x)),
    })
}

/// CPython's hash of numbers: the value modulo the Mersenne prime 2**61 - 1, so that equal
/// ints and floats hash alike.
pub fn numeric_hash(v: &Value) -> Option<i64> {
    const P: u64 = (1 << 61) - 1;
    let fix = |h: i64| if h == -1 { -2 } else { h };
    match v {
        Value::Bool(b) => Some(*b as i64),
        Value::Int(_) | Value::BigInt(_) => {
            let b = to_big(v)?;
            let m = num_bigint::BigInt::from(P);
            let r = (num_traits::Signed::abs(&b) % &m).to_i64()?;
            Some(fix(if num_traits::Signed::is_negative(&b) {
                -r
            } else {
                r
            }))
        }
        Value::Float(f) => {
            if f.is_infinite() {
                return Some(if *f > 0.0 { 314159 } else { -314159 });
            }
            if f.is_nan() {
                return Some(0);
            }
            let (mut m, mut e) = frexp(f.abs());
            let mut x: u64 = 0;
            while m != 0.0 {
                x = ((x << 28) & P) | (x >> (61 - 28));
                m *= 268435456.0;
                e -= 28;
                let y = m as u64;
                m -= y as f64;
                x += y;
                if x >= P {
                    x -= P;
                }
            }
            let e = if e >= 0 {
                e % 61
            } else {
                61 - 1 - ((-1 - e) % 61)
            } as u32;
            x = ((x << e) & P) | (x >> (61 - e));
            let h = x as i64;
            Some(fix(if *f < 0.0 { -h } else { h }))
        }
        _ => None,
    }
}

/// Split a positive finite float into a mantissa in [0.5, 1) and a power of two.
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (0.0, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale up first.
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// The StopIteration an exhausted iterator raises (carrying a generator's return value).
pub fn stop_iteration(it: &Value) -> Box<crate::vm::PyErr> {
    let value = match it {
        Value::Generator(g) => lock(&g.result).clone(),
        _ => Value::None,
    };
    let args = if matches!(value, Value::None) {
        Vec::new()
    } else {
        vec![value]
    };
    Box::new(crate::vm::PyErr {
        exc: crate::objects::class::new_exception(
            crate::objects::class::exc_class("StopIteration"),
            args,
        ),
        tb: Vec::new(),
    })
}

/// A property with a getter and (or `None`) a setter.
pub fn property(fget: Value, fset: Value) -> Value {
    Value::Wrapper(Arc::new((
        WrapKind::Property,
        Value::tuple(vec![fget, fset]),
    )))
}

/// The getter and setter of a property wrapper.
pub fn property_parts(w: &Value) -> (Value, Value) {
    match w {
        Value::Tuple(t) if t.len() == 2 => (t[0].clone(), t[1].clone()),
        other => (other.clone(), Value::None),
    }
}

/// The exact integer value of an integral, finite float.
fn exact_int(x: f64) -> num_bigint::BigInt {
    num_traits::FromPrimitive::from_f64(x).unwrap_or_default()
}
