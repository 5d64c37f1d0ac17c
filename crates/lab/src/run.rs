//! The dispatcher: runs one model for real on a [`Platform`] and returns its trace.
//!
//! Each model's own code lives below this ([`crate::task`] for the plain runner,
//! [`crate::models`] for the rest); this is the one place that picks it.

use crate::model::Model;
use crate::models::{asyncio, gil::GilInterpreter, interpreters};
use crate::params::Params;
use crate::platform::Platform;
use crate::task::{FreeInterpreter, run_lanes_with};
use crate::trace::{ModelRun, Span};

/// Runs one in-memory model for real and returns its trace. `sink` sees every span as
/// it ends, for live drawing; the returned run holds them all.
///
/// # Panics
/// For [`Model::Processes`], whose memories only the host can create: it runs each
/// task with [`crate::models::processes::run_in_process`] and calls
/// [`crate::models::processes::assemble_processes`].
pub fn run_model(
    platform: &dyn Platform,
    params: &Params,
    model: Model,
    sink: &(dyn Fn(Span) + Sync),
) -> ModelRun {
    let lanes = model.lanes(params.threads, params.tasks);
    match model {
        Model::Sequential | Model::FreeThreads => {
            run_lanes_with(platform, params, model, lanes, &FreeInterpreter, sink)
        }
        Model::GilThreads => {
            let interp = GilInterpreter::new(params.switch_ms);
            let mut run = run_lanes_with(platform, params, model, lanes, &interp, sink);
            run.gil_handoffs = interp.gil.handoffs();
            run
        }
        Model::Interpreters => interpreters::run_interpreters(platform, params, sink),
        Model::Asyncio => asyncio::run_asyncio(platform, params, sink),
        Model::Processes => panic!(
            "processes need separate memories: the host runs each task and calls assemble_processes"
        ),
    }
}
