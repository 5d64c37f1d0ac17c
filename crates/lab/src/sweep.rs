//! Sweeps: one experiment run at several values of one parameter, drawn as a curve.
//!
//! `scaling` runs the same CPU-bound tasks on 1, 2, ... threads (speedup against
//! threads, with Amdahl's law fitted); `io-sweep` runs mixed tasks as the I/O fraction
//! grows (speedup of GIL threads over one thread at each fraction). The host runs each
//! point's models like any other run; this module says which points there are, and
//! predicts and draws the whole sweep.

use crate::chart::{escape, fmt_ms, line_chart, speedup_chart};
use crate::experiment::Experiment;
use crate::params::Params;
use crate::predict::{Machine, predict};
use crate::stats::{amdahl_fit, speedup};
use crate::trace::{Report, Source};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The parameter a sweep varies and the values it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The parameter's name, as [`Params::set`] takes it.
    pub param: String,
    /// Its values, in order.
    pub values: Vec<f64>,
}

/// The sweep an experiment makes with these parameters, if it is a sweep.
pub fn sweep_of(experiment: Experiment, params: &Params) -> Option<Sweep> {
    match experiment {
        Experiment::Scaling => Some(Sweep {
            param: "threads".into(),
            values: (1..=params.threads).map(f64::from).collect(),
        }),
        Experiment::IoSweep => Some(Sweep {
            param: "io_fraction".into(),
            values: vec![0.0, 0.25, 0.5, 0.75, 1.0],
        }),
        Experiment::ParallelCpu
        | Experiment::GilCpu
        | Experiment::IoWait
        | Experiment::Bursts
        | Experiment::Counter
        | Experiment::Compare
        | Experiment::Server
        | Experiment::Convoy => None,
    }
}

/// One point of a sweep: the parameter's value and every model's run there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The swept parameter's value.
    pub x: f64,
    /// The runs at that value.
    pub report: Report,
}

/// A whole sweep, measured or predicted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// The experiment.
    pub experiment: Experiment,
    /// The swept parameter.
    pub param: String,
    /// Measured or predicted.
    pub source: Source,
    /// The points, in sweep order.
    pub points: Vec<SweepPoint>,
}

/// One row of a sweep's summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// The swept parameter's value.
    pub x: f64,
    /// The model compared (the last of the point's models).
    pub model: crate::model::Model,
    /// Its wall time, in milliseconds.
    pub wall_ms: f64,
    /// Its speedup (see [`SweepReport::speedups`]).
    pub speedup: f64,
    /// Threads it used.
    pub threads: u32,
}

impl SweepReport {
    /// The speedup at each point. With several models, the last model against the first
    /// at the same point; with one, against the first point (one thread, for scaling).
    pub fn speedups(&self) -> Vec<(f64, f64)> {
        let first = self
            .points
            .first()
            .and_then(|p| p.report.runs.first())
            .map_or(0.0, |r| r.wall_ms);
        self.points
            .iter()
            .filter_map(|p| {
                let last = p.report.runs.last()?;
                let base = if p.report.runs.len() > 1 {
                    p.report.runs[0].wall_ms
                } else {
                    first
                };
                (last.wall_ms > 0.0).then(|| (p.x, speedup(base, last.wall_ms)))
            })
            .collect()
    }

    /// A row per point: the compared model's time and speedup.
    pub fn summary(&self) -> Vec<SweepRow> {
        self.points
            .iter()
            .zip(self.speedups())
            .filter_map(|(p, (x, speedup))| {
                let last = p.report.runs.last()?;
                Some(SweepRow {
                    x,
                    model: last.model,
                    wall_ms: last.wall_ms,
                    speedup,
                    threads: last.threads,
                })
            })
            .collect()
    }

    /// The parallel fraction Amdahl's law fits to a scaling sweep.
    pub fn amdahl(&self) -> Option<f64> {
        (self.param == "threads" && self.points.len() >= 2).then(|| {
            let pts: Vec<(u32, f64)> = self
                .speedups()
                .into_iter()
                .map(|(x, s)| (x as u32, s))
                .collect();
            amdahl_fit(&pts)
        })
    }

