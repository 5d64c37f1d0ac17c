//! Runs the in-memory execution models for real on a [`Platform`] and records their trace.
//!
//! Every model runs the same task plans (see [`task_plan`]), so their results can be
//! compared and checked: each task's sum must come out exactly once, whatever the model.
//! Processes are not here: they need separate memories, which only the host can create
//! (Web Workers in the browser); the host runs [`run_task`] in each one.

use crate::gil::GilInterpreter;
use crate::params::{Model, Params, Workload};
use crate::platform::Platform;
use crate::trace::{ModelRun, Span, State};
use crate::vm::{self, EvalBreaker, NoBreaker};
use serde::{Deserialize, Serialize};
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

/// The work of one task. Every task of a run gets the same plan; the CPU segments of a
/// plan together sum `0..n` (or `0..n * (1 - io_fraction)` for a mixed task) once.
pub fn task_plan(params: &Params) -> Vec<Segment> {
    let wait_us = params.wait_ms * 1000.0;
    match params.workload {
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

/// The exact result every model must produce for one task.
pub fn expected_result(params: &Params) -> u64 {
    task_plan(params)
        .iter()
        .map(|s| match *s {
            Segment::Cpu { start, end } | Segment::Released { start, end } => {
                vm::sum_exact(start, end)
            }
            Segment::Io { .. } => 0,
        })
        .fold(0, u64::wrapping_add)
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
    for seg in task_plan(params) {
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

/// Runs one in-memory model for real and returns its trace. `sink` sees every span as
/// it ends, for live drawing; the returned run holds them all.
///
/// # Panics
/// For [`Model::Processes`], which the host runs itself (see the module docs).
pub fn run_model(
    platform: &dyn Platform,
    params: &Params,
    model: Model,
    sink: &(dyn Fn(Span) + Sync),
) -> ModelRun {
    match model {
        Model::Sequential => run_lanes_with(platform, params, model, 1, &FreeInterpreter, sink),
        Model::FreeThreads => run_lanes_with(
            platform,
            params,
            model,
            params.threads,
            &FreeInterpreter,
            sink,
        ),
        Model::GilThreads => {
            let interp = GilInterpreter::new(params.switch_ms);
            let mut run = run_lanes_with(platform, params, model, params.threads, &interp, sink);
            run.gil_handoffs = interp.gil.handoffs();
            run
        }
        Model::Asyncio => crate::executor::run_asyncio(platform, params, sink),
        Model::Processes => panic!(
            "processes need separate memories: the host runs each task and calls assemble_processes"
        ),
    }
}

/// Runs every task on `lanes` real threads (task `t` on lane [`lane_of`]) through `interp`.
pub fn run_lanes_with<I: Interpreter>(
    platform: &dyn Platform,
    params: &Params,
    model: Model,
    lanes: u32,
    interp: &I,
    sink: &(dyn Fn(Span) + Sync),
) -> ModelRun {
    let lanes = lanes.clamp(1, params.tasks);
    let spans = Mutex::new(Vec::new());
    let results = Mutex::new(vec![0u64; params.tasks as usize]);
    let record = |s: Span| {
        sink(s);
        spans.lock().expect("span list poisoned").push(s);
    };
    let t0 = platform.now_us();
    platform.run_lanes(lanes, &|lane| {
        for task in (0..params.tasks).filter(|t| lane_of(*t, lanes) == lane) {
            let r = run_task(platform, interp, params, lane, task, t0, &record);
            results.lock().expect("result list poisoned")[task as usize] = r;
        }
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

/// What the host measured for one task run in a process (a worker with its own memory).
///
/// Every timestamp is in microseconds on one clock shared by every worker (in the browser,
/// `performance.timeOrigin + performance.now()`). For a worker reused for a later task,
/// set `spawn_requested_us` and `instance_ready_us` both to the moment the input was sent:
/// no start-up is then drawn for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessTask {
    /// The worker, numbered from 0.
    pub lane: u32,
    /// The task, numbered from 0.
    pub task: u32,
    /// When the host asked for the worker.
    pub spawn_requested_us: f64,
    /// When the worker's module was instantiated and ready for input.
    pub instance_ready_us: f64,
    /// When the worker had received (a copy of) the task's input.
    pub input_copied_us: f64,
    /// When the worker started the task's work.
    pub work_start_us: f64,
    /// When the worker finished it.
    pub work_end_us: f64,
    /// When the host had received (a copy of) the result.
    pub result_copied_us: f64,
    /// The task's result.
    pub result: u64,
    /// The spans [`run_task`] reported inside the worker, run with `t0 = 0` so that they
    /// are on the same absolute clock; their lane and task are replaced by this record's.
    /// When empty, one [`State::Running`] span covers the work.
    #[serde(default)]
    pub spans: Vec<Span>,
}

/// Builds the processes model's run from what the host measured in each worker: a
/// [`State::Starting`] span for start-up, [`State::Copying`] spans for the input and the
/// result, and the work's spans, all relative to the earliest timestamp. Results go by
/// task number; a task out of range is ignored and a missing one stays 0, so a check
/// against [`expected_result`] catches both.
pub fn assemble_processes(params: &Params, per_task: Vec<ProcessTask>) -> ModelRun {
    let origin = per_task
        .iter()
        .flat_map(|p| {
            [
                p.spawn_requested_us,
                p.instance_ready_us,
                p.input_copied_us,
                p.work_start_us,
            ]
        })
        .chain(
            per_task
                .iter()
                .flat_map(|p| p.spans.iter().map(|s| s.start_us)),
        )
        .fold(f64::INFINITY, f64::min);
    let end = per_task
        .iter()
        .map(|p| p.result_copied_us.max(p.work_end_us))
        .chain(
            per_task
                .iter()
                .flat_map(|p| p.spans.iter().map(|s| s.end_us)),
        )
        .fold(f64::NEG_INFINITY, f64::max);
    let mut spans = Vec::new();
    let mut results = vec![0u64; params.tasks as usize];
    for p in per_task {
        let mut push = |state, start: f64, end: f64| {
            if end > start {
                spans.push(Span {
                    lane: p.lane,
                    task: p.task,
                    state,
                    start_us: start - origin,
                    end_us: end - origin,
                });
            }
        };
        push(State::Starting, p.spawn_requested_us, p.instance_ready_us);
        push(State::Copying, p.instance_ready_us, p.input_copied_us);
        if p.spans.is_empty() {
            push(State::Running, p.work_start_us, p.work_end_us);
        } else {
            for s in &p.spans {
                push(s.state, s.start_us, s.end_us);
            }
        }
        push(State::Copying, p.work_end_us, p.result_copied_us);
        if let Some(r) = results.get_mut(p.task as usize) {
            *r = p.result;
        }
    }
    spans.sort_by(|a, b| a.start_us.total_cmp(&b.start_us).then(a.lane.cmp(&b.lane)));
    ModelRun {
        model: Model::Processes,
        threads: params.threads.clamp(1, params.tasks.max(1)),
        wall_ms: if end > origin {
            (end - origin) / 1000.0
        } else {
            0.0
        },
        spans,
        results,
        gil_handoffs: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::NativePlatform;

    fn params(workload: Workload) -> Params {
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

    #[test]
    fn plans_sum_each_value_once() {
        for w in [Workload::Cpu, Workload::Mixed, Workload::Request] {
            let p = params(w);
            let mut covered = Vec::new();
            for s in task_plan(&p) {
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
        for w in [
            Workload::Cpu,
            Workload::Io,
            Workload::Mixed,
            Workload::Request,
        ] {
            let p = params(w);
            for model in [Model::Sequential, Model::FreeThreads] {
                let run = run_model(&platform, &p, model, &|_| {});
                assert_eq!(run.results, vec![expected_result(&p); 5], "{model:?} {w:?}");
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
        let run = run_model(
            &platform,
            &params(Workload::Mixed),
            Model::Sequential,
            &|_| {},
        );
        for pair in run.spans.windows(2) {
            assert!(pair[0].end_us <= pair[1].start_us);
        }
    }

    #[test]
    fn processes_are_assembled_relative_to_the_earliest_timestamp() {
        let p = Params {
            tasks: 3,
            threads: 2,
            ..params(Workload::Cpu)
        };
        let t = |lane, task, base: f64, reused: bool| ProcessTask {
            lane,
            task,
            spawn_requested_us: base,
            instance_ready_us: if reused { base } else { base + 30_000.0 },
            input_copied_us: base + 30_100.0,
            work_start_us: base + 30_150.0,
            work_end_us: base + 40_000.0,
            result_copied_us: base + 40_080.0,
            result: expected_result(&p),
            spans: vec![],
        };
        let origin = 1.0e9;
        let run = assemble_processes(
            &p,
            vec![
                t(0, 0, origin, false),
                t(1, 1, origin + 500.0, false),
                t(0, 2, origin + 40_080.0, true),
            ],
        );
        assert_eq!(run.model, Model::Processes);
        assert_eq!(run.results, vec![expected_result(&p); 3]);
        assert_eq!(run.threads, 2);
        assert_eq!(run.lanes_used(), 2);
        assert!((run.wall_ms - 80.16).abs() < 1e-9, "{}", run.wall_ms);
        assert_eq!(run.spans[0].start_us, 0.0);
        assert_eq!(run.time_in(State::Starting), 60_000.0);
        assert_eq!(run.time_in(State::Copying), 3.0 * 180.0 + 30_000.0);
        assert_eq!(run.time_in(State::Running), 3.0 * 9_850.0);
        assert!(run.spans.iter().all(|s| s.end_us > s.start_us));
        // A missing task shows as a wrong result, not as a silent success.
        let partial = assemble_processes(&p, vec![t(0, 0, 0.0, false)]);
        assert_ne!(partial.results, vec![expected_result(&p); 3]);
    }

    #[test]
    fn processes_keep_the_spans_measured_inside_each_worker() {
        let platform = NativePlatform::default();
        let p = params(Workload::Mixed);
        let spans = Mutex::new(Vec::new());
        let start = platform.now_us();
        let result = run_task(&platform, &FreeInterpreter, &p, 9, 9, 0.0, &|s| {
            spans.lock().unwrap().push(s);
        });
        let end = platform.now_us();
        let inner = spans.into_inner().unwrap();
        let task = ProcessTask {
            lane: 0,
            task: 4,
            spawn_requested_us: start - 100.0,
            instance_ready_us: start - 50.0,
            input_copied_us: start - 10.0,
            work_start_us: start,
            work_end_us: end,
            result_copied_us: end + 20.0,
            result,
            spans: inner.clone(),
        };
        let run = assemble_processes(&p, vec![task]);
        assert_eq!(run.results[4], expected_result(&p));
        assert!(run.time_in(State::WaitingIo) > 0.0);
        assert!(run.spans.iter().all(|s| s.lane == 0 && s.task == 4));
        assert_eq!(run.spans.len(), inner.len() + 3);
    }
}
