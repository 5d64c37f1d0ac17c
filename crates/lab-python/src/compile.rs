//! The compiler: AST to bytecode, one code object per function, class body and comprehension,
//! with a source line for every instruction (for tracebacks).

use crate::bytecode::{BinOp, CmpOp, Code, CodeKind, Const, Op, UnOp};
use crate::symtable::{Place, SymTable, Unsupported};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A compile error: a construct outside the lab's subset, or a syntax error that only
/// compiling finds (`'return' outside function`), with its line.
#[derive(Debug)]
pub struct CompileError {
    /// The construct, as the message names it (or the whole message of a syntax error).
    pub construct: String,
    /// The 1-based line.
    pub line: u32,
    /// A syntax error (CPython rejects it too), not a limit of the lab's Python.
    pub syntax: bool,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.syntax {
            return write!(f, "{}", self.construct);
        }
        write!(
            f,
            "the lab's Python does not support {} (line {})",
            self.construct, self.line
        )
    }
}

type CResult<T> = Result<T, CompileError>;

/// What `break`, `continue` and `return` must unwind on their way out.
enum FBlock<'a> {
    /// A `for` loop (its iterator is on the stack) or `while` loop.
    Loop {
        is_for: bool,
        continue_to: u32,
        breaks: Vec<usize>,
    },
    /// A `try` body with a handler block pushed.
    Try,
    /// A `finally` body to run on the way out.
    Finally(&'a [Stmt]),
    /// A `with` body: its `__exit__` is on the stack.
    With,
    /// An `async with` body: its `__aexit__` is on the stack.
    AsyncWith,
    /// An `except` clause (the exception is on the block stack).
    Handler,
    /// An `except*` clause: nothing may jump out of it.
    StarHandler,
}

struct Unit<'a> {
    scope: usize,
    code: Code,
    names: HashMap<Arc<str>, u32>,
    line: u32,
    fblocks: Vec<FBlock<'a>>,
}

/// Compiles one module.
pub struct Compiler<'a> {
    table: SymTable,
    units: Vec<Unit<'a>>,
    line_starts: Vec<u32>,
    filename: Arc<str>,
    /// The function about to be compiled is an `async def`.
    next_async: bool,
    /// One shared string per name in the whole module: a function finds the module's
    /// globals by pointer (the global cache's check) instead of comparing the text.
    interned: HashSet<Arc<str>>,
}

/// Compile a parsed module.
///
/// # Errors
/// A construct outside the subset.
pub fn compile_module(body: &[Stmt], source: &str, filename: &str) -> CResult<Arc<Code>> {
    let mut line_starts = vec![0u32];
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            line_starts.push(i as u32 + 1);
        }
    }
    let to_line = |off: u32, starts: &[u32]| match starts.binary_search(&off) {
        Ok(i) => i as u32 + 1,
        Err(i) => i as u32,
    };
    let table = SymTable::build(body).map_err(
        |Unsupported {
             construct,
             offset,
             syntax,
         }| CompileError {
            construct,
            line: to_line(offset, &line_starts),
            syntax,
        },
    )?;
    let mut c = Compiler {
        table,
        units: Vec::new(),
        line_starts,
        filename: Arc::from(filename),
        next_async: false,
        interned: HashSet::new(),
    };
    c.push_unit(0, "<module>", "<module>", CodeKind::Module, 1);
    for s in body {
        c.stmt(s)?;
    }
    c.load_const(Const::None);
    c.emit(Op::Return);
    Ok(Arc::new(c.pop_unit()))
}

fn cmp_op(op: &ast::CmpOp) -> Option<Op> {
    Some(match op {
        ast::CmpOp::Eq => Op::Compare(CmpOp::Eq),
        ast::CmpOp::NotEq => Op::Compare(CmpOp::Ne),
        ast::CmpOp::Lt => Op::Compare(CmpOp::Lt),
        ast::CmpOp::LtE => Op::Compare(CmpOp::Le),
        ast::CmpOp::Gt => Op::Compare(CmpOp::Gt),
        ast::CmpOp::GtE => Op::Compare(CmpOp::Ge),
        ast::CmpOp::Is => Op::Is(false),
        ast::CmpOp::IsNot => Op::Is(true),
        ast::CmpOp::In => Op::In(false),
        ast::CmpOp::NotIn => Op::In(true),
    })
}

fn bin_op(op: ast::Operator) -> Option<BinOp> {
    Some(match op {
        ast::Operator::Add => BinOp::Add,
        ast::Operator::Sub => BinOp::Sub,
        ast::Operator::Mult => BinOp::Mul,
        ast::Operator::Div => BinOp::Div,
        ast::Operator::FloorDiv => BinOp::FloorDiv,
        ast::Operator::Mod => BinOp::Mod,
        ast::Operator::Pow => BinOp::Pow,
        ast::Operator::LShift => BinOp::LShift,
        ast::Operator::RShift => BinOp::RShift,
        ast::Operator::BitOr => BinOp::Or,
        ast::Operator::BitXor => BinOp::Xor,
        ast::Operator::BitAnd => BinOp::And,
        ast::Operator::MatMult => return None,
    })
}

