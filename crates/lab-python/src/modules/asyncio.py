# asyncio for the lab's Python: one event loop on one thread that runs coroutines as tasks.
# A task advances by `send`/`throw` into its coroutine until the coroutine waits on a future;
# the future's completion schedules the next step. With nothing ready, the loop waits on a
# condition (the GIL released) until the next timer is due or another thread hands it work.
import math as _math
import time as _time
import _thread
import _asyncgen
import threading as _threading
from asyncio.exceptions import (
    BrokenBarrierError,
    CancelledError,
    InvalidStateError,
    QueueEmpty,
    QueueFull,
    QueueShutDown,
    TimeoutError,
)

FIRST_COMPLETED = "FIRST_COMPLETED"
FIRST_EXCEPTION = "FIRST_EXCEPTION"
ALL_COMPLETED = "ALL_COMPLETED"

_PENDING = "PENDING"
_CANCELLED = "CANCELLED"
_FINISHED = "FINISHED"

# The running loop of each thread, and the task each loop is running.
_running_loops = {}
_current_tasks = {}
_task_counter = 0


def _report(message, exc=None):
    # What CPython's default exception handler logs, on stderr.
    text = message + "\n"
    if exc is not None:
        text += type(exc).__name__ + ": " + str(exc) + "\n"
    _thread._stderr(text)


def iscoroutine(obj):
    return type(obj).__name__ == "coroutine"


def iscoroutinefunction(func):
    return _asyncgen._is_coroutine_function(func)


def isfuture(obj):
    return getattr(obj, "_asyncio_future_blocking", None) is not None


class Handle:
    def __init__(self, callback, args, loop):
        self._callback = callback
        self._args = args
        self._loop = loop
        self._cancelled = False

    def cancel(self):
        self._cancelled = True

    def cancelled(self):
        return self._cancelled

    def _run(self):
        try:
            self._callback(*self._args)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            _report("Exception in callback " + repr(self._callback), exc)


class TimerHandle(Handle):
    def __init__(self, when, callback, args, loop):
        super().__init__(callback, args, loop)
        self._when = when

    def when(self):
        return self._when


class AbstractEventLoop:
    pass


class _Loop(AbstractEventLoop):
    def __init__(self):
        self._ready = []
        self._scheduled = []
        self._incoming = []
        self._cond = _threading.Condition(_threading.Lock())
        self._stopping = False
        self._closed = False
        self._running = False
        self._default_executor = None
        self._asyncgens = []

    def __repr__(self):
        return f"<_UnixSelectorEventLoop running={self._running} closed={self._closed} debug=False>"

    def time(self):
        return _time.monotonic()

    def call_soon(self, callback, *args, context=None):
        self._check_closed()
        h = Handle(callback, args, self)
        self._ready.append(h)
        return h

    def call_later(self, delay, callback, *args, context=None):
        return self.call_at(self.time() + delay, callback, *args)

    def call_at(self, when, callback, *args, context=None):
        self._check_closed()
        h = TimerHandle(when, callback, args, self)
        # Keep the timers sorted by due time (equal times stay in order of scheduling).
        i = len(self._scheduled)
        while i > 0 and self._scheduled[i - 1]._when > when:
            i -= 1
        self._scheduled.insert(i, h)
        return h

    def call_soon_threadsafe(self, callback, *args, context=None):
        h = Handle(callback, args, self)
        with self._cond:
            self._incoming.append(h)
            self._cond.notify()
        return h

    def create_future(self):
        return Future(loop=self)

    def create_task(self, coro, *, name=None, context=None):
        self._check_closed()
        return Task(coro, loop=self, name=name)

    def is_running(self):
        return self._running

    def is_closed(self):
        return self._closed

    def _check_closed(self):
        if self._closed:
            raise RuntimeError("Event loop is closed")

    def stop(self):
        self._stopping = True

    def close(self):
        if self._running:
            raise RuntimeError("Cannot close a running event loop")
        self._closed = True
        self._ready = []
        self._scheduled = []
        if self._default_executor is not None:
            self._default_executor.shutdown(False)
            self._default_executor = None

    def run_forever(self):
        self._check_closed()
        if self._running:
            raise RuntimeError("This event loop is already running")
        ident = _thread.get_ident()
        if _running_loops.get(ident) is not None:
            raise RuntimeError("Cannot run the event loop while another loop is running")
        self._running = True
        _running_loops[ident] = self
        _asyncgen._firstiter_hooks[ident] = self._asyncgens.append
        try:
            while True:
                self._run_once()
                if self._stopping:
                    break
        finally:
            self._stopping = False
            self._running = False
            del _running_loops[ident]
            del _asyncgen._firstiter_hooks[ident]

    def run_until_complete(self, future):
        self._check_closed()
        future = ensure_future(future, loop=self)
        future.add_done_callback(_run_until_complete_cb)
        try:
            self.run_forever()
        finally:
            future.remove_done_callback(_run_until_complete_cb)
        if not future.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return future.result()

    def _run_once(self):
        while self._scheduled and self._scheduled[0]._cancelled:
            self._scheduled.pop(0)
        if self._ready or self._stopping:
            timeout = 0
        elif self._scheduled:
            timeout = max(0, self._scheduled[0]._when - self.time())
            # Like CPython's epoll selector, wait whole milliseconds, rounded up: timers
            # due within the same millisecond then run in the same round.
            timeout = _math.ceil(timeout * 1e3) * 1e-3
        else:
            timeout = None
        # The only blocking point: wait for a timer or for work from another thread.
        with self._cond:
            if not self._incoming and timeout != 0:
                self._cond.wait(timeout)
            incoming = self._incoming
            self._incoming = []
        self._ready.extend(incoming)
        now = self.time()
        while self._scheduled and self._scheduled[0]._when <= now:
            h = self._scheduled.pop(0)
            if not h._cancelled:
                self._ready.append(h)
        # Run what is ready now; callbacks scheduled meanwhile wait for the next round.
        todo = self._ready
        self._ready = []
        for h in todo:
            if not h._cancelled:
                h._run()

    def run_in_executor(self, executor, func, *args):
        self._check_closed()
        if executor is None:
            executor = self._default_executor
            if executor is None:
                import concurrent.futures
                import os
                workers = min(32, (os.cpu_count() or 1) + 4)
                executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=workers, thread_name_prefix="asyncio"
                )
                self._default_executor = executor
        return wrap_future(executor.submit(func, *args), loop=self)

    def set_default_executor(self, executor):
        self._default_executor = executor

    async def shutdown_default_executor(self, timeout=None):
        if self._default_executor is not None:
            self._default_executor.shutdown(True)
            self._default_executor = None

    async def shutdown_asyncgens(self):
        # Close the asynchronous generators left open, so that their finally blocks run.
        open_gens = [g for g in self._asyncgens if not g._finished]
        self._asyncgens = []
        if not open_gens:
            return
        results = await gather(*[g.aclose() for g in open_gens], return_exceptions=True)
        for result, agen in zip(results, open_gens):
            if isinstance(result, Exception):
                _report(f"an error occurred during closing of asynchronous generator {agen!r}", result)

    def call_exception_handler(self, context):
        _report(context.get("message", "Unhandled exception in event loop"), context.get("exception"))

    def get_debug(self):
        return False


