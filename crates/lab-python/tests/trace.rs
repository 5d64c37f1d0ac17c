//! The run's trace: a lane per thread in start order, running spans that never overlap
//! under the GIL, blocked spans named after what blocked, output lines with their thread.

use lab_python::capture::CaptureHost;
use lab_python::host::{StdHost, THREAD_STACK};
use lab_python::trace::{Lane, Trace};
use lab_python::{Options, run};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn traced(src: &'static str, free_threaded: bool) -> Trace {
    traced_with(
        src,
        Options {
            free_threaded,
            ..Default::default()
        },
    )
    .1
}

/// The run's stdout and trace, with `opts`.
fn traced_with(src: &'static str, opts: Options) -> (String, Trace) {
    let host = Arc::new(CaptureHost::new(Arc::new(StdHost::new()), 1 << 20));
    let capture = host.clone();
    let outcome = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            run(
                host,
                "prog.py",
                src,
                &opts,
                Arc::new(AtomicBool::new(false)),
            )
        })
        .expect("runner")
        .join()
        .expect("run");
    assert_eq!(outcome.exit_code, 0, "{}", capture.take_stderr().text);
    (capture.take_stdout().text, outcome.trace)
}

const TWO_WORKERS: &str = "
import threading
def work():
    total = 0
    for i in range(200000):
        total += i
    print('sum', total)
ts = [threading.Thread(target=work, name=f'w{k}') for k in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print('joined')
";

fn running(lane: &Lane) -> Vec<(f64, f64)> {
    lane.spans
        .iter()
        .filter(|s| s.kind == "running")
        .map(|s| (s.start, s.end))
        .collect()
}

fn check_lanes(t: &Trace) {
    let names: Vec<&str> = t.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["MainThread", "w0", "w1"]);
    for lane in &t.lanes {
        assert!(!running(lane).is_empty(), "{} never ran", lane.name);
        for w in lane.spans.windows(2) {
            // A lane's spans follow each other without gaps or overlaps.
            assert_eq!(w[0].end, w[1].start, "{}", lane.name);
            assert!(w[0].start <= w[0].end);
        }
    }
}

#[test]
fn under_the_gil_running_spans_never_overlap() {
    let t = traced(TWO_WORKERS, false);
    assert!(t.gil);
    check_lanes(&t);
    let mut all: Vec<(f64, f64)> = t.lanes.iter().flat_map(running).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in all.windows(2) {
        assert!(
            w[0].1 <= w[1].0,
            "running spans overlap: {:?} and {:?}",
            w[0],
            w[1]
        );
    }
    // Starting a thread hands it the GIL at least once.
    assert!(t.handoffs > 0);
    assert!(
        t.lanes
            .iter()
            .any(|l| l.spans.iter().any(|s| s.kind == "gil"))
    );
}

#[test]
fn free_threaded_both_workers_run() {
    let t = traced(TWO_WORKERS, true);
    assert!(!t.gil);
    check_lanes(&t);
    assert_eq!(t.handoffs, 0);
    assert!(
        t.lanes
            .iter()
            .all(|l| l.spans.iter().all(|s| s.kind != "gil"))
    );
}

#[test]
fn blocked_spans_say_on_what_and_lines_say_whose() {
    let src = "
import threading, time, queue
q = queue.Queue()
def sleeper():
    time.sleep(0.01)
    # Put only once the main thread waits in get(), however slow the machine.
    while not q.not_empty._waiters:
        time.sleep(0.001)
    print('slept')
    q.put(1)
t = threading.Thread(target=sleeper, name='sleeper')
t.start()
q.get()
t.join()
print('main', end='')
";
    let t = traced(src, false);
    let kinds = |i: usize| -> Vec<&str> { t.lanes[i].spans.iter().map(|s| s.kind).collect() };
    assert!(kinds(1).contains(&"sleep"), "{:?}", kinds(1));
    assert!(kinds(0).contains(&"queue"), "{:?}", kinds(0));
    assert!(kinds(0).contains(&"start"), "{:?}", kinds(0));
    let lines: Vec<(usize, &str)> = t.output.iter().map(|l| (l.lane, l.text.as_str())).collect();
    assert_eq!(lines, [(1, "slept"), (0, "main")]);
    assert!(t.output[0].t <= t.output[1].t);
    let json = t.to_json();
    assert!(json.contains("\"name\":\"sleeper\""), "{json}");
    assert!(json.contains("\"kind\":\"sleep\""), "{json}");
}

