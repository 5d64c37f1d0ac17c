//! The trace of a run: for every Python thread (a lane: the main thread, then the threads
//! in the order they were started) the spans it spent running bytecode, waiting for the
//! GIL or blocked, the number of GIL hand-offs, and each line of output with its thread
//! and time. Every run records one; `labpy --trace FILE.json` writes it.
//!
//! # JSON shape ([`Trace::to_json`])
//!
//! Times are milliseconds since the run started.
//!
//! ```json
//! {
//!   "gil": true,                // false when free-threaded
//!   "wall_ms": 412.5,           // the run, start to end
//!   "handoffs": 37,             // times the GIL passed from one thread to another
//!   "lanes": [
//!     {
//!       "thread": 1,            // the thread's ident (threading.get_ident())
//!       "name": "MainThread",   // threading's name for it
//!       "spans": [{"kind": "running", "start_ms": 0.0, "end_ms": 1.25}],
//!       "dropped_spans": 0      // spans past the per-lane cap, not kept
//!     },
//!     {"thread": 1, "name": "Process-1", "process": "Process-1",
//!      "spans": [{"kind": "starting", "start_ms": 2.0, "end_ms": 9.1}], "dropped_spans": 0}
//!   ],
//!   "output": [{"lane": 0, "stream": "stdout", "t_ms": 1.2, "text": "hello"},
//!              {"lane": 0, "stream": "stdout", "t_ms": 9.5, "text": "hi", "process": "Process-1"}],
//!   "dropped_lines": 0          // lines past the cap, not kept
//! }
//! ```
//!
//! A span's `kind` is `running` (bytecode, holding the GIL if there is one), `gil` (waiting
//! to take it), or a blocked state with the GIL released: `sleep` (`time.sleep`), `lock`
//! (a `Lock`/`RLock` held by another thread), `join` (`Thread.join`), `queue` (a
//! `queue.Queue` get or put), `wait` (`Condition`, `Event`, `Semaphore`, `Barrier`, a
//! future), `start` (`Thread.start` waiting for the new thread to run), or `native`: not
//! blocked but running Rust code with the GIL released, as C code in CPython does
//! (`hashlib` on 2 KiB or more), or `starting`: a child process or subinterpreter between
//! its creation and its first bytecode.
//!
//! After the program's own threads come the lanes of its child processes and
//! subinterpreters (and theirs), each thread of a child as one lane with the child's name
//! in `process`: its main thread is named after the child (`Process-1`, `interpreter 1`),
//! another thread `Process-1: Thread-2`. A child's lanes join the trace when it ends (one
//! still running when the program ends has none). An output line's `lane` is an index
//! into `lanes`; a line is recorded when its newline is written (a last line without one
//! when its thread ends), without the newline. A line written by a child process or a
//! subinterpreter has its name in `process` (and its `lane` is the child's main lane
//! where it has one, else 0).

use crate::host::Host;
use crate::objects::lock;
use crate::vm::Vm;
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// Spans a lane keeps; later ones are counted, not kept (a loop of `time.sleep(0)` makes
/// three spans a turn).
pub const MAX_SPANS: usize = 100_000;
/// Spans the whole run keeps, over all its lanes (a span is 32 bytes: 6.4 MB at most).
pub const MAX_RUN_SPANS: usize = 200_000;
/// Output lines the trace keeps.
pub const MAX_LINES: usize = 10_000;
/// Bytes of one output line the trace keeps.
pub const MAX_LINE_BYTES: usize = 500;

/// One stretch of a thread's time.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// `running`, `gil`, or what it was blocked on (see the module's documentation).
    pub kind: &'static str,
    /// Seconds since the run started.
    pub start: f64,
    /// Seconds since the run started.
    pub end: f64,
}

/// One thread's spans.
#[derive(Clone, Debug, Default)]
pub struct Lane {
    /// The thread's ident.
    pub thread: u64,
    /// Its name in `threading`.
    pub name: String,
    /// Its spans in time order.
    pub spans: Vec<Span>,
    /// Spans past [`MAX_SPANS`].
    pub dropped_spans: usize,
    /// The child process or subinterpreter the thread belongs to (`None`: the program's).
    pub process: Option<String>,
}