def _run_until_complete_cb(fut):
    if not fut.cancelled():
        exc = fut.exception()
        if isinstance(exc, SystemExit) or isinstance(exc, KeyboardInterrupt):
            # The loop already stopped: the exception went through run_forever.
            return
    fut._loop.stop()


def new_event_loop():
    return _Loop()


def _get_running_loop():
    return _running_loops.get(_thread.get_ident())


def get_running_loop():
    loop = _running_loops.get(_thread.get_ident())
    if loop is None:
        raise RuntimeError("no running event loop")
    return loop


_default_loops = {}


def get_event_loop():
    loop = _get_running_loop()
    if loop is None:
        ident = _thread.get_ident()
        loop = _default_loops.get(ident)
        if loop is None or loop.is_closed():
            loop = new_event_loop()
            _default_loops[ident] = loop
    return loop


def set_event_loop(loop):
    _default_loops[_thread.get_ident()] = loop


class Future:
    _asyncio_future_blocking = False
    # Set while an exception is stored that nobody has looked at.
    _log_traceback = False
    _traceback_text = ""

    def __init__(self, *, loop=None):
        if loop is None:
            loop = get_event_loop()
        self._loop = loop
        self._state = _PENDING
        self._result = None
        self._exception = None
        self._callbacks = []
        self._cancel_message = None

    def __repr__(self):
        return f"<{type(self).__name__} {' '.join(self._repr_info())}>"

    def _repr_info(self):
        info = [self._state.lower()]
        if self._state == _FINISHED:
            if self._exception is not None:
                info.append(f"exception={self._exception!r}")
            else:
                info.append(f"result={self._result!r}")
        if self._callbacks:
            info.append(f"cb=[{_format_callbacks(self._callbacks)}]")
        return info

    def get_loop(self):
        return self._loop

    def _make_cancelled_error(self):
        if self._cancel_message is None:
            return CancelledError()
        return CancelledError(self._cancel_message)

    def cancel(self, msg=None):
        if self._state != _PENDING:
            return False
        self._state = _CANCELLED
        self._cancel_message = msg
        self._schedule_callbacks()
        return True

    def cancelled(self):
        return self._state == _CANCELLED

    def done(self):
        return self._state != _PENDING

    def result(self):
        if self._state == _CANCELLED:
            raise self._make_cancelled_error()
        if self._state != _FINISHED:
            raise InvalidStateError("Result is not set.")
        self._log_traceback = False
        if self._exception is not None:
            raise self._exception
        return self._result

    def exception(self):
        if self._state == _CANCELLED:
            raise self._make_cancelled_error()
        if self._state != _FINISHED:
            raise InvalidStateError("Exception is not set.")
        self._log_traceback = False
        return self._exception

    def add_done_callback(self, fn, *, context=None):
        if self._state != _PENDING:
            self._loop.call_soon(fn, self)
        else:
            self._callbacks.append(fn)

    def remove_done_callback(self, fn):
        kept = [f for f in self._callbacks if f != fn]
        removed = len(self._callbacks) - len(kept)
        self._callbacks = kept
        return removed

    def _schedule_callbacks(self):
        callbacks = self._callbacks
        self._callbacks = []
        for fn in callbacks:
            self._loop.call_soon(fn, self)

    def set_result(self, result):
        if self._state != _PENDING:
            raise InvalidStateError(f"{self._state}: {self!r}")
        self._result = result
        self._state = _FINISHED
        self._schedule_callbacks()

    def set_exception(self, exception):
        if self._state != _PENDING:
            raise InvalidStateError(f"{self._state}: {self!r}")
        if isinstance(exception, type):
            exception = exception()
        if isinstance(exception, StopIteration):
            raise TypeError("StopIteration interacts badly with generators and cannot be raised into a Future")
        self._exception = exception
        self._state = _FINISHED
        self._log_traceback = True
        self._schedule_callbacks()

    def __await__(self):
        if not self.done():
            self._asyncio_future_blocking = True
            yield self
        if not self.done():
            raise RuntimeError("await wasn't used with future")
        return self.result()

    __iter__ = __await__


