//! The pieces every chart is built from: escaping, number formats, the `<svg>` opening,
//! round tick steps, and the axes with their ticks and gridlines.

use crate::trace::Source;
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

/// The word a caption or title starts with for a report's source.
pub(super) fn source_word(source: Source) -> &'static str {
    match source {
        Source::Measured => "Measured",
        Source::Predicted => "Predicted",
    }
}

/// A round step for about `target` ticks over `0..max`: 1, 2 or 5 times a power of ten.
pub(super) fn nice_step(max: f64, target: f64) -> f64 {
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
pub(super) fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// Opens an `<svg>` with its text alternative: `label` is both the accessible name and
/// the `<title>`, `desc` the longer description. The class `lab-w<width>` lets the page's
/// style keep the chart wide enough for legible text on a phone (it then scrolls in its box),
/// so `w` is one of [`CHART_WIDTHS`].
pub(super) fn open_svg(svg: &mut String, class: &str, w: f64, h: f64, label: &str, desc: &str) {
    debug_assert!(
        CHART_WIDTHS.contains(&w),
        "lab.css has no minimum width for {w}"
    );
    let label = escape(label);
    let _ = write!(
        svg,
        r#"<svg class="lab-chart lab-w{w} {class}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title><desc>{}</desc>"#,
        escape(desc.trim_end())
    );
}

/// The widths charts are drawn at; lab.css gives each its smallest width on screen.
pub(super) const CHART_WIDTHS: [f64; 2] = [480.0, 640.0];

/// A chart's visible title, in its top left corner.
pub(super) fn chart_title(svg: &mut String, title: &str) {
    let _ = write!(
        svg,
        r#"<text class="lab-chart-title" x="0" y="15">{}</text>"#,
        escape(title)
    );
}

/// Where a chart's axes stand: the x axis runs along `bottom` from `left` to `right`,
/// the y axis (when drawn) up `left` from `bottom` to `top`. Ticks and labels go below
/// the x axis and left of the y axis.
pub(super) struct Axes {
    /// Where the axes meet, horizontally.
    pub(super) left: f64,
    /// The top of the y axis.
    pub(super) top: f64,
    /// The end of the x axis.
    pub(super) right: f64,
    /// Where the axes meet, vertically.
    pub(super) bottom: f64,
}

impl Axes {
    /// The length of the x axis.
    pub(super) fn width(&self) -> f64 {
        self.right - self.left
    }

    /// The height of the y axis.
    pub(super) fn height(&self) -> f64 {
        self.bottom - self.top
    }

    /// The x axis, then the y axis if `y_axis`.
    pub(super) fn lines(&self, svg: &mut String, y_axis: bool) {
        let Axes {
            left,
            top,
            right,
            bottom,
        } = self;
        let _ = write!(
            svg,
            r#"<line class="lab-axis" x1="{left}" y1="{bottom:.1}" x2="{right:.1}" y2="{bottom:.1}"/>"#
        );
        if y_axis {
            let _ = write!(
                svg,
                r#"<line class="lab-axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom:.1}"/>"#
            );
        }
    }

    /// A label under the x axis at `x`, its baseline `dy` below the axis, after a short
    /// tick mark if `mark`.
    pub(super) fn x_tick(&self, svg: &mut String, x: f64, label: &str, dy: f64, mark: bool) {
        let bottom = self.bottom;
        if mark {
            let _ = write!(
                svg,
                r#"<line class="lab-tick" x1="{x:.1}" y1="{bottom:.1}" x2="{x:.1}" y2="{:.1}"/>"#,
                bottom + 4.0
            );
        }
        let _ = write!(
            svg,
            r#"<text class="lab-tick-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"#,
            bottom + dy
        );
    }

    /// The x axis's name, `dy` below it: centred under the axis, or ending where it ends
    /// if `at_end`.
    pub(super) fn x_title(&self, svg: &mut String, title: &str, dy: f64, at_end: bool) {
        let (x, anchor) = if at_end {
            (self.right, "end")
        } else {
            (self.left + self.width() / 2.0, "middle")
        };
        let _ = write!(
            svg,
            r#"<text class="lab-axis-label" x="{x:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
            self.bottom + dy,
            escape(title)
        );
    }

    /// Gridlines across the plot at 0, `step`, 2 `step`, ... while not above `last`, each
    /// labelled on the left with its value and `suffix`; `y_of` places a value.
    pub(super) fn y_grid(
        &self,
        svg: &mut String,
        step: f64,
        last: f64,
        y_of: impl Fn(f64) -> f64,
        suffix: &str,
    ) {
        let mut v = 0.0;
        while v <= last {
            let y = y_of(v);
            let _ = write!(
                svg,
                r#"<line class="lab-grid" x1="{}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/><text class="lab-tick-label" x="{:.1}" y="{:.1}" text-anchor="end">{}{suffix}</text>"#,
                self.left,
                self.right,
                self.left - 6.0,
                y + 4.0,
                tick_label(v, step)
            );
            v += step;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_chart_width_has_a_minimum_in_the_stylesheet() {
        let css = include_str!("../../../../www/src/lab.css");
        for w in super::CHART_WIDTHS {
            // The smallest chart text is 12 units: 11/12 of the width keeps it at 11 px.
            let rule = format!(
                ".lab-chart.lab-w{w} {{ min-width: {:.0}px; }}",
                (w * 11.0 / 12.0).ceil()
            );
            assert!(css.contains(&rule), "www/src/lab.css needs `{rule}`");
        }
    }

    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<b a=\"x\">&'"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
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
}
