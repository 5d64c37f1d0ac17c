//! `mdbook-lab install`: adds to a book everything its widgets need.
//!
//! Three things, each written only when it differs, so a second run changes no byte:
//! the `[preprocessor.lab]` entry in `book.toml` (appended to the text, which keeps the
//! author's comments and layout), a marked block in `theme/head.hbs` (the styles, the
//! module script and the service worker's registration), and the assets: `lab/...`
//! and `sw.js` under the book's source folder, which mdBook copies into the site on
//! `build` and on `serve` alike.

use anyhow::{Context, bail};
use std::fs;
use std::path::{Path, PathBuf};

/// The head snippet, between markers that let a later install find and replace it.
const HEAD: &str = include_str!("head.hbs");
const BEGIN: &str = "<!-- mdbook-lab: begin (written by `mdbook-lab install`, which rewrites this block; edit outside it) -->";
const END: &str = "<!-- mdbook-lab: end -->";

/// What `book.toml` gets when it has no `[preprocessor.lab]` yet.
const ENTRY: &str = "\n# Live Concurrency Lab widgets: expands {{#lab ...}} (added by `mdbook-lab install`).\n[preprocessor.lab]\ncommand = \"mdbook-lab\"\n";

/// A file of the assets: its path under the book's source folder, and its bytes.
pub(crate) type Asset = (String, Vec<u8>);

/// Installs into the book at `book`; returns the files it changed, relative to `book`.
///
/// # Errors
/// No `book.toml` there, a `book.toml` that is not TOML or where the entry cannot be
/// added, no assets, or a file that cannot be read or written.
pub(crate) fn install(book: &Path, assets: &[Asset]) -> anyhow::Result<Vec<PathBuf>> {
    if assets.is_empty() {
        bail!(
            "this mdbook-lab has no widget assets to install: it was built before the wasm builds existed. \
             In the Concurrency Lab repository run scripts/build, then `cargo install --path crates/mdbook-lab`, \
             or pass --assets DIR (a folder holding lab/ and sw.js)"
        );
    }
    let mut changed = Vec::new();
    let toml_path = book.join("book.toml");
    let text = fs::read_to_string(&toml_path).with_context(|| {
        format!(
            "reading {} (is {} an mdBook folder?)",
            toml_path.display(),
            book.display()
        )
    })?;
    let (text, src) = with_entry(&text).with_context(|| format!("in {}", toml_path.display()))?;
    write_if_changed(book, Path::new("book.toml"), text.as_bytes(), &mut changed)?;

    let head_path = book.join("theme/head.hbs");
    let head = match fs::read_to_string(&head_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", head_path.display())),
    };
    let head = with_block(&head).with_context(|| format!("in {}", head_path.display()))?;
    write_if_changed(
        book,
        Path::new("theme/head.hbs"),
        head.as_bytes(),
        &mut changed,
    )?;

    for (name, bytes) in assets {
        let bytes = if name == "sw.js" {
            crate::offline::unsealed(bytes)
        } else if name == "lab/python.html" {
            let page = String::from_utf8_lossy(bytes);
            crate::widget::standalone_page(&page)
                .map_err(|e| anyhow::anyhow!("lab/python.html: {e}"))?
                .into_bytes()
        } else {
            bytes.clone()
        };
        write_if_changed(book, &src.join(name), &bytes, &mut changed)?;
    }
    // Files an earlier install wrote and this one does not (a script since renamed) would
    // linger in every build: remove those, and only those, never an author's own files.
    let list_path = src.join(LIST);
    let old = fs::read_to_string(book.join(&list_path)).unwrap_or_default();
    let names: Vec<&str> = assets.iter().map(|(n, _)| n.as_str()).collect();
    for stale in old.lines().filter(|n| !names.contains(n)) {
        let safe = (stale.starts_with("lab/") || stale == "sw.js")
            && !stale.split('/').any(|part| part == ".." || part.is_empty());
        let path = book.join(&src).join(stale);
        if safe && path.is_file() {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            changed.push(src.join(stale));
        }
    }
    let list: String = names.iter().flat_map(|n| [*n, "\n"]).collect();
    write_if_changed(book, &list_path, list.as_bytes(), &mut changed)?;
    Ok(changed)
}

/// The list of the files the last install wrote, under the book's source folder.
const LIST: &str = "lab/.mdbook-lab-files";