def _format_coroutine(coro):
    # As CPython's task repr shows a coroutine: where it runs, or where it was defined.
    if not iscoroutine(coro):
        return repr(coro)
    qualname, filename, line, done = _asyncgen._coro_info(coro)
    if done:
        return f"{qualname}() done, defined at {filename}:{line}"
    return f"{qualname}() running at {filename}:{line}"


def _format_callback(cb):
    # A task's wakeup is C code in CPython, shown by that name; others by their name only.
    if isinstance(cb, _TaskWakeup):
        return "Task.task_wakeup()"
    name = getattr(cb, "__qualname__", None)
    if name is None:
        name = getattr(cb, "__name__", "callback")
    return f"{name}()"


class _TaskWakeup:
    # The callback by which a future wakes the task waiting for it.
    def __init__(self, task):
        self._task = task

    def __call__(self, future):
        self._task._wakeup(future)


def _format_callbacks(cbs):
    if len(cbs) == 1:
        return _format_callback(cbs[0])
    if len(cbs) == 2:
        return f"{_format_callback(cbs[0])}, {_format_callback(cbs[1])}"
    return f"{_format_callback(cbs[0])}, <{len(cbs) - 2} more>, {_format_callback(cbs[-1])}"


def _enter_task(loop, task):
    if _current_tasks.get(loop) is not None:
        raise RuntimeError("Cannot enter into task while another task is being executed.")
    _current_tasks[loop] = task


def _leave_task(loop, task):
    _current_tasks[loop] = None


# The tasks of each loop (each thread can run its own loop).
_all_tasks = {}


class Task(Future):
    def __init__(self, coro, *, loop=None, name=None, context=None, eager_start=False):
        global _task_counter
        super().__init__(loop=loop)
        if not iscoroutine(coro):
            raise TypeError(f"a coroutine was expected, got {coro!r}")
        self._coro = coro
        self._fut_waiter = None
        self._must_cancel = False
        self._num_cancels_requested = 0
        if name is None:
            _task_counter += 1
            name = f"Task-{_task_counter}"
        self._name = str(name)
        self._wakeup_cb = _TaskWakeup(self)
        self._loop.call_soon(self._step)
        tasks = _all_tasks.get(self._loop)
        if tasks is None:
            tasks = []
            _all_tasks[self._loop] = tasks
        tasks.append(self)

    def __repr__(self):
        info = self._repr_info()
        if self._must_cancel:
            info[0] = "cancelling"
        info.insert(1, f"name={self._name!r}")
        if self._fut_waiter is not None:
            info.insert(2, f"wait_for={self._fut_waiter!r}")
        info.insert(2, f"coro=<{_format_coroutine(self._coro)}>")
        return f"<Task {' '.join(info)}>"

    def get_name(self):
        return self._name

    def set_name(self, value):
        self._name = str(value)

    def get_coro(self):
        return self._coro

    def get_context(self):
        return None

    def cancel(self, msg=None):
        if self.done():
            return False
        self._num_cancels_requested += 1
        if self._fut_waiter is not None:
            if self._fut_waiter.cancel(msg=msg):
                # The task is woken by the cancelled future and sees the error then.
                return True
        self._must_cancel = True
        self._cancel_message = msg
        return True

    def cancelling(self):
        return self._num_cancels_requested

    def uncancel(self):
        if self._num_cancels_requested > 0:
            self._num_cancels_requested -= 1
            if self._num_cancels_requested == 0:
                self._must_cancel = False
        return self._num_cancels_requested

    def set_result(self, result):
        raise RuntimeError("Task does not support set_result operation")

    def set_exception(self, exception):
        raise RuntimeError("Task does not support set_exception operation")

    def _step(self, exc=None):
        if self._state != _PENDING:
            return
        if self._must_cancel:
            if not isinstance(exc, CancelledError):
                exc = self._make_cancelled_error()
            self._must_cancel = False
        self._fut_waiter = None
        loop = self._loop
        if _current_tasks.get(loop) is not None:
            raise RuntimeError("Cannot enter into task while another task is being executed.")
        _current_tasks[loop] = self
        try:
            if exc is None:
                result = self._coro.send(None)
            else:
                result = self._coro.throw(exc)
        except StopIteration as e:
            if self._must_cancel:
                self._must_cancel = False
                Future.cancel(self, msg=self._cancel_message)
            else:
                Future.set_result(self, e.value)
        except CancelledError as e:
            self._cancel_message = e.args[0] if e.args else None
            Future.cancel(self, msg=self._cancel_message)
        except (KeyboardInterrupt, SystemExit) as e:
            Future.set_exception(self, e)
            raise
        except BaseException as e:
            Future.set_exception(self, e)
            self._traceback_text = _thread._format_exc()
        else:
            if result is None:
                # A bare yield (sleep(0)): let the other tasks run, then continue.
                self._loop.call_soon(self._step)
                return
            blocking = getattr(result, "_asyncio_future_blocking", None)
            if blocking is not None:
                if result._loop is not self._loop:
                    err = RuntimeError(f"Task {self!r} got Future {result!r} attached to a different loop")
                    self._loop.call_soon(self._step, err)
                elif blocking:
                    if result is self:
                        err = RuntimeError(f"Task cannot await on itself: {self!r}")
                        self._loop.call_soon(self._step, err)
                    else:
                        result._asyncio_future_blocking = False
                        result.add_done_callback(self._wakeup_cb)
                        self._fut_waiter = result
                        if self._must_cancel:
                            if self._fut_waiter.cancel(msg=self._cancel_message):
                                self._must_cancel = False
                else:
                    err = RuntimeError(f"yield was used instead of yield from in task {self!r} with {result!r}")
                    self._loop.call_soon(self._step, err)
            else:
                err = RuntimeError(f"Task got bad yield: {result!r}")
                self._loop.call_soon(self._step, err)
        finally:
            _current_tasks[loop] = None

    def _wakeup(self, future):
        try:
            future.result()
        except BaseException as exc:
            self._step(exc)
        else:
            self._step()


