//! A global interpreter lock that behaves like CPython's "new GIL" (3.2+, `Python/ceval_gil.c`).
//!
//! One mutex and a condition variable guard a `locked` flag. A thread that wants the lock
//! waits on the condition variable with a timeout of the switch interval; if the timeout
//! expires and the lock has not changed hands meanwhile, it sets a *drop request*. The
//! holder sees the request at its next backward jump (the interpreter's eval breaker, see
//! [`crate::vm::EvalBreaker`]), drops the lock and, like CPython's `FORCE_SWITCHING`, waits
//! until another thread has taken it before it asks for it again. Threads release the
//! lock around I/O waits and sections that model a C extension releasing it (the task
//! runner calls [`Interpreter::release`] there).
//!
//! Nothing here reads a clock except through the [`Platform`](crate::Platform) in the
//! [`TaskCx`]; the timed wait takes a relative `Duration`, which the browser supports.

use crate::stats::median;
use crate::task::{Interpreter, TaskCx};
use crate::trace::{ModelRun, State};
use crate::vm::EvalBreaker;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The state the mutex guards.
#[derive(Debug, Default)]
struct GilState {
    /// Whether some thread holds the lock.
    locked: bool,
    /// The lane that took the lock last (it may have released it since).
    last_holder: Option<u32>,
    /// How many times the lock has been taken: a waiter compares it before and after a
    /// timed wait to tell whether a switch happened meanwhile.
    switch_number: u64,
    /// Takes by a lane different from the previous holder.
    handoffs: u64,
    /// Drop requests set by waiters whose timed wait expired.
    drop_requests: u64,
}

/// A global interpreter lock shared by the lanes of one run.
#[derive(Debug)]
pub struct Gil {
    state: Mutex<GilState>,
    /// Signalled (one waiter) whenever the lock is released.
    cond: Condvar,
    /// Signalled (every waiter) whenever the lock is taken: `FORCE_SWITCHING`.
    switch_cond: Condvar,
    /// The eval breaker bit: read without the mutex on every backward jump.
    drop_request: AtomicBool,
    interval: Duration,
}

impl Gil {
    /// A free lock with a switch interval of `switch_ms` milliseconds (clamped to at
    /// least a microsecond, so a zero cannot turn the timed wait into a spin).
    pub fn new(switch_ms: f64) -> Self {
        let us = (switch_ms * 1000.0).max(1.0);
        Gil {
            state: Mutex::new(GilState::default()),
            cond: Condvar::new(),
            switch_cond: Condvar::new(),
            drop_request: AtomicBool::new(false),
            interval: Duration::from_secs_f64(us / 1e6),
        }
    }

    fn lock(&self) -> MutexGuard<'_, GilState> {
        // A lane that panicked cannot leave the flags half-updated (every update is a
        // few plain stores), so a poisoned lock is still a consistent one.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the lock for `lane`, waiting as long as needed. Returns whether it had to
    /// wait (the lock was held when asked for).
    pub fn take(&self, lane: u32) -> bool {
        let mut st = self.lock();
        let mut waited = false;
        while st.locked {
            waited = true;
            let saved = st.switch_number;
            let (guard, res) = self
                .cond
                .wait_timeout(st, self.interval)
                .unwrap_or_else(PoisonError::into_inner);
            st = guard;
            // As in CPython: only ask the holder to drop the lock if a whole interval
            // passed without any switch; otherwise just wait another interval.
            if res.timed_out() && st.locked && st.switch_number == saved {
                self.drop_request.store(true, Ordering::Relaxed);
                st.drop_requests += 1;
            }
        }
        st.locked = true;
        if st.last_holder.is_some_and(|prev| prev != lane) {
            st.handoffs += 1;
        }
        st.last_holder = Some(lane);
        st.switch_number += 1;
        // The request (if any) is answered: whoever asked will be woken by a later drop.
        self.drop_request.store(false, Ordering::Relaxed);
        self.switch_cond.notify_all();
        waited
    }

