//! `bytes`, the subset that `hashlib` needs: made by `bytes(n)` (n zero bytes),
//! `bytes(iterable of ints)` or `str.encode()`, with `len`, `repr`, `==` by content and
//! `hex()`. There are no bytes literals (the compiler refuses them), no indexing or slicing.

use crate::objects::{NativeObject, Value};
use crate::vm::{Kwargs, PyResult, Vm, err};
use std::sync::Arc;

/// An immutable run of bytes.
pub struct Bytes(
    /// The bytes.
    pub Vec<u8>,
);

impl Bytes {
    /// A bytes value.
    pub fn value(data: Vec<u8>) -> Value {
        Value::Native(Arc::new(Bytes(data)))
    }

    /// The bytes of `v`, if it is a bytes object.
    pub fn of(v: &Value) -> Option<&[u8]> {
        match v {
            Value::Native(n) => n.as_any().downcast_ref::<Bytes>().map(|b| &b.0[..]),
            _ => None,
        }
    }
}

/// CPython's `repr` of bytes: single quotes unless the bytes hold one and no double quote.
pub fn repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

/// The hexadecimal digits of `data`, two per byte.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

impl NativeObject for Bytes {
    fn type_name(&self) -> &'static str {
        "bytes"
    }
    fn call_method(&self, _: &mut Vm, name: &str, _: Vec<Value>, _: Kwargs) -> PyResult<Value> {
        match name {
            "__len__" => Ok(Value::Int(self.0.len() as i64)),
            "__repr__" => Ok(Value::str(&repr(&self.0))),
            "hex" => Ok(Value::str(&hex(&self.0))),
            _ => Err(err(
                "AttributeError",
                &format!("'bytes' object has no attribute '{name}'"),
            )),
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "__len__" | "__repr__" | "hex")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `bytes()`, `bytes(n)`, `bytes(iterable of ints)`.
///
/// # Errors
/// As CPython: a negative count, an item outside range(0, 256), a string without an
/// encoding; MemoryError past the lab's limit on one string's size.
pub fn construct(vm: &mut Vm, args: &[Value]) -> PyResult<Value> {
    let Some(source) = args.first() else {
        return Ok(Bytes::value(Vec::new()));
    };
    match source {
        Value::Int(n) => {
            if *n < 0 {
                return Err(err("ValueError", "negative count"));
            }
            crate::limits::check_str_len(*n as usize)?;
            Ok(Bytes::value(vec![0; *n as usize]))
        }
        Value::Bool(b) => Ok(Bytes::value(vec![0; usize::from(*b)])),
        Value::Str(_) => Err(err("TypeError", "string argument without an encoding")),
        Value::Native(n) if n.as_any().is::<Bytes>() => Ok(source.clone()),
        _ => {
            let it = vm.iter(source).map_err(|_| {
                err(
                    "TypeError",
                    &format!("cannot convert '{}' object to bytes", source.type_name()),
                )
            })?;
            let mut out = Vec::new();
            while let Some(x) = vm.next(&it)? {
                let v = crate::builtins::small_int(&x)?;
                let b = u8::try_from(v)
                    .map_err(|_| err("ValueError", "bytes must be in range(0, 256)"))?;
                crate::limits::check_str_len(out.len() + 1)?;
                out.push(b);
            }
            Ok(Bytes::value(out))
        }
    }
}