def ensure_future(coro_or_future, *, loop=None):
    if isfuture(coro_or_future):
        return coro_or_future
    if loop is None:
        loop = get_event_loop()
    if iscoroutine(coro_or_future):
        return loop.create_task(coro_or_future)
    if hasattr(coro_or_future, "__await__"):
        return loop.create_task(_wrap_awaitable(coro_or_future))
    raise TypeError("An asyncio.Future, a coroutine or an awaitable is required")


async def _wrap_awaitable(awaitable):
    return await awaitable


def create_task(coro, *, name=None, context=None):
    return get_running_loop().create_task(coro, name=name)


def current_task(loop=None):
    if loop is None:
        loop = get_running_loop()
    return _current_tasks.get(loop)


def all_tasks(loop=None):
    if loop is None:
        loop = get_running_loop()
    return {t for t in _all_tasks.get(loop, []) if not t.done()}


class _Sleep0:
    def __await__(self):
        yield


_SLEEP0 = _Sleep0()


def _set_result_unless_cancelled(fut, result):
    if not fut.cancelled():
        fut.set_result(result)


async def sleep(delay, result=None):
    if delay <= 0:
        await _SLEEP0
        return result
    loop = get_running_loop()
    future = loop.create_future()
    h = loop.call_later(delay, _set_result_unless_cancelled, future, result)
    try:
        return await future
    finally:
        h.cancel()


def shield(arg):
    # Cancelling the returned future leaves the inner task running.
    inner = ensure_future(arg)
    if inner.done():
        return inner
    loop = inner._loop
    outer = loop.create_future()

    def _inner_done(inner):
        if outer.cancelled():
            if not inner.cancelled():
                inner.exception()
            return
        if inner.cancelled():
            outer.cancel()
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())
        else:
            outer.set_result(inner.result())

    def _outer_done(outer):
        if not inner.done():
            inner.remove_done_callback(_inner_done)

    inner.add_done_callback(_inner_done)
    outer.add_done_callback(_outer_done)
    return outer


def run(main, *, debug=None, loop_factory=None):
    if _get_running_loop() is not None:
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    with Runner(debug=debug, loop_factory=loop_factory) as runner:
        return runner.run(main)


def _forget_tasks(loop):
    # CPython reports a failed task nobody asked about when the task is freed; the lab's
    # Python has no finalizers and reports it when its loop's run ends.
    for t in _all_tasks.pop(loop, []):
        if t._log_traceback:
            t._log_traceback = False
            _thread._stderr(
                "Task exception was never retrieved\n"
                f"future: {t!r}\n"
                + t._traceback_text
            )


def _cancel_all_tasks(loop):
    to_cancel = [t for t in _all_tasks.get(loop, []) if not t.done()]
    if not to_cancel:
        return
    for t in to_cancel:
        t.cancel()
    loop.run_until_complete(gather(*to_cancel, return_exceptions=True))
    for t in to_cancel:
        if t.cancelled():
            continue
        if t.exception() is not None:
            _report("unhandled exception during asyncio.run() shutdown", t.exception())


class Runner:
    # Like CPython's, the loop is made on first use, and closing runs two shutdown steps
    # as tasks of their own (so task names go on counting the same way).
    def __init__(self, *, debug=None, loop_factory=None):
        self._loop_factory = loop_factory
        self._loop = None
        self._closed = False

    def __enter__(self):
        self._lazy_init()
        return self

    def __exit__(self, *exc):
        self.close()

    def _lazy_init(self):
        if self._closed:
            raise RuntimeError("Runner is closed")
        if self._loop is None:
            self._loop = new_event_loop() if self._loop_factory is None else self._loop_factory()

    def get_loop(self):
        self._lazy_init()
        return self._loop

    def run(self, coro, *, context=None):
        if _get_running_loop() is not None:
            raise RuntimeError("Runner.run() cannot be called from a running event loop")
        self._lazy_init()
        if not iscoroutine(coro):
            raise ValueError(f"a coroutine was expected, got {coro!r}")
        task = self._loop.create_task(coro)
        return self._loop.run_until_complete(task)

    def close(self):
        if self._loop is None or self._closed:
            return
        loop = self._loop
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
            _forget_tasks(loop)
            self._loop = None
            self._closed = True


