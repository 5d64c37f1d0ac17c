//! Subinterpreters (Python 3.14's `concurrent.interpreters` and
//! `InterpreterPoolExecutor`): several interpreters in one process, each on its own
//! thread, with its own GIL and its own objects.
//!
//! Each lane creates an [`Interp`] when it starts (drawn as starting up): its own lock,
//! its own namespace, its own compiled code. Nothing is shared between interpreters: a
//! task's input is serialised to bytes and rebuilt inside the interpreter, as Python
//! pickles arguments for another interpreter, and the result goes back the same way
//! (both drawn as copying). Lanes never wait for each other's lock, so CPU-bound tasks
//! run in parallel, as with processes, without a process's start-up.

use crate::model::Model;
use crate::models::gil::GilInterpreter;
use crate::params::{Params, Workload};
use crate::platform::Platform;
use crate::task::{Segment, run_on_lanes, task_plan};
use crate::trace::{ModelRun, Span, State};
use crate::vm;
use std::collections::BTreeMap;

/// One interpreter: a lock of its own and objects no other interpreter can reach.
#[derive(Debug)]
pub struct Interp {
    /// Its GIL: only this interpreter's threads (here, one) ever ask for it.
    pub gil: GilInterpreter,
    /// Its objects, by name: the module-level names its tasks have bound.
    namespace: BTreeMap<String, u64>,
    /// Its own compiled copy of the code its tasks run, one loop per CPU segment.
    code: Vec<Vec<vm::Op>>,
}

impl Interp {
    /// A new interpreter with a lock of `switch_ms` and the code of `params`' task plan
    /// compiled in it (an interpreter imports its own copy of every module).
    pub fn new(params: &Params) -> Interp {
        // The first task's code: in a convoy the others run the same loop, shorter.
        let code = task_plan(params, 0)
            .iter()
            .filter_map(|s| match *s {
                Segment::Cpu { start, end } | Segment::Released { start, end } => {
                    Some(vm::sum_loop(start, end))
                }
                Segment::Io { .. } => None,
            })
            .collect();
        Interp {
            gil: GilInterpreter::new(params.switch_ms),
            namespace: BTreeMap::new(),
            code,
        }
    }

    /// Binds `name` in this interpreter only.
    pub fn set(&mut self, name: &str, value: u64) {
        self.namespace.insert(name.to_owned(), value);
    }

    /// What `name` is bound to in this interpreter, if anything.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.namespace.get(name).copied()
    }

    /// Bytes of this interpreter's own state: the structure, its compiled code and its
    /// namespace's entries (what the comparison table shows as memory per task).
    pub fn state_bytes(&self) -> usize {
        std::mem::size_of::<Interp>()
            + self
                .code
                .iter()
                .map(|c| c.capacity() * std::mem::size_of::<vm::Op>())
                .sum::<usize>()
            + self
                .namespace
                .keys()
                .map(|k| k.capacity() + std::mem::size_of::<(String, u64)>())
                .sum::<usize>()
    }

    /// How many loops this interpreter compiled for itself.
    pub fn compiled(&self) -> usize {
        self.code.len()
    }
}

/// A task's input as bytes: the parameters a task reads and its number, in a fixed
/// layout, as `pickle` turns arguments into bytes to send them to another interpreter.
pub fn pickle_input(params: &Params, task: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(64);
    b.push(match params.workload {
        Workload::Cpu => 0,
        Workload::Io => 1,
        Workload::Mixed => 2,
        Workload::Request => 3,
        Workload::Convoy => 4,
    });
    b.extend_from_slice(&task.to_le_bytes());
    b.extend_from_slice(&params.tasks.to_le_bytes());
    b.extend_from_slice(&params.n.to_le_bytes());
    for x in [
        params.wait_ms,
        params.switch_ms,
        params.io_fraction,
        params.release_fraction,
    ] {
        b.extend_from_slice(&x.to_le_bytes());
    }
    b
}

/// Rebuilds a task's input from [`pickle_input`]'s bytes, inside the receiving
/// interpreter: a new object, not the sender's. `None` for bytes of another shape.
pub fn unpickle_input(bytes: &[u8]) -> Option<(Params, u32)> {
    let workload = match *bytes.first()? {
        0 => Workload::Cpu,
        1 => Workload::Io,
        2 => Workload::Mixed,
        3 => Workload::Request,
        4 => Workload::Convoy,
        _ => return None,
    };
    let u32_at = |i: usize| Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    let u64_at = |i: usize| Some(u64::from_le_bytes(bytes.get(i..i + 8)?.try_into().ok()?));
    let f64_at = |i: usize| Some(f64::from_le_bytes(bytes.get(i..i + 8)?.try_into().ok()?));
    if bytes.len() != 49 {
        return None;
    }
    let params = Params {
        workload,
        tasks: u32_at(5)?,
        n: u64_at(9)?,
        wait_ms: f64_at(17)?,
        switch_ms: f64_at(25)?,
        io_fraction: f64_at(33)?,
        release_fraction: f64_at(41)?,
        models: vec![Model::Interpreters],
        ..Params::default()
    };
    Some((params, u32_at(1)?))
}

