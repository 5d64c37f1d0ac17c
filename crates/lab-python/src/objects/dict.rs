//! Dicts (insertion-ordered, behind their own lock) and the hashable key they are indexed by.

use super::{Value, lock};
use indexmap::IndexMap;
use num_bigint::BigInt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A hashable value reduced to what decides equality, so that `1`, `1.0` and `True` are
/// one key, as in Python. Instances and other objects are keyed by identity.
#[derive(Clone, Eq, Debug)]
pub enum Key {
    /// `None`
    None,
    /// An int, bool or integral float.
    Int(i64),
    /// A big int.
    BigInt(Arc<BigInt>),
    /// A float that is not an integer, by its bits.
    Float(u64),
    /// A string.
    Str(Arc<str>),
    /// A tuple of keys.
    Tuple(Arc<[Key]>),
    /// Anything else hashable: its identity.
    Id(usize),
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        match (self, other) {
            // Names are shared `Arc`s: pointer equality settles most lookups.
            (Key::Str(a), Key::Str(b)) => Arc::ptr_eq(a, b) || a == b,
            (Key::None, Key::None) => true,
            (Key::Int(a), Key::Int(b)) => a == b,
            (Key::BigInt(a), Key::BigInt(b)) => a == b,
            (Key::Float(a), Key::Float(b)) => a == b,
            (Key::Tuple(a), Key::Tuple(b)) => a == b,
            (Key::Id(a), Key::Id(b)) => a == b,
            _ => false,
        }
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Key::None => h.write_u8(0),
            Key::Int(i) => {
                h.write_u8(1);
                h.write_i64(*i);
            }
            Key::BigInt(b) => {
                h.write_u8(2);
                b.hash(h);
            }
            Key::Float(f) => {
                h.write_u8(3);
                h.write_u64(*f);
            }
            Key::Str(s) => StrKey(s).hash(h),
            Key::Tuple(t) => {
                h.write_u8(5);
                for k in t.iter() {
                    k.hash(h);
                }
            }
            Key::Id(i) => {
                h.write_u8(6);
                h.write_usize(*i);
            }
        }
    }
}

/// A borrowed string key: looks a name up without building a `Key` (no reference count).
pub struct StrKey<'a>(pub &'a str);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u8(4);
        h.write(self.0.as_bytes());
    }
}

impl indexmap::Equivalent<Key> for StrKey<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        matches!(key, Key::Str(s) if &**s == self.0)
    }
}

impl Key {
    /// The key of a value.
    ///
    /// # Errors
    /// The type name when the value is unhashable (list, dict, set).
    pub fn from_value(v: &Value) -> Result<Key, String> {
        Ok(match v {
            Value::None => Key::None,
            Value::Bool(b) => Key::Int(*b as i64),
            Value::Int(i) => Key::Int(*i),
            Value::BigInt(b) => Key::BigInt(b.clone()),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e18 {
                    Key::Int(*f as i64)
                } else {
                    Key::Float(f.to_bits())
                }
            }
            Value::Str(s) => Key::Str(s.clone()),
            Value::Tuple(t) => Key::Tuple(
                t.iter()
                    .map(Key::from_value)
                    .collect::<Result<Vec<_>, _>>()?
                    .into(),
            ),
            Value::List(_) | Value::Dict(_) | Value::Set(_) => return Err(v.type_name()),
            other => Key::Id(other.identity()),
        })
    }

    /// The key of a string.
    pub fn str(s: &str) -> Key {
        Key::Str(Arc::from(s))
    }
}

/// A fast non-cryptographic hasher (the Fx hash of rustc): dict keys are hashed on every
/// global lookup, and SipHash's flood resistance buys nothing in a teaching interpreter.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        // The tail (most names are shorter than 8 bytes) as one word, not byte by byte.
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The hasher of dicts and sets.
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// The map type of dicts and sets.
pub type Map<V> = IndexMap<Key, V, FxBuild>;

