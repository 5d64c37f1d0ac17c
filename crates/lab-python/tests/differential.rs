//! Differential and robustness tests: every program of `tests/programs` runs under the newest
//! CPython on the machine and under `labpy`; stdout, the last line of stderr and the exit
//! status must agree. Plus the GIL's invariants (in-process) and bad input.

mod common;

use lab_python::gil::Gil;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn labpy() -> &'static str {
    env!("CARGO_BIN_EXE_labpy")
}

/// The newest CPython 3.13 or later under pyenv if present, else `python3`.
fn cpython() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let versions = Path::new(&home).join(".pyenv/versions");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&versions)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("3.13"))
        })
        .map(|p| p.join("bin/python3"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| PathBuf::from("python3"))
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .last()
        .unwrap_or("")
        .to_string()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run interpreter")
}

/// The (major, minor) version of a Python interpreter.
fn version_of(py: &Path) -> Option<(u32, u32)> {
    let out = Command::new(py)
        .args([
            "-c",
            "import sys; print(sys.version_info[0], sys.version_info[1])",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace().map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

#[test]
fn corpus_matches_cpython() {
    let py = cpython();
    // The corpus follows 3.13's behaviour (3.12 changed float `sum`, for one): against an
    // older CPython the comparison would report differences that are not bugs.
    match version_of(&py) {
        Some(v) if v >= (3, 13) => {}
        found => {
            eprintln!(
                "corpus comparison skipped: needs CPython 3.13 or later, found {found:?} at {}",
                py.display()
            );
            return;
        }
    }
    let progs = common::programs();
    assert!(progs.len() >= 30, "corpus has {} programs", progs.len());
    let mut failures = Vec::new();
    for p in &progs {
        // Programs for modules CPython 3.13 lacks (`concurrent.interpreters`, 3.14) are
        // checked against an expected stdout instead (`expected_outputs_match`).
        if p.with_extension("expected").exists() {
            continue;
        }
        // A program whose output depends on timing (which of two sleeps ends first) can
        // differ on a machine busy enough to reorder them, in either interpreter: a
        // difference counts only when it repeats. A bug differs every time.
        let mut why = Vec::new();
        for _attempt in 0..3 {
            why = differences(&py, p);
            if why.is_empty() {
                break;
            }
        }
        if !why.is_empty() {
            failures.push(format!("{}: {}", p.display(), why.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// How `labpy` and CPython differ on one program: stdout, the last line of stderr (the
/// exception), the exit status.
fn differences(py: &Path, p: &Path) -> Vec<String> {
    let want = run(Command::new(py).arg(p));
    let got = run(Command::new(labpy()).arg(p));
    let mut why = Vec::new();
    if want.stdout != got.stdout {
        why.push(format!(
            "stdout\n--- cpython\n{}\n--- labpy\n{}",
            String::from_utf8_lossy(&want.stdout),
            String::from_utf8_lossy(&got.stdout)
        ));
    }
    if last_line(&want.stderr) != last_line(&got.stderr) {
        why.push(format!(
            "stderr: cpython {:?}, labpy {:?}",
            last_line(&want.stderr),
            last_line(&got.stderr)
        ));
    }
    if want.status.code() != got.status.code() {
        why.push(format!(
            "status: cpython {:?}, labpy {:?}",
            want.status.code(),
            got.status.code()
        ));
    }
    why
}

#[test]
fn expected_outputs_match() {
    // Python 3.14 programs: labpy's stdout must equal NAME.expected (written from the 3.14
    // documentation's semantics), and the run must succeed.
    let progs: Vec<PathBuf> = common::programs()
        .into_iter()
        .filter(|p| p.with_extension("expected").exists())
        .collect();
    assert!(!progs.is_empty(), "no programs with expected output");
    let mut failures = Vec::new();
    for p in &progs {
        let want = std::fs::read_to_string(p.with_extension("expected")).expect("expected");
        let got = run(Command::new(labpy()).arg(p));
        if got.stdout != want.as_bytes() || got.status.code() != Some(0) {
            failures.push(format!(
                "{}: status {:?}\n--- expected\n{want}\n--- labpy\n{}\n{}",
                p.display(),
                got.status.code(),
                String::from_utf8_lossy(&got.stdout),
                String::from_utf8_lossy(&got.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn run_source(src: &str, args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("labpy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let name = format!("t{:x}.py", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        src.hash(&mut h);
        args.hash(&mut h);
        h.finish()
    });
    let path = dir.join(name);
    std::fs::write(&path, src).expect("write program");
    run(Command::new(labpy()).args(args).arg(&path))
}

#[test]
fn syntax_error_reads_like_cpython() {
    let out = run_source("x = 1\nif x\n    print(x)\n", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(", line 2\n"), "{err}");
    assert!(err.contains("    if x\n"), "{err}");
    assert!(last_line(&out.stderr).starts_with("SyntaxError: "), "{err}");
}

#[test]
fn unsupported_construct_is_named_with_its_line() {
    let out = run_source(
        "def g():\n    yield 1\n\ndef f():\n    yield from g()\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_line(&out.stderr),
        "NotImplementedError: the lab's Python does not support `yield from` (line 5)"
    );
}

#[test]
fn infinite_recursion_is_a_recursion_error() {
    let out = run_source("def f(n):\n    return f(n + 1)\nf(0)\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_line(&out.stderr),
        "RecursionError: maximum recursion depth exceeded"
    );
}

#[test]
fn huge_allocation_is_a_memory_error() {
    let out = run_source("x = [0] * (10 ** 12)\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(last_line(&out.stderr), "MemoryError");
}

#[test]
fn a_hundred_thousand_lines() {
    let out = run_source("for i in range(100000):\n    print(i)\n", &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 100_000);
    assert_eq!(lines[99_999], "99999");
}

const COUNTER: &str = "
import threading
counter = 0
def work():
    global counter
    for _ in range(200000):
        counter += 1
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(counter)
";

#[test]
fn counter_loop_loses_nothing_under_the_gil() {
    let out = run_source(COUNTER, &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "800000");
}

#[test]
fn read_sleep_write_loses_updates() {
    let src = "
import threading, time
counter = 0
go = threading.Event()
def work():
    global counter
    go.wait()
    for _ in range(500):
        v = counter
        time.sleep(0)
        counter = v + 1
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
go.set()
for t in ts: t.join()
print(counter)
";
    let out = run_source(src, &[]);
    let n: i64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a number");
    // Every thread starts its loop at once (the event), so the read-sleep-write windows
    // overlap and updates are lost (CPython typically ends near 500 of 2000).
    assert!((1..2000).contains(&n), "{n}");
}

#[test]
fn free_threaded_mode_has_no_gil() {
    let out = run_source(
        "import sys\nprint(sys._is_gil_enabled())\n",
        &["--free-threaded"],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "False");
    let out = run_source("import sys\nprint(sys._is_gil_enabled())\n", &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True");
}

#[test]
fn free_threaded_containers_stay_consistent() {
    // Without a GIL, four threads append to one list: every append must land.
    let src = "
import threading
items = []
def work():
    for i in range(20000):
        items.append(i)
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(len(items))
";
    let out = run_source(src, &["--free-threaded"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "80000");
}

// The GIL's invariant, in-process: with the GIL at most one thread runs bytecode at a time.

fn hammer(gil: Arc<Gil>, threads: u64) -> u64 {
    let inside = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..threads)
        .map(|id| {
            let (gil, inside, peak) = (gil.clone(), inside.clone(), peak.clone());
            std::thread::spawn(move || {
                gil.acquire(id + 1);
                for i in 0..20_000u64 {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::hint::black_box(i);
                    inside.fetch_sub(1, Ordering::SeqCst);
                    // The eval breaker, as on a backward jump.
                    if gil.should_yield() || i % 1000 == 0 {
                        gil.yield_now(id + 1);
                    }
                }
                gil.release();
            })
        })
        .collect();
    for h in hs {
        h.join().expect("thread");
    }
    peak.load(Ordering::SeqCst)
}

#[test]
fn one_thread_runs_at_a_time_under_the_gil() {
    let gil = Arc::new(Gil::new(true));
    gil.set_interval(0.0001);
    assert_eq!(hammer(gil.clone(), 8), 1);
    assert_eq!(gil.max_running(), 1);
}

#[test]
fn free_threaded_threads_run_together() {
    // Two threads each take the (disabled) GIL and wait for the other while holding it:
    // this can only finish if neither blocks the other.
    let gil = Arc::new(Gil::new(false));
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let hs: Vec<_> = (0..2u64)
        .map(|id| {
            let (gil, barrier) = (gil.clone(), barrier.clone());
            std::thread::spawn(move || {
                gil.acquire(id + 1);
                barrier.wait();
                gil.release();
            })
        })
        .collect();
    for h in hs {
        h.join().expect("thread");
    }
    assert_eq!(gil.max_running(), 2);
}

/// A host that keeps the output in memory: the interpreter runs in-process, through the
/// same `Host` trait a Web Worker host will implement.
struct Capture {
    out: std::sync::Mutex<String>,
    err: std::sync::Mutex<String>,
    std: lab_python::host::StdHost,
}

impl lab_python::host::Host for Capture {
    fn monotonic(&self) -> f64 {
        self.std.monotonic()
    }
    fn time(&self) -> f64 {
        self.std.time()
    }
    fn sleep(&self, secs: f64) {
        self.std.sleep(secs)
    }
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), String> {
        self.std.spawn(f)
    }
    fn stdout(&self, s: &str) {
        self.out.lock().expect("out").push_str(s);
    }
    fn stderr(&self, s: &str) {
        self.err.lock().expect("err").push_str(s);
    }
    fn flush(&self) {}
}

fn run_in_process(src: &str, free_threaded: bool) -> (i32, String, String) {
    let host = Arc::new(Capture {
        out: Default::default(),
        err: Default::default(),
        std: lab_python::host::StdHost::new(),
    });
    let opts = lab_python::Options {
        free_threaded,
        ..Default::default()
    };
    let status = lab_python::run_source(host.clone(), "prog.py", src, &opts);
    let out = host.out.lock().expect("out").clone();
    let err = host.err.lock().expect("err").clone();
    (status, out, err)
}

#[test]
fn runs_in_process_through_the_host_trait() {
    let (status, out, err) = run_in_process("print('hi', 6 * 7)\nraise ValueError('no')\n", false);
    assert_eq!(status, 1);
    assert_eq!(out, "hi 42\n");
    assert!(
        err.starts_with("Traceback (most recent call last):\n"),
        "{err}"
    );
    assert!(
        err.contains("  File \"prog.py\", line 2, in <module>\n"),
        "{err}"
    );
    assert!(err.ends_with("ValueError: no\n"), "{err}");
}

#[test]
fn many_threads_share_containers_without_a_gil() {
    // 16 threads mutate one list, one dict and one set at once, free-threaded: every
    // operation must land, and nothing may crash.
    let src = "
import threading
items, table, seen = [], {}, set()
def work(k):
    for i in range(2000):
        items.append(i)
        table[(k, i)] = i
        seen.add(k * 10000 + i)
        if i % 3 == 0:
            items.pop()
ts = [threading.Thread(target=work, args=(k,)) for k in range(16)]
for t in ts: t.start()
for t in ts: t.join()
print(len(items), len(table), len(seen))
";
    let (status, out, err) = run_in_process(src, true);
    assert_eq!(status, 0, "{err}");
    // Each thread appends 2000 and pops 667.
    assert_eq!(out.trim(), format!("{} 32000 32000", 16 * (2000 - 667)));
}

#[test]
fn errors_found_while_compiling_are_syntax_errors() {
    for (src, want) in [
        ("return 5\n", "SyntaxError: 'return' outside function"),
        ("x = 1\nbreak\n", "SyntaxError: 'break' outside loop"),
        (
            "def f():\n    nonlocal q\n    q = 1\n",
            "SyntaxError: no binding for nonlocal 'q' found",
        ),
    ] {
        let out = run_source(src, &[]);
        assert_eq!(out.status.code(), Some(1), "{src}");
        assert_eq!(last_line(&out.stderr), want, "{src}");
    }
}

/// Run with a deadline; `None` if it had to be killed.
fn run_with_deadline(cmd: &mut Command, secs: u64) -> Option<std::process::ExitStatus> {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn labpy");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn corpus_finishes_free_threaded() {
    // Without a GIL the threads really overlap: every program must still end (no hang, no
    // crash) with the exit status it has under the GIL. The deadline is generous (a slow
    // machine is not a failure); only a hang reaches it.
    let mut failures = Vec::new();
    for p in common::programs() {
        let with_gil = run(Command::new(labpy()).arg(&p)).status.code();
        match run_with_deadline(Command::new(labpy()).arg("--free-threaded").arg(&p), 120) {
            Some(s) if s.code() == with_gil => {}
            other => failures.push(format!(
                "{}: {other:?} (with the GIL: {with_gil:?})",
                p.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
