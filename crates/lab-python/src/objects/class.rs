//! Classes and instances; the built-in types and the exception hierarchy are classes too.

use super::{Value, lock};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub use super::attrs::AttrMap;

/// Which built-in type a class stands for (`None` for user classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinType {
    /// `object`
    Object,
    /// `int`
    Int,
    /// `bool`
    Bool,
    /// `float`
    Float,
    /// `str`
    Str,
    /// `list`
    List,
    /// `tuple`
    Tuple,
    /// `dict`
    Dict,
    /// `set`
    Set,
    /// `range`
    Range,
    /// `type`
    Type,
    /// Every other built-in kind (functions, modules, iterators ...): not callable.
    Other,
    /// `BaseException` and the built-in exceptions.
    Exception,
}

/// A class. Its namespace is behind a lock; single inheritance.
pub struct Class {
    /// The class name.
    pub name: Arc<str>,
    /// The base class (`None` only for `object`).
    pub base: Option<Arc<Class>>,
    /// Methods and class attributes.
    pub dict: Mutex<AttrMap>,
    /// The built-in type this class stands for, if any.
    pub builtin: Option<BuiltinType>,
    /// The module the class was defined in (for `repr`).
    pub module: Arc<str>,
    /// Set once a `property` is stored in the namespace (never cleared; see
    /// [`Class::note_attr`]): storing an attribute on an instance looks for a property's
    /// setter only along a chain that has had one.
    has_property: AtomicBool,
}

impl Class {
    /// A new class.
    pub fn new(
        name: &str,
        base: Option<Arc<Class>>,
        builtin: Option<BuiltinType>,
        module: &str,
    ) -> Arc<Class> {
        Arc::new(Class {
            name: Arc::from(name),
            base,
            dict: Mutex::new(AttrMap::default()),
            builtin,
            module: Arc::from(module),
            has_property: AtomicBool::new(false),
        })
    }

    /// Note a value stored in the namespace. Every store of a class attribute goes through
    /// here (class bodies, `C.x = ...`, copies of classes).
    pub fn note_attr(&self, v: &Value) {
        if matches!(v, Value::Wrapper(w) if w.0 == super::WrapKind::Property) {
            self.has_property.store(true, Ordering::Relaxed);
        }
    }

    /// Can the class or a base hold a property?
    pub fn may_have_property(&self) -> bool {
        let mut cur = self;
        loop {
            if cur.has_property.load(Ordering::Relaxed) {
                return true;
            }
            match cur.base.as_deref() {
                Some(b) => cur = b,
                None => return false,
            }
        }
    }

    /// Look a name up along the inheritance chain.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        // Walk the chain by reference: cloning each base would touch its reference count
        // twice per level on every method call and attribute store.
        let mut cur = self;
        loop {
            if let Some(v) = lock(&cur.dict).get(name) {
                return Some(v.clone());
            }
            cur = cur.base.as_deref()?;
        }
    }

    /// Is `self` the class `other` or derived from it?
    pub fn is_subclass(self: &Arc<Class>, other: &Arc<Class>) -> bool {
        let mut cur = Some(self.clone());
        while let Some(c) = cur {
            if Arc::ptr_eq(&c, other) {
                return true;
            }
            cur = c.base.clone();
        }
        // With single inheritance ExceptionGroup derives from Exception only; CPython also
        // makes it a BaseExceptionGroup, so `except BaseExceptionGroup` catches it.
        if &*other.name == "BaseExceptionGroup" && other.builtin.is_some() {
            return self.is_subclass(&exc_class("ExceptionGroup"));
        }
        false
    }

    /// Is this an exception class?
    pub fn is_exception(self: &Arc<Class>) -> bool {
        self.is_subclass(&types().base_exception)
    }

    /// The nearest built-in type in the chain.
    pub fn builtin_base(&self) -> BuiltinType {
        if let Some(b) = self.builtin {
            return b;
        }
        let mut cur = self.base.clone();
        while let Some(c) = cur {
            if let Some(b) = c.builtin {
                return b;
            }
            cur = c.base.clone();
        }
        BuiltinType::Object
    }
}

/// An instance of a user class (or of an exception class).
pub struct Instance {
    /// Its class.
    pub class: Arc<Class>,
    /// Its attributes.
    pub dict: Mutex<AttrMap>,
}

/// The built-in classes, made once per process. They hold no per-program state.
pub struct Types {
    /// `object`
    pub object: Arc<Class>,
    /// `int`
    pub int: Arc<Class>,
    /// `bool`
    pub bool: Arc<Class>,
    /// `float`
    pub float: Arc<Class>,
    /// `str`
    pub str: Arc<Class>,
    /// `list`
    pub list: Arc<Class>,
    /// `tuple`
    pub tuple: Arc<Class>,
    /// `dict`
    pub dict: Arc<Class>,
    /// `set`
    pub set: Arc<Class>,
    /// `range`
    pub range: Arc<Class>,
    /// `type`
    pub type_: Arc<Class>,
    /// `NoneType`
    pub none: Arc<Class>,
    /// Other built-in kinds by name (`function`, `generator` ...).
    pub others: HashMap<&'static str, Arc<Class>>,
    /// `BaseException`
    pub base_exception: Arc<Class>,
    /// Built-in exceptions by name.
    pub exceptions: HashMap<&'static str, Arc<Class>>,
}

