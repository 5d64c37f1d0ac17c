//! Bytecode: plain data (indices, no pointers) so that a build step can precompile it later.

use std::sync::Arc;

/// A binary operator, shared by `a + b` and `a += b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// `&`
    And,
}

impl BinOp {
    /// The operator as Python writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "** or pow()",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::Or => "|",
            BinOp::Xor => "^",
            BinOp::And => "&",
        }
    }

    /// The name of the special method that implements the operator (`__add__`).
    pub fn dunder(self) -> (&'static str, &'static str) {
        match self {
            BinOp::Add => ("__add__", "__radd__"),
            BinOp::Sub => ("__sub__", "__rsub__"),
            BinOp::Mul => ("__mul__", "__rmul__"),
            BinOp::Div => ("__truediv__", "__rtruediv__"),
            BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__"),
            BinOp::Mod => ("__mod__", "__rmod__"),
            BinOp::Pow => ("__pow__", "__rpow__"),
            BinOp::LShift => ("__lshift__", "__rlshift__"),
            BinOp::RShift => ("__rshift__", "__rrshift__"),
            BinOp::Or => ("__or__", "__ror__"),
            BinOp::Xor => ("__xor__", "__rxor__"),
            BinOp::And => ("__and__", "__rand__"),
        }
    }
}

/// A rich comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as Python writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A unary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `+x`
    Pos,
    /// `not x`
    Not,
    /// `~x`
    Invert,
}

