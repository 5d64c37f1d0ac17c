# multiprocessing for the lab's Python. A process is a separate runtime (own heap, own GIL,
# own modules) on its own host thread; arguments and results cross pickled (_lab_process).
# The default start method is the run's (_lab_process.default_start_method()): 'forkserver'
# unless the run chose another, as in CPython 3.14 on Linux (3.13: 'fork').
import _lab_process
import _thread
import threading
import os

PicklingError = _lab_process.PicklingError
TimeoutError = TimeoutError

_METHODS = ("fork", "spawn", "forkserver")
_default_method = _lab_process.default_start_method()
_method_fixed = False
_inheriting = False
_counter = 0
_children = []

_BOOTSTRAP_ERROR = '''
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.

        This probably means that you are not using fork to start your
        child processes and you have forgotten to use the proper idiom
        in the main module:

            if __name__ == '__main__':
                freeze_support()
                ...

        The "freeze_support()" line can be omitted if the program
        is not going to be frozen to produce an executable.

        To fix this issue, refer to the "Safe importing of main module"
        section in https://docs.python.org/3/library/multiprocessing.html
        '''


class ProcessError(Exception):
    pass


class AuthenticationError(ProcessError):
    pass


class _MainProcess:
    def __init__(self):
        self.name = "MainProcess"
        self.daemon = False
        self.pid = os.getpid()
        self.ident = self.pid
        self._identity = ()

    def __repr__(self):
        return f"<_MainProcess name='{self.name}' parent=None started>"


_current = _MainProcess()
_parent = None


def current_process():
    return _current


def parent_process():
    return _parent


def active_children():
    return [p for p in _children if p.is_alive()]


def cpu_count():
    return os.cpu_count()


def freeze_support():
    pass


class Process:
    _start_method = None

    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        global _counter
        _counter += 1
        self._identity = _current._identity + (_counter,)
        self._target = target
        self._args = tuple(args)
        self._kwargs = dict(kwargs) if kwargs is not None else {}
        if name is None:
            name = type(self).__name__ + "-" + ":".join(str(i) for i in self._identity)
        self._name = name
        self._daemon = bool(daemon) if daemon is not None else _current.daemon
        self._handle = None
        self._parent_pid = os.getpid()
        self._closed = False

    def run(self):
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def _method(self):
        if self._start_method is not None:
            return self._start_method
        return _default_method

    def start(self):
        if self._handle is not None:
            raise AssertionError("cannot start a process twice")
        if self._parent_pid != os.getpid():
            raise AssertionError("can only start a process object created by current process")
        if _current.daemon:
            raise AssertionError("daemonic processes are not allowed to have children")
        method = self._method()
        if method != "fork" and _inheriting:
            raise RuntimeError(_BOOTSTRAP_ERROR)
        self._handle = _lab_process.start(method, self._name, _child_main, (self, os.getpid(), _current.name))
        _children.append(self)

    def join(self, timeout=None):
        if self._handle is None:
            raise AssertionError("can only join a started process")
        self._handle.join(timeout)

    def is_alive(self):
        if self._handle is None:
            return False
        return self._handle.poll() is None

    def terminate(self):
        # Ends at once for the parent (exit code -15); see _lab_process for the runtime.
        if self._handle is not None:
            self._handle.terminate()

    def kill(self):
        if self._handle is not None:
            self._handle.kill()

    def close(self):
        if self.is_alive():
            raise ValueError("Cannot close a process while it is still running. You should first call join() or terminate().")
        self._closed = True

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def daemon(self):
        return self._daemon

    @daemon.setter
    def daemon(self, value):
        if self._handle is not None:
            raise AssertionError("process has already started")
        self._daemon = bool(value)

    @property
    def exitcode(self):
        if self._handle is None:
            return None
        return self._handle.poll()

    @property
    def pid(self):
        if self._handle is None:
            return None
        return self._handle.pid

    @property
    def ident(self):
        return self.pid

    def __repr__(self):
        if self._handle is None:
            status = "initial"
        elif self._handle.poll() is None:
            status = "started"
        else:
            code = self._handle.poll()
            status = "stopped" if code == 0 else f"stopped exitcode={code}"
        pid = "" if self.pid is None else f" pid={self.pid}"
        daemon = " daemon" if self._daemon else ""
        return f"<{type(self).__name__} name='{self._name}'{pid} parent={self._parent_pid} {status}{daemon}>"


