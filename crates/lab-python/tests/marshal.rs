//! Compiled code as bytes (`lab_python::marshal`): every program of `tests/programs`,
//! compiled to bytes and loaded back, prints exactly what running its source prints (each
//! run a `labpy` process of its own: interpreter ids and the like count per process); bad
//! bytes are refused with an error.

mod common;

use lab_python::capture::{CaptureHost, DEFAULT_LIMIT};
use lab_python::host::{StdHost, THREAD_STACK};
use lab_python::marshal::{LoadError, VERSION};
use lab_python::{Options, RunOutcome, compile_to_bytes, load_bytes, run, run_code};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// stdout, stderr and the exit status of one run in this process, from source or bytes.
fn outcome(file: &str, source: &str, bytes: Option<Vec<u8>>) -> (String, String, i32) {
    let file = file.to_owned();
    let source = source.to_owned();
    std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            let host = Arc::new(CaptureHost::new(Arc::new(StdHost::new()), DEFAULT_LIMIT));
            let stop = Arc::new(AtomicBool::new(false));
            let opts = Options::default();
            let RunOutcome { exit_code, .. } = match bytes {
                Some(b) => {
                    let code = load_bytes(&b).expect("the bytes load");
                    run_code(host.clone(), &file, &source, code, &opts, stop)
                }
                None => run(host.clone(), &file, &source, &opts, stop),
            };
            (host.take_stdout().text, host.take_stderr().text, exit_code)
        })
        .expect("thread")
        .join()
        .expect("run")
}

#[test]
fn every_program_runs_the_same_from_bytes() {
    let progs = common::programs();
    assert!(progs.len() >= 30, "corpus has {} programs", progs.len());
    let mut failures = Vec::new();
    for p in &progs {
        let source = std::fs::read_to_string(p).expect("program");
        let file = p.display().to_string();
        let bytes = compile_to_bytes(&source, &file).expect("the corpus compiles");
        // Loading loses nothing: the loaded code encodes to the same bytes.
        let again = lab_python::marshal::dump(&load_bytes(&bytes).expect("loads"));
        if again != bytes {
            failures.push(format!("{file}: bytes differ after a round trip"));
            continue;
        }
        // A program whose output depends on timing may differ between two runs on a busy
        // machine: a difference counts only when it repeats.
        let labpy = |args: &[&str]| {
            let o = Command::new(env!("CARGO_BIN_EXE_labpy"))
                .args(args)
                .arg(p)
                .output()
                .expect("run labpy");
            (o.stdout, o.stderr, o.status.code())
        };
        let mut last = None;
        for _ in 0..3 {
            let want = labpy(&[]);
            let got = labpy(&["--compiled"]);
            if want == got {
                last = None;
                break;
            }
            last = Some((want, got));
        }
        if let Some((want, got)) = last {
            let text = |(out, err, status): (Vec<u8>, Vec<u8>, Option<i32>)| {
                format!(
                    "{}{}(status {status:?})",
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&err)
                )
            };
            failures.push(format!(
                "{file}:\n--- from source\n{}\n--- from bytes\n{}",
                text(want),
                text(got)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_traceback_from_bytes_shows_the_source_line() {
    let source = "def f():\n    return 1 / 0\n\nf()\n";
    let bytes = compile_to_bytes(source, "main.py").unwrap();
    let (out, err, status) = outcome("main.py", source, Some(bytes));
    assert_eq!((out.as_str(), status), ("", 1));
    assert!(
        err.contains("  File \"main.py\", line 2, in f\n    return 1 / 0\n"),
        "{err}"
    );
    assert!(
        err.ends_with("ZeroDivisionError: division by zero\n"),
        "{err}"
    );
}

#[test]
fn a_spawned_process_runs_the_main_module_from_its_code() {
    // Without a source to parse again, the child must reuse the compiled main module.
    let source = "import multiprocessing as mp\n\ndef work(q):\n    q.put(21 * 2)\n\nif __name__ == '__main__':\n    mp.set_start_method('spawn')\n    q = mp.Queue()\n    p = mp.Process(target=work, args=(q,))\n    p.start()\n    print(q.get())\n    p.join()\n";
    let bytes = compile_to_bytes(source, "main.py").unwrap();
    let got = outcome("main.py", "", Some(bytes));
    assert_eq!(got, ("42\n".to_owned(), String::new(), 0));
}

#[test]
fn bad_bytes_are_refused_with_a_reason() {
    let bytes = compile_to_bytes("x = [1, 2.5, 'three', 10**30]\nprint(x)\n", "t.py").unwrap();
    assert!(load_bytes(&bytes).is_ok());
    assert_eq!(load_bytes(b"print('hi')").unwrap_err(), LoadError::NotCode);
    let mut other = bytes.clone();
    other[4..6].copy_from_slice(&(VERSION + 1).to_le_bytes());
    let e = load_bytes(&other).unwrap_err();
    assert_eq!(e, LoadError::Version { found: VERSION + 1 });
    assert!(e.to_string().contains("compile the source again"), "{e}");
    // Cut anywhere, or any byte changed: an error, never a panic or wrong code.
    for n in 0..bytes.len() {
        assert!(load_bytes(&bytes[..n]).is_err(), "cut at {n}");
    }
    for i in 10..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x5a;
        let e = load_bytes(&damaged).unwrap_err();
        assert!(matches!(e, LoadError::Corrupt(_)), "byte {i}: {e}");
    }
}