/// `book.toml`'s text with the preprocessor's entry (unchanged if it has one: an author's
/// own `command` stays), and the book's source folder.
fn with_entry(text: &str) -> anyhow::Result<(String, PathBuf)> {
    let table: toml::Table = toml::from_str(text).context("book.toml is not valid TOML")?;
    let has_entry = table
        .get("preprocessor")
        .and_then(|p| p.get("lab"))
        .is_some();
    let mut out = text.to_owned();
    if !has_entry {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(ENTRY);
        // An inline `preprocessor = { ... }` table cannot be extended this way.
        toml::from_str::<toml::Table>(&out).context(
            "could not add [preprocessor.lab] (add it yourself: command = \"mdbook-lab\")",
        )?;
    }
    let src = table
        .get("book")
        .and_then(|b| b.get("src"))
        .and_then(|s| s.as_str())
        .unwrap_or("src");
    Ok((out, PathBuf::from(src)))
}

/// `head`'s text with the current snippet in its marked block (added at the end if the
/// file has none).
fn with_block(head: &str) -> anyhow::Result<String> {
    let block = format!("{BEGIN}\n{HEAD}{END}\n");
    match (head.find(BEGIN), head.find(END)) {
        (Some(b), Some(e)) if b < e => {
            let rest = &head[e + END.len()..];
            let rest = rest.strip_prefix('\n').unwrap_or(rest);
            Ok(format!("{}{block}{rest}", &head[..b]))
        }
        (None, None) => {
            let sep = if head.is_empty() || head.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            Ok(format!("{head}{sep}{block}"))
        }
        _ => bail!("the mdbook-lab block's markers are damaged: keep both or delete both"),
    }
}

/// Writes `bytes` to `book/rel` unless the file already holds exactly them.
fn write_if_changed(
    book: &Path,
    rel: &Path,
    bytes: &[u8],
    changed: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let path = book.join(rel);
    if fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    changed.push(rel.to_owned());
    Ok(())
}

/// The assets built into this binary.
pub(crate) fn embedded() -> Vec<Asset> {
    crate::embedded::ASSETS
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect()
}

