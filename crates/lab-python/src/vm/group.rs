//! Exception groups: `ExceptionGroup(message, exceptions)` and the boxed layout CPython's
//! traceback printer gives an uncaught group (each member in its own numbered section).

use super::{PyErr, PyResult, TbEntry, Vm, err, traceback_of};
use crate::objects::class::exc_class;
use crate::objects::{Builtin, Class, Value, lock};
use std::sync::Arc;

/// CPython prints at most this many members of a group, then "and N more exceptions".
const MAX_GROUP_WIDTH: usize = 15;

/// Give the built-in group classes their constructor and `str()`.
pub(crate) fn install_exception_groups() {
    for name in ["BaseExceptionGroup", "ExceptionGroup"] {
        let class = exc_class(name);
        let mut d = lock(&class.dict);
        d.insert(
            Arc::from("__init__"),
            Value::Builtin(Arc::new(Builtin {
                name: "__init__",
                f: group_init,
            })),
        );
        d.insert(
            Arc::from("__str__"),
            Value::Builtin(Arc::new(Builtin {
                name: "__str__",
                f: group_str,
            })),
        );
    }
}

/// The class `c(*args)` makes: `BaseExceptionGroup(msg, excs)` is an `ExceptionGroup` when
/// every member is an `Exception`, as in CPython.
pub(super) fn constructed_class(c: &Arc<Class>, args: &[Value]) -> Arc<Class> {
    if &*c.name != "BaseExceptionGroup" || c.builtin.is_none() {
        return c.clone();
    }
    let exception = exc_class("Exception");
    let plain = match args.get(1) {
        Some(Value::List(l)) => {
            let items = l.snapshot();
            !items.is_empty() && items.iter().all(|e| e.class().is_subclass(&exception))
        }
        Some(Value::Tuple(t)) => {
            !t.is_empty() && t.iter().all(|e| e.class().is_subclass(&exception))
        }
        _ => false,
    };
    if plain {
        exc_class("ExceptionGroup")
    } else {
        c.clone()
    }
}

fn group_init(vm: &mut Vm, args: Vec<Value>, _kw: super::Kwargs) -> PyResult<Value> {
    let this = args.first().cloned().unwrap_or(Value::None);
    let cls = this.class();
    if args.len() != 3 {
        return Err(err(
            "TypeError",
            &format!(
                "BaseExceptionGroup.__new__() takes exactly 2 arguments ({} given)",
                args.len().saturating_sub(1)
            ),
        ));
    }
    if !matches!(args[1], Value::Str(_)) {
        return Err(err(
            "TypeError",
            &format!("argument 1 must be str, not {}", args[1].type_name()),
        ));
    }
    if !matches!(args[2], Value::List(_) | Value::Tuple(_)) {
        return Err(err(
            "TypeError",
            "second argument (exceptions) must be a sequence",
        ));
    }
    let members = vm.to_vec(&args[2])?;
    if members.is_empty() {
        return Err(err(
            "ValueError",
            "second argument (exceptions) must be a non-empty sequence",
        ));
    }
    let exception = exc_class("Exception");
    let plain = cls.is_subclass(&exc_class("ExceptionGroup"));
    for (i, m) in members.iter().enumerate() {
        let is_exc = matches!(m, Value::Instance(inst) if inst.class.is_exception());
        if !is_exc {
            return Err(err(
                "ValueError",
                &format!("Item {i} of second argument (exceptions) is not an exception"),
            ));
        }
        if plain && !m.class().is_subclass(&exception) {
            return Err(err(
                "TypeError",
                "Cannot nest BaseExceptions in an ExceptionGroup",
            ));
        }
    }
    if let Value::Instance(inst) = &this {
        let mut d = lock(&inst.dict);
        d.insert(Arc::from("message"), args[1].clone());
        d.insert(Arc::from("exceptions"), Value::tuple(members));
    }
    Ok(Value::None)
}

