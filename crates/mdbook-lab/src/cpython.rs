//! CPython's recorded runs of the book's listings (`book/cpython-output.json`, written by
//! `scripts/record-cpython`): each listing's widget carries its record, which the page
//! shows beside the lab's output, when it was recorded from the listing as it is now.
//!
//! # File shape
//!
//! ```json
//! {"listings": {"lab-synchronisation-bank": {
//!     "sha256": "…",            // of the listing's source, as the widget has it
//!     "stdout": "…", "exit_code": 0,
//!     "python": "3.13.0", "cpu": "…", "cores": 2, "date": "2026-12-07"}}}
//! ```

use lab::chart::escape;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The file, beside the book's `book.toml`.
pub(crate) const FILE: &str = "cpython-output.json";

/// Records by widget id.
pub(crate) type Records = HashMap<String, serde_json::Value>;

/// The hex SHA-256 of a listing's source.
pub(crate) fn source_hash(source: &str) -> String {
    Sha256::digest(source.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The records of the book at `root` (none when it has no file).
///
/// # Errors
/// A file that cannot be read or is not of the shape above.
pub(crate) fn load(root: &Path) -> Result<Records, String> {
    let path = root.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Records::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    match value.get("listings") {
        Some(serde_json::Value::Object(m)) => {
            Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        _ => Err(format!("{}: no \"listings\" object", path.display())),
    }
}

/// Whether `record` was made from `source`.
pub(crate) fn is_current(record: &serde_json::Value, source: &str) -> bool {
    record.get("sha256").and_then(|h| h.as_str()) == Some(source_hash(source).as_str())
}

/// The widget's `data-cpython` attribute: the record without its hash, or nothing when
/// there is none or it was made from another version of the listing.
pub(crate) fn widget_attr(record: Option<&serde_json::Value>, source: &str) -> String {
    let Some(record) = record.filter(|r| is_current(r, source)) else {
        return String::new();
    };
    let mut shown = record.clone();
    if let Some(m) = shown.as_object_mut() {
        m.remove("sha256");
    }
    format!(
        r#" data-cpython="{}""#,
        escape(&shown.to_string()).replace('\n', "&#10;")
    )
}

/// Every runnable listing of the chapters under `src` (each `.md` file, in path order):
/// its widget id and source.
///
/// # Errors
/// A chapter that cannot be read or whose directives are wrong.
pub(crate) fn listings(src: &Path) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let rel = path.strip_prefix(src).unwrap_or(&path).with_extension("");
        let slug = crate::widget::slug(&rel.to_string_lossy());
        crate::widget::expand_with(&text, &slug, &Records::new(), &mut found)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_goes_into_its_widget_only_while_the_listing_is_unchanged() {
        let md = "{{#lab python id=hi}}\n```python\nprint(1)\n```\n";
        let record = serde_json::json!({
            "sha256": source_hash("print(1)\n"),
            "stdout": "1\n", "exit_code": 0, "python": "3.13.0",
            "cpu": "a <fast> one", "cores": 2, "date": "2026-12-07",
        });
        let records: Records = [("lab-ch-hi".to_string(), record)].into();
        let mut found = Vec::new();
        let html = crate::widget::expand_with(md, "ch", &records, &mut found).expect("expands");
        assert_eq!(found, [("lab-ch-hi".to_string(), "print(1)\n".to_string())]);
        assert!(html.contains(r#"data-cpython="{"#), "{html}");
        assert!(
            html.contains("&quot;stdout&quot;:&quot;1\\n&quot;"),
            "{html}"
        );
        assert!(html.contains("a &lt;fast&gt; one"));
        assert!(!html.contains("sha256"));
        // Changed since it was recorded: no record shown.
        let changed = md.replace("print(1)", "print(2)");
        let html =
            crate::widget::expand_with(&changed, "ch", &records, &mut Vec::new()).expect("expands");
        assert!(!html.contains("data-cpython"));
    }

    /// The book's listings each have a record of CPython's run, made from their current
    /// source: after changing or adding one, run `scripts/record-cpython`.
    #[test]
    fn every_listing_of_the_book_has_a_current_cpython_record() {
        let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book");
        let records = load(&book).expect("the records load");
        let listings = listings(&book.join("src")).expect("the chapters read");
        assert!(!listings.is_empty());
        for (id, source) in &listings {
            let record = records.get(id).unwrap_or_else(|| {
                panic!("{id} has no record in book/{FILE}: run scripts/record-cpython")
            });
            assert!(
                is_current(record, source),
                "{id} changed since CPython's run was recorded: run scripts/record-cpython"
            );
            for field in ["stdout", "exit_code", "python", "cpu", "cores", "date"] {
                assert!(record.get(field).is_some(), "{id}: no {field}");
            }
        }
    }
}