/// A dict: key, original key value and value, in insertion order.
pub struct Dict {
    /// The entries.
    pub map: Mutex<Map<(Value, Value)>>,
    /// Changes whenever a key is added or removed (not when a value is replaced): a cached
    /// "this name is not a global" stays valid while it is unchanged.
    keys_version: AtomicU64,
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Dict {
        Dict {
            map: Mutex::new(Map::default()),
            keys_version: AtomicU64::new(0),
        }
    }

    /// The value at a key.
    pub fn get(&self, k: &Key) -> Option<Value> {
        lock(&self.map).get(k).map(|(_, v)| v.clone())
    }

    /// The value of a string key.
    pub fn get_str(&self, k: &str) -> Option<Value> {
        lock(&self.map).get(&StrKey(k)).map(|(_, v)| v.clone())
    }

    /// Replace the value of an existing string key; false if the key is absent.
    pub fn replace_str(&self, k: &str, v: Value) -> bool {
        match lock(&self.map).get_mut(&StrKey(k)) {
            Some(e) => {
                e.1 = v;
                true
            }
            None => false,
        }
    }

    /// Set a key (keeps the first key value and the position, as Python).
    pub fn set(&self, k: Key, kv: Value, v: Value) {
        // One hash and probe whether the key is new or not.
        match lock(&self.map).entry(k) {
            indexmap::map::Entry::Occupied(mut e) => e.get_mut().1 = v,
            indexmap::map::Entry::Vacant(e) => {
                e.insert((kv, v));
                self.keys_changed();
            }
        }
    }

    /// Record that keys were added or removed (callers that edit `map` directly).
    pub fn keys_changed(&self) {
        self.keys_version.fetch_add(1, Ordering::Relaxed);
    }

    /// The keys' version (see the field).
    pub fn keys_version(&self) -> u64 {
        self.keys_version.load(Ordering::Relaxed)
    }

    /// The value at position `index` if its key is the string `name` (a cache check).
    pub fn get_at_str(&self, index: usize, name: &Arc<str>) -> Option<Value> {
        let m = lock(&self.map);
        match m.get_index(index) {
            Some((Key::Str(k), (_, v))) if Arc::ptr_eq(k, name) || **k == **name => Some(v.clone()),
            _ => None,
        }
    }

    /// Replace the value at `index` if its key is the string `name`; else hand `v` back.
    ///
    /// # Errors
    /// The value, when the position holds another key.
    pub fn replace_at_str(&self, index: usize, name: &Arc<str>, v: Value) -> Result<(), Value> {
        let mut m = lock(&self.map);
        match m.get_index_mut(index) {
            Some((Key::Str(k), (_, slot))) if Arc::ptr_eq(k, name) || **k == **name => {
                *slot = v;
                Ok(())
            }
            _ => Err(v),
        }
    }

    /// The position and value of a string key.
    pub fn find_str(&self, name: &str) -> Option<(usize, Value)> {
        lock(&self.map)
            .get_full(&StrKey(name))
            .map(|(i, _, (_, v))| (i, v.clone()))
    }

    /// Set a string key.
    pub fn set_str(&self, k: &str, v: Value) {
        let s: Arc<str> = Arc::from(k);
        self.set(Key::Str(s.clone()), Value::Str(s), v);
    }

    /// Remove a key, keeping the order of the others.
    pub fn remove(&self, k: &Key) -> Option<Value> {
        let r = lock(&self.map).shift_remove(k).map(|(_, v)| v);
        if r.is_some() {
            self.keys_changed();
        }
        r
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        lock(&self.map).len()
    }

    /// A copy of the entries.
    pub fn items(&self) -> Vec<(Value, Value)> {
        lock(&self.map).values().cloned().collect()
    }

    /// A copy of the keys.
    pub fn keys(&self) -> Vec<Value> {
        lock(&self.map).values().map(|(k, _)| k.clone()).collect()
    }
}
