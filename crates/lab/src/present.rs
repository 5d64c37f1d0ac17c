//! How each kind of result is drawn: the one place that decides which charts and tables
//! an experiment shows and in what order, for the prediction pre-rendered when the book
//! is built and for the measurement drawn in the page (while it runs and when it is done).

use crate::chart::{
    counter_bars, counter_table, escape, fmt_count, summary_table, timelines, wall_bars,
};
use crate::compare::{Comparison, Costs};
use crate::counter::CounterResult;
use crate::experiment::{Experiment, ResultKind};
use crate::params::{Params, Workload};
use crate::plan::plan;
use crate::predict::{Machine, predict};
use crate::stats::speedup;
use crate::sweep::{SweepPoint, SweepReport, SweepRow, sweep_of};
use crate::trace::{Report, Source, Summary};
use serde::{Deserialize, Serialize};

/// One step of a run, as the host sends it back: the swept value, if any, and the
/// step's report (complete, or with the model running now last).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    /// The step's swept value (from its [`crate::plan::Step`]).
    #[serde(default)]
    pub x: Option<f64>,
    /// What the step's models did.
    pub report: Report,
}

/// What a run has produced so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The experiment.
    pub experiment: Experiment,
    /// The steps done (and the one going on), in plan order.
    pub steps: Vec<StepResult>,
    /// What the host measured besides the runs (for a comparison).
    #[serde(default)]
    pub costs: Costs,
}

/// One row of a comparison's summary: a model's run and the half it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareRow {
    /// The half: CPU-bound or I/O-bound.
    pub workload: Workload,
    /// The model's figures in that half.
    #[serde(flatten)]
    pub summary: Summary,
}

/// One row of the counter race's summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CounterRow {
    /// The method's id.
    pub model: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Wall time in milliseconds.
    pub wall_ms: f64,
    /// The first method's wall time over this one's.
    pub speedup: f64,
    /// Threads that incremented the counter.
    pub threads: u32,
    /// What the counter ended at.
    pub final_count: u64,
    /// Updates lost.
    pub lost: u64,
}

/// The rows a widget puts in `data-result`, by kind of result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Rows {
    /// A row per model.
    Models(Vec<Summary>),
    /// A row per point of a sweep.
    Sweep(Vec<SweepRow>),
    /// A row per model and half of a comparison.
    Comparison(Vec<CompareRow>),
    /// A row per counting method.
    Counter(Vec<CounterRow>),
}

/// A drawn result: its HTML (charts and tables, in order) and its summary rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// Charts and tables, ready to place in the widget's figure.
    pub html: String,
    /// The summary rows.
    pub rows: Rows,
}

/// A report's bars, its timelines in a disclosure (open when measured), and its table.
fn report_html(report: &Report) -> String {
    let t = timelines(report);
    let details = if t.is_empty() {
        String::new()
    } else if report.source == Source::Measured {
        format!(
            r#"<details class="lab-timelines" open><summary>What each thread did</summary>{t}</details>"#
        )
    } else {
        format!(
            r#"<details class="lab-timelines"><summary>What each thread would do</summary>{t}</details>"#
        )
    };
    format!("{}{details}{}", wall_bars(report), summary_table(report))
}

fn report_figure(report: &Report) -> Figure {
    Figure {
        html: report_html(report),
        rows: Rows::Models(report.summary()),
    }
}

fn sweep_figure(sweep: &SweepReport) -> Figure {
    Figure {
        html: format!("{}{}", sweep.chart(), sweep.table()),
        rows: Rows::Sweep(sweep.summary()),
    }
}

fn comparison_figure(c: &Comparison) -> Figure {
    let rows = [&c.cpu, &c.io]
        .into_iter()
        .flat_map(|r| {
            r.summary().into_iter().map(|summary| CompareRow {
                workload: r.params.workload,
                summary,
            })
        })
        .collect();
    Figure {
        html: format!("{}{}", c.table(), crate::compare::bars(c)),
        rows: Rows::Comparison(rows),
    }
}

