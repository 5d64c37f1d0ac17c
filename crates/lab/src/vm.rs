//! A tiny bytecode interpreter that runs the source's summing loop the way CPython does.
//!
//! `result = 0; for i in range(start, end): result += i` compiles to a handful of ops;
//! the interpreter dispatches them one by one and, like CPython's eval loop, looks at an
//! "eval breaker" on every backward jump. That is where a thread under the GIL notices a
//! drop request and hands the lock over, so hand-offs happen where CPython's happen.
//!
//! The plain Rust kernels beside it ([`sum_native`], [`sum_parallel`]) are what a C
//! extension would run: the same sum without an interpreter.

use rayon::prelude::*;
use std::hint::black_box;

/// One instruction of the interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Push a constant.
    LoadConst(u64),
    /// Push a local variable.
    LoadFast(usize),
    /// Pop into a local variable.
    StoreFast(usize),
    /// Pop two values, push their (wrapping) sum.
    BinaryAdd,
    /// Set up the range iterator `start..end`.
    GetRange(u64, u64),
    /// Push the iterator's next value, or jump to the target when it is exhausted.
    ForIter(usize),
    /// Jump back to the target; the eval breaker is checked here.
    JumpBackward(usize),
    /// Stop, returning the top of the stack.
    ReturnValue,
}

/// Compiles `result = 0; for i in range(start, end): result += i; return result`.
pub fn sum_loop(start: u64, end: u64) -> Vec<Op> {
    const RESULT: usize = 0;
    const I: usize = 1;
    vec![
        Op::LoadConst(0),
        Op::StoreFast(RESULT),
        Op::GetRange(start, end),
        Op::ForIter(10), // 3
        Op::StoreFast(I),
        Op::LoadFast(RESULT),
        Op::LoadFast(I),
        Op::BinaryAdd,
        Op::StoreFast(RESULT),
        Op::JumpBackward(3),
        Op::LoadFast(RESULT), // 10
        Op::ReturnValue,
    ]
}

/// What the interpreter asks at backward jumps.
pub trait EvalBreaker {
    /// Backward jumps from one call of [`EvalBreaker::check`] to the next; 0 for a
    /// breaker that never asks anything (its no-op check is then called rarely).
    const EVERY: u32 = 1;
    /// Called every [`EvalBreaker::EVERY`]th backward jump; may block (to hand over the
    /// GIL) before returning.
    fn check(&mut self);
}

/// An eval breaker that never asks for anything: a thread with no GIL.
#[derive(Debug, Default)]
pub struct NoBreaker;

impl EvalBreaker for NoBreaker {
    const EVERY: u32 = 0;
    #[inline]
    fn check(&mut self) {}
}

/// Where a run of [`eval`] is: what the interpreter keeps between two slices.
#[derive(Clone, Debug, Default)]
struct Frame {
    pc: usize,
    sp: usize,
    locals: [u64; 2],
    stack: [u64; 4],
    range: std::ops::Range<u64>,
}

/// Runs `code` to its `ReturnValue` and returns that value, asking `breaker` every
/// [`EvalBreaker::EVERY`] backward jumps.
///
/// The loop itself is `run_jumps`, one function for every breaker: it runs a slice of
/// jumps with no call inside, and the breaker is asked between slices. So every model
/// runs the same optimised loop at the same speed (with the check inside the loop, the
/// browser's optimised wasm ran the GIL's version at about 0.65x of the plain one), and
/// a drop request is still noticed within a slice, microseconds against a switch
/// interval of milliseconds.
///
/// # Panics
/// On malformed code (a stack underflow or a jump out of range); [`sum_loop`] never
/// produces such code.
pub fn eval<B: EvalBreaker>(code: &[Op], breaker: &mut B) -> u64 {
    let code = black_box(code);
    // Even with nothing to ask, a long run is cut into slices: the browser switches a
    // function to its optimised code only between calls, so a task that began before
    // the optimiser was done would otherwise run all of its iterations on baseline code.
    let slice = if B::EVERY == 0 { 1 << 16 } else { B::EVERY };
    let mut frame = Frame::default();
    loop {
        if let Some(result) = run_jumps(code, &mut frame, slice) {
            return result;
        }
        breaker.check();
    }
}