impl<'a> Compiler<'a> {
    fn line_of(&self, off: u32) -> u32 {
        match self.line_starts.binary_search(&off) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    fn unsupported<T>(&self, what: &str, node: &impl Ranged) -> CResult<T> {
        Err(CompileError {
            construct: what.to_string(),
            line: self.line_of(node.start().to_u32()),
            syntax: false,
        })
    }

    fn syntax_error<T>(&self, msg: &str, node: &impl Ranged) -> CResult<T> {
        Err(CompileError {
            construct: msg.to_string(),
            line: self.line_of(node.start().to_u32()),
            syntax: true,
        })
    }

    fn push_unit(&mut self, scope: usize, name: &str, qualname: &str, kind: CodeKind, line: u32) {
        let s = &self.table.scopes[scope];
        let arc = |v: &[String]| {
            v.iter()
                .map(|x| Arc::from(x.as_str()))
                .collect::<Vec<Arc<str>>>()
        };
        let cellvars = arc(&s.cells.iter().cloned().collect::<Vec<_>>());
        let cell_params = s
            .cells
            .iter()
            .enumerate()
            .filter_map(|(ci, n)| {
                s.params
                    .iter()
                    .position(|p| p == n)
                    .map(|pi| (ci as u32, pi as u32))
            })
            .collect();
        let code = Code {
            name: Arc::from(name),
            qualname: Arc::from(qualname),
            filename: self.filename.clone(),
            kind,
            ops: Vec::new(),
            lines: Vec::new(),
            consts: Vec::new(),
            names: Vec::new(),
            varnames: arc(&s.varnames),
            cellvars,
            freevars: arc(&s.frees.iter().cloned().collect::<Vec<_>>()),
            cell_params,
            argcount: 0,
            posonlycount: 0,
            kwonlycount: 0,
            varargs: false,
            varkw: false,
            generator: s.generator,
            coroutine: false,
            async_generator: false,
            firstline: line,
        };
        self.units.push(Unit {
            scope,
            code,
            names: HashMap::new(),
            line,
            fblocks: Vec::new(),
        });
    }

    fn pop_unit(&mut self) -> Code {
        let mut code = self.units.pop().map(|u| u.code).expect("unit stack");
        crate::bytecode::quicken(&mut code);
        code
    }

    fn unit(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("unit stack")
    }

    fn emit(&mut self, op: Op) -> usize {
        let u = self.unit();
        u.code.ops.push(op);
        u.code.lines.push(u.line);
        u.code.ops.len() - 1
    }

    fn here(&mut self) -> u32 {
        self.unit().code.ops.len() as u32
    }

    fn patch(&mut self, at: usize) {
        let target = self.here();
        let op = &mut self.unit().code.ops[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::PopJumpIfFalse(_) => Op::PopJumpIfFalse(target),
            Op::PopJumpIfTrue(_) => Op::PopJumpIfTrue(target),
            Op::JumpIfFalseOrPop(_) => Op::JumpIfFalseOrPop(target),
            Op::JumpIfTrueOrPop(_) => Op::JumpIfTrueOrPop(target),
            Op::ForIter(_) => Op::ForIter(target),
            Op::SetupExcept(_) => Op::SetupExcept(target),
            Op::SetupWith(_) => Op::SetupWith(target),
            other => other,
        };
    }

    fn add_const(&mut self, c: Const) -> u32 {
        let u = self.unit();
        u.code.consts.push(c);
        (u.code.consts.len() - 1) as u32
    }

    fn load_const(&mut self, c: Const) {
        let i = self.add_const(c);
        self.emit(Op::LoadConst(i));
    }

    fn name_index(&mut self, name: &str) -> u32 {
        if let Some(i) = self.unit().names.get(name) {
            return *i;
        }
        let a: Arc<str> = match self.interned.get(name) {
            Some(k) => k.clone(),
            None => {
                let a: Arc<str> = Arc::from(name);
                self.interned.insert(a.clone());
                a
            }
        };
        let u = self.unit();
        u.code.names.push(a.clone());
        let i = (u.code.names.len() - 1) as u32;
        u.names.insert(a, i);
        i
    }

    fn set_line(&mut self, node: &impl Ranged) {
        let l = self.line_of(node.start().to_u32());
        self.unit().line = l;
    }

    fn place(&mut self, name: &str) -> Place {
        let scope = self.unit().scope;
        self.table.scopes[scope].place(name)
    }

    fn load_name(&mut self, name: &str) {
        match self.place(name) {
            Place::Local(i) => self.emit(Op::LoadFast(i)),
            Place::Deref(i) => self.emit(Op::LoadDeref(i)),
            Place::Global => {
                let i = self.name_index(name);
                self.emit(Op::LoadGlobal(i))
            }
            Place::Name => {
                let i = self.name_index(name);
                self.emit(Op::LoadName(i))
            }
        };
    }

    fn store_name(&mut self, name: &str) {
        match self.place(name) {
            Place::Local(i) => self.emit(Op::StoreFast(i)),
            Place::Deref(i) => self.emit(Op::StoreDeref(i)),
            Place::Global => {
                let i = self.name_index(name);
                self.emit(Op::StoreGlobal(i))
            }
            Place::Name => {
                let i = self.name_index(name);
                self.emit(Op::StoreName(i))
            }
        };
    }

    fn delete_name(&mut self, name: &str) {
        match self.place(name) {
            Place::Local(i) => {
                self.emit(Op::DeleteFast(i));
            }
            _ => {
                let i = self.name_index(name);
                self.emit(Op::DeleteGlobal(i));
            }
        }
    }

    fn body(&mut self, body: &'a [Stmt]) -> CResult<()> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_lines)]
    fn stmt(&mut self, s: &'a Stmt) -> CResult<()> {
        self.set_line(s);
        match s {
            Stmt::Expr(e) => {
                self.expr(&e.value)?;
                self.emit(Op::Pop);
            }
            Stmt::Pass(_) => {}
            Stmt::Assign(a) => {
                self.expr(&a.value)?;
                for (i, t) in a.targets.iter().enumerate() {
                    if i + 1 < a.targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store(t)?;
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.expr(v)?;
                    self.store(&a.target)?;
                }
            }
            Stmt::AugAssign(a) => {
                let Some(op) = bin_op(a.op) else {
                    return self.unsupported("the `@` operator", s);
                };
                match &*a.target {
                    Expr::Name(n) => {
                        self.load_name(&n.id);
                        self.expr(&a.value)?;
                        self.emit(Op::Inplace(op));
                        self.store_name(&n.id);
                    }
                    Expr::Attribute(at) => {
                        self.expr(&at.value)?;
                        self.emit(Op::Dup);
                        let i = self.name_index(&at.attr);
                        self.emit(Op::LoadAttr(i));
                        self.expr(&a.value)?;
                        self.emit(Op::Inplace(op));
                        self.emit(Op::Rot2);
                        self.emit(Op::StoreAttr(i));
                    }
                    Expr::Subscript(sub) => {
                        self.expr(&sub.value)?;
                        self.expr(&sub.slice)?;
                        self.emit(Op::Dup2);
                        self.emit(Op::Subscr);
                        self.expr(&a.value)?;
                        self.emit(Op::Inplace(op));
                        self.emit(Op::Rot3);
                        self.emit(Op::StoreSubscr);
                    }
                    _ => return self.unsupported("this augmented assignment target", s),
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    match t {
                        Expr::Name(n) => self.delete_name(&n.id),
                        Expr::Subscript(sub) => {
                            self.expr(&sub.value)?;
                            self.expr(&sub.slice)?;
                            self.emit(Op::DeleteSubscr);
                        }
                        Expr::Attribute(at) => {
                            self.expr(&at.value)?;
                            let i = self.name_index(&at.attr);
                            self.emit(Op::DeleteAttr(i));
                        }
                        _ => return self.unsupported("this `del` target", t),
                    }
                }
            }
            Stmt::If(i) => {
                self.expr(&i.test)?;
                let mut pending = Some(self.emit(Op::PopJumpIfFalse(0)));
                self.body(&i.body)?;
                let mut ends = Vec::new();
                for clause in &i.elif_else_clauses {
                    ends.push(self.emit(Op::Jump(0)));
                    if let Some(p) = pending.take() {
                        self.patch(p);
                    }
                    self.set_line(clause);
                    if let Some(t) = &clause.test {
                        self.expr(t)?;
                        pending = Some(self.emit(Op::PopJumpIfFalse(0)));
                    }
                    self.body(&clause.body)?;
                }
                if let Some(p) = pending {
                    self.patch(p);
                }
                for e in ends {
                    self.patch(e);
                }
            }
            Stmt::While(w) => {
                let top = self.here();
                self.expr(&w.test)?;
                let exit = self.emit(Op::PopJumpIfFalse(0));
                self.unit().fblocks.push(FBlock::Loop {
                    is_for: false,
                    continue_to: top,
                    breaks: Vec::new(),
                });
                self.body(&w.body)?;
                self.emit(Op::Jump(top));
                let Some(FBlock::Loop { breaks, .. }) = self.unit().fblocks.pop() else {
                    unreachable!()
                };
                self.patch(exit);
                self.body(&w.orelse)?;
                for b in breaks {
                    self.patch(b);
                }
            }
            Stmt::For(f) => {
                if f.is_async {
                    return self.async_for(f);
                }
                self.expr(&f.iter)?;
                self.emit(Op::GetIter);
                let top = self.here();
                let next = self.emit(Op::ForIter(0));
                self.store(&f.target)?;
                self.unit().fblocks.push(FBlock::Loop {
                    is_for: true,
                    continue_to: top,
                    breaks: Vec::new(),
                });
                self.body(&f.body)?;
                self.emit(Op::Jump(top));
                let Some(FBlock::Loop { breaks, .. }) = self.unit().fblocks.pop() else {
                    unreachable!()
                };
                self.patch(next);
                self.body(&f.orelse)?;
                for b in breaks {
                    self.patch(b);
                }
            }
            Stmt::Break(_) => self.jump_out(true, s)?,
            Stmt::Continue(_) => self.jump_out(false, s)?,
            Stmt::Return(r) => {
                if self.unit().code.kind != CodeKind::Function {
                    return self.syntax_error("'return' outside function", s);
                }
                if r.value.is_some() && self.unit().code.async_generator {
                    return self.syntax_error("'return' with value in async generator", s);
                }
                match &r.value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Const::None),
                }
                self.unwind_all(true)?;
                self.emit(Op::Return);
            }
            Stmt::FunctionDef(f) => {
                if f.type_params.is_some() {
                    return self.unsupported("type parameters", s);
                }
                for d in &f.decorator_list {
                    self.expr(&d.expression)?;
                }
                self.next_async = f.is_async;
                self.function(f, &f.name, &f.parameters, FnBody::Stmts(&f.body))?;
                for _ in &f.decorator_list {
                    self.emit(Op::Call(1));
                }
                self.store_name(&f.name);
            }
            Stmt::ClassDef(c) => self.class(c)?,
            Stmt::Global(_) | Stmt::Nonlocal(_) => {}
            Stmt::Raise(r) => match (&r.exc, &r.cause) {
                (None, _) => {
                    self.emit(Op::Raise(0));
                }
                (Some(e), None) => {
                    self.expr(e)?;
                    self.emit(Op::Raise(1));
                }
                (Some(e), Some(c)) => {
                    self.expr(e)?;
                    self.expr(c)?;
                    self.emit(Op::Raise(2));
                }
            },
            Stmt::Try(t) => {
                if t.finalbody.is_empty() {
                    self.try_except(t)?;
                } else {
                    self.try_finally(t)?;
                }
            }
            Stmt::With(w) => {
                if w.is_async {
                    return self.async_with(&w.items, &w.body);
                }
                self.with(&w.items, &w.body)?;
            }
            Stmt::Assert(a) => {
                self.expr(&a.test)?;
                let j = self.emit(Op::PopJumpIfTrue(0));
                if let Some(m) = &a.msg {
                    self.expr(m)?;
                }
                self.emit(Op::AssertFail(a.msg.is_some()));
                self.patch(j);
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let idx = self.name_index(&a.name);
                    self.emit(Op::Import(idx));
                    match &a.asname {
                        Some(n) => self.store_name(n),
                        None => match a.name.split_once('.') {
                            // `import a.b` loads a.b and binds `a` (which then has `b`).
                            Some((top, _)) => {
                                self.emit(Op::Pop);
                                let t = self.name_index(top);
                                self.emit(Op::Import(t));
                                self.store_name(top);
                            }
                            None => self.store_name(&a.name),
                        },
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                if i.level > 0 {
                    return self.unsupported("relative imports", s);
                }
                let module = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                let idx = self.name_index(&module);
                self.emit(Op::Import(idx));
                for a in &i.names {
                    if &*a.name == "*" {
                        return self.unsupported("`from ... import *`", s);
                    }
                    let n = self.name_index(&a.name);
                    self.emit(Op::ImportFrom(n));
                    self.store_name(a.asname.as_ref().unwrap_or(&a.name));
                }
                self.emit(Op::Pop);
            }
            Stmt::Match(_) => return self.unsupported("`match`", s),
            Stmt::TypeAlias(_) => return self.unsupported("`type` aliases", s),
            Stmt::IpyEscapeCommand(_) => return self.unsupported("IPython escapes", s),
        }
        Ok(())
    }

    /// `break` (true) or `continue`: unwind to the innermost loop.
    fn jump_out(&mut self, is_break: bool, s: &'a Stmt) -> CResult<()> {
        let n = self.unit().fblocks.len();
        let Some(pos) = self
            .unit()
            .fblocks
            .iter()
            .rposition(|b| matches!(b, FBlock::Loop { .. }))
        else {
            return self.syntax_error(
                if is_break {
                    "'break' outside loop"
                } else {
                    "'continue' not properly in loop"
                },
                s,
            );
        };
        // Unwind the blocks inside the loop, innermost first.
        let inner: Vec<usize> = (pos + 1..n).rev().collect();
        for i in inner {
            self.unwind_one(i, false)?;
        }
        if is_break {
            if let FBlock::Loop { is_for: true, .. } = self.unit().fblocks[pos] {
                self.emit(Op::Pop);
            }
            let j = self.emit(Op::Jump(0));
            if let FBlock::Loop { breaks, .. } = &mut self.unit().fblocks[pos] {
                breaks.push(j);
            }
        } else {
            let FBlock::Loop { continue_to, .. } = self.unit().fblocks[pos] else {
                unreachable!()
            };
            self.emit(Op::Jump(continue_to));
        }
        Ok(())
    }

    /// Before `return`: unwind every block (the return value is on the stack top).
    fn unwind_all(&mut self, value_on_top: bool) -> CResult<()> {
        let n = self.unit().fblocks.len();
        for i in (0..n).rev() {
            if let FBlock::Loop { is_for: true, .. } = self.unit().fblocks[i] {
                self.emit(Op::Rot2);
                self.emit(Op::Pop);
                continue;
            }
            self.unwind_one(i, value_on_top)?;
        }
        Ok(())
    }

    fn unwind_one(&mut self, i: usize, value_on_top: bool) -> CResult<()> {
        match &self.unit().fblocks[i] {
            FBlock::Loop { .. } => {}
            FBlock::StarHandler => {
                return Err(CompileError {
                    construct: "'break', 'continue' and 'return' cannot appear in an except* block"
                        .to_string(),
                    line: self.unit().line,
                    syntax: true,
                });
            }
            FBlock::Try => {
                self.emit(Op::PopBlock);
            }
            FBlock::Handler => {
                self.emit(Op::PopExcept);
            }
            FBlock::With => {
                self.emit(Op::PopBlock);
                if value_on_top {
                    self.emit(Op::Rot2);
                }
                self.emit(Op::CallExitNone);
            }
            FBlock::AsyncWith => {
                self.emit(Op::PopBlock);
                if value_on_top {
                    self.emit(Op::Rot2);
                }
                self.emit(Op::CallAsyncExitNone);
                self.await_top();
                self.emit(Op::Pop);
            }
            FBlock::Finally(body) => {
                let body: &'a [Stmt] = body;
                self.emit(Op::PopBlock);
                // Run the finally body with the blocks outside it only.
                let saved: Vec<FBlock<'a>> = self.unit().fblocks.drain(i..).collect();
                self.body(body)?;
                self.unit().fblocks.extend(saved);
            }
        }
        Ok(())
    }

    fn try_except(&mut self, t: &'a ast::StmtTry) -> CResult<()> {
        if t.is_star {
            return self.try_except_star(t);
        }
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::Try);
        self.body(&t.body)?;
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.body(&t.orelse)?;
        let mut ends = vec![self.emit(Op::Jump(0))];
        self.patch(setup);
        for h in &t.handlers {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            self.set_line(h);
            let next = match &h.type_ {
                Some(ty) => {
                    self.expr(ty)?;
                    self.emit(Op::CheckExcMatch);
                    Some(self.emit(Op::PopJumpIfFalse(0)))
                }
                None => None,
            };
            match &h.name {
                Some(n) => self.store_name(n),
                None => {
                    self.emit(Op::Pop);
                }
            }
            self.unit().fblocks.push(FBlock::Handler);
            self.body(&h.body)?;
            self.unit().fblocks.pop();
            self.emit(Op::PopExcept);
            if let Some(n) = &h.name {
                // Python deletes the name after the clause.
                self.load_const(Const::None);
                self.store_name(n);
                self.delete_name(n);
            }
            ends.push(self.emit(Op::Jump(0)));
            if let Some(j) = next {
                self.patch(j);
            }
        }
        self.emit(Op::Raise(0));
        for e in ends {
            self.patch(e);
        }
        Ok(())
    }

