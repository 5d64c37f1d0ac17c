//! Turns one chapter's `{{#lab ...}}` directives into widget HTML.

use crate::cpython::Records;
use lab::chart::escape;
use lab::model::{Lock, Startup};
use lab::predict::Machine;
use lab::{Experiment, Model, Params, ResultKind, StartMethod, Workload};
use std::fmt::Write;

/// A chapter path or title made safe for an element id.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Expands every directive in `markdown`. Directives inside fenced code blocks are
/// left alone, so a chapter can show one as an example. A widget's id is
/// `lab-<chapter slug>-<name>` when its directive names it (`id=name`), which stays the
/// same however the chapter changes; otherwise `lab-<chapter slug>-<n>`, where `n` counts
/// only the chapter's unnamed widgets, so naming a new widget never renumbers the old
/// ones (and their links keep working). Ids are unique across the book (print.html has
/// every chapter): a name used twice in a chapter fails the build.
///
/// # Errors
/// A directive with an unknown experiment or a bad setting, naming the line.
#[cfg_attr(not(test), allow(dead_code, reason = "the tests' short form"))]
pub(crate) fn expand(markdown: &str, chapter: &str) -> Result<String, String> {
    expand_with(markdown, chapter, &Records::new(), &mut Vec::new())
}

/// [`expand`], giving each runnable listing CPython's recorded run of it from `records`
/// (when recorded from the same source) and adding each to `found` (its id and source).
///
/// # Errors
/// As [`expand`].
pub(crate) fn expand_with(
    markdown: &str,
    chapter: &str,
    records: &Records,
    found: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<&str> = None;
    let mut n = 0;
    let mut names: Vec<String> = Vec::new();
    // A `{{#lab python}}` seen (its line, the widget's id, its reason if read-only) and
    // its fence not yet.
    let mut pending: Option<(usize, String, Option<String>)> = None;
    // Inside a marked listing: its widget's id, the chapter line of its first line, and
    // why it does not run, if it does not.
    let mut listing: Option<(String, usize, Option<String>)> = None;
    let mut body = String::new();
    for (lineno, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
                if let Some((id, first, readonly)) = listing.take() {
                    out.push_str(line);
                    out.push('\n');
                    match readonly {
                        Some(reason) => {
                            out.push_str(&readonly_note(&id, &reason));
                            body.clear();
                        }
                        None => {
                            out.push_str(&listing_widget(&id, &body, first, records.get(&id))?);
                            found.push((id, std::mem::take(&mut body)));
                        }
                    }
                    continue;
                }
            } else if listing.is_some() {
                body.push_str(line);
                body.push('\n');
            }
        } else if let Some((directive_line, id, readonly)) = pending.take() {
            if trimmed.is_empty() {
                pending = Some((directive_line, id, readonly));
            } else if trimmed.starts_with("```python") {
                fence = Some("```");
                listing = Some((id, lineno + 2, readonly));
            } else {
                return Err(format!(
                    "line {directive_line}: {{{{#lab python}}}} must stand just before a ```python listing"
                ));
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
        } else if let Some(marked) = listing_directive(trimmed) {
            // A marked listing: the fence that follows stays as it is, the widget (or the
            // note that says why it cannot run) goes after it (see `listing`).
            let at = |e: String| format!("line {}: {e}", lineno + 1);
            let (name, readonly) = marked.map_err(at)?;
            let name = check_name(&name).map_err(at)?;
            if names.contains(&name) {
                return Err(at(format!("id={name} is used twice in this chapter")));
            }
            names.push(name.clone());
            pending = Some((lineno + 1, format!("lab-{chapter}-{name}"), readonly));
            continue;
        } else if trimmed.starts_with("{{#lab") {
            let Some(inner) = trimmed
                .strip_prefix("{{#lab ")
                .and_then(|rest| rest.strip_suffix("}}"))
            else {
                return Err(format!(
                    "line {}: a directive must stand alone on its line as {{{{#lab EXPERIMENT key=value ...}}}}, got \"{}\"",
                    lineno + 1,
                    clip(trimmed)
                ));
            };
            let at = |e: String| format!("line {}: {e}", lineno + 1);
            let directive = parse(inner).map_err(at)?;
            let id = match &directive.name {
                Some(name) if names.contains(name) => {
                    return Err(at(format!("id={name} is used twice in this chapter")));
                }
                Some(name) => {
                    names.push(name.clone());
                    format!("lab-{chapter}-{name}")
                }
                None => {
                    n += 1;
                    format!("lab-{chapter}-{n}")
                }
            };
            let html = widget(directive, &id);
            // Blank lines around the block keep Markdown from wrapping it in a paragraph.
            out.push('\n');
            out.push_str(&html);
            out.push_str("\n\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if let Some((line, _, _)) = pending {
        return Err(format!(
            "line {line}: {{{{#lab python}}}} must stand just before a ```python listing"
        ));
    }
    if listing.is_some() {
        return Err("a runnable listing's fence is never closed".to_owned());
    }
    Ok(out)
}

/// `Some` for a `{{#lab python ...}}` line: the name its `id=` gives and, for a listing
/// that cannot run in the browser, the reason its `readonly="..."` gives; or why the line
/// is wrong.
fn listing_directive(trimmed: &str) -> Option<Result<(String, Option<String>), String>> {
    let inner = trimmed.strip_prefix("{{#lab python")?.strip_suffix("}}")?;
    if !(inner.is_empty() || inner.starts_with(' ')) {
        return None;
    }
    Some(listing_options(inner))
}

/// Reads `id=NAME` and `readonly="REASON"` (the reason quoted: it is a few words).
fn listing_options(inner: &str) -> Result<(String, Option<String>), String> {
    let (mut name, mut readonly) = (None, None);
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if let Some(v) = rest.strip_prefix("readonly=\"") {
            let end = v.find('"').ok_or("readonly=\"...\" has no closing quote")?;
            let reason = v[..end].trim();
            if reason.is_empty() || reason.len() > 120 || reason.contains(['<', '>', '&']) {
                return Err(format!(
                    "readonly= needs a short reason in plain words (at most 120 characters), got \"{}\"",
                    clip(reason)
                ));
            }
            readonly = Some(reason.to_owned());
            rest = v[end + 1..].trim_start();
            continue;
        }
        let word = &rest[..word_end];
        match word.split_once('=') {
            Some(("id", v)) => name = Some(v.to_owned()),
            _ => {
                return Err(format!(
                    "a listing takes only id=NAME and readonly=\"REASON\", got \"{}\"",
                    clip(word)
                ));
            }
        }
        rest = rest[word_end..].trim_start();
    }
    let name = name.ok_or("a marked listing needs a name: {{#lab python id=NAME}}")?;
    Ok((name, readonly))
}

