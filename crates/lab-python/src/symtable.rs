//! Scope analysis: decides, before code generation, whether each name is a local slot, a cell,
//! a free variable, a global or a class-namespace name (as CPython's symtable does).

use indexmap::IndexSet;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use std::collections::{HashMap, HashSet};

/// The kind of a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Function,
    Class,
    /// A comprehension or generator expression: a function with one parameter, `.0`.
    Comprehension,
}

/// Where a name lives, as seen from one scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Local(u32),
    Deref(u32),
    Global,
    /// Class body or module: the namespace dict, then globals, then builtins.
    Name,
}

/// One scope's names.
#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) kind: ScopeKind,
    parent: Option<usize>,
    pub(crate) params: Vec<String>,
    assigned: IndexSet<String>,
    used: IndexSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
    /// Where each `nonlocal` declaration is, for its error.
    nonlocal_at: HashMap<String, u32>,
    pub(crate) generator: bool,
    pub(crate) cells: IndexSet<String>,
    pub(crate) frees: IndexSet<String>,
    /// Local slots: parameters first, then other locals in order of first binding.
    pub(crate) varnames: Vec<String>,
}

impl Scope {
    fn new(kind: ScopeKind, parent: Option<usize>) -> Self {
        Scope {
            kind,
            parent,
            params: Vec::new(),
            assigned: IndexSet::new(),
            used: IndexSet::new(),
            globals: HashSet::new(),
            nonlocals: HashSet::new(),
            nonlocal_at: HashMap::new(),
            generator: false,
            cells: IndexSet::new(),
            frees: IndexSet::new(),
            varnames: Vec::new(),
        }
    }

    fn is_function(&self) -> bool {
        matches!(self.kind, ScopeKind::Function | ScopeKind::Comprehension)
    }

    fn binds_locally(&self, name: &str) -> bool {
        (self.assigned.contains(name) || self.params.iter().any(|p| p == name))
            && !self.globals.contains(name)
            && !self.nonlocals.contains(name)
    }

    /// Where `name` lives when used in this scope.
    pub(crate) fn place(&self, name: &str) -> Place {
        if let Some(i) = self.cells.get_index_of(name) {
            return Place::Deref(i as u32);
        }
        if let Some(i) = self.frees.get_index_of(name) {
            return Place::Deref((self.cells.len() + i) as u32);
        }
        if self.globals.contains(name) {
            return Place::Global;
        }
        match self.kind {
            ScopeKind::Module => Place::Global,
            ScopeKind::Class => Place::Name,
            _ => match self.varnames.iter().position(|v| v == name) {
                Some(i) => Place::Local(i as u32),
                None => Place::Global,
            },
        }
    }
}

/// A construct the compiler refuses (or a syntax error found by scope analysis), with the
/// offset it is at.
#[derive(Debug)]
pub(crate) struct Unsupported {
    pub(crate) construct: String,
    pub(crate) offset: u32,
    pub(crate) syntax: bool,
}

/// All scopes of a module, found by the address of their AST node.
#[derive(Debug)]
pub(crate) struct SymTable {
    pub(crate) scopes: Vec<Scope>,
    by_node: HashMap<usize, usize>,
}

impl SymTable {
    /// Analyse a module.
    pub(crate) fn build(body: &[Stmt]) -> Result<SymTable, Unsupported> {
        let mut b = Builder {
            table: SymTable {
                scopes: vec![Scope::new(ScopeKind::Module, None)],
                by_node: HashMap::new(),
            },
            current: 0,
            error: None,
        };
        for s in body {
            b.visit_stmt(s);
        }
        if let Some(e) = b.error {
            return Err(e);
        }
        let mut table = b.table;
        table.resolve()?;
        Ok(table)
    }

    /// The scope created by a node (function, class, lambda, comprehension).
    pub(crate) fn scope_of<T>(&self, node: &T) -> usize {
        self.by_node[&(node as *const T as usize)]
    }

    fn resolve(&mut self) -> Result<(), Unsupported> {
        for id in 0..self.scopes.len() {
            let s = &self.scopes[id];
            let mut wanted: Vec<String> = s.used.iter().cloned().collect();
            wanted.extend(s.nonlocals.iter().cloned());
            for name in wanted {
                let s = &self.scopes[id];
                let skip = match s.kind {
                    ScopeKind::Module => true,
                    ScopeKind::Class => {
                        s.globals.contains(&name)
                            || (s.assigned.contains(&name) && !s.nonlocals.contains(&name))
                    }
                    _ => s.globals.contains(&name) || s.binds_locally(&name),
                };
                if skip {
                    continue;
                }
                // Search enclosing function scopes (class scopes are skipped, as in Python).
                let mut chain = vec![id];
                let mut cur = s.parent;
                let mut owner = None;
                while let Some(p) = cur {
                    let ps = &self.scopes[p];
                    if ps.kind == ScopeKind::Module {
                        break;
                    }
                    if ps.is_function() {
                        if ps.globals.contains(&name) {
                            break;
                        }
                        if ps.binds_locally(&name) {
                            owner = Some(p);
                            break;
                        }
                        chain.push(p);
                    }
                    cur = ps.parent;
                }
                match owner {
                    Some(o) => {
                        self.scopes[o].cells.insert(name.clone());
                        for c in chain {
                            self.scopes[c].frees.insert(name.clone());
                        }
                    }
                    None => {
                        if let Some(at) = self.scopes[id].nonlocal_at.get(&name) {
                            return Err(Unsupported {
                                construct: format!("no binding for nonlocal '{name}' found"),
                                offset: *at,
                                syntax: true,
                            });
                        }
                    }
                }
            }
        }
        for s in &mut self.scopes {
            let mut vars: Vec<String> = s.params.clone();
            if s.is_function() {
                for a in &s.assigned {
                    if !vars.contains(a)
                        && !s.globals.contains(a)
                        && !s.nonlocals.contains(a)
                        && !s.cells.contains(a)
                    {
                        vars.push(a.clone());
                    }
                }
            }
            s.varnames = vars;
        }
        Ok(())
    }
}

