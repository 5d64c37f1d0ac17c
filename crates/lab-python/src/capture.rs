//! A host that keeps the program's output in memory, up to a limit, and takes everything
//! else (clocks, sleeping, threads) from another host: what an embedder (the browser, a
//! test) needs to hand the output back at the end of a run.
//!
//! Natively a program may print a million lines to a pipe; kept in memory they must not
//! grow without bound, so each stream keeps its first `limit` bytes and counts the rest.
//! It also keeps each completed line with its writer (see [`Host::line`]), up to
//! [`crate::trace::MAX_LINES`], for a page that marks lines as they come.

use crate::host::Host;
use crate::objects::lock;
use std::sync::{Arc, Mutex};

/// The bytes each stream keeps unless told otherwise (1 MiB).
pub const DEFAULT_LIMIT: usize = 1 << 20;

#[derive(Default)]
struct Stream {
    text: String,
    /// Bytes written after the limit was reached.
    dropped: usize,
}

impl Stream {
    fn push(&mut self, s: &str, limit: usize) {
        // Once something was dropped, nothing after it is kept (no text with a hole in it).
        let room = if self.dropped > 0 {
            0
        } else {
            limit.saturating_sub(self.text.len())
        };
        if s.len() <= room {
            self.text.push_str(s);
            return;
        }
        // Cut at a character boundary at or before the limit.
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.text.push_str(&s[..cut]);
        self.dropped += s.len() - cut;
    }

    fn take(&mut self) -> (String, usize) {
        (
            std::mem::take(&mut self.text),
            std::mem::take(&mut self.dropped),
        )
    }
}

/// Output kept in memory; the rest from an inner host.
pub struct CaptureHost {
    inner: Arc<dyn Host>,
    limit: usize,
    out: Mutex<Stream>,
    err: Mutex<Stream>,
    lines: Mutex<Vec<Line>>,
}

/// A completed line of output and who wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The thread's `threading` name, or the child process's name.
    pub who: String,
    /// Standard error rather than standard output.
    pub stderr: bool,
    /// The line without its newline.
    pub text: String,
}

/// A stream's kept text and how many bytes past the limit were not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first bytes written, at most the limit.
    pub text: String,
    /// Bytes written beyond the limit.
    pub dropped: usize,
}

impl CaptureHost {
    /// Capture up to `limit` bytes of each stream; clocks, sleep and threads from `inner`.
    pub fn new(inner: Arc<dyn Host>, limit: usize) -> CaptureHost {
        CaptureHost {
            inner,
            limit,
            out: Mutex::new(Stream::default()),
            err: Mutex::new(Stream::default()),
            lines: Mutex::new(Vec::new()),
        }
    }

    /// The completed lines from the `from`-th on (lines are never taken).
    pub fn lines_since(&self, from: usize) -> Vec<Line> {
        lock(&self.lines).get(from..).unwrap_or_default().to_vec()
    }

    /// Standard output so far (taken: the next call returns what comes after).
    pub fn take_stdout(&self) -> Captured {
        let (text, dropped) = lock(&self.out).take();
        Captured { text, dropped }
    }

    /// Standard error so far (taken).
    pub fn take_stderr(&self) -> Captured {
        let (text, dropped) = lock(&self.err).take();
        Captured { text, dropped }
    }

    /// A copy of standard output so far (not taken).
    pub fn stdout_text(&self) -> String {
        lock(&self.out).text.clone()
    }
}

impl Host for CaptureHost {
    crate::host::forward_host!(inner: monotonic, time, sleep, spawn, cpu_count, pid, cpu_time,
        stack_size);

    fn stdout(&self, s: &str) {
        lock(&self.out).push(s, self.limit);
    }

    fn stderr(&self, s: &str) {
        lock(&self.err).push(s, self.limit);
    }

    fn flush(&self) {}

    fn line(&self, who: &str, stderr: bool, text: &str) {
        let mut lines = lock(&self.lines);
        if lines.len() < crate::trace::MAX_LINES {
            lines.push(Line {
                who: who.to_string(),
                stderr,
                text: text.to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_keeps_its_first_bytes_and_counts_the_rest() {
        let mut s = Stream::default();
        s.push("h", 2);
        s.push("éllo\n", 2);
        // 'é' is two bytes and one is left: the cut falls before it rather than inside.
        assert_eq!(s.text, "h");
        assert_eq!(s.dropped, 6);
        s.push("more", 2);
        assert_eq!(s.text, "h");
        assert_eq!(s.dropped, 10);
    }
}
