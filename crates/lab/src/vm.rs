//! A tiny bytecode interpreter that runs the source's summing loop the way CPython does.
//!
//! `result = 0; for i in range(start, end): result += i` compiles to a handful of ops;
//! the interpreter dispatches them one by one and, like CPython's eval loop, looks at an
//! "eval breaker" on every backward jump. That is where a thread under the GIL notices a
//! drop request and hands the lock over, so hand-offs happen where CPython's happen.
//! Its integers are objects with reference counts, as CPython's are: each iteration
//! makes new ones and frees old ones.
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

/// What the interpreter asks at every backward jump.
pub trait EvalBreaker {
    /// Called at every backward jump; may block (to hand over the GIL) before returning.
    fn check(&mut self);
}

/// An eval breaker that never asks for anything: a thread with no GIL.
#[derive(Debug, Default)]
pub struct NoBreaker;

impl EvalBreaker for NoBreaker {
    #[inline]
    fn check(&mut self) {}
}

/// How many integer objects one running loop can hold at once: two locals, a stack of
/// four and the new sum before its operands are released, with room to spare. A power
/// of two, so that a handle masked with `HEAP_SLOTS - 1` needs no bounds check.
const HEAP_SLOTS: usize = 16;
/// The handle of "no object" (a local not yet assigned).
const NONE: u32 = u32::MAX;

#[inline(always)]
fn slot_of(handle: u32) -> usize {
    handle as usize & (HEAP_SLOTS - 1)
}

/// An integer object with a reference count, as every Python integer is.
#[derive(Clone, Copy)]
struct IntObject {
    value: u64,
    refs: u32,
    /// The next free slot, while this slot is free.
    next_free: u32,
}

/// The integer objects of one running loop, in a small slab with a free list.
///
/// Each `range` step and each `+` makes a new integer object and drops old ones, as in
/// CPython, where this allocation and reference counting are most of what an iteration
/// costs. The slab is per loop (like free-threaded CPython's per-thread heaps), so
/// threads without a GIL share no counts and no allocator.
struct Heap {
    slots: [IntObject; HEAP_SLOTS],
    free: u32,
}

impl Heap {
    fn new() -> Self {
        let mut slots = [IntObject {
            value: 0,
            refs: 0,
            next_free: NONE,
        }; HEAP_SLOTS];
        for (i, slot) in slots.iter_mut().enumerate().take(HEAP_SLOTS - 1) {
            slot.next_free = i as u32 + 1;
        }
        Heap { slots, free: 0 }
    }

    /// A new object holding `value`, with one reference.
    #[inline(always)]
    fn new_int(&mut self, value: u64) -> u32 {
        let h = self.free;
        assert!(h != NONE, "the interpreter's heap is full: malformed code");
        let slot = &mut self.slots[slot_of(h)];
        self.free = slot.next_free;
        *slot = IntObject {
            value,
            refs: 1,
            next_free: NONE,
        };
        h
    }

    #[inline(always)]
    fn incref(&mut self, h: u32) {
        self.slots[slot_of(h)].refs += 1;
    }

    /// Drops one reference; the object is freed when none is left.
    #[inline(always)]
    fn decref(&mut self, h: u32) {
        if h == NONE {
            return;
        }
        let slot = &mut self.slots[slot_of(h)];
        slot.refs -= 1;
        if slot.refs == 0 {
            slot.next_free = self.free;
            self.free = h;
        }
    }

    #[inline(always)]
    fn value(&self, h: u32) -> u64 {
        self.slots[slot_of(h)].value
    }

    /// Objects still referenced (the slots not on the free list).
    #[cfg(test)]
    fn live(&self) -> usize {
        let mut free = 0;
        let mut h = self.free;
        while h != NONE {
            free += 1;
            h = self.slots[slot_of(h)].next_free;
        }
        HEAP_SLOTS - free
    }
}

/// Runs `code` to its `ReturnValue` and returns that value.
///
/// # Panics
/// On malformed code (a stack underflow, a jump out of range, more live objects than the
/// heap holds); [`sum_loop`] never produces such code.
pub fn eval(code: &[Op], breaker: &mut impl EvalBreaker) -> u64 {
    // The stack and the objects live on this thread's own stack, not the heap: in the
    // browser the heap is one shared memory, and small heap blocks of different threads
    // can share a cache line, so every push would fight the other threads' (false sharing).
    eval_in(code, breaker, &mut Heap::new())
}

#[inline(always)]
fn eval_in(code: &[Op], breaker: &mut impl EvalBreaker, heap: &mut Heap) -> u64 {
    let code = black_box(code);
    let mut locals = [NONE; 2];
    let mut stack = [NONE; 4];
    let mut sp = 0usize;
    let mut range = 0..0;
    let mut pc = 0;
    loop {
        let op = code[pc];
        pc += 1;
        match op {
            Op::LoadConst(v) => {
                stack[sp] = heap.new_int(v);
                sp += 1;
            }
            Op::LoadFast(slot) => {
                let h = locals[slot];
                assert!(
                    h != NONE,
                    "a local read before it was assigned: malformed code"
                );
                heap.incref(h);
                stack[sp] = h;
                sp += 1;
            }
            Op::StoreFast(slot) => {
                sp -= 1;
                let old = std::mem::replace(&mut locals[slot], stack[sp]);
                heap.decref(old);
            }
            Op::BinaryAdd => {
                sp -= 1;
                let (a, b) = (stack[sp - 1], stack[sp]);
                let sum = heap.new_int(heap.value(a).wrapping_add(heap.value(b)));
                heap.decref(a);
                heap.decref(b);
                stack[sp - 1] = sum;
            }
            Op::GetRange(start, end) => range = start..end,
            Op::ForIter(exit) => match range.next() {
                Some(i) => {
                    stack[sp] = heap.new_int(i);
                    sp += 1;
                }
                None => pc = exit,
            },
            Op::JumpBackward(target) => {
                breaker.check();
                pc = target;
            }
            Op::ReturnValue => return heap.value(stack[sp - 1]),
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
    fn every_object_is_freed_but_what_the_locals_hold() {
        for (end, held) in [(0, 1), (1, 2), (300, 2), (100_000, 2)] {
            let mut heap = Heap::new();
            let sum = eval_in(&sum_loop(0, end), &mut NoBreaker, &mut heap);
            assert_eq!(sum, sum_exact(0, end));
            // `result` (also on the stack for the return) and, once the loop ran, `i`.
            assert_eq!(heap.live(), held, "live objects after range({end})");
        }
    }

    #[test]
    #[should_panic(expected = "heap is full")]
    fn more_live_objects_than_the_heap_holds_is_a_clear_panic() {
        let mut heap = Heap::new();
        for v in 0..=HEAP_SLOTS as u64 {
            heap.new_int(v);
        }
    }

    #[test]
    fn the_breaker_is_checked_on_every_backward_jump() {
        let mut b = Counting(0);
        eval(&sum_loop(0, 1234), &mut b);
        assert_eq!(b.0, 1234);
    }
}
