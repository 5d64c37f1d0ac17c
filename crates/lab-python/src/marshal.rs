//! Compiled code as bytes: the book's build compiles each listing once and the page runs
//! the bytes, so the runtime needs no parser (the lab's counterpart of CPython's `marshal`).
//!
//! Layout: `LPYC`, a format version (u16, little-endian), a CRC-32 of the rest, then a
//! string table and the module's code object. Numbers are LEB128 varints (signed ones
//! zigzagged), floats their 8 bytes; every string is an index into the table, so a name
//! used by many code objects is stored once and shared again when loaded. Loading checks
//! the checksum, every length and every index an instruction holds, so that bad bytes
//! give an error, never a panic in the loader or the interpreter.

use crate::bytecode::{BinOp, CmpOp, Code, CodeKind, Const, Op, UnOp};
use std::collections::HashMap;
use std::sync::Arc;

const MAGIC: &[u8; 4] = b"LPYC";
/// Bumped whenever the encoding or the meaning of an instruction changes.
pub const VERSION: u16 = 1;
/// Nested code objects deeper than this are refused (CPython's parser stops far earlier).
const MAX_DEPTH: u32 = 200;

/// Why bytes could not be loaded as code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Not compiled code of the lab's Python at all.
    NotCode,
    /// Compiled by another version of the format.
    Version {
        /// The version in the bytes.
        found: u16,
    },
    /// The bytes were damaged or cut short.
    Corrupt(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotCode => write!(f, "not compiled code of the lab's Python"),
            LoadError::Version { found } => write!(
                f,
                "compiled code of format version {found}, but this interpreter reads version {VERSION}: compile the source again"
            ),
            LoadError::Corrupt(why) => write!(f, "compiled code is damaged: {why}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Encode a compiled module.
pub fn dump(code: &Code) -> Vec<u8> {
    let mut w = Writer::default();
    w.code(code);
    let mut table = Vec::new();
    put_uint(&mut table, w.strings.len() as u64);
    for s in &w.strings {
        put_uint(&mut table, s.len() as u64);
        table.extend_from_slice(s.as_bytes());
    }
    let mut body = table;
    body.extend_from_slice(&w.out);
    let mut bytes = Vec::with_capacity(body.len() + 10);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&crc32(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes
}

/// Decode bytes [`dump`] made.
///
/// # Errors
/// Bytes that are not compiled code, of another format version, damaged or cut short.
pub fn load(bytes: &[u8]) -> Result<Arc<Code>, LoadError> {
    if bytes.len() < 10 || &bytes[..4] != MAGIC {
        return Err(LoadError::NotCode);
    }
    let found = u16::from_le_bytes([bytes[4], bytes[5]]);
    if found != VERSION {
        return Err(LoadError::Version { found });
    }
    let sum = u32::from_le_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]);
    let body = &bytes[10..];
    if crc32(body) != sum {
        return Err(corrupt("checksum mismatch"));
    }
    let mut r = Reader {
        bytes: body,
        pos: 0,
        strings: Vec::new(),
    };
    let n = r.len()?;
    for _ in 0..n {
        let len = r.len()?;
        let raw = r.take(len)?;
        let s = std::str::from_utf8(raw).map_err(|_| corrupt("a string is not UTF-8"))?;
        r.strings.push(Arc::from(s));
    }
    let code = r.code(0)?;
    if r.pos != r.bytes.len() {
        return Err(corrupt("bytes after the module"));
    }
    Ok(Arc::new(code))
}

fn corrupt(why: &str) -> LoadError {
    LoadError::Corrupt(why.to_string())
}

/// CRC-32 (IEEE), bit by bit: a module is a few kilobytes, so no table is worth its size.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn put_uint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    strings: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

impl Writer {
    fn uint(&mut self, v: u64) {
        put_uint(&mut self.out, v);
    }

    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn str(&mut self, s: &Arc<str>) {
        let next = self.strings.len() as u32;
        let i = *self.index.entry(s.clone()).or_insert_with(|| {
            self.strings.push(s.clone());
            next
        });
        self.uint(u64::from(i));
    }

    fn strs(&mut self, v: &[Arc<str>]) {
        self.uint(v.len() as u64);
        for s in v {
            self.str(s);
        }
    }

    fn code(&mut self, c: &Code) {
        self.str(&c.name);
        self.str(&c.qualname);
        self.str(&c.filename);
        self.byte(match c.kind {
            CodeKind::Module => 0,
            CodeKind::Function => 1,
            CodeKind::Class => 2,
        });
        let flags = u8::from(c.varargs)
            | (u8::from(c.varkw) << 1)
            | (u8::from(c.generator) << 2)
            | (u8::from(c.coroutine) << 3)
            | (u8::from(c.async_generator) << 4);
        self.byte(flags);
        for n in [c.argcount, c.posonlycount, c.kwonlycount, c.firstline] {
            self.uint(u64::from(n));
        }
        self.strs(&c.names);
        self.strs(&c.varnames);
        self.strs(&c.cellvars);
        self.strs(&c.freevars);
        self.uint(c.cell_params.len() as u64);
        for &(cell, slot) in &c.cell_params {
            self.uint(u64::from(cell));
            self.uint(u64::from(slot));
        }
        self.uint(c.consts.len() as u64);
        for k in &c.consts {
            self.constant(k);
        }
        self.uint(c.ops.len() as u64);
        for op in &c.ops {
            put_op(self, op);
        }
        // Lines as runs (a line and how many instructions in a row have it): most
        // statements compile to several instructions.
        let mut runs: Vec<(u32, u64)> = Vec::new();
        for &line in &c.lines {
            match runs.last_mut() {
                Some((l, n)) if *l == line => *n += 1,
                _ => runs.push((line, 1)),
            }
        }
        self.uint(runs.len() as u64);
        let mut prev = 0i64;
        for (line, n) in runs {
            self.uint(zigzag(i64::from(line) - prev));
            self.uint(n);
            prev = i64::from(line);
        }
    }

    fn constant(&mut self, k: &Const) {
        match k {
            Const::None => self.byte(0),
            Const::Bool(false) => self.byte(1),
            Const::Bool(true) => self.byte(2),
            Const::Int(i) => {
                self.byte(3);
                self.uint(zigzag(*i));
            }
            Const::BigInt(s) => {
                self.byte(4);
                self.str(s);
            }
            Const::Float(f) => {
                self.byte(5);
                self.out.extend_from_slice(&f.to_le_bytes());
            }
            Const::Str(s) => {
                self.byte(6);
                self.str(s);
            }
            Const::Names(n) => {
                self.byte(7);
                self.strs(n);
            }
            Const::Code(c) => {
                self.byte(8);
                self.code(c);
            }
            Const::Ellipsis => self.byte(9),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    strings: Vec<Arc<str>>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt("cut short"))?;
        let bytes: &'a [u8] = self.bytes;
        self.pos = end;
        Ok(&bytes[end - n..end])
    }

    fn byte(&mut self) -> Result<u8, LoadError> {
        Ok(self.take(1)?[0])
    }

    fn uint(&mut self) -> Result<u64, LoadError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("a number is too long"))
    }

    fn u32(&mut self) -> Result<u32, LoadError> {
        u32::try_from(self.uint()?).map_err(|_| corrupt("a number is out of range"))
    }

    fn u8(&mut self) -> Result<u8, LoadError> {
        u8::try_from(self.uint()?).map_err(|_| corrupt("a number is out of range"))
    }

    /// A count of items still to come: each takes at least one byte, so a count larger
    /// than what is left is damage (and no huge allocation is made for it).
    fn len(&mut self) -> Result<usize, LoadError> {
        let n = self.uint()?;
        if n > (self.bytes.len() - self.pos) as u64 {
            return Err(corrupt("a length runs past the end"));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<Arc<str>, LoadError> {
        let i = self.uint()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| self.strings.get(i))
            .cloned()
            .ok_or_else(|| corrupt("a string index is out of range"))
    }

    fn strs(&mut self) -> Result<Vec<Arc<str>>, LoadError> {
        let n = self.len()?;
        (0..n).map(|_| self.str()).collect()
    }

    fn code(&mut self, depth: u32) -> Result<Code, LoadError> {
        if depth > MAX_DEPTH {
            return Err(corrupt("code objects nested too deeply"));
        }
        let name = self.str()?;
        let qualname = self.str()?;
        let filename = self.str()?;
        let kind = match self.byte()? {
            0 => CodeKind::Module,
            1 => CodeKind::Function,
            2 => CodeKind::Class,
            _ => return Err(corrupt("unknown kind of code")),
        };
        let flags = self.byte()?;
        let argcount = self.u32()?;
        let posonlycount = self.u32()?;
        let kwonlycount = self.u32()?;
        let firstline = self.u32()?;
        let names = self.strs()?;
        let varnames = self.strs()?;
        let cellvars = self.strs()?;
        let freevars = self.strs()?;
        let n = self.len()?;
        let mut cell_params = Vec::with_capacity(n);
        for _ in 0..n {
            cell_params.push((self.u32()?, self.u32()?));
        }
        let n = self.len()?;
        let mut consts = Vec::with_capacity(n);
        for _ in 0..n {
            consts.push(self.constant(depth)?);
        }
        let n = self.len()?;
        let mut ops = Vec::with_capacity(n);
        for _ in 0..n {
            ops.push(get_op(self)?);
        }
        let runs = self.len()?;
        let mut lines = Vec::with_capacity(ops.len());
        let mut prev = 0i64;
        for _ in 0..runs {
            let line = prev + unzigzag(self.uint()?);
            let count = self.uint()?;
            let line = u32::try_from(line).map_err(|_| corrupt("a line is out of range"))?;
            if count > (ops.len() - lines.len()) as u64 {
                return Err(corrupt("more lines than instructions"));
            }
            lines.extend(std::iter::repeat_n(line, count as usize));
            prev = i64::from(line);
        }
        if lines.len() != ops.len() {
            return Err(corrupt("fewer lines than instructions"));
        }
        let mut code = Code {
            name,
            qualname,
            filename,
            kind,
            ops,
            lines,
            consts,
            names,
            varnames,
            cellvars,
            freevars,
            cell_params,
            argcount,
            posonlycount,
            kwonlycount,
            varargs: flags & 1 != 0,
            varkw: flags & 2 != 0,
            generator: flags & 4 != 0,
            coroutine: flags & 8 != 0,
            async_generator: flags & 16 != 0,
            firstline,
        };
        check(&code)?;
        crate::bytecode::quicken(&mut code);
        Ok(code)
    }

    fn constant(&mut self, depth: u32) -> Result<Const, LoadError> {
        Ok(match self.byte()? {
            0 => Const::None,
            1 => Const::Bool(false),
            2 => Const::Bool(true),
            3 => Const::Int(unzigzag(self.uint()?)),
            4 => {
                let s = self.str()?;
                let digits = s.strip_prefix('-').unwrap_or(&s);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(corrupt("a big int is not a decimal number"));
                }
                Const::BigInt(s)
            }
            5 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Const::Float(f64::from_le_bytes(a))
            }
            6 => Const::Str(self.str()?),
            7 => Const::Names(self.strs()?.into()),
            8 => Const::Code(Arc::new(self.code(depth + 1)?)),
            9 => Const::Ellipsis,
            _ => return Err(corrupt("unknown kind of constant")),
        })
    }
}

