//! asyncio vs threads vs processes, side by side: the comparison table's measurable rows
//! filled from real runs (or from predictions, before the reader has run anything).
//!
//! The same tasks run twice under every model, once CPU-bound and once I/O-bound; the
//! host adds what only it can measure (the event loop's switch cost, the memory a
//! thread and a process worker take). Every cell says where its number comes from.

use crate::chart::{escape, fmt_ms};
use crate::experiment::Experiment;
use crate::model::Model;
use crate::params::{Params, Workload};
use crate::predict::{Machine, predict};
use crate::trace::{ModelRun, Report, Source, State};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// What the host measured besides the runs. `None` where it could not measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Costs {
    /// Microseconds of one event-loop switch (`await asyncio.sleep(0)`).
    pub loop_switch_us: Option<f64>,
    /// Bytes of one coroutine's state.
    pub coroutine_bytes: Option<f64>,
    /// Bytes of shared memory one more thread took (its stack and thread-local data).
    pub thread_bytes: Option<f64>,
    /// Bytes of the memory of one process worker's own instance.
    pub process_bytes: Option<f64>,
    /// Bytes of one interpreter's own state (its lock, objects and compiled code).
    pub interpreter_bytes: Option<f64>,
}

/// Both runs and the costs: everything the table is filled from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Measured or predicted.
    pub source: Source,
    /// The CPU-bound run of every model.
    pub cpu: Report,
    /// The I/O-bound run of every model.
    pub io: Report,
    /// The host's other measurements.
    pub costs: Costs,
}

/// The parameters of the CPU-bound and the I/O-bound halves of a comparison.
pub fn halves(params: &Params) -> (Params, Params) {
    let cpu = Params {
        workload: Workload::Cpu,
        ..params.clone()
    };
    let io = Params {
        workload: Workload::Io,
        ..params.clone()
    };
    (cpu, io)
}

pub use crate::stats::median;
use crate::stats::speedup;

/// Milliseconds a lane took to start (the median of its start-up spans): a process
/// worker, or an interpreter.
pub fn start_ms(run: &ModelRun) -> Option<f64> {
    median(
        run.spans
            .iter()
            .filter(|s| s.state == State::Starting)
            .map(|s| (s.end_us - s.start_us) / 1000.0)
            .collect(),
    )
}

impl Comparison {
    /// A prediction of the whole comparison on `machine`.
    pub fn predict(params: &Params, machine: &Machine) -> Comparison {
        let (cpu, io) = halves(params);
        Comparison {
            source: Source::Predicted,
            cpu: predict(Experiment::Compare, &cpu, machine),
            io: predict(Experiment::Compare, &io, machine),
            costs: Costs::default(),
        }
    }

    fn run_of(report: &Report, model: Model) -> Option<&ModelRun> {
        report.runs.iter().find(|r| r.model == model)
    }

    fn speedup(report: &Report, model: Model) -> Option<f64> {
        let base = Self::run_of(report, Model::Sequential)?.wall_ms;
        let r = Self::run_of(report, model)?;
        (r.wall_ms > 0.0).then(|| speedup(base, r.wall_ms))
    }

    /// The table's columns: every model compared, but the sequential baseline.
    pub fn columns(&self) -> Vec<Model> {
        self.cpu
            .params
            .models
            .iter()
            .copied()
            .filter(|m| *m != Model::Sequential)
            .collect()
    }

