//! The namespace of a class or an instance: a few names, looked up on every attribute
//! access.

use super::Value;
use std::sync::Arc;

/// Attribute names and values in insertion order (as `__dict__` shows them), searched
/// in a line. Namespaces hold a handful of names, so comparing lengths (and the bytes of
/// the names as long as the one sought) is quicker than hashing the name on every access.
#[derive(Clone, Default)]
pub struct AttrMap {
    entries: Vec<(Arc<str>, Value)>,
}

impl AttrMap {
    /// Where `name` is. The program's own names are found by their address: an attribute
    /// stored from an instruction keeps the name of its code (`Vm::set_attr`), which the
    /// lookups in that module share. Other strings are compared by content.
    #[inline]
    fn position(&self, name: &str) -> Option<usize> {
        let (p, len) = (name.as_ptr(), name.len());
        if let Some(i) = self
            .entries
            .iter()
            .position(|(k, _)| k.as_ptr() == p && k.len() == len)
        {
            return Some(i);
        }
        let first = name.as_bytes().first();
        self.entries
            .iter()
            .position(|(k, _)| k.len() == len && k.as_bytes().first() == first && **k == *name)
    }

    /// The value of `name`.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|i| &self.entries[i].1)
    }

    /// The value of `name`, to change.
    #[inline]
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.position(name).map(|i| &mut self.entries[i].1)
    }

    /// Is `name` set?
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Set `name` (it keeps its place if it was set); the value it had.
    pub fn insert(&mut self, name: Arc<str>, v: Value) -> Option<Value> {
        match self.position(&name) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, v)),
            None => {
                self.entries.push((name, v));
                None
            }
        }
    }

    /// Unset `name`; the value it had.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.position(name).map(|i| self.entries.remove(i).1)
    }

    /// The names and values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The values, in insertion order, taken.
    pub fn into_values(self) -> impl Iterator<Item = Value> {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// The values, in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// How many names are set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Is nothing set?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
