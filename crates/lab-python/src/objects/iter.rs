//! Iterators over built-in iterables, and the lazy built-ins (`enumerate`, `zip`, `map`, `filter`).

use super::{List, Value, lock};
use std::sync::Arc;

/// The state of a built-in iterator.
pub enum IterState {
    /// A copy of the items (tuple, str, dict keys, set, reversed ...).
    Seq(Arc<[Value]>, usize),
    /// A live list: sees appends made while iterating, as in Python.
    List(Arc<List>, usize),
    /// A range.
    Range {
        /// Next value.
        cur: i64,
        /// End (excluded).
        stop: i64,
        /// Step.
        step: i64,
    },
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
pub fn simple_next(state: &mut IterState) -> Step {
    match state {
        IterState::Seq(items, i) => {
            if *i < items.len() {
                *i += 1;
                Step::Item(items[*i - 1].clone())
            } else {
                Step::Stop
            }
        }
        IterState::List(list, i) => {
            let item = lock(&list.items).get(*i).cloned();
            match item {
                Some(v) => {
                    *i += 1;
                    Step::Item(v)
                }
                None => Step::Stop,
            }
        }
        IterState::Range { cur, stop, step } => {
            if (*step > 0 && *cur < *stop) || (*step < 0 && *cur > *stop) {
                let v = *cur;
                *cur = cur.saturating_add(*step);
                Step::Item(Value::Int(v))
            } else {
                Step::Stop
            }
        }
        IterState::Done => Step::Stop,
        _ => Step::Complex,
    }
}
