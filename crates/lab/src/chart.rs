//! SVG charts drawn from a [`Report`], the same code for predictions (at build time) and
//! measurements (in the browser).
//!
//! Charts carry classes, not colours: the book's stylesheet colours them per theme with a
//! colour-blind-safe palette. Each chart has a `<title>` and a `<desc>` as its text
//! alternative, and every number it shows is also printed as text in the widget's table.

use crate::trace::{Report, Source};
use std::fmt::Write;

/// Escapes text for SVG and HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with a sensible count of digits for a label.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn source_word(source: Source) -> &'static str {
    match source {
        Source::Measured => "Measured",
        Source::Predicted => "Predicted",
    }
}

/// Horizontal bars of wall time, one per model, labelled with time and speedup.
pub fn wall_bars(report: &Report) -> String {
    const W: f64 = 640.0;
    const LABEL_W: f64 = 150.0;
    const BAR_H: f64 = 26.0;
    const GAP: f64 = 10.0;
    const TOP: f64 = 8.0;
    let summary = report.summary();
    let max = summary
        .iter()
        .map(|s| s.wall_ms)
        .fold(0.0, f64::max)
        .max(1e-9);
    let h = TOP * 2.0 + summary.len() as f64 * (BAR_H + GAP);
    let plot_w = W - LABEL_W - 150.0;
    let what = source_word(report.source);
    let mut desc = String::new();
    for s in &summary {
        let _ = write!(
            desc,
            "{}: {}, speedup {:.2}x on {} thread(s). ",
            s.model.label(),
            fmt_ms(s.wall_ms),
            s.speedup,
            s.threads
        );
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="lab-chart lab-bars" viewBox="0 0 {W} {h}" role="img" aria-labelledby="t d" xmlns="http://www.w3.org/2000/svg"><title>{what} wall time per model</title><desc>{}</desc>"#,
        escape(desc.trim_end())
    );
    for (i, s) in summary.iter().enumerate() {
        let y = TOP + i as f64 * (BAR_H + GAP);
        let bw = (s.wall_ms / max * plot_w).max(1.0);
        let _ = write!(
            svg,
            r#"<text class="lab-label" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect class="lab-bar lab-model-{id}" x="{LABEL_W}" y="{y}" width="{bw:.1}" height="{BAR_H}" rx="3"/><text class="lab-value" x="{vx:.1}" y="{ty}">{ms} · {sp:.2}x</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + BAR_H * 0.68,
            label = escape(s.model.label()),
            id = s.model.id(),
            vx = LABEL_W + bw + 6.0,
            ms = fmt_ms(s.wall_ms),
            sp = s.speedup,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// An HTML table of a report's summary: the chart's numbers as text.
pub fn summary_table(report: &Report) -> String {
    let mut t = String::new();
    let _ = write!(
        t,
        r#"<table class="lab-table"><caption>{} results</caption><thead><tr><th scope="col">model</th><th scope="col">threads</th><th scope="col">wall time</th><th scope="col">speedup</th><th scope="col">GIL hand-offs</th></tr></thead><tbody>"#,
        source_word(report.source)
    );
    for s in report.summary() {
        let _ = write!(
            t,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{:.2}x</td><td>{}</td></tr>",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Experiment, Model};
    use crate::trace::ModelRun;

    fn report() -> Report {
        let run = |model, wall_ms, threads| ModelRun {
            model,
            threads,
            wall_ms,
            spans: vec![],
            results: vec![],
            gil_handoffs: 0,
        };
        Report {
            experiment: Experiment::ParallelCpu,
            params: Experiment::ParallelCpu.defaults(),
            source: Source::Measured,
            runs: vec![
                run(Model::Sequential, 812.0, 1),
                run(Model::FreeThreads, 410.5, 4),
            ],
        }
    }

    #[test]
    fn bars_show_every_model_with_its_numbers() {
        let svg = wall_bars(&report());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("812 ms"));
        assert!(svg.contains("1.98x"));
        assert!(svg.contains("<title>Measured"));
    }

    #[test]
    fn table_has_a_row_per_model() {
        let t = summary_table(&report());
        assert_eq!(t.matches("<tr>").count(), 3);
        assert!(t.contains("threads, no GIL"));
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<b a=\"x\">&'"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
