//! Runs started on the rayon pool and polled from the compute worker, so the worker
//! stays free to stream progress to the page while the run goes on.

use crate::platform::BrowserPlatform;
use crate::{from_js, injected_fault, panic_message, runnable_here, to_js};
use lab::{ModelRun, Params, Span};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use wasm_bindgen::prelude::*;

#[derive(Default)]
struct Shared {
    /// Spans not yet handed to the page.
    fresh: Vec<Span>,
    /// The finished run.
    run: Option<ModelRun>,
}

/// A run going on in the pool.
#[wasm_bindgen]
pub struct RunHandle {
    shared: Arc<Mutex<Shared>>,
}

#[derive(Serialize)]
struct Progress {
    spans: Vec<Span>,
    done: bool,
    run: Option<ModelRun>,
}

#[wasm_bindgen]
impl RunHandle {
    /// What happened since the last poll: new spans, and the model's run when done.
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
                spans: vec![],
                done: false,
                run: None,
            });
        };
        let progress = Progress {
            spans: std::mem::take(&mut s.fresh),
            done: s.run.is_some(),
            run: s.run.take(),
        };
        to_js(&progress)
    }
}

/// Threads in the pool: a run needs one for every lane.
#[wasm_bindgen(js_name = poolSize)]
pub fn pool_size() -> usize {
    rayon::current_num_threads()
}

/// Starts one model of a step's parameters on the pool and returns at once.
///
/// # Errors
/// Bad parameters, a model that does not run on the pool or the caller's thread, or a
/// pool with fewer workers than the model has lanes.
#[wasm_bindgen(js_name = startRun)]
pub fn start_run(params: JsValue, model: &str) -> Result<RunHandle, JsError> {
    let injected = injected_fault(&params);
    let params: Params = from_js(params, "parameters")?;
    let model = runnable_here(model)?;
    // The run's coordinator occupies a pool thread too, but it takes part in the
    // broadcast as lane 0, so one pool thread per lane is enough.
    let needed = if model.needs_threads() {
        model.lanes(params.threads, params.tasks) as usize
    } else {
        1
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
        if let Some(fault) = injected {
            fault.strike();
        }
        let sink = |span: Span| {
            run_shared
                .lock()
                .expect("run state poisoned")
                .fresh
                .push(span);
        };
        let run = lab::run::run_model(&BrowserPlatform, &params, model, &sink);
        run_shared.lock().expect("run state poisoned").run = Some(run);
    });
    Ok(RunHandle { shared })
}
