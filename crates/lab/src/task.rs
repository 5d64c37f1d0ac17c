//! The work every model runs, and the runner that runs it on a lane.
//!
//! Every model runs the same task plans (see [`task_plan`]), so their results can be
//! compared and checked: each task's sum must come out exactly once, whatever the model.
//! A model decides on how many lanes tasks run and under which [`Interpreter`] (with a
//! GIL or not); [`run_on_lanes`] runs them on the [`Platform`]'s real threads and
//! collects the trace.

use crate::model::Model;
use crate::params::{Params, Workload};
use crate::platform::Platform;
use crate::trace::{ModelRun, Span, State};
use crate::vm::{self, EvalBreaker, NoBreaker};
use std::cell::Cell;
use std::fmt;
use std::sync::Mutex;

/// A piece of one task's work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Segment {
    /// Interpreted loop over `start..end`: needs the GIL where there is one.
    Cpu {
        /// First value summed.
        start: u64,
        /// One past the last value summed.
        end: u64,
    },
    /// The same loop in a section that released the GIL (a C extension's work).
    Released {
        /// First value summed.
        start: u64,
        /// One past the last value summed.
        end: u64,
    },
    /// A wait for I/O of this many microseconds.
    Io {
        /// Length of the wait.
        us: f64,
    },
}

/// How many CPU/I-O rounds a mixed task makes.
pub const MIXED_BURSTS: u64 = 4;

/// How many requests each I/O-bound task of a convoy makes, one after another.
pub const CONVOY_REQUESTS: u64 = 8;

/// The additions that handle one answer in a convoy: a few tens of microseconds, so that
/// a request's time is its wait plus whatever it waits for the GIL.
pub const CONVOY_HANDLING: u64 = 2_000;

/// The work of task `task`. Every task of a run gets the same plan, except in a convoy,
/// where the first task computes and the others make requests; the CPU segments of a
/// plan together sum `0..n` (or `0..n * (1 - io_fraction)` for a mixed task) once.
pub fn task_plan(params: &Params, task: u32) -> Vec<Segment> {
    let wait_us = params.wait_ms * 1000.0;
    match params.workload {
        Workload::Convoy if task == 0 => cpu_segments(0, params.n, params.release_fraction),
        Workload::Convoy => (0..CONVOY_REQUESTS)
            .flat_map(|r| {
                let (start, end) = (r * CONVOY_HANDLING, (r + 1) * CONVOY_HANDLING);
                [Segment::Io { us: wait_us }, Segment::Cpu { start, end }]
            })
            .collect(),
        Workload::Io => vec![Segment::Io { us: wait_us }],
        Workload::Cpu => cpu_segments(0, params.n, params.release_fraction),
        Workload::Request => {
            let half = params.n / 2;
            let mut plan = cpu_segments(0, half, params.release_fraction);
            plan.push(Segment::Io { us: wait_us });
            plan.extend(cpu_segments(half, params.n, params.release_fraction));
            plan
        }
        Workload::Mixed => {
            let cpu_n = ((1.0 - params.io_fraction) * params.n as f64).round() as u64;
            let io_us = params.io_fraction * wait_us / MIXED_BURSTS as f64;
            let mut plan = Vec::new();
            for b in 0..MIXED_BURSTS {
                let (start, end) = (cpu_n * b / MIXED_BURSTS, cpu_n * (b + 1) / MIXED_BURSTS);
                plan.extend(cpu_segments(start, end, params.release_fraction));
                if io_us > 0.0 {
                    plan.push(Segment::Io { us: io_us });
                }
            }
            plan
        }
    }
}

fn cpu_segments(start: u64, end: u64, release_fraction: f64) -> Vec<Segment> {
    let split = end - ((end - start) as f64 * release_fraction).round() as u64;
    let mut v = Vec::new();
    if split > start || end == start {
        v.push(Segment::Cpu { start, end: split });
    }
    if end > split {
        v.push(Segment::Released { start: split, end });
    }
    v
}