/// Every index an instruction holds points into its table, and every jump into the code:
/// the interpreter indexes without checking.
fn check(c: &Code) -> Result<(), LoadError> {
    // Names the instruction by its position: `Op`'s Debug would cost the runtime 3 kB.
    let bad = |what: &str, op: &Op| {
        let at = c.ops.iter().position(|o| std::ptr::eq(o, op)).unwrap_or(0);
        Err(corrupt(&format!(
            "{what} out of range in instruction {at} of {}",
            c.qualname
        )))
    };
    let n_consts = c.consts.len() as u32;
    let n_names = c.names.len() as u32;
    let n_locals = c.varnames.len() as u32;
    let n_cells = (c.cellvars.len() + c.freevars.len()) as u32;
    let n_ops = c.ops.len() as u32;
    let is_code = |i: u32| matches!(c.consts.get(i as usize), Some(Const::Code(_)));
    let is_names = |i: u32| matches!(c.consts.get(i as usize), Some(Const::Names(_)));
    for &(cell, slot) in &c.cell_params {
        if cell >= c.cellvars.len() as u32 || slot >= n_locals {
            return Err(corrupt("a cell parameter is out of range"));
        }
    }
    let params = c.argcount + c.kwonlycount + u32::from(c.varargs) + u32::from(c.varkw);
    if c.posonlycount > c.argcount || params > n_locals {
        return Err(corrupt("more parameters than local variables"));
    }
    for op in &c.ops {
        match *op {
            Op::LoadConst(i) if i >= n_consts => return bad("a constant", op),
            Op::MakeFunction(i, _) if !is_code(i) => return bad("a code constant", op),
            Op::CallKw(_, i) if !is_names(i) => return bad("a names constant", op),
            Op::LoadFast(i) | Op::StoreFast(i) | Op::DeleteFast(i) if i >= n_locals => {
                return bad("a local", op);
            }
            Op::LoadDeref(i) | Op::StoreDeref(i) | Op::LoadClosure(i) if i >= n_cells => {
                return bad("a cell", op);
            }
            Op::LoadGlobal(i)
            | Op::StoreGlobal(i)
            | Op::DeleteGlobal(i)
            | Op::LoadName(i)
            | Op::StoreName(i)
            | Op::LoadAttr(i)
            | Op::StoreAttr(i)
            | Op::DeleteAttr(i)
            | Op::CallMethod(i, _)
            | Op::Import(i)
            | Op::ImportFrom(i)
                if i >= n_names =>
            {
                return bad("a name", op);
            }
            Op::Jump(t)
            | Op::PopJumpIfFalse(t)
            | Op::PopJumpIfTrue(t)
            | Op::JumpIfFalseOrPop(t)
            | Op::JumpIfTrueOrPop(t)
            | Op::ForIter(t)
            | Op::SetupExcept(t)
            | Op::SetupWith(t)
                if t >= n_ops =>
            {
                return bad("a jump target", op);
            }
            _ => {}
        }
    }
    Ok(())
}