struct Builder {
    table: SymTable,
    current: usize,
    error: Option<Unsupported>,
}

impl Builder {
    fn scope(&mut self) -> &mut Scope {
        &mut self.table.scopes[self.current]
    }

    fn push<T>(&mut self, node: &T, kind: ScopeKind) -> usize {
        let id = self.table.scopes.len();
        self.table.scopes.push(Scope::new(kind, Some(self.current)));
        self.table.by_node.insert(node as *const T as usize, id);
        let prev = self.current;
        self.current = id;
        prev
    }

    fn bind(&mut self, name: &str) {
        self.scope().assigned.insert(name.to_string());
    }

    fn parameters(&mut self, p: &ast::Parameters) {
        let s = self.scope();
        for a in p.posonlyargs.iter().chain(p.args.iter()) {
            s.params.push(a.parameter.name.to_string());
        }
        for a in &p.kwonlyargs {
            s.params.push(a.parameter.name.to_string());
        }
        if let Some(v) = &p.vararg {
            s.params.push(v.name.to_string());
        }
        if let Some(k) = &p.kwarg {
            s.params.push(k.name.to_string());
        }
    }

    fn defaults(&mut self, p: &ast::Parameters) {
        for a in p
            .posonlyargs
            .iter()
            .chain(p.args.iter())
            .chain(p.kwonlyargs.iter())
        {
            if let Some(d) = &a.default {
                self.visit_expr(d);
            }
        }
    }

    fn comprehension<T>(&mut self, node: &T, gens: &[ast::Comprehension], elts: &[&Expr]) {
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(&gens[0].iter);
        let prev = self.push(node, ScopeKind::Comprehension);
        self.scope().params.push(".0".to_string());
        for (i, g) in gens.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&g.iter);
            }
            self.visit_expr(&g.target);
            for cond in &g.ifs {
                self.visit_expr(cond);
            }
        }
        for e in elts {
            self.visit_expr(e);
        }
        self.current = prev;
    }
}

impl<'a> Visitor<'a> for Builder {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.visit_expr(&d.expression);
                }
                self.defaults(&f.parameters);
                self.bind(&f.name);
                let prev = self.push(f, ScopeKind::Function);
                self.parameters(&f.parameters);
                for s in &f.body {
                    self.visit_stmt(s);
                }
                self.current = prev;
            }
            Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.visit_expr(&d.expression);
                }
                if let Some(args) = &c.arguments {
                    for a in args.args.iter() {
                        self.visit_expr(a);
                    }
                    for k in args.keywords.iter() {
                        self.visit_expr(&k.value);
                    }
                }
                self.bind(&c.name);
                let prev = self.push(c, ScopeKind::Class);
                for s in &c.body {
                    self.visit_stmt(s);
                }
                self.current = prev;
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    self.scope().globals.insert(n.to_string());
                }
            }
            Stmt::Nonlocal(n) => {
                let at = n.range.start().to_u32();
                for name in &n.names {
                    self.scope().nonlocals.insert(name.to_string());
                    self.scope().nonlocal_at.insert(name.to_string(), at);
                }
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let bound = match &a.asname {
                        Some(n) => n.to_string(),
                        None => a.name.split('.').next().unwrap_or("").to_string(),
                    };
                    self.bind(&bound);
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    let bound = a.asname.as_ref().unwrap_or(&a.name).to_string();
                    self.bind(&bound);
                }
            }
            Stmt::Try(t) => {
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        self.bind(n);
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(a) => {
                self.visit_expr(&a.target);
                if let Some(v) = &a.value {
                    self.visit_expr(v);
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) => match n.ctx {
                ExprContext::Load => {
                    self.scope().used.insert(n.id.to_string());
                }
                _ => self.bind(&n.id),
            },
            Expr::Named(n) => {
                self.visit_expr(&n.value);
                let Expr::Name(target) = &*n.target else {
                    return;
                };
                // A walrus in a comprehension binds in the enclosing function or module.
                let mut id = self.current;
                while self.table.scopes[id].kind == ScopeKind::Comprehension {
                    let name = target.id.to_string();
                    let parent = self.table.scopes[id].parent.unwrap_or(0);
                    if self.table.scopes[parent].kind == ScopeKind::Module {
                        self.table.scopes[id].globals.insert(name);
                    } else {
                        self.table.scopes[id].nonlocals.insert(name);
                    }
                    id = parent;
                }
                self.table.scopes[id].assigned.insert(target.id.to_string());
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    self.defaults(p);
                }
                let prev = self.push(l, ScopeKind::Function);
                if let Some(p) = &l.parameters {
                    self.parameters(p);
                }
                self.visit_expr(&l.body);
                self.current = prev;
            }
            Expr::ListComp(c) => self.comprehension(c, &c.generators, &[&c.elt]),
            Expr::SetComp(c) => self.comprehension(c, &c.generators, &[&c.elt]),
            Expr::Generator(c) => {
                self.comprehension(c, &c.generators, &[&c.elt]);
                let id = self.table.scope_of(c);
                self.table.scopes[id].generator = true;
            }
            Expr::DictComp(c) => {
                let key = c.key.as_deref();
                match key {
                    Some(k) => self.comprehension(c, &c.generators, &[k, &c.value]),
                    None => self.comprehension(c, &c.generators, &[&c.value]),
                }
            }
            Expr::Yield(_) => {
                self.scope().generator = true;
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}
