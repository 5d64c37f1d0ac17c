# break, continue and return through async with (both managers exit, in order), and the
# TypeErrors for objects that are not asynchronous context managers or iterables.
import asyncio
class CM:
    def __init__(self, n): self.n = n
    async def __aenter__(self):
        await asyncio.sleep(0)
        print("enter", self.n); return self.n
    async def __aexit__(self, *a):
        await asyncio.sleep(0)
        print("exit", self.n, a[0].__name__ if a[0] else None)
async def f():
    for i in range(4):
        async with CM(i) as n, CM(i + 10):
            if n == 1:
                continue
            if n == 2:
                break
            print("body", n)
    async with CM(99):
        return "returned"
async def g():
    try:
        async with CM(5):
            await asyncio.sleep(0)
            raise ValueError("inside")
    except ValueError as e:
        print("caught", e)
    class Bad: pass
    try:
        async with Bad():
            pass
    except TypeError as e:
        print(e)
    try:
        async for x in [1, 2]:
            pass
    except TypeError as e:
        print(e)
async def main():
    print(await f())
    await g()
asyncio.run(main())
