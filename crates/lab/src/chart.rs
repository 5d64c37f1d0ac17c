//! SVG charts drawn from a [`Report`], the same code for predictions (at build time) and
//! measurements (in the browser).
//!
//! Charts carry classes, not colours: the book's stylesheet colours them per theme with a
//! colour-blind-safe palette. Each chart has a `<title>` and a `<desc>` as its text
//! alternative, and every number it shows is also printed as text in the widget's table.
//!
//! No element carries an `id`, so any number of charts can share a page (mdBook's print
//! view puts every chapter on one); each is labelled by its own `aria-label`.

use crate::counter::CounterResult;
use crate::stats::amdahl_speedup;
use crate::trace::{ModelRun, Report, Source, Span, State};
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
        r#"<svg class="lab-chart lab-bars" viewBox="0 0 {W} {h}" role="img" aria-label="{what} wall time per model" xmlns="http://www.w3.org/2000/svg"><title>{what} wall time per model</title><desc>{}</desc>"#,
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

/// A whole number with thousands separated by commas, for counts.
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A round step for about `target` ticks over `0..max`: 1, 2 or 5 times a power of ten.
fn nice_step(max: f64, target: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let raw = max / target.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// A tick label: as few decimals as the step needs.
fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// Opens an `<svg>` with its text alternative: `label` is both the accessible name and
/// the `<title>`, `desc` the longer description.
fn open_svg(svg: &mut String, class: &str, w: f64, h: f64, label: &str, desc: &str) {
    let label = escape(label);
    let _ = write!(
        svg,
        r#"<svg class="lab-chart {class}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title><desc>{}</desc>"#,
        escape(desc.trim_end())
    );
}

/// Rows of spans above which a row is drawn one pixel column at a time.
const EXACT_SPANS: usize = 400;

/// Draws one timeline row: exact rectangles when there are few spans; otherwise, per
/// pixel column, the state that took most of the column's time, merged into runs, so a
/// run with a 0.1 ms switch interval stays a small SVG.
#[allow(
    clippy::too_many_arguments,
    reason = "the geometry of one row, passed flat"
)]
fn timeline_row(
    svg: &mut String,
    spans: &[&Span],
    x0: f64,
    plot_w: f64,
    y: f64,
    h: f64,
    total_us: f64,
) {
    let px = |us: f64| x0 + us / total_us * plot_w;
    if spans.len() <= EXACT_SPANS {
        for s in spans {
            let (a, b) = (px(s.start_us), px(s.end_us));
            let _ = write!(
                svg,
                r#"<rect class="lab-span lab-state-{}" x="{a:.2}" y="{y:.1}" width="{:.2}" height="{h:.1}"/>"#,
                s.state.id(),
                (b - a).max(0.5)
            );
        }
        return;
    }
    let cols = plot_w.ceil().max(1.0) as usize;
    let mut acc = vec![[0.0f64; State::ALL.len()]; cols];
    for s in spans {
        let k = State::ALL.iter().position(|x| *x == s.state).unwrap_or(0);
        let (a, b) = (s.start_us / total_us * plot_w, s.end_us / total_us * plot_w);
        let first = (a.floor().max(0.0) as usize).min(cols - 1);
        let last = (b.ceil().max(1.0) as usize).min(cols);
        for (c, col) in acc.iter_mut().enumerate().take(last).skip(first) {
            let c = c as f64;
            let overlap = b.min(c + 1.0) - a.max(c);
            // A span thinner than the column still counts, so that it stays visible.
            col[k] += overlap.max(1e-9);
        }
    }
    let dominant: Vec<Option<usize>> = acc
        .iter()
        .map(|col| {
            col.iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(k, _)| k)
        })
        .collect();
    let mut c = 0;
    while c < cols {
        let Some(k) = dominant[c] else {
            c += 1;
            continue;
        };
        let start = c;
        while c < cols && dominant[c] == Some(k) {
            c += 1;
        }
        let _ = write!(
            svg,
            r#"<rect class="lab-span lab-state-{}" x="{:.2}" y="{y:.1}" width="{}" height="{h:.1}"/>"#,
            State::ALL[k].id(),
            x0 + start as f64,
            c - start
        );
    }
}

