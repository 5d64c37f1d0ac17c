//! Methods of the built-in types (`list.append`, `str.join`, `dict.items` ...).

use super::{Dict, Value, lock};
use crate::builtins::{arg, kw, sort_values};
use crate::bytecode::BinOp;
use crate::vm::{Kwargs, PyResult, Vm, err};
use std::sync::Arc;

const STR: &[&str] = &[
    "join",
    "split",
    "rsplit",
    "strip",
    "lstrip",
    "rstrip",
    "upper",
    "encode",
    "lower",
    "replace",
    "startswith",
    "endswith",
    "find",
    "rfind",
    "index",
    "count",
    "format",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "isdigit",
    "isalpha",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "title",
    "capitalize",
    "splitlines",
    "partition",
    "casefold",
    "swapcase",
    "removeprefix",
    "removesuffix",
];
const LIST: &[&str] = &[
    "append", "extend", "pop", "insert", "remove", "index", "count", "sort", "reverse", "copy",
    "clear",
];
const DICT: &[&str] = &[
    "get",
    "items",
    "keys",
    "values",
    "pop",
    "setdefault",
    "update",
    "copy",
    "clear",
    "popitem",
];
const SET: &[&str] = &[
    "add",
    "remove",
    "discard",
    "pop",
    "union",
    "intersection",
    "difference",
    "issubset",
    "issuperset",
    "copy",
    "clear",
    "update",
];
const TUPLE: &[&str] = &["index", "count"];
const INT: &[&str] = &["bit_length", "to_bytes"];
const FLOAT: &[&str] = &["is_integer"];
const GEN: &[&str] = &["send", "close", "__next__", "throw"];

/// Does a built-in value have this method?
pub fn has_method(v: &Value, name: &str) -> bool {
    let table = match v {
        Value::Str(_) => STR,
        Value::List(_) => LIST,
        Value::Dict(_) => DICT,
        Value::Set(_) => SET,
        Value::Tuple(_) => TUPLE,
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => INT,
        Value::Float(_) => FLOAT,
        Value::Generator(_) => GEN,
        Value::Iter(_) => &["__next__"],
        Value::Wrapper(w) if w.0 == super::WrapKind::Property => &["setter", "getter"],
        _ => &[],
    };
    table.contains(&name)
}

/// Does a built-in type have this method (`str.join` read from the class)?
pub fn has_type_method(c: &super::Class, name: &str) -> bool {
    let t = match &*c.name {
        "str" => STR,
        "list" => LIST,
        "dict" => DICT,
        "set" => SET,
        _ => &[],
    };
    t.contains(&name)
}

/// Data attributes of built-in values (`range.start` ...).
pub fn get_property(v: &Value, name: &str) -> Option<Value> {
    match (v, name) {
        (Value::Range(r), "start") => Some(Value::Int(r.start)),
        (Value::Range(r), "stop") => Some(Value::Int(r.stop)),
        (Value::Range(r), "step") => Some(Value::Int(r.step)),
        (Value::Int(_) | Value::BigInt(_) | Value::Float(_), "real") => Some(v.clone()),
        _ => None,
    }
}

/// Merge a mapping or an iterable of pairs into a dict.
///
/// # Errors
/// TypeError/ValueError for bad items.
pub fn dict_update(vm: &mut Vm, d: &Dict, src: &Value) -> PyResult<()> {
    if let Value::Dict(s) = src {
        for (k, v) in s.items() {
            let key = vm.key(&k)?;
            d.set(key, k, v);
        }
        return Ok(());
    }
    for pair in vm.to_vec(src)? {
        let kv = vm.to_vec(&pair)?;
        if kv.len() != 2 {
            return Err(err(
                "ValueError",
                &format!(
                    "dictionary update sequence element has length {}; 2 is required",
                    kv.len()
                ),
            ));
        }
        let key = vm.key(&kv[0])?;
        d.set(key, kv[0].clone(), kv[1].clone());
    }
    Ok(())
}