/// Draws a run's outcome, complete or partial.
///
/// # Errors
/// An outcome with no step, or a counter's (drawn by [`counter_figure`]).
pub fn figure(outcome: &Outcome) -> Result<Figure, String> {
    let Some(last) = outcome.steps.last() else {
        return Err("nothing has run yet".to_owned());
    };
    match outcome.experiment.result_kind() {
        ResultKind::Report => Ok(report_figure(&last.report)),
        ResultKind::Sweep => {
            let param = sweep_of(outcome.experiment, &last.report.params)
                .map(|s| s.param)
                .unwrap_or_default();
            Ok(sweep_figure(&SweepReport {
                experiment: outcome.experiment,
                param,
                source: last.report.source,
                points: outcome
                    .steps
                    .iter()
                    .map(|s| SweepPoint {
                        x: s.x.unwrap_or(0.0),
                        report: s.report.clone(),
                    })
                    .collect(),
            }))
        }
        ResultKind::Comparison => match &outcome.steps[..] {
            [cpu, io] => Ok(comparison_figure(&Comparison {
                source: io.report.source,
                cpu: cpu.report.clone(),
                io: io.report.clone(),
                costs: outcome.costs,
            })),
            // A half still running: its own bars and timelines.
            _ => Ok(report_figure(&last.report)),
        },
        ResultKind::Counter => Err("the counter race is drawn from its own result".to_owned()),
    }
}

/// Draws the counter race.
pub fn counter_figure(result: &CounterResult) -> Figure {
    let base = result.rows.first().map_or(0.0, |r| r.wall_ms);
    Figure {
        html: format!("{}{}", counter_bars(result), counter_table(result)),
        rows: Rows::Counter(
            result
                .rows
                .iter()
                .map(|r| CounterRow {
                    model: r.method.id(),
                    label: r.method.label(),
                    wall_ms: r.wall_ms,
                    speedup: speedup(base, r.wall_ms),
                    threads: result.threads,
                    final_count: r.final_count,
                    lost: r.lost,
                })
                .collect(),
        ),
    }
}

/// The figure a widget shows before it has run: a prediction for `machine`, labelled as
/// one (the counter's race cannot be predicted: it says what a correct count is).
pub fn predicted(experiment: Experiment, params: &Params, machine: &Machine) -> String {
    let caption = format!(
        "<figcaption>Predicted for a {}-core machine, not measured.</figcaption>",
        machine.cores
    );
    let steps = plan(experiment, params).steps;
    let outcome = |steps: Vec<StepResult>| Outcome {
        experiment,
        steps,
        costs: Costs::default(),
    };
    let predicted_steps = || {
        steps
            .iter()
            .map(|s| StepResult {
                x: s.x,
                report: predict(experiment, &s.params, machine),
            })
            .collect()
    };
    match experiment.result_kind() {
        ResultKind::Counter => {
            // Lost updates depend on timing: only the correct total can be said in advance.
            let expected = u64::from(params.threads) * params.increments;
            format!(
                "<figcaption>Not measured yet. {} threads each add 1 to the counter {} times: a correct count ends at {}. How many updates the unsynchronised version loses cannot be predicted; press Run to see.</figcaption>",
                params.threads,
                fmt_count(params.increments),
                fmt_count(expected)
            )
        }
        ResultKind::Report | ResultKind::Sweep | ResultKind::Comparison => {
            match figure(&outcome(predicted_steps())) {
                Ok(f) => format!("{caption}{}", f.html),
                Err(e) => format!("<figcaption>{}</figcaption>", escape(&e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_draws_a_prediction() {
        for e in Experiment::ALL {
            let html = predicted(e, &e.defaults(), &Machine::default());
            assert!(html.starts_with("<figcaption>"), "{}", e.id());
            match e.result_kind() {
                ResultKind::Counter => assert!(html.contains("correct count")),
                ResultKind::Report => {
                    assert!(html.contains("What each thread would do") && html.contains("<table"))
                }
                ResultKind::Sweep => assert!(html.contains("<svg") && html.contains("<table")),
                ResultKind::Comparison => assert!(html.contains("lab-compare")),
            }
        }
    }

    #[test]
    fn a_partial_comparison_shows_the_half_that_runs() {
        let params = Experiment::Compare.defaults();
        let report = predict(Experiment::Compare, &params, &Machine::default());
        let partial = Outcome {
            experiment: Experiment::Compare,
            steps: vec![StepResult { x: None, report }],
            costs: Costs::default(),
        };
        let f = figure(&partial).unwrap();
        assert!(matches!(f.rows, Rows::Models(_)));
        assert!(!f.html.contains("lab-compare"));
        assert!(
            figure(&Outcome {
                steps: vec![],
                ..partial
            })
            .is_err()
        );
    }
}
