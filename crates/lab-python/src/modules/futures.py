# concurrent.futures for the lab's Python: Future and ThreadPoolExecutor on real threads.
import threading
import queue

FIRST_COMPLETED = "FIRST_COMPLETED"
FIRST_EXCEPTION = "FIRST_EXCEPTION"
ALL_COMPLETED = "ALL_COMPLETED"


class CancelledError(Exception):
    pass


class Future:
    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._state = "PENDING"
        self._result = None
        self._exception = None
        self._callbacks = []

    def __repr__(self):
        return f"<Future state={self._state.lower()}>"

    def done(self):
        return self._state in ("FINISHED", "CANCELLED")

    def running(self):
        return self._state == "RUNNING"

    def cancelled(self):
        return self._state == "CANCELLED"

    def cancel(self):
        with self._cond:
            if self._state in ("RUNNING", "FINISHED"):
                return False
            if self._state == "PENDING":
                self._state = "CANCELLED"
                self._cond.notify_all()
        self._run_callbacks()
        return True

    def _start(self):
        with self._cond:
            if self._state == "CANCELLED":
                return False
            self._state = "RUNNING"
            return True

    def _wait(self, timeout):
        with self._cond:
            if not self.done():
                self._cond.wait(timeout)
            if self._state == "CANCELLED":
                raise CancelledError()
            if not self.done():
                raise TimeoutError()

    def result(self, timeout=None):
        self._wait(timeout)
        if self._exception is not None:
            raise self._exception
        return self._result

    def exception(self, timeout=None):
        self._wait(timeout)
        return self._exception

    def set_result(self, result):
        self._finish(result, None)

    def set_exception(self, exception):
        self._finish(None, exception)

    def _finish(self, result, exception):
        with self._cond:
            self._result = result
            self._exception = exception
            self._state = "FINISHED"
            self._cond.notify_all()
        self._run_callbacks()

    def add_done_callback(self, fn):
        with self._cond:
            if not self.done():
                self._callbacks.append(fn)
                return
        fn(self)

    def _run_callbacks(self):
        for fn in self._callbacks:
            fn(self)
        self._callbacks = []


_executors = []
_pool_count = 0


def _shutdown_all():
    for e in _executors:
        e.shutdown(True)


threading._register_atexit(_shutdown_all)


class ThreadPoolExecutor:
    def __init__(self, max_workers=None, thread_name_prefix=""):
        global _pool_count
        if max_workers is None:
            max_workers = 5
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers
        self._work = queue.Queue()
        self._threads = []
        self._closed = False
        self._lock = threading.Lock()
        self._prefix = thread_name_prefix or f"ThreadPoolExecutor-{_pool_count}"
        _pool_count += 1
        _executors.append(self)

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            f = Future()
            self._work.put((f, fn, args, kwargs))
            if len(self._threads) < self._max_workers:
                t = threading.Thread(target=self._worker, name=f"{self._prefix}_{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
            return f

    def _worker(self):
        while True:
            item = self._work.get()
            if item is None:
                return
            f, fn, args, kwargs = item
            if not f._start():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                f.set_exception(e)
            else:
                f.set_result(result)

    def map(self, fn, *iterables, timeout=None):
        fs = [self.submit(fn, *args) for args in zip(*iterables)]
        return (f.result(timeout) for f in fs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            if not self._closed:
                self._closed = True
                for _ in self._threads:
                    self._work.put(None)
        if wait:
            for t in self._threads:
                t.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown(True)
        return False


def as_completed(fs, timeout=None):
    done = queue.Queue()
    fs = list(fs)
    for f in fs:
        f.add_done_callback(done.put)
    for _ in range(len(fs)):
        yield done.get(True, timeout)


def wait(fs, timeout=None, return_when=ALL_COMPLETED):
    fs = list(fs)
    if return_when == ALL_COMPLETED:
        for f in fs:
            try:
                f._wait(timeout)
            except BaseException:
                pass
    else:
        first = queue.Queue()
        for f in fs:
            f.add_done_callback(first.put)
        try:
            first.get(True, timeout)
        except queue.Empty:
            pass
    done = {f for f in fs if f.done()}
    return (done, {f for f in fs if not f.done()})


# --- Process and interpreter pools (multiprocessing and concurrent.interpreters) ---------

def _process_chunk(fn, chunk):
    return [fn(*args) for args in chunk]


class ProcessPoolExecutor:
    def __init__(self, max_workers=None, mp_context=None, initializer=None, initargs=(), *, max_tasks_per_child=None):
        import multiprocessing
        import os
        if max_workers is None:
            max_workers = os.process_cpu_count() or 1
        elif max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers
        self._ctx = mp_context if mp_context is not None else multiprocessing.get_context()
        self._initializer = initializer
        self._initargs = initargs
        self._pool = None
        self._closed = False
        self._lock = threading.Lock()
        _executors.append(self)

    def _get_pool(self):
        # Workers start with the first task, as CPython starts them on demand.
        if self._pool is None:
            self._pool = self._ctx.Pool(self._max_workers, self._initializer, self._initargs)
        return self._pool

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            f = Future()
            f._start()
            self._get_pool().apply_async(fn, args, kwargs, callback=f.set_result, error_callback=f.set_exception)
            return f

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        items = list(zip(*iterables))
        chunks = [items[i:i + chunksize] for i in range(0, len(items), chunksize)]
        fs = [self.submit(_process_chunk, fn, chunk) for chunk in chunks]

        def results():
            for f in fs:
                for r in f.result(timeout):
                    yield r
        return results()

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            self._closed = True
            pool = self._pool
        if pool is not None and pool._state == "RUN":
            pool.close()
            if wait:
                pool.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown(True)
        return False


class InterpreterPoolExecutor(ThreadPoolExecutor):
    # Each worker thread runs its tasks in a subinterpreter of its own.
    def __init__(self, max_workers=None, thread_name_prefix="", initializer=None, initargs=()):
        ThreadPoolExecutor.__init__(self, max_workers, thread_name_prefix or "InterpreterPoolExecutor")
        self._initializer = initializer
        self._initargs = initargs

    def _worker(self):
        from concurrent import interpreters
        interp = interpreters.create()
        try:
            if self._initializer is not None:
                interp.call(self._initializer, *self._initargs)
            while True:
                item = self._work.get()
                if item is None:
                    return
                f, fn, args, kwargs = item
                if not f._start():
                    continue
                try:
                    result = interp.call(fn, *args, **kwargs)
                except BaseException as e:
                    f.set_exception(e)
                else:
                    f.set_result(result)
        finally:
            interp.close()