/// `|`, `&`, `-`, `^` on sets.
///
/// # Errors
/// None in practice (keys are already hashable).
pub fn set_op(_vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
    let (Value::Set(x), Value::Set(y)) = (a, b) else {
        return Err(err("TypeError", "set operation on non-sets"));
    };
    let xs = lock(&x.items).clone();
    let ys = lock(&y.items).clone();
    let out = super::Set::new();
    {
        let mut o = lock(&out.items);
        match op {
            BinOp::Or => {
                o.extend(xs);
                for (k, v) in ys {
                    o.entry(k).or_insert(v);
                }
            }
            BinOp::And => o.extend(xs.into_iter().filter(|(k, _)| ys.contains_key(k))),
            BinOp::Sub => o.extend(xs.into_iter().filter(|(k, _)| !ys.contains_key(k))),
            _ => {
                for (k, v) in &xs {
                    if !ys.contains_key(k) {
                        o.insert(k.clone(), v.clone());
                    }
                }
                for (k, v) in ys {
                    if !xs.contains_key(&k) {
                        o.insert(k, v);
                    }
                }
            }
        }
    }
    Ok(Value::Set(Arc::new(out)))
}

/// `fmt % args` (the common conversions: `%s %r %d %i %f %x %%`, with width and precision).
///
/// # Errors
/// TypeError for wrong argument counts or types.
pub fn percent_format(vm: &mut Vm, fmt: &str, args: &Value) -> PyResult<Value> {
    let items = match args {
        Value::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    let mut it = items.into_iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_digit() || matches!(n, '.' | '-' | '+' | ' ' | '0') {
                spec.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let Some(conv) = chars.next() else {
            return Err(err("ValueError", "incomplete format"));
        };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = it
            .next()
            .ok_or_else(|| err("TypeError", "not enough arguments for format string"))?;
        let spec = spec.replacen('-', "<", 1);
        let s = match conv {
            's' => crate::objects::format::format_plain(&vm.to_str(&v)?, &spec)?,
            'r' => crate::objects::format::format_plain(&vm.repr(&v)?, &spec)?,
            'd' | 'i' | 'f' | 'x' | 'e' | 'g' => {
                if !matches!(
                    v,
                    Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Float(_)
                ) {
                    return Err(err(
                        "TypeError",
                        &format!(
                            "%{conv} format: a real number is required, not {}",
                            v.type_name()
                        ),
                    ));
                }
                let v = if matches!(conv, 'd' | 'i') {
                    match v {
                        Value::Float(f) => Value::Int(f.trunc() as i64),
                        o => o,
                    }
                } else {
                    v
                };
                let t = if conv == 'i' { 'd' } else { conv };
                vm.format(&v, &format!("{spec}{t}"))?
            }
            other => {
                return Err(err(
                    "ValueError",
                    &format!("unsupported format character '{other}'"),
                ));
            }
        };
        out.push_str(&s);
    }
    if it.next().is_some() {
        return Err(err(
            "TypeError",
            "not all arguments converted during string formatting",
        ));
    }
    Ok(Value::str(&out))
}

fn no_method(obj: &Value, name: &str) -> Box<crate::vm::PyErr> {
    err(
        "AttributeError",
        &format!("'{}' object has no attribute '{name}'", obj.type_name()),
    )
}

fn as_str(v: &Value, what: &str) -> PyResult<Arc<str>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(err(
            "TypeError",
            &format!("{what} must be str, not {}", other.type_name()),
        )),
    }
}

