//! asyncio's model: coroutines as Rust futures on a single-threaded executor with a timer queue.
//!
//! The loop polls ready tasks one at a time, in the order they became ready; when none is
//! ready it blocks the thread (`Platform::sleep_us`) until the earliest timer's deadline.
//! Only an `.await` on a pending future switches tasks: a CPU segment runs the
//! interpreter inline and holds the loop for its whole length, which is the point of the
//! chapter. The virtual-time model in [`crate::predict`] follows the same order.

use crate::model::Model;
use crate::params::Params;
use crate::platform::Platform;
use crate::task::{Segment, task_plan};
use crate::trace::{ModelRun, Span, State};
use crate::vm::{self, NoBreaker};
use futures::task::{ArcWake, waker};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// The ready queue. Wakers must be `Send + Sync`, so it sits behind a mutex even though
/// only the loop's thread ever touches it.
type ReadyQueue = Arc<Mutex<VecDeque<usize>>>;

struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    ready: ReadyQueue,
}

impl ArcWake for TaskWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        // A task is queued at most once, so a double wake cannot reorder the queue.
        if !arc_self.queued.swap(true, Ordering::AcqRel) {
            arc_self
                .ready
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(arc_self.id);
        }
    }
}

/// A registered deadline.
struct Timer {
    deadline: f64,
    seq: u64,
    slot: Rc<TimerSlot>,
}

struct TimerSlot {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    /// Reversed, so the max-heap pops the earliest deadline (then the earliest made).
    fn cmp(&self, other: &Self) -> CmpOrdering {
        other
            .deadline
            .total_cmp(&self.deadline)
            .then(other.seq.cmp(&self.seq))
    }
}

struct Shared<'p> {
    platform: &'p dyn Platform,
    timers: RefCell<BinaryHeap<Timer>>,
    seq: Cell<u64>,
}

/// A handle to the loop that futures use to make timers.
#[derive(Clone)]
pub struct Handle<'p> {
    shared: Rc<Shared<'p>>,
}

impl fmt::Debug for Handle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl<'p> Handle<'p> {
    /// A future that completes `us` microseconds after it is first polled: `asyncio.sleep`.
    pub fn sleep(&self, us: f64) -> Sleep<'p> {
        Sleep {
            shared: Rc::clone(&self.shared),
            us: us.max(0.0),
            slot: None,
        }
    }

    /// The loop's clock, in microseconds.
    pub fn now_us(&self) -> f64 {
        self.shared.platform.now_us()
    }
}

/// The future returned by [`Handle::sleep`].
pub struct Sleep<'p> {
    shared: Rc<Shared<'p>>,
    us: f64,
    slot: Option<Rc<TimerSlot>>,
}

impl fmt::Debug for Sleep<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("us", &self.us).finish()
    }
}

impl Future for Sleep<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.slot {
            // Ready only once the loop fired the timer, never by reading the clock here:
            // that keeps the order of resumption the loop's, as in the prediction.
            Some(slot) if slot.fired.get() => Poll::Ready(()),
            Some(slot) => {
                *slot.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
            None => {
                let slot = Rc::new(TimerSlot {
                    fired: Cell::new(false),
                    waker: RefCell::new(Some(cx.waker().clone())),
                });
                let seq = self.shared.seq.get();
                self.shared.seq.set(seq + 1);
                let deadline = self.shared.platform.now_us() + self.us;
                self.shared.timers.borrow_mut().push(Timer {
                    deadline,
                    seq,
                    slot: Rc::clone(&slot),
                });
                self.slot = Some(slot);
                Poll::Pending
            }
        }
    }
}

type LocalTask<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// A single-threaded executor with a timer queue: asyncio's event loop.
pub struct Executor<'p> {
    shared: Rc<Shared<'p>>,
    ready: ReadyQueue,
    tasks: Vec<(Option<LocalTask<'p>>, Arc<TaskWaker>)>,
    polls: u64,
    task_bytes: usize,
}

impl fmt::Debug for Executor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("tasks", &self.tasks.len())
            .field("polls", &self.polls)
            .finish_non_exhaustive()
    }
}

impl<'p> Executor<'p> {
    /// An empty loop on `platform`'s clock.
    pub fn new(platform: &'p dyn Platform) -> Self {
        Executor {
            shared: Rc::new(Shared {
                platform,
                timers: RefCell::new(BinaryHeap::new()),
                seq: Cell::new(0),
            }),
            ready: Arc::new(Mutex::new(VecDeque::new())),
            tasks: Vec::new(),
            polls: 0,
            task_bytes: 0,
        }
    }