    /// The table's rows: a heading and one cell per column of [`Comparison::columns`].
    pub fn rows(&self) -> Vec<(&'static str, Vec<String>)> {
        let dash = || "–".to_owned();
        let columns = self.columns();
        let speed = |report: &Report| -> Vec<String> {
            columns
                .iter()
                .map(|&m| {
                    Self::speedup(report, m)
                        .map_or_else(dash, |s| format!("{s:.2}x the speed of one thread"))
                })
                .collect()
        };
        let bytes = |b: Option<f64>| {
            b.map_or_else(dash, |b| {
                if b >= 1024.0 * 1024.0 {
                    format!("{:.1} MiB", b / 1024.0 / 1024.0)
                } else if b >= 1024.0 {
                    format!("{:.1} KiB", b / 1024.0)
                } else {
                    format!("{b:.0} bytes")
                }
            })
        };
        let cell = |f: &dyn Fn(Model) -> String| columns.iter().map(|&m| f(m)).collect();
        let start = |m: Model| match m {
            Model::Asyncio => "none: a coroutine is an object".to_owned(),
            Model::GilThreads | Model::FreeThreads => {
                "paid once: the pool's workers start with the page".to_owned()
            }
            Model::Processes | Model::Interpreters => Self::run_of(&self.cpu, m)
                .or_else(|| Self::run_of(&self.io, m))
                .and_then(start_ms)
                .map_or_else(dash, |ms| {
                    let what = if m == Model::Processes {
                        "worker"
                    } else {
                        "interpreter"
                    };
                    if ms < 1.0 {
                        format!("{:.0} µs per {what}", ms * 1000.0)
                    } else {
                        format!("{} per {what}", fmt_ms(ms))
                    }
                }),
            Model::Sequential => dash(),
        };
        let switch = |m: Model| match m {
            Model::Asyncio => self
                .costs
                .loop_switch_us
                .map_or_else(dash, |us| format!("{us:.2} µs per await")),
            Model::GilThreads => Self::run_of(&self.cpu, m)
                .and_then(crate::models::gil::handoff_gap_us)
                .map_or_else(dash, |us| format!("{us:.0} µs per GIL hand-off")),
            Model::FreeThreads => "no lock to hand over; the OS time-slices".to_owned(),
            Model::Processes => "no shared lock: workers never switch with each other".to_owned(),
            Model::Interpreters => {
                "a lock per interpreter: interpreters never switch with each other".to_owned()
            }
            Model::Sequential => dash(),
        };
        let memory = |m: Model| match m {
            Model::Asyncio => bytes(self.costs.coroutine_bytes),
            Model::GilThreads | Model::FreeThreads => bytes(self.costs.thread_bytes),
            Model::Processes => bytes(self.costs.process_bytes),
            Model::Interpreters => bytes(self.costs.interpreter_bytes),
            Model::Sequential => dash(),
        };
        vec![
            ("Performance, CPU-bound", speed(&self.cpu)),
            ("Performance, I/O-bound", speed(&self.io)),
            ("Start-up cost", cell(&start)),
            ("Switch cost", cell(&switch)),
            ("Memory per task", cell(&memory)),
        ]
    }

    /// The table as HTML, captioned with where its numbers come from.
    pub fn table(&self) -> String {
        let caption = match self.source {
            Source::Measured => "The table's measurable rows, measured on this machine",
            Source::Predicted => {
                "Predicted for a 4-core machine (costs that only a run can measure show –)"
            }
        };
        let mut t = format!(
            r#"<table class="lab-table lab-compare"><caption>{caption}</caption><thead><tr><th scope="col">aspect</th>"#
        );
        for m in self.columns() {
            let _ = write!(t, r#"<th scope="col">{}</th>"#, escape(m.label()));
        }
        t.push_str("</tr></thead><tbody>");
        for (head, cells) in self.rows() {
            let _ = write!(t, r#"<tr><th scope="row">{}</th>"#, escape(head));
            for c in cells {
                let _ = write!(t, "<td>{}</td>", escape(&c));
            }
            t.push_str("</tr>");
        }
        t.push_str("</tbody></table>");
        t
    }
}

/// A bar chart under a visible heading, for the two halves of a comparison.
pub fn titled_bars(heading: &str, report: &Report) -> String {
    format!(
        r#"<p class="lab-chart-heading">{}</p>{}"#,
        escape(heading),
        crate::chart::wall_bars(report)
    )
}

/// Both halves' bar charts, headed.
pub fn bars(c: &Comparison) -> String {
    format!(
        "{}{}",
        titled_bars("CPU-bound tasks", &c.cpu),
        titled_bars("I/O-bound tasks", &c.io)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn the_predicted_table_shows_the_shapes_and_dashes_for_unmeasured_costs() {
        let params = Experiment::Compare.defaults();
        // Start-up small next to the work, so that processes pay off.
        let machine = Machine {
            process_start_us: 30_000.0,
            ..Machine::default()
        };
        let c = Comparison::predict(&params, &machine);
        let rows = c.rows();
        assert_eq!(rows.len(), 5);
        let cpu = Comparison::speedup(&c.cpu, Model::Processes).unwrap();
        let gil = Comparison::speedup(&c.cpu, Model::GilThreads).unwrap();
        let io_async = Comparison::speedup(&c.io, Model::Asyncio).unwrap();
        assert!(
            cpu > 2.0 && gil < 1.1 && io_async > 3.5,
            "{cpu} {gil} {io_async}"
        );
        assert_eq!(rows[4].1[0], "–");
        let html = c.table();
        assert!(html.contains("Predicted") && html.contains("<th scope=\"row\">Switch cost</th>"));
    }

    #[test]
    fn memory_is_printed_in_sensible_units() {
        let mut c = Comparison::predict(&Experiment::Compare.defaults(), &Machine::default());
        c.costs = Costs {
            loop_switch_us: Some(1.5),
            coroutine_bytes: Some(96.0),
            thread_bytes: Some(2.0 * 1024.0 * 1024.0 + 4096.0),
            process_bytes: Some(1_179_648.0),
            interpreter_bytes: Some(512.0),
        };
        let rows = c.rows();
        assert_eq!(rows[3].1[0], "1.50 µs per await");
        assert_eq!(
            rows[4].1,
            [
                "96 bytes".to_owned(),
                "2.0 MiB".to_owned(),
                "1.1 MiB".to_owned()
            ]
        );
    }
}
