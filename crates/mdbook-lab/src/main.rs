//! mdBook preprocessor: expands `{{#lab EXPERIMENT key=value ...}}` into a live widget.
//!
//! Run by mdBook as `mdbook-lab` (the book's `book.toml` names it). The widget carries
//! its settings and a predicted chart and table drawn by the same code that draws the
//! measurement in the browser, so print, no-JS readers and tests all see a real chart.

mod widget;

use anyhow::{Context, bail};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::io;
use std::process::ExitCode;

struct Lab;

impl Preprocessor for Lab {
    fn name(&self) -> &str {
        "lab"
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> anyhow::Result<Book> {
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
                |p| format!("src/{}", p.display()),
            );
            match widget::expand(&ch.content, &slug) {
                Ok(content) => ch.content = content,
                Err(e) => error = Some(format!("{place}: {e}")),
            }
        });
        match error {
            Some(e) => bail!(e),
            None => Ok(book),
        }
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        // mdBook asks whether a renderer is supported: every renderer is.
        Some("supports") => ExitCode::SUCCESS,
        Some(other) => {
            eprintln!("mdbook-lab: unknown command {other:?} (mdBook runs this tool itself)");
            ExitCode::from(2)
        }
        None => match run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mdbook-lab: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run() -> anyhow::Result<()> {
    let (ctx, book) =
        mdbook_preprocessor::parse_input(io::stdin()).context("reading the book from mdBook")?;
    let book = Lab.run(&ctx, book)?;
    serde_json::to_writer(io::stdout(), &book).context("writing the book back")?;
    Ok(())
}
