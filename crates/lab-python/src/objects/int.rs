//! Exact integers: `i64` on the fast path, `BigInt` when a result overflows; floats' arithmetic.

use super::Value;
use crate::bytecode::BinOp;
use crate::vm::{PyResult, err};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use std::sync::Arc;

/// Bits above which a result is refused with MemoryError instead of exhausting memory.
const MAX_BITS: u64 = 1 << 26;

/// An int value from a big integer, back on the fast path when it fits.
pub fn from_big(b: BigInt) -> Value {
    match b.to_i64() {
        Some(i) => Value::Int(i),
        None => Value::BigInt(Arc::new(b)),
    }
}

/// The integer value of an int or bool.
pub fn to_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::BigInt(b) => Some((**b).clone()),
        _ => None,
    }
}

/// An int or bool as a float.
///
/// # Errors
/// OverflowError for ints beyond the float range.
pub fn to_f64(v: &Value) -> PyResult<Option<f64>> {
    Ok(match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Float(f) => Some(*f),
        Value::BigInt(b) => match b.to_f64() {
            Some(f) if f.is_finite() => Some(f),
            _ => return Err(err("OverflowError", "int too large to convert to float")),
        },
        _ => None,
    })
}

fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

/// `a op b` for two ints; `None` if either is not an int.
///
/// # Errors
/// ZeroDivisionError, MemoryError for absurd sizes, ValueError for negative shifts.
pub fn int_binop(op: BinOp, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        let fast = match op {
            BinOp::Add => x.checked_add(y).map(Value::Int),
            BinOp::Sub => x.checked_sub(y).map(Value::Int),
            BinOp::Mul => x.checked_mul(y).map(Value::Int),
            BinOp::FloorDiv if y != 0 && !(x == i64::MIN && y == -1) => {
                Some(Value::Int(Integer::div_floor(&x, &y)))
            }
            BinOp::Mod if y != 0 && !(x == i64::MIN && y == -1) => {
                Some(Value::Int(Integer::mod_floor(&x, &y)))
            }
            BinOp::And => Some(Value::Int(x & y)),
            BinOp::Or => Some(Value::Int(x | y)),
            BinOp::Xor => Some(Value::Int(x ^ y)),
            BinOp::RShift if (0..64).contains(&y) => Some(Value::Int(x >> y)),
            BinOp::RShift if y >= 64 => Some(Value::Int(if x < 0 { -1 } else { 0 })),
            BinOp::LShift if (0..63).contains(&y) && (x << y) >> y == x => Some(Value::Int(x << y)),
            _ => None,
        };
        if let Some(v) = fast {
            return Some(Ok(v));
        }
    }
    // Both operands must be ints before either is widened (`i * 1.5` is a float's job,
    // and widening allocates).
    let is_int = |v: &Value| matches!(v, Value::Int(_) | Value::Bool(_) | Value::BigInt(_));
    if !is_int(a) || !is_int(b) {
        return None;
    }
    let x = to_big(a)?;
    let y = to_big(b)?;
    Some(big_binop(op, x, y))
}

fn big_binop(op: BinOp, x: BigInt, y: BigInt) -> PyResult<Value> {
    let zero_div = |m: &str| Err(err("ZeroDivisionError", m));
    Ok(match op {
        BinOp::Add => from_big(x + y),
        BinOp::Sub => from_big(x - y),
        BinOp::Mul => {
            if x.bits() + y.bits() > MAX_BITS {
                return Err(err("MemoryError", ""));
            }
            from_big(x * y)
        }
        BinOp::FloorDiv => {
            if y.is_zero() {
                return zero_div("integer division or modulo by zero");
            }
            from_big(x.div_floor(&y))
        }
        BinOp::Mod => {
            if y.is_zero() {
                return zero_div("integer modulo by zero");
            }
            from_big(x.mod_floor(&y))
        }
        BinOp::Div => {
            if y.is_zero() {
                return zero_div("division by zero");
            }
            match (x.to_f64(), y.to_f64()) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() => Value::Float(a / b),
                _ => {
                    return Err(err(
                        "OverflowError",
                        "integer division result too large for a float",
                    ));
                }
            }
        }
        BinOp::Pow => {
            if y.is_negative() {
                let (a, b) = (
                    x.to_f64().unwrap_or(f64::INFINITY),
                    y.to_f64().unwrap_or(0.0),
                );
                if a == 0.0 {
                    return zero_div("0.0 cannot be raised to a negative power");
                }
                return Ok(Value::Float(a.powf(b)));
            }
            let e = y.to_u64().unwrap_or(u64::MAX);
            if x.bits() > 1 && x.bits().saturating_mul(e) > MAX_BITS {
                return Err(err("MemoryError", ""));
            }
            from_big(num_traits::pow::Pow::pow(&x, e))
        }
        BinOp::LShift => {
            if y.is_negative() {
                return Err(err("ValueError", "negative shift count"));
            }
            let s = y.to_u64().unwrap_or(u64::MAX);
            if x.is_zero() {
                return Ok(Value::Int(0));
            }
            if x.bits().saturating_add(s) > MAX_BITS {
                return Err(err("MemoryError", ""));
            }
            from_big(x << s)
        }
        BinOp::RShift => {
            if y.is_negative() {
                return Err(err("ValueError", "negative shift count"));
            }
            let s = y.to_u64().unwrap_or(u64::MAX).min(MAX_BITS * 2);
            from_big(x >> s)
        }
        BinOp::And => from_big(x & y),
        BinOp::Or => from_big(x | y),
        BinOp::Xor => from_big(x ^ y),
    })
}

/// `a op b` when at least one is a float and both are numbers; `None` otherwise.
///
/// # Errors
/// ZeroDivisionError, OverflowError.
pub fn float_binop(op: BinOp, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    if !matches!(a, Value::Float(_)) && !matches!(b, Value::Float(_)) {
        return None;
    }
    let x = match to_f64(a) {
        Ok(Some(x)) => x,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    let y = match to_f64(b) {
        Ok(Some(y)) => y,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    let zero = |m: &str| Some(Err(err("ZeroDivisionError", m)));
    let r = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => {
            if y == 0.0 {
                return zero("float division by zero");
            }
            x / y
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                return zero("float floor division by zero");
            }
            float_divmod(x, y).0
        }
        BinOp::Mod => {
            if y == 0.0 {
                return zero("float modulo by zero");
            }
            float_divmod(x, y).1
        }
        BinOp::Pow => {
            if x == 0.0 && y < 0.0 {
                return zero("0.0 cannot be raised to a negative power");
            }
            if x < 0.0 && y.fract() != 0.0 {
                return Some(Err(err(
                    "ValueError",
                    "the lab's Python does not support complex numbers",
                )));
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Some(Err(err(
                    "OverflowError",
                    "(34, 'Numerical result out of range')",
                )));
            }
            r
        }
        _ => return None,
    };
    Some(Ok(Value::Float(r)))
}

/// Python's float `divmod`: the remainder has the divisor's sign.
pub fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut d = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            d -= 1.0;
        }
    } else {
        m = 0.0_f64.copysign(y);
    }
    let mut fd = if d != 0.0 {
        d.floor()
    } else {
        0.0_f64.copysign(x / y)
    };
    if d != 0.0 && d - fd > 0.5 {
        fd += 1.0;
    }
    (fd, m)
}

pub use crate::numlit::parse_int;
