//! Python values. Immutable values (int, float, str, tuple) are shared freely through `Arc`;
//! mutable ones (list, dict, set, instances) carry their own lock, so that any number of
//! threads can use them without the GIL and without undefined behaviour.
//!
//! Locking rule: a container's lock is held only to copy values in or out, never while
//! Python code runs (which could release the GIL or need the same lock).

pub mod attrs;
pub mod bytes;
pub mod class;
pub mod dict;
pub mod float;
pub mod format;
pub mod int;
pub mod iter;
pub mod methods;
pub mod setorder;
pub mod view;

use crate::bytecode::Code;
use crate::vm::Frame;
use num_bigint::BigInt;
use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

pub use class::{Class, Instance};
pub use dict::{Dict, Key};
pub use iter::{Iter, IterState};

/// A Python value. Cloning is cheap (a copy or a reference count).
///
/// The tag is a whole word (`repr(u64)`): a value is written as words and read back as
/// words, so a value pushed and popped at once is forwarded from the processor's store
/// buffer. With a one-byte tag, reading back a just-written value stalled (a wide load
/// over narrower stores), several times per instruction.
#[derive(Clone)]
#[repr(u64)]
pub enum Value {
    /// `None`
    None,
    /// `...`
    Ellipsis,
    /// `True`/`False`
    Bool(bool),
    /// A small int (the fast path).
    Int(i64),
    /// An int that does not fit in an `i64`.
    BigInt(Arc<BigInt>),
    /// A float.
    Float(f64),
    /// A string.
    Str(Arc<str>),
    /// A tuple.
    Tuple(Arc<[Value]>),
    /// A list.
    List(Arc<List>),
    /// A dict.
    Dict(Arc<Dict>),
    /// A set.
    Set(Arc<Set>),
    /// A range.
    Range(Arc<RangeObj>),
    /// A slice object.
    Slice(Arc<[Value; 3]>),
    /// A Python function.
    Function(Arc<Function>),
    /// A function written in Rust.
    Builtin(Arc<Builtin>),
    /// A function bound to its first argument (a method of an instance).
    Method(Arc<(Value, Value)>),
    /// A method of a built-in type bound to its object (`[].append`).
    BuiltinMethod(Arc<(Value, Arc<str>)>),
    /// A class (built-in types are classes too).
    Class(Arc<Class>),
    /// An instance of a user class or of an exception class.
    Instance(Arc<Instance>),
    /// A module.
    Module(Arc<Module>),
    /// An iterator over a built-in iterable.
    Iter(Arc<Iter>),
    /// A generator.
    Generator(Arc<Generator>),
    /// `super()`.
    Super(Arc<(Arc<Class>, Value)>),
    /// A `staticmethod`, `classmethod` or `property` wrapper.
    Wrapper(Arc<(WrapKind, Value)>),
    /// An object implemented in Rust by a module (locks, threads ...).
    Native(Arc<dyn NativeObject>),
}

/// What a decorator wrapper does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrapKind {
    /// `@staticmethod`
    Static,
    /// `@classmethod`
    ClassMethod,
    /// `@property`
    Property,
}

impl Value {
    /// Clone a value, inline for the ones that own nothing (numbers, bools, None): the
    /// general clone is an out-of-line call on the hot path.
    #[inline(always)]
    pub(crate) fn fast_clone(&self) -> Value {
        match *self {
            Value::Int(i) => Value::Int(i),
            Value::Bool(b) => Value::Bool(b),
            Value::Float(x) => Value::Float(x),
            Value::None => Value::None,
            _ => self.clone(),
        }
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// A new list.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List::new(items)))
    }

