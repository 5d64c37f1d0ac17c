//! The format-spec mini-language (`f"{x:>8}"`, `:.2f`, `:,`, `:_`, `:08.3e`, `:x`, `:%`).

use super::Value;
use super::float::float_repr;
use crate::vm::{PyResult, err};
use num_bigint::BigInt;
use num_traits::Signed;

/// A parsed format spec.
#[derive(Debug, Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(s: &str) -> PyResult<Spec> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut spec = Spec::default();
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        spec.fill = Some(c[0]);
        spec.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        spec.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        spec.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        spec.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        spec.zero = true;
        i += 1;
    }
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        spec.width = c[start..i].iter().collect::<String>().parse().unwrap_or(0);
        crate::limits::check_str_len(spec.width)?;
    }
    if i < c.len() && matches!(c[i], ',' | '_') {
        spec.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let start = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(err("ValueError", "Format specifier missing precision"));
        }
        spec.precision = c[start..i].iter().collect::<String>().parse().ok();
        crate::limits::check_str_len(spec.precision.unwrap_or(0))?;
    }
    if i < c.len() {
        spec.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return Err(err("ValueError", "Invalid format specifier"));
    }
    Ok(spec)
}

fn group(digits: &str, sep: char, every: usize) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / every);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Group digits; with zero padding, leading zeros are grouped too (`f"{42:08_}"` is
/// `0_000_042`): zeros are added until the grouped digits fill the width left over.
fn zero_grouped(spec: &Spec, digits: &str, sep: char, every: usize, used: usize) -> String {
    let mut grouped = group(digits, sep, every);
    if spec.zero && spec.align.is_none() {
        let need = spec.width.saturating_sub(used);
        let mut d = digits.to_string();
        while grouped.chars().count() < need {
            d.insert(0, '0');
            grouped = group(&d, sep, every);
        }
    }
    grouped
}

/// Pad `body` (with its sign split off) to the spec's width.
fn pad(spec: &Spec, sign: &str, body: &str, default_align: char) -> String {
    let len = sign.chars().count() + body.chars().count();
    let n = spec.width.saturating_sub(len);
    let (fill, align) = if spec.zero && spec.align.is_none() {
        ('0', '=')
    } else {
        (
            spec.fill.unwrap_or(' '),
            spec.align.unwrap_or(default_align),
        )
    };
    // Fill before the sign, between sign and body, after the body.
    let (before, between, after) = match align {
        '<' => (0, 0, n),
        '^' => (n / 2, 0, n - n / 2),
        '=' => (0, n, 0),
        _ => (n, 0, 0),
    };
    let mut out = String::with_capacity(sign.len() + body.len() + n * fill.len_utf8());
    out.extend(std::iter::repeat_n(fill, before));
    out.push_str(sign);
    out.extend(std::iter::repeat_n(fill, between));
    out.push_str(body);
    out.extend(std::iter::repeat_n(fill, after));
    out
}

fn sign_of(spec: &Spec, negative: bool) -> &'static str {
    match (negative, spec.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    }
}

/// An int to format: a small one is not widened to a big int first (which allocates).
#[derive(Clone, Copy)]
enum IntArg<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl IntArg<'_> {
    fn is_negative(self) -> bool {
        match self {
            IntArg::Small(i) => i < 0,
            IntArg::Big(b) => b.is_negative(),
        }
    }

    /// The digits of the absolute value.
    fn digits(self, radix: u32) -> String {
        match self {
            IntArg::Small(i) => {
                let a = i.unsigned_abs();
                match radix {
                    16 => format!("{a:x}"),
                    8 => format!("{a:o}"),
                    2 => format!("{a:b}"),
                    _ => a.to_string(),
                }
            }
            IntArg::Big(b) => b.abs().to_str_radix(radix),
        }
    }

    fn to_u32(self) -> Option<u32> {
        match self {
            IntArg::Small(i) => u32::try_from(i).ok(),
            IntArg::Big(b) => u32::try_from(b).ok(),
        }
    }

    fn to_f64(self) -> f64 {
        match self {
            IntArg::Small(i) => i as f64,
            IntArg::Big(b) => num_traits::ToPrimitive::to_f64(b).unwrap_or(f64::INFINITY),
        }
    }
}

fn format_int(spec: &Spec, v: IntArg<'_>) -> PyResult<String> {
    let neg = v.is_negative();
    let (digits, prefix) = match spec.ty {
        None | Some('d') | Some('n') => (v.digits(10), ""),
        Some('x') => (v.digits(16), "0x"),
        Some('X') => (v.digits(16).to_uppercase(), "0X"),
        Some('o') => (v.digits(8), "0o"),
        Some('b') => (v.digits(2), "0b"),
        Some('c') => {
            let ch = v
                .to_u32()
                .and_then(char::from_u32)
                .ok_or_else(|| err("OverflowError", "%c arg not in range(0x110000)"))?;
            return Ok(pad(spec, "", &ch.to_string(), '<'));
        }
        Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => {
            return format_float(spec, v.to_f64());
        }
        Some(t) => {
            return Err(err(
                "ValueError",
                &format!("Unknown format code '{t}' for object of type 'int'"),
            ));
        }
    };
    let every = if matches!(spec.ty, Some('x' | 'X' | 'o' | 'b')) {
        4
    } else {
        3
    };
    let mut sign = String::from(sign_of(spec, neg));
    if spec.alt {
        sign.push_str(prefix);
    }
    let digits = match spec.grouping {
        Some(g) => zero_grouped(spec, &digits, g, every, sign.len()),
        None => digits,
    };
    Ok(pad(spec, &sign, &digits, '>'))
}

