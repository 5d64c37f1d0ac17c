//! The global interpreter lock, modelled on CPython's `ceval_gil.c`: a waiting thread waits one
//! switch interval, then sets a drop request; the holder sees it at its next eval-breaker check
//! (a backward jump or a call), releases the lock and waits until another thread has taken it.
//!
//! Objects never rely on the GIL for memory safety (each container has its own lock), so the
//! GIL only decides which thread runs bytecode: with it disabled (free-threaded) all do.

use crate::objects::lock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

struct State {
    locked: bool,
    holder: u64,
    /// Counts hand-overs, to tell whether the lock changed hands while a thread waited.
    switches: u64,
    /// Times the lock was taken by another thread than its last holder.
    handoffs: u64,
}

/// The GIL (or its absence).
pub struct Gil {
    enabled: bool,
    state: Mutex<State>,
    /// Signalled when the lock is released.
    released: Condvar,
    /// Signalled when the lock is taken (for the forced switch).
    taken: Condvar,
    drop_request: AtomicBool,
    interval_us: AtomicU64,
    /// Threads currently running bytecode (a test checks it never exceeds 1 under the GIL).
    running: AtomicU64,
    max_running: AtomicU64,
}

impl Gil {
    /// A GIL; `enabled` false for the free-threaded mode.
    pub fn new(enabled: bool) -> Gil {
        Gil {
            enabled,
            state: Mutex::new(State {
                locked: false,
                holder: 0,
                switches: 0,
                handoffs: 0,
            }),
            released: Condvar::new(),
            taken: Condvar::new(),
            drop_request: AtomicBool::new(false),
            interval_us: AtomicU64::new(5000),
            running: AtomicU64::new(0),
            max_running: AtomicU64::new(0),
        }
    }

    /// Is there a GIL?
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The switch interval in seconds.
    pub fn interval(&self) -> f64 {
        self.interval_us.load(Ordering::Relaxed) as f64 / 1e6
    }

    /// Set the switch interval in seconds.
    pub fn set_interval(&self, secs: f64) {
        self.interval_us
            .store((secs * 1e6).max(1.0) as u64, Ordering::Relaxed);
    }

    /// The most threads ever seen running bytecode at once.
    pub fn max_running(&self) -> u64 {
        self.max_running.load(Ordering::Relaxed)
    }

    /// Times the GIL passed from one thread to another (0 free-threaded).
    pub fn handoffs(&self) -> u64 {
        lock(&self.state).handoffs
    }

    /// Take the GIL for thread `ident`, waiting as long as needed.
    pub fn acquire(&self, ident: u64) {
        if self.enabled {
            let mut st = lock(&self.state);
            while st.locked {
                let seen = st.switches;
                let interval = Duration::from_micros(self.interval_us.load(Ordering::Relaxed));
                let (guard, res) = match self.released.wait_timeout(st, interval) {
                    Ok(r) => r,
                    Err(p) => p.into_inner(),
                };
                st = guard;
                if res.timed_out() && st.locked && st.switches == seen {
                    // The holder had a whole interval: ask it to drop the lock.
                    self.drop_request.store(true, Ordering::Release);
                }
            }
            st.locked = true;
            if st.holder != 0 && st.holder != ident {
                st.handoffs += 1;
            }
            st.holder = ident;
            st.switches += 1;
            self.drop_request.store(false, Ordering::Release);
            self.taken.notify_all();
        }
        let now = self.running.fetch_add(1, Ordering::AcqRel) + 1;
        self.max_running.fetch_max(now, Ordering::AcqRel);
    }

    /// Release the GIL.
    pub fn release(&self) {
        self.running.fetch_sub(1, Ordering::AcqRel);
        if self.enabled {
            let mut st = lock(&self.state);
            st.locked = false;
            drop(st);
            self.released.notify_one();
        }
    }

    /// The eval breaker: is a drop request pending? (One relaxed load on the hot path.)
    #[inline]
    pub fn should_yield(&self) -> bool {
        self.drop_request.load(Ordering::Relaxed)
    }

    /// Serve a drop request: release, wait until another thread has taken the lock, re-take.
    pub fn yield_now(&self, ident: u64) {
        if !self.enabled {
            return;
        }
        self.running.fetch_sub(1, Ordering::AcqRel);
        let mut st = lock(&self.state);
        st.locked = false;
        let seen = st.switches;
        self.released.notify_one();
        // Forced switching: do not take the lock straight back. The wait is bounded in case
        // the thread that asked is no longer waiting (it cannot be woken otherwise).
        while st.switches == seen {
            let (g, res) = match self.taken.wait_timeout(st, Duration::from_millis(50)) {
                Ok(r) => r,
                Err(p) => p.into_inner(),
            };
            st = g;
            if res.timed_out() {
                break;
            }
        }
        drop(st);
        self.acquire(ident);
    }
}
