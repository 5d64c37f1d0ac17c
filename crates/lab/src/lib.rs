//! Concurrency Lab's pure core: what an experiment is, how each execution model runs it,
//! what a run records (the trace), the statistics drawn from it and the SVG charts.
//!
//! Nothing here knows about the web. The bindings crate supplies a [`Platform`] (clock,
//! threads, waits) backed by Web Workers; tests supply one backed by `std::thread`.
//!
//! Modules, from the bottom up (each uses only those above it in this list):
//! - what is run: [`model`] (every execution model, described once), [`params`],
//!   [`experiment`], [`platform`], [`vm`] (the bytecode loop), [`trace`], [`stats`];
//! - how: [`task`] (the task plan and the runner on a lane), [`models`] (the GIL,
//!   processes, interpreters, the asyncio executor), [`run`] (the dispatcher),
//!   [`counter`] (the shared-counter race);
//! - what is predicted and shown: [`predict`], [`chart`], [`sweep`], [`compare`],
//!   [`plan`] (what the host runs for an experiment), [`present`] (how its result is
//!   drawn).

pub mod chart;
pub mod compare;
pub mod counter;
pub mod experiment;
pub mod model;
pub mod models;
pub mod params;
pub mod plan;
pub mod platform;
pub mod predict;
pub mod present;
pub mod run;
pub mod stats;
pub mod sweep;
pub mod task;
pub mod trace;
pub mod vm;

pub use experiment::{Experiment, ResultKind};
pub use model::{Model, ModelInfo};
pub use params::{ParamError, Params, StartMethod, Workload};
pub use platform::Platform;
pub use trace::{ModelRun, Report, Source, Span, State};
