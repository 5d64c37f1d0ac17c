//! What a run records: spans of time on lanes, per model, and the statistics drawn from
//! them. Measured runs and predicted runs share this type, so one chart draws both.

use crate::experiment::Experiment;
use crate::model::Model;
use crate::params::{Params, Workload};
use crate::stats::{efficiency, speedup};
use serde::{Deserialize, Serialize};

/// What a lane was doing during a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Running bytecode (holding the GIL where there is one).
    Running,
    /// Running native code that released the GIL (a C extension's section).
    Released,
    /// Ready to run but waiting for the GIL.
    WaitingGil,
    /// Waiting for I/O (simulated latency).
    WaitingIo,
    /// Blocked, the GIL released, on the program's own doing: a sleep, a lock, a queue, a
    /// join, an event (the lab's Python; never I/O).
    Blocked,
    /// A process worker starting: spawning and instantiating its module.
    Starting,
    /// Inputs or results being copied between memories.
    Copying,
}

impl State {
    /// Every state, in legend order.
    pub const ALL: [State; 7] = [
        State::Running,
        State::Released,
        State::WaitingGil,
        State::WaitingIo,
        State::Blocked,
        State::Starting,
        State::Copying,
    ];

    /// The id used in JSON and CSS classes.
    pub fn id(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Released => "released",
            State::WaitingGil => "waiting-gil",
            State::WaitingIo => "waiting-io",
            State::Blocked => "blocked",
            State::Starting => "starting",
            State::Copying => "copying",
        }
    }

    /// A label for legends.
    pub fn label(self) -> &'static str {
        match self {
            State::Running => "running Python code",
            State::Released => "running, GIL released",
            State::WaitingGil => "waiting for the GIL",
            State::WaitingIo => "waiting for I/O",
            State::Blocked => "blocked (sleep, lock, queue, join...)",
            State::Starting => "starting up",
            State::Copying => "copying data",
        }
    }
}

/// One stretch of time a lane spent in one state on behalf of one task.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The thread, worker or event loop, numbered from 0.
    pub lane: u32,
    /// The task, numbered from 0.
    pub task: u32,
    /// What the lane was doing.
    pub state: State,
    /// Start, in microseconds since the run began.
    pub start_us: f64,
    /// End, in microseconds since the run began.
    pub end_us: f64,
}

/// One model's run of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRun {
    /// The model.
    pub model: Model,
    /// Threads, workers or processes the model used (1 for sequential and asyncio).
    pub threads: u32,
    /// Wall time of the whole run, in milliseconds.
    pub wall_ms: f64,
    /// What each lane did.
    pub spans: Vec<Span>,
    /// Each task's result (the loop's sum; 0 for a pure wait), by task number.
    pub results: Vec<u64>,
    /// How many times the GIL passed from one thread to another.
    pub gil_handoffs: u64,
}

impl ModelRun {
    /// The mean time of one request in a convoy, in milliseconds: from the start of its
    /// wait to the end of the work that handles the answer (with any wait for the GIL in
    /// between), over every request of every task but the first, which computes. `None`
    /// when no task made a request.
    pub fn request_ms(&self) -> Option<f64> {
        let mut total = 0.0;
        let mut count = 0u32;
        let mut tasks: Vec<u32> = self
            .spans
            .iter()
            .map(|s| s.task)
            .filter(|&t| t > 0)
            .collect();
        tasks.sort_unstable();
        tasks.dedup();
        for task in tasks {
            let mut spans: Vec<&Span> = self.spans.iter().filter(|s| s.task == task).collect();
            spans.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
            // A request is its wait and every span after it, up to the next wait.
            let mut open: Option<(f64, f64)> = None;
            for s in spans {
                if s.state == State::WaitingIo {
                    if let Some((start, end)) = open.take() {
                        total += end - start;
                        count += 1;
                    }
                    open = Some((s.start_us, s.end_us));
                } else if let Some((_, end)) = open.as_mut() {
                    *end = end.max(s.end_us);
                }
            }
            if let Some((start, end)) = open {
                total += end - start;
                count += 1;
            }
        }
        (count > 0).then(|| total / f64::from(count) / 1000.0)
    }

    /// How many distinct lanes the spans use.
    pub fn lanes_used(&self) -> u32 {
        let mut lanes: Vec<u32> = self.spans.iter().map(|s| s.lane).collect();
        lanes.sort_unstable();
        lanes.dedup();
        lanes.len() as u32
    }

