//! `math`: the common functions and constants.

use super::add;
use crate::builtins::arg;
use crate::objects::int::{from_big, to_big, to_f64};
use crate::objects::{Dict, Value};
use crate::vm::{PyResult, err};

fn f(a: &[Value], i: usize, name: &str) -> PyResult<f64> {
    match to_f64(arg(a, i, name)?)? {
        Some(x) => Ok(x),
        None => Err(err("TypeError", "must be real number, not str")),
    }
}

fn domain(x: f64) -> PyResult<Value> {
    if x.is_nan() {
        Err(err("ValueError", "math domain error"))
    } else {
        Ok(Value::Float(x))
    }
}

pub(super) fn init(d: &Dict) {
    d.set_str("pi", Value::Float(std::f64::consts::PI));
    d.set_str("e", Value::Float(std::f64::consts::E));
    d.set_str("tau", Value::Float(std::f64::consts::TAU));
    d.set_str("inf", Value::Float(f64::INFINITY));
    d.set_str("nan", Value::Float(f64::NAN));
    add(d, "sqrt", |_, a, _| {
        let x = f(&a, 0, "sqrt")?;
        if x < 0.0 {
            Err(err("ValueError", "math domain error"))
        } else {
            Ok(Value::Float(x.sqrt()))
        }
    });
    add(d, "isqrt", |_, a, _| {
        let n =
            to_big(arg(&a, 0, "isqrt")?).ok_or_else(|| err("TypeError", "isqrt() needs an int"))?;
        if n.sign() == num_bigint::Sign::Minus {
            return Err(err("ValueError", "isqrt() argument must be nonnegative"));
        }
        Ok(from_big(n.sqrt()))
    });
    add(d, "floor", |_, a, _| match arg(&a, 0, "floor")? {
        Value::Float(x) => crate::builtins::construct_int_from_float(x.floor()),
        v => Ok(from_big(to_big(v).unwrap_or_default())),
    });
    add(d, "ceil", |_, a, _| match arg(&a, 0, "ceil")? {
        Value::Float(x) => crate::builtins::construct_int_from_float(x.ceil()),
        v => Ok(from_big(to_big(v).unwrap_or_default())),
    });
    add(d, "trunc", |_, a, _| {
        crate::builtins::construct_int_from_float(f(&a, 0, "trunc")?.trunc())
    });
    add(d, "exp", |_, a, _| Ok(Value::Float(f(&a, 0, "exp")?.exp())));
    add(d, "log", |_, a, _| {
        let x = f(&a, 0, "log")?;
        if x <= 0.0 {
            return Err(err("ValueError", "math domain error"));
        }
        match a.get(1) {
            Some(_) => Ok(Value::Float(x.ln() / f(&a, 1, "log")?.ln())),
            None => Ok(Value::Float(x.ln())),
        }
    });
    add(d, "log2", |_, a, _| domain(f(&a, 0, "log2")?.log2()));
    add(d, "log10", |_, a, _| domain(f(&a, 0, "log10")?.log10()));
    add(d, "sin", |_, a, _| Ok(Value::Float(f(&a, 0, "sin")?.sin())));
    add(d, "cos", |_, a, _| Ok(Value::Float(f(&a, 0, "cos")?.cos())));
    add(d, "tan", |_, a, _| Ok(Value::Float(f(&a, 0, "tan")?.tan())));
    add(d, "atan2", |_, a, _| {
        Ok(Value::Float(f(&a, 0, "atan2")?.atan2(f(&a, 1, "atan2")?)))
    });
    add(d, "hypot", |_, a, _| {
        Ok(Value::Float(f(&a, 0, "hypot")?.hypot(f(&a, 1, "hypot")?)))
    });
    add(d, "pow", |_, a, _| {
        Ok(Value::Float(f(&a, 0, "pow")?.powf(f(&a, 1, "pow")?)))
    });
    add(d, "fabs", |_, a, _| {
        Ok(Value::Float(f(&a, 0, "fabs")?.abs()))
    });
    add(d, "isclose", |_, a, _| {
        let (x, y) = (f(&a, 0, "isclose")?, f(&a, 1, "isclose")?);
        Ok(Value::Bool(
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        ))
    });
    add(d, "isnan", |_, a, _| {
        Ok(Value::Bool(f(&a, 0, "isnan")?.is_nan()))
    });
    add(d, "isinf", |_, a, _| {
        Ok(Value::Bool(f(&a, 0, "isinf")?.is_infinite()))
    });
    add(d, "gcd", |_, a, _| {
        let mut g = num_bigint::BigInt::from(0);
        for v in &a {
            let x = to_big(v).ok_or_else(|| err("TypeError", "gcd() needs ints"))?;
            g = num_integer::Integer::gcd(&g, &x);
        }
        Ok(from_big(g))
    });
    add(d, "factorial", |_, a, _| {
        let n = match arg(&a, 0, "factorial")? {
            Value::Int(n) if *n >= 0 => *n,
            Value::Int(_) => {
                return Err(err(
                    "ValueError",
                    "factorial() not defined for negative values",
                ));
            }
            _ => return Err(err("TypeError", "factorial() only accepts integral values")),
        };
        if n > 100_000 {
            return Err(err("MemoryError", ""));
        }
        let mut r = num_bigint::BigInt::from(1);
        for i in 2..=n {
            r *= i;
        }
        Ok(from_big(r))
    });
    add(d, "prod", |vm, a, _| {
        let mut r = Value::Int(1);
        for x in vm.to_vec(arg(&a, 0, "prod")?)? {
            r = vm.binary(crate::bytecode::BinOp::Mul, &r, &x)?;
        }
        Ok(r)
    });
}