/// A widget's name: lower-case letters, digits and dashes, starting with a letter.
fn check_name(v: &str) -> Result<String, String> {
    // A name, not a number: numbers are the unnamed widgets' ids.
    let ok = v.len() <= 40
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "id must be lower-case letters, digits and dashes, starting with a letter (at most 40), got \"{}\"",
            clip(v)
        ))
    }
}

/// The widget under a runnable listing, once the listing compiles with the lab's Python.
/// `first` is the chapter line of the listing's first line, so that an error names the
/// chapter's line rather than the listing's.
fn listing_widget(
    id: &str,
    source: &str,
    first: usize,
    record: Option<&serde_json::Value>,
) -> Result<String, String> {
    listing_markup(id, source, first, record, false)
}

/// The standalone lab page (lab/python.html) as a book gets it: its `<!-- lab:widget -->`
/// mark becomes the runnable widget of the program in the page's
/// `<code class="language-python">` block, the same widget as under a book's listing
/// (with its settings), made to stand alone: no link to itself, no Embed.
///
/// # Errors
/// The page has no program or no mark, or its program does not compile.
pub(crate) fn standalone_page(page: &str) -> Result<String, String> {
    const OPEN: &str = r#"<code class="language-python">"#;
    const MARK: &str = "<!-- lab:widget -->";
    let start = page
        .find(OPEN)
        .ok_or("no <code class=\"language-python\"> block")?
        + OPEN.len();
    let len = page[start..]
        .find("</code>")
        .ok_or("its program block is not closed")?;
    let source = unescape(&page[start..start + len]);
    if !page.contains(MARK) {
        return Err(format!("no {MARK} for the widget"));
    }
    let widget = listing_markup("lab-python", &source, 1, None, true)?;
    Ok(page.replacen(MARK, widget.trim(), 1))
}