/// Call a method of a built-in value.
///
/// # Errors
/// AttributeError for unknown methods; the method's own errors.
#[allow(clippy::too_many_lines)]
pub fn call_method(
    vm: &mut Vm,
    obj: &Value,
    name: &str,
    a: Vec<Value>,
    k: Kwargs,
) -> PyResult<Value> {
    match obj {
        Value::List(l) => match name {
            "append" => {
                if a.len() > 1 {
                    return Err(err(
                        "TypeError",
                        &format!(
                            "list.append() takes exactly one argument ({} given)",
                            a.len()
                        ),
                    ));
                }
                let v = arg(&a, 0, "append")?.clone();
                lock(&l.items).push(v);
                Ok(Value::None)
            }
            "extend" => {
                let items = vm.to_vec(arg(&a, 0, "extend")?)?;
                lock(&l.items).extend(items);
                Ok(Value::None)
            }
            "pop" => {
                let i = match a.first() {
                    Some(v) => Some(vm.index(v)?),
                    None => None,
                };
                let mut items = lock(&l.items);
                if items.is_empty() {
                    return Err(err("IndexError", "pop from empty list"));
                }
                let n = items.len() as i64;
                let i = i
                    .map(|i| if i < 0 { i.saturating_add(n) } else { i })
                    .unwrap_or(n - 1);
                if !(0..n).contains(&i) {
                    return Err(err("IndexError", "pop index out of range"));
                }
                Ok(items.remove(i as usize))
            }
            "insert" => {
                let i = vm.index(arg(&a, 0, "insert")?)?;
                let v = arg(&a, 1, "insert")?.clone();
                let mut items = lock(&l.items);
                let n = items.len() as i64;
                let i = if i < 0 {
                    i.saturating_add(n).max(0)
                } else {
                    i.min(n)
                };
                items.insert(i as usize, v);
                Ok(Value::None)
            }
            "remove" | "index" | "count" => {
                let x = arg(&a, 0, name)?;
                let items = l.snapshot();
                let mut count = 0;
                for (i, v) in items.iter().enumerate() {
                    if v.is(x) || vm.eq(v, x)? {
                        match name {
                            "remove" => {
                                let mut it = lock(&l.items);
                                if i < it.len() {
                                    it.remove(i);
                                }
                                return Ok(Value::None);
                            }
                            "index" => return Ok(Value::Int(i as i64)),
                            _ => count += 1,
                        }
                    }
                }
                match name {
                    "count" => Ok(Value::Int(count)),
                    "remove" => Err(err("ValueError", "list.remove(x): x not in list")),
                    _ => Err(err(
                        "ValueError",
                        &format!("{} is not in list", vm.repr(x)?),
                    )),
                }
            }
            "sort" => {
                let items = l.snapshot();
                let reverse = match kw(&k, "reverse") {
                    Some(v) => vm.truthy(v)?,
                    None => false,
                };
                let sorted = sort_values(vm, items, kw(&k, "key"), reverse)?;
                *lock(&l.items) = sorted;
                Ok(Value::None)
            }
            "reverse" => {
                lock(&l.items).reverse();
                Ok(Value::None)
            }
            "copy" => Ok(Value::list(l.snapshot())),
            "clear" => {
                lock(&l.items).clear();
                Ok(Value::None)
            }
            _ => Err(no_method(obj, name)),
        },
        Value::Dict(d) => match name {
            "get" => {
                let key = vm.key(arg(&a, 0, "get")?)?;
                Ok(d.get(&key)
                    .unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::None)))
            }
            "items" => Ok(view(d, super::view::ViewKind::Items)),
            "keys" => Ok(view(d, super::view::ViewKind::Keys)),
            "values" => Ok(view(d, super::view::ViewKind::Values)),
            "pop" => {
                let kv = arg(&a, 0, "pop")?;
                let key = vm.key(kv)?;
                match d.remove(&key) {
                    Some(v) => Ok(v),
                    None => match a.get(1) {
                        Some(dflt) => Ok(dflt.clone()),
                        None => Err(Box::new(crate::vm::PyErr {
                            exc: super::class::new_exception(
                                super::class::exc_class("KeyError"),
                                vec![kv.clone()],
                            ),
                            tb: Vec::new(),
                        })),
                    },
                }
            }
            "popitem" => {
                let last = lock(&d.map).pop();
                d.keys_changed();
                match last {
                    Some((_, (k, v))) => Ok(Value::tuple(vec![k, v])),
                    None => Err(err("KeyError", "'popitem(): dictionary is empty'")),
                }
            }
            "setdefault" => {
                let kv = arg(&a, 0, "setdefault")?;
                let key = vm.key(kv)?;
                let dflt = a.get(1).cloned().unwrap_or(Value::None);
                let r = lock(&d.map)
                    .entry(key)
                    .or_insert((kv.clone(), dflt))
                    .1
                    .clone();
                d.keys_changed();
                Ok(r)
            }
            "update" => {
                if let Some(src) = a.first() {
                    dict_update(vm, d, src)?;
                }
                for (key, v) in k {
                    d.set(super::Key::Str(key.clone()), Value::Str(key), v);
                }
                Ok(Value::None)
            }
            "copy" => {
                let n = Dict::new();
                *lock(&n.map) = lock(&d.map).clone();
                Ok(Value::Dict(Arc::new(n)))
            }
            "clear" => {
                lock(&d.map).clear();
                d.keys_changed();
                Ok(Value::None)
            }
            _ => Err(no_method(obj, name)),
        },
        Value::Set(s) => match name {
            "add" => {
                let v = arg(&a, 0, "add")?.clone();
                let key = vm.key(&v)?;
                lock(&s.items).entry(key).or_insert(v);
                Ok(Value::None)
            }
            "remove" | "discard" => {
                let v = arg(&a, 0, name)?;
                let key = vm.key(v)?;
                let removed = lock(&s.items).shift_remove(&key).is_some();
                if !removed && name == "remove" {
                    return Err(Box::new(crate::vm::PyErr {
                        exc: super::class::new_exception(
                            super::class::exc_class("KeyError"),
                            vec![v.clone()],
                        ),
                        tb: Vec::new(),
                    }));
                }
                Ok(Value::None)
            }
            "pop" => {
                let first = s.snapshot().into_iter().next();
                match first {
                    Some(v) => {
                        let k = vm.key(&v)?;
                        lock(&s.items).shift_remove(&k);
                        Ok(v)
                    }
                    None => Err(err("KeyError", "'pop from an empty set'")),
                }
            }
            "update" => {
                for x in vm.to_vec(arg(&a, 0, "update")?)? {
                    let key = vm.key(&x)?;
                    lock(&s.items).entry(key).or_insert(x);
                }
                Ok(Value::None)
            }
            "union" | "intersection" | "difference" | "issubset" | "issuperset" => {
                let other = crate::builtins::construct(
                    vm,
                    &super::class::types().set,
                    super::class::BuiltinType::Set,
                    vec![arg(&a, 0, name)?.clone()],
                    Vec::new(),
                )?;
                match name {
                    "union" => set_op(vm, BinOp::Or, obj, &other),
                    "intersection" => set_op(vm, BinOp::And, obj, &other),
                    "difference" => set_op(vm, BinOp::Sub, obj, &other),
                    "issubset" => vm.compare(crate::bytecode::CmpOp::Le, obj, &other),
                    _ => vm.compare(crate::bytecode::CmpOp::Ge, obj, &other),
                }
            }
            "copy" => {
                let n = super::Set::new();
                *lock(&n.items) = lock(&s.items).clone();
                Ok(Value::Set(Arc::new(n)))
            }
            "clear" => {
                lock(&s.items).clear();
                Ok(Value::None)
            }
            _ => Err(no_method(obj, name)),
        },
        Value::Tuple(t) => match name {
            "index" | "count" => {
                let x = arg(&a, 0, name)?;
                let mut count = 0;
                for (i, v) in t.iter().enumerate() {
                    if v.is(x) || vm.eq(v, x)? {
                        if name == "index" {
                            return Ok(Value::Int(i as i64));
                        }
                        count += 1;
                    }
                }
                if name == "index" {
                    return Err(err("ValueError", "tuple.index(x): x not in tuple"));
                }
                Ok(Value::Int(count))
            }
            _ => Err(no_method(obj, name)),
        },
        Value::Str(s) => str_method(vm, s, obj, name, a, k),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) if name == "bit_length" => {
            let b = super::int::to_big(obj).unwrap_or_default();
            Ok(Value::Int(b.bits() as i64))
        }
        Value::Float(f) if name == "is_integer" => Ok(Value::Bool(f.fract() == 0.0)),
        Value::Wrapper(w) if w.0 == super::WrapKind::Property => {
            let (fget, fset) = crate::builtins::property_parts(&w.1);
            let f = arg(&a, 0, name)?.clone();
            match name {
                "setter" => Ok(crate::builtins::property(fget, f)),
                "getter" => Ok(crate::builtins::property(f, fset)),
                _ => Err(no_method(obj, name)),
            }
        }
        Value::Generator(g) => match name {
            "send" => match vm.resume(g, a.first().cloned().unwrap_or(Value::None))? {
                Some(v) => Ok(v),
                None => Err(crate::builtins::stop_iteration(obj)),
            },
            "__next__" => match vm.resume(g, Value::None)? {
                Some(v) => Ok(v),
                None => Err(crate::builtins::stop_iteration(obj)),
            },
            "close" => vm.close_generator(g),
            "throw" => {
                let e = vm.thrown(&a)?;
                match vm.throw(g, e)? {
                    Some(v) => Ok(v),
                    None => Err(crate::builtins::stop_iteration(obj)),
                }
            }
            _ => Err(no_method(obj, name)),
        },
        Value::Iter(_) if name == "__next__" => match vm.next(obj)? {
            Some(v) => Ok(v),
            None => Err(crate::builtins::stop_iteration(obj)),
        },
        Value::Class(c) if c.builtin.is_some() => {
            // `str.upper(x)`, `dict.fromkeys` style calls through the class.
            let mut a = a;
            if a.is_empty() {
                return Err(err(
                    "TypeError",
                    &format!("unbound method {}.{name}() needs an argument", c.name),
                ));
            }
            let this = a.remove(0);
            call_method(vm, &this, name, a, k)
        }
        Value::Instance(i) if name == "__init__" => {
            if i.class.is_exception() {
                lock(&i.dict).insert(Arc::from("args"), Value::tuple(a));
            }
            Ok(Value::None)
        }
        _ => Err(no_method(obj, name)),
    }
}

