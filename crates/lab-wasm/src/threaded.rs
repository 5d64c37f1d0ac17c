//! Runs started on the rayon pool and polled from the compute worker, so the worker
//! stays free to stream progress to the page while the run goes on.

use crate::platform::BrowserPlatform;
use crate::{injected_panic, panic_message, params_from, to_js};
use lab::{Report, Source, Span};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use wasm_bindgen::prelude::*;

#[derive(Default)]
struct Shared {
    /// Spans not yet handed to the page, with the index of their model.
    fresh: Vec<(usize, Span)>,
    /// Index of the model running now.
    model: usize,
    /// The finished report.
    report: Option<Report>,
}

/// A run going on in the pool.
#[wasm_bindgen]
pub struct RunHandle {
    shared: Arc<Mutex<Shared>>,
}

#[derive(Serialize)]
struct Progress {
    model: usize,
    spans: Vec<(usize, Span)>,
    done: bool,
    report: Option<Report>,
}

#[wasm_bindgen]
impl RunHandle {
    /// What happened since the last poll: new spans, the model running, the report
    /// when done.
    ///
    /// # Errors
    /// A panic anywhere in the run, with its message.
    pub fn poll(&self) -> Result<JsValue, JsError> {
        if let Some(msg) = panic_message() {
            return Err(JsError::new(&format!("the run panicked: {msg}")));
        }
        let Ok(mut s) = self.shared.try_lock() else {
            // The run holds it for a moment: report no news rather than block.
            return to_js(&Progress {
                model: 0,
                spans: vec![],
                done: false,
                report: None,
            });
        };
        let progress = Progress {
            model: s.model,
            spans: std::mem::take(&mut s.fresh),
            done: s.report.is_some(),
            report: s.report.take(),
        };
        to_js(&progress)
    }
}

/// Threads in the pool: a run needs one for every lane.
#[wasm_bindgen(js_name = poolSize)]
pub fn pool_size() -> usize {
    rayon::current_num_threads()
}

/// Starts the experiment's models (normally one: the page runs models one at a time)
/// on the pool and returns at once.
///
/// # Errors
/// Bad settings, or a pool with fewer workers than the run has threads.
#[wasm_bindgen(js_name = startRun)]
pub fn start_run(experiment: &str, overrides: JsValue) -> Result<RunHandle, JsError> {
    let injected = injected_panic(&overrides);
    let (experiment, params) = params_from(experiment, overrides)?;
    if params.models.contains(&lab::Model::Processes) {
        return Err(JsError::new(
            "processes run on their own workers, not in the pool",
        ));
    }
    // The run's coordinator occupies a pool thread too, but it takes part in the
    // broadcast as lane 0, so `threads` pool threads are enough.
    let one_lane = |m: &lab::Model| matches!(m, lab::Model::Sequential | lab::Model::Asyncio);
    let needed = if params.models.iter().all(one_lane) {
        1
    } else {
        params.threads.min(params.tasks) as usize
    };
    if pool_size() < needed {
        return Err(JsError::new(&format!(
            "the worker pool has {} threads but this run needs {needed}",
            pool_size()
        )));
    }
    let shared = Arc::new(Mutex::new(Shared::default()));
    let run_shared = Arc::clone(&shared);
    rayon::spawn(move || {
        if let Some(message) = injected {
            panic!("{message}");
        }
        let platform = BrowserPlatform;
        let mut runs = Vec::new();
        for (i, &model) in params.models.iter().enumerate() {
            run_shared.lock().expect("run state poisoned").model = i;
            let sink = |span: Span| {
                run_shared
                    .lock()
                    .expect("run state poisoned")
                    .fresh
                    .push((i, span));
            };
            runs.push(lab::run::run_model(&platform, &params, model, &sink));
        }
        run_shared.lock().expect("run state poisoned").report = Some(Report {
            experiment,
            params,
            source: Source::Measured,
            runs,
        });
    });
    Ok(RunHandle { shared })
}
