//! Writes an HTML page with every chart drawn from predictions, for a look in a browser.
//!
//! `cargo run -p lab --example gallery > /tmp/gallery.html`; the stylesheet inside is a
//! stand-in for the book's.

use lab::chart::{counter_bars, speedup_chart, summary_table, timeline, wall_bars};
use lab::counter::CounterResult;
use lab::predict::{Machine, predict};
use lab::stats::amdahl_fit;
use lab::{Experiment, Model, Params};

const CSS: &str =
    "body{font:14px sans-serif;max-width:700px}svg{width:100%;height:auto;margin:1em 0}
.lab-state-running,.lab-model-sequential{fill:#0072b2}.lab-state-released{fill:#56b4e9}
.lab-state-waiting-gil{fill:#d55e00}.lab-state-waiting-io{fill:#cccccc}.lab-state-blocked{fill:#e0e0e0}
.lab-state-starting{fill:#e69f00}.lab-state-copying{fill:#cc79a7}
.lab-bar{fill:#009e73}.lab-axis,.lab-tick{stroke:#333}.lab-grid{stroke:#eee}
.lab-ideal{stroke:#999;stroke-dasharray:4 3}.lab-amdahl{stroke:#d55e00;fill:none}
.lab-point{fill:#0072b2}.lab-expected{stroke:#000;stroke-dasharray:2 2}
text{font-size:11px}";

fn main() {
    let mut html = format!("<!doctype html><meta charset=utf-8><style>{CSS}</style>");
    let machine = Machine {
        cores: 2,
        ..Machine::default()
    };
    for (e, extra) in [
        (
            Experiment::GilCpu,
            vec![
                (
                    "models",
                    "sequential,gil-threads,free-threads,processes,asyncio",
                ),
                ("n", "1000000"),
            ],
        ),
        (
            Experiment::Bursts,
            vec![
                ("release_fraction", "0.3"),
                ("n", "1000000"),
                ("wait_ms", "20"),
                ("models", "gil-threads,asyncio"),
            ],
        ),
    ] {
        let mut p: Params = e.defaults();
        for (k, v) in extra {
            p.set(k, v).expect("valid");
        }
        let report = predict(e, &p, &machine);
        html += &wall_bars(&report);
        html += &summary_table(&report);
        for run in &report.runs {
            html += &timeline(run, &format!("{}: predicted timeline", run.model.label()));
        }
    }
    let pts: Vec<(u32, f64)> = (1..=8)
        .map(|t| {
            let p = Params {
                threads: t,
                tasks: 8,
                models: vec![Model::Sequential, Model::FreeThreads],
                ..Params::default()
            };
            (
                t,
                predict(Experiment::ParallelCpu, &p, &Machine::default()).summary()[1].speedup,
            )
        })
        .collect();
    html += &speedup_chart(&pts, Some(amdahl_fit(&pts)));
    let counter = CounterResult {
        threads: 2,
        increments: 100_000,
        expected: 200_000,
        rows: vec![],
    };
    html += &counter_bars(&counter);
    println!("{html}");
}