/// The assets in `dir`, laid out as a book receives them (`lab/...` and `sw.js`).
///
/// # Errors
/// `dir` lacks `lab/lab.js` or `sw.js`, or cannot be read.
pub(crate) fn from_dir(dir: &Path) -> anyhow::Result<Vec<Asset>> {
    for needed in [
        "lab/lab.js",
        "sw.js",
        "lab/pkg/lab_wasm_bg.wasm",
        "lab/pkg-st/lab_wasm_bg.wasm",
    ] {
        if !dir.join(needed).is_file() {
            bail!(
                "{} has no {needed}: not a folder of Concurrency Lab assets",
                dir.display()
            );
        }
    }
    let mut out = Vec::new();
    // Only lab/ and the service worker belong to the widgets (a built site has more).
    collect(&dir.join("lab"), "lab/", &mut out)?;
    let sw =
        fs::read(dir.join("sw.js")).with_context(|| format!("reading {}/sw.js", dir.display()))?;
    out.push(("sw.js".to_owned(), sw));
    out.sort();
    Ok(out)
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<Asset>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".d.ts") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), out)?;
        } else {
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            out.push((format!("{prefix}{name}"), bytes));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mdbook-lab-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn assets() -> Vec<Asset> {
        vec![
            ("lab/lab.js".to_owned(), b"// lab".to_vec()),
            ("sw.js".to_owned(), b"// sw".to_vec()),
        ]
    }

    #[test]
    fn installs_everything_once_and_a_second_run_changes_nothing() {
        let book = temp("twice");
        let toml = "# My course\n[book]\ntitle = \"T\" # keep me\nsrc = \"content\"\n";
        fs::write(book.join("book.toml"), toml).unwrap();
        let mut sealed = assets();
        sealed[1].1 = b"a();\nconst SITE = { version: '1', files: [\"x.html\"] };\n".to_vec();
        let changed = install(&book, &sealed).unwrap();
        assert_eq!(changed.len(), 5, "{changed:?}");
        // A built site's worker lists that site's files: the book gets the placeholder.
        let sw = fs::read_to_string(book.join("content/sw.js")).unwrap();
        assert_eq!(
            sw,
            "a();\nconst SITE = { version: 'dev', files: [], sha256: [] };\n"
        );
        fs::write(book.join("content/sw.js"), "// sw").unwrap();
        let written = fs::read_to_string(book.join("book.toml")).unwrap();
        assert!(
            written.starts_with(toml),
            "the author's text is kept: {written}"
        );
        assert!(written.contains("[preprocessor.lab]\ncommand = \"mdbook-lab\""));
        assert_eq!(
            fs::read(book.join("content/lab/lab.js")).unwrap(),
            b"// lab"
        );
        assert_eq!(fs::read(book.join("content/sw.js")).unwrap(), b"// sw");
        let head = fs::read_to_string(book.join("theme/head.hbs")).unwrap();
        assert!(head.contains("lab/lab.js") && head.starts_with(BEGIN));
        assert_eq!(install(&book, &assets()).unwrap(), Vec::<PathBuf>::new());
        fs::remove_dir_all(&book).unwrap();
    }

    #[test]
    fn an_existing_entry_and_head_are_kept_and_the_block_is_replaced_in_place() {
        let book = temp("existing");
        let toml = "[preprocessor.lab]\ncommand = \"../bin/mdbook-lab\"\n";
        fs::write(book.join("book.toml"), toml).unwrap();
        fs::create_dir_all(book.join("theme")).unwrap();
        let stale = format!("<meta name=a>\n{BEGIN}\nold\n{END}\n<meta name=b>\n");
        fs::write(book.join("theme/head.hbs"), stale).unwrap();
        install(&book, &assets()).unwrap();
        assert_eq!(fs::read_to_string(book.join("book.toml")).unwrap(), toml);
        let head = fs::read_to_string(book.join("theme/head.hbs")).unwrap();
        assert!(
            head.starts_with("<meta name=a>\n")
                && head.ends_with(&format!("{END}\n<meta name=b>\n"))
        );
        assert!(!head.contains("\nold\n") && head.matches(BEGIN).count() == 1);
        fs::remove_dir_all(&book).unwrap();
    }

    #[test]
    fn a_file_the_assets_no_longer_have_is_removed_and_an_authors_own_is_kept() {
        let book = temp("stale");
        fs::write(book.join("book.toml"), "").unwrap();
        let mut more = assets();
        more.push(("lab/old.js".to_owned(), b"// old".to_vec()));
        install(&book, &more).unwrap();
        fs::write(book.join("src/lab/mine.css"), "/* mine */").unwrap();
        let changed = install(&book, &assets()).unwrap();
        assert!(!book.join("src/lab/old.js").exists(), "{changed:?}");
        assert!(changed.contains(&PathBuf::from("src/lab/old.js")));
        assert!(book.join("src/lab/mine.css").exists() && book.join("src/lab/lab.js").exists());
        fs::remove_dir_all(&book).unwrap();
    }

    #[test]
    fn assets_from_a_folder_are_its_lab_files_and_service_worker_only() {
        let dir = temp("from-dir");
        for f in [
            "lab/lab.js",
            "lab/pkg/lab_wasm_bg.wasm",
            "lab/pkg-st/lab_wasm_bg.wasm",
            "sw.js",
            "index.html",
            "css/site.css",
            "lab/x.d.ts",
        ] {
            fs::create_dir_all(dir.join(f).parent().unwrap()).unwrap();
            fs::write(dir.join(f), f).unwrap();
        }
        let names: Vec<String> = from_dir(&dir)
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "lab/lab.js",
                "lab/pkg-st/lab_wasm_bg.wasm",
                "lab/pkg/lab_wasm_bg.wasm",
                "sw.js"
            ]
        );
        fs::remove_file(dir.join("lab/pkg-st/lab_wasm_bg.wasm")).unwrap();
        let err = from_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("lab/pkg-st/lab_wasm_bg.wasm"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_built_plugin_carries_the_listings_editor_and_the_python_lab_page() {
        let names: Vec<String> = embedded().into_iter().map(|(n, _)| n).collect();
        // A plugin built before the wasm builds embeds nothing (and install says so).
        if names.is_empty() {
            return;
        }
        for needed in [
            "lab/python.html",
            "lab/listing/editor.js",
            "lab/listing/link.js",
            "lab/listing/page.js",
            "lab/listing/codemirror.js",
        ] {
            assert!(
                names.iter().any(|n| n == needed),
                "{needed} is not embedded"
            );
        }
        assert!(!names.iter().any(|n| n.ends_with(".d.ts")));
    }

    #[test]
    fn refuses_what_it_cannot_do_safely() {
        let book = temp("refuse");
        assert!(
            install(&book, &assets())
                .unwrap_err()
                .to_string()
                .contains("book.toml")
        );
        fs::write(book.join("book.toml"), "preprocessor = { other = {} }\n").unwrap();
        let err = format!("{:#}", install(&book, &assets()).unwrap_err());
        assert!(err.contains("add it yourself"), "{err}");
        assert!(
            install(&book, &[])
                .unwrap_err()
                .to_string()
                .contains("scripts/build")
        );
        assert!(with_block(&format!("{END}\n{BEGIN}\n")).is_err());
        fs::remove_dir_all(&book).unwrap();
    }
}