class _GatheringFuture(Future):
    def __init__(self, children, *, loop):
        super().__init__(loop=loop)
        self._children = children
        self._cancel_requested = False

    def cancel(self, msg=None):
        if self.done():
            return False
        ret = False
        for child in self._children:
            if child.cancel(msg=msg):
                ret = True
        if ret:
            self._cancel_requested = True
        return ret


def gather(*coros_or_futures, return_exceptions=False):
    if not coros_or_futures:
        outer = get_event_loop().create_future()
        outer.set_result([])
        return outer
    loop = None
    children = []
    for arg in coros_or_futures:
        fut = ensure_future(arg, loop=loop)
        if loop is None:
            loop = fut._loop
        children.append(fut)
    outer = _GatheringFuture(children, loop=loop)
    state = {"finished": 0}

    def _done_callback(fut):
        state["finished"] += 1
        if outer.done():
            if not fut.cancelled():
                fut.exception()
            return
        if not return_exceptions:
            if fut.cancelled():
                outer.set_exception(fut._make_cancelled_error())
                return
            exc = fut.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
        if state["finished"] == len(children):
            results = []
            for f in children:
                if f.cancelled():
                    msg = f._cancel_message
                    res = CancelledError("" if msg is None else msg)
                else:
                    res = f.exception()
                    if res is None:
                        res = f.result()
                results.append(res)
            if outer._cancel_requested:
                outer.set_exception(fut._make_cancelled_error())
            else:
                outer.set_result(results)

    for fut in children:
        fut.add_done_callback(_done_callback)
    return outer


async def _cancel_and_wait(fut):
    loop = get_running_loop()
    waiter = loop.create_future()

    def _release(f):
        if not waiter.done():
            waiter.set_result(None)

    fut.add_done_callback(_release)
    try:
        fut.cancel()
        await waiter
    finally:
        fut.remove_done_callback(_release)


_CREATED = "created"
_ENTERED = "active"
_EXPIRING = "expiring"
_EXPIRED = "expired"
_EXITED = "finished"


class Timeout:
    def __init__(self, when):
        self._state = _CREATED
        self._handle = None
        self._task = None
        self._when = when

    def __repr__(self):
        return f"<Timeout [{self._state}] when={self._when}>"

    def when(self):
        return self._when

    def expired(self):
        return self._state == _EXPIRING or self._state == _EXPIRED

    def reschedule(self, when):
        if self._state != _ENTERED:
            if self._state == _CREATED:
                raise RuntimeError("Timeout has not been entered")
            raise RuntimeError(f"Cannot change state of {self._state} Timeout")
        self._when = when
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if when is not None:
            loop = get_running_loop()
            if when <= loop.time():
                self._handle = loop.call_soon(self._on_timeout)
            else:
                self._handle = loop.call_at(when, self._on_timeout)

    async def __aenter__(self):
        if self._state != _CREATED:
            raise RuntimeError("Timeout has already been entered")
        task = current_task()
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._state = _ENTERED
        self._task = task
        self._cancelling = task.cancelling()
        self.reschedule(self._when)
        return self

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._state == _EXPIRING:
            self._state = _EXPIRED
            if self._task.uncancel() <= self._cancelling and exc_type is not None:
                if issubclass(exc_type, CancelledError):
                    raise TimeoutError from exc_val
        elif self._state == _ENTERED:
            self._state = _EXITED
        return None

    def _on_timeout(self):
        self._task.cancel()
        self._state = _EXPIRING
        self._handle = None


def timeout(delay):
    loop = get_running_loop()
    return Timeout(loop.time() + delay if delay is not None else None)


def timeout_at(when):
    return Timeout(when)


async def wait_for(fut, timeout):
    if timeout is not None and timeout <= 0:
        fut = ensure_future(fut)
        if fut.done():
            return fut.result()
        await _cancel_and_wait(fut)
        try:
            return fut.result()
        except CancelledError as exc:
            raise TimeoutError from exc
    async with Timeout(None if timeout is None else get_running_loop().time() + timeout):
        return await fut


async def wait(fs, *, timeout=None, return_when=ALL_COMPLETED):
    if isfuture(fs) or iscoroutine(fs):
        raise TypeError(f"expect a list of futures, not {type(fs).__name__}")
    fs = list(fs)
    if not fs:
        raise ValueError("Set of Tasks/Futures is empty.")
    if return_when not in (FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED):
        raise ValueError(f"Invalid return_when value: {return_when}")
    for f in fs:
        if iscoroutine(f):
            raise TypeError("Passing coroutines is forbidden, use tasks explicitly.")
    loop = get_running_loop()
    waiter = loop.create_future()
    handle = None
    if timeout is not None:
        handle = loop.call_later(timeout, _release_waiter, waiter)
    state = {"left": len(fs)}

    def _on_completion(f):
        state["left"] -= 1
        if (
            state["left"] <= 0
            or return_when == FIRST_COMPLETED
            or (return_when == FIRST_EXCEPTION and not f.cancelled() and f.exception() is not None)
        ):
            if handle is not None:
                handle.cancel()
            if not waiter.done():
                waiter.set_result(None)

    for f in fs:
        f.add_done_callback(_on_completion)
    try:
        await waiter
    finally:
        if handle is not None:
            handle.cancel()
        for f in fs:
            f.remove_done_callback(_on_completion)
    done = set()
    pending = set()
    for f in fs:
        if f.done():
            done.add(f)
        else:
            pending.add(f)
    return done, pending


