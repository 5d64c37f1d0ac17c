//! Stopping a run from another thread: an infinite loop, a deadlock and a thread asleep for
//! an hour all end with KeyboardInterrupt, and no thread of the program outlives the run.

use lab_python::capture::CaptureHost;
use lab_python::host::{Host, StdHost, THREAD_STACK};
use lab_python::{Options, RunOutcome, run};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The std host, keeping a handle on every thread it starts and counting the live ones.
struct Tracked {
    std: StdHost,
    handles: Mutex<Vec<JoinHandle<()>>>,
    live: Arc<AtomicUsize>,
}

impl Host for Tracked {
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
        let live = self.live.clone();
        live.fetch_add(1, Ordering::SeqCst);
        let h = std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(move || {
                f();
                live.fetch_sub(1, Ordering::SeqCst);
            })
            .map_err(|e| e.to_string())?;
        self.handles.lock().expect("handles").push(h);
        Ok(())
    }
    fn stdout(&self, _: &str) {}
    fn stderr(&self, _: &str) {}
    fn flush(&self) {}
}

struct Ended {
    outcome: RunOutcome,
    stdout: String,
    stderr: String,
    spawned: usize,
}

/// Waits (for at most a minute: a bound against hanging, not a measurement) until `done`.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !done() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `src`; once it has printed `ready`, sets the stop flag from another thread (if
/// `stop`). Returns when the run has returned and every thread it started has ended.
fn run_and_stop(src: &'static str, free_threaded: bool, stop: bool) -> Ended {
    let tracked = Arc::new(Tracked {
        std: StdHost::new(),
        handles: Mutex::new(Vec::new()),
        live: Arc::new(AtomicUsize::new(0)),
    });
    let host = Arc::new(CaptureHost::new(tracked.clone(), 1 << 20));
    let flag = Arc::new(AtomicBool::new(false));
    let (h, f) = (host.clone(), flag.clone());
    let runner = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            let opts = Options {
                free_threaded,
                ..Default::default()
            };
            run(h, "prog.py", src, &opts, f)
        })
        .expect("runner");
    if stop {
        wait_until("the program printed ready", || {
            host.stdout_text().contains("ready")
        });
        // Let the program reach its blocking state; if it has not yet, it stops anyway.
        std::thread::sleep(Duration::from_millis(100));
        flag.store(true, Ordering::SeqCst);
    }
    wait_until("the run returned", || runner.is_finished());
    let outcome = runner.join().expect("run");
    let handles = std::mem::take(&mut *tracked.handles.lock().expect("handles"));
    let spawned = handles.len();
    wait_until("every thread of the program ended", || {
        handles.iter().all(|h| h.is_finished())
    });
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(tracked.live.load(Ordering::SeqCst), 0);
    Ended {
        outcome,
        stdout: host.take_stdout().text,
        stderr: host.take_stderr().text,
        spawned,
    }
}

fn assert_stopped(e: &Ended) {
    assert!(e.outcome.stopped, "not reported as stopped: {}", e.stderr);
    assert_eq!(e.outcome.exit_code, 130, "stderr: {}", e.stderr);
    assert_eq!(
        e.stderr.lines().last(),
        Some("KeyboardInterrupt"),
        "{}",
        e.stderr
    );
}

#[test]
fn an_infinite_loop_is_stopped() {
    let e = run_and_stop(
        "print('ready')\nn = 0\nwhile True:\n    n += 1\n",
        false,
        true,
    );
    assert_stopped(&e);
    assert!(e.stderr.contains("line 4"), "{}", e.stderr);
}

const DEADLOCK: &str = "
import threading
a = threading.Lock()
b = threading.Lock()
both = threading.Barrier(2)
def take(first, second):
    with first:
        both.wait()
        with second:
            print('never')
t1 = threading.Thread(target=take, args=(a, b))
t2 = threading.Thread(target=take, args=(b, a))
t1.start()
t2.start()
print('ready')
t1.join()
t2.join()
";

#[test]
fn a_deadlock_of_two_locks_is_stopped() {
    for free_threaded in [false, true] {
        let e = run_and_stop(DEADLOCK, free_threaded, true);
        assert_stopped(&e);
        assert!(!e.stdout.contains("never"));
        assert_eq!(e.spawned, 2);
        // The threads end quietly: only the main thread's traceback is printed.
        assert_eq!(e.stderr.matches("Traceback").count(), 1, "{}", e.stderr);
    }
}

#[test]
fn a_thread_asleep_for_an_hour_is_stopped() {
    let src = "
import threading, time
t = threading.Thread(target=time.sleep, args=(3600,))
t.start()
print('ready')
t.join()
";
    let e = run_and_stop(src, false, true);
    assert_stopped(&e);
    assert_eq!(e.spawned, 1);
}

#[test]
fn a_program_that_catches_the_stop_still_ends() {
    let src = "
import time
print('ready')
while True:
    try:
        time.sleep(3600)
    except KeyboardInterrupt:
        print('caught')
";
    let e = run_and_stop(src, false, true);
    assert!(e.outcome.stopped);
    assert_eq!(e.stdout, "ready\ncaught\n");
    assert_eq!(e.stderr.lines().last(), Some("KeyboardInterrupt"));
}

#[test]
fn daemon_threads_end_with_the_run() {
    // Nobody stops this run: its daemon thread, asleep for an hour, ends with it.
    let src = "
import threading, time
threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
print('main done')
";
    let e = run_and_stop(src, false, false);
    assert!(!e.outcome.stopped);
    assert_eq!(e.outcome.exit_code, 0, "{}", e.stderr);
    assert_eq!(e.stdout, "main done\n");
    assert_eq!(e.stderr, "");
    assert_eq!(e.spawned, 1);
}

#[test]
fn a_process_waiting_on_its_queue_is_stopped_with_its_parent() {
    // The program's stop reaches its processes: the child below waits for
    // ever on a queue nobody fills, the parent waits for ever to join it.
    let e = run_and_stop(
        "
import multiprocessing as mp

def wait_forever(q):
    q.get()

if __name__ == '__main__':
    mp.set_start_method('spawn')
    q = mp.Queue()
    p = mp.Process(target=wait_forever, args=(q,))
    p.start()
    print('ready')
    p.join()
",
        false,
        true,
    );
    assert_stopped(&e);
    assert!(!e.stdout.contains("never"), "{}", e.stdout);
}
