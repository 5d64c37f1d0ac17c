# Coroutines without an event loop: async def, await, async with, async for, driven by send().


async def add(a, b):
    return a + b


async def twice(x):
    first = await add(x, x)
    second = await add(first, first)
    return second


class Resource:
    def __init__(self, name):
        self.name = name

    async def __aenter__(self):
        print("open", self.name)
        return self

    async def __aexit__(self, exc_type, exc, tb):
        print("close", self.name, exc_type.__name__ if exc_type else None)
        return exc_type is KeyError


class Countdown:
    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n == 0:
            raise StopAsyncIteration
        self.n -= 1
        return self.n


async def main():
    print("twice", await twice(3))
    async with Resource("a") as r:
        print("inside", r.name)
    async with Resource("b"):
        raise KeyError("swallowed")
    try:
        async with Resource("c"):
            raise ValueError("kept")
    except ValueError as e:
        print("caught", e)
    seen = []
    async for i in Countdown(5):
        if i == 3:
            continue
        if i == 1:
            break
        seen.append(i)
    else:
        print("no break")
    print("seen", seen)
    async for i in Countdown(2):
        print("tick", i)
    else:
        print("exhausted")
    for bad in (5, "text", None):
        try:
            await bad
        except TypeError as e:
            print("TypeError:", e)
    return "finished"


coro = main()
print(type(coro).__name__)
try:
    coro.send(None)
except StopIteration as stop:
    print("returned", stop.value)

c = add(1, 2)
try:
    c.send(None)
except StopIteration as stop:
    print("add gave", stop.value)


async def reuse():
    inner = add(2, 2)
    print(await inner)
    try:
        await inner
    except RuntimeError as e:
        print("RuntimeError:", e)


try:
    reuse().send(None)
except StopIteration:
    print("reuse done")
