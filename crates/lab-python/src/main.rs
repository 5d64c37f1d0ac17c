//! `labpy [--free-threaded] FILE.py`: run a program with the lab's Python.

use lab_python::host::{StdHost, THREAD_STACK};
use lab_python::{Options, run_source};
use std::sync::Arc;

fn main() {
    let mut opts = Options::default();
    let mut file = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--free-threaded" => opts.free_threaded = true,
            "-h" | "--help" => {
                println!("usage: labpy [--free-threaded] FILE.py");
                return;
            }
            _ if file.is_none() => file = Some(a),
            _ => {
                eprintln!("labpy: unexpected argument {a}");
                std::process::exit(2);
            }
        }
    }
    let Some(file) = file else {
        eprintln!("usage: labpy [--free-threaded] FILE.py");
        std::process::exit(2);
    };
    let source = match std::fs::read_to_string(&file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("labpy: can't open file '{file}': {e}");
            std::process::exit(2);
        }
    };
    // Deep Python recursion runs on the Rust stack: run on a thread with a big one.
    let runner = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || run_source(Arc::new(StdHost::new()), &file, &source, &opts));
    let status = match runner.map(|h| h.join()) {
        Ok(Ok(s)) => s,
        _ => 70,
    };
    std::process::exit(status);
}