    /// `try` with `except*` clauses: each clause takes the part of the exception group its
    /// type matches; what no clause takes, and what the clauses raise, is raised at the end.
    fn try_except_star(&mut self, t: &'a ast::StmtTry) -> CResult<()> {
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::Try);
        self.body(&t.body)?;
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.body(&t.orelse)?;
        let end = self.emit(Op::Jump(0));
        self.patch(setup);
        // The exception becomes the state of the split: [state].
        self.emit(Op::ExcStarBegin);
        self.unit().fblocks.push(FBlock::Handler);
        for h in &t.handlers {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            self.set_line(h);
            let Some(ty) = &h.type_ else {
                return self.syntax_error("expected one or more exception types", h);
            };
            self.emit(Op::Dup);
            self.expr(ty)?;
            // [state, match-or-None]
            self.emit(Op::ExcStarMatch);
            self.emit(Op::Dup);
            self.load_const(Const::None);
            self.emit(Op::Is(true));
            let no_match = self.emit(Op::PopJumpIfFalse(0));
            match &h.name {
                Some(n) => self.store_name(n),
                None => {
                    self.emit(Op::Pop);
                }
            }
            let fail = self.emit(Op::SetupExcept(0));
            self.unit().fblocks.push(FBlock::StarHandler);
            self.body(&h.body)?;
            self.unit().fblocks.pop();
            self.emit(Op::PopBlock);
            let done = self.emit(Op::Jump(0));
            self.patch(fail);
            // Raised in the clause: [state, exc]; recorded for the end.
            self.emit(Op::ExcStarRaised);
            let after_fail = self.emit(Op::Jump(0));
            self.patch(no_match);
            self.emit(Op::Pop);
            self.patch(done);
            self.patch(after_fail);
            if let Some(n) = &h.name {
                self.load_const(Const::None);
                self.store_name(n);
                self.delete_name(n);
            }
        }
        self.unit().fblocks.pop();
        self.emit(Op::ExcStarEnd);
        self.emit(Op::PopExcept);
        self.patch(end);
        Ok(())
    }

    fn try_finally(&mut self, t: &'a ast::StmtTry) -> CResult<()> {
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::Finally(&t.finalbody));
        if t.handlers.is_empty() {
            self.body(&t.body)?;
            self.body(&t.orelse)?;
        } else {
            self.try_except(t)?;
        }
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.body(&t.finalbody)?;
        let end = self.emit(Op::Jump(0));
        self.patch(setup);
        // The exception path: run the body, then re-raise.
        self.unit().fblocks.push(FBlock::Handler);
        self.body(&t.finalbody)?;
        self.unit().fblocks.pop();
        self.emit(Op::Raise(0));
        self.patch(end);
        Ok(())
    }

    fn with(&mut self, items: &'a [ast::WithItem], body: &'a [Stmt]) -> CResult<()> {
        let Some((first, rest)) = items.split_first() else {
            return self.body(body);
        };
        self.expr(&first.context_expr)?;
        self.emit(Op::BeforeWith);
        // The handler's stack level holds `__exit__` but not the entered value, or a
        // temporary of the body would be taken for `__exit__`.
        let setup = self.emit(Op::SetupWith(0));
        match &first.optional_vars {
            Some(t) => self.store(t)?,
            None => {
                self.emit(Op::Pop);
            }
        }
        self.unit().fblocks.push(FBlock::With);
        self.with(rest, body)?;
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.emit(Op::CallExitNone);
        let end = self.emit(Op::Jump(0));
        self.patch(setup);
        self.emit(Op::WithExcept);
        let supp = self.emit(Op::PopJumpIfTrue(0));
        self.emit(Op::Raise(0));
        self.patch(supp);
        self.emit(Op::Pop);
        self.emit(Op::PopExcept);
        self.emit(Op::Pop);
        self.patch(end);
        Ok(())
    }

    /// Is the code being compiled an `async def` (a coroutine or an asynchronous generator)?
    fn in_async(&mut self) -> bool {
        let c = &self.unit().code;
        c.coroutine || c.async_generator
    }

    /// Await the value on the stack top: it is replaced by the awaited result.
    fn await_top(&mut self) {
        self.emit(Op::GetAwaitable);
        self.load_const(Const::None);
        self.emit(Op::YieldFrom);
    }

    /// `async for`: await `__anext__()` until it raises StopAsyncIteration.
    fn async_for(&mut self, f: &'a ast::StmtFor) -> CResult<()> {
        if !self.in_async() {
            return self.syntax_error("'async for' outside async function", f);
        }
        self.expr(&f.iter)?;
        self.emit(Op::GetAIter);
        let top = self.here();
        let setup = self.emit(Op::SetupExcept(0));
        self.emit(Op::Dup);
        let anext = self.name_index("__anext__");
        self.emit(Op::CallMethod(anext, 0));
        self.await_top();
        self.emit(Op::PopBlock);
        self.store(&f.target)?;
        self.unit().fblocks.push(FBlock::Loop {
            is_for: true,
            continue_to: top,
            breaks: Vec::new(),
        });
        self.body(&f.body)?;
        self.emit(Op::Jump(top));
        let Some(FBlock::Loop { breaks, .. }) = self.unit().fblocks.pop() else {
            unreachable!()
        };
        self.patch(setup);
        self.emit(Op::EndAsyncFor);
        self.body(&f.orelse)?;
        for b in breaks {
            self.patch(b);
        }
        Ok(())
    }

    /// `async with`: like `with`, awaiting `__aenter__()` and `__aexit__(...)`.
    fn async_with(&mut self, items: &'a [ast::WithItem], body: &'a [Stmt]) -> CResult<()> {
        let Some((first, rest)) = items.split_first() else {
            return self.body(body);
        };
        if !self.in_async() {
            return self.syntax_error("'async with' outside async function", &first.context_expr);
        }
        let with_line = self.line_of(first.context_expr.start().to_u32());
        self.expr(&first.context_expr)?;
        self.emit(Op::BeforeAsyncWith);
        self.await_top();
        let setup = self.emit(Op::SetupWith(0));
        match &first.optional_vars {
            Some(t) => self.store(t)?,
            None => {
                self.emit(Op::Pop);
            }
        }
        self.unit().fblocks.push(FBlock::AsyncWith);
        if rest.is_empty() {
            self.body(body)?;
        } else {
            self.async_with(rest, body)?;
        }
        self.unit().fblocks.pop();
        // `__aexit__` runs on the line of the `async with`, as in CPython's tracebacks.
        self.unit().line = with_line;
        self.emit(Op::PopBlock);
        self.emit(Op::CallAsyncExitNone);
        self.await_top();
        self.emit(Op::Pop);
        let end = self.emit(Op::Jump(0));
        self.patch(setup);
        self.emit(Op::AsyncWithExcept);
        self.await_top();
        let supp = self.emit(Op::PopJumpIfTrue(0));
        self.emit(Op::Raise(0));
        self.patch(supp);
        self.emit(Op::Pop);
        self.emit(Op::PopExcept);
        self.emit(Op::Pop);
        self.patch(end);
        Ok(())
    }

    fn class(&mut self, c: &'a ast::StmtClassDef) -> CResult<()> {
        if c.type_params.is_some() {
            return self.unsupported("type parameters", c);
        }
        for d in &c.decorator_list {
            self.expr(&d.expression)?;
        }
        self.load_const(Const::Str(Arc::from(c.name.as_str())));
        let mut nbases = 0;
        if let Some(args) = &c.arguments {
            if !args.keywords.is_empty() {
                return self.unsupported("class keywords (metaclasses)", c);
            }
            for b in args.args.iter() {
                self.expr(b)?;
                nbases += 1;
            }
        }
        self.emit(Op::BuildTuple(nbases));
        let scope = self.table.scope_of(c);
        let qual = self.qualname(&c.name);
        let line = self.line_of(c.start().to_u32());
        self.push_unit(scope, &c.name, &qual, CodeKind::Class, line);
        self.body(&c.body)?;
        self.load_const(Const::None);
        self.emit(Op::Return);
        let code = self.pop_unit();
        self.make_function(code, scope, 0)?;
        self.emit(Op::BuildClass);
        for _ in &c.decorator_list {
            self.emit(Op::Call(1));
        }
        self.store_name(&c.name);
        Ok(())
    }

    fn qualname(&self, name: &str) -> String {
        let parents: Vec<&Unit> = self.units.iter().skip(1).collect();
        match parents.last() {
            None => name.to_string(),
            Some(u) => {
                if u.code.kind == CodeKind::Class {
                    format!("{}.{name}", u.code.qualname)
                } else {
                    format!("{}.<locals>.{name}", u.code.qualname)
                }
            }
        }
    }

    /// Push the closure (if any) and make the function.
    fn make_function(&mut self, code: Code, scope: usize, mut flags: u8) -> CResult<()> {
        let frees: Vec<String> = self.table.scopes[scope].frees.iter().cloned().collect();
        if !frees.is_empty() {
            for f in &frees {
                match self.place(f) {
                    Place::Deref(i) => {
                        self.emit(Op::LoadClosure(i));
                    }
                    _ => {
                        return Err(CompileError {
                            construct: format!("closure over `{f}`"),
                            line: code.firstline,
                            syntax: false,
                        });
                    }
                }
            }
            self.emit(Op::BuildTuple(frees.len() as u32));
            flags |= 4;
        }
        let c = self.add_const(Const::Code(Arc::new(code)));
        self.emit(Op::MakeFunction(c, flags));
        Ok(())
    }

    fn function(
        &mut self,
        node: &'a impl Ranged,
        name: &str,
        params: &'a ast::Parameters,
        body: FnBody<'a>,
    ) -> CResult<()> {
        let is_async = std::mem::take(&mut self.next_async);
        // Defaults are evaluated where the function is defined.
        let mut flags = 0;
        let positional: Vec<&ast::ParameterWithDefault> = params
            .posonlyargs
            .iter()
            .chain(params.args.iter())
            .collect();
        let ndefaults = positional.iter().filter(|p| p.default.is_some()).count();
        if ndefaults > 0 {
            for p in &positional {
                if let Some(d) = &p.default {
                    self.expr(d)?;
                }
            }
            self.emit(Op::BuildTuple(ndefaults as u32));
            flags |= 1;
        }
        let kwd: Vec<&ast::ParameterWithDefault> = params
            .kwonlyargs
            .iter()
            .filter(|p| p.default.is_some())
            .collect();
        if !kwd.is_empty() {
            for p in &kwd {
                self.load_const(Const::Str(Arc::from(p.parameter.name.as_str())));
                if let Some(d) = &p.default {
                    self.expr(d)?;
                }
            }
            self.emit(Op::BuildMap(kwd.len() as u32));
            flags |= 2;
        }
        let scope = match body {
            FnBody::Stmts(_) => self.table.scope_of(node),
            FnBody::Lambda(l, _) => self.table.scope_of(l),
        };
        let qual = self.qualname(name);
        let line = self.line_of(node.start().to_u32());
        self.push_unit(scope, name, &qual, CodeKind::Function, line);
        if is_async {
            let u = self.unit();
            if u.code.generator {
                // `yield` in `async def`: an asynchronous generator.
                u.code.async_generator = true;
            } else {
                u.code.coroutine = true;
                u.code.generator = true;
            }
        }
        {
            let u = self.unit();
            u.code.argcount = positional.len() as u32;
            u.code.posonlycount = params.posonlyargs.len() as u32;
            u.code.kwonlycount = params.kwonlyargs.len() as u32;
            u.code.varargs = params.vararg.is_some();
            u.code.varkw = params.kwarg.is_some();
        }
        match body {
            FnBody::Stmts(stmts) => {
                self.body(stmts)?;
                self.load_const(Const::None);
                self.emit(Op::Return);
            }
            FnBody::Lambda(_, e) => {
                self.expr(e)?;
                self.emit(Op::Return);
            }
        }
        let code = self.pop_unit();
        self.make_function(code, scope, flags)
    }

    fn store(&mut self, t: &'a Expr) -> CResult<()> {
        match t {
            Expr::Name(n) => self.store_name(&n.id),
            Expr::Attribute(a) => {
                self.expr(&a.value)?;
                let i = self.name_index(&a.attr);
                self.emit(Op::StoreAttr(i));
            }
            Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.expr(&s.slice)?;
                self.emit(Op::StoreSubscr);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let star = elts.iter().position(|e| matches!(e, Expr::Starred(_)));
                match star {
                    None => {
                        self.emit(Op::UnpackSequence(elts.len() as u32));
                    }
                    Some(p) => {
                        self.emit(Op::UnpackEx(p as u32, (elts.len() - p - 1) as u32));
                    }
                }
                for e in elts {
                    match e {
                        Expr::Starred(s) => self.store(&s.value)?,
                        other => self.store(other)?,
                    }
                }
            }
            _ => return self.unsupported("this assignment target", t),
        }
        Ok(())
    }

    fn call_args(&mut self, args: &'a ast::Arguments) -> CResult<()> {
        let has_star = args.args.iter().any(|a| matches!(a, Expr::Starred(_)))
            || args.keywords.iter().any(|k| k.arg.is_none());
        if !has_star {
            for a in args.args.iter() {
                self.expr(a)?;
            }
            if args.keywords.is_empty() {
                self.emit(Op::Call(args.args.len() as u32));
            } else {
                let mut names = Vec::new();
                for k in args.keywords.iter() {
                    self.expr(&k.value)?;
                    names.push(Arc::from(k.arg.as_ref().map(|a| a.as_str()).unwrap_or("")));
                }
                let c = self.add_const(Const::Names(names.into()));
                self.emit(Op::CallKw(
                    (args.args.len() + args.keywords.len()) as u32,
                    c,
                ));
            }
            return Ok(());
        }
        self.emit(Op::BuildList(0));
        for a in args.args.iter() {
            match a {
                Expr::Starred(s) => {
                    self.expr(&s.value)?;
                    self.emit(Op::ListExtend);
                }
                other => {
                    self.expr(other)?;
                    self.emit(Op::BuildTuple(1));
                    self.emit(Op::ListExtend);
                }
            }
        }
        self.emit(Op::ListToTuple);
        let has_kw = !args.keywords.is_empty();
        if has_kw {
            self.emit(Op::BuildMap(0));
            for k in args.keywords.iter() {
                match &k.arg {
                    None => {
                        self.expr(&k.value)?;
                        self.emit(Op::DictUpdate);
                    }
                    Some(name) => {
                        self.load_const(Const::Str(Arc::from(name.as_str())));
                        self.expr(&k.value)?;
                        self.emit(Op::BuildMap(1));
                        self.emit(Op::DictUpdate);
                    }
                }
            }
        }
        self.emit(Op::CallEx(has_kw));
        Ok(())
    }

    #[allow(clippy::too_many_lines)]
    fn expr(&mut self, e: &'a Expr) -> CResult<()> {
        match e {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => match i.as_i64() {
                    Some(v) => self.load_const(Const::Int(v)),
                    None => {
                        let text = i.to_string();
                        let v = crate::numlit::parse_int(&text, 0).unwrap_or_default();
                        self.load_const(Const::BigInt(Arc::from(v.to_string().as_str())));
                    }
                },
                ast::Number::Float(f) => self.load_const(Const::Float(*f)),
                ast::Number::Complex { .. } => return self.unsupported("complex numbers", e),
            },
            Expr::StringLiteral(s) => self.load_const(Const::Str(Arc::from(s.value.to_str()))),
            Expr::BytesLiteral(_) => return self.unsupported("bytes", e),
            Expr::BooleanLiteral(b) => self.load_const(Const::Bool(b.value)),
            Expr::NoneLiteral(_) => self.load_const(Const::None),
            Expr::EllipsisLiteral(_) => self.load_const(Const::Ellipsis),
            Expr::FString(f) => {
                let mut n = 0;
                for part in f.value.as_slice() {
                    match part {
                        ast::FStringPart::Literal(l) => {
                            self.load_const(Const::Str(Arc::from(&*l.value)));
                            n += 1;
                        }
                        ast::FStringPart::FString(fs) => {
                            n += self.fstring_elements(&fs.elements)?;
                        }
                    }
                }
                if n != 1 {
                    self.emit(Op::BuildString(n));
                }
            }
            Expr::TString(_) => return self.unsupported("template strings", e),
            Expr::Name(n) => {
                self.load_name(&n.id);
            }
            Expr::Attribute(a) => {
                self.expr(&a.value)?;
                let i = self.name_index(&a.attr);
                self.emit(Op::LoadAttr(i));
            }
            Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.expr(&s.slice)?;
                self.emit(Op::Subscr);
            }
            Expr::Slice(s) => {
                for part in [&s.lower, &s.upper, &s.step] {
                    match part {
                        Some(p) => self.expr(p)?,
                        None => self.load_const(Const::None),
                    }
                }
                self.emit(Op::BuildSlice(3));
            }
            Expr::BinOp(b) => {
                let Some(op) = bin_op(b.op) else {
                    return self.unsupported("the `@` operator", e);
                };
                self.expr(&b.left)?;
                self.expr(&b.right)?;
                self.emit(Op::Binary(op));
            }
            Expr::UnaryOp(u) => {
                self.expr(&u.operand)?;
                self.emit(Op::Unary(match u.op {
                    ast::UnaryOp::Not => UnOp::Not,
                    ast::UnaryOp::USub => UnOp::Neg,
                    ast::UnaryOp::UAdd => UnOp::Pos,
                    ast::UnaryOp::Invert => UnOp::Invert,
                }));
            }
            Expr::BoolOp(b) => {
                let mut jumps = Vec::new();
                for (i, v) in b.values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < b.values.len() {
                        jumps.push(self.emit(match b.op {
                            ast::BoolOp::And => Op::JumpIfFalseOrPop(0),
                            ast::BoolOp::Or => Op::JumpIfTrueOrPop(0),
                        }));
                    }
                }
                for j in jumps {
                    self.patch(j);
                }
            }
            Expr::Compare(c) => {
                self.expr(&c.left)?;
                if c.ops.len() == 1 {
                    self.expr(&c.comparators[0])?;
                    let op = cmp_op(&c.ops[0]).unwrap_or(Op::Nop);
                    self.emit(op);
                } else {
                    // a < b < c: keep b for the next comparison; short-circuit on False.
                    let mut jumps = Vec::new();
                    let n = c.ops.len();
                    for (i, (op, right)) in c.ops.iter().zip(c.comparators.iter()).enumerate() {
                        self.expr(right)?;
                        if i + 1 < n {
                            self.emit(Op::Dup);
                            self.emit(Op::Rot3);
                        }
                        self.emit(cmp_op(op).unwrap_or(Op::Nop));
                        if i + 1 < n {
                            jumps.push(self.emit(Op::JumpIfFalseOrPop(0)));
                        }
                    }
                    let end = self.emit(Op::Jump(0));
                    for j in jumps {
                        self.patch(j);
                    }
                    // False path: drop the kept operand under the result.
                    self.emit(Op::Rot2);
                    self.emit(Op::Pop);
                    self.patch(end);
                }
            }
            Expr::If(i) => {
                self.expr(&i.test)?;
                let j = self.emit(Op::PopJumpIfFalse(0));
                self.expr(&i.body)?;
                let end = self.emit(Op::Jump(0));
                self.patch(j);
                self.expr(&i.orelse)?;
                self.patch(end);
            }
            Expr::Named(n) => {
                self.expr(&n.value)?;
                self.emit(Op::Dup);
                self.store(&n.target)?;
            }
            Expr::Call(c) => {
                // super() with no arguments in a method.
                if let Expr::Name(n) = &*c.func {
                    if &*n.id == "super"
                        && c.arguments.args.is_empty()
                        && c.arguments.keywords.is_empty()
                    {
                        self.emit(Op::LoadSuper);
                        return Ok(());
                    }
                }
                if let Expr::Attribute(a) = &*c.func {
                    let simple = c.arguments.keywords.is_empty()
                        && !c
                            .arguments
                            .args
                            .iter()
                            .any(|x| matches!(x, Expr::Starred(_)));
                    if simple {
                        self.expr(&a.value)?;
                        for x in c.arguments.args.iter() {
                            self.expr(x)?;
                        }
                        self.set_line(e);
                        let i = self.name_index(&a.attr);
                        self.emit(Op::CallMethod(i, c.arguments.args.len() as u32));
                        return Ok(());
                    }
                }
                self.expr(&c.func)?;
                self.call_args(&c.arguments)?;
            }
            Expr::Tuple(t) => self.sequence(&t.elts, Op::BuildTuple(t.elts.len() as u32), true)?,
            Expr::List(l) => self.sequence(&l.elts, Op::BuildList(l.elts.len() as u32), false)?,
            Expr::Set(s) => {
                if s.elts.iter().any(|x| matches!(x, Expr::Starred(_))) {
                    return self.unsupported("starred items in a set display", e);
                }
                for x in &s.elts {
                    self.expr(x)?;
                }
                self.emit(Op::BuildSet(s.elts.len() as u32));
            }
            Expr::Dict(d) => {
                if d.items.iter().any(|i| i.key.is_none()) {
                    self.emit(Op::BuildMap(0));
                    for item in &d.items {
                        match &item.key {
                            None => {
                                self.expr(&item.value)?;
                            }
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(&item.value)?;
                                self.emit(Op::BuildMap(1));
                            }
                        }
                        self.emit(Op::DictUpdate);
                    }
                } else {
                    for item in &d.items {
                        if let Some(k) = &item.key {
                            self.expr(k)?;
                        }
                        self.expr(&item.value)?;
                    }
                    self.emit(Op::BuildMap(d.items.len() as u32));
                }
            }
            Expr::Lambda(l) => {
                let params: &'a ast::Parameters = match &l.parameters {
                    Some(p) => p,
                    None => &NO_PARAMETERS,
                };
                self.function(l, "<lambda>", params, FnBody::Lambda(l, &l.body))?;
            }
            Expr::ListComp(c) => {
                self.comprehension(c, "<listcomp>", &c.generators, Comp::List(&c.elt))?
            }
            Expr::SetComp(c) => {
                self.comprehension(c, "<setcomp>", &c.generators, Comp::Set(&c.elt))?
            }
            Expr::DictComp(c) => match &c.key {
                Some(k) => {
                    self.comprehension(c, "<dictcomp>", &c.generators, Comp::Dict(k, &c.value))?
                }
                None => return self.unsupported("`**` in a dict comprehension", e),
            },
            Expr::Generator(g) => {
                self.comprehension(g, "<genexpr>", &g.generators, Comp::Gen(&g.elt))?
            }
            Expr::Yield(y) => {
                match &y.value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Const::None),
                }
                if self.unit().code.async_generator {
                    self.emit(Op::AsyncGenWrap);
                }
                self.emit(Op::Yield);
            }
            Expr::YieldFrom(_) => return self.unsupported("`yield from`", e),
            Expr::Await(a) => {
                if !self.in_async() {
                    let name = &self.unit().code.name;
                    if name.starts_with('<') && &**name != "<lambda>" && &**name != "<module>" {
                        return self.unsupported("`await` in a comprehension", e);
                    }
                    return self.syntax_error("'await' outside async function", e);
                }
                self.expr(&a.value)?;
                self.await_top();
            }
            Expr::Starred(_) => return self.unsupported("a starred expression here", e),
            Expr::IpyEscapeCommand(_) => return self.unsupported("IPython escapes", e),
        }
        Ok(())
    }

    fn sequence(&mut self, elts: &'a [Expr], build: Op, tuple: bool) -> CResult<()> {
        if !elts.iter().any(|x| matches!(x, Expr::Starred(_))) {
            for x in elts {
                self.expr(x)?;
            }
            self.emit(build);
            return Ok(());
        }
        self.emit(Op::BuildList(0));
        for x in elts {
            match x {
                Expr::Starred(s) => self.expr(&s.value)?,
                other => {
                    self.expr(other)?;
                    self.emit(Op::BuildTuple(1));
                }
            }
            self.emit(Op::ListExtend);
        }
        if tuple {
            self.emit(Op::ListToTuple);
        }
        Ok(())
    }

    fn fstring_elements(&mut self, elements: &'a ast::InterpolatedStringElements) -> CResult<u32> {
        let mut n = 0;
        for el in elements.iter() {
            match el {
                ast::InterpolatedStringElement::Literal(l) => {
                    self.load_const(Const::Str(Arc::from(&*l.value)));
                    n += 1;
                }
                ast::InterpolatedStringElement::Interpolation(i) => {
                    let mut conv = match i.conversion {
                        ast::ConversionFlag::None => 0,
                        ast::ConversionFlag::Str => 1,
                        ast::ConversionFlag::Repr => 2,
                        ast::ConversionFlag::Ascii => 3,
                    };
                    if let Some(d) = &i.debug_text {
                        let text = format!("{}{}{}", d.leading(), d.expression(), d.trailing());
                        self.load_const(Const::Str(Arc::from(text.as_str())));
                        n += 1;
                        if conv == 0 && i.format_spec.is_none() {
                            conv = 2;
                        }
                    }
                    self.expr(&i.expression)?;
                    if let Some(spec) = &i.format_spec {
                        let k = self.fstring_elements(&spec.elements)?;
                        if k != 1 {
                            self.emit(Op::BuildString(k));
                        }
                    }
                    self.emit(Op::FormatValue(conv, i.format_spec.is_some()));
                    n += 1;
                }
            }
        }
        if n == 0 {
            self.load_const(Const::Str(Arc::from("")));
            n = 1;
        }
        Ok(n)
    }

    fn comprehension<T: Ranged>(
        &mut self,
        node: &'a T,
        name: &str,
        gens: &'a [ast::Comprehension],
        kind: Comp<'a>,
    ) -> CResult<()> {
        let scope = self.table.scope_of(node);
        let qual = self.qualname(name);
        let line = self.line_of(node.start().to_u32());
        // `await` inside makes it an asynchronous comprehension: a coroutine, awaited here.
        let is_async = comprehension_awaits(gens, &kind);
        if is_async {
            if matches!(kind, Comp::Gen(_)) {
                return self.unsupported("asynchronous generator expressions", node);
            }
            if !self.in_async() {
                return self.syntax_error(
                    "asynchronous comprehension outside of an asynchronous function",
                    node,
                );
            }
        }
        self.push_unit(scope, name, &qual, CodeKind::Function, line);
        self.unit().code.argcount = 1;
        if is_async {
            self.unit().code.coroutine = true;
            self.unit().code.generator = true;
        }
        match kind {
            Comp::List(_) => {
                self.emit(Op::BuildList(0));
            }
            Comp::Set(_) => {
                self.emit(Op::BuildSet(0));
            }
            Comp::Dict(..) => {
                self.emit(Op::BuildMap(0));
            }
            Comp::Gen(_) => {}
        }
        self.comp_level(gens, 0, &kind)?;
        if matches!(kind, Comp::Gen(_)) {
            self.load_const(Const::None);
        }
        self.emit(Op::Return);
        let code = self.pop_unit();
        self.make_function(code, scope, 0)?;
        self.expr(&gens[0].iter)?;
        self.emit(if gens[0].is_async {
            Op::GetAIter
        } else {
            Op::GetIter
        });
        self.emit(Op::Call(1));
        if is_async {
            self.await_top();
        }
        Ok(())
    }

    fn comp_level(
        &mut self,
        gens: &'a [ast::Comprehension],
        depth: usize,
        kind: &Comp<'a>,
    ) -> CResult<()> {
        let g = &gens[depth];
        if depth == 0 {
            self.emit(Op::LoadFast(0));
        } else {
            self.expr(&g.iter)?;
            self.emit(if g.is_async {
                Op::GetAIter
            } else {
                Op::GetIter
            });
        }
        let top = self.here();
        let next = if g.is_async {
            // As `async for`: await `__anext__()` until StopAsyncIteration.
            let setup = self.emit(Op::SetupExcept(0));
            self.emit(Op::Dup);
            let anext = self.name_index("__anext__");
            self.emit(Op::CallMethod(anext, 0));
            self.await_top();
            self.emit(Op::PopBlock);
            setup
        } else {
            self.emit(Op::ForIter(0))
        };
        self.store(&g.target)?;
        let mut skips = Vec::new();
        for cond in &g.ifs {
            self.expr(cond)?;
            skips.push(self.emit(Op::PopJumpIfFalse(0)));
        }
        if depth + 1 < gens.len() {
            self.comp_level(gens, depth + 1, kind)?;
        } else {
            // The result container sits under one iterator per level.
            let d = (gens.len() + 1) as u32;
            match kind {
                Comp::List(x) => {
                    self.expr(x)?;
                    self.emit(Op::ListAppend(d));
                }
                Comp::Set(x) => {
                    self.expr(x)?;
                    self.emit(Op::SetAdd(d));
                }
                Comp::Dict(k, v) => {
                    self.expr(k)?;
                    self.expr(v)?;
                    self.emit(Op::MapAdd(d));
                }
                Comp::Gen(x) => {
                    self.expr(x)?;
                    self.emit(Op::Yield);
                    self.emit(Op::Pop);
                }
            }
        }
        for s in skips {
            let here = self.here();
            let op = &mut self.unit().code.ops[s];
            *op = Op::PopJumpIfFalse(here);
        }
        self.emit(Op::Jump(top));
        self.patch(next);
        if g.is_async {
            self.emit(Op::EndAsyncFor);
        }
        Ok(())
    }
}

