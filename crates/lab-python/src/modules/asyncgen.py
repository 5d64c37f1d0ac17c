# Asynchronous generators for the lab's Python. The frame of an `async def` with `yield`
# runs as a plain generator; what it yields is either a value it produces (wrapped by the
# compiler) or a future one of its `await`s passes up to the event loop. Each `__anext__`,
# `asend` or `athrow` is an awaitable that drives the frame until it produces a value.
_MISSING = object()


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
        if self._finished:
            return
        try:
            await _Step(self, exc=GeneratorExit())
        except (GeneratorExit, StopAsyncIteration):
            self._finished = True
            return
        raise RuntimeError("async generator ignored GeneratorExit")
