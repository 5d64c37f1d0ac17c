//! Horizontal bar charts: wall time per model, and the shared counter's final value per
//! method.

use super::svg::{escape, fmt_count, fmt_ms, open_svg, source_word};
use crate::counter::CounterResult;
use crate::trace::Report;
use std::fmt::Write;

const W: f64 = 640.0;
/// Room on the left for each bar's name.
const LABEL_W: f64 = 150.0;
const BAR_H: f64 = 26.0;
const GAP: f64 = 10.0;
const TOP: f64 = 8.0;

/// The top of the `i`th bar.
fn bar_y(i: usize) -> f64 {
    TOP + i as f64 * (BAR_H + GAP)
}

/// One bar `bw` wide at `y`: its name on the left, `value` just past its end.
/// `one_decimal` rounds the vertical positions to a tenth (the counter's bars do; the
/// wall-time bars print them in full).
fn bar(
    svg: &mut String,
    y: f64,
    bw: f64,
    label: &str,
    class: &str,
    value: &str,
    one_decimal: bool,
) {
    let ty = y + BAR_H * 0.68;
    let (y, ty) = if one_decimal {
        (format!("{y:.1}"), format!("{ty:.1}"))
    } else {
        (y.to_string(), ty.to_string())
    };
    let _ = write!(
        svg,
        r#"<text class="lab-label" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect class="lab-bar {class}" x="{LABEL_W}" y="{y}" width="{bw:.1}" height="{BAR_H}" rx="3"/><text class="lab-value" x="{vx:.1}" y="{ty}">{value}</text>"#,
        lx = LABEL_W - 8.0,
        label = escape(label),
        vx = LABEL_W + bw + 6.0,
    );
}

/// Horizontal bars of wall time, one per model, labelled with time and speedup.
pub fn wall_bars(report: &Report) -> String {
    let summary = report.summary();
    // In a convoy the bars are the time of one request: the run's wall time is the
    // computing thread's, the same with or without the lock.
    let requests = summary.iter().all(|s| s.request_ms.is_some());
    let value = |s: &crate::trace::Summary| {
        if requests {
            s.request_ms.unwrap_or(s.wall_ms)
        } else {
            s.wall_ms
        }
    };
    let max = summary.iter().map(value).fold(0.0, f64::max).max(1e-9);
    let h = TOP * 2.0 + summary.len() as f64 * (BAR_H + GAP);
    let plot_w = W - LABEL_W - 150.0;
    let what = source_word(report.source);
    let mut desc = String::new();
    for s in &summary {
        if requests {
            let _ = write!(
                desc,
                "{}: {} per request. ",
                s.model.label(),
                fmt_ms(value(s))
            );
            continue;
        }
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
    open_svg(
        &mut svg,
        "lab-bars",
        W,
        h,
        &if requests {
            format!("{what} time of one request per model")
        } else {
            format!("{what} wall time per model")
        },
        &desc,
    );
    for (i, s) in summary.iter().enumerate() {
        bar(
            &mut svg,
            bar_y(i),
            (value(s) / max * plot_w).max(1.0),
            s.model.label(),
            &format!("lab-model-{}", s.model.id()),
            &if requests {
                format!("{} per request", fmt_ms(value(s)))
            } else {
                format!("{} · {:.2}x", fmt_ms(s.wall_ms), s.speedup)
            },
            false,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Bars of the shared counter's final value per method, against the expected value
/// (drawn as a line), each labelled with its count and the updates it lost.
pub fn counter_bars(result: &CounterResult) -> String {
    let plot_w = W - LABEL_W - 170.0;
    let max = result
        .rows
        .iter()
        .map(|r| r.final_count)
        .fold(result.expected, u64::max)
        .max(1) as f64;
    let h = TOP * 2.0 + result.rows.len() as f64 * (BAR_H + GAP) + 16.0;
    let mut desc = format!(
        "{} threads each added 1 to a shared counter {} times: expected {}.",
        result.threads,
        fmt_count(result.increments),
        fmt_count(result.expected)
    );
    for r in &result.rows {
        let _ = write!(
            desc,
            " {}: {} ({} lost).",
            r.method.label(),
            fmt_count(r.final_count),
            fmt_count(r.lost)
        );
    }
    let mut svg = String::new();
    open_svg(
        &mut svg,
        "lab-bars lab-counter",
        W,
        h,
        "Final counter value per method, against the expected value",
        &desc,
    );
    for (i, r) in result.rows.iter().enumerate() {
        let lost = if r.lost > 0 {
            format!(" · {} lost", fmt_count(r.lost))
        } else {
            String::new()
        };
        bar(
            &mut svg,
            bar_y(i),
            (r.final_count as f64 / max * plot_w).max(1.0),
            r.method.label(),
            &format!("lab-counter-{}", r.method.id()),
            &format!("{}{lost}", fmt_count(r.final_count)),
            true,
        );
    }
    let ex = LABEL_W + result.expected as f64 / max * plot_w;
    let bottom = bar_y(result.rows.len());
    let _ = write!(
        svg,
        r#"<line class="lab-expected" x1="{ex:.1}" y1="{:.1}" x2="{ex:.1}" y2="{bottom:.1}"/><text class="lab-legend" x="{ex:.1}" y="{:.1}" text-anchor="middle">expected {}</text>"#,
        TOP - 4.0,
        bottom + 12.0,
        fmt_count(result.expected)
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{assert_well_formed, report};

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
    fn bars_are_labelled_without_ids() {
        let svg = wall_bars(&report());
        assert_well_formed(&svg);
        assert!(svg.contains(r#"aria-label="Measured wall time per model""#));
    }

    #[test]
    fn counter_bars_show_counts_losses_and_the_expected_line() {
        use crate::counter::{CounterMethod, CounterRow};
        let row = |method, final_count: u64| CounterRow {
            method,
            final_count,
            lost: 200_000 - final_count,
            wall_ms: 3.0,
        };
        let result = CounterResult {
            threads: 2,
            increments: 100_000,
            expected: 200_000,
            rows: vec![
                row(CounterMethod::Unsynchronised, 123_456),
                row(CounterMethod::Locked, 200_000),
                row(CounterMethod::Atomic, 200_000),
            ],
        };
        let svg = counter_bars(&result);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<rect class=\"lab-bar lab-counter-").count(), 3);
        assert!(svg.contains("123,456 · 76,544 lost"));
        assert!(svg.contains("expected 200,000"));
        assert_eq!(svg.matches(" lost<").count(), 1);
    }
}