def _release_waiter(waiter, *args):
    if not waiter.done():
        waiter.set_result(None)


class _AsCompleted:
    def __init__(self, aws, timeout):
        loop = get_event_loop()
        self._todo = []
        for aw in aws:
            f = ensure_future(aw, loop=loop)
            if f not in self._todo:
                self._todo.append(f)
        self._done = Queue()
        self._left = len(self._todo)
        self._handle = None
        for f in self._todo:
            f.add_done_callback(self._on_done)
        if self._todo and timeout is not None:
            self._handle = loop.call_later(timeout, self._on_timeout)

    def _on_done(self, f):
        if f not in self._todo:
            return
        self._todo.remove(f)
        self._done.put_nowait(f)
        if not self._todo and self._handle is not None:
            self._handle.cancel()

    def _on_timeout(self):
        for f in self._todo:
            f.remove_done_callback(self._on_done)
        self._done.put_nowait(None)
        self._todo = []

    def __iter__(self):
        return self

    def __next__(self):
        if self._left == 0:
            raise StopIteration
        self._left -= 1
        return self._wait_for_one(True)

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._left == 0:
            raise StopAsyncIteration
        self._left -= 1
        return await self._wait_for_one()

    async def _wait_for_one(self, resolve=False):
        f = await self._done.get()
        if f is None:
            raise TimeoutError
        return f.result() if resolve else f


def as_completed(fs, *, timeout=None):
    if isfuture(fs) or iscoroutine(fs):
        raise TypeError(f"expect an iterable of futures, not {type(fs).__name__}")
    return _AsCompleted(fs, timeout)


async def to_thread(func, /, *args, **kwargs):
    loop = get_running_loop()

    def call():
        return func(*args, **kwargs)

    return await loop.run_in_executor(None, call)


def run_coroutine_threadsafe(coro, loop):
    # From another thread: run the coroutine as a task of `loop`; a concurrent.futures
    # Future gives its outcome to the calling thread.
    if not iscoroutine(coro):
        raise TypeError("A coroutine object is required")
    import concurrent.futures

    result = concurrent.futures.Future()

    def _start():
        try:
            task = ensure_future(coro, loop=loop)
        except BaseException as exc:
            result.set_exception(exc)
            return

        def _done(t):
            if t.cancelled():
                result.cancel()
            elif t.exception() is not None:
                result.set_exception(t.exception())
            else:
                result.set_result(t.result())

        task.add_done_callback(_done)

    loop.call_soon_threadsafe(_start)
    return result


def _copy_state(source, dest):
    # From a finished concurrent.futures.Future to an asyncio Future.
    if dest.cancelled():
        return
    if source.cancelled():
        dest.cancel()
        return
    exc = source.exception()
    if exc is not None:
        dest.set_exception(exc)
    else:
        dest.set_result(source.result())


def wrap_future(future, *, loop=None):
    if isfuture(future):
        return future
    if loop is None:
        loop = get_event_loop()
    new = loop.create_future()

    def _on_source_done(f):
        if not loop.is_closed():
            loop.call_soon_threadsafe(_copy_state, f, new)

    def _on_dest_done(f):
        if f.cancelled():
            future.cancel()

    new.add_done_callback(_on_dest_done)
    future.add_done_callback(_on_source_done)
    return new


class _ContextManagerMixin:
    async def __aenter__(self):
        await self.acquire()
        return None

    async def __aexit__(self, exc_type, exc, tb):
        self.release()


class Lock(_ContextManagerMixin):
    def __init__(self):
        self._waiters = []
        self._locked = False

    def __repr__(self):
        state = "locked" if self._locked else "unlocked"
        return f"<asyncio.locks.Lock object [{state}]>"

    def locked(self):
        return self._locked

    async def acquire(self):
        if not self._locked and all(w.cancelled() for w in self._waiters):
            self._locked = True
            return True
        fut = get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            try:
                await fut
            finally:
                self._waiters.remove(fut)
        except CancelledError:
            if not self._locked:
                self._wake_up_first()
            raise
        self._locked = True
        return True

    def release(self):
        if not self._locked:
            raise RuntimeError("Lock is not acquired.")
        self._locked = False
        self._wake_up_first()

    def _wake_up_first(self):
        if not self._waiters:
            return
        fut = self._waiters[0]
        if not fut.done():
            fut.set_result(True)


class Event:
    def __init__(self):
        self._waiters = []
        self._value = False

    def is_set(self):
        return self._value

    def set(self):
        if not self._value:
            self._value = True
            for fut in self._waiters:
                if not fut.done():
                    fut.set_result(True)

    def clear(self):
        self._value = False

    async def wait(self):
        if self._value:
            return True
        fut = get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
            return True
        finally:
            self._waiters.remove(fut)


