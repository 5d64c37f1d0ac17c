# Asynchronous comprehensions in a coroutine: await in list, set and dict comprehensions,
# and async for over an asynchronous iterator.
import asyncio
async def double(x):
    await asyncio.sleep(0)
    return 2 * x
class Ticker:
    def __init__(self, n): self.n = n; self.i = 0
    def __aiter__(self): return self
    async def __anext__(self):
        await asyncio.sleep(0)
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i
async def main():
    print([x async for x in Ticker(3)])
    print([x * y async for x in Ticker(2) for y in range(3) if y])
    print([(x, y) for x in range(2) async for y in Ticker(2)])
    print({x: x * x async for x in Ticker(3) if x != 2})
    print([await double(x) for x in range(4)])
    print({x: await double(x) for x in range(3) if await double(x) > 0})
    print(sorted({await double(x) for x in [1, 1, 2]}))
    print([[await double(x * y) for y in range(2)] for x in range(3)])
    tasks = [asyncio.create_task(double(i)) for i in range(3)]
    print([await t for t in tasks])
    f = lambda x: x + 1
    print([f(await double(i)) for i in range(2)])
asyncio.run(main())