    /// Releases the lock held by `lane`. If a drop was requested, waits until another
    /// lane has taken the lock (CPython's `FORCE_SWITCHING`), so that a thread dropping
    /// the lock at a request cannot take it straight back.
    pub fn release(&self, lane: u32) {
        let mut st = self.lock();
        st.locked = false;
        self.cond.notify_one();
        if self.drop_request.load(Ordering::Relaxed) && st.last_holder == Some(lane) {
            // Never a deadlock: the request was set, under this mutex, by a waiter that
            // has not taken the lock since (taking resets it), so a waiter exists and
            // will take the lock now that it is free.
            self.drop_request.store(false, Ordering::Relaxed);
            let n = st.switch_number;
            while st.switch_number == n {
                st = self
                    .switch_cond
                    .wait(st)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Whether a waiter has asked the holder to drop the lock (the eval breaker bit).
    #[inline]
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Ordering::Relaxed)
    }

    /// How many times the lock passed from one lane to a different lane.
    pub fn handoffs(&self) -> u64 {
        self.lock().handoffs
    }

    /// How many drop requests waiters have made.
    pub fn drop_requests(&self) -> u64 {
        self.lock().drop_requests
    }
}

/// The task runner's hooks for threads under a [`Gil`].
#[derive(Debug)]
pub struct GilInterpreter {
    /// The lock every lane of the run shares.
    pub gil: Gil,
}

impl GilInterpreter {
    /// A fresh, free lock with the given switch interval in milliseconds.
    pub fn new(switch_ms: f64) -> Self {
        GilInterpreter {
            gil: Gil::new(switch_ms),
        }
    }
}

/// The eval breaker of a lane holding the GIL: hands the lock over when asked.
#[derive(Debug)]
pub struct GilBreaker<'a> {
    gil: &'a Gil,
    cx: &'a TaskCx<'a>,
}

impl EvalBreaker for GilBreaker<'_> {
    /// CPython reads its eval breaker at every backward jump; here it is read between
    /// slices of 256 (see [`crate::vm::eval`]): a drop request is noticed a few
    /// microseconds late at most, against a switch interval of milliseconds.
    const EVERY: u32 = 256;

    #[inline]
    fn check(&mut self) {
        if self.gil.drop_requested() {
            self.hand_over();
        }
    }
}

impl GilBreaker<'_> {
    /// Drops the lock mid-segment, waits to get it back, and splits the running span
    /// around the wait so that a timeline shows the lock passing.
    #[cold]
    #[inline(never)]
    fn hand_over(&mut self) {
        let cx = self.cx;
        // Read while still holding the lock: running spans of two lanes cannot overlap.
        let dropped = cx.now();
        cx.emit(State::Running, cx.running_since(), dropped);
        self.gil.release(cx.lane);
        self.gil.take(cx.lane);
        let resumed = cx.now();
        cx.emit(State::WaitingGil, dropped, resumed);
        cx.restart_running(resumed);
    }
}

impl Interpreter for GilInterpreter {
    type Breaker<'a>
        = GilBreaker<'a>
    where
        Self: 'a;

    fn breaker<'a>(&'a self, cx: &'a TaskCx<'a>) -> GilBreaker<'a> {
        GilBreaker { gil: &self.gil, cx }
    }

    fn acquire(&self, cx: &TaskCx<'_>) {
        let asked = cx.now();
        if self.gil.take(cx.lane) {
            cx.emit(State::WaitingGil, asked, cx.now());
        }
    }

    fn release(&self, cx: &TaskCx<'_>) {
        self.gil.release(cx.lane);
    }
}

/// Microseconds from one lane's running span ending to another lane's starting, at each
/// change of hands in a run under the GIL: the moments when no lane runs.
pub fn handoff_gaps_us(run: &ModelRun) -> Vec<f64> {
    let mut running: Vec<_> = run
        .spans
        .iter()
        .filter(|s| s.state == State::Running)
        .collect();
    running.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
    running
        .windows(2)
        .filter(|w| w[0].lane != w[1].lane)
        .map(|w| (w[1].start_us - w[0].end_us).max(0.0))
        .collect()
}

/// The median of [`handoff_gaps_us`]: what one hand-off of the GIL costs, if the lock
/// changed hands at all.
pub fn handoff_gap_us(run: &ModelRun) -> Option<f64> {
    median(handoff_gaps_us(run))
}

