# await inside list, set and dict comprehensions of a coroutine (asynchronous comprehensions).
import asyncio
async def double(x):
    await asyncio.sleep(0)
    return 2 * x
async def main():
    print([await double(x) for x in range(4)])
    print({x: await double(x) for x in range(3) if await double(x) > 0})
    print(sorted({await double(x) for x in [1, 1, 2]}))
    print([[await double(x * y) for y in range(2)] for x in range(3)])
    tasks = [asyncio.create_task(double(i)) for i in range(3)]
    print([await t for t in tasks])
    f = lambda x: x + 1
    print([f(await double(i)) for i in range(2)])
asyncio.run(main())