fn group_str(_vm: &mut Vm, args: Vec<Value>, _kw: super::Kwargs) -> PyResult<Value> {
    let Some(Value::Instance(inst)) = args.first() else {
        return Err(err("TypeError", "descriptor '__str__' needs an argument"));
    };
    let d = lock(&inst.dict);
    let msg = match d.get("message") {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    let n = match d.get("exceptions") {
        Some(Value::Tuple(t)) => t.len(),
        _ => 0,
    };
    Ok(Value::str(&format!(
        "{msg} ({n} sub-exception{})",
        if n == 1 { "" } else { "s" }
    )))
}

/// The members of an exception group; `None` for any other value.
fn members(exc: &Value) -> Option<Vec<Value>> {
    let Value::Instance(i) = exc else {
        return None;
    };
    if !i.class.is_subclass(&exc_class("BaseExceptionGroup")) {
        return None;
    }
    match lock(&i.dict).get("exceptions") {
        Some(Value::Tuple(t)) => Some(t.to_vec()),
        _ => None,
    }
}

/// Does the exception, or one in its chain, group others (so it needs the boxed layout)?
pub(super) fn involves_group(exc: &Value) -> bool {
    let mut cur = exc.clone();
    for _ in 0..16 {
        if members(&cur).is_some() {
            return true;
        }
        let next = match &cur {
            Value::Instance(i) => {
                let d = lock(&i.dict);
                match (d.get("__cause__"), d.get("__context__")) {
                    (Some(c @ Value::Instance(_)), _) => c.clone(),
                    (None, Some(c @ Value::Instance(_))) => c.clone(),
                    _ => return false,
                }
            }
            _ => return false,
        };
        cur = next;
    }
    false
}

/// Where the printer is: how deep in groups, and whether a section still needs its closing line.
struct Ctx {
    depth: usize,
    need_close: bool,
}

impl Ctx {
    fn indent(&self) -> String {
        " ".repeat(2 * self.depth)
    }

    /// Append `text`, each line behind the indent and the margin (inside a group only).
    fn emit(&self, out: &mut String, text: &str, margin: char) {
        let mut prefix = self.indent();
        if self.depth > 0 {
            prefix.push(margin);
            prefix.push(' ');
        }
        for line in text.split_inclusive('\n') {
            out.push_str(&prefix);
            out.push_str(line);
        }
    }
}

impl Vm {
    /// The printed form of an uncaught exception whose chain holds a group.
    pub(super) fn format_with_groups(&mut self, exc: &Value, tb: &[TbEntry]) -> String {
        let mut out = String::new();
        let mut ctx = Ctx {
            depth: 0,
            need_close: false,
        };
        self.format_node(exc, tb, &mut ctx, &mut out, 0);
        out
    }

    fn format_node(
        &mut self,
        exc: &Value,
        tb: &[TbEntry],
        ctx: &mut Ctx,
        out: &mut String,
        chain: usize,
    ) {
        if let (Value::Instance(i), true) = (exc, chain < 16) {
            let (cause, context) = {
                let d = lock(&i.dict);
                (d.get("__cause__").cloned(), d.get("__context__").cloned())
            };
            let earlier = match (cause, context) {
                (Some(c @ Value::Instance(_)), _) => Some((
                    c,
                    "\nThe above exception was the direct cause of the following exception:\n\n",
                )),
                (None, Some(c @ Value::Instance(_))) => Some((
                    c,
                    "\nDuring handling of the above exception, another exception occurred:\n\n",
                )),
                _ => None,
            };
            if let Some((c, msg)) = earlier {
                let ctb = traceback_of(&c);
                self.format_node(&c, &ctb, ctx, out, chain + 1);
                ctx.emit(out, msg, '|');
            }
        }
        let Some(items) = members(exc) else {
            if !tb.is_empty() {
                ctx.emit(out, "Traceback (most recent call last):\n", '|');
                let stack = self.format_stack(tb);
                ctx.emit(out, &stack, '|');
            }
            let last = self.format_exception_only(exc);
            ctx.emit(out, &last, '|');
            return;
        };
        let top = ctx.depth == 0;
        if top {
            ctx.depth += 1;
        }
        if !tb.is_empty() {
            let margin = if top { '+' } else { '|' };
            ctx.emit(
                out,
                "Exception Group Traceback (most recent call last):\n",
                margin,
            );
            let stack = self.format_stack(tb);
            ctx.emit(out, &stack, '|');
        }
        let last = self.format_exception_only(exc);
        ctx.emit(out, &last, '|');
        let n = items.len().min(MAX_GROUP_WIDTH + 1);
        ctx.need_close = false;
        for (i, item) in items.iter().take(n).enumerate() {
            let last_one = i == n - 1;
            if last_one {
                // A nested group may print the closing line itself.
                ctx.need_close = true;
            }
            let truncated = i >= MAX_GROUP_WIDTH;
            let title = if truncated {
                "...".to_string()
            } else {
                (i + 1).to_string()
            };
            out.push_str(&format!(
                "{}{}+---------------- {title} ----------------\n",
                ctx.indent(),
                if i == 0 { "+-" } else { "  " }
            ));
            ctx.depth += 1;
            if truncated {
                let more = items.len() - MAX_GROUP_WIDTH;
                ctx.emit(
                    out,
                    &format!(
                        "and {more} more exception{}\n",
                        if more == 1 { "" } else { "s" }
                    ),
                    '|',
                );
            } else {
                let itb = traceback_of(item);
                self.format_node(item, &itb, ctx, out, 0);
            }
            if last_one && ctx.need_close {
                out.push_str(&format!(
                    "{}+------------------------------------\n",
                    ctx.indent()
                ));
                ctx.need_close = false;
            }
            ctx.depth -= 1;
        }
        if top {
            ctx.depth = 0;
        }
    }

    /// The `File ..., line ...` lines of a traceback, outermost first.
    fn format_stack(&mut self, tb: &[TbEntry]) -> String {
        let mut out = String::new();
        let entries: Vec<&TbEntry> = tb
            .iter()
            .rev()
            .filter(|t| !super::coro::hidden(t))
            .collect();
        let mut i = 0;
        while i < entries.len() {
            let t = entries[i];
            let mut run = 1;
            while i + run < entries.len() && super::same_place(entries[i + run], t) {
                run += 1;
            }
            for _ in 0..run.min(3) {
                out.push_str(&format!(
                    "  File \"{}\", line {}, in {}\n",
                    t.filename, t.line, t.name
                ));
                if let Some(l) = self.source_line(&t.filename, t.line) {
                    out.push_str(&format!("    {l}\n"));
                }
            }
            if run > 3 {
                let n = run - 3;
                out.push_str(&format!(
                    "  [Previous line repeated {n} more time{}]\n",
                    if n == 1 { "" } else { "s" }
                ));
            }
            i += run;
        }
        out
    }
}

/// Where an `except*` statement is: the exception raised in its body, the part no clause
/// has taken yet, and what the clauses raised.
struct StarState {
    original: Value,
    traceback: Vec<TbEntry>,
    rest: std::sync::Mutex<Option<Value>>,
    /// What the running clause caught (a bare `raise` re-raises it).
    current: std::sync::Mutex<Value>,
    reraised: std::sync::Mutex<Vec<Value>>,
    raised: std::sync::Mutex<Vec<Value>>,
}

impl crate::objects::NativeObject for StarState {
    fn type_name(&self) -> &'static str {
        "except* state"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn star_state(v: &Value) -> PyResult<&StarState> {
    match v {
        Value::Native(n) => n
            .as_any()
            .downcast_ref::<StarState>()
            .ok_or_else(|| err("SystemError", "bad except* state")),
        _ => Err(err("SystemError", "bad except* state")),
    }
}

/// A group of `items` in the class CPython would pick: ExceptionGroup when every member
/// is an Exception, else BaseExceptionGroup.
fn make_group(message: &Value, items: Vec<Value>, like: Option<&Value>) -> Value {
    let exception = exc_class("Exception");
    let plain = items.iter().all(|e| e.class().is_subclass(&exception));
    let class = exc_class(if plain {
        "ExceptionGroup"
    } else {
        "BaseExceptionGroup"
    });
    let group = crate::objects::class::new_exception(
        class,
        vec![message.clone(), Value::list(items.clone())],
    );
    if let Value::Instance(g) = &group {
        let mut d = lock(&g.dict);
        d.insert(Arc::from("message"), message.clone());
        d.insert(Arc::from("exceptions"), Value::tuple(items));
        // A part of a group keeps the group's traceback and chain.
        if let Some(Value::Instance(src)) = like {
            let s = lock(&src.dict);
            for k in ["__traceback__", "__cause__", "__context__"] {
                if let Some(v) = s.get(k) {
                    d.insert(Arc::from(k), v.clone());
                }
            }
        }
    }
    group
}

fn message_of(group: &Value) -> Value {
    match group {
        Value::Instance(i) => lock(&i.dict)
            .get("message")
            .cloned()
            .unwrap_or_else(|| Value::str("")),
        _ => Value::str(""),
    }
}

/// Keep a part of the original exception from being chained to the original when raised:
/// its members are the original's own.
fn no_context(exc: &Value) {
    if let Value::Instance(i) = exc {
        let mut d = lock(&i.dict);
        if !d.contains_key("__context__") {
            d.insert(Arc::from("__context__"), Value::None);
        }
    }
}

/// The leaves (exceptions that are not groups) of an exception, by identity.
fn leaves(exc: &Value, out: &mut Vec<usize>) {
    match members(exc) {
        Some(items) => items.iter().for_each(|m| leaves(m, out)),
        None => out.push(exc.identity()),
    }
}

/// The part of `exc` whose leaves are in `keep`, with the nesting of `exc`.
fn project(exc: &Value, keep: &[usize]) -> Option<Value> {
    let Some(items) = members(exc) else {
        return keep.contains(&exc.identity()).then(|| exc.clone());
    };
    let kept: Vec<Value> = items.iter().filter_map(|m| project(m, keep)).collect();
    if kept.is_empty() {
        None
    } else if kept.len() == items.len() && kept.iter().zip(&items).all(|(a, b)| a.is(b)) {
        Some(exc.clone())
    } else {
        Some(make_group(&message_of(exc), kept, Some(exc)))
    }
}

impl Vm {
    /// Split `exc` by the `except*` type `cls`: (the matching part, the rest).
    fn split_group(
        &mut self,
        exc: &Value,
        cls: &Value,
    ) -> PyResult<(Option<Value>, Option<Value>)> {
        if self.exc_matches(exc, cls)? {
            return Ok((Some(exc.clone()), None));
        }
        let Some(items) = members(exc) else {
            return Ok((None, Some(exc.clone())));
        };
        let (mut matched, mut rest) = (Vec::new(), Vec::new());
        for m in &items {
            let (a, b) = self.split_group(m, cls)?;
            matched.extend(a);
            rest.extend(b);
        }
        let part = |v: Vec<Value>| {
            (!v.is_empty()).then(|| {
                if v.len() == items.len() && v.iter().zip(&items).all(|(a, b)| a.is(b)) {
                    exc.clone()
                } else {
                    make_group(&message_of(exc), v, Some(exc))
                }
            })
        };
        Ok((part(matched), part(rest)))
    }

    /// The `except*` instructions.
    pub(super) fn except_star_op(
        &mut self,
        f: &mut super::Frame,
        op: crate::bytecode::Op,
    ) -> PyResult<()> {
        use crate::bytecode::Op;
        match op {
            Op::ExcStarBegin => {
                let exc = Self::pop(&mut f.stack);
                let traceback = self
                    .handling
                    .last()
                    .map(|e| e.tb.clone())
                    .unwrap_or_default();
                // A lone exception is matched as a group of one.
                let rest = if members(&exc).is_some() {
                    exc.clone()
                } else {
                    let g = make_group(&Value::str(""), vec![exc.clone()], None);
                    if let Value::Instance(i) = &g {
                        lock(&i.dict).insert(
                            Arc::from("args"),
                            Value::tuple(vec![Value::str(""), Value::tuple(vec![exc.clone()])]),
                        );
                    }
                    g
                };
                f.stack.push(Value::Native(Arc::new(StarState {
                    original: exc,
                    traceback,
                    rest: std::sync::Mutex::new(Some(rest)),
                    current: std::sync::Mutex::new(Value::None),
                    reraised: std::sync::Mutex::new(Vec::new()),
                    raised: std::sync::Mutex::new(Vec::new()),
                })));
            }
            Op::ExcStarMatch => {
                let cls = Self::pop(&mut f.stack);
                let state = Self::pop(&mut f.stack);
                let st = star_state(&state)?;
                let group_types = |c: &Value| matches!(c, Value::Class(c) if c.is_subclass(&exc_class("BaseExceptionGroup")));
                let is_group = match &cls {
                    Value::Tuple(t) => t.iter().any(group_types),
                    c => group_types(c),
                };
                if is_group {
                    return Err(err(
                        "TypeError",
                        "catching ExceptionGroup with except* is not allowed. Use except instead.",
                    ));
                }
                let rest = lock(&st.rest).clone();
                let matched = match rest {
                    Some(r) => {
                        let (m, left) = self.split_group(&r, &cls)?;
                        *lock(&st.rest) = left;
                        m
                    }
                    None => None,
                };
                let matched = matched.unwrap_or(Value::None);
                *lock(&st.current) = matched.clone();
                f.stack.push(matched);
            }
            Op::ExcStarRaised => {
                let exc = Self::pop(&mut f.stack);
                let state = f.stack.last().cloned().unwrap_or(Value::None);
                let st = star_state(&state)?;
                f.pop_block();
                self.handling.pop();
                // A bare `raise` (which raises the original here) re-raises what the clause
                // caught; anything else, even the caught part by name, counts as new.
                if exc.is(&st.original) {
                    let current = lock(&st.current).clone();
                    lock(&st.reraised).push(current);
                } else {
                    // Raised while handling what the clause caught.
                    super::set_context(&exc, &lock(&st.current).clone());
                    lock(&st.raised).push(exc);
                }
            }
            _ => {
                let state = Self::pop(&mut f.stack);
                let st = star_state(&state)?;
                if members(&st.original).is_none() {
                    // A lone exception: at most one clause ran, so one exception at most.
                    let raised = lock(&st.raised).first().cloned();
                    let reraised = lock(&st.reraised).first().cloned();
                    let out = match (raised, reraised) {
                        (Some(e), _) => Some((e, Vec::new())),
                        (None, Some(e)) => {
                            no_context(&e);
                            Some((e, Vec::new()))
                        }
                        (None, None) if lock(&st.rest).is_some() => {
                            Some((st.original.clone(), st.traceback.clone()))
                        }
                        _ => None,
                    };
                    return match out {
                        Some((exc, tb)) => Err(Box::new(PyErr { exc, tb })),
                        None => Ok(()),
                    };
                }
                let mut keep = Vec::new();
                if let Some(r) = lock(&st.rest).as_ref() {
                    leaves(r, &mut keep);
                }
                for r in lock(&st.reraised).iter() {
                    leaves(r, &mut keep);
                }
                let reraise = project(&st.original, &keep);
                let raised = std::mem::take(&mut *lock(&st.raised));
                if raised.is_empty() {
                    if let Some(exc) = reraise {
                        let tb = if exc.is(&st.original) {
                            st.traceback.clone()
                        } else {
                            no_context(&exc);
                            traceback_of(&exc)
                        };
                        return Err(Box::new(PyErr { exc, tb }));
                    }
                    return Ok(());
                }
                let mut items = raised;
                items.extend(reraise);
                if items.len() == 1 {
                    let exc = items.remove(0);
                    let tb = traceback_of(&exc);
                    return Err(Box::new(PyErr { exc, tb }));
                }
                let group = make_group(&Value::str(""), items, None);
                no_context(&group);
                return Err(Box::new(PyErr {
                    exc: group,
                    tb: Vec::new(),
                }));
            }
        }
        Ok(())
    }
}