    /// A new tuple.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Arc::from(items))
    }

    /// The address used by `id()` and `is`.
    pub fn identity(&self) -> usize {
        fn addr<T: ?Sized>(a: &Arc<T>) -> usize {
            Arc::as_ptr(a) as *const u8 as usize
        }
        match self {
            Value::None => 1,
            Value::Ellipsis => 2,
            Value::Bool(b) => 3 + *b as usize,
            Value::Int(i) => *i as usize,
            Value::Float(f) => f.to_bits() as usize,
            Value::BigInt(a) => addr(a),
            Value::Str(a) => addr(a),
            Value::Tuple(a) => addr(a),
            Value::List(a) => addr(a),
            Value::Dict(a) => addr(a),
            Value::Set(a) => addr(a),
            Value::Range(a) => addr(a),
            Value::Slice(a) => addr(a),
            Value::Function(a) => addr(a),
            Value::Builtin(a) => addr(a),
            Value::Method(a) => addr(a),
            Value::BuiltinMethod(a) => addr(a),
            Value::Class(a) => addr(a),
            Value::Instance(a) => addr(a),
            Value::Module(a) => addr(a),
            Value::Iter(a) => addr(a),
            Value::Generator(a) => addr(a),
            Value::Super(a) => addr(a),
            Value::Wrapper(a) => addr(a),
            Value::Native(a) => addr(a),
        }
    }

    /// How many references the object has (`sys.getrefcount`); `None` for values stored
    /// inline (small ints, floats, `None`, bools), which CPython makes immortal.
    pub fn ref_count(&self) -> Option<usize> {
        Some(match self {
            Value::BigInt(a) => Arc::strong_count(a),
            Value::Str(a) => Arc::strong_count(a),
            Value::Tuple(a) => Arc::strong_count(a),
            Value::List(a) => Arc::strong_count(a),
            Value::Dict(a) => Arc::strong_count(a),
            Value::Set(a) => Arc::strong_count(a),
            Value::Range(a) => Arc::strong_count(a),
            Value::Function(a) => Arc::strong_count(a),
            Value::Class(a) => Arc::strong_count(a),
            Value::Instance(a) => Arc::strong_count(a),
            Value::Module(a) => Arc::strong_count(a),
            Value::Generator(a) => Arc::strong_count(a),
            _ => return None,
        })
    }

    /// `a is b`.
    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) | (Value::Ellipsis, Value::Ellipsis) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_), _) => false,
            _ => {
                std::mem::discriminant(self) == std::mem::discriminant(other)
                    && self.identity() == other.identity()
            }
        }
    }

    /// The class of the value.
    pub fn class(&self) -> Arc<Class> {
        class::class_of(self)
    }

    /// The name of the value's type, as error messages show it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Instance(i) => i.class.name.to_string(),
            Value::Native(n) => n.type_name().to_string(),
            _ => self.class().name.to_string(),
        }
    }
}

/// Lock a mutex, ignoring poisoning: a panic elsewhere must not make every later access fail.
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A list: its items behind its own lock.
pub struct List {
    /// The items.
    pub items: Mutex<Vec<Value>>,
}

impl List {
    /// A list of these items.
    pub fn new(items: Vec<Value>) -> List {
        List {
            items: Mutex::new(items),
        }
    }

    /// A copy of the items (the lock is released before anything else runs).
    pub fn snapshot(&self) -> Vec<Value> {
        lock(&self.items).clone()
    }
}

/// A set: keys in insertion order behind a lock (CPython's order differs; sort to print).
pub struct Set {
    /// The items by key.
    pub items: Mutex<dict::Map<Value>>,
}

impl Set {
    /// An empty set.
    pub fn new() -> Set {
        Set {
            items: Mutex::new(dict::Map::default()),
        }
    }

    /// A copy of the items, in CPython's order for sets of numbers.
    pub fn snapshot(&self) -> Vec<Value> {
        let items: Vec<Value> = lock(&self.items).values().cloned().collect();
        match setorder::cpython_order(&items) {
            Some(order) => order.into_iter().map(|i| items[i].clone()).collect(),
            None => items,
        }
    }
}

/// `range(start, stop, step)`.
#[derive(Debug)]
pub struct RangeObj {
    /// First value.
    pub start: i64,
    /// End (excluded).
    pub stop: i64,
    /// Step (never 0).
    pub step: i64,
}

impl RangeObj {
    /// Number of values.
    pub fn len(&self) -> i64 {
        // In i128: the distance between two i64 bounds can exceed i64.
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 && start < stop {
            (stop - start - 1) / step + 1
        } else if step < 0 && start > stop {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        };
        n.min(i64::MAX as i128) as i64
    }
}

/// A cell: a variable shared between a function and the closures made inside it.
pub struct Cell {
    /// The value, `None` while unbound.
    pub value: Mutex<Option<Value>>,
}

