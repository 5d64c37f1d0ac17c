//! HTML tables beside the charts: every number a chart shows, as text.

use super::svg::{escape, fmt_count, fmt_ms, source_word};
use crate::counter::CounterResult;
use crate::trace::Report;
use std::fmt::Write;

/// An HTML table of a report's summary: the chart's numbers as text.
pub fn summary_table(report: &Report) -> String {
    let rows = report.summary();
    // A convoy's question is how long a request takes, not how long the run does.
    let requests = rows.iter().any(|s| s.request_ms.is_some());
    let mut t = String::new();
    let _ = write!(
        t,
        r#"<table class="lab-table"><caption>{} results</caption><thead><tr><th scope="col">model</th><th scope="col">threads</th>{}<th scope="col">wall time</th><th scope="col">speedup</th><th scope="col">GIL hand-offs</th></tr></thead><tbody>"#,
        source_word(report.source),
        if requests {
            r#"<th scope="col">one request (mean)</th>"#
        } else {
            ""
        },
    );
    for s in rows {
        let request = match (requests, s.request_ms) {
            (false, _) => String::new(),
            (true, Some(ms)) => format!("<td>{}</td>", fmt_ms(ms)),
            (true, None) => "<td>–</td>".to_owned(),
        };
        let _ = write!(
            t,
            "<tr><th scope=\"row\">{}</th><td>{}</td>{request}<td>{}</td><td>{:.2}x</td><td>{}</td></tr>",
            escape(s.model.label()),
            s.threads,
            fmt_ms(s.wall_ms),
            s.speedup,
            s.gil_handoffs
        );
    }
    t.push_str("</tbody></table>");
    t
}

/// A table of each model's measured wall time beside the prediction for the same
/// machine, with the difference: how well the model of each execution model holds.
pub fn measured_vs_predicted(measured: &Report, predicted: &Report) -> String {
    let mut t = String::from(
        r#"<table class="lab-table lab-versus"><caption>Measured against predicted for this machine</caption><thead><tr><th scope="col">model</th><th scope="col">measured</th><th scope="col">predicted</th><th scope="col">difference</th></tr></thead><tbody>"#,
    );
    for m in &measured.runs {
        let Some(p) = predicted.runs.iter().find(|p| p.model == m.model) else {
            continue;
        };
        let diff = if p.wall_ms > 0.0 {
            format!("{:+.0}%", (m.wall_ms / p.wall_ms - 1.0) * 100.0)
        } else {
            "–".to_owned()
        };
        let _ = write!(
            t,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{diff}</td></tr>",
            escape(m.model.label()),
            fmt_ms(m.wall_ms),
            fmt_ms(p.wall_ms),
        );
    }
    t.push_str("</tbody></table>");
    t
}

/// The counter race's numbers as an HTML table.
pub fn counter_table(result: &CounterResult) -> String {
    let mut t = format!(
        r#"<table class="lab-table"><caption>Measured: {} threads × {} increments, a correct count is {}</caption><thead><tr><th scope="col">method</th><th scope="col">final count</th><th scope="col">updates lost</th><th scope="col">wall time</th></tr></thead><tbody>"#,
        result.threads,
        fmt_count(result.increments),
        fmt_count(result.expected)
    );
    for r in &result.rows {
        let _ = write!(
            t,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(r.method.label()),
            fmt_count(r.final_count),
            fmt_count(r.lost),
            fmt_ms(r.wall_ms)
        );
    }
    t.push_str("</tbody></table>");
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::report;
    use crate::trace::Source;

    #[test]
    fn table_has_a_row_per_model() {
        let t = summary_table(&report());
        assert_eq!(t.matches("<tr>").count(), 3);
        assert!(t.contains("threads, no GIL"));
    }

    #[test]
    fn measured_beside_predicted_gives_the_difference() {
        let measured = report();
        let mut predicted = report();
        predicted.source = Source::Predicted;
        predicted.runs[1].wall_ms = 500.0;
        let t = measured_vs_predicted(&measured, &predicted);
        assert!(t.contains("+0%"), "{t}");
        assert!(t.contains("-18%"), "410.5 against 500: {t}");
        assert_eq!(t.matches("<tr>").count(), 3);
    }

    #[test]
    fn counter_table_lists_every_method_with_its_losses() {
        use crate::counter::{CounterMethod, CounterRow};
        let result = CounterResult {
            threads: 2,
            increments: 1000,
            expected: 2000,
            rows: CounterMethod::ALL
                .into_iter()
                .map(|method| CounterRow {
                    method,
                    final_count: if method == CounterMethod::Unsynchronised {
                        1500
                    } else {
                        2000
                    },
                    lost: if method == CounterMethod::Unsynchronised {
                        500
                    } else {
                        0
                    },
                    wall_ms: 1.0,
                })
                .collect(),
        };
        let t = counter_table(&result);
        assert_eq!(t.matches("<tr>").count(), 4);
        assert!(
            t.contains("<td>1,500</td><td>500</td>") && t.contains("2,000"),
            "{t}"
        );
    }
}
