//! What the interpreter needs from its host: clocks, sleeping, threads and output. The std
//! implementation runs natively; a Web Worker host can implement the same trait later.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The services of the machine the interpreter runs on.
pub trait Host: Send + Sync {
    /// Seconds on a monotonic clock.
    fn monotonic(&self) -> f64;
    /// Seconds since the Unix epoch.
    fn time(&self) -> f64;
    /// Block the calling thread (the caller has released the GIL).
    fn sleep(&self, secs: f64);
    /// Start a thread running `f`.
    ///
    /// # Errors
    /// A message when the host cannot start one.
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), String>;
    /// Write to standard output.
    fn stdout(&self, s: &str);
    /// Write to standard error (flushes standard output first, to keep their order).
    fn stderr(&self, s: &str);
    /// Flush standard output.
    fn flush(&self);
    /// Number of logical CPUs the program may use.
    fn cpu_count(&self) -> usize {
        1
    }
    /// The process id (`os.getpid()`).
    fn pid(&self) -> u32 {
        1
    }
    /// CPU time used by all the program's threads, in seconds (`time.process_time()`).
    fn cpu_time(&self) -> f64 {
        self.monotonic()
    }
    /// Bytes of stack of the threads running Python (the run's and those `spawn` starts):
    /// deep recursion raises RecursionError before it uses them up.
    fn stack_size(&self) -> usize {
        THREAD_STACK
    }
    /// A line of output is complete: `who` wrote it (a thread's `threading` name, or a
    /// child process's name), without its newline. For a host that shows output as it
    /// comes, marked by writer; the text also went to [`Host::stdout`] or [`Host::stderr`].
    fn line(&self, who: &str, stderr: bool, text: &str) {
        let _ = (who, stderr, text);
    }
}

/// Implements the named [`Host`] methods by passing each call on to the host in the field
/// `$inner`, so that a host that wraps another writes only the methods it changes:
/// `forward_host!(inner: monotonic, time, sleep);` inside an `impl Host`.
macro_rules! forward_host {
    ($inner:ident: $($method:ident),+ $(,)?) => {
        $( $crate::host::forward_host!(@ $inner $method); )+
    };
    (@ $i:ident monotonic) => { fn monotonic(&self) -> f64 { self.$i.monotonic() } };
    (@ $i:ident time) => { fn time(&self) -> f64 { self.$i.time() } };
    (@ $i:ident sleep) => { fn sleep(&self, secs: f64) { self.$i.sleep(secs) } };
    (@ $i:ident spawn) => {
        fn spawn(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), String> { self.$i.spawn(f) }
    };
    (@ $i:ident stdout) => { fn stdout(&self, s: &str) { self.$i.stdout(s) } };
    (@ $i:ident stderr) => { fn stderr(&self, s: &str) { self.$i.stderr(s) } };
    (@ $i:ident flush) => { fn flush(&self) { self.$i.flush() } };
    (@ $i:ident cpu_count) => { fn cpu_count(&self) -> usize { self.$i.cpu_count() } };
    (@ $i:ident pid) => { fn pid(&self) -> u32 { self.$i.pid() } };
    (@ $i:ident cpu_time) => { fn cpu_time(&self) -> f64 { self.$i.cpu_time() } };
    (@ $i:ident stack_size) => { fn stack_size(&self) -> usize { self.$i.stack_size() } };
    (@ $i:ident line) => {
        fn line(&self, who: &str, stderr: bool, text: &str) { self.$i.line(who, stderr, text) }
    };
}
pub(crate) use forward_host;

/// Where `random` gets its seed on a host with no clock or process id that std can
/// read (WebAssembly in the browser): the embedder stores a random value here.
pub static ENTROPY: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(5489);

/// Stack size of interpreter threads: deep Python recursion runs on the Rust stack.
pub const THREAD_STACK: usize = 256 << 20;

/// The native host: OS threads, std clocks, buffered stdout.
pub struct StdHost {
    start: Instant,
    out: Mutex<std::io::BufWriter<std::io::Stdout>>,
    /// Flush every line on a terminal (as CPython does), buffer when piped.
    line_buffered: bool,
}

impl StdHost {
    /// A host writing to this process's stdout and stderr.
    pub fn new() -> StdHost {
        StdHost {
            start: Instant::now(),
            out: Mutex::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            line_buffered: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        }
    }
}

impl Default for StdHost {
    fn default() -> Self {
        StdHost::new()
    }
}

impl Host for StdHost {
    fn monotonic(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn time(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }

    fn sleep(&self, secs: f64) {
        if secs > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(secs));
        } else {
            std::thread::yield_now();
        }
    }

    fn spawn(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), String> {
        std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(f)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn stdout(&self, s: &str) {
        let mut out = crate::objects::lock(&self.out);
        // A closed pipe is not the program's error: drop the output.
        let _ = out.write_all(s.as_bytes());
        if self.line_buffered && s.contains('\n') {
            let _ = out.flush();
        }
    }

    fn stderr(&self, s: &str) {
        self.flush();
        let _ = std::io::stderr().write_all(s.as_bytes());
    }

    fn flush(&self) {
        let _ = crate::objects::lock(&self.out).flush();
    }

    fn cpu_count(&self) -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    }

    fn pid(&self) -> u32 {
        std::process::id()
    }

    fn cpu_time(&self) -> f64 {
        // Linux: user + system time of the whole process, in clock ticks (100 a second on
        // Linux's usual configuration), from /proc. Elsewhere: wall time.
        let ticks = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let rest = &s[s.rfind(')')? + 1..];
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
            });
        match ticks {
            Some(t) => t as f64 / 100.0,
            None => self.monotonic(),
        }
    }
}
