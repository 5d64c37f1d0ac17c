//! What a run records: spans of time on lanes, per model, and the statistics drawn from
//! them. Measured runs and predicted runs share this type, so one chart draws both.

use crate::experiment::Experiment;
use crate::model::Model;
use crate::params::Params;
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
    /// A process worker starting: spawning and instantiating its module.
    Starting,
    /// Inputs or results being copied between memories.
    Copying,
}

impl State {
    /// Every state, in legend order.
    pub const ALL: [State; 6] = [
        State::Running,
        State::Released,
        State::WaitingGil,
        State::WaitingIo,
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
}