    /// The largest number of spans whose state matches `which` that are in progress at
    /// the same instant (spans that only touch, one ending where the next starts, do
    /// not count as overlapping). Under a GIL, `peak_concurrency(|s| s == Running)` is 1.
    pub fn peak_concurrency(&self, which: impl Fn(&State) -> bool) -> u32 {
        // Sweep over the span edges; at equal times ends come before starts.
        let mut edges: Vec<(f64, i32)> = self
            .spans
            .iter()
            .filter(|s| which(&s.state) && s.end_us > s.start_us)
            .flat_map(|s| [(s.start_us, 1), (s.end_us, -1)])
            .collect();
        edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut now, mut peak) = (0i32, 0i32);
        for (_, d) in edges {
            now += d;
            peak = peak.max(now);
        }
        peak as u32
    }

    /// Time spent in `state`, summed over all lanes, in microseconds.
    pub fn time_in(&self, state: State) -> f64 {
        self.spans
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.end_us - s.start_us)
            .sum()
    }
}

/// Where a report's numbers come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Run for real on the reader's machine.
    Measured,
    /// Computed by the virtual-time model.
    Predicted,
}

/// Every model's run of one experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The experiment.
    pub experiment: Experiment,
    /// Its parameters.
    pub params: Params,
    /// Measured or predicted.
    pub source: Source,
    /// One run per model, in the order of `params.models`.
    pub runs: Vec<ModelRun>,
}

/// One row of a report's summary: what a widget puts in `data-result`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The model's id.
    pub model: Model,
    /// Wall time in milliseconds.
    pub wall_ms: f64,
    /// The baseline's wall time divided by this one.
    pub speedup: f64,
    /// Speedup divided by threads used.
    pub efficiency: f64,
    /// Threads, workers or processes the model used.
    pub threads: u32,
    /// Distinct lanes that did work.
    pub lanes_used: u32,
    /// Busy lane time (running or released) over wall time: 1.0 is one core kept busy.
    pub cpu_utilisation: f64,
    /// GIL hand-offs.
    pub gil_handoffs: u64,
    /// In a convoy, the mean time of one request in milliseconds (see
    /// [`ModelRun::request_ms`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_ms: Option<f64>,
}

impl Report {
    /// The baseline wall time: the first model's.
    pub fn baseline_ms(&self) -> Option<f64> {
        self.runs.first().map(|r| r.wall_ms)
    }

    /// One summary row per model.
    pub fn summary(&self) -> Vec<Summary> {
        let base = self.baseline_ms().unwrap_or(0.0);
        self.runs
            .iter()
            .map(|r| {
                let speedup = speedup(base, r.wall_ms);
                let busy = r.time_in(State::Running) + r.time_in(State::Released);
                Summary {
                    model: r.model,
                    wall_ms: r.wall_ms,
                    speedup,
                    efficiency: efficiency(speedup, r.threads),
                    threads: r.threads,
                    lanes_used: r.lanes_used(),
                    cpu_utilisation: if r.wall_ms > 0.0 {
                        busy / (r.wall_ms * 1000.0)
                    } else {
                        0.0
                    },
                    gil_handoffs: r.gil_handoffs,
                    request_ms: if self.params.workload == Workload::Convoy {
                        r.request_ms()
                    } else {
                        None
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(model: Model, wall_ms: f64, lanes: u32) -> ModelRun {
        ModelRun {
            model,
            threads: lanes,
            wall_ms,
            spans: (0..lanes)
                .map(|lane| Span {
                    lane,
                    task: lane,
                    state: State::Running,
                    start_us: 0.0,
                    end_us: wall_ms * 1000.0,
                })
                .collect(),
            results: vec![],
            gil_handoffs: 0,
        }
    }

    #[test]
    fn summary_divides_by_the_first_model() {
        let report = Report {
            experiment: Experiment::ParallelCpu,
            params: Experiment::ParallelCpu.defaults(),
            source: Source::Measured,
            runs: vec![
                run(Model::Sequential, 400.0, 1),
                run(Model::FreeThreads, 100.0, 4),
            ],
        };
        let s = report.summary();
        assert_eq!(s[0].speedup, 1.0);
        assert_eq!(s[1].speedup, 4.0);
        assert_eq!(s[1].efficiency, 1.0);
        assert_eq!(s[1].lanes_used, 4);
        assert!((s[1].cpu_utilisation - 4.0).abs() < 1e-9);
    }

    #[test]
    fn a_request_lasts_from_its_wait_to_the_end_of_handling_its_answer() {
        let span = |task, state, start_us, end_us| Span {
            lane: task,
            task,
            state,
            start_us,
            end_us,
        };
        let run = ModelRun {
            spans: vec![
                // The computing task is not a request.
                span(0, State::Running, 0.0, 9000.0),
                span(1, State::WaitingIo, 0.0, 1000.0),
                span(1, State::WaitingGil, 1000.0, 5000.0),
                span(1, State::Running, 5000.0, 5100.0),
                span(1, State::WaitingIo, 5100.0, 6100.0),
                span(1, State::Running, 6100.0, 6200.0),
            ],
            ..run(Model::GilThreads, 9.0, 2)
        };
        // (5100 + 1100) / 2 microseconds.
        assert_eq!(run.request_ms(), Some(3.1));
        assert_eq!(self::run(Model::GilThreads, 9.0, 1).request_ms(), None);
    }
}
