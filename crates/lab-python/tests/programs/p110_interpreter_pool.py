# InterpreterPoolExecutor (Python 3.14): a thread pool whose workers each run their tasks
# in a subinterpreter; an exception comes back as ExecutionFailed.
from concurrent.futures import InterpreterPoolExecutor
from concurrent import interpreters


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def in_sub(_):
    return interpreters.get_current().id != 0


def fail(x):
    raise ZeroDivisionError(f"cannot split {x}")


if __name__ == "__main__":
    with InterpreterPoolExecutor(max_workers=2) as ex:
        print(list(ex.map(fib, range(15))))
        print(all(ex.map(in_sub, range(4))))
        f = ex.submit(fail, 3)
        try:
            f.result()
        except Exception as e:
            print(type(e).__name__, e.excinfo.type.__name__, e.excinfo.msg)
        print(ex.submit(pow, 2, 100).result())