fn view(d: &Arc<Dict>, kind: super::view::ViewKind) -> Value {
    Value::Native(Arc::new(super::view::DictView {
        dict: d.clone(),
        kind,
    }))
}

fn str_method(
    vm: &mut Vm,
    s: &Arc<str>,
    obj: &Value,
    name: &str,
    a: Vec<Value>,
    k: Kwargs,
) -> PyResult<Value> {
    let sarg = |i: usize| -> PyResult<Arc<str>> { as_str(arg(&a, i, name)?, "argument") };
    Ok(match name {
        "join" => {
            let items = vm.to_vec(arg(&a, 0, "join")?)?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                match it {
                    Value::Str(x) => parts.push(x.to_string()),
                    other => {
                        return Err(err(
                            "TypeError",
                            &format!(
                                "sequence item {i}: expected str instance, {} found",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
            Value::str(&parts.join(s))
        }
        "split" | "rsplit" => {
            let sep = match a.first().or_else(|| kw(&k, "sep")) {
                None | Some(Value::None) => None,
                Some(v) => Some(as_str(v, "sep")?),
            };
            let maxsplit = match a.get(1).or_else(|| kw(&k, "maxsplit")) {
                Some(v) => vm.index(v)?,
                None => -1,
            };
            let parts: Vec<String> = match (&sep, maxsplit) {
                (None, -1) => s.split_whitespace().map(String::from).collect(),
                (Some(p), -1) => s.split(&**p).map(String::from).collect(),
                (Some(p), n) if name == "split" => {
                    s.splitn(n as usize + 1, &**p).map(String::from).collect()
                }
                (Some(p), n) => {
                    let mut v: Vec<String> =
                        s.rsplitn(n as usize + 1, &**p).map(String::from).collect();
                    v.reverse();
                    v
                }
                (None, n) => {
                    let mut v: Vec<String> = Vec::new();
                    let mut rest = s.trim_start();
                    while !rest.is_empty() {
                        if v.len() as i64 == n {
                            v.push(rest.to_string());
                            break;
                        }
                        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                        v.push(rest[..end].to_string());
                        rest = rest[end..].trim_start();
                    }
                    v
                }
            };
            Value::list(parts.iter().map(|p| Value::str(p)).collect())
        }
        "strip" | "lstrip" | "rstrip" => {
            let chars: Option<Vec<char>> = match a.first() {
                Some(Value::Str(c)) => Some(c.chars().collect()),
                _ => None,
            };
            let f = |c: char| match &chars {
                Some(cs) => cs.contains(&c),
                None => c.is_whitespace(),
            };
            Value::str(match name {
                "strip" => s.trim_matches(f),
                "lstrip" => s.trim_start_matches(f),
                _ => s.trim_end_matches(f),
            })
        }
        "upper" => Value::str(&s.to_uppercase()),
        "encode" => {
            // UTF-8 only (the default): enough to hash text.
            let encoding = match a.first().or_else(|| kw(&k, "encoding")) {
                Some(e) => as_str(e, "encoding")?.to_string(),
                None => "utf-8".to_owned(),
            };
            let normal = encoding.to_lowercase().replace('_', "-");
            if !matches!(normal.as_str(), "utf-8" | "utf8") {
                return Err(err(
                    "NotImplementedError",
                    &format!("the lab's Python encodes text as UTF-8 only, not '{encoding}'"),
                ));
            }
            super::bytes::Bytes::value(s.as_bytes().to_vec())
        }
        // Full case folding differs from lowercasing mainly for ß.
        "casefold" => Value::str(&s.to_lowercase().replace('ß', "ss")),
        "swapcase" => Value::str(
            &s.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect::<Vec<_>>()
                    }
                })
                .collect::<String>(),
        ),
        "removeprefix" => {
            let p = sarg(0)?;
            Value::str(s.strip_prefix(&*p).unwrap_or(s))
        }
        "removesuffix" => {
            let p = sarg(0)?;
            Value::str(s.strip_suffix(&*p).unwrap_or(s))
        }
        "lower" => Value::str(&s.to_lowercase()),
        "title" | "capitalize" => {
            let mut out = String::new();
            let mut start = true;
            for (i, c) in s.chars().enumerate() {
                if (name == "title" && start) || (name == "capitalize" && i == 0) {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                start = !c.is_alphabetic();
            }
            Value::str(&out)
        }
        "replace" => {
            let (from, to) = (sarg(0)?, sarg(1)?);
            if to.len() > from.len() {
                // Each replacement grows the string: refuse a result that would be absurd.
                let hits = if from.is_empty() {
                    s.chars().count() + 1
                } else {
                    s.matches(&*from).count()
                };
                let grow = (to.len() - from.len()).saturating_mul(hits);
                crate::limits::check_str_len(s.len().saturating_add(grow))?;
            }
            match a.get(2) {
                Some(n) => {
                    let n = vm.index(n)?;
                    if n < 0 {
                        Value::str(&s.replace(&*from, &to))
                    } else {
                        Value::str(&s.replacen(&*from, &to, n as usize))
                    }
                }
                None => Value::str(&s.replace(&*from, &to)),
            }
        }
        "startswith" | "endswith" => {
            let pats: Vec<Arc<str>> = match arg(&a, 0, name)? {
                Value::Tuple(t) => t
                    .iter()
                    .map(|x| as_str(x, "argument"))
                    .collect::<PyResult<_>>()?,
                v => vec![as_str(v, "argument")?],
            };
            Value::Bool(pats.iter().any(|p| {
                if name == "startswith" {
                    s.starts_with(&**p)
                } else {
                    s.ends_with(&**p)
                }
            }))
        }
        "find" | "rfind" | "index" => {
            let p = sarg(0)?;
            let r = if name == "rfind" {
                s.rfind(&*p)
            } else {
                s.find(&*p)
            };
            match r {
                Some(b) => Value::Int(s[..b].chars().count() as i64),
                None if name == "index" => return Err(err("ValueError", "substring not found")),
                None => Value::Int(-1),
            }
        }
        "count" => {
            let p = sarg(0)?;
            Value::Int(if p.is_empty() {
                s.chars().count() as i64 + 1
            } else {
                s.matches(&*p).count() as i64
            })
        }
        "center" | "ljust" | "rjust" | "zfill" => {
            let w = vm.index(arg(&a, 0, name)?)?.max(0) as usize;
            crate::limits::check_str_len(w)?;
            let fill = match a.get(1) {
                Some(Value::Str(f)) => f.chars().next().unwrap_or(' '),
                _ => ' ',
            };
            let n = s.chars().count();
            if n >= w {
                obj.clone()
            } else {
                let pad = w - n;
                let f = |k: usize, c: char| c.to_string().repeat(k);
                Value::str(&match name {
                    "ljust" => format!("{s}{}", f(pad, fill)),
                    "rjust" => format!("{}{s}", f(pad, fill)),
                    "zfill" => match s.strip_prefix('-') {
                        Some(rest) => format!("-{}{rest}", f(pad, '0')),
                        None => format!("{}{s}", f(pad, '0')),
                    },
                    _ => {
                        let left = pad / 2 + (pad & w & 1);
                        format!("{}{s}{}", f(left, fill), f(pad - left, fill))
                    }
                })
            }
        }
        "isdigit" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "isupper" => {
            Value::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase))
        }
        "islower" => {
            Value::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_uppercase))
        }
        "splitlines" => Value::list(s.lines().map(Value::str).collect()),
        "partition" => {
            let p = sarg(0)?;
            match s.find(&*p) {
                Some(i) => Value::tuple(vec![
                    Value::str(&s[..i]),
                    Value::Str(p.clone()),
                    Value::str(&s[i + p.len()..]),
                ]),
                None => Value::tuple(vec![obj.clone(), Value::str(""), Value::str("")]),
            }
        }
        "format" => str_format(vm, s, &a, &k)?,
        _ => return Err(no_method(obj, name)),
    })
}