/// One line of output.
#[derive(Clone, Debug)]
pub struct OutputLine {
    /// Index of the thread's lane in [`Trace::lanes`].
    pub lane: usize,
    /// Standard error rather than standard output.
    pub stderr: bool,
    /// Seconds since the run started.
    pub t: f64,
    /// The line, without its newline (at most [`MAX_LINE_BYTES`]).
    pub text: String,
    /// The child process or subinterpreter that wrote it (`None`: this program's threads).
    pub process: Option<String>,
}

/// A run's trace.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The run had a GIL.
    pub gil: bool,
    /// The run's length in seconds.
    pub wall: f64,
    /// Times the GIL passed from one thread to another.
    pub handoffs: u64,
    /// The main thread first, then threads in start order.
    pub lanes: Vec<Lane>,
    /// Output lines in the order they were written.
    pub output: Vec<OutputLine>,
    /// Lines past [`MAX_LINES`].
    pub dropped_lines: usize,
}

/// What a thread records as it goes (kept in its [`Vm`]).
#[derive(Debug, Default)]
pub(crate) struct LaneRec {
    name: String,
    spans: Vec<Span>,
    dropped: usize,
    /// The state it is in and since when.
    current: Option<(&'static str, f64)>,
}

struct RawLine {
    thread: u64,
    process: Option<Arc<str>>,
    stderr: bool,
    t: f64,
    text: String,
}

/// Collects a run's lanes and output; shared by its threads.
pub struct Recorder {
    start: f64,
    /// Spans kept so far, over all lanes.
    spans: std::sync::atomic::AtomicUsize,
    lanes: Mutex<Vec<(u64, LaneRec)>>,
    lines: Mutex<(Vec<RawLine>, usize)>,
    /// The threads' names so far, for lines marked as they are written.
    names: Mutex<std::collections::HashMap<u64, String>>,
    /// The lanes of each child process or subinterpreter that ended (its main thread's
    /// first), on this run's clock.
    children: Mutex<Vec<Vec<Lane>>>,
}

thread_local! {
    /// The Python thread running on this OS thread, for output lines.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    /// Its unfinished stdout and stderr lines.
    static PARTIAL: RefCell<[String; 2]> = const { RefCell::new([String::new(), String::new()]) };
    /// The child process or subinterpreter whose output passes through now.
    static WRITER: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// Run `f`, which writes a child's output to its parent's host, with the child named as
/// the writer of the lines it completes.
pub(crate) fn as_writer<R>(label: &Arc<str>, f: impl FnOnce() -> R) -> R {
    let before = WRITER.with(|w| w.replace(Some(label.clone())));
    let r = f();
    WRITER.with(|w| *w.borrow_mut() = before);
    r
}

impl Recorder {
    /// A recorder whose times count from now on `host`'s monotonic clock.
    pub fn new(host: &dyn Host) -> Recorder {
        Recorder {
            start: host.monotonic(),
            spans: std::sync::atomic::AtomicUsize::new(0),
            lanes: Mutex::new(Vec::new()),
            lines: Mutex::new((Vec::new(), 0)),
            names: Mutex::new(std::collections::HashMap::new()),
            children: Mutex::new(Vec::new()),
        }
    }

    /// Takes in the lanes of `child`, the recorder of a child process or subinterpreter
    /// named `label` whose threads have all ended, on this run's clock. The child's main
    /// thread gets a `starting` span from the child's creation to its first one.
    pub(crate) fn adopt(&self, child: &Recorder, label: &str) {
        let shift = child.start - self.start;
        let mut own = std::mem::take(&mut *lock(&child.lanes));
        own.sort_by_key(|(ident, _)| *ident);
        let grandchildren = std::mem::take(&mut *lock(&child.children));
        let mut lanes = Vec::with_capacity(own.len() + grandchildren.len());
        for (thread, rec) in own {
            let mut spans = Vec::with_capacity(rec.spans.len() + 1);
            if thread == 1
                && let Some(first) = rec.spans.first()
                && first.start > 0.0
            {
                spans.push(Span {
                    kind: "starting",
                    start: shift,
                    end: first.start + shift,
                });
            }
            spans.extend(rec.spans.into_iter().map(|s| Span {
                start: s.start + shift,
                end: s.end + shift,
                ..s
            }));
            lanes.push(Lane {
                thread,
                name: if thread == 1 {
                    label.to_string()
                } else {
                    format!("{label}: {}", rec.name)
                },
                spans,
                dropped_spans: rec.dropped,
                process: Some(label.to_string()),
            });
        }
        for mut lane in grandchildren.into_iter().flatten() {
            for s in &mut lane.spans {
                s.start += shift;
                s.end += shift;
            }
            lanes.push(lane);
        }
        lock(&self.children).push(lanes);
    }

    fn line(&self, host: &dyn Host, stderr: bool, text: &str) {
        let thread = CURRENT.with(Cell::get);
        let process = WRITER.with(|w| w.borrow().clone());
        let who = match &process {
            Some(p) => p.to_string(),
            None => lock(&self.names)
                .get(&thread)
                .cloned()
                .unwrap_or_else(|| default_name(thread)),
        };
        host.line(&who, stderr, text);
        let mut lines = lock(&self.lines);
        if lines.0.len() >= MAX_LINES {
            lines.1 += 1;
            return;
        }
        let mut cut = text.len().min(MAX_LINE_BYTES);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        lines.0.push(RawLine {
            thread,
            process,
            stderr,
            t: host.monotonic() - self.start,
            text: text[..cut].to_string(),
        });
    }

    /// Record a write to a stream: each completed line, and keep the rest for later.
    fn write(&self, host: &dyn Host, stderr: bool, s: &str) {
        PARTIAL.with(|p| {
            let mut p = p.borrow_mut();
            let buf = &mut p[stderr as usize];
            let mut rest = s;
            while let Some(i) = rest.find('\n') {
                if buf.len() < MAX_LINE_BYTES {
                    buf.push_str(&rest[..i.min(MAX_LINE_BYTES)]);
                }
                self.line(host, stderr, buf);
                buf.clear();
                rest = &rest[i + 1..];
            }
            if buf.len() < MAX_LINE_BYTES {
                buf.push_str(&rest[..rest.len().min(MAX_LINE_BYTES)]);
            }
        });
    }

    /// The trace so far (the run calls this once every thread has ended).
    pub fn finish(&self, host: &dyn Host, gil: bool, handoffs: u64) -> Trace {
        let mut raw = std::mem::take(&mut *lock(&self.lanes));
        raw.sort_by_key(|(ident, _)| *ident);
        let mut lanes: Vec<Lane> = raw
            .into_iter()
            .map(|(thread, rec)| Lane {
                thread,
                name: rec.name,
                spans: rec.spans,
                dropped_spans: rec.dropped,
                process: None,
            })
            .collect();
        // Each child's lanes together, the children in the order they started.
        let mut children = std::mem::take(&mut *lock(&self.children));
        let first = |g: &Vec<Lane>| {
            (g.first().and_then(|l| l.spans.first())).map_or(f64::INFINITY, |s| s.start)
        };
        children.sort_by(|a, b| first(a).total_cmp(&first(b)));
        lanes.extend(children.into_iter().flatten());
        let (raw_lines, dropped_lines) = std::mem::take(&mut *lock(&self.lines));
        let output = raw_lines
            .into_iter()
            .map(|l| OutputLine {
                lane: match &l.process {
                    None => lanes
                        .iter()
                        .position(|x| x.process.is_none() && x.thread == l.thread),
                    Some(p) => lanes
                        .iter()
                        .position(|x| x.process.as_deref() == Some(&**p)),
                }
                .unwrap_or(0),
                stderr: l.stderr,
                t: l.t,
                text: l.text,
                process: l.process.map(|p| p.to_string()),
            })
            .collect();
        Trace {
            gil,
            wall: host.monotonic() - self.start,
            handoffs,
            lanes,
            output,
            dropped_lines,
        }
    }
}

/// The host a runtime uses: another host, with its output lines recorded.
pub(crate) struct TracedHost {
    pub(crate) inner: Arc<dyn Host>,
    pub(crate) rec: Arc<Recorder>,
}

impl Host for TracedHost {
    crate::host::forward_host!(inner: monotonic, time, sleep, spawn, flush, cpu_count, pid,
        cpu_time, stack_size, line);

    fn stdout(&self, s: &str) {
        self.rec.write(&*self.inner, false, s);
        self.inner.stdout(s);
    }

    fn stderr(&self, s: &str) {
        self.rec.write(&*self.inner, true, s);
        self.inner.stderr(s);
    }
}

impl Vm {
    /// From now on this thread is in state `kind` (see the module's documentation).
    pub(crate) fn mark(&mut self, kind: &'static str) {
        let now = self.rt.host.monotonic() - self.rt.trace.start;
        let lane = &mut self.lane;
        if let Some((k, start)) = lane.current {
            if k == kind {
                return;
            }
            let run_full = self.rt.trace.spans.fetch_add(1, Ordering::Relaxed) >= MAX_RUN_SPANS;
            if lane.spans.len() < MAX_SPANS && !run_full {
                lane.spans.push(Span {
                    kind: k,
                    start,
                    end: now,
                });
            } else {
                lane.dropped += 1;
            }
        }
        lane.current = Some((kind, now));
    }

    /// Take the GIL, recording the wait (none when free-threaded).
    pub fn gil_acquire(&mut self) {
        if self.rt.gil.enabled() {
            self.mark("gil");
        }
        self.rt.gil.acquire(self.ident);
        self.mark("running");
    }

    /// Serve the GIL's drop request, recording the wait to take it back.
    pub(crate) fn gil_yield(&mut self) {
        self.mark("gil");
        self.rt.gil.yield_now(self.ident);
        self.mark("running");
    }

    /// This OS thread runs this Python thread (for the thread of output lines, and the
    /// top of its stack for the recursion check).
    pub fn enter_thread(&mut self) {
        CURRENT.with(|c| c.set(self.ident));
        self.set_stack_base(crate::vm::stack_address());
    }

    /// Name the lane (threading's name for the thread).
    pub(crate) fn set_lane_name(&mut self, name: &str) {
        self.lane.name = name.to_string();
        lock(&self.rt.trace.names).insert(self.ident, name.to_string());
    }

    /// The thread ends (still holding the GIL, if any): close its last span, record an
    /// unfinished output line, and hand the lane to the run.
    pub fn finish_lane(&mut self) {
        let (host, rec) = (self.rt.host.clone(), self.rt.trace.clone());
        PARTIAL.with(|p| {
            let mut p = p.borrow_mut();
            for stderr in [false, true] {
                let buf = std::mem::take(&mut p[stderr as usize]);
                if !buf.is_empty() {
                    rec.line(&*host, stderr, &buf);
                }
            }
        });
        self.hand_in_lane();
    }

    /// Close the thread's last span and hand its lane to the run (a child's main thread,
    /// whose unfinished output its host keeps).
    pub(crate) fn hand_in_lane(&mut self) {
        self.mark("end");
        let mut lane = std::mem::take(&mut self.lane);
        lane.current = None;
        if lane.name.is_empty() {
            lane.name = default_name(self.ident);
        }
        lock(&self.rt.trace.lanes).push((self.ident, lane));
    }
}

/// A thread's name before `threading` names it.
fn default_name(ident: u64) -> String {
    if ident == 1 {
        "MainThread".to_string()
    } else {
        format!("Thread-{ident}")
    }
}

fn ms(secs: f64) -> String {
    format!("{:.3}", secs * 1000.0)
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Trace {
    /// The trace as JSON (the shape is in the module's documentation).
    pub fn to_json(&self) -> String {
        let mut o = String::new();
        let _ = write!(
            o,
            "{{\"gil\":{},\"wall_ms\":{},\"handoffs\":{},\"lanes\":[",
            self.gil,
            ms(self.wall),
            self.handoffs
        );
        for (i, lane) in self.lanes.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"thread\":{},\"name\":{},",
                lane.thread,
                quote(&lane.name)
            );
            if let Some(p) = &lane.process {
                let _ = write!(o, "\"process\":{},", quote(p));
            }
            o.push_str("\"spans\":[");
            for (j, s) in lane.spans.iter().enumerate() {
                if j > 0 {
                    o.push(',');
                }
                let _ = write!(
                    o,
                    "{{\"kind\":\"{}\",\"start_ms\":{},\"end_ms\":{}}}",
                    s.kind,
                    ms(s.start),
                    ms(s.end)
                );
            }
            let _ = write!(o, "],\"dropped_spans\":{}}}", lane.dropped_spans);
        }
        o.push_str("],\"output\":[");
        for (i, l) in self.output.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"lane\":{},\"stream\":\"{}\",\"t_ms\":{},\"text\":{}",
                l.lane,
                if l.stderr { "stderr" } else { "stdout" },
                ms(l.t),
                quote(&l.text)
            );
            if let Some(p) = &l.process {
                let _ = write!(o, ",\"process\":{}", quote(p));
            }
            o.push('}');
        }
        let _ = write!(o, "],\"dropped_lines\":{}}}", self.dropped_lines);
        o
    }
}
