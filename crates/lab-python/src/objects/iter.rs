//! Iterators over built-in iterables, and the lazy built-ins (`enumerate`, `zip`, `map`, `filter`).

use super::{List, Value, lock};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A built-in iterator. Sequences, lists and ranges keep their position in an atomic, so
/// that a step of a `for` loop takes no lock (a relaxed load and store: two threads that
/// share one iterator without the GIL may both see an item, as free-threaded CPython
/// does not promise otherwise either; nothing unsound can come of it). The lazy built-ins
/// keep their state behind a lock.
pub enum Iter {
    /// A copy of the items (tuple, str, dict keys, set, reversed ...) and the next position.
    Seq(Arc<[Value]>, AtomicUsize),
    /// A live list (sees appends made while iterating, as in Python) and the next position.
    List(Arc<List>, AtomicUsize),
    /// A range.
    Range {
        /// Next value.
        cur: AtomicI64,
        /// End (excluded).
        stop: i64,
        /// Step.
        step: i64,
    },
    /// `enumerate`, `zip`, `map`, `filter`.
    Lazy(Mutex<IterState>),
}

impl Iter {
    /// An iterator value over a copy of these items.
    pub fn seq(items: Arc<[Value]>) -> Value {
        Value::Iter(Arc::new(Iter::Seq(items, AtomicUsize::new(0))))
    }

    /// An iterator value over a live list.
    pub fn list(list: Arc<List>) -> Value {
        Value::Iter(Arc::new(Iter::List(list, AtomicUsize::new(0))))
    }

    /// An iterator value over a range.
    pub fn range(start: i64, stop: i64, step: i64) -> Value {
        Value::Iter(Arc::new(Iter::Range {
            cur: AtomicI64::new(start),
            stop,
            step,
        }))
    }

    /// An iterator value of a lazy built-in.
    pub fn lazy(state: IterState) -> Value {
        Value::Iter(Arc::new(Iter::Lazy(Mutex::new(state))))
    }
}

/// The state of a lazy built-in iterator.
pub enum IterState {
    /// `enumerate(it, start)`.
    Enumerate(Value, i64),
    /// `zip(*its)`.
    Zip(Vec<Value>),
    /// `map(f, *its)`.
    Map(Value, Vec<Value>),
    /// `filter(f, it)`.
    Filter(Value, Value),
    /// Exhausted.
    Done,
}

/// What one step of a built-in iterator needs.
pub enum Step {
    /// A value.
    Item(Value),
    /// Exhausted.
    Stop,
    /// Needs the interpreter (calls into Python).
    Complex,
}

/// Advance an iterator that needs no Python code; `Step::Complex` otherwise.
#[inline]
pub fn simple_next(it: &Iter) -> Step {
    match it {
        Iter::Seq(items, pos) => {
            let i = pos.load(Ordering::Relaxed);
            match items.get(i) {
                Some(v) => {
                    pos.store(i + 1, Ordering::Relaxed);
                    Step::Item(v.clone())
                }
                None => Step::Stop,
            }
        }
        Iter::List(list, pos) => {
            let i = pos.load(Ordering::Relaxed);
            let item = lock(&list.items).get(i).cloned();
            match item {
                Some(v) => {
                    pos.store(i + 1, Ordering::Relaxed);
                    Step::Item(v)
                }
                None => Step::Stop,
            }
        }
        Iter::Range { cur, stop, step } => {
            let v = cur.load(Ordering::Relaxed);
            if (*step > 0 && v < *stop) || (*step < 0 && v > *stop) {
                cur.store(v.saturating_add(*step), Ordering::Relaxed);
                Step::Item(Value::Int(v))
            } else {
                Step::Stop
            }
        }
        Iter::Lazy(st) => match *lock(st) {
            IterState::Done => Step::Stop,
            _ => Step::Complex,
        },
    }
}
