//! Nothing outlives a run: every program of the corpus, run twice in one host process,
//! leaves the heap as the first run left it (the first run may allocate what lives for the
//! process: interned names, the built-in modules' code), and fifty stopped runs in a row
//! leave no thread and no memory behind. Counted by a global allocator that keeps the
//! bytes live, so a leaked object of any kind shows, not only the kinds someone counted.

mod common;

use lab_python::capture::CaptureHost;
use lab_python::host::{StdHost, THREAD_STACK};
use lab_python::{Options, run};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call goes straight to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE_BYTES.load(Ordering::SeqCst)
}

/// Runs `src` on its own thread (with the stack `labpy` gives), stopping it after
/// `stop_after` if given; returns its exit status and output once the run and its
/// threads are over.
fn run_once(name: &str, src: &str, stop_after: Option<Duration>) -> (i32, String) {
    let threads_before = threads();
    let host = Arc::new(CaptureHost::new(Arc::new(StdHost::new()), 1 << 20));
    let flag = Arc::new(AtomicBool::new(false));
    let (h, f, file, src) = (host.clone(), flag.clone(), name.to_owned(), src.to_owned());
    let runner = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || run(h, &file, &src, &Options::default(), f).exit_code)
        .expect("runner");
    if let Some(after) = stop_after {
        std::thread::sleep(after);
        flag.store(true, Ordering::SeqCst);
    }
    let t0 = Instant::now();
    while !runner.is_finished() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the run never ended"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = runner.join().expect("run");
    let out = host.take_stdout().text;
    // The host's own buffers go with it.
    drop(host);
    // Every thread the run started ends soon after it returns (a process ended by
    // terminate() leaves at its next check of its stop flag).
    let t0 = Instant::now();
    while threads() > threads_before {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{name}: a thread outlived its run"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    (status, out)
}

/// The threads of this test process now (Linux: one entry per thread in /proc/self/task).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Bytes a second run of `src` left that the first did not. The second run must print
/// what the first printed: emptying what a run made must not touch what the next needs.
fn leaked_by_second_run(name: &str, src: &str) -> isize {
    let (_, first) = run_once(name, src, None);
    let after_first = settled();
    let (_, second) = run_once(name, src, None);
    // Programs that time themselves print coarse facts, which a loaded machine can flip.
    if !name.contains("timing") {
        assert_eq!(
            first, second,
            "{name}: a second run in the same process printed otherwise"
        );
    }
    drop(second);
    settled() - after_first
}

/// The live bytes once they stop changing (threads of a run free their stacks' bookkeeping
/// as they end, just after the run returns).
fn settled() -> isize {
    let mut last = live();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(5));
        let now = live();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

// One test only: the counter is global to the test binary, and a second test running
// beside it (or the harness reporting it) would move it.
#[test]
fn runs_free_what_they_allocated() {
    every_program_of_the_corpus_frees_what_it_allocated();
    fifty_stopped_runs_leave_nothing_behind();
}

fn every_program_of_the_corpus_frees_what_it_allocated() {
    let mut leaks = Vec::new();
    for path in common::programs() {
        let src = std::fs::read_to_string(&path).expect("program");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("prog.py");
        let leaked = leaked_by_second_run(name, &src);
        if leaked != 0 {
            leaks.push(format!("{name}: {leaked} bytes"));
        }
    }
    assert!(
        leaks.is_empty(),
        "a second run left memory behind:\n{}",
        leaks.join("\n")
    );
}

fn fifty_stopped_runs_leave_nothing_behind() {
    // Threads busy, asleep and waiting on each other when the stop comes.
    let src = "import threading, time\n\
               lock = threading.Lock()\n\
               done = threading.Event()\n\
               def spin():\n    n = 0\n    while True:\n        n += 1\n\
               def nap():\n    time.sleep(3600)\n\
               def wait():\n    done.wait()\n\
               for f in (spin, nap, wait):\n    threading.Thread(target=f).start()\n\
               items = [[i] * 10 for i in range(1000)]\n\
               while True:\n    with lock:\n        items.append(len(items))\n";
    run_once("stopped.py", src, Some(Duration::from_millis(20)));
    let after_first = settled();
    for _ in 0..50 {
        assert_eq!(
            run_once("stopped.py", src, Some(Duration::from_millis(20))).0,
            130
        );
    }
    let grown = settled() - after_first;
    assert_eq!(grown, 0, "fifty stopped runs left {grown} bytes behind");
}
