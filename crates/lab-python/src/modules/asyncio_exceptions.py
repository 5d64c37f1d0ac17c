# asyncio.exceptions for the lab's Python: the errors asyncio raises, under CPython's names.


class CancelledError(BaseException):
    pass


class InvalidStateError(Exception):
    pass


class QueueEmpty(Exception):
    pass


class QueueFull(Exception):
    pass


class QueueShutDown(Exception):
    pass


class BrokenBarrierError(RuntimeError):
    pass


TimeoutError = TimeoutError