    /// The sweep's chart.
    pub fn chart(&self) -> String {
        let speedups = self.speedups();
        if self.param == "threads" {
            let pts: Vec<(u32, f64)> = speedups.iter().map(|&(x, s)| (x as u32, s)).collect();
            speedup_chart(&pts, self.amdahl())
        } else {
            let what = match self.source {
                Source::Measured => "Measured",
                Source::Predicted => "Predicted",
            };
            line_chart(
                &speedups,
                &format!("{what} speedup of threads under the GIL by I/O fraction"),
                "I/O fraction of each task",
                "speedup over one thread",
            )
        }
    }

    /// The sweep's numbers as an HTML table.
    pub fn table(&self) -> String {
        let what = match self.source {
            Source::Measured => "Measured",
            Source::Predicted => "Predicted",
        };
        let mut t = format!(
            r#"<table class="lab-table"><caption>{what} results</caption><thead><tr><th scope="col">{}</th><th scope="col">model</th><th scope="col">threads</th><th scope="col">wall time</th><th scope="col">speedup</th></tr></thead><tbody>"#,
            escape(&self.param)
        );
        for r in self.summary() {
            let _ = write!(
                t,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{:.2}x</td></tr>",
                r.x,
                escape(r.model.label()),
                r.threads,
                fmt_ms(r.wall_ms),
                r.speedup
            );
        }
        t.push_str("</tbody></table>");
        if let Some(p) = self.amdahl() {
            let _ = write!(
                t,
                "<p class=\"lab-note\">Amdahl's law fitted to these points: {:.0}% of the work runs in parallel, so no number of threads can make it more than {} faster.</p>",
                p * 100.0,
                if p >= 0.9995 {
                    "unboundedly".to_owned()
                } else {
                    format!("{:.1}x", 1.0 / (1.0 - p))
                }
            );
        }
        t
    }
}

/// The parameters of one point of a sweep.
///
/// # Errors
/// A value the parameter refuses (cannot happen for the sweeps [`sweep_of`] makes).
pub fn point_params(params: &Params, sweep: &Sweep, x: f64) -> Result<Params, crate::ParamError> {
    let mut p = params.clone();
    p.set(&sweep.param, &x.to_string())?;
    Ok(p)
}

/// Predicts a whole sweep on `machine`.
pub fn predict_sweep(
    experiment: Experiment,
    params: &Params,
    machine: &Machine,
) -> Option<SweepReport> {
    let sweep = sweep_of(experiment, params)?;
    let points = sweep
        .values
        .iter()
        .filter_map(|&x| {
            let p = point_params(params, &sweep, x).ok()?;
            Some(SweepPoint {
                x,
                report: predict(experiment, &p, machine),
            })
        })
        .collect();
    Some(SweepReport {
        experiment,
        param: sweep.param,
        source: Source::Predicted,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_predicts_near_linear_speedup_up_to_the_cores() {
        let params = Experiment::Scaling.defaults();
        let machine = Machine::default();
        let sweep = predict_sweep(Experiment::Scaling, &params, &machine).unwrap();
        let s = sweep.speedups();
        assert_eq!(s.len(), params.threads as usize);
        assert!((s[0].1 - 1.0).abs() < 1e-9);
        for (x, speedup) in &s {
            assert!(
                *speedup <= x + 1e-6 && *speedup > 0.8 * x.min(4.0),
                "{x}: {speedup}"
            );
        }
        let p = sweep.amdahl().unwrap();
        assert!(p > 0.9, "{p}");
        assert!(sweep.chart().contains("<svg") && sweep.table().contains("Amdahl"));
    }

    #[test]
    fn io_sweep_speedup_grows_with_the_io_fraction() {
        let params = Experiment::IoSweep.defaults();
        let sweep = predict_sweep(Experiment::IoSweep, &params, &Machine::default()).unwrap();
        let s = sweep.speedups();
        assert_eq!(s.len(), 5);
        assert!(
            s[0].1 < 1.1,
            "CPU-bound: no gain under the GIL, got {}",
            s[0].1
        );
        assert!(s[4].1 > 3.5, "pure waits overlap, got {}", s[4].1);
        assert!(s.windows(2).all(|w| w[1].1 >= w[0].1 - 0.05), "{s:?}");
        assert_eq!(sweep.summary().len(), 5);
    }

    #[test]
    fn other_experiments_are_not_sweeps() {
        assert!(sweep_of(Experiment::GilCpu, &Experiment::GilCpu.defaults()).is_none());
    }
}