impl Cell {
    /// An unbound cell.
    pub fn new() -> Arc<Cell> {
        Arc::new(Cell {
            value: Mutex::new(None),
        })
    }
}

/// A Python function: code plus what `def` evaluated.
pub struct Function {
    /// The compiled body.
    pub code: Arc<Code>,
    /// The module's globals.
    pub globals: Arc<Dict>,
    /// Defaults of the last positional parameters.
    pub defaults: Vec<Value>,
    /// Defaults of keyword-only parameters.
    pub kwdefaults: Vec<(Arc<str>, Value)>,
    /// Cells of the free variables.
    pub closure: Vec<Arc<Cell>>,
    /// The class whose body defined the function (for `super()`).
    pub owner: Mutex<Weak<Class>>,
    /// Where each global name was last found (see `Vm::load_global`). Relaxed atomics: a
    /// stale entry is detected and costs only a slow lookup.
    pub global_cache: Box<[std::sync::atomic::AtomicU64]>,
}

impl Function {
    /// An empty global-name cache for a code object.
    pub fn new_cache(code: &Code) -> Box<[std::sync::atomic::AtomicU64]> {
        code.names
            .iter()
            .map(|_| std::sync::atomic::AtomicU64::new(0))
            .collect()
    }
}

/// The signature of a function written in Rust.
pub type BuiltinFn =
    fn(&mut crate::vm::Vm, Vec<Value>, Vec<(Arc<str>, Value)>) -> crate::vm::PyResult<Value>;

/// A function written in Rust.
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// Its body.
    pub f: BuiltinFn,
}

/// A module: a name and its globals.
pub struct Module {
    /// Its name.
    pub name: Arc<str>,
    /// Its globals.
    pub dict: Arc<Dict>,
}

/// A generator: its suspended frame.
pub struct Generator {
    /// The suspended frame; `None` while running or once finished.
    pub frame: Mutex<GenState>,
    /// The generator's name.
    pub name: Arc<str>,
    /// What the generator returned (the value of its final StopIteration).
    pub result: Mutex<Value>,
    /// Made by an `async def` (a coroutine object).
    pub coroutine: bool,
    /// Its code (for the `repr` of asyncio tasks: name, file, line).
    pub code: Arc<Code>,
    /// Coroutines: where to warn if it is dropped without ever running.
    pub warn_to: Option<Arc<dyn crate::host::Host>>,
}

/// The state of a generator.
pub enum GenState {
    /// Not running; the frame to resume.
    Suspended(Box<Frame>),
    /// Running on some thread.
    Running,
    /// Returned or raised.
    Finished,
}

/// An object implemented in Rust (a lock, a thread handle ...).
pub trait NativeObject: Send + Sync + Any {
    /// The type's name.
    fn type_name(&self) -> &'static str;
    /// Call a method. By default the object has none.
    ///
    /// # Errors
    /// Whatever the method raises; AttributeError if it has no such method.
    fn call_method(
        &self,
        _vm: &mut crate::vm::Vm,
        name: &str,
        _args: Vec<Value>,
        _kwargs: Vec<(Arc<str>, Value)>,
    ) -> crate::vm::PyResult<Value> {
        Err(crate::vm::err(
            "AttributeError",
            &format!("'{}' object has no attribute '{name}'", self.type_name()),
        ))
    }
    /// Read an attribute that is not a method (`ident`: the reading thread).
    fn get_attr(&self, _ident: u64, _name: &str) -> Option<Value> {
        None
    }
    /// Set an attribute; false if the object has no writable attributes.
    fn set_attr(&self, _ident: u64, _name: &str, _value: Value) -> bool {
        false
    }
    /// Does it have this method? By default, no.
    fn has_method(&self, _name: &str) -> bool {
        false
    }
    /// For downcasting.
    fn as_any(&self) -> &dyn Any;
}

#[cfg(test)]
mod layout_tests {
    use super::Value;
    use std::mem::size_of;

    /// A local slot (`Option<Value>`) is no bigger than a value: `None` uses a spare tag.
    #[test]
    fn values_stay_three_words() {
        assert!(size_of::<Value>() <= 3 * size_of::<usize>());
        assert_eq!(size_of::<Option<Value>>(), size_of::<Value>());
    }
}