    /// A handle for making timers.
    pub fn handle(&self) -> Handle<'p> {
        Handle {
            shared: Rc::clone(&self.shared),
        }
    }

    /// Adds a task; it is ready at once, after the tasks spawned before it.
    pub fn spawn(&mut self, fut: impl Future<Output = ()> + 'p) {
        let id = self.tasks.len();
        let w = Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(false),
            ready: Arc::clone(&self.ready),
        });
        ArcWake::wake_by_ref(&w);
        // A coroutine's whole state (its locals across awaits) lives in its future.
        self.task_bytes = self.task_bytes.max(std::mem::size_of_val(&fut));
        self.tasks.push((Some(Box::pin(fut)), w));
    }

    /// Bytes of the largest task spawned so far: the state one coroutine keeps.
    pub fn task_bytes(&self) -> usize {
        self.task_bytes
    }

    /// How many times a task has been polled so far.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    fn pop_ready(&self) -> Option<usize> {
        self.ready
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }

    /// Wakes every timer whose deadline has passed, earliest first.
    fn fire_due(&self) {
        let now = self.shared.platform.now_us();
        loop {
            let mut timers = self.shared.timers.borrow_mut();
            let due = timers.peek().is_some_and(|t| t.deadline <= now);
            if !due {
                return;
            }
            let t = timers.pop().expect("peeked");
            drop(timers);
            t.slot.fired.set(true);
            if let Some(w) = t.slot.waker.borrow_mut().take() {
                w.wake();
            }
        }
    }

    /// Runs until every task has completed.
    ///
    /// # Panics
    /// If tasks remain but none is ready and no timer is pending (a future waiting for
    /// something no one will do), or if a task panics.
    pub fn run(&mut self) {
        let mut left = self.tasks.iter().filter(|t| t.0.is_some()).count();
        while left > 0 {
            self.fire_due();
            if let Some(id) = self.pop_ready() {
                let (slot, w) = &mut self.tasks[id];
                w.queued.store(false, Ordering::Release);
                let Some(fut) = slot.as_mut() else { continue };
                let wk = waker(Arc::clone(w));
                self.polls += 1;
                if fut.as_mut().poll(&mut Context::from_waker(&wk)).is_ready() {
                    *slot = None;
                    left -= 1;
                }
                continue;
            }
            let next = self.shared.timers.borrow().peek().map(|t| t.deadline);
            match next {
                // Nothing to do until the earliest deadline: block the thread.
                Some(deadline) => {
                    let now = self.shared.platform.now_us();
                    if deadline > now {
                        self.shared.platform.sleep_us(deadline - now);
                    }
                }
                None => panic!("{left} task(s) wait for something that never comes"),
            }
        }
    }
}

/// What a run of the event loop cost, beyond its trace.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoopStats {
    /// Times a task was polled (started or resumed).
    pub polls: u64,
    /// Bytes of state one task's coroutine keeps (its future's size).
    pub task_bytes: usize,
}

/// Runs every task of `params` as a coroutine on one event loop (lane 0), for real.
pub fn run_asyncio(
    platform: &dyn Platform,
    params: &Params,
    sink: &(dyn Fn(Span) + Sync),
) -> ModelRun {
    run_asyncio_with_stats(platform, params, sink).0
}

/// [`run_asyncio`], also returning what the loop did.
pub fn run_asyncio_with_stats(
    platform: &dyn Platform,
    params: &Params,
    sink: &(dyn Fn(Span) + Sync),
) -> (ModelRun, LoopStats) {
    let stats;
    let spans = RefCell::new(Vec::new());
    let results = RefCell::new(vec![0u64; params.tasks as usize]);
    let t0 = platform.now_us();
    {
        let mut exec = Executor::new(platform);
        let handle = exec.handle();
        let (spans, results) = (&spans, &results);
        for task in 0..params.tasks {
            let h = handle.clone();
            exec.spawn(async move {
                let emit = |state, start: f64, end: f64| {
                    let s = Span {
                        lane: 0,
                        task,
                        state,
                        start_us: start - t0,
                        end_us: end.max(start) - t0,
                    };
                    sink(s);
                    spans.borrow_mut().push(s);
                };
                let mut result = 0u64;
                for seg in task_plan(params, task) {
                    match seg {
                        // No await inside: the loop is blocked for the whole segment.
                        Segment::Cpu { start, end } | Segment::Released { start, end } => {
                            let state = if matches!(seg, Segment::Cpu { .. }) {
                                State::Running
                            } else {
                                State::Released
                            };
                            let s = h.now_us();
                            let r = vm::eval(&vm::sum_loop(start, end), &mut NoBreaker);
                            result = result.wrapping_add(r);
                            emit(state, s, h.now_us());
                        }
                        Segment::Io { us } => {
                            let s = h.now_us();
                            h.sleep(us).await;
                            emit(State::WaitingIo, s, h.now_us());
                        }
                    }
                }
                results.borrow_mut()[task as usize] = result;
            });
        }
        exec.run();
        stats = LoopStats {
            polls: exec.polls(),
            task_bytes: exec.task_bytes(),
        };
    }
    let wall_ms = (platform.now_us() - t0) / 1000.0;
    let mut spans = spans.into_inner();
    spans.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
    let run = ModelRun {
        model: Model::Asyncio,
        threads: 1,
        wall_ms,
        spans,
        results: results.into_inner(),
        gil_handoffs: 0,
    };
    (run, stats)
}