/// The built-in exceptions and their bases, parents before children.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("Exception", "BaseException"),
    ("SystemExit", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("ValueError", "Exception"),
    ("TypeError", "Exception"),
    ("AttributeError", "Exception"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("RuntimeError", "Exception"),
    ("RecursionError", "RuntimeError"),
    ("NotImplementedError", "RuntimeError"),
    ("StopIteration", "Exception"),
    ("AssertionError", "Exception"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
    ("MemoryError", "Exception"),
    ("OSError", "Exception"),
    ("TimeoutError", "OSError"),
    ("UnicodeError", "ValueError"),
    ("SyntaxError", "Exception"),
    ("StopAsyncIteration", "Exception"),
    ("BaseExceptionGroup", "BaseException"),
    ("ExceptionGroup", "Exception"),
];

const OTHERS: &[&str] = &[
    "function",
    "builtin_function_or_method",
    "method",
    "module",
    "iterator",
    "generator",
    "coroutine",
    "slice",
    "ellipsis",
    "super",
    "staticmethod",
    "classmethod",
    "property",
];

/// The built-in classes.
pub fn types() -> &'static Types {
    static TYPES: OnceLock<Types> = OnceLock::new();
    TYPES.get_or_init(|| {
        let b = "builtins";
        let object = Class::new("object", None, Some(BuiltinType::Object), b);
        let mk = |name: &str, t: BuiltinType| Class::new(name, Some(object.clone()), Some(t), b);
        let int = mk("int", BuiltinType::Int);
        let bool = Class::new("bool", Some(int.clone()), Some(BuiltinType::Bool), b);
        let base_exception = mk("BaseException", BuiltinType::Exception);
        let mut exceptions = HashMap::new();
        exceptions.insert("BaseException", base_exception.clone());
        for (name, base) in EXCEPTIONS {
            let parent = exceptions[base].clone();
            exceptions.insert(
                name,
                Class::new(name, Some(parent), Some(BuiltinType::Exception), b),
            );
        }
        let others = OTHERS
            .iter()
            .map(|n| (*n, mk(n, BuiltinType::Other)))
            .collect();
        Types {
            int,
            bool,
            float: mk("float", BuiltinType::Float),
            str: mk("str", BuiltinType::Str),
            list: mk("list", BuiltinType::List),
            tuple: mk("tuple", BuiltinType::Tuple),
            dict: mk("dict", BuiltinType::Dict),
            set: mk("set", BuiltinType::Set),
            range: mk("range", BuiltinType::Range),
            type_: mk("type", BuiltinType::Type),
            none: mk("NoneType", BuiltinType::Other),
            others,
            base_exception,
            exceptions,
            object,
        }
    })
}

/// A built-in exception class by name.
pub fn exc_class(name: &str) -> Arc<Class> {
    types().exceptions[name].clone()
}

/// The class of a value.
pub fn class_of(v: &Value) -> Arc<Class> {
    let t = types();
    let other = |n: &str| t.others[n].clone();
    match v {
        Value::None => t.none.clone(),
        Value::Ellipsis => other("ellipsis"),
        Value::Bool(_) => t.bool.clone(),
        Value::Int(_) | Value::BigInt(_) => t.int.clone(),
        Value::Float(_) => t.float.clone(),
        Value::Str(_) => t.str.clone(),
        Value::Tuple(_) => t.tuple.clone(),
        Value::List(_) => t.list.clone(),
        Value::Dict(_) => t.dict.clone(),
        Value::Set(_) => t.set.clone(),
        Value::Range(_) => t.range.clone(),
        Value::Slice(_) => other("slice"),
        Value::Function(_) => other("function"),
        Value::Builtin(_) | Value::BuiltinMethod(_) => other("builtin_function_or_method"),
        Value::Method(_) => other("method"),
        Value::Class(_) => t.type_.clone(),
        Value::Instance(i) => i.class.clone(),
        Value::Module(_) => other("module"),
        Value::Iter(_) => other("iterator"),
        Value::Generator(g) if g.coroutine => other("coroutine"),
        Value::Generator(_) => other("generator"),
        Value::Super(_) => other("super"),
        Value::Wrapper(w) => match w.0 {
            super::WrapKind::Static => other("staticmethod"),
            super::WrapKind::ClassMethod => other("classmethod"),
            super::WrapKind::Property => other("property"),
        },
        Value::Native(_) => t.object.clone(),
    }
}

/// A new exception instance of `class` with these arguments.
pub fn new_exception(class: Arc<Class>, args: Vec<Value>) -> Value {
    let mut dict = AttrMap::default();
    dict.insert(Arc::from("args"), Value::tuple(args));
    Value::Instance(Arc::new(Instance {
        class,
        dict: Mutex::new(dict),
    }))
}