#[test]
fn labpy_writes_the_trace_as_json() {
    let dir = std::env::temp_dir().join(format!("labpy-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (prog, json) = (dir.join("prog.py"), dir.join("trace.json"));
    std::fs::write(
        &prog,
        "import threading\nt = threading.Thread(target=print, args=('a \"quoted\"\\tline',))\nt.start()\nt.join()\n",
    )
    .expect("write program");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_labpy"))
        .arg("--trace")
        .arg(&json)
        .arg(&prog)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("labpy");
    assert!(status.success());
    // Python's own JSON parser reads it back.
    let check = "import json, sys\nt = json.load(open(sys.argv[1]))\nprint(t['gil'], [l['name'] for l in t['lanes']], [(o['lane'], o['text']) for o in t['output']], t['handoffs'] > 0)\n";
    let out = std::process::Command::new("python3")
        .args(["-c", check])
        .arg(&json)
        .output()
        .expect("python3");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "True ['MainThread', 'Thread-1 (print)'] [(1, 'a \"quoted\"\\tline')] True\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_lane_keeps_at_most_its_cap_of_spans() {
    // Each sleep(0) makes three spans (sleep, gil, running): 120 000 in all.
    let t = traced(
        "import time\nfor i in range(40000):\n    time.sleep(0)\n",
        false,
    );
    let lane = &t.lanes[0];
    assert_eq!(lane.spans.len(), lab_python::trace::MAX_SPANS);
    assert!(lane.dropped_spans >= 20_000, "{}", lane.dropped_spans);
}

const SETTINGS: &str = "
import multiprocessing, sys
if __name__ == '__main__':
    print(sys._is_gil_enabled(), sys.getswitchinterval(), multiprocessing.get_start_method())
";

#[test]
fn a_run_starts_with_the_settings_it_is_given() {
    let (out, _) = traced_with(SETTINGS, Options::default());
    assert_eq!(out, "True 0.005 forkserver\n");
    for (free, interval, method, want) in [
        (true, 0.001, "spawn", "False 0.001 spawn\n"),
        (false, 0.05, "fork", "True 0.05 fork\n"),
    ] {
        let opts = Options {
            free_threaded: free,
            switch_interval: Some(interval),
            start_method: Some(method.to_string()),
        };
        assert_eq!(opts.check(), Ok(()));
        assert_eq!(traced_with(SETTINGS, opts).0, want);
    }
}

#[test]
fn settings_a_run_cannot_take_are_refused() {
    let bad = |interval: Option<f64>, method: Option<&str>| Options {
        switch_interval: interval,
        start_method: method.map(str::to_string),
        ..Default::default()
    };
    assert!(
        bad(Some(0.0), None)
            .check()
            .unwrap_err()
            .contains("switch interval")
    );
    assert!(bad(Some(f64::NAN), None).check().is_err());
    assert!(
        bad(None, Some("vfork"))
            .check()
            .unwrap_err()
            .contains("vfork")
    );
}

#[test]
fn a_child_process_keeps_the_start_method_and_its_lines_carry_its_name() {
    let src = "
import multiprocessing
def child():
    print('child', multiprocessing.get_start_method())
if __name__ == '__main__':
    p = multiprocessing.Process(target=child, name='kid')
    p.start()
    p.join()
    print('parent')
";
    let (out, t) = traced_with(
        src,
        Options {
            start_method: Some("spawn".to_string()),
            ..Default::default()
        },
    );
    assert_eq!(out, "child spawn\nparent\n");
    let lines: Vec<(Option<&str>, &str)> = t
        .output
        .iter()
        .map(|l| (l.process.as_deref(), l.text.as_str()))
        .collect();
    assert_eq!(lines, [(Some("kid"), "child spawn"), (None, "parent")]);
    assert!(t.to_json().contains("\"process\":\"kid\""));
}

#[test]
fn labpy_takes_the_settings_as_flags() {
    let dir = std::env::temp_dir().join(format!("labpy-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let prog = dir.join("prog.py");
    std::fs::write(&prog, SETTINGS).expect("write program");
    let labpy = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_labpy"))
            .args(args)
            .arg(&prog)
            .output()
            .expect("labpy")
    };
    let ok = labpy(&[
        "--free-threaded",
        "--switch-interval",
        "0.002",
        "--start-method",
        "fork",
    ]);
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "False 0.002 fork\n");
    let bad = labpy(&["--start-method", "vfork"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown start method"));
}

#[test]
fn the_capture_host_gets_each_line_with_its_writer_as_it_is_written() {
    let host = Arc::new(CaptureHost::new(Arc::new(StdHost::new()), 1 << 20));
    let capture = host.clone();
    let src = "
import multiprocessing, sys, threading
def child():
    print('from the child')
if __name__ == '__main__':
    t = threading.Thread(target=print, args=('hi',), name='greeter')
    t.start()
    t.join()
    p = multiprocessing.Process(target=child, name='kid')
    p.start()
    p.join()
    print('oops', file=sys.stderr)
";
    std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            run(
                host,
                "prog.py",
                src,
                &Options::default(),
                Arc::new(AtomicBool::new(false)),
            )
        })
        .expect("runner")
        .join()
        .expect("run");
    let lines: Vec<(String, bool, String)> = capture
        .lines_since(0)
        .into_iter()
        .map(|l| (l.who, l.stderr, l.text))
        .collect();
    let want = [
        ("greeter", false, "hi"),
        ("kid", false, "from the child"),
        ("MainThread", true, "oops"),
    ]
    .map(|(w, e, t)| (w.to_string(), e, t.to_string()));
    assert_eq!(lines, want);
    assert_eq!(capture.lines_since(2).len(), 1);
    assert!(capture.lines_since(9).is_empty());
}

#[test]
fn child_processes_and_interpreters_get_lanes_after_the_programs_own() {
    let src = "
import multiprocessing, threading, time
from concurrent import interpreters
def child():
    t = threading.Thread(target=time.sleep, args=(0.01,), name='helper')
    t.start()
    t.join()
    print('child done')
if __name__ == '__main__':
    p = multiprocessing.Process(target=child, name='kid')
    p.start()
    p.join()
    interp = interpreters.create()
    interp.exec('x = 6 * 7')
    interp.close()
    print('parent done')
";
    let (out, t) = traced_with(
        src,
        Options {
            start_method: Some("spawn".to_string()),
            ..Default::default()
        },
    );
    assert_eq!(out, "child done\nparent done\n");
    let lanes: Vec<(&str, Option<&str>)> = (t.lanes.iter())
        .map(|l| (l.name.as_str(), l.process.as_deref()))
        .collect();
    assert_eq!(
        lanes,
        [
            ("MainThread", None),
            ("kid", Some("kid")),
            ("kid: helper", Some("kid")),
            ("interpreter 1", Some("interpreter 1")),
        ]
    );
    let kid = &t.lanes[1];
    // From its creation to its first bytecode, then running; on the run's clock.
    assert_eq!(kid.spans[0].kind, "starting");
    assert!(kid.spans.iter().any(|s| s.kind == "running"));
    let main_end = t.lanes[0].spans.last().unwrap().end;
    for lane in &t.lanes[1..] {
        for w in lane.spans.windows(2) {
            assert_eq!(w[0].end, w[1].start, "{}", lane.name);
        }
        let (first, last) = (lane.spans.first().unwrap(), lane.spans.last().unwrap());
        assert!(
            first.start > 0.0 && last.end <= main_end,
            "{}: {first:?} {last:?}",
            lane.name
        );
    }
    // The helper thread slept inside the child.
    assert!(t.lanes[2].spans.iter().any(|s| s.kind == "sleep"));
    // The child's line points at the child's main lane.
    let line = t.output.iter().find(|l| l.text == "child done").unwrap();
    assert_eq!(line.lane, 1);
    let json = t.to_json();
    assert!(
        json.contains("\"name\":\"kid: helper\",\"process\":\"kid\""),
        "{json}"
    );
}
