//! `labpy [--free-threaded] [--switch-interval SECONDS] [--start-method METHOD]
//! [--compiled] [--trace FILE.json] FILE.py`: run a program with the lab's Python;
//! `--trace` writes the run's trace (its JSON shape is in `lab_python::trace`);
//! `--compiled` runs it as the book's pages do, from its compiled bytes
//! (`lab_python::marshal`) rather than from the compiler's output directly.

use lab_python::host::{StdHost, THREAD_STACK};
use lab_python::{Options, compile_to_bytes, load_bytes, run, run_code};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

const USAGE: &str = "usage: labpy [--free-threaded] [--switch-interval SECONDS] \
[--start-method spawn|forkserver|fork] [--compiled] [--trace FILE.json] FILE.py";

fn main() {
    let mut opts = Options::default();
    let mut file = None;
    let mut trace = None;
    let mut compiled = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--free-threaded" => opts.free_threaded = true,
            "--switch-interval" => {
                opts.switch_interval = args.next().and_then(|s| s.parse().ok());
                if opts.switch_interval.is_none() {
                    eprintln!("labpy: --switch-interval needs a number of seconds");
                    std::process::exit(2);
                }
            }
            "--start-method" => opts.start_method = args.next(),
            "--compiled" => compiled = true,
            "--trace" => match args.next() {
                Some(t) => trace = Some(t),
                None => {
                    eprintln!("labpy: --trace needs a file name");
                    std::process::exit(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ if file.is_none() => file = Some(a),
            _ => {
                eprintln!("labpy: unexpected argument {a}");
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = opts.check() {
        eprintln!("labpy: {e}");
        std::process::exit(2);
    }
    let Some(file) = file else {
        eprintln!("{USAGE}");
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
        .spawn(move || {
            let stop = Arc::new(AtomicBool::new(false));
            let host = Arc::new(StdHost::new());
            if !compiled {
                return run(host, &file, &source, &opts, stop);
            }
            let code = match compile_to_bytes(&source, &file) {
                Ok(bytes) => load_bytes(&bytes).unwrap_or_else(|e| {
                    eprintln!("labpy: {e}");
                    std::process::exit(70)
                }),
                Err(e) => {
                    eprint!("{}", e.report(&file));
                    std::process::exit(1)
                }
            };
            run_code(host, &file, &source, code, &opts, stop)
        });
    let outcome = match runner.map(|h| h.join()) {
        Ok(Ok(o)) => o,
        _ => std::process::exit(70),
    };
    if let Some(path) = trace
        && let Err(e) = std::fs::write(&path, outcome.trace.to_json())
    {
        eprintln!("labpy: can't write the trace to '{path}': {e}");
        std::process::exit(2);
    }
    std::process::exit(outcome.exit_code);
}
