# except*: each clause takes its part of an exception group; the rest is raised again.
def t(label, f):
    try:
        f()
    except BaseException as e:
        print(label, repr(e))
def a():
    try:
        raise ExceptionGroup("g", [OSError(1), ValueError(2)])
    except* OSError:
        raise RuntimeError("r1")
def b():
    try:
        raise ExceptionGroup("g", [OSError(1), ValueError(2)])
    except* OSError:
        raise RuntimeError("r1")
    except* ValueError:
        raise KeyError("r2")
def c():
    try:
        raise ExceptionGroup("g", [OSError(1), ValueError(2)])
    except* OSError:
        raise RuntimeError("r1")
    except* ValueError:
        pass
def d():
    try:
        raise ExceptionGroup("g", [OSError(1), ValueError(2)])
    except* OSError as e:
        raise e
def e():
    try:
        raise ValueError(3)
    except* ValueError as e:
        raise e
def f():
    try:
        raise ValueError(3)
    except* ValueError as e:
        raise TypeError(4)
t("a", a); t("b", b); t("c", c); t("d", d); t("e", e); t("f", f)

import asyncio

def run(excs, label):
    print("---", label)
    try:
        try:
            if len(excs) == 1 and not isinstance(excs[0], list):
                raise excs[0]
            raise ExceptionGroup("grp", excs[0])
        except* ValueError as e:
            print("ValueError part:", repr(e))
        except* (KeyError, IndexError) as e:
            print("lookup part:", repr(e))
        except* ZeroDivisionError:
            print("zde, re-raising")
            raise
        except* OSError as e:
            raise RuntimeError("converted") from None
        print("all handled")
    except BaseException as outer:
        print("escaped:", type(outer).__name__, repr(outer))

run([ValueError(1)], "naked value error")
run([TypeError("t")], "naked unmatched")
run([[ValueError(1), KeyError(2), TypeError(3)]], "mixed")
run([[ValueError(1), ExceptionGroup("inner", [IndexError(4), TypeError(5)])]], "nested")
run([[ZeroDivisionError("z")]], "reraise")
run([[OSError("o"), ValueError("v")]], "raise new")
run([ZeroDivisionError("naked z")], "naked reraise")

async def boom(n):
    await asyncio.sleep(0)
    raise ValueError(n) if n % 2 else KeyError(n)

async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(1, 4):
                tg.create_task(boom(i))
    except* ValueError as eg:
        print("values:", sorted(e.args[0] for e in eg.exceptions))
    except* KeyError as eg:
        print("keys:", [e.args[0] for e in eg.exceptions])

asyncio.run(main())
try:
    try:
        raise ValueError("x")
    except* ExceptionGroup:
        pass
except TypeError as e:
    print(e)
try:
    raise ExceptionGroup("final", [ValueError(1), TypeError(2)])
except* ValueError:
    print("handled the ValueError")