class Condition(_ContextManagerMixin):
    def __init__(self, lock=None):
        if lock is None:
            lock = Lock()
        self._lock = lock
        self._waiters = []

    def locked(self):
        return self._lock.locked()

    async def acquire(self):
        return await self._lock.acquire()

    def release(self):
        self._lock.release()

    async def wait(self):
        if not self.locked():
            raise RuntimeError("cannot wait on un-acquired lock")
        self.release()
        try:
            fut = get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await fut
                return True
            finally:
                self._waiters.remove(fut)
        finally:
            while True:
                try:
                    await self.acquire()
                    break
                except CancelledError:
                    pass

    async def wait_for(self, predicate):
        result = predicate()
        while not result:
            await self.wait()
            result = predicate()
        return result

    def notify(self, n=1):
        if not self.locked():
            raise RuntimeError("cannot notify on un-acquired lock")
        idx = 0
        for fut in self._waiters:
            if idx >= n:
                break
            if not fut.done():
                idx += 1
                fut.set_result(False)

    def notify_all(self):
        self.notify(len(self._waiters))


class Semaphore(_ContextManagerMixin):
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("Semaphore initial value must be >= 0")
        self._waiters = []
        self._value = value

    def __repr__(self):
        return f"<asyncio.locks.{type(self).__name__} object [value={self._value}]>"

    def locked(self):
        return self._value == 0 or any(not w.cancelled() for w in self._waiters)

    async def acquire(self):
        if not self.locked():
            self._value -= 1
            return True
        fut = get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            try:
                await fut
            finally:
                self._waiters.remove(fut)
        except CancelledError:
            if fut.done() and not fut.cancelled():
                # Woken, but cancelled before running: hand the slot back.
                self._value += 1
            raise
        finally:
            # Waiters that arrived meanwhile had to queue: wake as many as fit.
            while self._value > 0:
                if not self._wake_up_next():
                    break
        return True

    def release(self):
        self._value += 1
        self._wake_up_next()

    def _wake_up_next(self):
        for fut in self._waiters:
            if not fut.done():
                self._value -= 1
                fut.set_result(True)
                return True
        return False


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        self._bound_value = value
        super().__init__(value)

    def release(self):
        if self._value >= self._bound_value:
            raise ValueError("BoundedSemaphore released too many times")
        super().release()


_FILLING = "filling"
_DRAINING = "draining"
_RESETTING = "resetting"
_BROKEN = "broken"


class Barrier:
    # Tasks wait until `parties` of them have arrived; then all go on together, and the
    # barrier fills again once they have all left.
    def __init__(self, parties):
        if parties < 1:
            raise ValueError("parties must be >= 1")
        self._cond = Condition()
        self._parties = parties
        self._state = _FILLING
        self._count = 0

    def __repr__(self):
        extra = f"waiters:{self.n_waiting}/{self.parties}" if not self.broken else ""
        return f"<asyncio.locks.Barrier object [{self._state}, {extra}]>"

    async def __aenter__(self):
        return await self.wait()

    async def __aexit__(self, *args):
        pass

    async def wait(self):
        async with self._cond:
            # Not while the previous round is still leaving or being reset.
            await self._cond.wait_for(lambda: self._state not in (_DRAINING, _RESETTING))
            if self._state == _BROKEN:
                raise BrokenBarrierError("Barrier aborted")
            try:
                index = self._count
                self._count += 1
                if index + 1 == self._parties:
                    self._state = _DRAINING
                    self._cond.notify_all()
                else:
                    await self._cond.wait_for(lambda: self._state != _FILLING)
                    if self._state == _BROKEN or self._state == _RESETTING:
                        raise BrokenBarrierError("Abort or reset of barrier")
                return index
            finally:
                self._count -= 1
                if self._count == 0:
                    if self._state == _RESETTING or self._state == _DRAINING:
                        self._state = _FILLING
                    self._cond.notify_all()

    async def reset(self):
        async with self._cond:
            if self._count > 0:
                if self._state != _RESETTING:
                    self._state = _RESETTING
            else:
                self._state = _FILLING
            self._cond.notify_all()

    async def abort(self):
        async with self._cond:
            self._state = _BROKEN
            self._cond.notify_all()

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        if self._state == _FILLING:
            return self._count
        return 0

    @property
    def broken(self):
        return self._state == _BROKEN


