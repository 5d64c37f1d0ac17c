# throw() into generators and coroutines: the exception appears at the suspended yield or
# await, inside the innermost delegate first.


def gen():
    try:
        yield 1
    except ValueError as e:
        yield f"caught {e}"
    try:
        yield 2
    finally:
        print("gen finally")


g = gen()
print(next(g))
print(g.throw(ValueError("first")))
print(next(g))
try:
    g.throw(KeyError("second"))
except KeyError as e:
    print("escaped", repr(e))
try:
    next(g)
except StopIteration:
    print("finished")

fresh = gen()
try:
    fresh.throw(RuntimeError("before start"))
except RuntimeError as e:
    print("unstarted:", e)


class Pause:
    def __await__(self):
        got = yield "paused"
        return got


async def inner():
    try:
        return await Pause()
    except ZeroDivisionError:
        print("inner handled it")
        return await Pause()


async def outer():
    try:
        value = await inner()
        return f"outer got {value}"
    except LookupError as e:
        return f"outer caught {e!r}"


c = outer()
print(c.send(None))
print(c.throw(ZeroDivisionError))
try:
    c.send("resumed")
except StopIteration as stop:
    print(stop.value)

c2 = outer()
c2.send(None)
try:
    c2.throw(IndexError("deep"))
except StopIteration as stop:
    print(stop.value)


def handler_state():
    try:
        raise KeyError("outer")
    except KeyError:
        yield "in handler"
        raise


h = handler_state()
print(next(h))
try:
    raise ValueError("unrelated")
except ValueError:
    pass
try:
    next(h)
except KeyError as e:
    print("re-raised after resuming:", repr(e))


# close() raises GeneratorExit at the suspended yield: finally blocks run, and since 3.13
# close() gives back what the generator returned.
def with_finally():
    try:
        yield 1
        yield 2
    finally:
        print("finally ran")


it = with_finally()
print(next(it))
print(it.close(), it.close())


def stubborn():
    ignored = False
    while True:
        try:
            yield 1
        except GeneratorExit:
            if ignored:
                return
            ignored = True
            print("ignoring GeneratorExit")


s = stubborn()
next(s)
try:
    s.close()
except RuntimeError as e:
    print(e)
s.close()


def returns():
    try:
        yield 1
    except GeneratorExit:
        return 5


r = returns()
next(r)
print(r.close())
