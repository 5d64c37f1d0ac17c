//! `hashlib`, SHA-256 only: `sha256(data)` and `new("sha256", data)`, with `update`,
//! `digest`, `hexdigest`, `copy`, `name`, `digest_size` and `block_size`. As in CPython,
//! hashing 2 KiB or more releases the GIL (other threads run meanwhile; the trace shows
//! the span as `native`).

use super::add;
use crate::builtins::{arg, kw};
use crate::objects::bytes::{Bytes, hex};
use crate::objects::{Dict, NativeObject, Value, lock};
use crate::vm::{Kwargs, PyResult, Vm, err};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// CPython releases the GIL for data of this many bytes or more (`HASHLIB_GIL_MINSIZE`).
const GIL_MINSIZE: usize = 2048;

/// A SHA-256 hash object.
struct Hash(Mutex<Sha256>);

impl Hash {
    /// Feeds `data` (a bytes object) to the hash.
    fn update(&self, vm: &mut Vm, data: &Value) -> PyResult<()> {
        let bytes = bytes_arg(data)?;
        if bytes.len() >= GIL_MINSIZE {
            // Only this object's lock is held while the GIL is released: Python code
            // cannot run in between, so nothing can wait for the GIL while holding it.
            vm.allow_threads_as("native", || lock(&self.0).update(bytes));
        } else {
            lock(&self.0).update(bytes);
        }
        Ok(())
    }

    fn digest(&self) -> Vec<u8> {
        lock(&self.0).clone().finalize().to_vec()
    }
}

/// The bytes to hash, or CPython's error for anything else.
fn bytes_arg(v: &Value) -> PyResult<&[u8]> {
    match v {
        Value::Str(_) => Err(err("TypeError", "Strings must be encoded before hashing")),
        _ => Bytes::of(v)
            .ok_or_else(|| err("TypeError", "object supporting the buffer API required")),
    }
}

impl NativeObject for Hash {
    fn type_name(&self) -> &'static str {
        "_hashlib.HASH"
    }
    fn call_method(&self, vm: &mut Vm, name: &str, args: Vec<Value>, _: Kwargs) -> PyResult<Value> {
        match name {
            "update" => {
                self.update(vm, arg(&args, 0, "update")?)?;
                Ok(Value::None)
            }
            "digest" => Ok(Bytes::value(self.digest())),
            "hexdigest" => Ok(Value::str(&hex(&self.digest()))),
            "copy" => Ok(Value::Native(Arc::new(Hash(Mutex::new(
                lock(&self.0).clone(),
            ))))),
            "__repr__" => Ok(Value::str(&format!(
                "<sha256 _hashlib.HASH object @ 0x{:x}>",
                std::ptr::from_ref(self) as usize
            ))),
            _ => Err(err(
                "AttributeError",
                &format!("'_hashlib.HASH' object has no attribute '{name}'"),
            )),
        }
    }
    fn get_attr(&self, _: u64, name: &str) -> Option<Value> {
        match name {
            "name" => Some(Value::str("sha256")),
            "digest_size" => Some(Value::Int(32)),
            "block_size" => Some(Value::Int(64)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "update" | "digest" | "hexdigest" | "copy" | "__repr__"
        )
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A new SHA-256 object fed with `data`, if given.
fn sha256(vm: &mut Vm, data: Option<&Value>) -> PyResult<Value> {
    let h = Hash(Mutex::new(Sha256::new()));
    if let Some(d) = data {
        h.update(vm, d)?;
    }
    Ok(Value::Native(Arc::new(h)))
}

pub(super) fn init(d: &Dict) {
    add(d, "sha256", |vm, a, k| {
        let data = a.first().or_else(|| kw(&k, "string"));
        sha256(vm, data)
    });
    add(d, "new", |vm, a, k| {
        let name = match kw(&k, "name").or_else(|| a.first()) {
            Some(Value::Str(s)) => s.clone(),
            Some(other) => {
                return Err(err(
                    "TypeError",
                    &format!(
                        "new() argument 'name' must be str, not {}",
                        other.type_name()
                    ),
                ));
            }
            None => {
                return Err(err(
                    "TypeError",
                    "new() missing required argument 'name' (pos 1)",
                ));
            }
        };
        if name.to_lowercase() != "sha256" {
            return Err(err(
                "NotImplementedError",
                &format!("the lab's hashlib has sha256 only, not '{name}'"),
            ));
        }
        let data = a.get(1).or_else(|| kw(&k, "string"));
        sha256(vm, data)
    });
}