class Queue:
    def __init__(self, maxsize=0):
        self._maxsize = maxsize
        self._queue = []
        self._getters = []
        self._putters = []
        self._unfinished_tasks = 0
        self._finished = Event()
        self._finished.set()
        self._is_shutdown = False

    def __repr__(self):
        return f"<{type(self).__name__} maxsize={self._maxsize!r}>"

    def _put(self, item):
        self._queue.append(item)

    def _get(self):
        return self._queue.pop(0)

    def _wakeup_next(self, waiters):
        while waiters:
            w = waiters.pop(0)
            if not w.done():
                w.set_result(None)
                break

    @property
    def maxsize(self):
        return self._maxsize

    def qsize(self):
        return len(self._queue)

    def empty(self):
        return not self._queue

    def full(self):
        if self._maxsize <= 0:
            return False
        return self.qsize() >= self._maxsize

    async def put(self, item):
        while self.full():
            if self._is_shutdown:
                raise QueueShutDown
            putter = get_running_loop().create_future()
            self._putters.append(putter)
            try:
                await putter
            except BaseException:
                putter.cancel()
                if putter in self._putters:
                    self._putters.remove(putter)
                if not self.full() and not putter.cancelled():
                    self._wakeup_next(self._putters)
                raise
        return self.put_nowait(item)

    def put_nowait(self, item):
        if self._is_shutdown:
            raise QueueShutDown
        if self.full():
            raise QueueFull
        self._put(item)
        self._unfinished_tasks += 1
        self._finished.clear()
        self._wakeup_next(self._getters)

    async def get(self):
        while self.empty():
            if self._is_shutdown:
                raise QueueShutDown
            getter = get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if getter in self._getters:
                    self._getters.remove(getter)
                if not self.empty() and not getter.cancelled():
                    self._wakeup_next(self._getters)
                raise
        return self.get_nowait()

    def get_nowait(self):
        if self.empty():
            if self._is_shutdown:
                raise QueueShutDown
            raise QueueEmpty
        item = self._get()
        self._wakeup_next(self._putters)
        return item

    def task_done(self):
        if self._unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished_tasks -= 1
        if self._unfinished_tasks == 0:
            self._finished.set()

    async def join(self):
        if self._unfinished_tasks > 0:
            await self._finished.wait()

    def shutdown(self, immediate=False):
        self._is_shutdown = True
        if immediate:
            while not self.empty():
                self._get()
                if self._unfinished_tasks > 0:
                    self._unfinished_tasks -= 1
            if self._unfinished_tasks == 0:
                self._finished.set()
        while self._getters:
            g = self._getters.pop(0)
            if not g.done():
                g.set_result(None)
        while self._putters:
            p = self._putters.pop(0)
            if not p.done():
                p.set_result(None)


class LifoQueue(Queue):
    def _get(self):
        return self._queue.pop()


class PriorityQueue(Queue):
    def _put(self, item):
        # Keep the list sorted; equal items keep their order of arrival.
        i = len(self._queue)
        while i > 0 and item < self._queue[i - 1]:
            i -= 1
        self._queue.insert(i, item)


class TaskGroup:
    def __init__(self):
        self._entered = False
        self._exiting = False
        self._aborting = False
        self._loop = None
        self._parent_task = None
        self._parent_cancel_requested = False
        self._tasks = []
        self._errors = []
        self._base_error = None
        self._on_completed_fut = None

    def __repr__(self):
        return "<TaskGroup>"

    async def __aenter__(self):
        if self._entered:
            raise RuntimeError(f"TaskGroup {self!r} has already been entered")
        if self._loop is None:
            self._loop = get_running_loop()
        self._parent_task = current_task(self._loop)
        if self._parent_task is None:
            raise RuntimeError(f"TaskGroup {self!r} cannot determine the parent task")
        self._entered = True
        return self

    async def __aexit__(self, et, exc, tb):
        self._exiting = True
        if exc is not None and self._is_base_error(exc) and self._base_error is None:
            self._base_error = exc
        propagate_cancellation_error = None
        if et is not None and issubclass(et, CancelledError):
            propagate_cancellation_error = exc
        if et is not None and not self._aborting:
            # The body failed (or was cancelled): cancel the tasks still running.
            self._abort()
        while self._tasks:
            if self._on_completed_fut is None:
                self._on_completed_fut = self._loop.create_future()
            try:
                await self._on_completed_fut
            except CancelledError as ex:
                if not self._aborting:
                    propagate_cancellation_error = ex
                    self._abort()
            self._on_completed_fut = None
        if self._base_error is not None:
            raise self._base_error
        if self._parent_cancel_requested:
            if self._parent_task.uncancel() == 0:
                propagate_cancellation_error = None
        if propagate_cancellation_error is not None and not self._errors:
            raise propagate_cancellation_error
        if et is not None and not issubclass(et, CancelledError):
            self._errors.append(exc)
        if self._errors:
            errors = self._errors
            self._errors = None
            if all(isinstance(e, Exception) for e in errors):
                group = ExceptionGroup("unhandled errors in a TaskGroup", errors)
            else:
                group = BaseExceptionGroup("unhandled errors in a TaskGroup", errors)
            raise group from None

    def create_task(self, coro, *, name=None, context=None):
        if not self._entered:
            raise RuntimeError(f"TaskGroup {self!r} has not been entered")
        if self._exiting and not self._tasks:
            raise RuntimeError(f"TaskGroup {self!r} is finished")
        if self._aborting:
            raise RuntimeError(f"TaskGroup {self!r} is shutting down")
        task = self._loop.create_task(coro, name=name)
        self._tasks.append(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _is_base_error(self, exc):
        return isinstance(exc, SystemExit) or isinstance(exc, KeyboardInterrupt)

    def _abort(self):
        self._aborting = True
        for t in self._tasks:
            if not t.done():
                t.cancel()

    def _on_task_done(self, task):
        if task in self._tasks:
            self._tasks.remove(task)
        if self._on_completed_fut is not None and not self._tasks:
            if not self._on_completed_fut.done():
                self._on_completed_fut.set_result(True)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self._errors.append(exc)
        if self._is_base_error(exc) and self._base_error is None:
            self._base_error = exc
        if self._parent_task.done():
            _report(f"Task {task!r} has errored out but its parent task {self._parent_task!r} is already completed", exc)
            return
        if not self._aborting and not self._parent_cancel_requested:
            # The first failure: cancel the siblings and the task running the group.
            self._abort()
            self._parent_cancel_requested = True
            self._parent_task.cancel()