/// One instruction. Operands index the code's tables or are jump targets (instruction indices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Push `consts[i]`.
    LoadConst(u32),
    /// Push local slot `i` (UnboundLocalError if empty).
    LoadFast(u32),
    /// Pop into local slot `i`.
    StoreFast(u32),
    // Fused instructions (see `quicken`), listed next to the instructions the evaluation
    // loop runs itself so that one jump table holds them all. Each replaces the `LoadFast`
    // that starts a common sequence, runs the whole sequence when the local is a small int,
    // and skips the instructions it ran (they stay in place after it, so a jump into the
    // sequence still runs them one by one). Otherwise it does what the `LoadFast` did.
    // Never written by `marshal`, which writes the `LoadFast` back.
    /// `LoadFast(local); LoadConst(int k); Binary(op) or Inplace(op)`, and a `StoreFast`
    /// right after it.
    FastIntArith(u16, BinOp, i32),
    /// `LoadFast(local); LoadConst(int k); Compare(op)`, and a conditional jump right
    /// after it.
    FastIntCompare(u16, CmpOp, i32),
    /// `LoadFast(a); LoadFast(b); Binary(op) or Inplace(op)`, and a `StoreFast` right
    /// after it (`total += i`).
    FastFastArith(u16, u16, BinOp),
    /// `LoadFast(a); LoadFast(b)`.
    FastFast(u16, u16),
    /// Empty local slot `i`.
    DeleteFast(u32),
    /// Push the content of cell `i` (cells first, then free variables).
    LoadDeref(u32),
    /// Pop into cell `i`.
    StoreDeref(u32),
    /// Push global `names[i]` (then builtins).
    LoadGlobal(u32),
    /// Pop into global `names[i]`.
    StoreGlobal(u32),
    /// Delete global `names[i]`.
    DeleteGlobal(u32),
    /// Class body: push `names[i]` from the namespace, then globals, then builtins.
    LoadName(u32),
    /// Class body: pop into the namespace.
    StoreName(u32),
    /// Replace TOS by its attribute `names[i]`.
    LoadAttr(u32),
    /// `TOS.names[i] = TOS1`.
    StoreAttr(u32),
    /// `del TOS.names[i]`.
    DeleteAttr(u32),
    /// `obj.names[name](args)`: the object and `argc` arguments are on the stack.
    CallMethod(u32, u32),
    /// Binary operator.
    Binary(BinOp),
    /// Augmented assignment operator (in place for lists).
    Inplace(BinOp),
    /// Unary operator.
    Unary(UnOp),
    /// Comparison.
    Compare(CmpOp),
    /// `is` (false) or `is not` (true).
    Is(bool),
    /// `in` (false) or `not in` (true).
    In(bool),
    /// `TOS1[TOS]`.
    Subscr,
    /// `TOS1[TOS] = TOS2`.
    StoreSubscr,
    /// `del TOS1[TOS]`.
    DeleteSubscr,
    /// Build a tuple of `n` items.
    BuildTuple(u32),
    /// Build a list of `n` items.
    BuildList(u32),
    /// Build a set of `n` items.
    BuildSet(u32),
    /// Build a dict of `n` key-value pairs.
    BuildMap(u32),
    /// Build a slice of 2 or 3 items.
    BuildSlice(u32),
    /// Concatenate `n` strings.
    BuildString(u32),
    /// f-string field: conversion (0 none, 1 str, 2 repr, 3 ascii) and whether a spec is on TOS.
    FormatValue(u8, bool),
    /// Append TOS to the list at stack depth `i` (comprehensions).
    ListAppend(u32),
    /// Add TOS to the set at depth `i`.
    SetAdd(u32),
    /// Set key TOS1 to TOS in the dict at depth `i`.
    MapAdd(u32),
    /// Extend the list TOS1 with the iterable TOS.
    ListExtend,
    /// Update the dict TOS1 with the mapping TOS.
    DictUpdate,
    /// Turn the list TOS into a tuple.
    ListToTuple,
    /// Unpack TOS into exactly `n` values.
    UnpackSequence(u32),
    /// Unpack TOS into `before` values, a list, and `after` values.
    UnpackEx(u32, u32),
    /// Unconditional jump.
    Jump(u32),
    /// Pop; jump if falsy.
    PopJumpIfFalse(u32),
    /// Pop; jump if truthy.
    PopJumpIfTrue(u32),
    /// Jump if falsy (keeping TOS), else pop.
    JumpIfFalseOrPop(u32),
    /// Jump if truthy (keeping TOS), else pop.
    JumpIfTrueOrPop(u32),
    /// Replace TOS by `iter(TOS)`.
    GetIter,
    /// Push `next(TOS)`, or pop the iterator and jump when it is exhausted.
    ForIter(u32),
    /// Drop TOS.
    Pop,
    /// Duplicate TOS.
    Dup,
    /// Duplicate the two top items.
    Dup2,
    /// Swap the two top items.
    Rot2,
    /// Move TOS under the two items below it.
    Rot3,
    /// Call with `n` positional arguments.
    Call(u32),
    /// Call with `n` arguments, the last ones named by the tuple `consts[names]`.
    CallKw(u32, u32),
    /// Call with a tuple of positional arguments and (if the flag is set) a dict of keywords.
    CallEx(bool),
    /// Make a function from `consts[code]`; flags: 1 defaults tuple, 2 keyword defaults dict,
    /// 4 closure tuple of cells.
    MakeFunction(u32, u8),
    /// Push cell `i` itself (to build a closure).
    LoadClosure(u32),
    /// Return TOS.
    Return,
    /// Yield TOS; the value sent in is pushed on resume.
    Yield,
    /// Push an exception handler at the target (try/except, try/finally, with).
    SetupExcept(u32),
    /// Pop the innermost handler.
    PopBlock,
    /// Leave an except clause: drop the handled exception.
    PopExcept,
    /// `raise` with 0 (re-raise), 1 (exception) or 2 (exception from cause) operands.
    Raise(u8),
    /// Does the exception TOS1 match the class (or tuple) TOS? Pops the class, pushes a bool.
    CheckExcMatch,
    /// Pop a context manager; push its `__exit__` and the result of its `__enter__()`.
    BeforeWith,
    /// Pop `__exit__` and call it with three `None`s.
    CallExitNone,
    /// With `__exit__` at TOS1 and the exception at TOS, push whether `__exit__` suppressed it.
    WithExcept,
    /// Build a class: TOS is the body function, below it the bases tuple and the name.
    BuildClass,
    /// Push the module `names[i]` (imported on first use).
    Import(u32),
    /// Push attribute `names[i]` of the module at TOS (keeping the module).
    ImportFrom(u32),
    /// `super()` in a method: push the super object for the method's class and first argument.
    LoadSuper,
    /// `assert` failed: raise AssertionError with TOS as the message if the flag is set.
    AssertFail(bool),
    /// Do nothing (a patched jump target).
    Nop,
    /// `await`: replace TOS by the iterator that awaiting it drives (TypeError if none).
    GetAwaitable,
    /// Delegate to the iterator TOS1, sending TOS: yield what it yields (re-running this
    /// instruction on resume); when it returns, replace both by its return value.
    YieldFrom,
    /// `async with`: pop the manager; push its `__aexit__` and the result of `__aenter__()`.
    BeforeAsyncWith,
    /// Pop `__aexit__` and push the result of calling it with three `None`s (to be awaited).
    CallAsyncExitNone,
    /// With `__aexit__` at TOS1 and the exception at TOS, push what `__aexit__` returns.
    AsyncWithExcept,
    /// `async for`: replace TOS by `TOS.__aiter__()`.
    GetAIter,
    /// End of `async for`: the exception TOS (the async iterator below it) is
    /// StopAsyncIteration: drop both and leave the handler, else re-raise it.
    EndAsyncFor,
    /// `except*`: replace the exception TOS by the state of its split among the clauses.
    ExcStarBegin,
    /// `except*` clause: with the state at TOS1 and the clause's type at TOS, push the part
    /// of the remaining group that matches (None if nothing does).
    ExcStarMatch,
    /// An `except*` clause raised TOS: record it in the state below it and leave its handler.
    ExcStarRaised,
    /// End of the `except*` clauses: pop the state; raise what is left unhandled or raised.
    ExcStarEnd,
    /// `yield` in an asynchronous generator: mark TOS as a value it produces (not a future
    /// passed up to the event loop by an `await`).
    AsyncGenWrap,
    /// `with`: like `SetupExcept`, the handler's stack level leaving out the entered value
    /// on top (it is stored or dropped before the body runs).
    SetupWith(u32),
}

