//! Predictions: a deterministic virtual-time (discrete-event) model of every execution model.
//!
//! [`predict`] runs the same task plans as [`crate::run`] on a simulated machine and
//! returns the same trace type a measured run produces, so a widget shows predicted and
//! measured side by side and tests can check traces exactly. The rules it simulates:
//!
//! - threads share `cores` as an OS scheduler shares them: when more lanes compute than
//!   there are cores, the first `cores` in line run and the others wait their turn, each
//!   running lane going to the back of the line after a time slice (round robin). A burst
//!   shorter than a slice runs to its end, so with long slices lanes that alternate work
//!   and waits fall into step (two compute while two wait); the default slice is short
//!   (see [`Machine::time_slice_us`]), because a real OS lets a thread waking from a wait
//!   take a core at once;
//! - under the GIL, a lane needs the lock for [`Segment::Cpu`] work and releases it for
//!   [`Segment::Released`] work and I/O; waiters make timed waits of the switch interval,
//!   set a drop request when one expires with no switch meanwhile, the holder drops the
//!   lock at once (its next backward jump) and waits until another lane has taken it
//!   (forced switching); a released lock wakes the longest waiter, which takes it after
//!   `wake_us` unless a lane arriving meanwhile took it first (as on a real OS);
//! - processes pay a start-up per worker and a copy for every input and result;
//! - asyncio runs one task at a time on one lane, resuming tasks in the order their
//!   timers fire, exactly as [`crate::models::asyncio`] does.
//!
//! Nothing here reads a clock or iterates a hash map: the same input gives the same report.

use crate::experiment::Experiment;
use crate::model::{Lock, Memory, Model, Startup};
use crate::params::{Params, StartMethod};
use crate::platform::Platform;
use crate::task::{Segment, lane_of, task_plan};
use crate::trace::{ModelRun, Report, Source, Span, State};
use crate::vm;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The machine a prediction is made for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Machine {
    /// Cores that can run threads at once.
    pub cores: u32,
    /// Nanoseconds one iteration of the interpreted summing loop takes.
    pub ns_per_iter: f64,
    /// Microseconds of one core's work one process takes to start (spawn a worker and
    /// instantiate its module). Starting is work, not waiting: processes started at once
    /// share the cores like any other work (see [`Machine::start_work_us`]).
    pub process_start_us: f64,
    /// Microseconds of one core's work a process takes to start from a fork server's
    /// ready worker (a new instance of the compiled module, with its own memory).
    pub forkserver_start_us: f64,
    /// Microseconds one message between memories takes (a task's input or its result).
    pub copy_us: f64,
    /// Microseconds a new interpreter takes to start on a thread of the pool (its own
    /// lock, namespace and compiled code).
    pub interpreter_start_us: f64,
    /// Microseconds a task's input or result takes to cross between interpreters.
    pub interpreter_copy_us: f64,
    /// Microseconds a thread signalled by a condition variable takes to run again.
    pub wake_us: f64,
    /// The share of the cores that lanes computing at once really get, together (1.0:
    /// all of them). One lane alone always gets a whole core.
    pub parallel_efficiency: f64,
    /// Microseconds a lane runs on a core before a lane waiting for one takes it over.
    pub time_slice_us: f64,
}

impl Default for Machine {
    /// A typical laptop: 4 cores, and the loop's speed measured in Chromium on one.
    fn default() -> Self {
        Machine {
            cores: 4,
            ns_per_iter: 25.0,
            // Measured in headless Chromium on 2 cores, the book's widgets: four workers
            // started at once (each from a blob of its script, instantiating an already
            // compiled module) were ready after a median 26-40 ms, eight after 65-76 ms:
            // about 16 ms of one core's work each (one alone: 7-13 ms).
            process_start_us: 16_000.0,
            // Measured the same way: a message to a ready worker and a new instance.
            forkserver_start_us: 3_000.0,
            copy_us: 100.0,
            interpreter_start_us: 20.0,
            interpreter_copy_us: 2.0,
            wake_us: 20.0,
            // Measured in headless Chromium on 2 cores, against the median calibration
            // (see `calibrate`): four lanes of about 25 ms of work each finished in a median
            // 47 ms where one lane with all the work took a median 96 ms (thirty runs of
            // each): the lanes got about all of the two cores. Single runs swing by 10-15%
            // either way; 0.95 sits in the middle of what the book's widgets measured.
            parallel_efficiency: 0.95,
            // Measured in headless Chromium on 2 cores (`bursts` on key-differences.html:
            // four lanes alternating 3.3 ms of work with 5 ms waits, twelve runs): a median
            // 1.2x the time of bursts that run to their end (6 ms slices), none less.
            // A thread waking from its wait takes a core at once (the OS's wake-up
            // preemption), so the lanes share the cores rather than fall into step; 1 ms
            // slices predict that, and change nothing for work without waits.
            time_slice_us: 1_000.0,
        }
    }
}