class SpawnProcess(Process):
    _start_method = "spawn"


class ForkProcess(Process):
    _start_method = "fork"


class ForkServerProcess(Process):
    _start_method = "forkserver"


def _child_prepare(method, name, inheriting):
    # Runs in a new child before its main module: the start method is fixed there.
    global _default_method, _method_fixed, _inheriting
    _default_method = method
    _method_fixed = True
    _inheriting = inheriting
    _current.name = name


class _ParentProcess:
    def __init__(self, name, pid):
        self.name = name
        self.pid = pid
        self.ident = pid
        self.daemon = False

    def __repr__(self):
        return f"<_ParentProcess name='{self.name}' parent=None unknown>"


def _child_main(proc, parent_pid, parent_name):
    # The body of a child process: run the Process object, return the exit code.
    global _current, _counter, _children, _parent
    _current = proc
    _counter = 0
    _children = []
    proc._parent_pid = parent_pid
    _parent = _ParentProcess(parent_name, parent_pid)
    try:
        try:
            proc.run()
            code = 0
        except SystemExit as e:
            code = e.args[0] if e.args else None
            if code is None:
                code = 0
            elif not isinstance(code, int):
                _thread._stderr(str(code) + "\n")
                code = 1
        except BaseException:
            _thread._stderr(f"Process {proc.name}:\n" + _thread._format_exc())
            code = 1
    finally:
        _exit_function()
    return code


def _exit_function():
    # At the end of a process: wait for its non-daemon children.
    for p in list(_children):
        if not p._daemon and p._handle is not None:
            p.join()


threading._register_atexit(_exit_function)


def get_start_method(allow_none=False):
    return _default_method


def get_all_start_methods():
    return ["forkserver", "fork", "spawn"]


def set_start_method(method, force=False):
    global _default_method, _method_fixed
    if _method_fixed and not force:
        raise RuntimeError("context has already been set")
    if method not in _METHODS:
        raise ValueError(f"cannot find context for {method!r}")
    _default_method = method
    _method_fixed = True


def Queue(maxsize=0):
    return _lab_process.Queue(maxsize)


def SimpleQueue():
    return _lab_process.Queue(0)


def JoinableQueue(maxsize=0):
    return _lab_process.Queue(maxsize)


def Lock():
    return _lab_process.Lock()


def RLock():
    return _lab_process.RLock()


def Semaphore(value=1):
    return _lab_process.Semaphore(value)


def Value(typecode_or_type, *args, lock=True):
    return _lab_process.Value(typecode_or_type, args[0] if args else 0, lock)


class _Context:
    def __init__(self, method):
        self._name = method
        self.Process = {"spawn": SpawnProcess, "fork": ForkProcess, "forkserver": ForkServerProcess}[method]

    def get_start_method(self, allow_none=False):
        return self._name

    def Pool(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None):
        return Pool(processes, initializer, initargs, maxtasksperchild, context=self)

    def Queue(self, maxsize=0):
        return Queue(maxsize)

    def SimpleQueue(self):
        return SimpleQueue()

    def JoinableQueue(self, maxsize=0):
        return JoinableQueue(maxsize)

    def Lock(self):
        return Lock()

    def RLock(self):
        return RLock()

    def Semaphore(self, value=1):
        return Semaphore(value)

    def Value(self, typecode_or_type, *args, lock=True):
        return Value(typecode_or_type, *args, lock=lock)

    def cpu_count(self):
        return cpu_count()

    def current_process(self):
        return _current

    def __repr__(self):
        names = {"spawn": "SpawnContext", "fork": "ForkContext", "forkserver": "ForkServerContext"}
        return f"<multiprocessing.context.{names[self._name]} object>"


def get_context(method=None):
    global _method_fixed
    if method is None:
        _method_fixed = True
        method = _default_method
    if method not in _METHODS:
        raise ValueError(f"cannot find context for {method!r}")
    return _Context(method)


def _unsupported(name):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"the lab's Python does not support multiprocessing.{name}")
    return stub


