//! mdBook preprocessor: expands `{{#lab EXPERIMENT key=value ...}}` into a live widget.
//!
//! Run by mdBook as `mdbook-lab` (the book's `book.toml` names it). The widget carries
//! its settings and a predicted chart and table drawn by the same code that draws the
//! measurement in the browser, so print, no-JS readers and tests all see a real chart.
//! An author runs it too: `mdbook-lab install` adds what the widgets need to a book, and
//! `mdbook-lab offline` prepares a built site for offline reading.

mod cpython;
mod install;
mod offline;
mod widget;

/// The assets `build.rs` found when this binary was built.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

use anyhow::{Context, bail};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

struct Lab;

impl Preprocessor for Lab {
    fn name(&self) -> &str {
        "lab"
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> anyhow::Result<Book> {
        let src = &ctx.config.book.src;
        if !ctx.root.join(src).join("lab/lab.js").is_file() {
            // The pages would show predictions only; say why rather than fail the build.
            eprintln!(
                "mdbook-lab: warning: {} has no lab/lab.js, so the widgets will not run: run `mdbook-lab install` in the book's folder",
                src.display()
            );
        }
        let records = cpython::load(&ctx.root).map_err(anyhow::Error::msg)?;
        expand_book(&mut book, src, &records).map_err(anyhow::Error::msg)?;
        Ok(book)
    }
}

/// Expands the directives of every chapter of `book`, whose sources are under `src`.
///
/// # Errors
/// The first bad directive or listing that does not compile, named by its chapter's file
/// (under `src`) and line.
fn expand_book(book: &mut Book, src: &Path, records: &cpython::Records) -> Result<(), String> {
    let mut error = None;
    book.for_each_mut(|item| {
        let BookItem::Chapter(ch) = item else { return };
        if error.is_some() {
            return;
        }
        let slug = ch
            .path
            .as_ref()
            .map(|p| widget::slug(&p.with_extension("").to_string_lossy()))
            .unwrap_or_else(|| widget::slug(&ch.name));
        // Errors name the chapter's file (under the book's src/), which is what an
        // author opens; a chapter without one is named by its title.
        let place = ch.source_path.as_ref().or(ch.path.as_ref()).map_or_else(
            || format!("chapter \"{}\"", ch.name),
            |p| src.join(p).display().to_string(),
        );
        match widget::expand_with(&ch.content, &slug, records, &mut Vec::new()) {
            Ok(content) => ch.content = content,
            Err(e) => error = Some(format!("{place}: {e}")),
        }
    });
    error.map_or(Ok(()), Err)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        // mdBook asks whether a renderer is supported: every renderer is.
        Some("supports") => ExitCode::SUCCESS,
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("install") => report(install_command(args.collect())),
        Some("offline") => report(offline_command(args.collect())),
        Some("listings") => report(listings_command(args.collect())),
        Some(other) => {
            eprintln!("mdbook-lab: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => report(run()),
    }
}

const USAGE: &str = "\
usage:
  mdbook-lab install [BOOK_DIR] [--assets DIR]
      adds to the book (default: the current folder) what its widgets need: the
      [preprocessor.lab] entry in book.toml, a block in theme/head.hbs, and the
      widgets' files (lab/ and sw.js) in its source folder. Safe to run again.
      --assets DIR copies the files from DIR (lab/ and sw.js) instead of the ones
      built into this program.
  mdbook-lab offline [BOOK_DIR]
      after `mdbook build`: lists every file of the built site in its service
      worker, which then keeps them all for offline reading.
  mdbook-lab listings [BOOK_DIR]
      prints the book's runnable listings as JSON (id, source and its sha256), for
      scripts/record-cpython.
  mdbook-lab
      (run by mdBook) expands {{#lab EXPERIMENT key=value ...}} directives.
";

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mdbook-lab: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Splits `[BOOK_DIR] [--assets DIR]`.
fn book_and_assets(args: Vec<String>) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let mut book = None;
    let mut assets = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--assets" {
            let dir = args.next().context("--assets needs a folder")?;
            assets = Some(PathBuf::from(dir));
        } else if let Some(dir) = arg.strip_prefix("--assets=") {
            assets = Some(PathBuf::from(dir));
        } else if arg.starts_with('-') || book.is_some() {
            bail!("unexpected argument {arg:?}\n\n{USAGE}");
        } else {
            book = Some(PathBuf::from(arg));
        }
    }
    Ok((book.unwrap_or_else(|| PathBuf::from(".")), assets))
}

fn install_command(args: Vec<String>) -> anyhow::Result<()> {
    let (book, assets) = book_and_assets(args)?;
    let assets = match assets {
        Some(dir) => install::from_dir(&dir)?,
        None => install::embedded(),
    };
    let changed = install::install(&book, &assets)?;
    if changed.is_empty() {
        println!(
            "mdbook-lab: {} already has everything; nothing changed",
            book.display()
        );
    } else {
        println!(
            "mdbook-lab: wrote {} file(s) in {}:",
            changed.len(),
            book.display()
        );
        for f in changed.iter().take(12) {
            println!("  {}", f.display());
        }
        if changed.len() > 12 {
            println!("  ... and {} more", changed.len() - 12);
        }
    }
    Ok(())
}

fn offline_command(args: Vec<String>) -> anyhow::Result<()> {
    let (book, assets) = book_and_assets(args)?;
    if assets.is_some() {
        bail!("offline takes no --assets");
    }
    let site = build_dir(&book)?;
    let n = offline::seal(&site)?;
    println!(
        "mdbook-lab: {}/sw.js keeps {n} files for offline reading",
        site.display()
    );
    Ok(())
}

fn listings_command(args: Vec<String>) -> anyhow::Result<()> {
    let (book, assets) = book_and_assets(args)?;
    if assets.is_some() {
        bail!("listings takes no --assets");
    }
    let found = cpython::listings(&book.join("src")).map_err(anyhow::Error::msg)?;
    let list: Vec<serde_json::Value> = found
        .into_iter()
        .map(|(id, source)| {
            serde_json::json!({"id": id, "sha256": cpython::source_hash(&source), "source": source})
        })
        .collect();
    serde_json::to_writer_pretty(io::stdout(), &list).context("writing the listings")?;
    println!();
    Ok(())
}

/// Where `mdbook build` writes the book at `book` (its `build.build-dir`, or `book`).
fn build_dir(book: &Path) -> anyhow::Result<PathBuf> {
    let path = book.join("book.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let dir = table
        .get("build")
        .and_then(|b| b.get("build-dir"))
        .and_then(|d| d.as_str())
        .unwrap_or("book");
    Ok(book.join(dir))
}

fn run() -> anyhow::Result<()> {
    let (ctx, book) =
        mdbook_preprocessor::parse_input(io::stdin()).context("reading the book from mdBook")?;
    let book = Lab.run(&ctx, book)?;
    serde_json::to_writer(io::stdout(), &book).context("writing the book back")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdbook_preprocessor::book::Chapter;

    #[test]
    fn a_listing_that_does_not_compile_fails_the_build_with_its_file_and_line() {
        let ok = "# A\n\n{{#lab python id=fine}}\n```python\nprint(1)\n```\n";
        let bad = "# B\n\nText.\n\n{{#lab python id=broken}}\n```python\nimport threading\n\ndef f(:\n    pass\n```\n";
        let mut book = Book::new();
        book.push_item(Chapter::new("A", ok.to_owned(), "a.md", vec![]));
        book.push_item(Chapter::new("B", bad.to_owned(), "part/b.md", vec![]));
        let err = expand_book(&mut book, Path::new("src"), &cpython::Records::new()).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "{}: line 9:",
                Path::new("src/part/b.md").display()
            )),
            "{err}"
        );
        assert!(err.contains("does not compile"), "{err}");
        // Without the broken chapter the book builds, with the listing's widget.
        let mut book = Book::new();
        book.push_item(Chapter::new("A", ok.to_owned(), "a.md", vec![]));
        expand_book(&mut book, Path::new("src"), &cpython::Records::new()).unwrap();
        let BookItem::Chapter(ch) = book.iter().next().unwrap() else {
            panic!("not a chapter")
        };
        assert!(
            ch.content.contains(r#"id="lab-a-fine" data-lab="python""#),
            "{}",
            ch.content
        );
    }
}