/// The exact result every model must produce for task `task`.
pub fn expected_result(params: &Params, task: u32) -> u64 {
    task_plan(params, task)
        .iter()
        .map(|s| match *s {
            Segment::Cpu { start, end } | Segment::Released { start, end } => {
                vm::sum_exact(start, end)
            }
            Segment::Io { .. } => 0,
        })
        .fold(0, u64::wrapping_add)
}

/// Every task's exact result, in task order.
pub fn expected_results(params: &Params) -> Vec<u64> {
    (0..params.tasks)
        .map(|t| expected_result(params, t))
        .collect()
}

/// Which lane runs a task when `lanes` threads share `tasks` tasks: round robin, as a
/// pool of that many threads taking tasks in order would.
pub fn lane_of(task: u32, lanes: u32) -> u32 {
    task % lanes.max(1)
}

/// What a task runner knows about the task it is running: where to send spans, on which
/// clock, and when the current running stretch began (a GIL hand-over restarts it).
pub struct TaskCx<'a> {
    /// The clock and threads.
    pub platform: &'a dyn Platform,
    /// The lane (thread) running the task.
    pub lane: u32,
    /// The task.
    pub task: u32,
    /// The run's start on the platform clock; spans are relative to it.
    pub t0: f64,
    sink: &'a (dyn Fn(Span) + Sync),
    running_since: Cell<f64>,
}

impl fmt::Debug for TaskCx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskCx")
            .field("lane", &self.lane)
            .field("task", &self.task)
            .field("t0", &self.t0)
            .finish_non_exhaustive()
    }
}

impl<'a> TaskCx<'a> {
    /// A context for running `task` on `lane`, reporting spans relative to `t0`.
    pub fn new(
        platform: &'a dyn Platform,
        lane: u32,
        task: u32,
        t0: f64,
        sink: &'a (dyn Fn(Span) + Sync),
    ) -> Self {
        TaskCx {
            platform,
            lane,
            task,
            t0,
            sink,
            running_since: Cell::new(t0),
        }
    }

    /// The platform clock, in microseconds.
    #[inline]
    pub fn now(&self) -> f64 {
        self.platform.now_us()
    }

    /// Reports a span between two platform-clock instants.
    pub fn emit(&self, state: State, start: f64, end: f64) {
        (self.sink)(Span {
            lane: self.lane,
            task: self.task,
            state,
            start_us: start - self.t0,
            end_us: end.max(start) - self.t0,
        });
    }

    /// When the current running stretch began (platform clock).
    pub fn running_since(&self) -> f64 {
        self.running_since.get()
    }

    /// Starts a new running stretch at `at` (after the lane got the GIL back).
    pub fn restart_running(&self, at: f64) {
        self.running_since.set(at);
    }
}

/// Hooks a model gives the task runner: how to enter and leave the GIL, if it has one.
pub trait Interpreter: Sync {
    /// The eval breaker a lane's interpreter checks on every backward jump.
    type Breaker<'a>: EvalBreaker
    where
        Self: 'a;
    /// Makes the breaker for the task of `cx`. A breaker that hands the GIL over
    /// mid-segment reports the running span so far and the wait through `cx`, then
    /// calls [`TaskCx::restart_running`].
    fn breaker<'a>(&'a self, cx: &'a TaskCx<'a>) -> Self::Breaker<'a>;
    /// Called before a segment that needs the lock; returns once the lane may run, and
    /// reports any wait as a [`State::WaitingGil`] span.
    fn acquire(&self, _cx: &TaskCx<'_>) {}
    /// Called after such a segment, before a wait or a released section.
    fn release(&self, _cx: &TaskCx<'_>) {}
}

/// The interpreter with no global lock.
#[derive(Debug, Default)]
pub struct FreeInterpreter;

impl Interpreter for FreeInterpreter {
    type Breaker<'a> = NoBreaker;
    fn breaker<'a>(&'a self, _cx: &'a TaskCx<'a>) -> NoBreaker {
        NoBreaker
    }
}

