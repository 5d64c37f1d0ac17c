//! The bindings in a real browser (headless Chromium): settings are checked with clear
//! errors, a blocking run returns exact results, and a report renders.

#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn settings(pairs: &[(&str, &str)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

fn message(err: JsValue) -> String {
    let err: js_sys::Error = err.into();
    err.message().into()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

#[wasm_bindgen_test]
fn bad_settings_are_refused_by_name() {
    let err = lab_wasm::validate_params("parallel-cpu", settings(&[("tasks", "0")]))
        .map_err(JsValue::from)
        .unwrap_err();
    assert!(message(err).contains("tasks must be a whole number from 1 to 64"));
    let err = lab_wasm::validate_params("nope", JsValue::UNDEFINED)
        .map_err(JsValue::from)
        .unwrap_err();
    assert!(message(err).contains("experiment must be one of"));
    let err = lab_wasm::validate_params("parallel-cpu", JsValue::from(true))
        .map_err(JsValue::from)
        .unwrap_err();
    assert!(message(err).contains("settings must be an object"));
}

#[wasm_bindgen_test]
fn numbers_and_text_are_both_accepted() {
    let o = Object::new();
    Reflect::set(&o, &"tasks".into(), &JsValue::from(3)).unwrap();
    let params = lab_wasm::validate_params("parallel-cpu", o.into()).unwrap();
    assert_eq!(get(&params, "tasks").as_f64(), Some(3.0));
}

#[wasm_bindgen_test]
fn a_planned_sequential_run_computes_the_exact_sums_and_is_drawn() {
    let plan = lab_wasm::plan_run(
        "parallel-cpu",
        settings(&[("models", "sequential"), ("tasks", "3"), ("n", "1000")]),
    )
    .unwrap();
    assert_eq!(get(&plan, "kind").as_string().unwrap(), "report");
    let steps = js_sys::Array::from(&get(&plan, "steps"));
    assert_eq!(steps.length(), 1);
    let params = get(&steps.get(0), "params");
    let run = lab_wasm::run_blocking(params.clone(), "sequential").unwrap();
    let results: Vec<f64> = js_sys::Array::from(&get(&run, "results"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(results, vec![499_500.0; 3]);
    assert!(get(&run, "wall_ms").as_f64().unwrap() >= 0.0);
    // The page assembles the step's report from its runs and has Rust draw it.
    let report = Object::new();
    Reflect::set(&report, &"experiment".into(), &"parallel-cpu".into()).unwrap();
    Reflect::set(&report, &"params".into(), &params).unwrap();
    Reflect::set(&report, &"source".into(), &"measured".into()).unwrap();
    Reflect::set(&report, &"runs".into(), &js_sys::Array::of1(&run)).unwrap();
    let step = Object::new();
    Reflect::set(&step, &"report".into(), &report).unwrap();
    let outcome = Object::new();
    Reflect::set(&outcome, &"experiment".into(), &"parallel-cpu".into()).unwrap();
    Reflect::set(&outcome, &"steps".into(), &js_sys::Array::of1(&step)).unwrap();
    let figure = lab_wasm::render(outcome.into()).unwrap();
    let html = get(&figure, "html").as_string().unwrap();
    assert!(html.starts_with("<svg"), "{html}");
    assert!(html.contains("main thread") && html.contains("What each thread did"));
    assert_eq!(js_sys::Array::from(&get(&figure, "rows")).length(), 1);
    assert!(lab_wasm::render(JsValue::from(3)).is_err());
}

#[wasm_bindgen_test]
fn a_sweep_plan_and_the_loop_costs_come_from_rust() {
    let plan = lab_wasm::plan_run("scaling", settings(&[("threads", "3")])).unwrap();
    assert_eq!(get(&plan, "kind").as_string().unwrap(), "sweep");
    assert_eq!(js_sys::Array::from(&get(&plan, "steps")).length(), 3);
    assert_eq!(get(&plan, "pool_threads").as_f64(), Some(3.0));
    let costs = lab_wasm::measure_loop_costs().unwrap();
    assert!(get(&costs, "loop_switch_us").as_f64().unwrap() > 0.0);
    assert!(get(&costs, "coroutine_bytes").as_f64().unwrap() >= 16.0);
    assert!(get(&costs, "interpreter_bytes").as_f64().unwrap() > 0.0);
}

#[wasm_bindgen_test]
fn every_model_is_described_once() {
    let models = js_sys::Array::from(&lab_wasm::models().unwrap());
    let ids: Vec<String> = models
        .iter()
        .map(|m| get(&m, "id").as_string().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "sequential",
            "gil-threads",
            "free-threads",
            "processes",
            "interpreters",
            "asyncio"
        ]
    );
}

#[wasm_bindgen_test]
fn the_single_threaded_build_refuses_threaded_models_clearly() {
    if lab_wasm::is_threaded() {
        return;
    }
    let plan = lab_wasm::plan_run("parallel-cpu", settings(&[("models", "free-threads")])).unwrap();
    let params = get(&js_sys::Array::from(&get(&plan, "steps")).get(0), "params");
    for model in ["free-threads", "interpreters"] {
        let err = lab_wasm::run_blocking(params.clone(), model)
            .map_err(JsValue::from)
            .unwrap_err();
        assert!(message(err).contains("not cross-origin isolated"));
    }
    let err = lab_wasm::run_blocking(params, "processes")
        .map_err(JsValue::from)
        .unwrap_err();
    assert!(message(err).contains("workers of their own"));
}