impl Machine {
    /// One start's work, from `wall_us`, how long starts took when `together` of them
    /// ran at once on this machine's cores (as a run measures them).
    pub fn start_work_us(&self, wall_us: f64, together: u32) -> f64 {
        let together = f64::from(together.max(1));
        wall_us * together.min(f64::from(self.cores.max(1))) / together
    }

    /// This machine as measured on `platform`: the interpreter's speed from short runs of
    /// the summing loop (the median of [`loop_samples_ns`]: a run is measured once, so its
    /// typical speed is the one to predict, not the fastest moment), with `cores` as the
    /// host reports them (`navigator.hardwareConcurrency`) and the other costs left at
    /// their defaults.
    pub fn calibrate(platform: &dyn Platform, cores: u32) -> Machine {
        Machine::default().with_loop_ns(
            cores,
            crate::stats::median(loop_samples_ns(platform, 5)).unwrap_or(f64::NAN),
        )
    }

    /// This machine with `cores` and the loop's speed `ns_per_iter` (the default's when it
    /// is not a positive figure).
    pub fn with_loop_ns(self, cores: u32, ns_per_iter: f64) -> Machine {
        Machine {
            cores: cores.max(1),
            ns_per_iter: if ns_per_iter.is_finite() && ns_per_iter > 0.0 {
                ns_per_iter
            } else {
                self.ns_per_iter
            },
            ..self
        }
    }
}

/// `count` timings of a short run of the interpreted summing loop on `platform`, in
/// nanoseconds an iteration. Each is a few milliseconds (400 000 iterations): long enough
/// for a coarse browser clock (0.1 ms without cross-origin isolation), short enough that a
/// widget's result is not held back by them.
pub fn loop_samples_ns(platform: &dyn Platform, count: usize) -> Vec<f64> {
    const N: u64 = 400_000;
    let code = vm::sum_loop(0, N);
    (0..count)
        .map(|_| {
            let s = platform.now_us();
            std::hint::black_box(vm::eval(&code, &mut vm::NoBreaker));
            (platform.now_us() - s) * 1000.0 / N as f64
        })
        .collect()
}

/// Predicts every model of `params.models` for `machine`.
pub fn predict(experiment: Experiment, params: &Params, machine: &Machine) -> Report {
    let runs = params
        .models
        .iter()
        .map(|&m| predict_model(params, m, machine))
        .collect();
    Report {
        experiment,
        params: params.clone(),
        source: Source::Predicted,
        runs,
    }
}

/// Predicts one model's run.
pub fn predict_model(params: &Params, model: Model, machine: &Machine) -> ModelRun {
    match model {
        Model::Asyncio => predict_asyncio(params, machine),
        Model::Sequential
        | Model::GilThreads
        | Model::FreeThreads
        | Model::Processes
        | Model::Interpreters => {
            let lanes = model.lanes(params.threads, params.tasks);
            let mut sim = Sim::new(params, model, lanes, machine);
            sim.run();
            ModelRun {
                model,
                threads: lanes,
                wall_ms: sim.now / 1000.0,
                spans: sim.spans,
                results: sim.results,
                gil_handoffs: sim.handoffs,
            }
        }
    }
}

/// Single-core microseconds the interpreted loop over `start..end` takes.
fn cpu_us(start: u64, end: u64, machine: &Machine) -> f64 {
    end.saturating_sub(start) as f64 * machine.ns_per_iter / 1000.0
}

/// One step of a lane's work, as the simulator sees it.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// `us` single-core microseconds of work adding `sum` to the task's result.
    Cpu {
        us: f64,
        gil: bool,
        state: State,
        sum: u64,
    },
    /// A wait that uses no core.
    Delay { us: f64, state: State },
}