Pipe = _unsupported("Pipe")
Manager = _unsupported("Manager")
Array = _unsupported("Array")
Event = _unsupported("Event")
Condition = _unsupported("Condition")
Barrier = _unsupported("Barrier")


# --- Pool -------------------------------------------------------------------------------

def _pool_worker(tasks, results, initializer, initargs):
    if initializer is not None:
        initializer(*initargs)
    while True:
        task = tasks.get()
        if task is None:
            break
        job, i, func, chunk, star = task
        try:
            if star is None:
                value = func(*chunk[0], **chunk[1])
            elif star:
                value = [func(*args) for args in chunk]
            else:
                value = [func(x) for x in chunk]
            result = (True, value)
        except BaseException as e:
            result = (False, e)
        try:
            results.put((job, i, result))
        except BaseException as e:
            results.put((job, i, (False, e)))


class AsyncResult:
    def __init__(self, pool, callback=None, error_callback=None):
        self._pool = pool
        self._event = threading.Event()
        self._callback = callback
        self._error_callback = error_callback
        self._success = None
        self._value = None

    def ready(self):
        return self._event.is_set()

    def successful(self):
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return self._success

    def wait(self, timeout=None):
        self._event.wait(timeout)

    def get(self, timeout=None):
        self.wait(timeout)
        if not self.ready():
            raise TimeoutError
        if self._success:
            return self._value
        raise self._value

    def _set(self, i, result):
        self._success, self._value = result
        if self._success and self._callback is not None:
            self._callback(self._value)
        if not self._success and self._error_callback is not None:
            self._error_callback(self._value)
        self._event.set()


class MapResult(AsyncResult):
    def __init__(self, pool, chunks, length, callback=None, error_callback=None):
        AsyncResult.__init__(self, pool, callback, error_callback)
        self._chunks = [None] * chunks
        self._left = chunks
        self._length = length
        if chunks == 0:
            self._success = True
            self._value = []
            self._event.set()

    def _set(self, i, result):
        ok, value = result
        if self._event.is_set():
            return
        if not ok:
            AsyncResult._set(self, i, result)
            return
        self._chunks[i] = value
        self._left -= 1
        if self._left == 0:
            out = []
            for c in self._chunks:
                out.extend(c)
            AsyncResult._set(self, i, (True, out))


class IMapIterator:
    def __init__(self, ordered):
        self._cond = threading.Condition(threading.Lock())
        self._ordered = ordered
        self._arrived = {}
        self._order = []
        self._next = 0
        self._total = None

    def _set(self, i, result):
        with self._cond:
            self._arrived[i] = result
            self._order.append(i)
            self._cond.notify_all()

    def _set_length(self, n):
        with self._cond:
            self._total = n
            self._cond.notify_all()

    def __iter__(self):
        return self

    def next(self, timeout=None):
        with self._cond:
            while True:
                if self._total is not None and self._next >= self._total:
                    raise StopIteration
                if self._ordered:
                    key = self._next
                    if key in self._arrived:
                        break
                elif self._order:
                    key = self._order.pop(0)
                    break
                if not self._cond.wait(timeout):
                    raise TimeoutError
            ok, value = self._arrived.pop(key)
            self._next += 1
        if ok:
            return value[0]
        raise value

    def __next__(self):
        return self.next()