/// A future that is pending once, waking itself: a switch through the ready queue with no
/// timer, the bare yield that `asyncio.sleep(0)` is in CPython.
#[derive(Debug, Default)]
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// What a run of many tiny awaits on the event loop measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoopFigures {
    /// Wall time of the run, in milliseconds.
    pub wall_ms: f64,
    /// Times a task was polled (one per switch, plus each task's first poll).
    pub polls: u64,
    /// Microseconds per poll: one switch of the loop.
    pub per_switch_us: f64,
}

/// Runs `tasks` coroutines that each await `awaits` times, every await a switch to
/// another task: through the timer queue (`sleep(0)`) when `timer`, else a bare yield.
pub fn switch_figures(
    platform: &dyn Platform,
    tasks: u64,
    awaits: u64,
    timer: bool,
) -> LoopFigures {
    let mut exec = Executor::new(platform);
    let handle = exec.handle();
    for _ in 0..tasks {
        let h = handle.clone();
        exec.spawn(async move {
            for _ in 0..awaits {
                if timer {
                    h.sleep(0.0).await;
                } else {
                    YieldNow::default().await;
                }
            }
        });
    }
    let t0 = platform.now_us();
    exec.run();
    let wall_us = platform.now_us() - t0;
    let polls = exec.polls();
    LoopFigures {
        wall_ms: wall_us / 1000.0,
        polls,
        per_switch_us: wall_us / polls.max(1) as f64,
    }
}

/// Microseconds one switch of the event loop takes: `tasks` coroutines each awaiting a
/// zero-length sleep `rounds` times, so every poll is one switch from one task to another
/// through the timer queue, as `await asyncio.sleep(0)` is in Python.
pub fn switch_cost_us(platform: &dyn Platform, tasks: u32, rounds: u32) -> f64 {
    switch_figures(platform, u64::from(tasks), u64::from(rounds), true).per_switch_us
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Workload;
    use crate::platform::NativePlatform;
    use crate::run::run_model;
    use crate::task::expected_results;

    #[test]
    fn only_an_await_switches_and_timers_fire_in_deadline_order() {
        let platform = NativePlatform::default();
        let log = RefCell::new(Vec::new());
        let mut exec = Executor::new(&platform);
        let h = exec.handle();
        for (name, us) in [("a", 3000.0), ("b", 1000.0), ("c", 2000.0)] {
            let (h, log) = (h.clone(), &log);
            exec.spawn(async move {
                log.borrow_mut().push(format!("{name} start"));
                h.sleep(us).await;
                log.borrow_mut().push(format!("{name} end"));
            });
        }
        exec.run();
        assert_eq!(
            *log.borrow(),
            ["a start", "b start", "c start", "b end", "c end", "a end"]
        );
    }

    #[test]
    fn a_task_without_await_runs_to_completion_before_the_next_starts() {
        let platform = NativePlatform::default();
        let log = RefCell::new(Vec::new());
        let mut exec = Executor::new(&platform);
        for name in ["x", "y"] {
            let log = &log;
            exec.spawn(async move {
                log.borrow_mut().push(format!("{name}1"));
                log.borrow_mut().push(format!("{name}2"));
            });
        }
        exec.run();
        assert_eq!(*log.borrow(), ["x1", "x2", "y1", "y2"]);
        assert_eq!(exec.polls(), 2);
    }

    #[test]
    fn the_loop_never_runs_two_tasks_at_once_and_every_result_is_there() {
        let platform = NativePlatform::default();
        for workload in Workload::ALL {
            let p = Params {
                workload,
                tasks: 6,
                n: 30_000,
                wait_ms: 3.0,
                io_fraction: 0.5,
                release_fraction: 0.2,
                ..Params::default()
            };
            let run = run_model(&platform, &p, Model::Asyncio, &|_| {});
            assert_eq!(run.results, expected_results(&p), "{workload:?}");
            assert!(run.spans.iter().all(|s| s.lane == 0));
            let busy = |s: &State| matches!(s, State::Running | State::Released);
            let expect_busy = u32::from(workload != Workload::Io);
            assert_eq!(run.peak_concurrency(busy), expect_busy, "{workload:?}");
            if workload == Workload::Io {
                // Waits overlap: all six sleep at once.
                assert_eq!(run.peak_concurrency(|s| *s == State::WaitingIo), 6);
            }
        }
    }

    #[test]
    #[should_panic(expected = "never comes")]
    fn a_task_waiting_forever_is_reported() {
        let platform = NativePlatform::default();
        let mut exec = Executor::new(&platform);
        exec.spawn(futures::future::pending::<()>());
        exec.run();
    }

    #[test]
    fn switch_cost_and_task_size_are_measured() {
        let platform = crate::platform::NativePlatform::default();
        let us = switch_cost_us(&platform, 10, 100);
        assert!(us > 0.0 && us.is_finite());
        let params = Params {
            workload: Workload::Io,
            tasks: 3,
            wait_ms: 0.0,
            ..Params::default()
        };
        let (run, stats) = run_asyncio_with_stats(&platform, &params, &|_| {});
        assert_eq!(run.results.len(), 3);
        // Every task is polled at least twice: started, then resumed after its await.
        assert!(stats.polls >= 6, "{stats:?}");
        assert!(stats.task_bytes >= 16, "{stats:?}");
    }
}