/// What a lane is doing between two events.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Computing; `left` single-core microseconds remain.
    Compute { left: f64, gil: bool, sum: u64 },
    /// In the GIL's timed wait, wanting to compute `left` more.
    WaitGil {
        left: f64,
        sum: u64,
        timeout_at: f64,
        saved: u64,
        since: f64,
    },
    /// Signalled by a release; runs again at `at`.
    Waking { left: f64, sum: u64, at: f64 },
    /// Dropped the GIL at a request (or with one pending) and waits for another lane to
    /// take it; then resumes `left` (mid-segment) or goes to its next phase.
    SwitchWait {
        left: Option<(f64, u64)>,
        saved: u64,
    },
    /// Waiting until `until`.
    Delay { until: f64 },
    /// No work left.
    Done,
}

struct Lane {
    phases: VecDeque<(u32, Phase)>,
    task: u32,
    mode: Mode,
    open: Option<(State, u32, f64)>,
}

struct Sim {
    now: f64,
    lanes: Vec<Lane>,
    cores: usize,
    efficiency: f64,
    slice_us: f64,
    /// Lanes that compute, in the order they get a core: the first `cores` run.
    line: VecDeque<usize>,
    /// When each running lane's slice ends (`None`: not on a core).
    slice_end: Vec<Option<f64>>,
    interval: f64,
    wake_us: f64,
    locked: bool,
    holder: Option<usize>,
    last_holder: Option<usize>,
    switch_number: u64,
    drop_request: bool,
    handoffs: u64,
    spans: Vec<Span>,
    results: Vec<u64>,
}

impl Sim {
    fn new(params: &Params, model: Model, lanes: u32, machine: &Machine) -> Sim {
        let info = model.info();
        // Lanes contend for a lock only when they share one; a lock per interpreter is
        // never wanted by another lane.
        let gil = info.lock == Lock::Global && lanes > 1;
        // What a lane pays before its first task, and what each input and result costs
        // to cross between memories or interpreters.
        let (start_us, copy_us) = match info.startup {
            Startup::None => (0.0, 0.0),
            Startup::Interpreter => (machine.interpreter_start_us, machine.interpreter_copy_us),
            Startup::Process => (
                match params.start {
                    StartMethod::Spawn => machine.process_start_us,
                    StartMethod::Forkserver => machine.forkserver_start_us,
                },
                machine.copy_us,
            ),
        };
        let copies = info.memory != Memory::Shared;
        let mut ls: Vec<Lane> = (0..lanes)
            .map(|_| Lane {
                phases: VecDeque::new(),
                task: 0,
                mode: Mode::Done,
                open: None,
            })
            .collect();
        for task in 0..params.tasks {
            let plan = task_plan(params, task);
            let lane = &mut ls[lane_of(task, lanes) as usize];
            let mut push = |p| lane.phases.push_back((task, p));
            if start_us > 0.0 && lane_of(task, lanes) == task {
                // Work on a core, shared with whatever else computes meanwhile.
                push(Phase::Cpu {
                    us: start_us,
                    gil: false,
                    state: State::Starting,
                    sum: 0,
                });
            }
            if copies {
                push(Phase::Delay {
                    us: copy_us,
                    state: State::Copying,
                });
            }
            for seg in &plan {
                push(match *seg {
                    Segment::Cpu { start, end } => Phase::Cpu {
                        us: cpu_us(start, end, machine),
                        gil,
                        state: State::Running,
                        sum: vm::sum_exact(start, end),
                    },
                    Segment::Released { start, end } => Phase::Cpu {
                        us: cpu_us(start, end, machine),
                        gil: false,
                        state: State::Released,
                        sum: vm::sum_exact(start, end),
                    },
                    Segment::Io { us } => Phase::Delay {
                        us,
                        state: State::WaitingIo,
                    },
                });
            }
            if copies {
                push(Phase::Delay {
                    us: copy_us,
                    state: State::Copying,
                });
            }
        }
        Sim {
            now: 0.0,
            lanes: ls,
            cores: machine.cores.max(1) as usize,
            efficiency: machine.parallel_efficiency.clamp(0.1, 1.0),
            // At least a microsecond, so time always moves on.
            slice_us: machine.time_slice_us.max(1.0),
            line: VecDeque::new(),
            slice_end: vec![None; lanes as usize],
            // As in the real lock: at least a microsecond, so time always moves on.
            interval: (params.switch_ms * 1000.0).max(1.0),
            wake_us: machine.wake_us.max(0.0),
            locked: false,
            holder: None,
            last_holder: None,
            switch_number: 0,
            drop_request: false,
            handoffs: 0,
            spans: Vec::new(),
            results: vec![0; params.tasks as usize],
        }
    }

