//! Timelines: a row per lane of a run, a rectangle per span coloured by its state, on a
//! time axis in milliseconds.

use super::svg::{Axes, chart_title, escape, fmt_ms, nice_step, open_svg, tick_label};
use crate::trace::{ModelRun, Report, Span, State};
use std::fmt::Write;

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
    timeline_on_scale(run, title, 0.0, &[])
}

/// [`timeline`] with the lanes called by `names` (the lab's Python names its threads as
/// `threading` does: "MainThread", "Thread-1 (worker)"); a lane past the end of `names`
/// keeps its model's name.
pub fn timeline_named(run: &ModelRun, title: &str, names: &[String]) -> String {
    timeline_on_scale(run, title, 0.0, names)
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
        .map(|r| timeline_on_scale(r, r.model.label(), scale_us, &[]))
        .collect()
}

/// [`timeline`] with a time axis at least `scale_us` long.
fn timeline_on_scale(run: &ModelRun, title: &str, scale_us: f64, names: &[String]) -> String {
    const W: f64 = 640.0;
    const RIGHT: f64 = 16.0;
    // Room for the title above the rows.
    const TOP: f64 = 24.0;
    // About 7 px a character at the stylesheet's 13 px: room for the longest lane name
    // ("Thread-12 (worker)"), at least 120 px and at most a third of the chart.
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let label_w = (longest as f64 * 7.0 + 14.0).clamp(120.0, W / 3.0);
    let plot_w = W - label_w - RIGHT;
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
    let lane_name = |lane: u32| {
        names
            .get(lane as usize)
            .cloned()
            .unwrap_or_else(|| run.model.lane_name(lane))
    };
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
                rows.push((format!("{} · task {t}", lane_name(lane)), spans));
            }
        } else {
            rows.push((lane_name(lane), on_lane));
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
    // The legend's entries (x, row), from the chart's left edge: a row that would pass
    // LEGEND_RIGHT wraps, so that the whole legend is in view on a phone, where the chart
    // keeps its legible size and scrolls sideways (about 350 px of it show at first).
    // About 7 px a character at the stylesheet's 13 px.
    const LEGEND_LEFT: f64 = 8.0;
    const LEGEND_RIGHT: f64 = 340.0;
    let mut places = Vec::with_capacity(states.len());
    let (mut x, mut row) = (LEGEND_LEFT, 0.0);
    for st in &states {
        let w = 14.0 + st.label().len() as f64 * 7.0;
        if x > LEGEND_LEFT && x + w > LEGEND_RIGHT {
            x = LEGEND_LEFT;
            row += 1.0;
        }
        places.push((x, legend_y + row * 18.0));
        x += w + 12.0;
    }
    let h = legend_y + (row + 1.0) * 18.0;

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
    chart_title(&mut svg, title);

    for (i, (label, spans)) in rows.iter().enumerate() {
        let y = TOP + i as f64 * (row_h + gap);
        let _ = write!(
            svg,
            r#"<text class="lab-label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 6.0,
            y + row_h * 0.75,
            escape(label)
        );
        timeline_row(&mut svg, spans, label_w, plot_w, y, row_h, total_us);
    }

    // Time axis in milliseconds.
    let total_ms = total_us / 1000.0;
    let step = nice_step(total_ms, 6.0);
    let axes = Axes {
        left: label_w,
        top: TOP,
        right: label_w + plot_w,
        bottom: axis_y,
    };
    axes.lines(&mut svg, false);
    let mut t = 0.0;
    while t <= total_ms * (1.0 + 1e-9) {
        let x = label_w + t / total_ms * plot_w;
        axes.x_tick(&mut svg, x, &tick_label(t, step), 15.0, true);
        t += step;
    }
    axes.x_title(&mut svg, "time (ms)", 28.0, true);

    // Legend.
    for (st, (x, y)) in states.iter().zip(places) {
        let _ = write!(
            svg,
            r#"<rect class="lab-swatch lab-state-{}" x="{x:.1}" y="{y:.1}" width="10" height="10"/><text class="lab-legend" x="{:.1}" y="{:.1}">{}</text>"#,
            st.id(),
            x + 14.0,
            y + 9.0,
            escape(st.label())
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{assert_well_formed, run};
    use crate::model::Model;
    use crate::trace::Source;

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
    fn named_lanes_and_blocked_time_are_labelled_as_such() {
        let mut run = gil_run(5.0, 200_000);
        // Turn every I/O wait into a blocked span, as the lab's Python records a sleep.
        for s in &mut run.spans {
            if s.state == State::WaitingIo {
                s.state = State::Blocked;
            }
        }
        let names: Vec<String> = ["MainThread", "Thread-1 (work)"].map(String::from).to_vec();
        let svg = timeline_named(&run, "named", &names);
        assert_well_formed(&svg);
        assert!(svg.contains(">MainThread<"));
        assert!(svg.contains(">Thread-1 (work)<"));
        // Lanes past the names keep the model's.
        assert!(svg.contains(">thread 2<"));
        assert!(!svg.contains(">thread 0<"));
        assert!(svg.contains("lab-state-blocked"));
        assert!(svg.contains(State::Blocked.label()));
        assert!(!svg.contains("I/O"), "blocked time is not I/O");
        // Every legend entry ends within the part of the chart a phone shows before it
        // is scrolled (about 350 px), by the estimate of 7 px a character.
        let entries = legend_entries(&svg);
        assert!(entries.len() >= 3, "{entries:?}");
        for (x, label) in entries {
            assert!(x + label.len() as f64 * 7.0 <= 350.0, "{label} at {x}");
        }
    }

    /// The legend's (x, text) pairs.
    fn legend_entries(svg: &str) -> Vec<(f64, String)> {
        svg.split(r#"<text class="lab-legend" x=""#)
            .skip(1)
            .map(|rest| {
                let x: f64 = rest[..rest.find('"').unwrap()].parse().unwrap();
                let text = &rest[rest.find('>').unwrap() + 1..rest.find("</text>").unwrap()];
                (x, text.to_string())
            })
            .collect()
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
    fn an_empty_run_still_draws_a_valid_timeline() {
        assert_well_formed(&timeline(
            &run(Model::Sequential, 0.0, 1, vec![]),
            "nothing",
        ));
    }

    #[test]
    fn timelines_share_one_time_scale() {
        let run = |model, wall_ms: f64| {
            let span = Span {
                lane: 0,
                task: 0,
                state: State::Running,
                start_us: 0.0,
                end_us: wall_ms * 1000.0,
            };
            let mut r = run(model, wall_ms, 1, vec![span]);
            r.results = vec![0];
            r
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
}
