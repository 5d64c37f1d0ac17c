# threading for the lab's Python, built on the native _thread module.
import _thread

get_ident = _thread.get_ident
get_native_id = _thread.get_ident
Lock = _thread.allocate_lock
RLock = _thread.RLock
local = _thread._local

_threads = {}
_counter = 0
_main = None


class Thread:
    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        global _counter
        _counter += 1
        self._target = target
        self._args = args
        self._kwargs = kwargs if kwargs is not None else {}
        if name is None:
            name = f"Thread-{_counter}"
            if target is not None and hasattr(target, "__name__"):
                name = f"Thread-{_counter} ({target.__name__})"
        self.name = name
        self.daemon = bool(daemon)
        self._started = False
        self._done = _thread.allocate_lock("join")
        self.ident = None

    def start(self):
        if self._started:
            raise RuntimeError("threads can only be started once")
        self._started = True
        self._done.acquire()
        # As in CPython, start() returns once the thread runs: its ident is known and it
        # counts in active_count().
        self._running = _thread.allocate_lock("start")
        self._running.acquire()
        self.ident = _thread.start_new_thread(self._bootstrap, ())
        self.native_id = self.ident
        self._running.acquire()

    def _bootstrap(self):
        # Free-threaded, this can run before start() has stored the ident: use our own.
        ident = _thread.get_ident()
        self.ident = ident
        _thread._name(self.name)
        _threads[ident] = self
        self._running.release()
        try:
            self.run()
        except SystemExit:
            pass
        except BaseException:
            # A stopped run's threads end quietly: the main thread reports the stop.
            if not _thread._stopping():
                _thread._stderr(f"Exception in thread {self.name}:\n" + _thread._format_exc())
        finally:
            _threads.pop(ident, None)
            self._done.release()

    def run(self):
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def join(self, timeout=None):
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if self is current_thread():
            raise RuntimeError("cannot join current thread")
        if timeout is None:
            self._done.acquire()
            self._done.release()
        elif self._done.acquire(True, max(timeout, 0)):
            self._done.release()

    def is_alive(self):
        return self._started and self._done.locked()

    def __repr__(self):
        state = "started" if self.is_alive() else ("stopped" if self._started else "initial")
        return f"<Thread({self.name}, {state})>"


class _MainThread(Thread):
    def __init__(self):
        global _counter
        Thread.__init__(self, name="MainThread")
        _counter -= 1
        self._started = True
        self._done.acquire()
        self.ident = _thread.get_ident()


def current_thread():
    t = _threads.get(_thread.get_ident())
    if t is None:
        return _main
    return t


def main_thread():
    return _main


def active_count():
    return len(_threads) + 1


def enumerate():
    return [_main] + list(_threads.values())


class Condition:
    def __init__(self, lock=None):
        if lock is None:
            lock = RLock()
        self._lock = lock
        self._waiters = []
        # What a waiting thread is blocked on, in the run's trace (queue.py sets "queue").
        self._kind = "wait"

    def acquire(self, *args):
        return self._lock.acquire(*args)

    def release(self):
        self._lock.release()

    def __enter__(self):
        return self._lock.acquire()

    def __exit__(self, *exc):
        self._lock.release()

    def wait(self, timeout=None):
        waiter = _thread.allocate_lock(self._kind)
        waiter.acquire()
        self._waiters.append(waiter)
        self._lock.release()
        try:
            if timeout is None:
                got = waiter.acquire()
            else:
                got = waiter.acquire(True, max(timeout, 0))
            if not got and waiter in self._waiters:
                self._waiters.remove(waiter)
            return got
        finally:
            self._lock.acquire()

    def wait_for(self, predicate, timeout=None):
        result = predicate()
        while not result:
            self.wait(timeout)
            result = predicate()
            if timeout is not None:
                break
        return result

    def notify(self, n=1):
        for _ in range(min(n, len(self._waiters))):
            self._waiters.pop(0).release()

    def notify_all(self):
        self.notify(len(self._waiters))


class Event:
    def __init__(self):
        self._cond = Condition(Lock())
        self._flag = False

    def is_set(self):
        return self._flag

    def set(self):
        with self._cond:
            self._flag = True
            self._cond.notify_all()

    def clear(self):
        with self._cond:
            self._flag = False

    def wait(self, timeout=None):
        with self._cond:
            if not self._flag:
                self._cond.wait(timeout)
            return self._flag


class Semaphore:
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = Condition(Lock())
        self._value = value

    def acquire(self, blocking=True, timeout=None):
        with self._cond:
            while self._value == 0:
                if not blocking:
                    return False
                if not self._cond.wait(timeout) and timeout is not None:
                    return False
            self._value -= 1
            return True

    def release(self, n=1):
        with self._cond:
            self._value += n
            self._cond.notify(n)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        Semaphore.__init__(self, value)
        self._initial = value

    def release(self, n=1):
        with self._cond:
            if self._value + n > self._initial:
                raise ValueError("Semaphore released too many times")
            self._value += n
            self._cond.notify(n)


class BrokenBarrierError(RuntimeError):
    pass


class Barrier:
    def __init__(self, parties, action=None, timeout=None):
        if parties < 1:
            raise ValueError("parties must be >= 1")
        self._cond = Condition(Lock())
        self.parties = parties
        self._action = action
        self._timeout = timeout
        self._count = 0
        self._generation = 0
        self.broken = False

    @property
    def n_waiting(self):
        return self._count

    def wait(self, timeout=None):
        if timeout is None:
            timeout = self._timeout
        with self._cond:
            if self.broken:
                raise BrokenBarrierError
            generation = self._generation
            index = self._count
            self._count += 1
            if self._count == self.parties:
                if self._action is not None:
                    self._action()
                self._count = 0
                self._generation += 1
                self._cond.notify_all()
                return index
            while generation == self._generation and not self.broken:
                if not self._cond.wait(timeout) and timeout is not None:
                    self._break()
            if self.broken:
                raise BrokenBarrierError
            return index

    def _break(self):
        self.broken = True
        self._count = 0
        self._cond.notify_all()

    def abort(self):
        with self._cond:
            self._break()

    def reset(self):
        with self._cond:
            self._break()
            self.broken = False
            self._generation += 1


_atexit = []


def _register_atexit(func, *args):
    _atexit.append((func, args))


class Timer(Thread):
    def __init__(self, interval, function, args=None, kwargs=None):
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = Event()

    def cancel(self):
        self.finished.set()

    def run(self):
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


def _shutdown():
    for func, args in _atexit:
        func(*args)
    for t in list(_threads.values()):
        if not t.daemon:
            t.join()


_main = _MainThread()