/// `"{} {name:>5}".format(...)`.
fn str_format(vm: &mut Vm, s: &str, a: &[Value], k: &Kwargs) -> PyResult<Value> {
    let mut out = String::new();
    let mut auto = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                // The field runs to the matching brace: a spec may nest fields (`{:>{w}}`).
                let mut field = String::new();
                let mut depth = 1;
                for n in chars.by_ref() {
                    match n {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    field.push(n);
                }
                let (head, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (head, conv) = match head.split_once('!') {
                    Some((h, c)) => (h, Some(c)),
                    None => (head, None),
                };
                let v = format_field(vm, head, a, k, &mut auto)?;
                let v = match conv {
                    Some("r") => Value::str(&vm.repr(&v)?),
                    Some("s") => Value::str(&vm.to_str(&v)?),
                    _ => v,
                };
                // Nested fields in the spec are replaced by their values first.
                let mut spec_text = String::new();
                let mut rest = spec;
                while let Some(open) = rest.find('{') {
                    spec_text.push_str(&rest[..open]);
                    let close = rest[open..]
                        .find('}')
                        .map(|c| c + open)
                        .unwrap_or(rest.len());
                    let inner = format_field(vm, &rest[open + 1..close], a, k, &mut auto)?;
                    spec_text.push_str(&vm.to_str(&inner)?);
                    rest = rest.get(close + 1..).unwrap_or("");
                }
                spec_text.push_str(rest);
                out.push_str(&vm.format(&v, &spec_text)?);
            }
            other => out.push(other),
        }
    }
    Ok(Value::str(&out))
}

/// The value a `str.format` field names: `{}` (next positional), `{0}`, `{name}`, `{x.attr}`.
fn format_field(
    vm: &mut Vm,
    head: &str,
    a: &[Value],
    k: &Kwargs,
    auto: &mut usize,
) -> PyResult<Value> {
    let (base, attr) = match head.split_once('.') {
        Some((b, at)) => (b, Some(at)),
        None => (head, None),
    };
    let out_of_range = || {
        err(
            "IndexError",
            "Replacement index out of range for positional args tuple",
        )
    };
    let v = if base.is_empty() {
        *auto += 1;
        a.get(*auto - 1).cloned().ok_or_else(out_of_range)?
    } else if let Ok(i) = base.parse::<usize>() {
        a.get(i).cloned().ok_or_else(out_of_range)?
    } else {
        kw(k, base)
            .cloned()
            .ok_or_else(|| err("KeyError", &format!("'{base}'")))?
    };
    match attr {
        Some(at) => vm.get_attr(&v, at),
        None => Ok(v),
    }
}