/// A timeline of one model's run: a row per lane (thread, process or event loop; an
/// event loop's row splits into a row per task where tasks overlap, as waits do), a
/// rectangle per span coloured by its state's class `lab-state-<id>`, a time axis in
/// milliseconds and a legend of the states shown.
pub fn timeline(run: &ModelRun, title: &str) -> String {
    timeline_on_scale(run, title, 0.0)
}

/// Every run's timeline on one time scale (the longest run's), so their lengths compare
/// at a glance, each under its model's name.
pub fn timelines(report: &Report) -> String {
    let scale_us = report
        .runs
        .iter()
        .flat_map(|r| r.spans.iter().map(|s| s.end_us).chain([r.wall_ms * 1000.0]))
        .fold(0.0, f64::max);
    report
        .runs
        .iter()
        .map(|r| timeline_on_scale(r, r.model.label(), scale_us))
        .collect()
}

/// [`timeline`] with a time axis at least `scale_us` long.
fn timeline_on_scale(run: &ModelRun, title: &str, scale_us: f64) -> String {
    const W: f64 = 640.0;
    const LABEL_W: f64 = 120.0;
    const RIGHT: f64 = 16.0;
    // Room for the title above the rows.
    const TOP: f64 = 24.0;
    let plot_w = W - LABEL_W - RIGHT;
    let total_us = run
        .spans
        .iter()
        .map(|s| s.end_us)
        .fold(run.wall_ms * 1000.0, f64::max)
        .max(scale_us)
        .max(1e-3);

    // Rows: (label, spans). A lane whose spans overlap gets a row per task.
    let mut lanes: Vec<u32> = run.spans.iter().map(|s| s.lane).collect();
    lanes.sort_unstable();
    lanes.dedup();
    let mut rows: Vec<(String, Vec<&Span>)> = Vec::new();
    for &lane in &lanes {
        let mut on_lane: Vec<&Span> = run.spans.iter().filter(|s| s.lane == lane).collect();
        on_lane.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
        let overlaps = on_lane.windows(2).any(|w| w[1].start_us < w[0].end_us);
        if overlaps {
            let mut tasks: Vec<u32> = on_lane.iter().map(|s| s.task).collect();
            tasks.sort_unstable();
            tasks.dedup();
            for t in tasks {
                let spans = on_lane.iter().copied().filter(|s| s.task == t).collect();
                rows.push((format!("{} · task {t}", run.model.lane_name(lane)), spans));
            }
        } else {
            rows.push((run.model.lane_name(lane), on_lane));
        }
    }
    let row_h = if rows.len() > 16 { 10.0 } else { 18.0 };
    let gap = if rows.len() > 16 { 2.0 } else { 4.0 };
    let plot_h = rows.len() as f64 * (row_h + gap);
    let axis_y = TOP + plot_h + 2.0;
    let states: Vec<State> = State::ALL
        .into_iter()
        .filter(|st| run.spans.iter().any(|s| s.state == *st))
        .collect();
    let legend_y = axis_y + 34.0;
    let h = legend_y + 18.0;

    let mut desc = format!(
        "{}: {} lane(s), {} in all.",
        run.model.label(),
        lanes.len(),
        fmt_ms(run.wall_ms)
    );
    for st in &states {
        let _ = write!(
            desc,
            " {}: {} summed over lanes.",
            st.label(),
            fmt_ms(run.time_in(*st) / 1000.0)
        );
    }
    if run.gil_handoffs > 0 {
        let _ = write!(desc, " The GIL changed hands {} times.", run.gil_handoffs);
    }
    let mut svg = String::new();
    open_svg(&mut svg, "lab-timeline", W, h, title, &desc);
    let _ = write!(
        svg,
        r#"<text class="lab-chart-title" x="0" y="15">{}</text>"#,
        escape(title)
    );

    for (i, (label, spans)) in rows.iter().enumerate() {
        let y = TOP + i as f64 * (row_h + gap);
        let _ = write!(
            svg,
            r#"<text class="lab-label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 6.0,
            y + row_h * 0.75,
            escape(label)
        );
        timeline_row(&mut svg, spans, LABEL_W, plot_w, y, row_h, total_us);
    }

    // Time axis in milliseconds.
    let total_ms = total_us / 1000.0;
    let step = nice_step(total_ms, 6.0);
    let _ = write!(
        svg,
        r#"<line class="lab-axis" x1="{LABEL_W}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}"/>"#,
        LABEL_W + plot_w
    );
    let mut t = 0.0;
    while t <= total_ms * (1.0 + 1e-9) {
        let x = LABEL_W + t / total_ms * plot_w;
        let _ = write!(
            svg,
            r#"<line class="lab-tick" x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}"/><text class="lab-tick-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            axis_y + 4.0,
            axis_y + 15.0,
            tick_label(t, step)
        );
        t += step;
    }
    let _ = write!(
        svg,
        r#"<text class="lab-axis-label" x="{:.1}" y="{:.1}" text-anchor="end">time (ms)</text>"#,
        LABEL_W + plot_w,
        axis_y + 28.0
    );

    // Legend.
    let mut x = LABEL_W;
    for st in states {
        let _ = write!(
            svg,
            r#"<rect class="lab-swatch lab-state-{}" x="{x:.1}" y="{:.1}" width="10" height="10"/><text class="lab-legend" x="{:.1}" y="{:.1}">{}</text>"#,
            st.id(),
            legend_y,
            x + 14.0,
            legend_y + 9.0,
            escape(st.label())
        );
        // About 7 px a character at the stylesheet's 13 px.
        x += 26.0 + st.label().len() as f64 * 7.0;
    }
    svg.push_str("</svg>");
    svg
}

