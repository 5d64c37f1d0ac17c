//! Compiles the modules written in Python (`src/modules/*.py`) to bytecode at build time,
//! with the crate's own parser and compiler (the same source files, included below), so
//! that a runtime built without the `parser` feature can import them.

// Only the compiling half of these modules is used here.
#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(
    clippy::collapsible_if,
    clippy::new_without_default,
    clippy::len_without_is_empty,
    clippy::only_used_in_recursion
)]

#[path = "src/bytecode.rs"]
mod bytecode;
#[path = "src/compile.rs"]
mod compile;
#[path = "src/marshal.rs"]
mod marshal;
#[path = "src/numlit.rs"]
mod numlit;
#[path = "src/parse.rs"]
mod parse;
#[path = "src/symtable.rs"]
mod symtable;

use std::fmt::Write as _;
use std::path::PathBuf;

/// (module name, file under src/modules/, or None for an empty package).
const MODULES: &[(&str, Option<&str>)] = &[
    ("concurrent", None),
    ("threading", Some("threading.py")),
    ("queue", Some("queue.py")),
    ("concurrent.futures", Some("futures.py")),
    ("asyncio", Some("asyncio.py")),
    ("asyncio.exceptions", Some("asyncio_exceptions.py")),
    ("_asyncgen", Some("asyncgen.py")),
    ("multiprocessing", Some("multiprocessing.py")),
    ("concurrent.interpreters", Some("interpreters.py")),
];

const PACKAGE: &str = "# The `concurrent` package.\n";

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    for f in [
        "bytecode.rs",
        "compile.rs",
        "marshal.rs",
        "numlit.rs",
        "parse.rs",
        "symtable.rs",
    ] {
        println!("cargo::rerun-if-changed=src/{f}");
    }
    let mut table = String::from(
        "/// Modules written in Python: (name, source for tracebacks, compiled code).\n\
         pub(crate) static PY_MODULES: &[(&str, &str, &[u8])] = &[\n",
    );
    for (name, file) in MODULES {
        let (source, source_expr) = match file {
            Some(f) => {
                let path = manifest.join("src/modules").join(f);
                println!("cargo::rerun-if-changed={}", path.display());
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                (
                    text,
                    format!("include_str!({:?})", path.display().to_string()),
                )
            }
            None => (PACKAGE.to_owned(), format!("{PACKAGE:?}")),
        };
        let filename = format!("<lab>/{name}.py");
        let code = parse::compile_source(&source, &filename)
            .unwrap_or_else(|e| panic!("{}", e.report(&filename)));
        let bytes_path = out.join(format!("{name}.lpyc"));
        std::fs::write(&bytes_path, marshal::dump(&code)).expect("writing compiled module");
        let _ = writeln!(
            table,
            "    ({name:?}, {source_expr}, include_bytes!({:?})),",
            bytes_path.display().to_string()
        );
    }
    table.push_str("];\n");
    std::fs::write(out.join("py_modules.rs"), table).expect("writing py_modules.rs");
}
