//! What the charts' tests share: a small report and a check that markup is well formed.

use crate::experiment::Experiment;
use crate::model::Model;
use crate::trace::{ModelRun, Report, Source, Span};

/// A run of `model` on `threads` threads taking `wall_ms`, with these spans.
pub(super) fn run(model: Model, wall_ms: f64, threads: u32, spans: Vec<Span>) -> ModelRun {
    ModelRun {
        model,
        threads,
        wall_ms,
        spans,
        results: vec![],
        gil_handoffs: 0,
    }
}

/// A measured report of two models, the second about twice as fast on four threads.
pub(super) fn report() -> Report {
    Report {
        experiment: Experiment::ParallelCpu,
        params: Experiment::ParallelCpu.defaults(),
        source: Source::Measured,
        runs: vec![
            run(Model::Sequential, 812.0, 1, vec![]),
            run(Model::FreeThreads, 410.5, 4, vec![]),
        ],
    }
}

/// A small XML well-formedness check: balanced tags, quoted attributes, escaped
/// text, and none of what breaks a page holding many charts.
pub(super) fn assert_well_formed(svg: &str) {
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
