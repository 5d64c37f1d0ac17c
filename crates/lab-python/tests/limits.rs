//! Limits of a run: output kept in memory is capped (a program printing a million lines
//! keeps the host's memory bounded), and absurd requests are Python exceptions.

use lab_python::capture::CaptureHost;
use lab_python::host::{StdHost, THREAD_STACK};
use lab_python::{Options, run_source};
use std::sync::Arc;

/// Runs `src` for `host` on a thread of its own with a stack of `stack` bytes; its exit
/// status.
fn run_on_thread(host: &Arc<CaptureHost>, stack: usize, src: &'static str) -> i32 {
    let h = host.clone();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || run_source(h, "prog.py", src, &Options::default()))
        .expect("runner")
        .join()
        .expect("run")
}

fn run_captured(src: &'static str, limit: usize) -> (i32, CaptureHost) {
    let host = Arc::new(CaptureHost::new(Arc::new(StdHost::new()), limit));
    let status = run_on_thread(&host, THREAD_STACK, src);
    let host = Arc::try_unwrap(host).unwrap_or_else(|_| panic!("host still shared"));
    (status, host)
}

#[test]
fn a_million_lines_keep_only_the_limit() {
    let limit = 64 << 10;
    let (status, host) = run_captured("for i in range(1000000):\n    print(i)\n", limit);
    assert_eq!(status, 0);
    let out = host.take_stdout();
    let total: usize = (0..1_000_000).map(|i: u32| i.to_string().len() + 1).sum();
    assert_eq!(out.text.len() + out.dropped, total);
    assert!(out.text.len() <= limit);
    assert!(out.text.starts_with("0\n1\n2\n"));
    // What is kept is the output's exact beginning.
    let expected: String = (0..).map(|i| format!("{i}\n")).take(20_000).collect();
    assert!(expected.starts_with(&out.text));
}

#[test]
fn stderr_is_capped_too() {
    let (status, host) = run_captured(
        "import sys\nfor i in range(1000):\n    sys.stderr.write('e' * 100)\n",
        1000,
    );
    assert_eq!(status, 0, "{:?}", host.take_stderr());
    let err = host.take_stderr();
    assert_eq!(err.text, "e".repeat(1000));
    assert_eq!(err.dropped, 99_000);
}

#[test]
fn absurd_sizes_are_memory_errors() {
    for src in [
        "'x'.ljust(10**12)",
        "'7'.zfill(10**12)",
        "format('a', '>1000000000000')",
        "'%1000000000000d' % 1",
        "('x' * 10**6).replace('x', 'y' * 1000)",
        "f'{1.5:.1000000000f}'",
    ] {
        let prog: &'static str = Box::leak(format!("{src}\n").into_boxed_str());
        let (status, host) = run_captured(prog, 1 << 20);
        assert_eq!(status, 1, "{src}");
        assert_eq!(
            host.take_stderr().text.lines().last(),
            Some("MemoryError"),
            "{src}"
        );
    }
}

/// The std host with small stacks, as in the browser's workers.
struct SmallStacks {
    std: StdHost,
    bytes: usize,
}

impl lab_python::host::Host for SmallStacks {
    fn monotonic(&self) -> f64 {
        self.std.monotonic()
    }
    fn time(&self) -> f64 {
        self.std.time()
    }
    fn sleep(&self, secs: f64) {
        self.std.sleep(secs);
    }
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), String> {
        std::thread::Builder::new()
            .stack_size(self.bytes)
            .spawn(f)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    fn stdout(&self, _: &str) {}
    fn stderr(&self, _: &str) {}
    fn flush(&self) {}
    fn stack_size(&self) -> usize {
        self.bytes
    }
}

/// Runs `src` on 1 MiB stacks (the run's thread and every thread the host starts) and
/// checks that it exits with 0; returns the host, whose output the test reads.
fn run_on_small_stacks(src: &'static str) -> Arc<CaptureHost> {
    let bytes = 1 << 20;
    let inner = Arc::new(SmallStacks {
        std: StdHost::new(),
        bytes,
    });
    let host = Arc::new(CaptureHost::new(inner, 1 << 20));
    let status = run_on_thread(&host, bytes, src);
    assert_eq!(status, 0, "{:?}", host.take_stderr());
    host
}

#[test]
fn small_stacks_end_deep_recursion_with_recursion_error() {
    // Calls between Python functions do not use the native stack, but a constructor's
    // `__init__` runs a level deeper on it: without the stack check this overflows a 1 MiB
    // stack long before depth 1000 (in the browser that would overwrite memory instead of
    // crashing).
    let src = "
import threading
depth = 0
class Down:
    def __init__(self):
        global depth
        depth += 1
        Down()
def down():
    Down()
try:
    down()
except RecursionError:
    print('main', depth < 1000)
def in_thread():
    try:
        down()
    except RecursionError:
        print('thread stopped too')
t = threading.Thread(target=in_thread)
t.start()
t.join()
";
    let host = run_on_small_stacks(src);
    assert_eq!(host.take_stdout().text, "main True\nthread stopped too\n");
}

#[test]
fn a_child_process_on_small_stacks_ends_deep_recursion_with_recursion_error() {
    // A child process runs on a thread its parent's host starts, with that host's stack:
    // its stack check must know that size too, or it overflows the stack.
    let src = "
import multiprocessing
depth = 0
class Down:
    def __init__(self):
        global depth
        depth += 1
        Down()
def down():
    Down()
def in_process():
    try:
        down()
    except RecursionError:
        print('process stopped', depth < 1000)
if __name__ == '__main__':
    p = multiprocessing.Process(target=in_process)
    p.start()
    p.join()
    print('exit code', p.exitcode)
";
    let host = run_on_small_stacks(src);
    assert_eq!(
        host.take_stdout().text,
        "process stopped True\nexit code 0\n"
    );
}
