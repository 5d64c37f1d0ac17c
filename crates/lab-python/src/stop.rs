//! Stopping a run from outside: the host sets the runtime's stop flag and every Python
//! thread ends with `KeyboardInterrupt` at its next eval-breaker check or blocking wait.
//!
//! Blocking waits never sleep longer than [`SLICE`] without looking at the flag, so a
//! thread asleep for an hour, or two threads deadlocked on each other's locks, end as soon
//! as an infinite loop does. The flag stays set, so a program that catches the exception
//! gets it again at its next backward jump or call: a run always ends.

use crate::host::Host;
use crate::vm::{PyErr, Runtime, err};
use std::sync::atomic::Ordering;

/// The longest a blocking wait sleeps before it looks at the stop flag again, in seconds.
pub const SLICE: f64 = 0.01;

/// The exception a stopped thread raises (what CPython raises on Ctrl-C).
pub fn stop_error() -> Box<PyErr> {
    err("KeyboardInterrupt", "")
}

impl Runtime {
    /// Has the host asked the run to stop?
    #[inline]
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Sleep `secs` on `host` in slices, giving up early when `rt` is stopped; returns false
/// if it was stopped. The caller has released the GIL.
pub(crate) fn sleep(rt: &Runtime, host: &dyn Host, secs: f64) -> bool {
    if secs <= 0.0 {
        host.sleep(0.0);
        return !rt.stopping();
    }
    let end = host.monotonic() + secs;
    loop {
        if rt.stopping() {
            return false;
        }
        let left = end - host.monotonic();
        if left <= 0.0 {
            return true;
        }
        host.sleep(left.min(SLICE));
    }
}