/// What the GIL's hand-offs cost in one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GilFigures {
    /// Wall time of the run.
    pub wall_ms: f64,
    /// Times the lock passed from one lane to another.
    pub handoffs: u64,
    /// Total time lanes spent in `waiting-gil` spans.
    pub waiting_gil_ms: f64,
    /// `waiting_gil_ms` per hand-off, in microseconds: with two lanes this is about one
    /// switch interval plus the hand-off itself.
    pub waiting_per_handoff_us: f64,
    /// The median of [`handoff_gaps_us`]: the hand-off's own cost.
    pub gap_median_us: f64,
    /// The mean of the same gaps.
    pub gap_mean_us: f64,
}

/// The hand-off figures of a run under the GIL.
pub fn gil_figures(run: &ModelRun) -> GilFigures {
    let gaps = handoff_gaps_us(run);
    let waiting_us = run.time_in(State::WaitingGil);
    let per = |total: f64, n: usize| if n > 0 { total / n as f64 } else { 0.0 };
    GilFigures {
        wall_ms: run.wall_ms,
        handoffs: run.gil_handoffs,
        waiting_gil_ms: waiting_us / 1000.0,
        waiting_per_handoff_us: per(waiting_us, run.gil_handoffs as usize),
        gap_median_us: handoff_gap_us(run).unwrap_or(0.0),
        gap_mean_us: per(gaps.iter().sum(), gaps.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::params::{Params, Workload};
    use crate::platform::NativePlatform;
    use crate::run::run_model;
    use crate::task::expected_results;
    use crate::trace::Span;

    /// Asserts that no two lanes' running spans overlap in time.
    fn assert_one_runner(spans: &[Span]) {
        let mut running: Vec<&Span> = spans.iter().filter(|s| s.state == State::Running).collect();
        running.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
        for w in running.windows(2) {
            assert!(
                w[0].end_us <= w[1].start_us,
                "lanes {} and {} both run bytecode: {:?} overlaps {:?}",
                w[0].lane,
                w[1].lane,
                w[0],
                w[1]
            );
        }
    }

    #[test]
    fn a_free_lock_is_taken_without_waiting_and_handoffs_count_lane_changes() {
        let gil = Gil::new(5.0);
        assert!(!gil.take(0));
        gil.release(0);
        assert!(!gil.take(0));
        gil.release(0);
        assert_eq!(gil.handoffs(), 0);
        assert!(!gil.take(1));
        gil.release(1);
        assert_eq!(gil.handoffs(), 1);
    }

    #[test]
    fn a_waiter_requests_a_drop_after_the_interval() {
        let gil = Gil::new(0.2);
        assert!(!gil.take(0));
        std::thread::scope(|s| {
            let h = s.spawn(|| gil.take(1));
            // The holder spins like an eval loop until asked, then hands over.
            while !gil.drop_requested() {
                std::hint::spin_loop();
            }
            gil.release(0);
            assert!(h.join().unwrap(), "the waiter had to wait");
        });
        assert!(gil.drop_requests() >= 1);
        assert_eq!(gil.handoffs(), 1);
        // FORCE_SWITCHING: the release above returned only after lane 1 took the lock.
        assert!(!gil.drop_requested());
    }

    fn cpu_params(threads: u32, switch_ms: f64) -> Params {
        Params {
            workload: Workload::Cpu,
            tasks: 4,
            threads,
            n: 400_000,
            switch_ms,
            ..Params::default()
        }
    }

    #[test]
    fn measured_gil_runs_never_run_two_lanes_at_once() {
        let platform = NativePlatform::default();
        for p in [
            cpu_params(4, 0.1),
            cpu_params(3, 1.0),
            Params {
                workload: Workload::Mixed,
                io_fraction: 0.3,
                release_fraction: 0.3,
                wait_ms: 2.0,
                ..cpu_params(4, 0.1)
            },
        ] {
            let run = run_model(&platform, &p, Model::GilThreads, &|_| {});
            assert_eq!(run.results, expected_results(&p));
            assert_one_runner(&run.spans);
            assert_eq!(run.peak_concurrency(|s| *s == State::Running), 1);
            assert!(run.spans.iter().all(|s| s.end_us >= s.start_us));
            assert!(run.spans.iter().all(|s| s.lane < p.threads));
        }
    }

    #[test]
    fn the_lock_passes_mid_segment_and_the_timeline_shows_it() {
        // Two lanes, long tasks, a short interval: the waiter must get a drop request
        // honoured while the holder is still inside its one CPU segment.
        let platform = NativePlatform::default();
        let p = Params {
            tasks: 2,
            n: 3_000_000,
            ..cpu_params(2, 0.1)
        };
        let run = run_model(&platform, &p, Model::GilThreads, &|_| {});
        assert_eq!(run.results, expected_results(&p));
        assert!(run.gil_handoffs >= 2, "handoffs {}", run.gil_handoffs);
        let running = |lane| {
            run.spans
                .iter()
                .filter(|s| s.lane == lane && s.state == State::Running)
                .count()
        };
        // One CPU segment per lane, yet several running spans: it was split by waits.
        assert!(running(0) + running(1) > 2);
        assert!(run.time_in(State::WaitingGil) > 0.0);
        assert_one_runner(&run.spans);
    }

    #[test]
    fn spans_reach_the_sink_as_they_end() {
        let platform = NativePlatform::default();
        let seen = Mutex::new(0usize);
        let run = run_model(&platform, &cpu_params(2, 0.5), Model::GilThreads, &|_| {
            *seen.lock().unwrap() += 1;
        });
        assert_eq!(*seen.lock().unwrap(), run.spans.len());
    }

    #[test]
    fn gil_figures_measure_the_gaps_between_lanes() {
        let span = |lane, state, start_us, end_us| Span {
            lane,
            task: lane,
            state,
            start_us,
            end_us,
        };
        let run = ModelRun {
            model: Model::GilThreads,
            threads: 2,
            wall_ms: 0.7,
            spans: vec![
                span(0, State::Running, 0.0, 100.0),
                span(1, State::WaitingGil, 0.0, 110.0),
                span(1, State::Running, 110.0, 200.0),
                span(0, State::WaitingGil, 100.0, 230.0),
                span(0, State::Running, 230.0, 300.0),
            ],
            results: vec![],
            gil_handoffs: 2,
        };
        let f = gil_figures(&run);
        assert_eq!(handoff_gaps_us(&run), vec![10.0, 30.0]);
        assert_eq!(handoff_gap_us(&run), Some(20.0));
        let alone = ModelRun {
            spans: vec![span(0, State::Running, 0.0, 100.0)],
            ..run.clone()
        };
        assert_eq!(handoff_gap_us(&alone), None, "no hand-off, no gap");
        assert_eq!(f.gap_median_us, 20.0);
        assert_eq!(f.gap_mean_us, 20.0);
        assert_eq!(f.waiting_per_handoff_us, 120.0);
    }

    #[test]
    fn in_a_convoy_an_answer_that_arrives_while_the_computing_thread_runs_waits_for_the_lock() {
        let platform = NativePlatform::default();
        let p = Params {
            workload: Workload::Convoy,
            tasks: 2,
            threads: 2,
            n: 20_000_000,
            wait_ms: 1.0,
            switch_ms: 2.0,
            ..Params::default()
        };
        let run = run_model(&platform, &p, Model::GilThreads, &|_| {});
        assert_eq!(run.results, expected_results(&p));
        let computing: Vec<&Span> = run
            .spans
            .iter()
            .filter(|s| s.task == 0 && s.state == State::Running)
            .collect();
        // Well inside one of the computing thread's stretches with the lock.
        let held_at = |t: f64| {
            computing
                .iter()
                .any(|s| s.start_us < t && t + 1000.0 < s.end_us)
        };
        let mut checked = 0;
        for answer in run
            .spans
            .iter()
            .filter(|s| s.task == 1 && s.state == State::WaitingIo && held_at(s.end_us))
        {
            let next = run
                .spans
                .iter()
                .filter(|s| s.task == 1 && s.start_us >= answer.end_us)
                .min_by(|a, b| a.start_us.total_cmp(&b.start_us))
                .expect("every answer is handled");
            assert_eq!(next.state, State::WaitingGil, "after {answer:?}: {next:?}");
            checked += 1;
        }
        assert!(
            checked >= 1,
            "no answer arrived while the loop ran: {:?}",
            run.spans
        );
        assert!(run.request_ms().is_some());
        // Without the lock there is nothing to wait for.
        let free = run_model(&platform, &p, Model::FreeThreads, &|_| {});
        assert_eq!(free.results, expected_results(&p));
        assert!(free.spans.iter().all(|s| s.state != State::WaitingGil));
    }
}