/// The text of HTML written with [`escape`]'s references.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn listing_markup(
    id: &str,
    source: &str,
    first: usize,
    record: Option<&serde_json::Value>,
    standalone: bool,
) -> Result<String, String> {
    let code = lab_python::compile_to_bytes(source, "listing.py").map_err(|e| {
        let line = match &e {
            lab_python::parse::SourceError::Syntax { line, .. } => *line,
            lab_python::parse::SourceError::Unsupported(c, _) => c.line,
        } as usize;
        format!(
            "line {}: this listing does not compile: {e}",
            first + line.max(1) - 1
        )
    })?;
    Ok(format!(
        r##"
<div class="lab-widget lab-listing" id="{id}" data-lab="python"{standalone} data-state="idle" data-source="{src}" data-code="{code}"{cpython}><div class="lab-head"><span class="lab-title">Run the {what} above</span>{anchor}</div>{settings}<div class="lab-buttons"><button type="button" data-action="run">Run</button><button type="button" data-action="stop" disabled>Stop</button>{embed}</div><noscript><p class="lab-note">Running this {what} needs JavaScript.</p></noscript><p class="lab-status" role="status"></p><p class="lab-error" role="alert" hidden></p><pre class="lab-output" hidden></pre><div class="lab-summary" hidden></div></div>

"##,
        // Newlines as references: a blank line would end Markdown's HTML block.
        src = escape(source).replace('\n', "&#10;"),
        settings = listing_settings(id),
        cpython = crate::cpython::widget_attr(record, source),
        standalone = if standalone { " data-standalone" } else { "" },
        what = if standalone { "program" } else { "listing" },
        anchor = if standalone {
            String::new()
        } else {
            format!(
                r##" <a class="lab-anchor" href="#{id}" aria-label="Link to this listing">#</a>"##
            )
        },
        embed = if standalone {
            ""
        } else {
            r#"<button type="button" data-action="embed">Embed</button>"#
        },
        // The compiled listing: the page runs it without downloading the compiler.
        code = base64(&code),
    ))
}

