//! Concurrency Lab's pure core: what an experiment is, how each execution model runs it,
//! what a run records (the trace), the statistics drawn from it and the SVG charts.
//!
//! Nothing here knows about the web. The bindings crate supplies a [`Platform`] (clock,
//! threads, waits) backed by Web Workers; tests supply one backed by `std::thread`.

pub mod chart;
pub mod compare;
pub mod counter;
pub mod executor;
pub mod gil;
pub mod params;
pub mod platform;
pub mod predict;
pub mod run;
pub mod stats;
pub mod sweep;
pub mod trace;
pub mod vm;

pub use params::{Experiment, Model, ParamError, Params, StartMethod, Workload};
pub use platform::Platform;
pub use trace::{ModelRun, Report, Source, Span, State};