/// Measured speedups by thread count, with the ideal (speedup = threads) as a line and,
/// if `amdahl_p` is given, Amdahl's curve for that parallel fraction (see
/// [`crate::stats::amdahl_fit`]).
pub fn speedup_chart(points: &[(u32, f64)], amdahl_p: Option<f64>) -> String {
    const W: f64 = 480.0;
    const H: f64 = 320.0;
    const L: f64 = 48.0;
    const R: f64 = 16.0;
    const T: f64 = 12.0;
    const B: f64 = 62.0;
    let pts: Vec<(u32, f64)> = points
        .iter()
        .copied()
        .filter(|(n, s)| *n > 0 && s.is_finite() && *s >= 0.0)
        .collect();
    let max_n = pts.iter().map(|p| p.0).max().unwrap_or(1).max(2);
    let max_s = pts
        .iter()
        .map(|p| p.1)
        .fold(f64::from(max_n), f64::max)
        .max(1.0);
    let (pw, ph) = (W - L - R, H - T - B);
    let sx = |n: f64| L + (n - 1.0) / f64::from(max_n - 1) * pw;
    let sy = |s: f64| T + ph - s / max_s * ph;

    let mut desc = String::new();
    for (n, s) in &pts {
        let _ = write!(desc, "{n} thread(s): {s:.2}x. ");
    }
    if let Some(p) = amdahl_p {
        let _ = write!(
            desc,
            "Amdahl's law with a parallel fraction of {:.1}% limits the speedup to {:.1}x.",
            p * 100.0,
            amdahl_speedup(p, f64::INFINITY).min(1e6)
        );
    }
    let mut svg = String::new();
    open_svg(
        &mut svg,
        "lab-speedup",
        W,
        H,
        "Speedup by number of threads",
        &desc,
    );

    // Axes and ticks.
    let _ = write!(
        svg,
        r#"<line class="lab-axis" x1="{L}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><line class="lab-axis" x1="{L}" y1="{T}" x2="{L}" y2="{:.1}"/>"#,
        T + ph,
        L + pw,
        T + ph,
        T + ph
    );
    let xstep = nice_step(f64::from(max_n), 8.0).max(1.0);
    let mut n = 1.0;
    while n <= f64::from(max_n) + 1e-9 {
        let x = sx(n);
        let _ = write!(
            svg,
            r#"<line class="lab-tick" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}"/><text class="lab-tick-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{n}</text>"#,
            T + ph,
            T + ph + 4.0,
            T + ph + 16.0
        );
        n = if n == 1.0 && xstep > 1.0 {
            xstep
        } else {
            n + xstep
        };
    }
    let ystep = nice_step(max_s, 5.0);
    let mut s = 0.0;
    while s <= max_s + 1e-9 {
        let y = sy(s);
        let _ = write!(
            svg,
            r#"<line class="lab-grid" x1="{L}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/><text class="lab-tick-label" x="{:.1}" y="{:.1}" text-anchor="end">{}x</text>"#,
            L + pw,
            L - 6.0,
            y + 4.0,
            tick_label(s, ystep)
        );
        s += ystep;
    }
    let _ = write!(
        svg,
        r#"<text class="lab-axis-label" x="{:.1}" y="{:.1}" text-anchor="middle">threads</text>"#,
        L + pw / 2.0,
        T + ph + 32.0
    );

    // The ideal, then Amdahl's curve, then the points on top.
    let top_n = f64::from(max_n).min(max_s);
    let _ = write!(
        svg,
        r#"<line class="lab-ideal" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/>"#,
        sx(1.0),
        sy(1.0),
        sx(top_n),
        sy(top_n)
    );
    if let Some(p) = amdahl_p {
        let mut d = String::new();
        for i in 0..=60 {
            let n = 1.0 + f64::from(max_n - 1) * f64::from(i) / 60.0;
            let _ = write!(d, "{:.1},{:.1} ", sx(n), sy(amdahl_speedup(p, n)));
        }
        let _ = write!(
            svg,
            r#"<polyline class="lab-amdahl" fill="none" points="{}"/>"#,
            d.trim_end()
        );
    }
    for (n, s) in &pts {
        let _ = write!(
            svg,
            r#"<circle class="lab-point" cx="{:.1}" cy="{:.1}" r="4"><title>{n} thread(s): {s:.2}x</title></circle>"#,
            sx(f64::from(*n)),
            sy(*s)
        );
    }

    // Legend.
    let ly = H - 14.0;
    let _ = write!(
        svg,
        r#"<circle class="lab-point" cx="{L}" cy="{:.1}" r="4"/><text class="lab-legend" x="{:.1}" y="{ly:.1}">runs</text><line class="lab-ideal" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text class="lab-legend" x="{:.1}" y="{ly:.1}">ideal</text>"#,
        ly - 4.0,
        L + 8.0,
        L + 80.0,
        ly - 4.0,
        L + 100.0,
        ly - 4.0,
        L + 106.0,
    );
    if let Some(p) = amdahl_p {
        let _ = write!(
            svg,
            r#"<line class="lab-amdahl" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text class="lab-legend" x="{:.1}" y="{ly:.1}">Amdahl, p = {:.2}</text>"#,
            L + 150.0,
            ly - 4.0,
            L + 170.0,
            ly - 4.0,
            L + 176.0,
            p
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line through `points` (x, y), with both axes from zero, a title and axis labels.
pub fn line_chart(points: &[(f64, f64)], title: &str, x_label: &str, y_label: &str) -> String {
    const W: f64 = 480.0;
    const H: f64 = 300.0;
    const L: f64 = 48.0;
    const R: f64 = 16.0;
    const T: f64 = 28.0;
    const B: f64 = 46.0;
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let max_x = pts.iter().map(|p| p.0).fold(0.0, f64::max).max(1e-9);
    let max_y = pts.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let (pw, ph) = (W - L - R, H - T - B);
    let sx = |x: f64| L + x / max_x * pw;
    let sy = |y: f64| T + ph - y / max_y * ph;
    let mut desc = String::new();
    for (x, y) in &pts {
        let _ = write!(desc, "{x}: {y:.2}. ");
    }
    let mut svg = String::new();
    open_svg(&mut svg, "lab-line", W, H, title, &desc);
    let _ = write!(
        svg,
        r#"<text class="lab-chart-title" x="0" y="15">{}</text><line class="lab-axis" x1="{L}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}"/><line class="lab-axis" x1="{L}" y1="{T}" x2="{L}" y2="{b:.1}"/>"#,
        escape(title),
        b = T + ph,
        r = L + pw,
    );
    let ystep = nice_step(max_y, 5.0);
    let mut y = 0.0;
    while y <= max_y {
        let _ = write!(
            svg,
            r#"<line class="lab-grid" x1="{L}" y1="{py:.1}" x2="{r:.1}" y2="{py:.1}"/><text class="lab-tick-label" x="{tx:.1}" y="{ty:.1}" text-anchor="end">{}</text>"#,
            tick_label(y, ystep),
            py = sy(y),
            r = L + pw,
            tx = L - 6.0,
            ty = sy(y) + 4.0,
        );
        y += ystep;
    }
    for (x, _) in &pts {
        let _ = write!(
            svg,
            r#"<text class="lab-tick-label" x="{:.1}" y="{:.1}" text-anchor="middle">{x}</text>"#,
            sx(*x),
            T + ph + 15.0
        );
    }
    let path: Vec<String> = pts
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="lab-amdahl" points="{}"/>"#,
        path.join(" ")
    );
    for (x, y) in &pts {
        let _ = write!(
            svg,
            r#"<circle class="lab-point" cx="{:.1}" cy="{:.1}" r="4"/><text class="lab-value" x="{:.1}" y="{:.1}" text-anchor="middle">{y:.2}x</text>"#,
            sx(*x),
            sy(*y),
            sx(*x),
            sy(*y) - 8.0
        );
    }
    let _ = write!(
        svg,
        r#"<text class="lab-axis-label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="lab-axis-label" x="12" y="{:.1}" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text></svg>"#,
        L + pw / 2.0,
        H - 6.0,
        escape(x_label),
        T + ph / 2.0,
        T + ph / 2.0,
        escape(y_label)
    );
    svg
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

/// Bars of the shared counter's final value per method, against the expected value
/// (drawn as a line), each labelled with its count and the updates it lost.
pub fn counter_bars(result: &CounterResult) -> String {
    const W: f64 = 640.0;
    const LABEL_W: f64 = 150.0;
    const BAR_H: f64 = 26.0;
    const GAP: f64 = 10.0;
    const TOP: f64 = 8.0;
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
        let y = TOP + i as f64 * (BAR_H + GAP);
        let bw = (r.final_count as f64 / max * plot_w).max(1.0);
        let lost = if r.lost > 0 {
            format!(" · {} lost", fmt_count(r.lost))
        } else {
            String::new()
        };
        let _ = write!(
            svg,
            r#"<text class="lab-label" x="{lx}" y="{ty:.1}" text-anchor="end">{label}</text><rect class="lab-bar lab-counter-{id}" x="{LABEL_W}" y="{y:.1}" width="{bw:.1}" height="{BAR_H}" rx="3"/><text class="lab-value" x="{vx:.1}" y="{ty:.1}">{count}{lost}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + BAR_H * 0.68,
            label = escape(r.method.label()),
            id = r.method.id(),
            vx = LABEL_W + bw + 6.0,
            count = fmt_count(r.final_count),
        );
    }
    let ex = LABEL_W + result.expected as f64 / max * plot_w;
    let bottom = TOP + result.rows.len() as f64 * (BAR_H + GAP);
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
    use crate::experiment::Experiment;
    use crate::model::Model;
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

    /// A small XML well-formedness check: balanced tags, quoted attributes, escaped
    /// text, and none of what breaks a page holding many charts.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        for bad in [" id=", "aria-labelledby", "NaN", "inf", "style="] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            assert!(!text.contains('>'), "stray > in text {text:?}");
            for (i, _) in text.match_indices('&') {
                let ent = &text[i..text[i..].find(';').map_or(text.len(), |e| i + e + 1)];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&ent),
                    "bad entity {ent:?}"
                );
            }
            let close = rest[open..].find('>').expect("unclosed tag") + open;
            let tag = &rest[open + 1..close];
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            assert!(!tag.contains('<'), "< inside <{tag}>");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().expect("tag name");
                stack.push(name.to_owned());
            }
            rest = &rest[close + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
    }

    #[test]
    fn bars_are_labelled_without_ids() {
        let svg = wall_bars(&report());
        assert_well_formed(&svg);
        assert!(svg.contains(r#"aria-label="Measured wall time per model""#));
    }

    fn gil_run(switch_ms: f64, n: u64) -> ModelRun {
        use crate::params::{Params, Workload};
        let p = Params {
            workload: Workload::Mixed,
            io_fraction: 0.2,
            release_fraction: 0.2,
            wait_ms: 20.0,
            switch_ms,
            n,
            ..Params::default()
        };
        crate::predict::predict_model(&p, Model::GilThreads, &crate::predict::Machine::default())
    }

    #[test]
    fn timeline_draws_a_row_per_thread_and_every_state_in_the_legend() {
        let run = gil_run(5.0, 2_000_000);
        let svg = timeline(&run, "Threads & the <GIL>");
        assert_well_formed(&svg);
        assert!(svg.contains("aria-label=\"Threads &amp; the &lt;GIL&gt;\""));
        for lane in 0..4 {
            assert!(svg.contains(&format!(">thread {lane}<")), "thread {lane}");
        }
        for st in [
            State::Running,
            State::WaitingGil,
            State::WaitingIo,
            State::Released,
        ] {
            assert!(svg.contains(&format!("lab-span lab-state-{}", st.id())));
            assert!(svg.contains(&format!("lab-swatch lab-state-{}", st.id())));
            assert!(svg.contains(st.label()));
        }
        assert!(!svg.contains("lab-state-starting"));
        assert!(svg.contains(">time (ms)<"));
        assert!(svg.contains("changed hands"));
        // Few spans: one rectangle each, plus the legend's swatches.
        assert_eq!(
            svg.matches("<rect class=\"lab-span").count(),
            run.spans.len(),
        );
    }

    #[test]
    fn a_busy_timeline_stays_small() {
        let run = gil_run(0.1, 20_000_000);
        assert!(run.spans.len() > 4 * EXACT_SPANS, "{}", run.spans.len());
        let svg = timeline(&run, "fast switching");
        assert_well_formed(&svg);
        let rects = svg.matches("<rect class=\"lab-span").count();
        assert!(rects > 4 && rects <= 4 * 504, "{rects}");
        assert!(svg.contains("lab-state-waiting-gil"));
    }

    #[test]
    fn an_event_loop_with_overlapping_waits_gets_a_row_per_task() {
        use crate::params::{Params, Workload};
        let p = Params {
            workload: Workload::Io,
            tasks: 3,
            ..Params::default()
        };
        let run =
            crate::predict::predict_model(&p, Model::Asyncio, &crate::predict::Machine::default());
        let svg = timeline(&run, "asyncio");
        assert_well_formed(&svg);
        for t in 0..3 {
            assert!(svg.contains(&format!(">event loop · task {t}<")));
        }
    }

    #[test]
    fn an_empty_run_still_draws_a_valid_chart() {
        let run = ModelRun {
            model: Model::Sequential,
            threads: 1,
            wall_ms: 0.0,
            spans: vec![],
            results: vec![],
            gil_handoffs: 0,
        };
        assert_well_formed(&timeline(&run, "nothing"));
        assert_well_formed(&speedup_chart(&[], None));
    }

    #[test]
    fn speedup_chart_has_points_ideal_and_amdahl() {
        let pts = [(1, 1.0), (2, 1.9), (4, 3.4), (8, 5.6)];
        let p = crate::stats::amdahl_fit(&pts);
        let svg = speedup_chart(&pts, Some(p));
        assert_well_formed(&svg);
        // Four points and the legend's marker.
        assert_eq!(svg.matches("<circle class=\"lab-point\"").count(), 5);
        assert!(svg.contains("<polyline class=\"lab-amdahl\""));
        assert!(svg.contains("class=\"lab-ideal\""));
        assert!(svg.contains("4 thread(s): 3.40x"));
        let plain = speedup_chart(&pts, None);
        assert!(!plain.contains("lab-amdahl"));
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

    #[test]
    fn counts_are_grouped_and_steps_are_round() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(1234567), "1,234,567");
        assert_eq!(fmt_count(100), "100");
        assert_eq!(nice_step(97.0, 6.0), 20.0);
        assert_eq!(nice_step(0.9, 6.0), 0.2);
        assert_eq!(tick_label(0.4, 0.2), "0.4");
    }

    #[test]
    fn timelines_share_one_time_scale() {
        let run = |model, wall_ms: f64| ModelRun {
            model,
            threads: 1,
            wall_ms,
            spans: vec![Span {
                lane: 0,
                task: 0,
                state: State::Running,
                start_us: 0.0,
                end_us: wall_ms * 1000.0,
            }],
            results: vec![0],
            gil_handoffs: 0,
        };
        let report = Report {
            experiment: crate::experiment::Experiment::GilCpu,
            params: crate::experiment::Experiment::GilCpu.defaults(),
            source: Source::Measured,
            runs: vec![run(Model::Sequential, 100.0), run(Model::FreeThreads, 50.0)],
        };
        let all = timelines(&report);
        let widths: Vec<f64> = all
            .match_indices("lab-span lab-state-running\" x=\"120.00\" y=\"24.0\" width=\"")
            .map(|(i, m)| {
                let rest = &all[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 2, "{all}");
        assert!((widths[0] / widths[1] - 2.0).abs() < 1e-6, "{widths:?}");
        assert!(
            all.contains(">threads, no GIL</text>"),
            "each timeline is titled"
        );
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