/// The settings a listing runs with: the interpreter (with the GIL or free-threaded), the
/// switch interval and the start method of processes. The page reads them at Run, and
/// its data-result and Embed code carry them.
fn listing_settings(id: &str) -> String {
    let select = |name: &str, label: &str, options: &[(&str, &str)], default: &str| {
        let mut h = format!(
            r#"<span class="lab-field"><label for="{id}-{name}">{label}</label><select id="{id}-{name}" name="{name}">"#
        );
        for (value, text) in options {
            let selected = if *value == default { " selected" } else { "" };
            let _ = write!(h, r#"<option value="{value}"{selected}>{text}</option>"#);
        }
        h.push_str("</select></span>");
        h
    };
    let methods: Vec<(&str, &str)> = lab_python::START_METHODS.iter().map(|m| (*m, *m)).collect();
    format!(
        r#"<details class="lab-settings"><summary>Settings</summary><div class="lab-controls" role="group" aria-label="Settings of this run">{}{}{}</div></details>"#,
        select(
            "gil",
            "interpreter",
            &[("on", "with the GIL"), ("off", "free-threaded (no GIL)")],
            "on"
        ),
        select(
            "switch",
            "switch interval",
            &[
                ("1", "1 ms"),
                ("5", "5 ms (default)"),
                ("20", "20 ms"),
                ("100", "100 ms")
            ],
            "5"
        ),
        select("start", "processes start by", &methods, "spawn"),
    )
}

/// Under a listing that cannot run in the browser: why, with no Run button. It is linkable
/// like a widget, but not one (no run, no result), so nothing mounts it.
fn readonly_note(id: &str, reason: &str) -> String {
    format!(
        r##"
<div class="lab-listing-readonly" id="{id}" data-readonly="{why}" role="note"><p><span class="lab-title">Not runnable in the browser:</span> this listing {why}. Run it with Python on your own machine.</p><a class="lab-anchor" href="#{id}" aria-label="Link to this listing">#</a></div>

"##,
        why = escape(reason),
    )
}

/// Standard base64 with padding (what the page's `atob` reads).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Keeps an echoed line short in an error message.
fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// Extra views a widget can show after a run, drawn by `www/src/views/<name>.js`.
const VIEWS: [&str; 2] = ["event-loop", "chooser"];

/// One directive, parsed.
struct Directive {
    experiment: Experiment,
    params: Params,
    /// The extra view, if any.
    view: Option<&'static str>,
    /// The name the directive gives its widget (`id=`), if any.
    name: Option<String>,
}

/// Parses `EXPERIMENT key=value ... [view=NAME] [id=NAME]`.
fn parse(inner: &str) -> Result<Directive, String> {
    let mut words = inner.split_whitespace();
    let experiment = Experiment::parse(words.next().unwrap_or("")).map_err(|e| e.message)?;
    let mut d = Directive {
        experiment,
        params: experiment.defaults(),
        view: None,
        name: None,
    };
    for word in words {
        let (k, v) = word
            .split_once('=')
            .ok_or_else(|| format!("expected key=value, got \"{word}\""))?;
        match k {
            "view" => {
                d.view = Some(VIEWS.into_iter().find(|known| *known == v).ok_or_else(|| {
                    format!("view must be one of {}, got \"{v}\"", VIEWS.join(", "))
                })?);
            }
            "id" => {
                // A name, not a number: numbers are the unnamed widgets' ids.
                let ok = v.len() <= 40
                    && v.starts_with(|c: char| c.is_ascii_lowercase())
                    && v.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok {
                    return Err(format!(
                        "id must be lower-case letters, digits and dashes, starting with a letter (at most 40), got \"{}\"",
                        clip(v)
                    ));
                }
                d.name = Some(v.to_owned());
            }
            _ => d.params.set(k, v).map_err(|e| e.message)?,
        }
    }
    Ok(d)
}

/// One number input of the widget's form.
struct Control {
    name: &'static str,
    label: &'static str,
    min: f64,
    max: f64,
    step: f64,
}

fn controls(experiment: Experiment, params: &Params) -> Vec<Control> {
    let c = |name, label, min, max, step| Control {
        name,
        label,
        min,
        max,
        step,
    };
    if experiment == Experiment::Counter {
        return vec![
            c("threads", "threads", 1.0, 16.0, 1.0),
            c(
                "increments",
                "increments per thread",
                1.0,
                lab::params::MAX_INCREMENTS as f64,
                1.0,
            ),
        ];
    }
    if experiment == Experiment::Server {
        return vec![
            c("tasks", "requests", 1.0, 64.0, 1.0),
            c("n", "work per request (loop size)", 1.0, 100_000_000.0, 1.0),
            c("wait_ms", "database wait (ms)", 0.0, 5000.0, 1.0),
        ];
    }
    let mut v = vec![c("tasks", "tasks", 1.0, 64.0, 1.0)];
    let info = || params.models.iter().map(|m| m.info());
    if info().any(|i| i.parallel) {
        v.push(c("threads", "threads", 1.0, 16.0, 1.0));
    }
    let both = experiment == Experiment::Compare;
    if params.workload != Workload::Io || both {
        v.push(c("n", "loop size n", 1.0, 100_000_000.0, 1.0));
    }
    if params.workload != Workload::Cpu || both {
        v.push(c("wait_ms", "I/O wait (ms)", 0.0, 5000.0, 1.0));
    }
    if params.workload == Workload::Mixed && experiment != Experiment::IoSweep {
        v.push(c("io_fraction", "I/O fraction", 0.0, 1.0, 0.05));
    }
    // The switch interval matters where lanes hand one lock over to each other.
    if info().any(|i| i.parallel && i.lock == Lock::Global) {
        v.push(c("switch_ms", "switch interval (ms)", 0.1, 100.0, 0.1));
        v.push(c(
            "release_fraction",
            "GIL released (fraction)",
            0.0,
            1.0,
            0.05,
        ));
    }
    v
}

fn widget(directive: Directive, id: &str) -> String {
    let Directive {
        experiment,
        params,
        view,
        ..
    } = directive;
    let pairs = params.to_pairs();
    let value_of = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let json = {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    };
    let prediction = prediction(experiment, &params);

    let mut h = String::new();
    let _ = write!(
        h,
        r##"<div class="lab-widget" id="{id}" data-lab="{exp}"{view}{predict} data-state="idle" data-pool-threads="{pool}" data-params="{json}"><div class="lab-head"><span class="lab-title">{title}</span> <a class="lab-anchor" href="#{id}" aria-label="Link to this widget">#</a></div>"##,
        exp = experiment.id(),
        // A hint for the page's first worker; the run itself asks for what it needs.
        pool = lab::plan::plan(experiment, &params).pool_threads,
        view = view
            .map(|v| format!(" data-view=\"{v}\""))
            .unwrap_or_default(),
        // A run that times models side by side can take the reader's guess first
        // (www/src/views/predict.js); a sweep, the comparison's two workloads, the
        // counter race and a convoy (how long one request takes) answer other questions.
        predict =
            if experiment.result_kind() == ResultKind::Report && experiment != Experiment::Convoy {
                " data-predict"
            } else {
                ""
            },
        json = escape(&json),
        title = escape(experiment.title()),
    );
    h.push_str(r#"<form class="lab-controls" aria-label="Settings">"#);
    for c in controls(experiment, &params) {
        let _ = write!(
            h,
            // Each label and its input in one box, so that they wrap together on a narrow
            // screen and a label never ends a line whose input starts the next.
            r#"<span class="lab-field"><label for="{id}-{n}">{label}</label><input id="{id}-{n}" name="{n}" type="number" min="{min}" max="{max}" step="{step}" value="{v}" required></span>"#,
            n = c.name,
            label = escape(c.label),
            min = c.min,
            max = c.max,
            step = c.step,
            v = escape(&value_of(c.name)),
        );
    }
    // A sweep or the counter race fixes its models; the others let the reader choose.
    if matches!(
        experiment.result_kind(),
        ResultKind::Report | ResultKind::Comparison
    ) {
        // The first model checked is the baseline every speedup is measured against.
        let _ = write!(h, r#"<fieldset class="lab-models"><legend>models</legend>"#);
        for m in Model::ALL {
            let _ = write!(
                h,
                r#"<label><input type="checkbox" name="model" value="{id}"{threads}{facts}{checked}> {label}</label>"#,
                id = m.id(),
                facts = model_facts(m),
                // Read by the page: these cannot run where memory cannot be shared.
                threads = if m.needs_threads() {
                    " data-needs-threads"
                } else {
                    ""
                },
                checked = if params.models.contains(&m) {
                    " checked"
                } else {
                    ""
                },
                label = escape(m.label()),
            );
        }
        h.push_str("</fieldset>");
    }
    if params
        .models
        .iter()
        .any(|m| m.info().startup == Startup::Process)
    {
        let _ = write!(
            h,
            r#"<span class="lab-field"><label for="{id}-start">processes start by</label><select id="{id}-start" name="start">"#
        );
        for m in StartMethod::ALL {
            let _ = write!(
                h,
                r#"<option value="{v}"{selected}>{v}</option>"#,
                v = m.id(),
                selected = if params.start == m { " selected" } else { "" },
            );
        }
        h.push_str("</select></span>");
    }
    h.push_str(r#"</form><div class="lab-buttons"><button type="button" data-action="run">Run</button><button type="button" data-action="stop" disabled>Stop</button><button type="button" data-action="link">Copy link</button><button type="button" data-action="embed">Embed</button></div>"#);
    let _ = write!(
        h,
        r#"<noscript><p class="lab-note">The live part of this widget needs JavaScript; below is its prediction, drawn when the book was built.</p></noscript><p class="lab-status" role="status">Below: a prediction.</p><progress class="lab-progress" max="1" value="0" hidden></progress><p class="lab-error" role="alert" hidden></p><p class="lab-env"></p><figure class="lab-measured" hidden></figure><figure class="lab-predicted">{prediction}</figure></div>"#,
    );
    h
}

/// What the page needs to know about a model to explain a gap between a reader's guess
/// and a run (www/src/views/predict.js), read from the model's one description.
fn model_facts(m: Model) -> String {
    let info = m.info();
    let mut out = String::new();
    if info.parallel {
        out.push_str(" data-parallel");
        if info.lock == Lock::Global {
            out.push_str(" data-one-lock");
        }
    }
    match info.startup {
        Startup::None => {}
        Startup::Interpreter => out.push_str(" data-startup=\"interpreter\""),
        Startup::Process => out.push_str(" data-startup=\"process\""),
    }
    out
}

/// The pre-rendered figure: what the models predict for a typical machine, labelled
/// as a prediction (see [`lab::present::predicted`]).
fn prediction(experiment: Experiment, params: &Params) -> String {
    lab::present::predicted(experiment, params, &Machine::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_directives_with_unique_ids_and_leaves_code_alone() {
        let md = "# T\n\n{{#lab parallel-cpu tasks=2}}\n\n```text\n{{#lab parallel-cpu}}\n```\n{{#lab gil-cpu}}\n";
        let out = expand(md, "ch").unwrap();
        assert_eq!(out.matches("class=\"lab-widget\"").count(), 2);
        assert!(out.contains("id=\"lab-ch-1\"") && out.contains("id=\"lab-ch-2\""));
        assert!(out.contains("```text\n{{#lab parallel-cpu}}\n```"));
        assert!(out.contains("data-lab=\"gil-cpu\""));
        assert!(out.contains("&quot;tasks&quot;:&quot;2&quot;"));
    }

    #[test]
    fn the_widget_follows_the_contract_and_has_a_prediction() {
        let out = expand("{{#lab parallel-cpu}}", "c").unwrap();
        for needle in [
            "data-state=\"idle\"",
            "data-action=\"run\"",
            "data-action=\"stop\"",
            "data-action=\"embed\"",
            "class=\"lab-predicted\"",
            "<svg",
            "<table",
            "Predicted",
        ] {
            assert!(out.contains(needle), "missing {needle}");
        }
        // A Markdown HTML block ends at a blank line: the widget must have none.
        assert!(!out.trim().contains("\n\n"));
    }

    #[test]
    fn bad_directives_fail_the_build_with_the_line() {
        let err = expand("a\n{{#lab nope}}", "c").unwrap_err();
        assert!(
            err.starts_with("line 2:") && err.contains("parallel-cpu"),
            "{err}"
        );
        let err = expand("{{#lab parallel-cpu tasks=0}}", "c").unwrap_err();
        assert!(err.contains("tasks must be"), "{err}");
        let err = expand("{{#lab parallel-cpu tasks}}", "c").unwrap_err();
        assert!(err.contains("key=value"), "{err}");
        // Anything that starts like a directive and is not one fails too, rather than
        // being published as text.
        for bad in [
            "{{#lab}}",
            "{{#lab gil-cpu",
            "{{#labgil-cpu}}",
            "{{#lab gil-cpu}} and more",
        ] {
            let err = expand(&format!("x\n\n{bad}\n"), "c").unwrap_err();
            assert!(err.starts_with("line 3:"), "{bad}: {err}");
        }
    }

    #[test]
    fn named_widgets_keep_their_ids_and_leave_the_numbers_of_the_others_alone() {
        let md = "{{#lab gil-cpu}}\n\n{{#lab gil-cpu id=interpreters}}\n\n{{#lab io-wait}}\n";
        let out = expand(md, "ch").unwrap();
        assert!(out.contains(r#"id="lab-ch-1""#));
        assert!(out.contains(r#"id="lab-ch-interpreters""#));
        assert!(out.contains(r#"id="lab-ch-2" data-lab="io-wait""#), "{out}");
        let err = expand("{{#lab gil-cpu id=a}}\n{{#lab io-wait id=a}}\n", "c").unwrap_err();
        assert!(err.starts_with("line 2:") && err.contains("twice"), "{err}");
        for bad in ["id=7", "id=A", "id=a_b", "id=<x>", "id="] {
            let err = expand(&format!("{{{{#lab gil-cpu {bad}}}}}"), "c").unwrap_err();
            assert!(err.contains("id must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn without_javascript_a_widget_says_so_and_promises_no_run() {
        let out = expand("{{#lab gil-cpu}}", "c").unwrap();
        assert!(out.contains("<noscript>") && out.contains("needs JavaScript"));
        let status = &out[out.find("lab-status").unwrap()..];
        let status = &status[..status.find("</p>").unwrap()];
        assert!(!status.contains("Press Run"), "{status}");
    }

    #[test]
    fn a_marked_listing_stays_a_code_block_and_gets_a_runnable_widget() {
        let md = "Text\n\n{{#lab python id=hello}}\n```python\nprint(\"<hi>\")\n\nprint(1)\n```\n\n```python\nnot marked(\n```\n";
        let out = expand(md, "ch").unwrap();
        assert!(
            out.contains("```python\nprint(\"<hi>\")\n\nprint(1)\n```\n"),
            "{out}"
        );
        assert_eq!(out.matches("class=\"lab-widget").count(), 1, "{out}");
        let w = &out[out.find("<div").unwrap()..];
        let w = &w[..w.find("</div></div>").unwrap()];
        for needle in [
            r#"id="lab-ch-hello""#,
            r#"data-lab="python""#,
            r#"data-state="idle""#,
            r#"data-action="run""#,
            r#"data-action="stop""#,
            r#"data-source="print(&quot;&lt;hi&gt;&quot;)&#10;&#10;print(1)&#10;""#,
        ] {
            assert!(w.contains(needle), "missing {needle} in {w}");
        }
        // One HTML block: no blank line inside the widget.
        assert!(!w.trim().contains("\n\n"), "{w}");
    }

    #[test]
    fn a_listing_has_settings_each_with_its_label_and_the_defaults_chosen() {
        let out = expand("{{#lab python id=s}}\n```python\npass\n```\n", "ch").unwrap();
        assert!(out.contains(r#"<details class="lab-settings"><summary>Settings</summary>"#));
        for (name, label, default) in [
            ("gil", "interpreter", "on"),
            ("switch", "switch interval", "5"),
            ("start", "processes start by", "spawn"),
        ] {
            assert!(
                out.contains(&format!(
                    r#"<label for="lab-ch-s-{name}">{label}</label><select id="lab-ch-s-{name}" name="{name}">"#
                )),
                "{name}: {out}"
            );
            let select = &out[out.find(&format!(r#"name="{name}""#)).unwrap()..];
            let select = &select[..select.find("</select>").unwrap()];
            assert_eq!(select.matches(" selected").count(), 1, "{select}");
            assert!(
                select.contains(&format!(r#"value="{default}" selected"#)),
                "{select}"
            );
        }
        for method in lab_python::START_METHODS {
            assert!(out.contains(&format!(r#"<option value="{method}""#)));
        }
    }

    #[test]
    fn a_listing_carries_its_compiled_code() {
        let md = "{{#lab python id=hello}}\n```python\nprint('hi')\n```\n";
        let out = expand(md, "ch").unwrap();
        let start = out.find("data-code=\"").unwrap() + "data-code=\"".len();
        let encoded = &out[start..start + out[start..].find('"').unwrap()];
        let want = lab_python::compile_to_bytes("print('hi')\n", "listing.py").unwrap();
        assert_eq!(encoded, base64(&want));
        assert!(lab_python::load_bytes(&want).is_ok());
    }

    #[test]
    fn base64_pads_like_the_standard() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn a_listing_that_does_not_compile_fails_the_build_with_its_line() {
        let md = "# T\n\n{{#lab python id=bad}}\n```python\nx = 1\nprint(x +)\n```\n";
        let err = expand(md, "ch").unwrap_err();
        assert!(
            err.starts_with("line 6:") && err.contains("does not compile"),
            "{err}"
        );
        let err = expand("{{#lab python id=a}}\n\nText\n", "ch").unwrap_err();
        assert!(
            err.starts_with("line 1:") && err.contains("```python"),
            "{err}"
        );
        let err = expand("{{#lab python}}\n```python\npass\n```\n", "ch").unwrap_err();
        assert!(err.contains("id=NAME"), "{err}");
        let err = expand(
            "{{#lab python id=a}}\n```python\npass\n```\n{{#lab gil-cpu id=a}}\n",
            "ch",
        )
        .unwrap_err();
        assert!(err.starts_with("line 5:") && err.contains("twice"), "{err}");
    }

    #[test]
    fn a_read_only_listing_says_why_and_offers_no_run() {
        // It need not compile with the lab's Python: it is never run.
        let md = "{{#lab python id=fetch readonly=\"needs the network\"}}\n```python,norun\nimport httpx\nmatch x:\n    case 1: pass\n```\n";
        let out = expand(md, "ch").unwrap();
        assert!(out.contains("```python,norun\nimport httpx\n"), "{out}");
        let note = &out[out.find("<div").unwrap()..];
        assert!(
            note.contains(r#"id="lab-ch-fetch""#)
                && note.contains(r#"data-readonly="needs the network""#)
                && note.contains("this listing needs the network."),
            "{note}"
        );
        assert!(
            !note.contains("data-action") && !note.contains("lab-widget"),
            "{note}"
        );
        assert!(!note.trim().contains("\n\n"), "{note}");
        // Either order of the options.
        let out = expand(
            "{{#lab python readonly=\"needs NumPy, a package\" id=np}}\n```python\npass\n```\n",
            "ch",
        )
        .unwrap();
        assert!(out.contains(r#"id="lab-ch-np" data-readonly="needs NumPy, a package""#));
    }

    #[test]
    fn a_bad_listing_option_fails_the_build() {
        for (bad, says) in [
            ("readonly=needs", "only id=NAME"),
            ("readonly=\"needs the network", "closing quote"),
            ("readonly=\"\"", "short reason"),
            ("readonly=\"<b>\"", "plain words"),
            ("run=no", "only id=NAME"),
        ] {
            let md = format!("x\n{{{{#lab python id=a {bad}}}}}\n```python\npass\n```\n");
            let err = expand(&md, "ch").unwrap_err();
            assert!(
                err.starts_with("line 2:") && err.contains(says),
                "{bad}: {err}"
            );
        }
        let err = expand(
            "{{#lab python readonly=\"why\"}}\n```python\npass\n```\n",
            "ch",
        )
        .unwrap_err();
        assert!(err.contains("id=NAME"), "{err}");
    }

    #[test]
    fn slugs_are_id_safe() {
        assert_eq!(slug("01 What/is the GIL?"), "01-what-is-the-gil");
    }

    #[test]
    fn sweeps_and_the_counter_get_their_own_predictions() {
        let out = expand("{{#lab scaling threads=3}}", "c").unwrap();
        assert!(
            out.contains("lab-speedup") && out.contains("Amdahl"),
            "{out}"
        );
        let out = expand("{{#lab io-sweep}}", "c").unwrap();
        assert!(out.contains("lab-line") && !out.contains("name=\"io_fraction\""));
        let out = expand("{{#lab counter threads=4 increments=1000}}", "c").unwrap();
        assert!(out.contains("4,000") && out.contains("name=\"increments\""));
    }

    #[test]
    fn runs_that_time_models_take_a_guess_and_say_what_each_model_is() {
        let out = expand("{{#lab gil-cpu models=sequential,gil-threads}}", "c").unwrap();
        assert!(out.contains(r#"data-lab="gil-cpu" data-predict"#), "{out}");
        assert!(out.contains(r#"value="sequential" checked"#));
        assert!(out.contains(
            r#"value="gil-threads" data-needs-threads data-parallel data-one-lock checked"#
        ));
        assert!(out.contains(r#"value="free-threads" data-needs-threads data-parallel>"#));
        assert!(out.contains(r#"value="processes" data-parallel data-startup="process">"#));
        for other in ["scaling", "io-sweep", "compare", "counter"] {
            let out = expand(&format!("{{{{#lab {other}}}}}"), "c").unwrap();
            assert!(!out.contains("data-predict"), "{other}");
        }
    }

    #[test]
    fn a_convoy_shows_the_time_of_one_request_and_takes_no_speedup_guess() {
        let out = expand("{{#lab convoy}}", "c").unwrap();
        assert!(!out.contains("data-predict"), "{out}");
        assert!(
            out.contains("per request") && out.contains("one request (mean)"),
            "{out}"
        );
        for name in ["tasks", "threads", "n", "wait_ms", "switch_ms"] {
            assert!(out.contains(&format!(r#"name="{name}""#)), "{name}");
        }
    }

    #[test]
    fn a_known_view_is_named_and_an_unknown_one_refused() {
        let out = expand("{{#lab io-wait models=asyncio view=event-loop}}", "c").unwrap();
        assert!(out.contains("data-view=\"event-loop\""));
        assert!(
            expand("{{#lab io-wait view=<script>}}", "c")
                .unwrap_err()
                .contains("view must be")
        );
    }

    #[test]
    fn models_can_be_chosen_except_where_the_experiment_fixes_them() {
        let out = expand("{{#lab gil-cpu models=sequential,processes}}", "c").unwrap();
        assert!(out.contains(r#"value="processes" data-parallel data-startup="process" checked"#));
        assert!(out.contains(r#"value="asyncio">"#));
        let out = expand("{{#lab scaling}}", "c").unwrap();
        assert!(!out.contains("lab-models"));
        // The page learns from the markup which models need shared memory.
        let out = expand("{{#lab gil-cpu models=sequential,interpreters}}", "c").unwrap();
        assert!(out.contains(
            r#"value="interpreters" data-needs-threads data-parallel data-startup="interpreter" checked"#
        ));
        assert!(out.contains(r#"value="asyncio">"#));
        assert!(out.contains(r#"name="threads""#));
        assert!(
            !out.contains(r#"name="switch_ms""#),
            "each interpreter has its own lock: no switch interval to set"
        );
    }

    #[test]
    fn the_standalone_page_gets_the_listing_widget_of_its_program() {
        let page = "<p>Lab</p>\n<pre><code class=\"language-python\">if 1 &lt; 2:\n    print(&quot;a &amp; b&quot;)\n</code></pre>\n<!-- lab:widget -->\n</main>";
        let out = standalone_page(page).unwrap();
        assert!(!out.contains("lab:widget"), "{out}");
        assert!(
            out.contains(r#"id="lab-python" data-lab="python" data-standalone"#),
            "{out}"
        );
        // The program, read back from its HTML, is what the widget runs.
        assert!(
            out.contains(r#"data-source="if 1 &lt; 2:&#10;    print(&quot;a &amp; b&quot;)&#10;""#),
            "{out}"
        );
        assert!(out.contains(r#"<details class="lab-settings">"#), "{out}");
        assert!(
            !out.contains(r#"data-action="embed""#) && !out.contains("lab-anchor"),
            "{out}"
        );
        let broken = page.replace("print(", "print((");
        assert!(
            standalone_page(&broken)
                .unwrap_err()
                .contains("does not compile")
        );
        assert!(
            standalone_page("<pre><code class=\"language-python\">pass\n</code></pre>").is_err()
        );
    }
}