static NO_PARAMETERS: std::sync::LazyLock<ast::Parameters> =
    std::sync::LazyLock::new(ast::Parameters::default);

enum FnBody<'a> {
    Stmts(&'a [Stmt]),
    Lambda(&'a ast::ExprLambda, &'a Expr),
}

enum Comp<'a> {
    List(&'a Expr),
    Set(&'a Expr),
    Dict(&'a Expr, &'a Expr),
    Gen(&'a Expr),
}

/// Does a comprehension await anywhere it runs (`async for`, or `await` in its element,
/// conditions, targets, inner iterables; not in the first iterable, which the enclosing
/// scope evaluates)?
fn comprehension_awaits(gens: &[ast::Comprehension], kind: &Comp<'_>) -> bool {
    use ruff_python_ast::visitor::{self, Visitor};
    struct Finder(bool);
    impl<'b> Visitor<'b> for Finder {
        fn visit_expr(&mut self, e: &'b Expr) {
            match e {
                Expr::Await(_) => self.0 = true,
                // A lambda's body is a function of its own.
                Expr::Lambda(_) => {}
                _ => visitor::walk_expr(self, e),
            }
        }
    }
    let mut f = Finder(gens.iter().any(|g| g.is_async));
    for (i, g) in gens.iter().enumerate() {
        if i > 0 {
            f.visit_expr(&g.iter);
        }
        f.visit_expr(&g.target);
        for c in &g.ifs {
            f.visit_expr(c);
        }
    }
    match kind {
        Comp::List(x) | Comp::Set(x) | Comp::Gen(x) => f.visit_expr(x),
        Comp::Dict(k, v) => {
            f.visit_expr(k);
            f.visit_expr(v);
        }
    }
    f.0
}
