//! One native round of `scripts/bench`: the same kernels and mechanisms the browser
//! bench page runs in wasm, with the same sizes, printed as one JSON object.
//!
//! `cargo run --release -p lab --example bench_native -- [kernel_n=...] [interp_n=...]
//! [par_n=...] [chunks=...] [gil_threads=2] [gil_n=...] [switch_ms=0.1] [loop_tasks=...]
//! [loop_awaits=...] [only=kernel,interp,par,gil,loop]`. `scripts/bench` runs it once
//! per figure (`only=...`), right before the browser measures the same figure, so that
//! both sides see the same machine load.

use lab::models::asyncio as executor;
use lab::platform::NativePlatform;
use lab::run::run_model;
use lab::vm::{NoBreaker, eval, sum_exact, sum_loop, sum_native, sum_parallel};
use lab::{Model, Params, Workload};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

/// Milliseconds `f` takes, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed().as_secs_f64() * 1000.0, out)
}

fn event_loop(tasks: u64, awaits: u64, timer: bool) -> serde_json::Value {
    let figures = executor::switch_figures(&NativePlatform::default(), tasks, awaits, timer);
    serde_json::to_value(figures).expect("figures serialise")
}

fn main() {
    let mut args: BTreeMap<String, f64> = [
        ("kernel_n", 200_000_000.0),
        ("interp_n", 20_000_000.0),
        ("par_n", 400_000_000.0),
        ("chunks", 16.0),
        ("gil_threads", 2.0),
        ("gil_n", 4_000_000.0),
        ("switch_ms", 0.1),
        ("loop_tasks", 4.0),
        ("loop_awaits", 250_000.0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut only = vec!["kernel", "interp", "par", "gil", "loop"];
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for arg in &argv {
        let (k, v) = arg.split_once('=').expect("arguments are name=value");
        if k == "only" {
            only = v.split(',').collect();
            continue;
        }
        let slot = args
            .get_mut(k)
            .unwrap_or_else(|| panic!("unknown argument {k}"));
        *slot = v
            .parse()
            .unwrap_or_else(|_| panic!("{k}={v} is not a number"));
    }
    let whole = |k: &str| args[k] as u64;
    let wanted = |section: &str| only.contains(&section);
    let mut out = serde_json::Map::new();
    out.insert(
        "cores".into(),
        json!(std::thread::available_parallelism().map_or(1, |n| n.get())),
    );

    // Warm-ups: page in the code and start rayon's global pool before any timing.
    std::hint::black_box(sum_native(0, 1_000_000));
    std::hint::black_box(eval(&sum_loop(0, 100_000), &mut NoBreaker));
    std::hint::black_box(sum_parallel(1_000_000, whole("chunks")));

    if wanted("kernel") {
        let n = whole("kernel_n");
        let (ms, sum) = timed(|| sum_native(0, n));
        assert_eq!(sum, sum_exact(0, n), "sum_native");
        out.insert("kernel_ms".into(), json!(ms));
    }
    if wanted("interp") {
        let n = whole("interp_n");
        let code = sum_loop(0, n);
        let (ms, sum) = timed(|| eval(&code, &mut NoBreaker));
        assert_eq!(sum, sum_exact(0, n), "eval(sum_loop)");
        out.insert("interp_ms".into(), json!(ms));
    }
    if wanted("par") {
        let n = whole("par_n");
        let (serial_ms, sum) = timed(|| sum_native(0, n));
        assert_eq!(sum, sum_exact(0, n), "sum_native");
        let (par_ms, sum) = timed(|| sum_parallel(n, whole("chunks")));
        assert_eq!(sum, sum_exact(0, n), "sum_parallel");
        out.insert("par_serial_ms".into(), json!(serial_ms));
        out.insert("par_ms".into(), json!(par_ms));
        out.insert("rayon_threads".into(), json!(rayon::current_num_threads()));
    }
    if wanted("gil") {
        out.insert("gil".into(), gil_run(&args));
    }
    if wanted("loop") {
        let (tasks, awaits) = (whole("loop_tasks"), whole("loop_awaits"));
        out.insert("loop_yield".into(), event_loop(tasks, awaits, false));
        out.insert("loop_timer".into(), event_loop(tasks, awaits, true));
    }
    println!("{}", serde_json::Value::Object(out));
}

/// Two (or `gil_threads`) CPU-bound threads under the GIL; their hand-off figures.
fn gil_run(args: &BTreeMap<String, f64>) -> serde_json::Value {
    let whole = |k: &str| args[k] as u64;

    let threads = whole("gil_threads") as u32;
    let mut params = Params {
        workload: Workload::Cpu,
        tasks: threads,
        threads,
        n: whole("gil_n"),
        models: vec![Model::GilThreads],
        ..Params::default()
    };
    params
        .set("switch_ms", &args["switch_ms"].to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let run = run_model(
        &NativePlatform::default(),
        &params,
        Model::GilThreads,
        &|_| {},
    );
    assert!(
        run.results == lab::task::expected_results(&params),
        "a GIL thread's sum is wrong"
    );
    serde_json::to_value(lab::models::gil::gil_figures(&run)).expect("figures serialise")
}