impl Op {
    /// The instruction a fused one replaced (itself for the others).
    pub fn unfused(self) -> Op {
        match self {
            Op::FastIntArith(l, ..)
            | Op::FastIntCompare(l, ..)
            | Op::FastFastArith(l, ..)
            | Op::FastFast(l, _) => Op::LoadFast(u32::from(l)),
            op => op,
        }
    }
}

/// Fuse the common instruction sequences that start with `LoadFast` (see `Op::FastFast`
/// and the three before it): fewer dispatches, and no push and pop of what the sequence
/// consumes at once. The sequences' other instructions and the jump targets are left as
/// they are.
pub fn quicken(code: &mut Code) {
    let ops = &code.ops;
    let int_const = |op: Option<&Op>| match op {
        Some(&Op::LoadConst(c)) => match code.consts.get(c as usize) {
            Some(&Const::Int(k)) => i32::try_from(k).ok(),
            _ => None,
        },
        _ => None,
    };
    let fused: Vec<Option<Op>> = (0..ops.len())
        .map(|at| {
            let Op::LoadFast(l) = ops[at] else {
                return None;
            };
            let l = u16::try_from(l).ok()?;
            if let Some(k) = int_const(ops.get(at + 1)) {
                match ops.get(at + 2) {
                    Some(&(Op::Binary(b) | Op::Inplace(b))) => {
                        return Some(Op::FastIntArith(l, b, k));
                    }
                    Some(&Op::Compare(c)) => return Some(Op::FastIntCompare(l, c, k)),
                    _ => {}
                }
            }
            let Some(&Op::LoadFast(b)) = ops.get(at + 1) else {
                return None;
            };
            let b = u16::try_from(b).ok()?;
            match ops.get(at + 2) {
                Some(&(Op::Binary(op) | Op::Inplace(op))) => Some(Op::FastFastArith(l, b, op)),
                _ => Some(Op::FastFast(l, b)),
            }
        })
        .collect();
    for (op, f) in code.ops.iter_mut().zip(fused) {
        if let Some(f) = f {
            *op = f;
        }
    }
}

/// A constant of a code object.
#[derive(Clone, Debug)]
pub enum Const {
    /// `None`
    None,
    /// `True`/`False`
    Bool(bool),
    /// A small int.
    Int(i64),
    /// A big int, in decimal.
    BigInt(Arc<str>),
    /// A float.
    Float(f64),
    /// A string.
    Str(Arc<str>),
    /// A tuple of strings (keyword names).
    Names(Arc<[Arc<str>]>),
    /// A nested code object.
    Code(Arc<Code>),
    /// `...`
    Ellipsis,
}

/// What kind of scope a code object runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// The module's top level.
    Module,
    /// A function or lambda.
    Function,
    /// A class body.
    Class,
}

/// A compiled function, class body or module.
#[derive(Debug)]
pub struct Code {
    /// The function's name (`<module>`, `<lambda>`, `<listcomp>` ...).
    pub name: Arc<str>,
    /// The dotted name shown by `repr` (`A.f`, `f.<locals>.g`).
    pub qualname: Arc<str>,
    /// The file the code comes from.
    pub filename: Arc<str>,
    /// What the code runs.
    pub kind: CodeKind,
    /// The instructions.
    pub ops: Vec<Op>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    /// Constants.
    pub consts: Vec<Const>,
    /// Global, attribute and module names.
    pub names: Vec<Arc<str>>,
    /// Local slots: positional parameters, keyword-only parameters, `*args`, `**kwargs`, others.
    pub varnames: Vec<Arc<str>>,
    /// Variables of this scope captured by inner functions.
    pub cellvars: Vec<Arc<str>>,
    /// Variables captured from enclosing functions.
    pub freevars: Vec<Arc<str>>,
    /// Parameters that are also cells: (cell index, local slot), copied at entry.
    pub cell_params: Vec<(u32, u32)>,
    /// Number of positional parameters (including positional-only).
    pub argcount: u32,
    /// Number of positional-only parameters.
    pub posonlycount: u32,
    /// Number of keyword-only parameters.
    pub kwonlycount: u32,
    /// Has a `*args` parameter.
    pub varargs: bool,
    /// Has a `**kwargs` parameter.
    pub varkw: bool,
    /// Contains `yield`: calling it makes a generator.
    pub generator: bool,
    /// An `async def`: calling it makes a coroutine (`generator` is set too).
    pub coroutine: bool,
    /// An `async def` with `yield`: calling it makes an asynchronous generator.
    pub async_generator: bool,
    /// The line of the `def`.
    pub firstline: u32,
}