/// `a` (finite, not negative) with `p` decimals, rounded as CPython rounds: half to even
/// on the exact binary value. The usual case is worked out from `a * 10^p`; a value whose
/// scaled fraction is too near one half for that product's rounding error to be ignored,
/// or a big one, goes through the exact decimal expansion (`core::fmt`, many times slower).
pub(crate) fn fixed(a: f64, p: usize) -> String {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    const LIMIT: f64 = (1u64 << 40) as f64;
    if let Some(&scale) = POW10.get(p) {
        // 10^p is exact, so the product is within half an ulp of a·10^p: below 2^40, less
        // than 2^-13 away. A fraction further than that from one half rounds the same way
        // as the exact value's.
        let scaled = a * scale;
        if scaled < LIMIT {
            let whole = scaled.floor();
            let frac = scaled - whole;
            if (frac - 0.5).abs() > 1e-3 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let n = whole as u64 + u64::from(frac > 0.5);
                let unit = 10u64.pow(p as u32);
                return if p == 0 {
                    n.to_string()
                } else {
                    format!("{}.{:0p$}", n / unit, n % unit)
                };
            }
        }
    }
    format!("{a:.p$}")
}

fn exp_form(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{x:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let es = if e < 0 { '-' } else { '+' };
    let out = format!("{m}e{es}{:02}", e.abs());
    if upper { out.to_uppercase() } else { out }
}

fn format_float(spec: &Spec, x: f64) -> PyResult<String> {
    let neg = x.is_sign_negative() && !x.is_nan();
    let a = x.abs();
    let body = if !a.is_finite() {
        let s = if a.is_nan() { "nan" } else { "inf" };
        if matches!(spec.ty, Some('F' | 'E' | 'G')) {
            s.to_uppercase()
        } else {
            s.to_string()
        }
    } else {
        match spec.ty {
            Some('f' | 'F') => fixed(a, spec.precision.unwrap_or(6)),
            Some('e' | 'E') => exp_form(a, spec.precision.unwrap_or(6), spec.ty == Some('E')),
            Some('%') => format!("{:.*}%", spec.precision.unwrap_or(6), a * 100.0),
            Some('g' | 'G') | None if spec.precision.is_some() || spec.ty.is_some() => {
                let p = spec.precision.unwrap_or(6).max(1);
                let e = if a == 0.0 {
                    0
                } else {
                    a.log10().floor() as i32
                };
                // Round first: the exponent after rounding decides the notation.
                let r = exp_form(a, p - 1, false);
                let e = r
                    .split_once('e')
                    .and_then(|(_, e)| e.parse::<i32>().ok())
                    .unwrap_or(e);
                let mut s = if e < -4 || e >= p as i32 {
                    exp_form(a, p - 1, spec.ty == Some('G'))
                } else {
                    fixed(a, (p as i32 - 1 - e).max(0) as usize)
                };
                if !spec.alt {
                    s = strip_zeros(&s);
                }
                if spec.ty.is_none() && !s.contains(['.', 'e', 'E']) {
                    s.push_str(".0");
                }
                s
            }
            None => float_repr(a),
            Some(t) => {
                return Err(err(
                    "ValueError",
                    &format!("Unknown format code '{t}' for object of type 'float'"),
                ));
            }
        }
    };
    let body = match spec.grouping {
        Some(g) if a.is_finite() => {
            let cut = body
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(body.len());
            let rest = &body[cut..];
            let used = sign_of(spec, neg).len() + rest.chars().count();
            format!("{}{rest}", zero_grouped(spec, &body[..cut], g, 3, used))
        }
        _ => body,
    };
    Ok(pad(spec, sign_of(spec, neg), &body, '>'))
}

fn strip_zeros(s: &str) -> String {
    let (m, e) = match s.find('e') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let m = if m.contains('.') {
        m.trim_end_matches('0').trim_end_matches('.')
    } else {
        m
    };
    format!("{m}{e}")
}

/// `format(v, spec)` for built-in values; `None` when the value is not a number or string.
///
/// # Errors
/// ValueError for a bad or unsupported spec.
pub fn format_builtin(v: &Value, spec: &str) -> Option<PyResult<String>> {
    let parsed = match parse_spec(spec) {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    Some(match v {
        Value::Int(i) => format_int(&parsed, IntArg::Small(*i)),
        Value::BigInt(b) => format_int(&parsed, IntArg::Big(b)),
        // A bool with a spec formats as its int (`f"{True:>3}"` is `"  1"`); only the
        // empty spec gives `True` (`format` never gets here with one).
        Value::Bool(b) if !spec.is_empty() => format_int(&parsed, IntArg::Small(*b as i64)),
        Value::Float(f) => format_float(&parsed, *f),
        Value::Str(s) => {
            if let Some(t) = parsed.ty.filter(|t| *t != 's') {
                Err(err(
                    "ValueError",
                    &format!("Unknown format code '{t}' for object of type 'str'"),
                ))
            } else {
                let body: String = match parsed.precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s.to_string(),
                };
                Ok(pad(&parsed, "", &body, '<'))
            }
        }
        _ => return None,
    })
}

/// Pad an already converted string to a spec (for values whose `__format__` is `str()`).
///
/// # Errors
/// ValueError for a spec that is not plain alignment.
pub fn format_plain(s: &str, spec: &str) -> PyResult<String> {
    let parsed = parse_spec(spec)?;
    Ok(pad(&parsed, "", s, '<'))
}