/// Runs `code` from `frame` until it returns (`Some(result)`) or has made `jumps`
/// backward jumps (`None`, with `frame` saved to go on from).
// Never inlined: one hot function for every caller and breaker, which the browser
// optimises once (a wasm function changes tiers only between calls).
#[inline(never)]
fn run_jumps(code: &[Op], frame: &mut Frame, mut jumps: u32) -> Option<u64> {
    // Copied into locals for the slice: the value stack then lives on this thread's own
    // stack, not the heap (in the browser the heap is one shared memory, and small heap
    // blocks of different threads can share a cache line: every push would fight the
    // other threads', false sharing).
    let Frame {
        mut pc,
        mut sp,
        mut locals,
        mut stack,
        mut range,
    } = frame.clone();
    loop {
        let op = code[pc];
        pc += 1;
        match op {
            Op::LoadConst(v) => {
                stack[sp] = v;
                sp += 1;
            }
            Op::LoadFast(slot) => {
                stack[sp] = locals[slot];
                sp += 1;
            }
            Op::StoreFast(slot) => {
                sp -= 1;
                locals[slot] = stack[sp];
            }
            Op::BinaryAdd => {
                sp -= 1;
                stack[sp - 1] = stack[sp - 1].wrapping_add(stack[sp]);
            }
            Op::GetRange(start, end) => range = start..end,
            Op::ForIter(exit) => match range.next() {
                Some(i) => {
                    stack[sp] = i;
                    sp += 1;
                }
                None => pc = exit,
            },
            Op::JumpBackward(target) => {
                pc = target;
                jumps -= 1;
                if jumps == 0 {
                    *frame = Frame {
                        pc,
                        sp,
                        locals,
                        stack,
                        range,
                    };
                    return None;
                }
            }
            Op::ReturnValue => return Some(stack[sp - 1]),
        }
    }
}

/// The sum of `start..end` in plain Rust: the kernel without an interpreter.
pub fn sum_native(start: u64, end: u64) -> u64 {
    let mut total = 0u64;
    for i in start..end {
        // black_box keeps the loop a loop: otherwise it folds into a closed form.
        total = total.wrapping_add(black_box(i));
    }
    total
}

/// The sum of `0..n` split into `chunks` pieces summed on the current rayon pool.
pub fn sum_parallel(n: u64, chunks: u64) -> u64 {
    let chunks = chunks.max(1);
    (0..chunks)
        .into_par_iter()
        .map(|c| sum_native(n * c / chunks, n * (c + 1) / chunks))
        .reduce(|| 0, u64::wrapping_add)
}

/// The exact sum of `start..end`, for checking the kernels.
pub fn sum_exact(start: u64, end: u64) -> u64 {
    if end <= start {
        return 0;
    }
    let (a, b) = (u128::from(start), u128::from(end));
    ((b * (b - 1) / 2 - a * a.saturating_sub(1) / 2) % (1u128 << 64)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(u64);
    impl EvalBreaker for Counting {
        fn check(&mut self) {
            self.0 += 1;
        }
    }

    #[test]
    fn interpreter_and_kernels_agree() {
        for (start, end) in [(0, 0), (0, 1), (0, 10), (5, 1000), (0, 100_000)] {
            let exact = sum_exact(start, end);
            assert_eq!(eval(&sum_loop(start, end), &mut NoBreaker), exact);
            assert_eq!(sum_native(start, end), exact);
        }
        // The source's example: sum(range(10_000_000)).
        assert_eq!(sum_exact(0, 10_000_000), 49_999_995_000_000);
    }

    #[test]
    fn serial_and_parallel_kernels_agree() {
        for (n, chunks) in [(0, 1), (1, 4), (1_000_003, 7), (2_000_000, 64)] {
            assert_eq!(sum_parallel(n, chunks), sum_native(0, n));
        }
    }

    #[test]
    fn the_breaker_is_checked_on_every_backward_jump() {
        let mut b = Counting(0);
        eval(&sum_loop(0, 1234), &mut b);
        assert_eq!(b.0, 1234);
    }

    #[test]
    fn a_breaker_can_be_asked_every_nth_jump() {
        struct EveryTen(u64);
        impl EvalBreaker for EveryTen {
            const EVERY: u32 = 10;
            fn check(&mut self) {
                self.0 += 1;
            }
        }
        let mut b = EveryTen(0);
        assert_eq!(eval(&sum_loop(0, 1234), &mut b), sum_exact(0, 1234));
        assert_eq!(b.0, 123);
    }
}