/// Runs one task's plan on the calling thread and returns its result, reporting a span
/// for every stretch of running, released work and waiting.
pub fn run_task<I: Interpreter>(
    platform: &dyn Platform,
    interp: &I,
    params: &Params,
    lane: u32,
    task: u32,
    t0: f64,
    sink: &(dyn Fn(Span) + Sync),
) -> u64 {
    let cx = TaskCx::new(platform, lane, task, t0, sink);
    let mut result = 0u64;
    for seg in task_plan(params, task) {
        match seg {
            Segment::Cpu { start, end } => {
                interp.acquire(&cx);
                // Read after taking the lock and (below) before releasing it, so that
                // under a GIL two lanes' running spans never overlap.
                cx.restart_running(cx.now());
                let code = vm::sum_loop(start, end);
                let mut breaker = interp.breaker(&cx);
                result = result.wrapping_add(vm::eval(&code, &mut breaker));
                drop(breaker);
                let e = cx.now();
                cx.emit(State::Running, cx.running_since(), e);
                interp.release(&cx);
            }
            Segment::Released { start, end } => {
                let s = cx.now();
                result = result.wrapping_add(vm::eval(&vm::sum_loop(start, end), &mut NoBreaker));
                cx.emit(State::Released, s, cx.now());
            }
            Segment::Io { us } => {
                let s = cx.now();
                platform.sleep_us(us);
                cx.emit(State::WaitingIo, s, cx.now());
            }
        }
    }
    result
}

/// What one lane's body gets: the run's clock origin, the tasks it owns, and where its
/// spans and results go.
pub struct LaneCx<'a> {
    /// The clock and threads.
    pub platform: &'a dyn Platform,
    /// The run's parameters.
    pub params: &'a Params,
    /// This lane.
    pub lane: u32,
    /// How many lanes the run has.
    pub lanes: u32,
    /// The run's start on the platform clock; spans are relative to it.
    pub t0: f64,
    record: &'a (dyn Fn(Span) + Sync),
    results: &'a Mutex<Vec<u64>>,
}

impl fmt::Debug for LaneCx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LaneCx")
            .field("lane", &self.lane)
            .field("lanes", &self.lanes)
            .finish_non_exhaustive()
    }
}

impl LaneCx<'_> {
    /// The tasks this lane runs, in order ([`lane_of`]).
    pub fn tasks(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.params.tasks).filter(|t| lane_of(*t, self.lanes) == self.lane)
    }

    /// Reports a span of `task` on this lane between two platform-clock instants.
    pub fn emit(&self, state: State, task: u32, start: f64, end: f64) {
        (self.record)(Span {
            lane: self.lane,
            task,
            state,
            start_us: start - self.t0,
            end_us: end.max(start) - self.t0,
        });
    }

    /// Runs `task`'s plan on this lane through `interp` and returns its result.
    pub fn run_task<I: Interpreter>(&self, interp: &I, params: &Params, task: u32) -> u64 {
        run_task(
            self.platform,
            interp,
            params,
            self.lane,
            task,
            self.t0,
            self.record,
        )
    }

    /// Keeps `task`'s result.
    pub fn set_result(&self, task: u32, result: u64) {
        if let Some(slot) = self
            .results
            .lock()
            .expect("result list poisoned")
            .get_mut(task as usize)
        {
            *slot = result;
        }
    }
}

