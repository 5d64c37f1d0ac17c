//! What the host runs for an experiment: its steps, one parameter set each, and how many
//! pool threads they need. The compute worker follows this plan and sends back each
//! step's report; nothing about an experiment's shape is decided in the page's scripts.

use crate::compare::halves;
use crate::experiment::{Experiment, ResultKind};
use crate::model::{Host, Model};
use crate::params::Params;
use crate::sweep::{point_params, sweep_of};
use serde::Serialize;

/// One model of a step: where it runs and on how many lanes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepModel {
    /// The model.
    pub model: Model,
    /// Where its lanes run.
    pub host: Host,
    /// How many lanes it runs on.
    pub lanes: u32,
}

/// One parameter set whose models the host runs, one model at a time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// What the step is, for progress messages ("CPU-bound", "threads = 2"); empty
    /// when the experiment has one step.
    pub label: String,
    /// The swept parameter's value, for a sweep's steps.
    pub x: Option<f64>,
    /// The full parameters of the step.
    pub params: Params,
    /// Its models, in order (the first is the baseline).
    pub models: Vec<StepModel>,
}

/// Every step of an experiment's run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The experiment.
    pub experiment: Experiment,
    /// What its run produces.
    pub kind: ResultKind,
    /// The steps, in the order they run.
    pub steps: Vec<Step>,
    /// The most threads of the shared pool any step needs at once.
    pub pool_threads: u32,
}

/// Threads of the shared pool `params` need: one per lane of the widest model that runs
/// on the pool, or none when no model does.
pub fn pool_threads(kind: ResultKind, params: &Params) -> u32 {
    match kind {
        ResultKind::Counter => params.threads,
        ResultKind::Report | ResultKind::Sweep | ResultKind::Comparison => params
            .models
            .iter()
            .filter(|m| m.needs_threads())
            .map(|m| m.lanes(params.threads, params.tasks))
            .max()
            .unwrap_or(0),
    }
}

/// The plan of `experiment` with `params` (already validated).
pub fn plan(experiment: Experiment, params: &Params) -> Plan {
    let kind = experiment.result_kind();
    let step = |label: String, x, params: Params| Step {
        label,
        x,
        models: params
            .models
            .iter()
            .map(|&model| StepModel {
                model,
                host: model.info().host,
                lanes: model.lanes(params.threads, params.tasks),
            })
            .collect(),
        params,
    };
    let steps = match kind {
        ResultKind::Report | ResultKind::Counter => {
            vec![step(String::new(), None, params.clone())]
        }
        ResultKind::Comparison => {
            let (cpu, io) = halves(params);
            vec![
                step("CPU-bound".into(), None, cpu),
                step("I/O-bound".into(), None, io),
            ]
        }
        ResultKind::Sweep => sweep_of(experiment, params)
            .map(|sweep| {
                sweep
                    .values
                    .iter()
                    .filter_map(|&x| {
                        let p = point_params(params, &sweep, x).ok()?;
                        Some(step(format!("{} = {x}", sweep.param), Some(x), p))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let pool_threads = steps
        .iter()
        .map(|s| pool_threads(kind, &s.params))
        .max()
        .unwrap_or(0);
    Plan {
        experiment,
        kind,
        steps,
        pool_threads,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Workload;

    #[test]
    fn every_experiment_has_a_plan_of_its_kind() {
        for e in Experiment::ALL {
            let p = plan(e, &e.defaults());
            let want = match p.kind {
                ResultKind::Report | ResultKind::Counter => 1,
                ResultKind::Comparison => 2,
                ResultKind::Sweep => 2,
            };
            assert!(p.steps.len() >= want, "{}: {} steps", e.id(), p.steps.len());
        }
    }

    #[test]
    fn a_comparison_runs_the_same_tasks_cpu_bound_then_io_bound() {
        let p = plan(Experiment::Compare, &Experiment::Compare.defaults());
        let w: Vec<Workload> = p.steps.iter().map(|s| s.params.workload).collect();
        assert_eq!(w, [Workload::Cpu, Workload::Io]);
    }

    #[test]
    fn a_scaling_sweep_needs_as_many_threads_as_its_widest_point() {
        let mut params = Experiment::Scaling.defaults();
        params.set("threads", "3").unwrap();
        let p = plan(Experiment::Scaling, &params);
        let threads: Vec<u32> = p.steps.iter().map(|s| s.params.threads).collect();
        assert_eq!(threads, [1, 2, 3]);
        assert_eq!(p.steps[1].x, Some(2.0));
        assert_eq!(p.steps[2].models[0].lanes, 3);
        assert_eq!(p.steps[2].models[0].host, Host::Pool);
        assert_eq!(p.pool_threads, 3);
    }

    #[test]
    fn models_off_the_pool_need_no_pool_threads() {
        let mut params = Experiment::GilCpu.defaults();
        params.models = vec![Model::Sequential, Model::Asyncio, Model::Processes];
        assert_eq!(plan(Experiment::GilCpu, &params).pool_threads, 0);
        params.models.push(Model::Interpreters);
        params.threads = 3;
        assert_eq!(plan(Experiment::GilCpu, &params).pool_threads, 3);
    }
}
