//! Processes (Python's `multiprocessing`): separate workers, each with its own memory.
//!
//! Only the host can start a memory of its own (a Web Worker with its own instance in
//! the browser), so the host starts the workers and runs [`run_in_process`] in each;
//! [`assemble_processes`] then builds the model's run from what it measured.

use crate::model::Model;
use crate::params::Params;
use crate::platform::Platform;
use crate::task::{FreeInterpreter, run_task};
use crate::trace::{ModelRun, Span, State};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// What one task run inside a process's own memory reports back to the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InProcess {
    /// The task's result.
    pub result: u64,
    /// When the work began, on the shared clock (microseconds).
    pub work_start_us: f64,
    /// When it ended.
    pub work_end_us: f64,
    /// The spans of the work, on the shared clock.
    pub spans: Vec<Span>,
}

/// Runs `task` on the calling thread, as the one thread of a process (its own
/// interpreter and GIL, which no other thread of it wants), with spans on the absolute
/// shared clock (`t0 = 0`), as [`assemble_processes`] expects.
pub fn run_in_process(platform: &dyn Platform, params: &Params, task: u32) -> InProcess {
    let spans = Mutex::new(Vec::new());
    let sink = |s: Span| spans.lock().expect("span list poisoned").push(s);
    let work_start_us = platform.now_us();
    let result = run_task(platform, &FreeInterpreter, params, 0, task, 0.0, &sink);
    InProcess {
        result,
        work_start_us,
        work_end_us: platform.now_us(),
        spans: spans.into_inner().expect("span list poisoned"),
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
    /// The spans [`run_in_process`] reported inside the worker, run with `t0 = 0` so that they
    /// are on the same absolute clock; their lane and task are replaced by this record's.
    /// When empty, one [`State::Running`] span covers the work.
    #[serde(default)]
    pub spans: Vec<Span>,
}

/// Builds the processes model's run from what the host measured in each worker: a
/// [`State::Starting`] span for start-up, [`State::Copying`] spans for the input and the
/// result, and the work's spans, all relative to the earliest timestamp. Results go by
/// task number; a task out of range is ignored and a missing one stays 0, so a check
/// against [`crate::task::expected_result`] catches both.
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
    use crate::params::Workload;
    use crate::platform::NativePlatform;
    use crate::task::fixtures::params;
    use crate::task::{expected_result, expected_results};

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
            result: expected_result(&p, task),
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
        assert_eq!(run.results, expected_results(&p));
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
        assert_ne!(partial.results, expected_results(&p));
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
        assert_eq!(run.results[4], expected_result(&p, 4));
        assert!(run.time_in(State::WaitingIo) > 0.0);
        assert!(run.spans.iter().all(|s| s.lane == 0 && s.task == 4));
        assert_eq!(run.spans.len(), inner.len() + 3);
    }
}