/// An instruction's operand as bytes.
trait Operand: Sized {
    fn put(&self, w: &mut Writer);
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError>;
}

impl Operand for u32 {
    fn put(&self, w: &mut Writer) {
        w.uint(u64::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
        r.u32()
    }
}

impl Operand for u8 {
    fn put(&self, w: &mut Writer) {
        w.uint(u64::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
        r.u8()
    }
}

impl Operand for bool {
    fn put(&self, w: &mut Writer) {
        w.byte(u8::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("a flag is neither 0 nor 1")),
        }
    }
}

/// Operators that are plain enums: their position in a fixed list.
macro_rules! enum_operand {
    ($t:ident: $($v:ident),+) => {
        impl Operand for $t {
            fn put(&self, w: &mut Writer) {
                const ALL: &[$t] = &[$($t::$v),+];
                let i = ALL.iter().position(|x| x == self).unwrap_or(0);
                w.byte(i as u8);
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
                const ALL: &[$t] = &[$($t::$v),+];
                ALL.get(usize::from(r.byte()?))
                    .copied()
                    .ok_or_else(|| corrupt(concat!("unknown ", stringify!($t))))
            }
        }
        // Fails to compile when a variant is added without being listed above.
        const _: fn($t) = |x| match x { $($t::$v)|+ => {} };
    };
}

enum_operand!(BinOp: Add, Sub, Mul, Div, FloorDiv, Mod, Pow, LShift, RShift, Or, Xor, And);
enum_operand!(CmpOp: Eq, Ne, Lt, Le, Gt, Ge);
enum_operand!(UnOp: Neg, Pos, Not, Invert);

/// Each instruction's tag byte. Tags are part of the format: append new instructions,
/// and bump [`VERSION`] when an existing one changes meaning. The match in `put_op` has
/// no catch-all arm, so an instruction missing here does not compile.
macro_rules! op_tags {
    ($($tag:literal $name:ident $(($($f:ident: $t:ty),+))?;)+) => {
        fn put_op(w: &mut Writer, op: &Op) {
            match op {
                $(Op::$name $(($($f),+))? => {
                    w.byte($tag);
                    $($($f.put(w);)+)?
                })+
                // Fused at load (`bytecode::quicken`): written as the instruction they
                // replaced.
                Op::FastIntArith(..)
                | Op::FastIntCompare(..)
                | Op::FastFastArith(..)
                | Op::FastFast(..) => {
                    put_op(w, &op.unfused())
                }
            }
        }

        fn get_op(r: &mut Reader<'_>) -> Result<Op, LoadError> {
            Ok(match r.byte()? {
                $($tag => Op::$name $(($(<$t>::get(r)?),+))?,)+
                _ => return Err(corrupt("unknown instruction")),
            })
        }
    };
}

op_tags! {
    0 LoadConst(a: u32);
    1 LoadFast(a: u32);
    2 StoreFast(a: u32);
    3 DeleteFast(a: u32);
    4 LoadDeref(a: u32);
    5 StoreDeref(a: u32);
    6 LoadGlobal(a: u32);
    7 StoreGlobal(a: u32);
    8 DeleteGlobal(a: u32);
    9 LoadName(a: u32);
    10 StoreName(a: u32);
    11 LoadAttr(a: u32);
    12 StoreAttr(a: u32);
    13 DeleteAttr(a: u32);
    14 CallMethod(a: u32, b: u32);
    15 Binary(a: BinOp);
    16 Inplace(a: BinOp);
    17 Unary(a: UnOp);
    18 Compare(a: CmpOp);
    19 Is(a: bool);
    20 In(a: bool);
    21 Subscr;
    22 StoreSubscr;
    23 DeleteSubscr;
    24 BuildTuple(a: u32);
    25 BuildList(a: u32);
    26 BuildSet(a: u32);
    27 BuildMap(a: u32);
    28 BuildSlice(a: u32);
    29 BuildString(a: u32);
    30 FormatValue(a: u8, b: bool);
    31 ListAppend(a: u32);
    32 SetAdd(a: u32);
    33 MapAdd(a: u32);
    34 ListExtend;
    35 DictUpdate;
    36 ListToTuple;
    37 UnpackSequence(a: u32);
    38 UnpackEx(a: u32, b: u32);
    39 Jump(a: u32);
    40 PopJumpIfFalse(a: u32);
    41 PopJumpIfTrue(a: u32);
    42 JumpIfFalseOrPop(a: u32);
    43 JumpIfTrueOrPop(a: u32);
    44 GetIter;
    45 ForIter(a: u32);
    46 Pop;
    47 Dup;
    48 Dup2;
    49 Rot2;
    50 Rot3;
    51 Call(a: u32);
    52 CallKw(a: u32, b: u32);
    53 CallEx(a: bool);
    54 MakeFunction(a: u32, b: u8);
    55 LoadClosure(a: u32);
    56 Return;
    57 Yield;
    58 SetupExcept(a: u32);
    59 PopBlock;
    60 PopExcept;
    61 Raise(a: u8);
    62 CheckExcMatch;
    63 BeforeWith;
    64 CallExitNone;
    65 WithExcept;
    66 BuildClass;
    67 Import(a: u32);
    68 ImportFrom(a: u32);
    69 LoadSuper;
    70 AssertFail(a: bool);
    71 Nop;
    72 GetAwaitable;
    73 YieldFrom;
    74 BeforeAsyncWith;
    75 CallAsyncExitNone;
    76 AsyncWithExcept;
    77 GetAIter;
    78 EndAsyncFor;
    79 ExcStarBegin;
    80 ExcStarMatch;
    81 ExcStarRaised;
    82 ExcStarEnd;
    83 AsyncGenWrap;
    84 SetupWith(a: u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for v in [0i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
            let mut out = Vec::new();
            put_uint(&mut out, zigzag(v));
            let mut r = Reader {
                bytes: &out,
                pos: 0,
                strings: Vec::new(),
            };
            assert_eq!(unzigzag(r.uint().unwrap()), v);
        }
    }

    /// Damage that keeps the checksum right (made on purpose, or a bug in the writer)
    /// still gives an error or code that passes the checks, never a panic.
    #[cfg(feature = "parser")]
    #[test]
    fn damage_behind_a_valid_checksum_never_panics() {
        let src = "import threading\ndef f(a, *b, c=3, **d):\n    return [x * a for x in b]\nclass K:\n    def m(self):\n        try:\n            return f(1, 2, c=4)\n        except ValueError as e:\n            raise KeyError from e\nprint(K().m(), 2 ** 100, 1.5, ...)\n";
        let bytes = dump(&crate::parse::compile_source(src, "t.py").unwrap());
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut ok, mut refused) = (0, 0);
        for _ in 0..20_000 {
            let mut body = bytes[10..].to_vec();
            for _ in 0..1 + next() % 3 {
                let i = (next() % body.len() as u64) as usize;
                body[i] = next() as u8;
            }
            let mut damaged = bytes[..6].to_vec();
            damaged.extend_from_slice(&crc32(&body).to_le_bytes());
            damaged.extend_from_slice(&body);
            match load(&damaged) {
                Ok(_) => ok += 1,
                Err(LoadError::Corrupt(_)) => refused += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert!(refused > 0 && ok + refused == 20_000);
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
