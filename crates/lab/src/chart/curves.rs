//! Curves on two axes: speedup against threads (with the ideal and Amdahl's law), and a
//! plain line through points.

use super::svg::{Axes, chart_title, escape, nice_step, open_svg};
use crate::stats::amdahl_speedup;
use std::fmt::Write;

const W: f64 = 480.0;
/// Room left of the y axis for its labels.
const L: f64 = 48.0;
const R: f64 = 16.0;

/// The axes of a chart `h` high with `t` above the plot and `b` below it.
fn axes(h: f64, t: f64, b: f64) -> Axes {
    Axes {
        left: L,
        top: t,
        right: W - R,
        bottom: h - b,
    }
}

/// Measured speedups by thread count, with the ideal (speedup = threads) as a line and,
/// if `amdahl_p` is given, Amdahl's curve for that parallel fraction (see
/// [`crate::stats::amdahl_fit`]).
pub fn speedup_chart(points: &[(u32, f64)], amdahl_p: Option<f64>) -> String {
    const H: f64 = 320.0;
    let axes = axes(H, 12.0, 62.0);
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
    let (pw, ph) = (axes.width(), axes.height());
    let sx = |n: f64| L + (n - 1.0) / f64::from(max_n - 1) * pw;
    let sy = |s: f64| axes.bottom - s / max_s * ph;

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

    // Axes and ticks: threads from 1, then on round steps.
    axes.lines(&mut svg, true);
    let xstep = nice_step(f64::from(max_n), 8.0).max(1.0);
    let mut n = 1.0;
    while n <= f64::from(max_n) + 1e-9 {
        axes.x_tick(&mut svg, sx(n), &n.to_string(), 16.0, true);
        n = if n == 1.0 && xstep > 1.0 {
            xstep
        } else {
            n + xstep
        };
    }
    axes.y_grid(&mut svg, nice_step(max_s, 5.0), max_s + 1e-9, sy, "x");
    axes.x_title(&mut svg, "threads", 32.0, false);

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
    const H: f64 = 300.0;
    // Room above the plot for the title.
    let axes = axes(H, 28.0, 46.0);
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let max_x = pts.iter().map(|p| p.0).fold(0.0, f64::max).max(1e-9);
    let max_y = pts.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let (pw, ph) = (axes.width(), axes.height());
    let sx = |x: f64| L + x / max_x * pw;
    let sy = |y: f64| axes.bottom - y / max_y * ph;
    let mut desc = String::new();
    for (x, y) in &pts {
        let _ = write!(desc, "{x}: {y:.2}. ");
    }
    let mut svg = String::new();
    open_svg(&mut svg, "lab-line", W, H, title, &desc);
    chart_title(&mut svg, title);
    axes.lines(&mut svg, true);
    axes.y_grid(&mut svg, nice_step(max_y, 5.0), max_y, sy, "");
    // Each point's x labels the axis, without a tick mark.
    for (x, _) in &pts {
        axes.x_tick(&mut svg, sx(*x), &x.to_string(), 15.0, false);
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
    // The x axis's name 6 px above the chart's bottom edge.
    axes.x_title(&mut svg, x_label, H - 6.0 - axes.bottom, false);
    let _ = write!(
        svg,
        r#"<text class="lab-axis-label" x="12" y="{:.1}" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text></svg>"#,
        axes.top + ph / 2.0,
        axes.top + ph / 2.0,
        escape(y_label)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::assert_well_formed;

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
    fn an_empty_speedup_chart_is_still_valid() {
        assert_well_formed(&speedup_chart(&[], None));
    }
}
