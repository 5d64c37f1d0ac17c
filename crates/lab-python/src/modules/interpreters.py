# concurrent.interpreters (Python 3.14) for the lab's Python. Each interpreter is a runtime
# of its own (own GIL, own modules) served by its own host thread; calls block the caller
# until done. Values cross pickled; queues are shared.
import _lab_process


class InterpreterError(Exception):
    pass


class InterpreterNotFoundError(InterpreterError):
    pass


class NotShareableError(ValueError):
    pass


class ExecutionFailed(InterpreterError):
    def __init__(self, excinfo):
        self.args = (excinfo.formatted,)
        self.excinfo = excinfo

    def __str__(self):
        return f"{self.excinfo.formatted}\n\nUncaught in the interpreter:\n\n{self.excinfo.errdisplay}"


class _ExcInfo:
    def __init__(self, typename, msg, traceback):
        self.type = _TypeName(typename)
        self.msg = msg
        self.formatted = f"{typename}: {msg}" if msg else typename
        self.errdisplay = traceback.rstrip("\n")

    def __repr__(self):
        return f"ExceptionInfo(type={self.type.__name__}, msg={self.msg!r})"


class _TypeName:
    def __init__(self, name):
        self.__name__ = name
        self.__qualname__ = name


class QueueEmpty(Exception):
    pass


class QueueFull(Exception):
    pass


def create_queue(maxsize=0):
    return _lab_process.interp_queue(maxsize)


Queue = create_queue

_known = {}
_closed = set()


class Interpreter:
    def __init__(self, id, handle=None):
        self._id = id
        self._handle = handle

    def __repr__(self):
        return f"Interpreter({self._id})"

    def __eq__(self, other):
        return isinstance(other, Interpreter) and other._id == self._id

    def __hash__(self):
        return hash(self._id)

    @property
    def id(self):
        return self._id

    @property
    def whence(self):
        return "runtime init" if self._id == 0 else "_interpreters module"

    def _own(self):
        if self._id in _closed:
            raise InterpreterNotFoundError(f"unrecognized interpreter ID {self._id}")
        if self._handle is None:
            if self._id == get_current().id:
                raise InterpreterError("interpreter already running")
            raise InterpreterError(f"interpreter {self._id} was not created by this interpreter")
        return self._handle

    def _check(self, result):
        value, info = result
        if info is not None:
            raise ExecutionFailed(_ExcInfo(info[0], info[1], info[2]))
        return value

    def is_running(self):
        if self._handle is None:
            return self._id == get_current().id
        return self._handle.is_running()

    def close(self):
        self._own().close()
        _known.pop(self._id, None)
        _closed.add(self._id)

    def prepare_main(self, ns=None, /, **kwargs):
        values = dict(ns) if ns is not None else {}
        values.update(kwargs)
        r = self._own().set_main(values)
        if r is not None:
            self._check(r)

    def exec(self, code, /):
        if not isinstance(code, str):
            raise NotImplementedError("the lab's Python runs only source text in Interpreter.exec()")
        self._check(self._own().exec(code))

    def call(self, callable, /, *args, **kwargs):
        return self._check(self._own().call(callable, args, kwargs))

    def call_in_thread(self, callable, /, *args, **kwargs):
        import threading
        t = threading.Thread(target=self.call, args=(callable,) + args, kwargs=kwargs)
        t.start()
        return t


def create():
    handle = _lab_process.interp_create()
    interp = Interpreter(handle.id, handle)
    _known[interp.id] = interp
    return interp


def get_current():
    id = _lab_process.interp_current()
    return _known.get(id) or Interpreter(id)


def get_main():
    return _known.get(0) or Interpreter(0)


def list_all():
    return [_known.get(i) or Interpreter(i) for i in _lab_process.interp_list()]


def is_shareable(obj):
    return obj is None or isinstance(obj, (bool, int, float, str))
