//! SVG charts drawn from a [`Report`](crate::Report), the same code for predictions (at
//! build time) and measurements (in the browser).
//!
//! Charts carry classes, not colours: the book's stylesheet colours them per theme with a
//! colour-blind-safe palette. Each chart has a `<title>` and a `<desc>` as its text
//! alternative, and every number it shows is also printed as text in the widget's table.
//!
//! No element carries an `id`, so any number of charts can share a page (mdBook's print
//! view puts every chapter on one); each is labelled by its own `aria-label`.
//!
//! Each kind of chart has its own file over the shared pieces in `svg`: the axes, ticks
//! and gridlines are drawn there once for every chart that has them.

mod bars;
mod curves;
#[cfg(test)]
mod fixtures;
mod svg;
mod tables;
mod timeline;

pub use bars::{counter_bars, wall_bars};
pub use curves::{line_chart, speedup_chart};
pub use svg::{escape, fmt_count, fmt_ms};
pub use tables::{counter_table, measured_vs_predicted, summary_table};
pub use timeline::{timeline, timeline_named, timelines};
