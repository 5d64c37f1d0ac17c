//! Runs each model natively and prints measured against predicted wall times and speedups.
//!
//! `cargo run --release -p lab --example compare -- [workload=cpu] [n=...] [cores=2] ...`:
//! every `name=value` argument goes through `Params::set`, except `cores` and `ns_per_iter`,
//! which describe the machine for the prediction (`ns_per_iter` is calibrated when absent).
//! `experiment=counter` runs the shared-counter race instead.

use lab::platform::NativePlatform;
use lab::predict::{Machine, predict};
use lab::run::run_model;
use lab::task::expected_results;
use lab::{Experiment, Model, Params, Report, Source};

fn main() {
    let mut params = Params {
        models: vec![
            Model::Sequential,
            Model::GilThreads,
            Model::FreeThreads,
            Model::Asyncio,
        ],
        ..Params::default()
    };
    let mut machine = Machine {
        cores: std::thread::available_parallelism().map_or(2, |n| n.get() as u32),
        ..Machine::default()
    };
    let mut calibrate = true;
    for arg in std::env::args().skip(1) {
        let (k, v) = arg.split_once('=').expect("arguments are name=value");
        match k {
            "experiment" => {}
            "cores" => machine.cores = v.parse().expect("cores"),
            "ns_per_iter" => {
                machine.ns_per_iter = v.parse().expect("ns_per_iter");
                calibrate = false;
            }
            _ => params.set(k, v).unwrap_or_else(|e| panic!("{e}")),
        }
    }
    let platform = NativePlatform::default();
    if std::env::args().any(|a| a == "experiment=counter") {
        println!("{:#?}", lab::counter::run_counter(&platform, &params));
        return;
    }
    if calibrate {
        machine.ns_per_iter = Machine::calibrate(&platform, machine.cores).ns_per_iter;
    }
    let runs = params
        .models
        .iter()
        .map(|&m| {
            let r = run_model(&platform, &params, m, &|_| {});
            assert_eq!(r.results, expected_results(&params));
            r
        })
        .collect();
    let measured = Report {
        experiment: Experiment::GilCpu,
        params: params.clone(),
        source: Source::Measured,
        runs,
    };
    let predicted = predict(Experiment::GilCpu, &params, &machine);
    println!("{machine:?}");
    println!("model            measured ms  speedup  handoffs | predicted ms  speedup  handoffs");
    for (m, p) in measured.summary().iter().zip(predicted.summary()) {
        println!(
            "{:<16} {:>11.1} {:>8.2} {:>9} | {:>12.1} {:>8.2} {:>9}",
            m.model.id(),
            m.wall_ms,
            m.speedup,
            m.gil_handoffs,
            p.wall_ms,
            p.speedup,
            p.gil_handoffs
        );
    }
}
