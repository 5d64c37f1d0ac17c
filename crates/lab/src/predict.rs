//! Predictions: what each model should do with an experiment on a given machine,
//! as a trace of the same type a measured run produces.
//!
//! This first version is a closed-form estimate for the sequential and free-threaded
//! models; the virtual-time model of every model replaces it.

use crate::params::{Experiment, Model, Params};
use crate::run::{Segment, lane_of, task_plan};
use crate::trace::{ModelRun, Report, Source, Span, State};
use serde::{Deserialize, Serialize};

/// The machine a prediction is made for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Cores that can run threads at once.
    pub cores: u32,
    /// Nanoseconds one iteration of the interpreted summing loop takes.
    pub ns_per_iter: f64,
}

impl Default for Machine {
    /// A typical laptop: 4 cores, and the loop's speed measured in Chromium on one.
    fn default() -> Self {
        Machine {
            cores: 4,
            ns_per_iter: 25.0,
        }
    }
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

fn predict_model(params: &Params, model: Model, machine: &Machine) -> ModelRun {
    let lanes = match model {
        Model::Sequential | Model::Asyncio => 1,
        _ => params.threads.clamp(1, params.tasks),
    };
    // Lanes beyond the cores share them: each runs at cores/lanes of full speed.
    let slow = (f64::from(lanes) / f64::from(machine.cores.max(1))).max(1.0);
    let mut spans = Vec::new();
    let mut lane_time = vec![0.0f64; lanes as usize];
    for task in 0..params.tasks {
        let lane = lane_of(task, lanes);
        let t = &mut lane_time[lane as usize];
        for seg in task_plan(params) {
            let (state, us) = match seg {
                Segment::Cpu { start, end } => (
                    State::Running,
                    (end - start) as f64 * machine.ns_per_iter / 1000.0 * slow,
                ),
                Segment::Released { start, end } => (
                    State::Released,
                    (end - start) as f64 * machine.ns_per_iter / 1000.0 * slow,
                ),
                Segment::Io { us } => (State::WaitingIo, us),
            };
            spans.push(Span {
                lane,
                task,
                state,
                start_us: *t,
                end_us: *t + us,
            });
            *t += us;
        }
    }
    ModelRun {
        model,
        threads: lanes,
        wall_ms: lane_time.iter().copied().fold(0.0, f64::max) / 1000.0,
        spans,
        results: vec![crate::run::expected_result(params); params.tasks as usize],
        gil_handoffs: 0,
    }
}