    /// Puts `lane` in `state` (or in no span) from now on, closing its previous span.
    fn mark(&mut self, lane: usize, state: Option<State>) {
        let now = self.now;
        let l = &mut self.lanes[lane];
        let want = state.map(|s| (s, l.task));
        if l.open.map(|(s, t, _)| (s, t)) == want {
            return;
        }
        if let Some((s, task, start)) = l.open.take()
            && now > start
        {
            self.spans.push(Span {
                lane: lane as u32,
                task,
                state: s,
                start_us: start,
                end_us: now,
            });
        }
        l.open = want.map(|(s, t)| (s, t, now));
    }

    fn next_phase(&mut self, lane: usize) {
        match self.lanes[lane].phases.pop_front() {
            None => {
                self.lanes[lane].mode = Mode::Done;
                self.mark(lane, None);
            }
            Some((task, phase)) => {
                self.lanes[lane].task = task;
                match phase {
                    Phase::Cpu {
                        us, gil: true, sum, ..
                    } => self.want_gil(lane, us, sum),
                    Phase::Cpu {
                        us,
                        gil: false,
                        state,
                        sum,
                    } => {
                        self.lanes[lane].mode = Mode::Compute {
                            left: us,
                            gil: false,
                            sum,
                        };
                        self.mark(lane, Some(state));
                    }
                    Phase::Delay { us, state } => {
                        self.lanes[lane].mode = Mode::Delay {
                            until: self.now + us,
                        };
                        self.mark(lane, Some(state));
                    }
                }
            }
        }
    }

    fn want_gil(&mut self, lane: usize, left: f64, sum: u64) {
        if self.locked {
            self.lanes[lane].mode = Mode::WaitGil {
                left,
                sum,
                timeout_at: self.now + self.interval,
                saved: self.switch_number,
                since: self.now,
            };
            self.mark(lane, Some(State::WaitingGil));
        } else {
            self.take(lane, left, sum);
        }
    }

    fn take(&mut self, lane: usize, left: f64, sum: u64) {
        self.locked = true;
        self.holder = Some(lane);
        if self.last_holder.is_some_and(|prev| prev != lane) {
            self.handoffs += 1;
        }
        self.last_holder = Some(lane);
        self.switch_number += 1;
        self.drop_request = false;
        self.lanes[lane].mode = Mode::Compute {
            left,
            gil: true,
            sum,
        };
        self.mark(lane, Some(State::Running));
        // Forced switching: whoever dropped the lock on request may go on now.
        for other in 0..self.lanes.len() {
            if let Mode::SwitchWait { left, saved } = self.lanes[other].mode
                && saved != self.switch_number
            {
                match left {
                    Some((l, s)) => self.want_gil(other, l, s),
                    None => self.next_phase(other),
                }
            }
        }
    }

