//! Thin WebAssembly bindings over the `lab` core: parameter checks, predictions, charts,
//! and real runs on Web Workers.
//!
//! Built twice: with the `threads` feature (a wasm-bindgen-rayon pool over one shared
//! memory) and without it (one thread, for pages that are not cross-origin isolated and
//! for process workers, which must each have a memory of their own).

#[cfg(all(feature = "threads", not(target_feature = "atomics")))]
compile_error!(
    "the `threads` feature needs a wasm build with +atomics,+bulk-memory,+mutable-globals \
     and -Z build-std; use scripts/build-wasm rather than a bare cargo build"
);

mod platform;
#[cfg(feature = "threads")]
#[allow(unreachable_pub, reason = "wasm-bindgen exports these to JS")]
mod threaded;

use lab::{Experiment, Params};
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Forwards panic messages to the console, so a panic in a worker is not just
/// `RuntimeError: unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// True in the threaded build.
#[wasm_bindgen(js_name = isThreaded)]
pub fn is_threaded() -> bool {
    cfg!(feature = "threads")
}

/// Serialises to a plain JS object (maps become objects, not `Map`s).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The experiment's defaults with `overrides` (an object of text values) applied.
pub(crate) fn params_from(experiment: &str, overrides: JsValue) -> Result<(Experiment, Params), JsError> {
    let experiment = Experiment::parse(experiment).map_err(|e| JsError::new(&e.message))?;
    let mut params = experiment.defaults();
    if !overrides.is_undefined() && !overrides.is_null() {
        /// A setting as a page sends it: text from a control or a link, or a number.
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Value {
            Text(String),
            Number(f64),
        }
        let map: BTreeMap<String, Value> = serde_wasm_bindgen::from_value(overrides).map_err(|_| {
            JsError::new("settings must be an object whose values are text or numbers")
        })?;
        for (name, value) in map {
            let text = match value {
                Value::Text(t) => t,
                Value::Number(n) => n.to_string(),
            };
            params.set(&name, &text).map_err(|e| JsError::new(&e.message))?;
        }
    }
    Ok((experiment, params))
}

/// Checks settings and returns the full parameters they make (numbers as numbers,
/// models as an array).
///
/// # Errors
/// An unknown experiment, or a setting that is unknown, malformed or out of range.
#[wasm_bindgen(js_name = validateParams)]
pub fn validate_params(experiment: &str, overrides: JsValue) -> Result<JsValue, JsError> {
    let (_, params) = params_from(experiment, overrides)?;
    to_js(&params)
}

/// Renders a report (as produced by a run or a prediction) as chart SVG and table HTML.
///
/// # Errors
/// A value that is not a report.
#[wasm_bindgen(js_name = renderReport)]
pub fn render_report(report: JsValue) -> Result<JsValue, JsError> {
    let report: lab::Report =
        serde_wasm_bindgen::from_value(report).map_err(|e| JsError::new(&e.to_string()))?;
    #[derive(Serialize)]
    struct Rendered {
        chart: String,
        table: String,
        summary: Vec<lab::trace::Summary>,
    }
    to_js(&Rendered {
        chart: lab::chart::wall_bars(&report),
        table: lab::chart::summary_table(&report),
        summary: report.summary(),
    })
}

/// Runs every model of an experiment on the calling thread and returns the report.
/// This is the single-threaded build's way to run (sequential and asyncio models);
/// the threaded build streams progress with `startRun` instead.
///
/// # Errors
/// Bad settings, or a model that needs more threads than this build has.
#[wasm_bindgen(js_name = runBlocking)]
pub fn run_blocking(experiment: &str, overrides: JsValue) -> Result<JsValue, JsError> {
    let (experiment, params) = params_from(experiment, overrides)?;
    for model in &params.models {
        let one_lane = matches!(model, lab::Model::Sequential | lab::Model::Asyncio);
        if !one_lane && !cfg!(feature = "threads") {
            return Err(JsError::new(&format!(
                "{} needs threads, which this page cannot use: it is not cross-origin isolated",
                model.label()
            )));
        }
        if *model == lab::Model::Processes {
            return Err(JsError::new("processes run on their own workers"));
        }
    }
    let platform = platform::BrowserPlatform;
    let runs = params
        .models
        .iter()
        .map(|&m| lab::run::run_model(&platform, &params, m, &|_| {}))
        .collect();
    to_js(&lab::Report {
        experiment,
        params,
        source: lab::Source::Measured,
        runs,
    })
}