class Pool:
    def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None, context=None):
        if processes is None:
            processes = os.cpu_count() or 1
        if processes < 1:
            raise ValueError("Number of processes must be at least 1")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._ctx = context if context is not None else get_context()
        self._processes = processes
        self._tasks = SimpleQueue()
        self._results = SimpleQueue()
        self._cache = {}
        self._job = 0
        self._state = "RUN"
        self._lock = threading.Lock()
        self._pool = []
        for i in range(processes):
            w = self._ctx.Process(target=_pool_worker, args=(self._tasks, self._results, initializer, initargs))
            w.name = w.name.replace("Process", "PoolWorker")
            w.daemon = True
            w.start()
            self._pool.append(w)
        self._handler = threading.Thread(target=self._handle_results, daemon=True)
        self._handler.start()

    def _handle_results(self):
        while True:
            try:
                item = self._results.get(timeout=0.05)
            except Exception:
                if not any(w.is_alive() for w in self._pool):
                    self._workers_gone()
                    return
                continue
            if item is None:
                return
            job, i, result = item
            with self._lock:
                target = self._cache.get(job)
            if target is not None:
                target._set(i, result)

    def _workers_gone(self):
        # CPython would start new workers and wait forever; the lab reports the failure.
        codes = sorted(set(w.exitcode for w in self._pool))
        with self._lock:
            pending = list(self._cache.items())
            self._cache.clear()
        self._state = "BROKEN"
        for job, target in pending:
            error = RuntimeError(f"every worker process of the pool has exited (exit codes {codes}); the lab's Python does not start new ones")
            if isinstance(target, IMapIterator):
                target._set(target._next, (False, error))
                target._set_length(target._next + 1)
            elif not target.ready():
                target._set(0, (False, error))

    def _check_running(self):
        if self._state != "RUN":
            raise ValueError("Pool not running")

    def _new_job(self, target):
        with self._lock:
            self._job += 1
            self._cache[self._job] = target
            return self._job

    def _send(self, job, i, func, chunk, star, target):
        # Pickling happens here: an object that cannot be pickled fails this job only.
        try:
            self._tasks.put((job, i, func, chunk, star))
            return True
        except BaseException as e:
            target._set(i, (False, e))
            return False

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        self._check_running()
        result = AsyncResult(self, callback, error_callback)
        job = self._new_job(result)
        self._send(job, 0, func, (tuple(args), dict(kwds)), None, result)
        return result

    def apply(self, func, args=(), kwds={}):
        return self.apply_async(func, args, kwds).get()

    def _chunks(self, items, chunksize):
        if chunksize is None:
            chunksize, extra = divmod(len(items), len(self._pool) * 4)
            if extra:
                chunksize += 1
        if chunksize < 1:
            chunksize = 1
        return [items[i:i + chunksize] for i in range(0, len(items), chunksize)]

    def _map_async(self, func, iterable, chunksize, star, callback=None, error_callback=None):
        self._check_running()
        items = list(iterable)
        chunks = self._chunks(items, chunksize)
        result = MapResult(self, len(chunks), len(items), callback, error_callback)
        job = self._new_job(result)
        for i, chunk in enumerate(chunks):
            if not self._send(job, i, func, chunk, star, result):
                break
        return result

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return self._map_async(func, iterable, chunksize, False, callback, error_callback)

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return self._map_async(func, iterable, chunksize, True, callback, error_callback)

    def map(self, func, iterable, chunksize=None):
        return self._map_async(func, iterable, chunksize, False).get()

    def starmap(self, func, iterable, chunksize=None):
        return self._map_async(func, iterable, chunksize, True).get()

    def _imap(self, func, iterable, chunksize, ordered):
        self._check_running()
        it = IMapIterator(ordered)
        job = self._new_job(it)
        n = 0
        for x in iterable:
            if not self._send(job, n, func, [x], False, it):
                n += 1
                break
            n += 1
        it._set_length(n)
        return it

    def imap(self, func, iterable, chunksize=1):
        return self._imap(func, iterable, chunksize, True)

    def imap_unordered(self, func, iterable, chunksize=1):
        return self._imap(func, iterable, chunksize, False)

    def close(self):
        if self._state == "RUN":
            self._state = "CLOSE"
            for _ in self._pool:
                self._tasks.put(None)

    def terminate(self):
        # Drop the tasks not yet taken and end the workers (see Process.terminate).
        if self._state == "TERMINATED":
            return
        while True:
            try:
                self._tasks.get_nowait()
            except Exception:
                break
        if self._state == "RUN":
            for _ in self._pool:
                self._tasks.put(None)
        self._state = "TERMINATED"
        for w in self._pool:
            w.terminate()
        self._stop_handler()

    def _stop_handler(self):
        if self._handler is not None:
            self._results.put(None)
            self._handler.join()
            self._handler = None

    def join(self):
        if self._state == "RUN":
            raise ValueError("Pool is still running")
        for w in self._pool:
            w.join()
        self._stop_handler()

    def __enter__(self):
        self._check_running()
        return self

    def __exit__(self, *exc):
        self.terminate()
        return False

    def __repr__(self):
        return f"<multiprocessing.pool.Pool state={self._state} pool_size={len(self._pool)}>"
