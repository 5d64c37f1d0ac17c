# Asynchronous generators for the lab's Python. The frame of an `async def` with `yield`
# runs as a plain generator; what it yields is either a value it produces (wrapped by the
# compiler) or a future one of its `await`s passes up to the event loop. Each `__anext__`,
# `asend` or `athrow` is an awaitable that drives the frame until it produces a value.
import _thread

_MISSING = object()

# Per thread, what the running event loop wants to know of a generator's first step (it
# closes the generators still open when it shuts down).
_firstiter_hooks = {}


class _Step:
    def __init__(self, agen, value=None, exc=None):
        self._agen = agen
        self._value = value
        self._exc = exc

    def __await__(self):
        agen = self._agen
        if agen._running:
            raise RuntimeError("anext(): asynchronous generator is already running")
        if agen._finished:
            if self._exc is not None:
                raise self._exc
            raise StopAsyncIteration
        gen = agen._gen
        if not agen._started:
            agen._started = True
            hook = _firstiter_hooks.get(_thread.get_ident())
            if hook is not None:
                hook(agen)
        agen._running = True
        try:
            if self._exc is not None:
                method, arg = gen.throw, self._exc
            else:
                method, arg = gen.send, self._value
            while True:
                try:
                    y = method(arg)
                except StopIteration:
                    agen._finished = True
                    raise StopAsyncIteration
                except BaseException:
                    agen._finished = True
                    raise
                value = getattr(y, "_lab_async_gen_value", _MISSING)
                if value is not _MISSING:
                    return value
                # A future from an `await` inside: up to the task, and its outcome back in.
                try:
                    arg = yield y
                    method = gen.send
                except BaseException as e:
                    method, arg = gen.throw, e
        finally:
            agen._running = False


class async_generator:
    def __init__(self, gen, qualname):
        self._gen = gen
        self._qualname = qualname
        self._running = False
        self._finished = False
        self._started = False

    def __repr__(self):
        return f"<async_generator object {self._qualname} at 0x{id(self):x}>"

    def __aiter__(self):
        return self

    def __anext__(self):
        return _Step(self)

    def asend(self, value):
        return _Step(self, value=value)

    def athrow(self, typ, val=None, tb=None):
        exc = typ if val is None else val
        if isinstance(exc, type):
            exc = exc()
        return _Step(self, exc=exc)

    async def aclose(self):
        if self._finished or not self._started:
            self._finished = True
            return
        try:
            await _Step(self, exc=GeneratorExit())
        except (GeneratorExit, StopAsyncIteration):
            self._finished = True
            return
        raise RuntimeError("async generator ignored GeneratorExit")


def aiter(obj):
    method = getattr(type(obj), "__aiter__", None)
    if method is None:
        raise TypeError(f"'{type(obj).__name__}' object is not an async iterable")
    return obj.__aiter__()


def anext(iterator, default=_MISSING):
    method = getattr(type(iterator), "__anext__", None)
    if method is None:
        raise TypeError(f"'{type(iterator).__name__}' object is not an async iterator")
    awaitable = iterator.__anext__()
    if default is _MISSING:
        return awaitable
    return _anext_default(awaitable, default)


async def _anext_default(awaitable, default):
    try:
        return await awaitable
    except StopAsyncIteration:
        return default