    /// `lane` releases the GIL, at the end of a segment (`rest` is `None`) or mid-segment
    /// at a drop request (`rest` is what remains of the segment).
    fn release(&mut self, lane: usize, rest: Option<(f64, u64)>) {
        self.locked = false;
        self.holder = None;
        // Signal one waiter: the longest waiting (condition variables are roughly FIFO).
        let oldest = (0..self.lanes.len())
            .filter_map(|l| match self.lanes[l].mode {
                Mode::WaitGil { since, .. } => Some((since, l)),
                _ => None,
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if let Some((_, w)) = oldest
            && let Mode::WaitGil { left, sum, .. } = self.lanes[w].mode
        {
            self.lanes[w].mode = Mode::Waking {
                left,
                sum,
                at: self.now + self.wake_us,
            };
        }
        let someone_waits = self
            .lanes
            .iter()
            .any(|l| matches!(l.mode, Mode::WaitGil { .. } | Mode::Waking { .. }));
        if self.drop_request && someone_waits {
            self.drop_request = false;
            self.lanes[lane].mode = Mode::SwitchWait {
                left: rest,
                saved: self.switch_number,
            };
            self.mark(lane, rest.map(|_| State::WaitingGil));
        } else if let Some((l, s)) = rest {
            self.want_gil(lane, l, s);
        } else {
            self.next_phase(lane);
        }
    }

    fn run(&mut self) {
        for lane in 0..self.lanes.len() {
            self.next_phase(lane);
        }
        loop {
            let running = self.schedule();
            let rate = if running <= 1 {
                1.0
            } else {
                (self.cores as f64 * self.efficiency / running as f64).min(1.0)
            };
            let waiting = self.line.len() > running;
            let next = self
                .lanes
                .iter()
                .enumerate()
                .filter_map(|(i, l)| match l.mode {
                    Mode::Compute { left, .. } => self.slice_end[i].map(|end| {
                        let finish = self.now + left / rate;
                        if waiting { finish.min(end) } else { finish }
                    }),
                    Mode::WaitGil { timeout_at, .. } => Some(timeout_at),
                    Mode::Waking { at, .. } => Some(at),
                    Mode::Delay { until } => Some(until),
                    Mode::SwitchWait { .. } | Mode::Done => None,
                })
                .fold(f64::INFINITY, f64::min);
            if !next.is_finite() {
                // Every lane is done (a lane stuck in SwitchWait alone cannot happen:
                // release only enters it while someone else waits for the lock).
                debug_assert!(self.lanes.iter().all(|l| matches!(l.mode, Mode::Done)));
                break;
            }
            let dt = next - self.now;
            for (i, l) in self.lanes.iter_mut().enumerate() {
                if let Mode::Compute { left, .. } = &mut l.mode
                    && self.slice_end[i].is_some()
                {
                    // The lanes whose finish time is the next event end exactly now.
                    *left = if self.now + *left / rate <= next {
                        0.0
                    } else {
                        (*left - rate * dt).max(0.0)
                    };
                }
            }
            self.now = next;
            // A slice that ended while others wait: to the back of the line.
            if waiting {
                let expired: Vec<usize> = (self.line.iter().take(running).copied())
                    .filter(|&l| self.slice_end[l].is_some_and(|end| end <= next))
                    .collect();
                self.line.retain(|l| !expired.contains(l));
                for lane in expired {
                    self.slice_end[lane] = None;
                    self.line.push_back(lane);
                }
            }
            self.step();
        }
        for lane in 0..self.lanes.len() {
            self.mark(lane, None);
        }
        self.spans
            .sort_by(|a, b| a.start_us.total_cmp(&b.start_us).then(a.lane.cmp(&b.lane)));
    }

    /// Brings the line up to date with the lanes' modes (lanes that stopped computing
    /// leave it, lanes that started join its end, in lane order) and gives the first
    /// `cores` of it a core, starting a slice for each that did not have one. Returns
    /// how many run.
    fn schedule(&mut self) -> usize {
        let computes = |l: &Lane| matches!(l.mode, Mode::Compute { .. });
        let lanes = &self.lanes;
        self.line.retain(|&l| computes(&lanes[l]));
        for (i, l) in self.lanes.iter().enumerate() {
            if computes(l) && !self.line.contains(&i) {
                self.line.push_back(i);
            }
        }
        let running = self.line.len().min(self.cores);
        // A slice counts only while someone waits for a core.
        let contended = self.line.len() > self.cores;
        for (k, &lane) in self.line.iter().enumerate() {
            if k < running {
                let end = &mut self.slice_end[lane];
                if !contended {
                    *end = Some(f64::INFINITY);
                } else if end.is_none_or(|e| e == f64::INFINITY) {
                    *end = Some(self.now + self.slice_us);
                }
            } else {
                self.slice_end[lane] = None;
            }
        }
        for lane in 0..self.lanes.len() {
            if !computes(&self.lanes[lane]) {
                self.slice_end[lane] = None;
            }
        }
        running
    }

    /// Handles every event due now, in a fixed order (by kind, then by lane).
    fn step(&mut self) {
        let now = self.now;
        let n = self.lanes.len();
        for lane in 0..n {
            if let Mode::Compute { left, gil, sum, .. } = self.lanes[lane].mode
                && left <= 0.0
            {
                let task = self.lanes[lane].task as usize;
                self.results[task] = self.results[task].wrapping_add(sum);
                if gil {
                    self.release(lane, None);
                } else {
                    self.next_phase(lane);
                }
            }
        }
        for lane in 0..n {
            if let Mode::Delay { until } = self.lanes[lane].mode
                && until <= now
            {
                self.next_phase(lane);
            }
        }
        for lane in 0..n {
            if let Mode::Waking { left, sum, at } = self.lanes[lane].mode
                && at <= now
            {
                if self.locked {
                    // Another lane barged in: wait again, with a fresh interval.
                    self.want_gil(lane, left, sum);
                } else {
                    self.take(lane, left, sum);
                }
            }
        }
        for lane in 0..n {
            if let Mode::WaitGil {
                timeout_at, saved, ..
            } = self.lanes[lane].mode
                && timeout_at <= now
            {
                if self.locked && saved == self.switch_number {
                    self.drop_request = true;
                }
                if let Mode::WaitGil {
                    timeout_at, saved, ..
                } = &mut self.lanes[lane].mode
                {
                    *timeout_at = now + self.interval;
                    *saved = self.switch_number;
                }
            }
        }
        // The holder sees the request at its next backward jump: at once.
        if self.drop_request
            && let Some(h) = self.holder
            && let Mode::Compute {
                left,
                gil: true,
                sum,
                ..
            } = self.lanes[h].mode
            && left > 0.0
        {
            self.release(h, Some((left, sum)));
        }
    }
}

/// The event loop, step for step as [`crate::models::asyncio::Executor`] runs it: tasks start
/// ready in order; before each poll, due timers fire in deadline order; a polled task
/// runs inline until its next wait.
fn predict_asyncio(params: &Params, machine: &Machine) -> ModelRun {
    let plans: Vec<_> = (0..params.tasks).map(|t| task_plan(params, t)).collect();
    let tasks = params.tasks as usize;
    let mut ready: VecDeque<usize> = (0..tasks).collect();
    let mut next_seg = vec![0usize; tasks];
    let mut waiting_since = vec![None::<f64>; tasks];
    // (deadline, sequence, task), kept sorted; at most one timer per task.
    let mut timers: Vec<(f64, u64, usize)> = Vec::new();
    let mut seq = 0u64;
    let mut results = vec![0u64; tasks];
    let mut spans = Vec::new();
    let mut now = 0.0f64;
    let span = |task: usize, state, start, end| Span {
        lane: 0,
        task: task as u32,
        state,
        start_us: start,
        end_us: end,
    };
    loop {
        while timers.first().is_some_and(|t| t.0 <= now) {
            let (_, _, task) = timers.remove(0);
            ready.push_back(task);
        }
        if let Some(task) = ready.pop_front() {
            if let Some(since) = waiting_since[task].take()
                && now > since
            {
                spans.push(span(task, State::WaitingIo, since, now));
            }
            while let Some(seg) = plans[task].get(next_seg[task]) {
                next_seg[task] += 1;
                match *seg {
                    Segment::Cpu { start, end } | Segment::Released { start, end } => {
                        let state = if matches!(seg, Segment::Cpu { .. }) {
                            State::Running
                        } else {
                            State::Released
                        };
                        let us = cpu_us(start, end, machine);
                        if us > 0.0 {
                            spans.push(span(task, state, now, now + us));
                        }
                        now += us;
                        results[task] = results[task].wrapping_add(vm::sum_exact(start, end));
                    }
                    Segment::Io { us } => {
                        let t = (now + us.max(0.0), seq, task);
                        seq += 1;
                        let at = timers.partition_point(|x| (x.0, x.1) <= (t.0, t.1));
                        timers.insert(at, t);
                        waiting_since[task] = Some(now);
                        break;
                    }
                }
            }
        } else if let Some(&(deadline, _, _)) = timers.first() {
            now = now.max(deadline);
        } else {
            break;
        }
    }
    spans.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
    ModelRun {
        model: Model::Asyncio,
        threads: 1,
        wall_ms: now / 1000.0,
        spans,
        results,
        gil_handoffs: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Workload;
    use crate::task::expected_results;

    /// A machine whose costs the tests fix themselves, so that a new measured default
    /// does not change what they check: start-up small next to the tasks' work.
    fn machine(cores: u32) -> Machine {
        Machine {
            cores,
            ns_per_iter: 25.0,
            process_start_us: 30_000.0,
            forkserver_start_us: 3_000.0,
            copy_us: 100.0,
            interpreter_start_us: 20.0,
            interpreter_copy_us: 2.0,
            wake_us: 20.0,
            parallel_efficiency: 1.0,
            time_slice_us: 6_000.0,
        }
    }

    fn params(workload: Workload) -> Params {
        Params {
            workload,
            models: Model::ALL.to_vec(),
            ..Params::default()
        }
    }

    fn speedups(p: &Params, m: &Machine) -> Vec<(Model, f64)> {
        predict(Experiment::GilCpu, p, m)
            .summary()
            .into_iter()
            .map(|s| (s.model, s.speedup))
            .collect()
    }

    fn speedup(p: &Params, m: &Machine, model: Model) -> f64 {
        speedups(p, m)
            .into_iter()
            .find(|x| x.0 == model)
            .expect("model predicted")
            .1
    }

    fn variety() -> Vec<Params> {
        let mut v = Vec::new();
        for workload in Workload::ALL {
            for (tasks, threads) in [(4, 4), (5, 2), (1, 3), (7, 16)] {
                for release_fraction in [0.0, 0.4] {
                    v.push(Params {
                        tasks,
                        threads,
                        n: 300_000,
                        wait_ms: 7.0,
                        io_fraction: 0.4,
                        switch_ms: 0.5,
                        release_fraction,
                        ..params(workload)
                    });
                }
            }
        }
        v
    }

    #[test]
    fn every_task_result_comes_out_exactly_once_in_every_model() {
        for p in variety() {
            for run in predict(Experiment::GilCpu, &p, &machine(2)).runs {
                assert_eq!(
                    run.results,
                    expected_results(&p),
                    "{:?} {:?}",
                    run.model,
                    p.workload
                );
                assert!(run.spans.iter().all(|s| s.end_us > s.start_us));
                assert!(run.spans.iter().all(|s| s.lane < run.threads));
                let end = run.spans.iter().map(|s| s.end_us).fold(0.0, f64::max);
                assert!((end / 1000.0 - run.wall_ms).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn under_the_gil_at_most_one_lane_runs_bytecode() {
        for p in variety() {
            let run = predict_model(&p, Model::GilThreads, &machine(4));
            assert!(run.peak_concurrency(|s| *s == State::Running) <= 1);
            if p.workload != Workload::Io && p.tasks > 1 && p.threads > 1 {
                assert!(run.gil_handoffs > 0, "{p:?}");
            }
        }
    }

    #[test]
    fn the_event_loop_runs_one_task_at_a_time() {
        for p in variety() {
            let run = predict_model(&p, Model::Asyncio, &machine(4));
            assert!(run.spans.iter().all(|s| s.lane == 0));
            let busy = |s: &State| matches!(s, State::Running | State::Released);
            assert!(run.peak_concurrency(busy) <= 1);
        }
    }

    #[test]
    fn predictions_are_deterministic() {
        for p in variety() {
            let a = predict(Experiment::Bursts, &p, &machine(2));
            let b = predict(Experiment::Bursts, &p, &machine(2));
            assert_eq!(a, b);
        }
    }

    #[test]
    fn cpu_bound_shapes() {
        let p = params(Workload::Cpu);
        for cores in [2, 4] {
            let m = machine(cores);
            let gil = speedup(&p, &m, Model::GilThreads);
            assert!((0.9..=1.0).contains(&gil), "gil {gil} on {cores} cores");
            let free = speedup(&p, &m, Model::FreeThreads);
            let ideal = f64::from(cores.min(p.threads));
            assert!(
                (free - ideal).abs() < 0.01 * ideal,
                "free {free} vs {ideal}"
            );
            let procs = speedup(&p, &m, Model::Processes);
            assert!(procs < free && procs > 0.5 * free, "processes {procs}");
            let asyncio = speedup(&p, &m, Model::Asyncio);
            assert!((asyncio - 1.0).abs() < 1e-9, "asyncio {asyncio}");
        }
    }

    #[test]
    fn the_gil_hands_over_about_once_per_switch_interval() {
        let p = Params {
            tasks: 2,
            threads: 2,
            ..params(Workload::Cpu)
        };
        let run = predict_model(&p, Model::GilThreads, &machine(2));
        let intervals = run.wall_ms / p.switch_ms;
        let h = run.gil_handoffs as f64;
        // A waiter may need up to two intervals after a switch to see one pass unswitched.
        assert!(
            h > 0.4 * intervals && h <= intervals + 1.0,
            "{h} vs {intervals}"
        );
        // And both lanes alternate: each one's work is split into many running spans.
        for lane in 0..2 {
            let spans = run
                .spans
                .iter()
                .filter(|s| s.lane == lane && s.state == State::Running)
                .count();
            assert!(spans >= 5, "lane {lane}: {spans}");
        }
    }

    #[test]
    fn released_sections_run_in_parallel_under_the_gil() {
        let p = Params {
            release_fraction: 1.0,
            ..params(Workload::Cpu)
        };
        let m = machine(4);
        let gil = speedup(&p, &m, Model::GilThreads);
        assert!(gil > 3.9, "gil with all work released: {gil}");
    }

    #[test]
    fn io_bound_shapes() {
        let p = params(Workload::Io);
        for model in [Model::GilThreads, Model::FreeThreads, Model::Asyncio] {
            let s = speedup(&p, &machine(2), model);
            assert!((s - 4.0).abs() < 1e-6, "{model:?}: {s}");
        }
    }

    #[test]
    fn processes_start_and_copy_apart_from_the_work() {
        let p = params(Workload::Cpu);
        let m = machine(4);
        let run = predict_model(&p, Model::Processes, &m);
        assert_eq!(run.time_in(State::Starting), 4.0 * m.process_start_us);
        assert_eq!(run.time_in(State::Copying), 8.0 * m.copy_us);
        assert_eq!(run.lanes_used(), 4);

        let forked = Params {
            start: StartMethod::Forkserver,
            ..p
        };
        let run = predict_model(&forked, Model::Processes, &m);
        assert_eq!(run.time_in(State::Starting), 4.0 * m.forkserver_start_us);
    }

    #[test]
    fn processes_started_at_once_share_the_cores() {
        let p = params(Workload::Cpu);
        // Four starts on two cores: each runs at half speed.
        let run = predict_model(&p, Model::Processes, &machine(2));
        let m = machine(2);
        // Four starts on two cores: the last is done after two starts' work, and none
        // before one start's.
        let starts: Vec<&Span> = run
            .spans
            .iter()
            .filter(|s| s.state == State::Starting)
            .collect();
        let last = starts.iter().map(|s| s.end_us).fold(0.0, f64::max);
        assert!((last - 2.0 * m.process_start_us).abs() < 1e-6, "{last}");
        assert!(starts.iter().all(|s| s.end_us >= m.process_start_us - 1e-6));
        // And what a run measured converts back into one start's work.
        assert_eq!(m.start_work_us(40_000.0, 4), 20_000.0);
        assert_eq!(m.start_work_us(15_000.0, 1), 15_000.0);
        assert_eq!(machine(8).start_work_us(40_000.0, 4), 40_000.0);
    }

    #[test]
    fn calibration_measures_a_positive_speed_and_keeps_the_cores() {
        let m = Machine::calibrate(&crate::platform::NativePlatform::default(), 0);
        assert_eq!(m.cores, 1);
        assert!(m.ns_per_iter > 0.0 && m.ns_per_iter.is_finite());
        assert_eq!(m.copy_us, Machine::default().copy_us);
    }

    #[test]
    fn more_lanes_than_cores_share_them_fairly() {
        let p = Params {
            threads: 8,
            tasks: 8,
            ..params(Workload::Cpu)
        };
        let m = machine(2);
        let run = predict_model(&p, Model::FreeThreads, &m);
        let one_task_ms = p.n as f64 * 25.0 / 1e6;
        // 8 tasks of equal work on 2 cores: no core idles, so the last ends after 4
        // tasks' time, and turns of one slice keep every lane within a slice of it.
        assert!((run.wall_ms - 4.0 * one_task_ms).abs() < 1e-6);
        let ends: Vec<f64> = run.spans.iter().map(|s| s.end_us).collect();
        assert!(
            ends.iter()
                .all(|e| run.wall_ms * 1000.0 - e <= m.time_slice_us + 1e-6)
        );
    }

    #[test]
    fn short_bursts_fall_into_step_instead_of_sharing_the_cores() {
        // Four lanes on two cores, each making four bursts of `b` of work followed by `b`
        // of waiting. Bursts shorter than a slice run to their end: two lanes compute
        // while the other two wait, and the last wait ends after 9 b. Sharing the cores
        // evenly instead would take 4 x (2 b + b) = 12 b.
        let m = machine(2);
        let p = Params {
            threads: 4,
            tasks: 4,
            io_fraction: 0.5,
            n: 400_000,
            ..params(Workload::Mixed)
        };
        let b = (p.n / 2 / crate::task::MIXED_BURSTS) as f64 * m.ns_per_iter / 1000.0;
        let p = Params {
            wait_ms: b * crate::task::MIXED_BURSTS as f64 * 2.0 / 1000.0,
            ..p
        };
        assert!(b < m.time_slice_us);
        let run = predict_model(&p, Model::FreeThreads, &m);
        assert!(
            (run.wall_ms * 1000.0 - 9.0 * b).abs() < 1e-3,
            "{} ms, b = {b} us",
            run.wall_ms
        );
    }
}