/// Runs the interpreters model: `threads` interpreters, each on its own lane of the
/// platform, each running its tasks under its own GIL with inputs and results copied in
/// and out.
pub fn run_interpreters(
    platform: &dyn Platform,
    params: &Params,
    sink: &(dyn Fn(Span) + Sync),
) -> ModelRun {
    let lanes = Model::Interpreters.lanes(params.threads, params.tasks);
    run_on_lanes(platform, params, Model::Interpreters, lanes, sink, &|cx| {
        let mut tasks = cx.tasks().peekable();
        let Some(&first) = tasks.peek() else { return };
        let started = platform.now_us();
        let mut interp = Interp::new(params);
        cx.emit(State::Starting, first, started, platform.now_us());
        for task in tasks {
            let sent = platform.now_us();
            let input = pickle_input(params, task);
            let Some((own, own_task)) = unpickle_input(&input) else {
                continue; // cannot happen: the bytes were made just above
            };
            cx.emit(State::Copying, task, sent, platform.now_us());
            let result = cx.run_task(&interp.gil, &own, own_task);
            let done = platform.now_us();
            interp.set("result", result);
            let back = interp.get("result").unwrap_or(0).to_le_bytes().to_vec();
            let received = u64::from_le_bytes(back.try_into().unwrap_or([0; 8]));
            cx.emit(State::Copying, task, done, platform.now_us());
            cx.set_result(task, received);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::NativePlatform;
    use crate::task::expected_results;

    /// The shared fixture with a sixth task (two per interpreter) and a short switch
    /// interval, so a lock that were shared would change hands often.
    fn params(workload: Workload) -> Params {
        Params {
            tasks: 6,
            n: 200_000,
            switch_ms: 0.1,
            models: vec![Model::Interpreters],
            ..crate::task::fixtures::params(workload)
        }
    }

    #[test]
    fn every_task_is_done_exactly_once() {
        let platform = NativePlatform::default();
        for w in Workload::ALL {
            let p = params(w);
            let run = run_interpreters(&platform, &p, &|_| {});
            assert_eq!(run.results, expected_results(&p), "{w:?}");
            assert_eq!(run.threads, 3);
            assert_eq!(run.lanes_used(), 3, "{w:?}");
        }
    }

    #[test]
    fn each_interpreter_runs_one_thing_at_a_time_and_never_waits_for_anothers_lock() {
        let platform = NativePlatform::default();
        let p = params(Workload::Cpu);
        let run = run_interpreters(&platform, &p, &|_| {});
        assert_eq!(run.gil_handoffs, 0);
        assert_eq!(run.time_in(State::WaitingGil), 0.0);
        for lane in 0..3 {
            let mine = ModelRun {
                spans: run
                    .spans
                    .iter()
                    .copied()
                    .filter(|s| s.lane == lane)
                    .collect(),
                ..run.clone()
            };
            assert_eq!(
                mine.peak_concurrency(|_| true),
                1,
                "interpreter {lane} did two things at once"
            );
        }
    }

    #[test]
    fn every_lane_starts_its_interpreter_once_and_copies_every_input_and_result() {
        let platform = NativePlatform::default();
        let p = params(Workload::Cpu);
        let run = run_interpreters(&platform, &p, &|_| {});
        let count = |state| run.spans.iter().filter(|s| s.state == state).count();
        assert_eq!(count(State::Starting), 3);
        // A span is only kept when it lasts; copies are quick, so count at most.
        assert!(count(State::Copying) <= 12);
        let first_start = |lane| {
            run.spans
                .iter()
                .filter(|s| s.lane == lane)
                .map(|s| (s.start_us, s.state))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|x| x.1)
        };
        for lane in 0..3 {
            assert_eq!(first_start(lane), Some(State::Starting), "lane {lane}");
        }
    }

    #[test]
    fn nothing_is_shared_between_interpreters() {
        let p = params(Workload::Cpu);
        let mut a = Interp::new(&p);
        let b = Interp::new(&p);
        a.set("counter", 41);
        assert_eq!(a.get("counter"), Some(41));
        assert_eq!(
            b.get("counter"),
            None,
            "a binding leaked to another interpreter"
        );
        assert!(
            !std::ptr::eq(&a.gil.gil, &b.gil.gil),
            "one lock for two interpreters"
        );
        assert_eq!(a.compiled(), b.compiled());
        // The input an interpreter gets is its own copy: changing it changes nothing for
        // the sender.
        let bytes = pickle_input(&p, 4);
        let (mut inside, task) = unpickle_input(&bytes).unwrap();
        assert_eq!(task, 4);
        assert_eq!(
            (inside.n, inside.tasks, inside.workload),
            (p.n, p.tasks, p.workload)
        );
        inside.n += 1;
        assert_eq!(unpickle_input(&bytes).unwrap().0.n, p.n);
        assert!(unpickle_input(&bytes[..10]).is_none());
        assert!(unpickle_input(&[9; 49]).is_none());
    }
}
