//! Embeds the widgets' assets (scripts, styles, both wasm builds, the service worker) so that an installed `mdbook-lab` can copy them into any book.
//!
//! The files come from this repository's `www/`: `src/` (built by nobody), `pkg/` and
//! `pkg-st/`, and `pkg-py/`, `pkg-py-st/` with Python and `pkg-pyc/`, its compiler (built by `scripts/build`), so the plugin and this repository's own book
//! share one source. `MDBOOK_LAB_ASSETS` may name another folder laid out as a book
//! receives it (`lab/...` and `sw.js`). Without the wasm builds the plugin embeds
//! nothing, and `mdbook-lab install` says how to get them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    println!("cargo::rerun-if-env-changed=MDBOOK_LAB_ASSETS");
    // (where the file lives in the book's src/, where it is on this machine)
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if let Some(dir) = std::env::var_os("MDBOOK_LAB_ASSETS") {
        let dir = PathBuf::from(dir);
        println!("cargo::rerun-if-changed={}", dir.display());
        // Only what a book receives, as `mdbook-lab install --assets` takes it.
        walk(&dir.join("lab"), "lab/", &mut files);
        if dir.join("sw.js").is_file() {
            files.push(("sw.js".to_owned(), dir.join("sw.js")));
        }
    } else {
        let www = manifest.join("../../www");
        let built = ["pkg", "pkg-st"]
            .iter()
            .all(|p| www.join(p).join("lab_wasm_bg.wasm").is_file());
        for part in ["src", "pkg", "pkg-st", "pkg-py", "pkg-py-st", "pkg-pyc"] {
            println!("cargo::rerun-if-changed={}", www.join(part).display());
        }
        if built {
            // The listings' editor is generated into www/src by scripts/build (npm + esbuild).
            if !www.join("src/listing/codemirror.js").is_file() {
                println!(
                    "cargo::warning=www/src/listing/codemirror.js is missing: listings will not be editable (run scripts/build)"
                );
            }
            walk(&www.join("src"), "lab/", &mut files);
            walk(&www.join("pkg"), "lab/pkg/", &mut files);
            walk(&www.join("pkg-st"), "lab/pkg-st/", &mut files);
            // The builds with Python, for runnable listings (when scripts/build made them).
            walk(&www.join("pkg-py"), "lab/pkg-py/", &mut files);
            walk(&www.join("pkg-py-st"), "lab/pkg-py-st/", &mut files);
            // The compiler, for listings a reader edits.
            walk(&www.join("pkg-pyc"), "lab/pkg-pyc/", &mut files);
            // The service worker must sit at the book's root to cover the whole book.
            for f in &mut files {
                if f.0 == "lab/sw.js" {
                    f.0 = "sw.js".to_owned();
                }
            }
        }
    }
    files.sort();
    let mut code = String::from(
        "/// Every asset a book needs, as (path under the book's src/, contents).\npub(crate) static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        let path = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    fs::write(out.join("assets.rs"), code).expect("writing assets.rs");
}

/// Collects the files under `dir` (no hidden files, no TypeScript declarations, which
/// only the repository's type check reads), named `prefix` + their relative path.
fn walk(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".d.ts") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, &format!("{prefix}{name}/"), files);
        } else {
            files.push((format!("{prefix}{name}"), path));
        }
    }
}