/// Runs `body` on `lanes` real threads at once (clamped to the number of tasks) and
/// returns the model's run: every span the lanes reported, in start order, and every
/// task's result. `sink` sees each span as it ends, for live drawing.
pub fn run_on_lanes(
    platform: &dyn Platform,
    params: &Params,
    model: Model,
    lanes: u32,
    sink: &(dyn Fn(Span) + Sync),
    body: &(dyn Fn(&LaneCx<'_>) + Sync),
) -> ModelRun {
    let lanes = lanes.clamp(1, params.tasks.max(1));
    let spans = Mutex::new(Vec::new());
    let results = Mutex::new(vec![0u64; params.tasks as usize]);
    let record = |s: Span| {
        sink(s);
        spans.lock().expect("span list poisoned").push(s);
    };
    let t0 = platform.now_us();
    platform.run_lanes(lanes, &|lane| {
        body(&LaneCx {
            platform,
            params,
            lane,
            lanes,
            t0,
            record: &record,
            results: &results,
        });
    });
    let wall_ms = (platform.now_us() - t0) / 1000.0;
    let mut spans = spans.into_inner().expect("span list poisoned");
    spans.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
    ModelRun {
        model,
        threads: lanes,
        wall_ms,
        spans,
        results: results.into_inner().expect("result list poisoned"),
        gil_handoffs: 0,
    }
}

/// Runs every task on `lanes` real threads (task `t` on lane [`lane_of`]), all through
/// one `interp`: the threads models and the sequential one.
pub fn run_lanes_with<I: Interpreter>(
    platform: &dyn Platform,
    params: &Params,
    model: Model,
    lanes: u32,
    interp: &I,
    sink: &(dyn Fn(Span) + Sync),
) -> ModelRun {
    run_on_lanes(platform, params, model, lanes, sink, &|cx| {
        for task in cx.tasks() {
            cx.set_result(task, cx.run_task(interp, params, task));
        }
    })
}

/// What the models' tests share.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::params::{Params, Workload};

    /// Small parameters with every kind of segment: 5 tasks on 3 lanes, a quarter of
    /// each CPU segment released, half of a mixed task waiting.
    pub(crate) fn params(workload: Workload) -> Params {
        Params {
            workload,
            tasks: 5,
            threads: 3,
            n: 20_000,
            wait_ms: 2.0,
            io_fraction: 0.5,
            release_fraction: 0.25,
            ..Params::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::params;
    use super::*;
    use crate::platform::NativePlatform;

    #[test]
    fn plans_sum_each_value_once() {
        for w in [Workload::Cpu, Workload::Mixed, Workload::Request] {
            let p = params(w);
            let mut covered = Vec::new();
            for s in task_plan(&p, 0) {
                if let Segment::Cpu { start, end } | Segment::Released { start, end } = s {
                    covered.push((start, end));
                }
            }
            covered.sort_unstable();
            for pair in covered.windows(2) {
                assert_eq!(pair[0].1, pair[1].0, "{w:?}: gap or overlap");
            }
            assert_eq!(covered.first().unwrap().0, 0);
        }
    }

    #[test]
    fn every_task_is_done_exactly_once_in_sequential_and_free_threads() {
        let platform = NativePlatform::default();
        for w in Workload::ALL {
            let p = params(w);
            for model in [Model::Sequential, Model::FreeThreads] {
                let lanes = model.lanes(p.threads, p.tasks);
                let run = run_lanes_with(&platform, &p, model, lanes, &FreeInterpreter, &|_| {});
                assert_eq!(run.results, expected_results(&p), "{model:?} {w:?}");
                let mut tasks: Vec<u32> = run
                    .spans
                    .iter()
                    .filter(|s| s.state != State::WaitingIo)
                    .map(|s| s.task)
                    .collect();
                tasks.dedup();
                assert!(run.spans.iter().all(|s| s.end_us >= s.start_us));
                let lanes = if model == Model::Sequential { 1 } else { 3 };
                assert_eq!(run.lanes_used(), lanes, "{model:?} {w:?}");
            }
        }
    }

    #[test]
    fn sequential_never_overlaps_itself() {
        let platform = NativePlatform::default();
        let p = params(Workload::Mixed);
        let run = run_lanes_with(
            &platform,
            &p,
            Model::Sequential,
            1,
            &FreeInterpreter,
            &|_| {},
        );
        for pair in run.spans.windows(2) {
            assert!(pair[0].end_us <= pair[1].start_us);
        }
    }
}
